/* PCI interrupts: MSI-X (Local Bus 3.0 6.8.2: table in a BAR, per-entry
 * and function masks) aimed at the boot CPU's LAPIC, and INTx on shared
 * level-triggered IOAPIC lines. INTx routing is the chipset's: on q35
 * the ICH9 maps a slot's INTA-D to PIRQ A-H, which reach GSI 16-23
 * (QEMU hw/isa/lpc_ich9.c; Linux finds the same through the DSDT's
 * _PRT). The Interrupt Line register holds the 8259 IRQ SeaBIOS chose,
 * which the IOAPIC mode does not use. Tests: tests/kernel/test_pci.c. */
#include "acpi.h"
#include "errno.h"
#include "mm.h"
#include "pci.h"
#include "printk.h"
#include "spinlock.h"

#define MSIX_CTL 2 /* message control, from the capability */
#define MSIX_CTL_ENABLE (1u << 15)
#define MSIX_CTL_FMASK (1u << 14)
#define MSIX_TABLE 4       /* BIR in bits 2:0, offset above */
#define MSIX_ENTRY_WORDS 4 /* address lo, address hi, data, vector control */
#define MSIX_VCTL_MASK 1u
#define MSI_ADDR_BASE 0xfee00000u /* physical destination, fixed delivery */

struct pci_msix_slot {
	struct pci_dev *p;
	irq_handler_t fn;
	void *arg;
};

static void
msix_irq(struct trapframe *tf, void *arg)
{
	struct pci_msix_slot *s = arg;
	irq_handler_t fn = READ_ONCE(s->fn);

	if (!fn) /* a late message from an entry pci_msix_disable took back */
		return;
	__atomic_fetch_add(&s->p->msix_count, 1, __ATOMIC_RELAXED);
	fn(tf, s->arg);
}

static volatile uint32_t *
msix_entry(struct pci_dev *p, unsigned entry)
{
	return p->msix_table + entry * MSIX_ENTRY_WORDS;
}

int
pci_msix_enable(struct pci_dev *p)
{
	uint32_t t;
	unsigned bir, ctl;
	uint8_t *base;

	if (!p->msix_cap)
		return -ENODEV;
	if (p->msix_on)
		return 0;
	t = pci_read32(p, p->msix_cap + MSIX_TABLE);
	bir = t & 7;
	if (bir > 5 || (t & ~7u) + 16ull * p->msix_n > p->bar[bir].size ||
	    !(base = pci_map_bar(p, bir))) {
		printk(KERN_ERR "pci %s: MSI-X table in BAR %u at %#x is not mapped", p->name, bir,
		       t & ~7u);
		return -EIO;
	}
	if (!p->msix_slots && !(p->msix_slots = kzalloc(p->msix_n * sizeof(*p->msix_slots))))
		return -ENOMEM;
	p->msix_table = (volatile uint32_t *)(base + (t & ~7u));
	pci_write16(p, PCI_COMMAND, pci_read16(p, PCI_COMMAND) | PCI_CMD_MEM | PCI_CMD_INTX_OFF);
	/* on with the function masked, then each entry masked, then unmask
	 * the function: no entry can fire with a stale address */
	ctl = pci_read16(p, p->msix_cap + MSIX_CTL);
	pci_write16(p, p->msix_cap + MSIX_CTL, ctl | MSIX_CTL_ENABLE | MSIX_CTL_FMASK);
	for (unsigned i = 0; i < p->msix_n; i++)
		msix_entry(p, i)[3] |= MSIX_VCTL_MASK;
	pci_write16(p, p->msix_cap + MSIX_CTL, (ctl | MSIX_CTL_ENABLE) & ~MSIX_CTL_FMASK);
	p->msix_on = true;
	return 0;
}

