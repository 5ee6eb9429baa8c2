/* ACPI tables read directly (ACPI 6.4: 5.2.5 RSDP, 5.2.7/8 RSDT/XSDT,
 * 5.2.9 FADT, 5.2.12 MADT; PCI Firmware spec 4.1.2 MCFG), and the \_S5
 * package dug out of the DSDT's AML for power-off. */
#include "acpi.h"
#include "boot.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"

struct sdt_header {
	char sig[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_rev, creator, creator_rev;
} __packed;

struct rsdp {
	char sig[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t xchecksum, reserved[3];
} __packed;

static bool
checksum_ok(const void *p, size_t n)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += ((const uint8_t *)p)[i];
	return sum == 0;
}

/* a whole table, mapped, if its checksum holds */
static const struct sdt_header *
map_table(uint64_t pa)
{
	const struct sdt_header *h = mm_map_firmware(pa, sizeof(*h));

	if (h->length < sizeof(*h) || h->length > MiB(1))
		return NULL;
	h = mm_map_firmware(pa, h->length);
	return checksum_ok(h, h->length) ? h : NULL;
}

static void
madt_lapic(struct platform *p, uint32_t apic_id, uint32_t flags)
{
	if (!(flags & 3)) /* neither enabled nor online-capable */
		return;
	if (p->ncpus == MAX_CPUS) {
		p->cpus_truncated = true;
		return;
	}
	p->cpu_apic_id[p->ncpus++] = apic_id;
}

static void
parse_madt(struct platform *p, const struct sdt_header *h)
{
	const uint8_t *b = (const uint8_t *)h, *e = b + h->length, *q;

	p->lapic_addr = *(const uint32_t *)(b + 36);
	for (q = b + 44; q + 2 <= e && q[1] >= 2 && q + q[1] <= e; q += q[1]) {
		switch (q[0]) {
		case 0: /* processor local APIC */
			madt_lapic(p, q[3], *(const uint32_t *)(q + 4));
			break;
		case 9: /* processor local x2APIC */
			madt_lapic(p, *(const uint32_t *)(q + 4), *(const uint32_t *)(q + 8));
			break;
		case 1: /* I/O APIC */
			if (p->nioapics < MAX_IOAPICS)
				p->ioapic[p->nioapics++] = (struct ioapic_info){
				    .id = q[2],
				    .addr = *(const uint32_t *)(q + 4),
				    .gsi_base = *(const uint32_t *)(q + 8),
				};
			break;
		case 2: /* interrupt source override */
			if (p->noverrides < (int)ARRAY_SIZE(p->overrides)) {
				uint16_t fl = *(const uint16_t *)(q + 8);
				p->overrides[p->noverrides++] = (struct isa_override){
				    .isa_irq = q[3],
				    .gsi = *(const uint32_t *)(q + 4),
				    .active_low = (fl & 3) == 3,
				    .level = ((fl >> 2) & 3) == 3,
				};
			}
			break;
		case 5: /* local APIC address override */
			p->lapic_addr = *(const uint64_t *)(q + 4);
			break;
		}
	}
}

/* \_S5: NameOp '_S5_' PackageOp PkgLength NumElements, then SLP_TYPa as
 * ZeroOp, OneOp or BytePrefix n (ACPI 6.4, 20.2.5) */
static void
find_s5(struct platform *p, const struct sdt_header *dsdt)
{
	const uint8_t *b = (const uint8_t *)dsdt, *e = b + dsdt->length;

	for (const uint8_t *q = b + sizeof(*dsdt); q + 8 < e; q++) {
		if (memcmp(q, "_S5_", 4) || q[4] != 0x12)
			continue;
		q += 5;
		q += ((*q >> 6) & 3) + 1; /* PkgLength */
		q++;                      /* NumElements */
		if (q >= e)
			return;
		if (*q == 0x0a && q + 1 < e)
			p->s5_typ = q[1];
		else if (*q == 0x00 || *q == 0x01)
			p->s5_typ = *q;
		else
			return;
		p->has_s5 = true;
		return;
	}
}

/* The GED as QEMU's build_ged_aml writes it (ACPI 6.4, 5.6.9): Device
 * { Name (_HID, "ACPI0013"), Name (_CRS, ResourceTemplate { Interrupt
 * {GSI} }), OperationRegion (EREG, SystemMemory, ADDR, 4), Field (EREG)
 * { ESEL, 32 }, Method (_EVT) }. Without an AML interpreter: after the
 * _HID string, the first Extended Interrupt descriptor (0x89) and the
 * first SystemMemory OperationRegion (ExtOpPrefix 0x5b, 0x80) of the
 * device's next bytes; its offset a DWordConst or a QWordConst */
#define GED_SCAN 256

static void
find_ged(struct platform *p, const struct sdt_header *dsdt)
{
	static const uint8_t hid[] = "\x0d"
	                             "ACPI0013";
	const uint8_t *b = (const uint8_t *)dsdt, *e = b + dsdt->length, *q, *end;
	uint64_t evt = 0;
	bool irq = false;

	for (q = b + sizeof(*dsdt); q + sizeof(hid) <= e; q++)
		if (!memcmp(q, hid, sizeof(hid))) /* the string's NUL too */
			break;
	if (q + sizeof(hid) > e)
		return;
	end = MIN(e, q + GED_SCAN);
	for (q += sizeof(hid); q + 9 < end && !(irq && evt); q++) {
		if (!irq && q[0] == 0x89 && q[1] == 6 && q[2] == 0 && q[4] == 1) {
			p->ged_gsi = (uint32_t)q[5] | (uint32_t)q[6] << 8 | (uint32_t)q[7] << 16 |
			             (uint32_t)q[8] << 24;
			p->ged_level = !(q[3] & 2);
			p->ged_low = q[3] & 4;
			irq = true;
		} else if (!evt && q[0] == 0x5b && q[1] == 0x80 && q + 16 < end && q[6] == 0) {
			if (q[7] == 0x0c)
				memcpy(&evt, q + 8, 4);
			else if (q[7] == 0x0e && q + 16 < end)
				memcpy(&evt, q + 8, 8);
		}
	}
	if (irq && evt)
		p->ged_evt = evt;
}

static void
parse_fadt(struct platform *p, const struct sdt_header *h)
{
	const uint8_t *b = (const uint8_t *)h;
	uint64_t dsdt = *(const uint32_t *)(b + 40);
	const struct sdt_header *d;

	if (h->length >= 148 && *(const uint64_t *)(b + 140))
		dsdt = *(const uint64_t *)(b + 140);
	p->pm1a_cnt = (uint16_t) * (const uint32_t *)(b + 64);
	if (h->length >= 116) {
		p->sci_int = *(const uint16_t *)(b + 46);
		p->smi_cmd = *(const uint32_t *)(b + 48);
		p->acpi_enable = b[52];
		p->pm1a_evt = (uint16_t) * (const uint32_t *)(b + 56);
		p->pm1_evt_len = b[88];
		p->fadt_flags = *(const uint32_t *)(b + 112);
	}
	if (dsdt && (d = map_table(dsdt)) && !memcmp(d->sig, "DSDT", 4)) {
		find_s5(p, d);
		if (p->fadt_flags & FADT_HW_REDUCED)
			find_ged(p, d);
	}
}

static void
parse_mcfg(struct platform *p, const struct sdt_header *h)
{
	const uint8_t *b = (const uint8_t *)h;

	if (h->length < 44 + 16)
		return;
	/* the first allocation, segment 0, is all a VM has */
	p->mcfg_base = *(const uint64_t *)(b + 44);
	p->mcfg_bus_start = b[44 + 10];
	p->mcfg_bus_end = b[44 + 11];
}

static uint64_t
find_rsdp(void)
{
	if (boot_info.has_rsdp_copy)
		return mm_v2p(boot_info.rsdp_copy);
	if (boot_info.rsdp)
		return boot_info.rsdp;
	/* PVH hands over the RSDP whenever there is one (QEMU microvm and
	 * q35 both do): 0 means no ACPI, and the scan below costs ~40,000
	 * instructions of boot time */
	if (!strcmp(boot_info.path, "pvh"))
		return 0;
	/* legacy BIOS: 16-byte aligned in 0xe0000-0xfffff */
	const char *bios = mm_map_firmware(0xe0000, 0x20000);
	for (size_t off = 0; off < 0x20000; off += 16)
		if (!memcmp(bios + off, "RSD PTR ", 8) && checksum_ok(bios + off, 20))
			return 0xe0000 + off;
	return 0;
}

int
acpi_parse(uint64_t rsdp_pa, struct platform *p)
{
	const struct rsdp *r;
	const struct sdt_header *root;
	bool x;

	if (!rsdp_pa)
		return -ENOENT;
	r = mm_map_firmware(rsdp_pa, sizeof(*r));
	if (memcmp(r->sig, "RSD PTR ", 8) || !checksum_ok(r, 20)) {
		printk(KERN_WARN "acpi: bad RSDP at %#lx", (unsigned long)rsdp_pa);
		return -ENOENT;
	}
	x = r->revision >= 2 && r->xsdt;
	root = map_table(x ? r->xsdt : r->rsdt);
	if (!root) {
		printk(KERN_WARN "acpi: bad %s", x ? "XSDT" : "RSDT");
		return -ENOENT;
	}
	size_t esz = x ? 8 : 4, n = (root->length - sizeof(*root)) / esz;
	const uint8_t *ents = (const uint8_t *)(root + 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t pa =
		    x ? *(const uint64_t *)(ents + i * 8) : *(const uint32_t *)(ents + i * 4);
		const struct sdt_header *h = map_table(pa);
		if (!h)
			continue;
		if (!memcmp(h->sig, "APIC", 4))
			parse_madt(p, h);
		else if (!memcmp(h->sig, "FACP", 4))
			parse_fadt(p, h);
		else if (!memcmp(h->sig, "MCFG", 4))
			parse_mcfg(p, h);
	}
	p->source = "acpi";
	return 0;
}

int
acpi_s5(uint16_t *port, uint16_t *value)
{
	if (!platform.pm1a_cnt || !platform.has_s5)
		return -ENODEV;
	*port = platform.pm1a_cnt;
	*value = (uint16_t)((platform.s5_typ << 10) | (1 << 13));
	return 0;
}

uint64_t
acpi_find_rsdp(void)
{
	return find_rsdp();
}
