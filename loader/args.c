/* The app's argv and environment: the NUL-separated strings of the
 * initrd's /.unum/argv and /.unum/env (docs/host-guest.md), read at
 * start-up (core/main.c) before /.unum goes. */
#include "lib.h"
#include "loader.h"
#include "mm.h"
#include "printk.h"
#include "vfs.h"

static const char **argv, **envp;

/* NUL-separated strings of a /.unum file, as a NULL-terminated array:
 * all of them (the loader refuses more than Linux's execve takes) */
static const char **
read_list(const char *path, const char *fallback)
{
	struct vnode *v;
	const char **list;
	size_t n = 0, size = 0;
	const char *b = NULL;

	/* the lookup's hold is kept: its bytes outlive its name (initrd_unum_remove) */
	if (!vfs_lookup(NULL, path, true, &v))
		b = vfs_bytes(v, &size);
	for (size_t i = 0; b && i < size; i++)
		n += !b[i]; /* an unterminated tail is not a string: dropped */
	list = kzalloc((n + 2) * sizeof(char *));
	if (!list)
		panic("out of memory: the app's arguments (%lu strings)", (unsigned long)n);
	n = 0;
	for (size_t i = 0; b && i < size;) {
		const char *s = b + i;
		size_t len = strnlen(s, size - i);
		if (i + len >= size)
			break;
		list[n++] = s;
		i += len + 1;
	}
	if (!n)
		list[n++] = fallback;
	return list;
}

void
app_args_init(void)
{
	argv = read_list("/.unum/argv", "/app/app");
	envp = read_list("/.unum/env", NULL);
}

const char *const *
app_argv(void)
{
	return argv;
}

const char *const *
app_envp(void)
{
	return envp;
}
