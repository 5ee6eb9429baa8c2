/* Platform discovery without ACPICA: the ACPI tables (RSDP, RSDT/XSDT,
 * MADT, FADT, MCFG, and \_S5 in the DSDT) when there is an RSDP, else the
 * Intel MP table (microvm with acpi=off, Firecracker). Either fills the
 * same struct platform: CPUs, IOAPICs, ISA interrupt overrides.
 * platform_init() never fails: no tables means one CPU, no IOAPIC. */
#ifndef UNUM_ACPI_H
#define UNUM_ACPI_H

#include "types.h"

#define MAX_CPUS 64
#define MAX_IOAPICS 4

struct ioapic_info {
	uint32_t id, gsi_base;
	uint64_t addr;
};

struct isa_override {
	uint8_t isa_irq;
	uint32_t gsi;
	bool level, active_low;
};

struct platform {
	const char *source; /* "acpi", "mptable" or "none" */
	int ncpus;
	uint32_t cpu_apic_id[MAX_CPUS]; /* [0] is the boot CPU when known */
	bool cpus_truncated;
	int nioapics;
	struct ioapic_info ioapic[MAX_IOAPICS];
	int noverrides;
	struct isa_override overrides[16];
	uint64_t lapic_addr;
	uint64_t mcfg_base; /* PCI ECAM, 0 if none */
	uint8_t mcfg_bus_start, mcfg_bus_end;
	uint16_t pm1a_cnt; /* FADT PM1a control port, 0 if none */
	uint16_t s5_typ;   /* SLP_TYPa for S5 */
	bool has_s5;
	/* the fixed power button (FADT): PM1a event block (status, then
	 * enable, each pm1_evt_len / 2 bytes), the SCI's ISA IRQ, and the
	 * SMI command that turns ACPI mode on; 0 when absent */
	uint16_t pm1a_evt;
	uint8_t pm1_evt_len;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint32_t fadt_flags;
	/* the generic event device (ACPI0013) of a hardware-reduced machine
	 * (microvm with acpi=on): its event register (32 bits, clear on
	 * read) and interrupt, from the DSDT; ged_evt 0 when absent */
	uint64_t ged_evt;
	uint32_t ged_gsi;
	bool ged_level, ged_low;
};

#define FADT_HW_REDUCED (1u << 20) /* fadt_flags: no fixed hardware (PM1 blocks) */

extern struct platform platform;

void platform_init(void);
/* Parse from a given RSDP (tests); 0 or -ENOENT */
int acpi_parse(uint64_t rsdp_pa, struct platform *p);
int mptable_parse(struct platform *p);
/* the RSDP the loader gave, or (multiboot2 without one) the BIOS scan's; 0 */
uint64_t acpi_find_rsdp(void);

/* The S5 write for power-off: 0 with port/value, or -ENODEV */
int acpi_s5(uint16_t *port, uint16_t *value);

/* The power button (drivers/acpi_button.c): the fixed one (PWRBTN_EN and
 * the SCI routed where the FADT has a PM1a event block), or the GED's
 * power-down event on a hardware-reduced machine; a press sends the app
 * SIGTERM, then SIGKILL after stop_grace= (default 10 s) */
void acpi_button_init(void);

/* GSI and trigger for an ISA IRQ after overrides */
void platform_isa_irq(int irq, uint32_t *gsi, bool *level, bool *active_low);

#endif
