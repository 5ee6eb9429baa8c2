/* PCI configuration space (Local Bus 3.0 3.2.2.3.2 port I/O mechanism #1;
 * PCI Express 4.0 7.2.2 ECAM), enumeration through bridges, BAR sizing
 * and mapping, capability lists. Interrupts are in pci_irq.c.
 * Exercised by tests/kernel/test_pci.c on q35 (tests/run "pci" boots). */
#include "pci.h"
#include "acpi.h"
#include "arch.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"
#include "virtio.h"

#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc
#define ECAM_BUS_SIZE MiB(1) /* 32 devices x 8 functions x 4 KiB */
#define MAX_BUSES 256

struct list_node pci_devs = LIST_HEAD_INIT(pci_devs);
static struct spinlock port_lock = SPINLOCK_INIT; /* the 0xCF8 address latch */
/* each bus's ECAM, mapped on first use: written once under ecam_lock,
 * read without it (acquire: a reader that sees the pointer sees the map) */
static volatile uint8_t *ecam_bus[MAX_BUSES];
static struct spinlock ecam_lock = SPINLOCK_INIT;

bool
pci_has_ecam(void)
{
	return platform.mcfg_base != 0;
}

/* the function's 4 KiB of ECAM, NULL when the bus is outside MCFG's range */
static volatile uint8_t *
ecam(unsigned bus, unsigned dev, unsigned fn)
{
	if (!pci_has_ecam() || bus < platform.mcfg_bus_start || bus > platform.mcfg_bus_end)
		return NULL;
	volatile uint8_t *m = __atomic_load_n(&ecam_bus[bus], __ATOMIC_ACQUIRE);

	if (!m) {
		/* two CPUs may get here for one bus: one maps, both use it.
		 * MCFG's base address is that of bus 0, even when the range
		 * starts later (PCI Firmware 3.2, table 4-3) */
		uint64_t pa = platform.mcfg_base + (uint64_t)bus * ECAM_BUS_SIZE;
		uint64_t f = spin_lock_irqsave(&ecam_lock);

		if (!(m = ecam_bus[bus])) {
			m = mm_map_mmio(pa, ECAM_BUS_SIZE);
			__atomic_store_n(&ecam_bus[bus], m, __ATOMIC_RELEASE);
		}
		spin_unlock_irqrestore(&ecam_lock, f);
	}
	return m + ((dev << 15) | (fn << 12));
}

static int
check(unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned width, unsigned limit)
{
	if (bus >= MAX_BUSES || dev >= 32 || fn >= 8)
		return -EINVAL;
	if ((width != 1 && width != 2 && width != 4) || (off & (width - 1)) || off + width > limit)
		return -EINVAL;
	return 0;
}

int
pci_cfg_read(enum pci_access how, unsigned bus, unsigned dev, unsigned fn, unsigned off,
             unsigned width, uint32_t *val)
{
	int e = check(bus, dev, fn, off, width, how == PCI_ACCESS_ECAM ? 4096 : 256);
	volatile uint8_t *m;
	uint64_t f;

	if (e)
		return e;
	if (how == PCI_ACCESS_ECAM) {
		if (!(m = ecam(bus, dev, fn)))
			return -ENODEV;
		/* one access of exactly 'width': the host bridge decodes it */
		if (width == 1)
			*val = *(volatile uint8_t *)(m + off);
		else if (width == 2)
			*val = *(volatile uint16_t *)(m + off);
		else
			*val = *(volatile uint32_t *)(m + off);
		return 0;
	}
	f = spin_lock_irqsave(&port_lock);
	outl(CFG_ADDR, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xfc));
	if (width == 1)
		*val = inb(CFG_DATA + (off & 3));
	else if (width == 2)
		*val = inw(CFG_DATA + (off & 3));
	else
		*val = inl(CFG_DATA);
	spin_unlock_irqrestore(&port_lock, f);
	return 0;
}

