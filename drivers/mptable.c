/* Intel MultiProcessor Specification 1.4 tables (chapter 4): the
 * floating pointer and the configuration table's processor, I/O APIC and
 * interrupt entries. Used where there is no ACPI (microvm,acpi=off;
 * Firecracker). */
#include "acpi.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"

struct mp_float {
	char sig[4];
	uint32_t config;
	uint8_t length, spec_rev, checksum, features[5];
} __packed;

struct mp_config {
	char sig[4];
	uint16_t base_len;
	uint8_t rev, checksum;
	char oem[8], product[12];
	uint32_t oem_ptr;
	uint16_t oem_size, count;
	uint32_t lapic;
	uint16_t ext_len;
	uint8_t ext_checksum, reserved;
} __packed;

static bool
sum_ok(const void *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += ((const uint8_t *)p)[i];
	return s == 0;
}

static const struct mp_float *
scan(uint64_t base, size_t len)
{
	const uint8_t *p = mm_map_firmware(base, len);

	for (size_t off = 0; off + 16 <= len; off += 16)
		if (!memcmp(p + off, "_MP_", 4) && sum_ok(p + off, 16))
			return (const struct mp_float *)(p + off);
	return NULL;
}

static const struct mp_float *
find_float(void)
{
	const uint16_t *bda = mm_map_firmware(0x400, 0x100);
	uint64_t ebda = (uint64_t)bda[0x0e / 2] << 4;
	uint64_t basemem = (uint64_t)bda[0x13 / 2] << 10;
	const struct mp_float *f = NULL;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		f = scan(ebda, 1024);
	if (!f && basemem >= KiB(512) && basemem <= KiB(640))
		f = scan(basemem - 1024, 1024);
	if (!f)
		f = scan(0x9fc00, 1024);
	if (!f)
		f = scan(0xf0000, 0x10000);
	return f;
}

static void
io_interrupt(struct platform *p, const uint8_t *e, int isa_bus)
{
	uint16_t fl = *(const uint16_t *)(e + 2);
	uint32_t gsi = e[7];

	if (e[1] != 0 || e[4] != isa_bus) /* INT type, from the ISA bus */
		return;
	for (int i = 0; i < p->nioapics; i++)
		if (p->ioapic[i].id == e[6])
			gsi += p->ioapic[i].gsi_base;
	if (gsi == e[5] && (fl & 0xf) == 0)
		return; /* identity, bus-default polarity and trigger */
	if (p->noverrides < (int)ARRAY_SIZE(p->overrides))
		p->overrides[p->noverrides++] = (struct isa_override){
		    .isa_irq = e[5],
		    .gsi = gsi,
		    .active_low = (fl & 3) == 3,
		    .level = ((fl >> 2) & 3) == 3,
		};
}

int
mptable_parse(struct platform *p)
{
	const struct mp_float *f = find_float();
	const struct mp_config *c;
	const uint8_t *e, *end;
	int isa_bus = -1;
	uint32_t gsi_next = 0;

	if (!f || !f->config)
		return -ENOENT;
	c = mm_map_firmware(f->config, sizeof(*c));
	if (memcmp(c->sig, "PCMP", 4))
		return -ENOENT;
	c = mm_map_firmware(f->config, c->base_len);
	if (!sum_ok(c, c->base_len))
		return -ENOENT;
	p->lapic_addr = c->lapic;
	e = (const uint8_t *)(c + 1);
	end = (const uint8_t *)c + c->base_len;
	/* two passes: buses and I/O APICs first, then interrupts that name them */
	for (int pass = 0; pass < 2; pass++) {
		const uint8_t *q = e;
		/* qboot (microvm) leaves the entry count 0: the length rules */
		for (int i = 0; (i < c->count || !c->count) && q < end; i++) {
			int len = q[0] == 0 ? 20 : 8;
			if (pass == 0 && q[0] == 0 && (q[3] & 1)) {
				if (p->ncpus < MAX_CPUS)
					p->cpu_apic_id[p->ncpus++] = q[1];
				else
					p->cpus_truncated = true;
			} else if (pass == 0 && q[0] == 1 && !memcmp(q + 2, "ISA", 3)) {
				isa_bus = q[1];
			} else if (pass == 0 && q[0] == 2 && (q[3] & 1) &&
			           p->nioapics < MAX_IOAPICS) {
				p->ioapic[p->nioapics++] = (struct ioapic_info){
				    .id = q[1],
				    .addr = *(const uint32_t *)(q + 4),
				    .gsi_base = gsi_next,
				};
				gsi_next += 24;
			} else if (pass == 1 && q[0] == 3) {
				io_interrupt(p, q, isa_bus);
			}
			q += len;
		}
	}
	p->source = "mptable";
	return 0;
}
