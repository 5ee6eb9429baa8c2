/* Start-up steps and their cost (kernel argument `boottime`).
 * boot_step(NAME) opens step NAME and closes the one before: core/main.c
 * calls it before each init (STEP), core/run.c and loader/app.c on the
 * way to the app; boottime_done() closes the last step before the app's
 * first instruction. Each call takes the TSC, and the instructions
 * retired when the CPU has an architectural fixed counter (Intel PMU,
 * under KVM; TCG has none). With `boottime` the table goes to the
 * kernel log at exit (boottime_report, from kernel_exit), one record per
 * step. boot_step is never inlined: tools/bench's icount plugin counts
 * guest instructions at each of its calls (every=), which gives the same
 * table under TCG (tools/bench/sections/10-boot.sh, docs/boottime.md). */
#ifndef UNUM_BOOTTIME_H
#define UNUM_BOOTTIME_H

#include "types.h"

void boot_step(const char *name);
void boottime_done(void);
void boottime_report(void);

/* STEP(init(args)): boot_step named after the call, then the call */
#define STEP(call)                                                                                 \
	do {                                                                                       \
		boot_step(#call);                                                                  \
		call;                                                                              \
	} while (0)

#endif
