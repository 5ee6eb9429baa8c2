/* Out of memory (include/mm.h): the app's page fault found no frame, so
 * the app is killed as Linux's OOM killer would kill it (one process to
 * choose): one log line, then the VM ends with 128 + SIGKILL. Exercised
 * by tests/e2e/mem-oom.sh (256 MiB written in a 128 MiB guest). */
#include "loader.h"
#include "mm.h"
#include "power.h"
#include "printk.h"
#include "uapi/signal.h"
#include "vma.h"

void
mm_oom_kill(void)
{
	const char *const *argv = app_argv();

	printk(KERN_ERR "unum: out of memory: killed %s (rss %lu KiB, free %lu KiB)",
	       argv && argv[0] ? argv[0] : "the app", (unsigned long)(vma_resident() >> 10),
	       (unsigned long)(frame_free_bytes() >> 10));
	kernel_exit(128 + SIGKILL);
}