int
pci_msix_set(struct pci_dev *p, unsigned entry, irq_handler_t fn, void *arg)
{
	struct pci_msix_slot *s;
	volatile uint32_t *e;
	int v;

	if (!p->msix_on || entry >= p->msix_n || !fn)
		return -EINVAL;
	s = &p->msix_slots[entry];
	if (s->fn)
		return -EINVAL;
	*s = (struct pci_msix_slot){p, fn, arg};
	v = irq_alloc_vector(msix_irq, s);
	if (v < 0) {
		s->fn = NULL;
		return v;
	}
	e = msix_entry(p, entry);
	e[3] |= MSIX_VCTL_MASK;
	e[0] = MSI_ADDR_BASE | (platform.cpu_apic_id[0] & 0xff) << 12;
	e[1] = 0;
	e[2] = (uint32_t)v; /* fixed delivery, edge */
	e[3] &= ~MSIX_VCTL_MASK;
	return v;
}

void
pci_msix_mask(struct pci_dev *p, unsigned entry, bool masked)
{
	volatile uint32_t *e;

	if (!p->msix_on || entry >= p->msix_n)
		return;
	e = msix_entry(p, entry);
	e[3] = masked ? e[3] | MSIX_VCTL_MASK : e[3] & ~MSIX_VCTL_MASK;
	(void)e[3]; /* flush the posted write before the caller relies on it */
}

void
pci_msix_disable(struct pci_dev *p)
{
	if (!p->msix_on)
		return;
	for (unsigned i = 0; i < p->msix_n; i++)
		msix_entry(p, i)[3] |= MSIX_VCTL_MASK;
	pci_write16(p, p->msix_cap + MSIX_CTL,
	            pci_read16(p, p->msix_cap + MSIX_CTL) & ~(MSIX_CTL_ENABLE | MSIX_CTL_FMASK));
	p->msix_on = false;
	/* XXX: the CPU vectors of entries set stay allocated (there is no
	 * irq_free_vector); with every entry masked and MSI-X off they never
	 * fire. Their slots are cleared so a later pci_msix_set may reuse
	 * the entries. */
	for (unsigned i = 0; i < p->msix_n; i++)
		WRITE_ONCE(p->msix_slots[i].fn, NULL);
}

void
pci_msix_function_mask(struct pci_dev *p, bool masked)
{
	uint16_t ctl;

	if (!p->msix_on)
		return;
	ctl = pci_read16(p, p->msix_cap + MSIX_CTL);
	pci_write16(p, p->msix_cap + MSIX_CTL,
	            masked ? ctl | MSIX_CTL_FMASK : ctl & ~MSIX_CTL_FMASK);
}

/* --- INTx --- */

#define ICH9_LPC_RCBA 0xf0 /* root complex base address, bit 0 enable */
#define ICH9_RCBA_MASK 0xffffc000u
#define ICH9_DIR_DEFAULT 0x3210 /* DxxIR at reset: INTA-D -> PIRQ A-D */

/* ICH9 "Device N Interrupt Route" registers in the chipset configuration
 * space, for slots 25-31 (30, the DMI-to-PCI bridge, has none) */
static const uint16_t ich9_dir[7] = {0x3150, 0x314c, 0x3148, 0x3146, 0x3144, 0, 0x3140};

/* PIRQ 0-7 (A-H) of INTx 'pin' (0-3) in bus-0 'slot' */
static unsigned
ich9_pirq(struct pci_dev *lpc, unsigned slot, unsigned pin)
{
	uint32_t rcba;
	uint16_t dir = ICH9_DIR_DEFAULT;

	if (slot == 30)
		return 4 + pin;
	if (slot < 25)
		return 4 + (slot + pin) % 4; /* QEMU's fixed swizzle onto E-H */
	rcba = pci_read32(lpc, ICH9_LPC_RCBA);
	if (rcba & 1) {
		uint64_t pa = (rcba & ICH9_RCBA_MASK) + ich9_dir[slot - 25];
		volatile uint8_t *page = mm_map_mmio(ALIGN_DOWN(pa, PAGE_SIZE), PAGE_SIZE);
		dir = *(volatile uint16_t *)(page + (pa & (PAGE_SIZE - 1)));
	}
	return (dir >> (4 * pin)) & 7;
}

