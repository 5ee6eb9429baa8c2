/* What the kernel does once ready: run the app (loader/app.c) when
 * start-up found an initrd (core/main.c), else report and power off. The
 * test and bench kernels link their own kernel_run instead
 * (tests/kernel/run.c, tools/bench/kernel/). */
#include "boottime.h"
#include "ktest.h"
#include "loader.h"
#include "net.h"
#include "power.h"
#include "printk.h"
#include "vfs.h"

void
kernel_run(void)
{
	STEP(net_wait_config()); /* DHCP's address, when asked for, before the app */
	STEP(etc_resolv_init());
	app_run(); /* returns when there is no app */
	boottime_done();
	printk(KERN_INFO "no app to run");
	kernel_exit(0);
}
