/* What the kernel does once ready, without an app: report and power off.
 * (The app loader takes over here once static binaries run.) */
#include "ktest.h"
#include "loader.h"
#include "power.h"
#include "printk.h"

void
kernel_run(void)
{
	app_run(); /* returns when the initrd has no app */
	printk(KERN_INFO "no app to run");
	kernel_exit(0);
}