int
pci_cfg_write(enum pci_access how, unsigned bus, unsigned dev, unsigned fn, unsigned off,
              unsigned width, uint32_t val)
{
	int e = check(bus, dev, fn, off, width, how == PCI_ACCESS_ECAM ? 4096 : 256);
	volatile uint8_t *m;
	uint64_t f;

	if (e)
		return e;
	if (how == PCI_ACCESS_ECAM) {
		if (!(m = ecam(bus, dev, fn)))
			return -ENODEV;
		if (width == 1)
			*(volatile uint8_t *)(m + off) = (uint8_t)val;
		else if (width == 2)
			*(volatile uint16_t *)(m + off) = (uint16_t)val;
		else
			*(volatile uint32_t *)(m + off) = val;
		return 0;
	}
	f = spin_lock_irqsave(&port_lock);
	outl(CFG_ADDR, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xfc));
	if (width == 1)
		outb(CFG_DATA + (off & 3), (uint8_t)val);
	else if (width == 2)
		outw(CFG_DATA + (off & 3), (uint16_t)val);
	else
		outl(CFG_DATA, val);
	spin_unlock_irqrestore(&port_lock, f);
	return 0;
}

/* a function's space through the best method; all ones on error */
static uint32_t
rd(unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned width)
{
	enum pci_access how = pci_has_ecam() ? PCI_ACCESS_ECAM : PCI_ACCESS_PORT;
	uint32_t v;

	if (pci_cfg_read(how, bus, dev, fn, off, width, &v))
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	return v;
}

static void
wr(unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned width, uint32_t v)
{
	enum pci_access how = pci_has_ecam() ? PCI_ACCESS_ECAM : PCI_ACCESS_PORT;

	pci_cfg_write(how, bus, dev, fn, off, width, v);
}

uint8_t
pci_read8(const struct pci_dev *p, unsigned off)
{
	return rd(p->bus, p->dev, p->fn, off, 1);
}
uint16_t
pci_read16(const struct pci_dev *p, unsigned off)
{
	return rd(p->bus, p->dev, p->fn, off, 2);
}
uint32_t
pci_read32(const struct pci_dev *p, unsigned off)
{
	return rd(p->bus, p->dev, p->fn, off, 4);
}
void
pci_write8(const struct pci_dev *p, unsigned off, uint8_t v)
{
	wr(p->bus, p->dev, p->fn, off, 1, v);
}
void
pci_write16(const struct pci_dev *p, unsigned off, uint16_t v)
{
	wr(p->bus, p->dev, p->fn, off, 2, v);
}
void
pci_write32(const struct pci_dev *p, unsigned off, uint32_t v)
{
	wr(p->bus, p->dev, p->fn, off, 4, v);
}

/* --- enumeration --- */

struct walk {
	enum pci_access how;
	/* pci_init's: record the function; returns its struct pci_dev */
	struct pci_dev *(*found)(unsigned bus, unsigned dev, unsigned fn, struct pci_dev *parent);
	uint16_t *bdf;
	int max, n;
	uint8_t seen[MAX_BUSES / 8]; /* buses walked: a looping bridge setup stops */
};

static uint32_t
walk_rd(struct walk *w, unsigned bus, unsigned dev, unsigned fn, unsigned off, unsigned width)
{
	uint32_t v;

	if (pci_cfg_read(w->how, bus, dev, fn, off, width, &v))
		return 0xffffffffu;
	return v;
}

static void
walk_bus(struct walk *w, unsigned bus, struct pci_dev *parent, int depth)
{
	if (bus >= MAX_BUSES || (w->seen[bus / 8] & (1 << bus % 8)) || depth > 32)
		return;
	w->seen[bus / 8] |= 1 << bus % 8;
	for (unsigned dev = 0; dev < 32; dev++) {
		unsigned nfn = 1;
		for (unsigned fn = 0; fn < nfn; fn++) {
			uint32_t id = walk_rd(w, bus, dev, fn, PCI_VENDOR, 4);
			if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
				continue;
			uint8_t ht = walk_rd(w, bus, dev, fn, PCI_HEADER_TYPE, 1);
			if (fn == 0 && (ht & 0x80))
				nfn = 8;
			w->n++;
			if (w->bdf && w->n <= w->max)
				w->bdf[w->n - 1] = (uint16_t)(bus << 8 | dev << 3 | fn);
			struct pci_dev *me = w->found ? w->found(bus, dev, fn, parent) : NULL;
			if ((ht & 0x7f) == 1) /* a bridge: its secondary bus */
				walk_bus(w, walk_rd(w, bus, dev, fn, PCI_SECONDARY_BUS, 1), me,
				         depth + 1);
		}
	}
}

