/* Starting the app: the ELF loaded with the argv and environment the
 * start-up read (loader/args.c; core/main.c made its world: the initrd
 * unpacked, the RNG seeded, the console files open), and a thread that
 * jumps in. */
#include "arch.h"
#include "boottime.h"
#include "errno.h"
#include "lib.h"
#include "loader.h"
#include "power.h"
#include "printk.h"
#include "random.h"
#include "sched.h"

static struct app_image img;

static void *
app_thread(void *arg)
{
	boottime_done(); /* the app's first instruction next */
	arch_enter_app(img.entry, img.sp);
}

void
app_run(void)
{
	const char *const *argv = app_argv();
	const char *why;
	uint8_t rnd[16];

	if (!argv)
		return; /* no initrd, no app */
	boot_step("elf_load");
	random_bytes(rnd, sizeof(rnd));
	int err = elf_load(argv[0], argv, app_envp(), rnd, &img, &why);
	if (err) {
		printk(KERN_ERR "unum: %s: cannot run: %s", argv[0], why);
		kernel_exit(err == -ENOENT ? 127 : 126);
	}
	boot_step("app_thread");
	struct thread *t = thread_create_suspended(app_thread, NULL, "app");
	if (IS_ERR(t))
		panic("out of memory: the app's thread");
	thread_set_app(t); /* signals may come to it; its tid is the pid */
	thread_start_created(t, -1);
	/* the app ends the VM (exit_group); this thread has nothing more to do */
	thread_join(t, NULL);
	kernel_exit(0);
}
