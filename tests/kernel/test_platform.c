/* In-guest tests of platform discovery and the command line. The runner
 * tells the kernel what QEMU was given: test.cpus=N test.tables=KIND. */
#include "acpi.h"
#include "arch.h"
#include "cmdline.h"
#include "errno.h"
#include "irq.h"
#include "ktest.h"
#include "lib.h"
#include "sched.h"

static uint64_t want_cpus;
static char want_tables[16];

static int
set_cpus(const char *v)
{
	return v ? parse_u64(v, strlen(v), &want_cpus, false) : -EINVAL;
}
CMDLINE_KEY("test.cpus", set_cpus);

static int
set_tables(const char *v)
{
	if (!v || strlen(v) >= sizeof(want_tables))
		return -EINVAL;
	memcpy(want_tables, v, strlen(v) + 1);
	return 0;
}
CMDLINE_KEY("test.tables", set_tables);

KTEST(cpus_found_in_tables)
{
	if (!want_cpus) {
		ktest_skip("no test.cpus given");
		return;
	}
	EXPECT_EQ(platform.ncpus, want_cpus);
	for (int i = 1; i < platform.ncpus; i++)
		EXPECT(percpu_of[i] && percpu_of[i]->ist_stacks);
}

KTEST(tables_source_and_ioapic)
{
	if (want_tables[0])
		EXPECT(!strcmp(platform.source, want_tables));
	EXPECT(platform.nioapics >= 1);
	EXPECT(platform.lapic_addr == 0xfee00000);
	/* the APIC id of the CPU this runs on (the test thread may have
	 * moved off the boot CPU), read with interrupts off so it cannot move
	 * between the two reads */
	uint64_t fl = irq_save();
	uint32_t id = lapic_id();
	int cpu = sched_this_cpu();
	irq_restore(fl);
	EXPECT_EQ(id, platform.cpu_apic_id[cpu]);
	if (!strcmp(platform.source, "acpi") && platform.pm1a_cnt) {
		/* a full ACPI machine (q35): S5 for power-off, ECAM for PCI */
		uint16_t port, val;
		EXPECT_EQ(acpi_s5(&port, &val), 0);
		EXPECT(platform.mcfg_base != 0);
		EXPECT(platform.mcfg_bus_end >= platform.mcfg_bus_start);
	}
}

KTEST(cmdline_garbage_is_warned_not_fatal)
{
	/* the kernel's own walk: two unknown tokens, one malformed, one good */
	EXPECT_EQ(cmdline_parse("foo=bar %%% =x loglevel=6"), 3);
	EXPECT_EQ(cmdline_parse("loglevel=99"), 1);
	EXPECT_EQ(cmdline_parse("loglevel=6 virtio_mmio.device=512@0xfeb00e00:12"), 0);
}

static volatile int vec_hits;
static void
count_hit(struct trapframe *tf, void *arg)
{
	vec_hits++;
}

KTEST(vector_allocation)
{
	int v = irq_alloc_vector(count_hit, NULL), w;

	EXPECT(v >= IRQ_VEC_FIRST && v <= IRQ_VEC_LAST);
	w = irq_alloc_vector(count_hit, NULL);
	EXPECT(w != v && w >= IRQ_VEC_FIRST);
	irq_set_handler(v, NULL, NULL);
	irq_set_handler(w, NULL, NULL);
}

#include "vmmio_args.h"

KTEST(virtio_mmio_device_argument)
{
	struct vmmio_dev d;

	EXPECT_EQ(vmmio_parse("512@0xfeb00e00:12", &d), 0);
	EXPECT_EQ(d.size, 512);
	EXPECT_EQ(d.base, 0xfeb00e00);
	EXPECT_EQ(d.irq, 12);
	EXPECT_EQ(vmmio_parse("4K@0xd0000000:5:3", &d), 0);
	EXPECT_EQ(d.size, 4096);
	EXPECT_EQ(vmmio_parse("512@0xfeb00e00", &d), -EINVAL);
	EXPECT_EQ(vmmio_parse("@0x1000:5", &d), -EINVAL);
	EXPECT_EQ(vmmio_parse("512@zz:5", &d), -EINVAL);
}
