/* Start-up steps timed (include/boottime.h): the TSC at each boot_step,
 * and the instructions retired from the PMU's fixed counter 0 when the
 * CPU has one and `boottime` asked for it. Recording is always on (a few
 * instructions a step, so the steps before the command line is read are
 * there too); the table is printed only with `boottime`. */
#include "boottime.h"
#include "arch.h"
#include "clock.h"
#include "cmdline.h"
#include "errno.h"
#include "lib.h"
#include "printk.h"

#define MAX_STEPS 48
#define MSR_FIXED_CTR_CTRL 0x38d
#define MSR_PERF_GLOBAL_CTRL 0x38f

struct step {
	const char *name; /* the STEP's call text, or the caller's name */
	uint64_t tsc;
	uint64_t insns; /* fixed counter 0, when pmu */
};

static struct step steps[MAX_STEPS];
static int nsteps;
static bool done, wanted, pmu;

/* noipa: a call the compiler keeps, at one address (the icount mark) */
__used __attribute__((noipa)) void
boot_step(const char *name)
{
	struct step *s;

	if (done || nsteps == MAX_STEPS)
		return;
	s = &steps[nsteps++];
	s->name = name;
	s->tsc = rdtsc();
	s->insns = pmu ? rdpmc(1u << 30) : 0 /* fixed counter 0 */;
}

void
boottime_done(void)
{
	boot_step(NULL);
	done = true;
}

/* Architectural performance monitoring version 2 or later with a fixed
 * counter (CPUID 0xa, SDM vol. 3, 20.2.2): counter 0 counts instructions
 * retired, in ring 0 and ring 3 */
static void
pmu_start(void)
{
	uint32_t r[4];

	cpuid(0, 0, r);
	if (r[0] < 0xa)
		return;
	cpuid(0xa, 0, r);
	if ((r[0] & 0xff) < 2 || (r[3] & 0x1f) < 1)
		return;
	wrmsr(MSR_FIXED_CTR_CTRL, (rdmsr(MSR_FIXED_CTR_CTRL) & ~0xfull) | 0x3);
	wrmsr(MSR_PERF_GLOBAL_CTRL, rdmsr(MSR_PERF_GLOBAL_CTRL) | 1ull << 32);
	pmu = true;
}

static int
set_boottime(const char *v)
{
	if (v)
		return -EINVAL;
	wanted = true;
	pmu_start();
	return 0;
}
CMDLINE_KEY("boottime", set_boottime);

/* the call text up to its '(' ("mm_init()" -> "mm_init") */
static int
name_len(const char *name)
{
	int n = 0;

	while (name[n] && name[n] != '(')
		n++;
	return n;
}

void
boottime_report(void)
{
	uint64_t hz = clock_tsc_hz();
	int last = done ? nsteps - 1 : nsteps;

	if (!wanted || !nsteps)
		return;
	printk(KERN_INFO "boottime: %d steps; tsc %luMHz; instructions %s", last,
	       (unsigned long)(hz / 1000000),
	       pmu ? "from the PMU (from the command line on)" : "-");
	printk(KERN_INFO "boottime: tsc at the first step %lu", (unsigned long)steps[0].tsc);
	for (int i = 0; i < last; i++) {
		const struct step *s = &steps[i], *e = i + 1 < nsteps ? &steps[i + 1] : NULL;
		char insns[24] = "-", ticks[24] = "-", us[24] = "-";

		if (e) {
			uint64_t d = e->tsc - s->tsc;
			fmt_snprintf(ticks, sizeof(ticks), "%lu", (unsigned long)d);
			if (hz)
				fmt_snprintf(us, sizeof(us), "%lu.%lu",
				             (unsigned long)(d * 1000000 / hz),
				             (unsigned long)(d * 10000000 / hz % 10));
			if (pmu && s->insns)
				fmt_snprintf(insns, sizeof(insns), "%lu",
				             (unsigned long)(e->insns - s->insns));
		}
		printk(KERN_INFO "boottime: step %d %.*s insns %s tsc %s us %s", i,
		       name_len(s->name), s->name, insns, ticks, us);
	}
	if (last > 0) {
		uint64_t d = steps[last].tsc - steps[0].tsc;
		printk(KERN_INFO "boottime: total tsc %lu us %lu", (unsigned long)d,
		       hz ? (unsigned long)(d * 1000000 / hz) : 0ul);
	}
}