int
pci_scan(enum pci_access how, uint16_t *bdf, int max)
{
	struct walk w = {.how = how, .bdf = bdf, .max = max};

	if (how == PCI_ACCESS_ECAM && !pci_has_ecam())
		return 0;
	walk_bus(&w, 0, NULL, 0);
	return w.n;
}

/* Size a BAR: all ones written with decoding off (so the probe address
 * never decodes), read back, restore. Returns the number of BAR slots
 * used (2 for a 64-bit memory BAR). */
static int
bar_probe(struct pci_dev *p, int i)
{
	unsigned off = PCI_BAR0 + 4 * i;
	uint32_t lo = pci_read32(p, off), mlo, hi = 0, mhi = 0xffffffffu;
	struct pci_bar *b = &p->bar[i];

	pci_write32(p, off, 0xffffffffu);
	mlo = pci_read32(p, off);
	pci_write32(p, off, lo);
	if (lo & 1) { /* I/O space */
		b->io = true;
		b->pa = lo & ~3u;
		mlo |= 0xffff0000u; /* 16-bit decoders leave the top bits 0 */
		b->size = mlo & ~3u ? (uint32_t)(~(mlo & ~3u) + 1) : 0;
		return 1;
	}
	b->prefetch = lo & 8;
	b->mem64 = ((lo >> 1) & 3) == 2;
	if (b->mem64 && i < 5) {
		hi = pci_read32(p, off + 4);
		pci_write32(p, off + 4, 0xffffffffu);
		mhi = pci_read32(p, off + 4);
		pci_write32(p, off + 4, hi);
	}
	/* the writable address bits; a 32-bit BAR's upper half reads as set */
	uint64_t mask = ((uint64_t)mhi << 32) | (mlo & ~0xfu);
	b->pa = ((uint64_t)hi << 32) | (lo & ~0xfu);
	b->size = (b->mem64 ? mask : mlo & ~0xfu) ? ~mask + 1 : 0;
	return b->mem64 ? 2 : 1;
}

static void
bars_probe(struct pci_dev *p)
{
	int n = p->header_type == 0 ? 6 : p->header_type == 1 ? 2 : 0;
	uint16_t cmd = pci_read16(p, PCI_COMMAND);

	pci_write16(p, PCI_COMMAND, cmd & ~(PCI_CMD_IO | PCI_CMD_MEM));
	for (int i = 0; i < n; i += bar_probe(p, i))
		;
	pci_write16(p, PCI_COMMAND, cmd);
}

unsigned
pci_find_cap(const struct pci_dev *p, uint8_t id, unsigned from)
{
	unsigned off;

	if (!(pci_read16(p, PCI_STATUS) & PCI_STATUS_CAPS))
		return 0;
	off = from ? pci_read8(p, from + 1) : pci_read8(p, PCI_CAP_PTR);
	for (int n = 0; n < 48 && off >= 0x40; n++) {
		off &= 0xfc;
		if (pci_read8(p, off) == id)
			return off;
		off = pci_read8(p, off + 1);
	}
	return 0;
}

void
pci_enable(struct pci_dev *p)
{
	uint16_t cmd = pci_read16(p, PCI_COMMAND);

	pci_write16(p, PCI_COMMAND, cmd | PCI_CMD_IO | PCI_CMD_MEM | PCI_CMD_MASTER);
}

void *
pci_map_bar(struct pci_dev *p, int i)
{
	struct pci_bar *b;

	if (i < 0 || i > 5)
		return NULL;
	b = &p->bar[i];
	if (b->io || !b->size || !b->pa)
		return NULL;
	if (!b->va)
		b->va = mm_map_mmio(b->pa, ALIGN_UP(b->size, PAGE_SIZE));
	return b->va;
}