uint32_t
pci_intx_gsi(const struct pci_dev *p)
{
	const struct pci_dev *q = p;
	struct pci_dev *lpc;
	unsigned pin;

	if (!p->intr_pin)
		return PCI_NO_GSI;
	/* up through bridges: the standard swizzle (PCI-to-PCI Bridge 1.2,
	 * 9.1), which QEMU's bridges and root ports use too */
	for (pin = p->intr_pin - 1; q->parent; q = q->parent)
		pin = (pin + q->dev) % 4;
	lpc = pci_find(0x8086, 0x2918, NULL);
	if (!lpc || lpc->bus || lpc->dev != 31 || lpc->fn || q->bus)
		return PCI_NO_GSI; /* not a q35 ICH9: no known route */
	return 16 + ich9_pirq(lpc, q->dev, pin);
}

#define INTX_LINES 8
#define INTX_SHARERS 8
#define INTX_STORM 100000 /* unclaimed interrupts in a row before the line is masked */

/* One GSI, its vector and every handler on it. Handlers are appended
 * under intx_lock and published by the count (release), so the
 * interrupt reads them without a lock. */
static struct intx_line {
	uint32_t gsi;
	int vector;
	unsigned n;
	unsigned unclaimed; /* in a row; only the interrupt touches it */
	struct {
		struct pci_dev *p;
		pci_intx_handler_t fn;
		void *arg;
	} h[INTX_SHARERS];
} lines[INTX_LINES];
static unsigned nlines;
static struct spinlock intx_lock = SPINLOCK_INIT;

static void
intx_irq(struct trapframe *tf, void *arg)
{
	struct intx_line *l = arg;
	unsigned n = __atomic_load_n(&l->n, __ATOMIC_ACQUIRE);
	bool claimed = false;

	(void)tf;
	for (unsigned i = 0; i < n; i++) /* every sharer: several may be raising it */
		if (l->h[i].fn(l->h[i].arg)) {
			__atomic_fetch_add(&l->h[i].p->intx_count, 1, __ATOMIC_RELAXED);
			claimed = true;
		}
	if (claimed) {
		l->unclaimed = 0;
	} else if (++l->unclaimed == INTX_STORM) {
		/* a level line nobody deasserts would never let the CPU go */
		ioapic_mask(l->gsi, true);
		printk(KERN_ERR "pci: GSI %u stays raised and no handler claims it: masked",
		       l->gsi);
	}
}

static struct intx_line *
line_get(uint32_t gsi)
{
	struct intx_line *l;
	int v, e;

	for (unsigned i = 0; i < nlines; i++)
		if (lines[i].gsi == gsi)
			return &lines[i];
	if (nlines == INTX_LINES)
		return ERR_PTR(-ENOSPC);
	l = &lines[nlines];
	l->gsi = gsi;
	if ((v = irq_alloc_vector(intx_irq, l)) < 0)
		return ERR_PTR(v);
	/* QEMU's DSDT describes the q35 GSI links as level, active-high,
	 * shared; its IOAPIC and KVM's ignore the polarity bit */
	if ((e = ioapic_route_flags(gsi, v, true, false))) {
		irq_set_handler(v, NULL, NULL);
		return ERR_PTR(e);
	}
	l->vector = v;
	nlines++;
	return l;
}

int
pci_intx_add(struct pci_dev *p, pci_intx_handler_t fn, void *arg)
{
	uint32_t gsi = pci_intx_gsi(p);
	struct intx_line *l;
	uint64_t f;
	int e = 0;

	if (gsi == PCI_NO_GSI) {
		printk(KERN_ERR "pci %s: no INTx route (pin %u)", p->name, p->intr_pin);
		return -ENODEV;
	}
	f = spin_lock_irqsave(&intx_lock);
	l = line_get(gsi);
	if (IS_ERR(l)) {
		e = PTR_ERR(l);
	} else if (l->n == INTX_SHARERS) {
		e = -ENOSPC;
	} else {
		l->h[l->n].p = p;
		l->h[l->n].fn = fn;
		l->h[l->n].arg = arg;
		__atomic_store_n(&l->n, l->n + 1, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&intx_lock, f);
	if (e) {
		printk(KERN_ERR "pci %s: cannot take GSI %u (%d)", p->name, gsi, e);
		return e;
	}
	pci_write16(p, PCI_COMMAND, pci_read16(p, PCI_COMMAND) & ~PCI_CMD_INTX_OFF);
	printk(KERN_INFO "pci %s: INTx pin %c on GSI %u", p->name, 'A' + p->intr_pin - 1, gsi);
	return 0;
}
