/* The app's argv and environment: the NUL-separated strings of the
 * initrd's /.unum/argv and /.unum/env (docs/host-guest.md), read at
 * start-up (core/main.c) before /.unum goes. */
#include "lib.h"
#include "loader.h"
#include "mm.h"
#include "printk.h"
#include "vfs.h"

#define MAX_ARGS 4096

static const char **argv, **envp;

/* NUL-separated strings of a /.unum file, as a NULL-terminated array */
static const char **
read_list(const char *path, const char *fallback)
{
	struct vnode *v;
	const char **list;
	int n = 0;

	list = kzalloc(MAX_ARGS * sizeof(char *));
	if (!list)
		panic("out of memory: the app's arguments");
	if (vfs_lookup(NULL, path, true, &v)) {
		list[0] = fallback;
		return list;
	}
	/* the lookup's hold is kept: its bytes outlive its name (initrd_unum_remove) */
	size_t size;
	const char *b = vfs_bytes(v, &size);
	for (size_t i = 0; b && i < size && n + 1 < MAX_ARGS;) {
		const char *s = b + i;
		size_t len = strnlen(s, size - i);
		if (i + len >= size)
			break; /* an unterminated tail is dropped */
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
