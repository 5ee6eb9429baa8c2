/* PCI (Local Bus 3.0, PCI Express 4.0 ch. 7): configuration space over
 * port I/O (0xCF8/0xCFC) or ECAM (from the ACPI MCFG table), bus
 * enumeration through bridges, BARs, capability lists, MSI-X and INTx.
 * pci_init() enumerates once at start-up, logs every function and hands
 * vendor 0x1af4 (virtio) functions to virtio_pci_probe(). A machine
 * without PCI (microvm) simply has no functions.
 *
 * Typical driver:
 *   struct pci_dev *p = ...;                  // from pci_init's walk
 *   pci_enable(p);                            // memory+I/O decode, bus master
 *   void *regs = pci_map_bar(p, 2);           // NULL: I/O or absent BAR
 *   if (pci_msix_enable(p) == 0)              // per-entry vectors
 *       pci_msix_set(p, 0, my_irq, st);       // entry 0 -> a CPU vector
 *   else
 *       pci_intx_add(p, my_intx, st);         // shared level line
 *
 * Interrupts go to the boot CPU. INTx handlers return whether their
 * device raised the line: a line is shared, and every handler on it is
 * called at each interrupt. */
#ifndef UNUM_PCI_H
#define UNUM_PCI_H

#include "irq.h"
#include "queue.h"
#include "types.h"

/* configuration header offsets */
#define PCI_VENDOR 0x00
#define PCI_DEVICE 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_CLASS 0x09 /* prog-if, subclass, class: 3 bytes */
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_SUBSYS_ID 0x2e
#define PCI_CAP_PTR 0x34
#define PCI_INTR_LINE 0x3c
#define PCI_INTR_PIN 0x3d
#define PCI_SECONDARY_BUS 0x19 /* type 1 (bridge) header */

#define PCI_CMD_IO (1u << 0)
#define PCI_CMD_MEM (1u << 1)
#define PCI_CMD_MASTER (1u << 2)
#define PCI_CMD_INTX_OFF (1u << 10)
#define PCI_STATUS_CAPS (1u << 4)

#define PCI_CAP_MSI 0x05
#define PCI_CAP_VENDOR 0x09
#define PCI_CAP_EXP 0x10
#define PCI_CAP_MSIX 0x11

#define PCI_NO_GSI 0xffffffffu

/* How configuration space is reached. */
enum pci_access {
	PCI_ACCESS_PORT, /* 0xCF8/0xCFC: 256 bytes per function */
	PCI_ACCESS_ECAM, /* memory-mapped, 4 KiB per function; q35 only */
};

struct pci_bar {
	uint64_t pa;   /* bus address: a port for I/O BARs; 0 if unassigned */
	uint64_t size; /* bytes; 0: the BAR is not implemented */
	bool io, mem64, prefetch;
	void *va; /* set by pci_map_bar() */
};

struct pci_msix_slot; /* one MSI-X entry's handler, in pci.c */

struct pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device, subsys_vendor, subsys_id;
	uint8_t class, subclass, progif, revision;
	uint8_t header_type;    /* 0 device, 1 bridge; multi-function bit cleared */
	uint8_t intr_pin;       /* 1-4 for INTA-INTD, 0 none */
	struct pci_bar bar[6];  /* bridges: [0] and [1] only */
	struct pci_dev *parent; /* the bridge this sits behind; NULL on bus 0 */
	char name[16];          /* "00:03.0" */
	/* MSI-X (pci_msix_*): set at enumeration and enable */
	uint8_t msix_cap; /* capability offset, 0 if none */
	uint16_t msix_n;  /* table entries */
	bool msix_on;
	volatile uint32_t *msix_table;
	struct pci_msix_slot *msix_slots;
	/* interrupts delivered: every MSI-X one, and INTx ones a handler of
	 * this device claimed (atomic increments, boot CPU) */
	uint64_t msix_count, intx_count;
	struct list_node p_all; /* pci_devs, in enumeration order */
};

/* Every function found by pci_init(), in bus order. Not modified after
 * start-up. */
extern struct list_node pci_devs;

/* Enumerate, log, probe drivers. Called once at start-up. */
void pci_init(void);

