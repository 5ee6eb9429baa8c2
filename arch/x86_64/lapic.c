/* Local APIC (SDM vol. 3, chapter 11): xAPIC through MMIO, or x2APIC
 * through MSRs 0x800+ when the CPU offers it. The timer runs one-shot
 * only (DESIGN.md: tickless); TSC-deadline mode is used by the clock
 * code when present. */
#include "acpi.h"
#include "arch.h"
#include "irq.h"
#include "mm.h"
#include "printk.h"

#define REG_ID 0x20
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_ICR_LO 0x300
#define REG_ICR_HI 0x310
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define LVT_DM_NMI (4u << 8) /* delivery mode NMI; the vector is ignored */
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR 0x390
#define REG_TIMER_DIV 0x3e0
#define LVT_MASKED (1u << 16)
#define LVT_TSC_DEADLINE (2u << 17)

static volatile uint32_t *mmio;
static bool x2;

static uint32_t
rd(uint32_t reg)
{
	return x2 ? (uint32_t)rdmsr(0x800 + (reg >> 4)) : mmio[reg / 4];
}

static void
wr(uint32_t reg, uint32_t v)
{
	if (x2)
		wrmsr(0x800 + (reg >> 4), v);
	else
		mmio[reg / 4] = v;
}

void
lapic_init(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	x2 = cpu_features.x2apic;
	base |= 1u << 11; /* global enable */
	if (x2)
		base |= 1u << 10;
	wrmsr(MSR_APIC_BASE, base);
	if (!x2)
		mmio = mm_map_mmio(platform.lapic_addr, PAGE_SIZE);
	wr(REG_SVR, 0x100 | VEC_SPURIOUS);
	wr(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	/* LINT1 as NMI, on every CPU: the way a hypervisor's NMI comes in
	 * (QEMU's inject-nmi, which tools/unum sends at --timeout for the
	 * hang dump, raises LINT1 of each CPU's LAPIC) */
	wr(REG_LVT_LINT1, LVT_DM_NMI);
	wr(REG_TIMER_DIV, 0xb); /* divide by 1 */
	wr(REG_EOI, 0);
}

void
lapic_eoi(void)
{
	wr(REG_EOI, 0);
}

uint32_t
lapic_id(void)
{
	return x2 ? rd(REG_ID) : rd(REG_ID) >> 24;
}

static void icr(uint32_t apic_id, uint32_t lo);

void
lapic_send_ipi(uint32_t apic_id, int vector)
{
	icr(apic_id, (uint32_t)vector);
}

/* INIT and STARTUP IPIs (SDM vol. 3, 8.4.4.1) for bringing up an AP */
static void
icr(uint32_t apic_id, uint32_t lo)
{
	if (x2) {
		wrmsr(0x830, ((uint64_t)apic_id << 32) | lo);
		return;
	}
	wr(REG_ICR_HI, apic_id << 24);
	wr(REG_ICR_LO, lo);
	while (rd(REG_ICR_LO) & (1u << 12))
		cpu_relax();
}

void
lapic_send_ipi_others(int vector)
{
	icr(0, 0xc0000 | (uint32_t)vector); /* shorthand: all excluding self */
}

void
lapic_send_init(uint32_t apic_id)
{
	icr(apic_id, 0x4500); /* INIT, level assert */
}

void
lapic_send_sipi(uint32_t apic_id, uint8_t page)
{
	icr(apic_id, 0x4600 | page);
}

void
lapic_timer_oneshot(uint32_t ticks)
{
	wr(REG_LVT_TIMER, ticks ? VEC_TIMER : (LVT_MASKED | VEC_TIMER));
	wr(REG_TIMER_INIT, ticks);
}

/* the count runs down from ticks with the interrupt masked: a stopwatch */
void
lapic_timer_count_masked(uint32_t ticks)
{
	wr(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	wr(REG_TIMER_INIT, ticks);
}

uint32_t
lapic_timer_current(void)
{
	return rd(REG_TIMER_CUR);
}

void
lapic_tsc_deadline_mode(void)
{
	wr(REG_LVT_TIMER, LVT_TSC_DEADLINE | VEC_TIMER);
}
