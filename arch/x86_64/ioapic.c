/* I/O APIC (82093AA datasheet): redirection table entries routing a GSI
 * to a vector on the boot CPU. All entries start masked. */
#include "acpi.h"
#include "errno.h"
#include "irq.h"
#include "mm.h"
#include "spinlock.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define REG_VER 0x01
#define REG_REDIR(n) (0x10 + 2 * (n))
#define RED_MASKED (1u << 16)
#define RED_LEVEL (1u << 15)
#define RED_ACTIVE_LOW (1u << 13)

static struct {
	volatile uint32_t *mmio;
	uint32_t gsi_base, count;
} ioapics[MAX_IOAPICS];
static int nioapic;
static struct spinlock lock = SPINLOCK_INIT;

static uint32_t
rd(int i, uint32_t reg)
{
	ioapics[i].mmio[IOREGSEL / 4] = reg;
	return ioapics[i].mmio[IOWIN / 4];
}

static void
wr(int i, uint32_t reg, uint32_t v)
{
	ioapics[i].mmio[IOREGSEL / 4] = reg;
	ioapics[i].mmio[IOWIN / 4] = v;
}

void
ioapic_init(void)
{
	for (int i = 0; i < platform.nioapics; i++) {
		ioapics[i].mmio = mm_map_mmio(platform.ioapic[i].addr, PAGE_SIZE);
		ioapics[i].gsi_base = platform.ioapic[i].gsi_base;
		ioapics[i].count = ((rd(i, REG_VER) >> 16) & 0xff) + 1;
		for (uint32_t n = 0; n < ioapics[i].count; n++) {
			wr(i, REG_REDIR(n), RED_MASKED);
			wr(i, REG_REDIR(n) + 1, 0);
		}
		nioapic++;
	}
}

static int
find(uint32_t gsi, uint32_t *pin)
{
	for (int i = 0; i < nioapic; i++)
		if (gsi >= ioapics[i].gsi_base && gsi < ioapics[i].gsi_base + ioapics[i].count) {
			*pin = gsi - ioapics[i].gsi_base;
			return i;
		}
	return -1;
}

int
ioapic_route_flags(uint32_t gsi, int vector, bool level, bool active_low)
{
	uint32_t pin, lo = (uint32_t)vector;
	int i = find(gsi, &pin);
	uint64_t f;

	if (i < 0)
		return -ENODEV;
	if (level)
		lo |= RED_LEVEL;
	if (active_low)
		lo |= RED_ACTIVE_LOW;
	f = spin_lock_irqsave(&lock);
	wr(i, REG_REDIR(pin) + 1, platform.cpu_apic_id[0] << 24);
	wr(i, REG_REDIR(pin), lo);
	spin_unlock_irqrestore(&lock, f);
	return 0;
}

int
ioapic_route(uint32_t gsi, int vector, bool level)
{
	return ioapic_route_flags(gsi, vector, level, level);
}

void
ioapic_mask(uint32_t gsi, bool masked)
{
	uint32_t pin, lo;
	int i = find(gsi, &pin);
	uint64_t f;

	if (i < 0)
		return;
	f = spin_lock_irqsave(&lock);
	lo = rd(i, REG_REDIR(pin));
	wr(i, REG_REDIR(pin), masked ? lo | RED_MASKED : lo & ~RED_MASKED);
	spin_unlock_irqrestore(&lock, f);
}

int
irq_register_isa(int isa_irq, irq_handler_t fn, void *arg)
{
	uint32_t gsi;
	bool level, low;
	int v = irq_alloc_vector(fn, arg);

	if (v < 0)
		return v;
	platform_isa_irq(isa_irq, &gsi, &level, &low);
	return ioapic_route_flags(gsi, v, level, low) ?: v;
}