/* Raw configuration access to bus/dev/fn at byte offset 'off' of 'width'
 * 1, 2 or 4 bytes (naturally aligned). 0, -EINVAL for a bad width,
 * alignment or offset (port I/O reaches only the first 256 bytes), or
 * -ENODEV when that access method is missing (no MCFG) or the bus is
 * outside the ECAM range. A missing function reads as all ones. */
int pci_cfg_read(enum pci_access how, unsigned bus, unsigned dev, unsigned fn, unsigned off,
                 unsigned width, uint32_t *val);
int pci_cfg_write(enum pci_access how, unsigned bus, unsigned dev, unsigned fn, unsigned off,
                  unsigned width, uint32_t val);
bool pci_has_ecam(void);

/* Walk the bus tree from bus 0 through bridges using one access method;
 * fill up to 'max' addresses (bus << 8 | dev << 3 | fn) and return how
 * many functions exist (may exceed max). */
int pci_scan(enum pci_access how, uint16_t *bdf, int max);

/* A function's configuration space, through ECAM when there is one,
 * else port I/O. Offsets past 255 without ECAM read all ones and are
 * not written. */
uint8_t pci_read8(const struct pci_dev *p, unsigned off);
uint16_t pci_read16(const struct pci_dev *p, unsigned off);
uint32_t pci_read32(const struct pci_dev *p, unsigned off);
void pci_write8(const struct pci_dev *p, unsigned off, uint8_t v);
void pci_write16(const struct pci_dev *p, unsigned off, uint16_t v);
void pci_write32(const struct pci_dev *p, unsigned off, uint32_t v);

/* first function with these ids after 'from' (NULL: from the start) */
struct pci_dev *pci_find(uint16_t vendor, uint16_t device, struct pci_dev *from);

/* Capability list: the offset of the first capability with 'id' after
 * the one at 'from' (0: from the start), 0 when there is none. The walk
 * stops after 48 entries (a looping list is a broken device). */
unsigned pci_find_cap(const struct pci_dev *p, uint8_t id, unsigned from);

/* memory and I/O decoding plus bus mastering on */
void pci_enable(struct pci_dev *p);
/* Map memory BAR 'i' uncached (idempotent). NULL for an I/O BAR, a BAR
 * that is absent or unassigned, or i > 5. */
void *pci_map_bar(struct pci_dev *p, int i);

/* --- MSI-X --- */
/* Map the table, mask every entry and turn MSI-X on (INTx off).
 * 0; -ENODEV without an MSI-X capability; -EIO when the table's BAR is
 * not mapped. Entries stay masked until pci_msix_set(). */
int pci_msix_enable(struct pci_dev *p);
/* Point entry 'entry' at a new CPU vector on the boot CPU that calls
 * fn(tf, arg), then unmask it. The CPU vector, or -EINVAL (no such
 * entry, MSI-X off, entry already set), -ENOSPC (no free vector). */
int pci_msix_set(struct pci_dev *p, unsigned entry, irq_handler_t fn, void *arg);
void pci_msix_mask(struct pci_dev *p, unsigned entry, bool masked);
/* Mask every entry and turn MSI-X off (a driver falling back to INTx,
 * which pci_intx_add then turns on). Nothing when MSI-X is off. */
void pci_msix_disable(struct pci_dev *p);
void pci_msix_function_mask(struct pci_dev *p, bool masked);

/* --- INTx --- */
typedef bool (*pci_intx_handler_t)(void *arg); /* true: my device raised it */
/* The GSI this function's INTx pin reaches (q35: ICH9 PIRQ A-H are GSI
 * 16-23), PCI_NO_GSI when it has no pin or the route is unknown. */
uint32_t pci_intx_gsi(const struct pci_dev *p);
/* Add fn to the function's line (level-triggered, shared; the IOAPIC
 * entry is programmed with the first handler) and clear the command
 * register's INTx-disable bit. 0, -ENODEV (no pin or no route),
 * -ENOSPC (no vector, or the line has too many handlers). */
int pci_intx_add(struct pci_dev *p, pci_intx_handler_t fn, void *arg);

#endif
