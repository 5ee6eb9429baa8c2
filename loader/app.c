/* Starting the app: the initrd unpacked into the root file system, its
 * argv, environment and seed read from /.unum (docs/host-guest.md), the
 * console files opened, the ELF loaded, and a thread that jumps in. */
#include "arch.h"
#include "boot.h"
#include "clock.h"
#include "cmdline.h"
#include "errno.h"
#include "lib.h"
#include "loader.h"
#include "mm.h"
#include "power.h"
#include "printk.h"
#include "random.h"
#include "sched.h"
#include "vfs.h"

#define MAX_ARGS 4096

static struct app_image img;

/* NUL-separated strings of a /.unum file, as a NULL-terminated array */
static char **
read_list(const char *path, char *fallback)
{
	struct vnode *v;
	char **list;
	int n = 0;

	list = kzalloc(MAX_ARGS * sizeof(char *));
	if (!list)
		panic("out of memory: the app's arguments");
	if (vfs_lookup(NULL, path, true, &v)) {
		list[0] = fallback;
		return list;
	}
	vfs_node_hold(v); /* its bytes outlive its name (see app_run) */
	for (size_t i = 0; i < v->v_size && n + 1 < MAX_ARGS;) {
		char *s = (char *)v->v_data + i;
		size_t len = strnlen(s, v->v_size - i);
		if (i + len >= v->v_size)
			break; /* an unterminated tail is dropped */
		list[n++] = s;
		i += len + 1;
	}
	if (!n)
		list[n++] = fallback;
	return list;
}

static void *
app_thread(void *arg)
{
	arch_enter_app(img.entry, img.sp);
}

static bool tty_flag;

static int
set_tty(const char *v)
{
	tty_flag = true;
	return v ? -EINVAL : 0;
}
CMDLINE_KEY("tty", set_tty);

void
app_run(void)
{
	const char *why;
	struct vnode *v;
	uint8_t rnd[16];
	const void *in = "";
	size_t inlen = 0;

	if (boot_info.nmods == 0)
		return;
	devfs_init();
	if (initrd_unpack(mm_p2v(boot_info.mods[0].base), boot_info.mods[0].len, &why))
		panic("initrd: %s", why);
	/* Per-boot noise first: a disk image's /.unum/seed was baked in when
	 * the image was made and is the same at every boot, so the TSC and
	 * the RTC's time go in whatever the seed (RDRAND, when the CPU has
	 * it, joins every draw in random_bytes). */
	uint64_t noise[2] = {rdtsc(), (uint64_t)rtc_read_epoch()};
	random_seed(noise, sizeof(noise));
	if (!vfs_lookup(NULL, "/.unum/seed", true, &v))
		random_seed(v->v_data, v->v_size);
	random_bytes(rnd, sizeof(rnd));
	if (!vfs_lookup(NULL, "/.unum/stdin", true, &v)) {
		vfs_node_hold(v); /* the console reads it after the unlink below */
		in = v->v_data;
		inlen = v->v_size;
	}
	console_files_init(in, inlen, tty_flag);
	char **argv = read_list("/.unum/argv", "/app/app");
	char **envp = read_list("/.unum/env", NULL);
	/* the app's tree is its own: /.unum goes (the nodes, and the bytes
	 * of those held above, stay allocated) */
	static const char *const unum_files[] = {"/.unum/argv", "/.unum/env", "/.unum/seed",
	                                         "/.unum/stdin"};
	for (size_t i = 0; i < ARRAY_SIZE(unum_files); i++)
		vfs_remove(NULL, unum_files[i], false);
	vfs_remove(NULL, "/.unum", true);
	procfs_init(argv[0], (const char *const *)argv);
	etc_init(); /* /etc/passwd and the rest, unless the app brought them */
	int err = elf_load(argv[0], argv, envp, rnd, &img, &why);
	if (err) {
		printk(KERN_ERR "unum: %s: cannot run: %s", argv[0], why);
		kernel_exit(err == -ENOENT ? 127 : 126);
	}
	struct thread *t = thread_create_suspended(app_thread, NULL, "app");
	if (IS_ERR(t))
		panic("out of memory: the app's thread");
	thread_set_app(t); /* signals may come to it; its tid is the pid */
	thread_start_created(t, -1);
	/* the app ends the VM (exit_group); this thread has nothing more to do */
	thread_join(t, NULL);
	kernel_exit(0);
}
