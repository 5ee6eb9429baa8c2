/* Bringing up the application processors (DESIGN.md, Scheduler): every
 * CPU of the ACPI MADT or MP table, one at a time, through INIT-SIPI-SIPI
 * (SDM vol. 3, 8.4.4) and the real-mode trampoline (arch/x86_64/
 * trampoline.S) at TRAMP_PHYS; each AP joins the scheduler idle. */
#include "acpi.h"
#include "arch.h"
#include "clock.h"
#include "irq.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "sched.h"
#include "sections.h"

#define TRAMP_PHYS 0x8000

static volatile int ap_started;

/* first C on an AP, on its idle stack */
static void __noreturn
ap_entry(struct percpu *pc)
{
	wrmsr(MSR_GS_BASE, (uintptr_t)pc);
	arch_set_kstack(pc->kstack_lo, pc->kstack_hi);
	arch_cpu_init_tables(pc);
	arch_idt_load();
	arch_fpu_init_cpu(false);
	arch_syscall_init();
	lapic_init();
	__atomic_store_n(&ap_started, 1, __ATOMIC_RELEASE);
	sched_start_cpu();
}

static void
delay_us(uint64_t us)
{
	uint64_t end = clock_ns() + us * 1000;

	while (clock_ns() < end)
		cpu_relax();
}

static bool
start_ap(int i)
{
	struct percpu *pc = percpu_of[i];
	uint8_t *tramp = mm_p2v(TRAMP_PHYS);
	uint64_t deadline;

	if (kstack_alloc(&pc->kstack_lo, &pc->kstack_hi))
		panic("out of memory: idle stack of CPU %d", i);
	memcpy(tramp, trampoline_start, trampoline_end - trampoline_start);
	/* the data words, at their offsets within the copied page */
#define TW(sym) (*(uint64_t *)(tramp + ((char *)&sym - trampoline_start)))
	TW(tramp_cr3) = mm_kernel_cr3(); /* below 4 GiB: allocated at boot */
	TW(tramp_stack) = pc->kstack_hi;
	TW(tramp_entry) = (uintptr_t)ap_entry;
	TW(tramp_arg) = (uintptr_t)pc;
#undef TW
	ap_started = 0;
	lapic_send_init(pc->apic_id);
	delay_us(100);
	lapic_send_sipi(pc->apic_id, TRAMP_PHYS >> 12);
	deadline = clock_ns() + 200000;
	while (!__atomic_load_n(&ap_started, __ATOMIC_ACQUIRE) && clock_ns() < deadline)
		cpu_relax();
	if (!ap_started)
		lapic_send_sipi(pc->apic_id, TRAMP_PHYS >> 12); /* the spec's second SIPI */
	deadline = clock_ns() + 2000000000ull;
	while (!__atomic_load_n(&ap_started, __ATOMIC_ACQUIRE) && clock_ns() < deadline)
		cpu_relax();
	return ap_started;
}

void
smp_boot_aps(void)
{
	if (platform.ncpus < 2)
		return;
	/* the trampoline runs at its physical address with the kernel's
	 * tables: map that page there while APs start, then drop it */
	if (mm_map(TRAMP_PHYS, TRAMP_PHYS, PAGE_SIZE, 0))
		panic("out of memory: page tables for the SMP trampoline");
	for (int i = 1; i < platform.ncpus; i++) {
		int want = sched_cpu_count() + 1;
		if (!start_ap(i)) {
			printk(KERN_ERR "smp: CPU %d (APIC %u) did not start; going on without it",
			       i, percpu_of[i]->apic_id);
			break;
		}
		while (sched_cpu_count() < want)
			cpu_relax();
	}
	mm_unmap(TRAMP_PHYS, PAGE_SIZE);
}

int
smp_online_cpus(void)
{
	return sched_cpu_count();
}
