/* Which tables describe this machine: ACPI when there is an RSDP, else
 * the MP table, else a lone boot CPU. The boot CPU is moved to slot 0. */
#include "acpi.h"
#include "arch.h"
#include "lib.h"
#include "printk.h"

struct platform platform;

static void
boot_cpu_first(struct platform *p)
{
	uint32_t r[4], me;

	cpuid(1, 0, r);
	me = r[1] >> 24;
	if (cpu_features.x2apic) {
		cpuid(0xb, 0, r);
		me = r[3];
	}
	for (int i = 0; i < p->ncpus; i++) {
		if (p->cpu_apic_id[i] == me) {
			p->cpu_apic_id[i] = p->cpu_apic_id[0];
			p->cpu_apic_id[0] = me;
			return;
		}
	}
}

void
platform_init(void)
{
	struct platform *p = &platform;

	memset(p, 0, sizeof(*p));
	if (acpi_parse(acpi_find_rsdp(), p) || p->ncpus == 0) {
		struct platform keep = *p; /* FADT/MCFG survive a MADT-less ACPI */
		memset(p, 0, sizeof(*p));
		if (mptable_parse(p)) {
			memset(p, 0, sizeof(*p));
			p->source = "none";
			p->ncpus = 1;
			p->lapic_addr = 0xfee00000;
		}
		p->pm1a_cnt = keep.pm1a_cnt;
		p->s5_typ = keep.s5_typ;
		p->has_s5 = keep.has_s5;
		p->mcfg_base = keep.mcfg_base;
	}
	if (!p->lapic_addr)
		p->lapic_addr = 0xfee00000;
	boot_cpu_first(p);
	if (p->cpus_truncated)
		printk(KERN_WARN "platform: more than %d CPUs; using the first %d", MAX_CPUS,
		       MAX_CPUS);
}

void
platform_isa_irq(int irq, uint32_t *gsi, bool *level, bool *active_low)
{
	*gsi = irq;
	*level = false;
	*active_low = false;
	for (int i = 0; i < platform.noverrides; i++) {
		const struct isa_override *o = &platform.overrides[i];
		if (o->isa_irq == irq) {
			*gsi = o->gsi;
			*level = o->level;
			*active_low = o->active_low;
		}
	}
}