struct pci_dev *
pci_find(uint16_t vendor, uint16_t device, struct pci_dev *from)
{
	struct list_node *n = from ? from->p_all.next : pci_devs.next;

	for (; n != &pci_devs; n = n->next) {
		struct pci_dev *p = list_entry(n, struct pci_dev, p_all);
		if (p->vendor == vendor && p->device == device)
			return p;
	}
	return NULL;
}

static void
log_dev(struct pci_dev *p)
{
	char bars[160];
	int o = 0;

	bars[0] = 0;
	for (int i = 0; i < 6; i++) {
		struct pci_bar *b = &p->bar[i];
		if (!b->size || o >= (int)sizeof(bars) - 40)
			continue;
		o += fmt_snprintf(bars + o, sizeof(bars) - o, " bar%d=%s%#lx+%#lx", i,
		                  b->io      ? "io:"
		                  : b->mem64 ? "mem64:"
		                             : "mem:",
		                  (unsigned long)b->pa, (unsigned long)b->size);
	}
	printk(KERN_INFO "pci %s %04x:%04x class %02x%02x%02x%s%s", p->name, p->vendor, p->device,
	       p->class, p->subclass, p->progif, p->msix_cap ? " msix" : "", bars);
}

static struct pci_dev *
found(unsigned bus, unsigned dev, unsigned fn, struct pci_dev *parent)
{
	struct pci_dev *p = kzalloc(sizeof(*p));
	uint32_t cls;

	if (!p)
		panic("pci: out of memory at %02x:%02x.%u", bus, dev, fn);
	p->bus = bus;
	p->dev = dev;
	p->fn = fn;
	p->parent = parent;
	fmt_snprintf(p->name, sizeof(p->name), "%02x:%02x.%u", bus, dev, fn);
	p->vendor = pci_read16(p, PCI_VENDOR);
	p->device = pci_read16(p, PCI_DEVICE);
	cls = pci_read32(p, PCI_REVISION);
	p->revision = cls & 0xff;
	p->progif = (cls >> 8) & 0xff;
	p->subclass = (cls >> 16) & 0xff;
	p->class = cls >> 24;
	p->header_type = pci_read8(p, PCI_HEADER_TYPE) & 0x7f;
	if (p->header_type == 0) {
		p->subsys_vendor = pci_read16(p, PCI_SUBSYS_VENDOR);
		p->subsys_id = pci_read16(p, PCI_SUBSYS_ID);
	}
	p->intr_pin = pci_read8(p, PCI_INTR_PIN);
	if (p->intr_pin > 4)
		p->intr_pin = 0;
	bars_probe(p);
	if ((p->msix_cap = pci_find_cap(p, PCI_CAP_MSIX, 0)))
		p->msix_n = (pci_read16(p, p->msix_cap + 2) & 0x7ff) + 1;
	list_add_tail(&pci_devs, &p->p_all);
	log_dev(p);
	return p;
}

/* configuration mechanism #1 answers: its address latch at 0xCF8 keeps
 * what is written (the check Linux's pci_check_type1 makes). Where no
 * PCI host is (microvm, Firecracker) the port reads all ones, and there
 * is no bus to walk */
static bool
port_cfg_present(void)
{
	uint32_t save = inl(CFG_ADDR);
	bool ok;

	outl(CFG_ADDR, 0x80000000);
	ok = inl(CFG_ADDR) == 0x80000000;
	outl(CFG_ADDR, save);
	return ok;
}

void
pci_init(void)
{
	struct walk w = {.how = pci_has_ecam() ? PCI_ACCESS_ECAM : PCI_ACCESS_PORT, .found = found};
	struct list_node *n;
	int e;

	if (w.how == PCI_ACCESS_PORT && !port_cfg_present())
		return; /* no PCI: nothing to probe, nothing to say */
	walk_bus(&w, 0, NULL, 0);
	printk(KERN_INFO "pci: %d functions (%s)", w.n,
	       w.how == PCI_ACCESS_ECAM ? "ecam" : "port i/o");
	list_for_each(n, &pci_devs)
	{
		struct pci_dev *p = list_entry(n, struct pci_dev, p_all);
		if (p->vendor != 0x1af4)
			continue;
		if ((e = virtio_pci_probe(p)))
			printk(KERN_WARN "pci %s: virtio device not taken (%d)", p->name, e);
	}
}
