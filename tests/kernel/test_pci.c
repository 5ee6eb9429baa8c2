/* In-guest tests of PCI (drivers/pci.c, pci_irq.c) and the virtio-pci
 * transports (drivers/virtio_pci.c). tests/run boots q35 with a
 * virtio-rng-pci device in several forms and says which with
 * test.virtio_pci=modern|legacy|modern-intx|legacy-intx; without it no
 * virtio PCI device may be present. On microvm there is no PCI at all.
 * The device boots run only the cases named *virtio* (test.only). */
#include "acpi.h"
#include "cmdline.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "pci.h"
#include "random.h"
#include "virtio.h"

static char want_vpci[16]; /* what tests/run gave QEMU, "" for nothing */

static int
set_vpci(const char *v)
{
	if (!v || strlen(v) >= sizeof(want_vpci))
		return -EINVAL;
	if (strcmp(v, "modern") && strcmp(v, "legacy") && strcmp(v, "modern-intx") &&
	    strcmp(v, "legacy-intx"))
		return -EINVAL;
	memcpy(want_vpci, v, strlen(v) + 1);
	return 0;
}
CMDLINE_KEY("test.virtio_pci", set_vpci);

/* 'sub' occurs in 's' (the kernel's lib has no strstr) */
static bool
has(const char *s, const char *sub)
{
	for (size_t n = strlen(sub); *s; s++)
		if (!strncmp(s, sub, n))
			return true;
	return false;
}

static bool
want_legacy(void)
{
	return !strncmp(want_vpci, "legacy", 6);
}
static bool
want_intx(void)
{
	return has(want_vpci, "intx");
}

static bool
is_q35(void)
{
	return pci_find(0x8086, 0x29c0, NULL) != NULL;
}

static uint32_t
cfg(enum pci_access how, unsigned bdf, unsigned off)
{
	uint32_t v = 0xdeadbeef;

	EXPECT_EQ(pci_cfg_read(how, bdf >> 8, (bdf >> 3) & 31, bdf & 7, off, 4, &v), 0);
	return v;
}

KTEST(pci_enumeration_port_and_ecam)
{
	static uint16_t a[256], b[256];
	int n = pci_scan(PCI_ACCESS_PORT, a, 256), m;

	if (!pci_has_ecam()) {
		/* microvm: no host bridge answers 0xCF8, and pci_init agrees */
		EXPECT_EQ(n, 0);
		EXPECT(list_empty(&pci_devs));
		EXPECT(!is_q35());
		return;
	}
	m = pci_scan(PCI_ACCESS_ECAM, b, 256);
	EXPECT(n >= 2);
	EXPECT_EQ(n, m);
	EXPECT_EQ(n, list_count(&pci_devs));
	for (int i = 0; i < n && i < m && i < 256; i++) {
		EXPECT_EQ(a[i], b[i]);
		/* the whole type-0/1 header, but the status word, whose INTx
		 * bit moves with the line */
		for (unsigned off = 0; off < 64; off += 4) {
			uint32_t x = cfg(PCI_ACCESS_PORT, a[i], off),
			         y = cfg(PCI_ACCESS_ECAM, a[i], off);
			if (off == PCI_COMMAND)
				x &= 0xffff, y &= 0xffff;
			if (x != y)
				ktest_fail(__FILE__, __LINE__,
				           "%02x:%02x.%u +%#x: port %#x ecam %#x", a[i] >> 8,
				           (a[i] >> 3) & 31, a[i] & 7, off, x, y);
		}
	}
	/* q35: the MCH host bridge at 00:00.0 and the ICH9 LPC at 00:1f.0 */
	EXPECT_EQ(cfg(PCI_ACCESS_PORT, 0x00, 0), 0x29c08086);
	EXPECT_EQ(cfg(PCI_ACCESS_ECAM, 0x00, 0), 0x29c08086);
	EXPECT_EQ(cfg(PCI_ACCESS_PORT, 31 << 3, 0), 0x29188086);
	EXPECT_EQ(cfg(PCI_ACCESS_ECAM, 31 << 3, 0), 0x29188086);
	EXPECT(is_q35());
	EXPECT(pci_find(0x8086, 0x2918, NULL) != NULL);
}

KTEST(pci_config_widths_and_bad_input)
{
	uint32_t v, w;
	struct pci_dev *h = pci_find(0x8086, 0x29c0, NULL);

	/* bad input: never a hang, a clear error */
	EXPECT_EQ(pci_cfg_read(PCI_ACCESS_PORT, 0, 0, 0, 0, 3, &v), -EINVAL);
	EXPECT_EQ(pci_cfg_read(PCI_ACCESS_PORT, 0, 0, 0, 2, 4, &v), -EINVAL);
	EXPECT_EQ(pci_cfg_read(PCI_ACCESS_PORT, 0, 0, 0, 256, 4, &v), -EINVAL);
	EXPECT_EQ(pci_cfg_read(PCI_ACCESS_PORT, 0, 32, 0, 0, 4, &v), -EINVAL);
	EXPECT_EQ(pci_cfg_read(PCI_ACCESS_PORT, 0, 0, 8, 0, 4, &v), -EINVAL);
	EXPECT_EQ(pci_cfg_read(PCI_ACCESS_PORT, 256, 0, 0, 0, 4, &v), -EINVAL);
	EXPECT_EQ(pci_cfg_read(PCI_ACCESS_ECAM, 0, 0, 0, 4096, 4, &v), -EINVAL);
	EXPECT_EQ(pci_cfg_write(PCI_ACCESS_ECAM, 0, 0, 0, 4094, 4, 0), -EINVAL);
	if (!pci_has_ecam()) {
		EXPECT_EQ(pci_cfg_read(PCI_ACCESS_ECAM, 0, 0, 0, 0, 4, &v), -ENODEV);
		EXPECT(h == NULL);
		return;
	}
	EXPECT(h != NULL);
	if (!h)
		return;
	/* an absent function reads as all ones (q35 has nothing at 00:1e.7) */
	EXPECT_EQ(pci_cfg_read(PCI_ACCESS_ECAM, 0, 30, 7, 0, 4, &v), 0);
	EXPECT_EQ(v, 0xffffffffu);
	/* the widths agree, through both doors */
	EXPECT_EQ(pci_read8(h, 0), 0x86);
	EXPECT_EQ(pci_read8(h, 3), 0x29);
	EXPECT_EQ(pci_read16(h, 2), 0x29c0);
	EXPECT_EQ(pci_cfg_read(PCI_ACCESS_PORT, 0, 0, 0, 1, 1, &v), 0);
	EXPECT_EQ(v, 0x80);
	EXPECT_EQ(pci_cfg_read(PCI_ACCESS_PORT, 0, 0, 0, 2, 2, &v), 0);
	EXPECT_EQ(v, 0x29c0);
	/* writes: the Interrupt Line register is a read-write scratch byte */
	w = pci_read32(h, PCI_INTR_LINE);
	EXPECT_EQ(pci_cfg_write(PCI_ACCESS_PORT, 0, 0, 0, PCI_INTR_LINE, 1, 0x5a), 0);
	EXPECT_EQ(pci_cfg_read(PCI_ACCESS_ECAM, 0, 0, 0, PCI_INTR_LINE, 1, &v), 0);
	EXPECT_EQ(v, 0x5a);
	EXPECT_EQ(pci_cfg_write(PCI_ACCESS_ECAM, 0, 0, 0, PCI_INTR_LINE, 2, (w & 0xff00) | 0xa5),
	          0);
	EXPECT_EQ(pci_cfg_read(PCI_ACCESS_PORT, 0, 0, 0, PCI_INTR_LINE, 1, &v), 0);
	EXPECT_EQ(v, 0xa5);
	pci_write32(h, PCI_INTR_LINE, (w & ~0xffu) | 0x3c);
	EXPECT_EQ(pci_read8(h, PCI_INTR_LINE), 0x3c);
	pci_write32(h, PCI_INTR_LINE, w);
	EXPECT_EQ(pci_read32(h, PCI_INTR_LINE), w);
}

/* the virtio-rng-pci device tests/run gave, NULL if none */
static struct pci_dev *
vpci_dev(void)
{
	struct pci_dev *p = pci_find(0x1af4, 0x1005, NULL);

	return p ? p : pci_find(0x1af4, 0x1044, NULL);
}

KTEST(pci_bars_of_known_devices)
{
	struct pci_dev *ahci = pci_find(0x8086, 0x2922, NULL);
	volatile uint32_t *abar;

	if (!is_q35()) {
		EXPECT(ahci == NULL);
		return;
	}
	/* ICH9 AHCI at 00:1f.2: BAR4 32 bytes of I/O, BAR5 4 KiB (ABAR) */
	EXPECT(ahci != NULL);
	if (!ahci)
		return;
	EXPECT(ahci->bar[4].io);
	EXPECT_EQ(ahci->bar[4].size, 0x20);
	EXPECT(!ahci->bar[5].io && !ahci->bar[5].mem64);
	EXPECT_EQ(ahci->bar[5].size, 0x1000);
	EXPECT_EQ(ahci->bar[0].size, 0);
	EXPECT(pci_map_bar(ahci, 4) == NULL); /* I/O */
	EXPECT(pci_map_bar(ahci, 0) == NULL); /* absent */
	EXPECT(pci_map_bar(ahci, 6) == NULL);
	abar = pci_map_bar(ahci, 5);
	EXPECT(abar != NULL);
	if (abar)
		EXPECT_EQ(abar[0x10 / 4], 0x00010000); /* VS: AHCI 1.0 in QEMU */
}

KTEST(pci_virtio_bars)
{
	struct pci_dev *p = vpci_dev();

	if (!want_vpci[0]) {
		EXPECT(p == NULL);
		return;
	}
	EXPECT(p != NULL);
	if (!p)
		return;
	/* virtio-rng-pci: BAR0 legacy I/O, BAR1 MSI-X table, BAR4 modern */
	if (!strcmp(want_vpci, "modern-intx")) {
		EXPECT_EQ(p->device, 0x1044); /* disable-legacy=on: modern id */
		EXPECT_EQ(p->bar[0].size, 0);
	} else {
		EXPECT_EQ(p->device, 0x1005);
		EXPECT_EQ(p->subsys_id, VIRTIO_ID_RNG);
		EXPECT(p->bar[0].io);
		EXPECT_EQ(p->bar[0].size, 0x20);
	}
	EXPECT_EQ(p->bar[1].size, want_intx() ? 0 : 0x1000);
	if (want_legacy()) {
		EXPECT_EQ(p->bar[4].size, 0);
	} else {
		EXPECT(p->bar[4].mem64 && p->bar[4].prefetch);
		EXPECT_EQ(p->bar[4].size, 0x4000);
	}
}

KTEST(pci_virtio_capabilities)
{
	struct pci_dev *p = vpci_dev();
	unsigned types = 0, n = 0;

	if (!want_vpci[0]) {
		EXPECT(p == NULL);
		return;
	}
	EXPECT(p != NULL);
	if (!p)
		return;
	EXPECT_EQ(pci_find_cap(p, PCI_CAP_MSIX, 0) != 0, !want_intx());
	EXPECT_EQ(p->msix_cap != 0, !want_intx());
	if (!want_intx())
		EXPECT(p->msix_n >= 2);
	EXPECT_EQ(pci_find_cap(p, PCI_CAP_MSI, 0), 0); /* virtio-pci offers no plain MSI */
	for (unsigned c = pci_find_cap(p, PCI_CAP_VENDOR, 0); c;
	     c = pci_find_cap(p, PCI_CAP_VENDOR, c)) {
		types |= 1u << pci_read8(p, c + 3);
		n++;
	}
	/* modern: common 1, notify 2, ISR 3, device 4, PCI config access 5 */
	if (want_legacy())
		EXPECT_EQ(n, 0);
	else
		EXPECT_EQ(types & 0x2e, 0x2e);
}

static volatile uint64_t extra_calls;
static bool
extra_handler(void *arg)
{
	(void)arg;
	extra_calls++;
	return false; /* not ours: the virtio handler must still run */
}

/* test.pci_shared: the boot runs no rng byte check (test_virtio_rng.c
 * counts every byte the device delivered), so this file may read */
static bool may_read;
static int
set_shared(const char *v)
{
	may_read = true;
	return v ? -EINVAL : 0;
}
CMDLINE_KEY("test.pci_shared", set_shared);

KTEST(pci_virtio_transport_and_interrupts)
{
	struct pci_dev *p = vpci_dev();
	struct virtio_dev *d = NULL;
	uint8_t buf[64];
	uint64_t intx0;

	if (!want_vpci[0]) {
		EXPECT(p == NULL);
		return;
	}
	EXPECT(p != NULL);
	for (int i = 0; i < virtio_ndevs(); i++)
		if (has(virtio_dev_at(i)->name, "@pci"))
			d = virtio_dev_at(i);
	EXPECT(d != NULL);
	if (!p || !d)
		return;
	EXPECT_EQ(d->device_id, VIRTIO_ID_RNG);
	EXPECT(!strcmp(d->ops->name, want_legacy() ? "pci-legacy" : "pci-modern"));
	EXPECT_EQ(d->legacy, want_legacy());
	EXPECT_EQ(p->msix_on, !want_intx());
	EXPECT(pci_read16(p, PCI_COMMAND) & PCI_CMD_MASTER);
	/* the rng driver's probe waited for its first bytes by interrupt */
	ktest_note("%s: %lu MSI-X, %lu INTx interrupts", p->name, (unsigned long)p->msix_count,
	           (unsigned long)p->intx_count);
	if (!want_intx()) {
		EXPECT(p->msix_count > 0);
		EXPECT_EQ(p->intx_count, 0);
		return;
	}
	EXPECT(p->intx_count > 0);
	EXPECT_EQ(p->msix_count, 0);
	/* q35: bus-0 slot S pin A is PIRQ E + (S % 4), GSI 20 + S % 4;
	 * behind a bridge the pin turns by the device number first.
	 * tests/run: legacy-intx at 00:03.0, modern-intx at 01:00.0
	 * behind a root port at 00:06.0 */
	if (want_legacy()) {
		EXPECT(p->bus == 0 && p->dev == 3 && !p->parent);
		EXPECT_EQ(pci_intx_gsi(p), 23);
	} else {
		EXPECT(p->bus != 0 && p->parent && p->parent->dev == 6);
		EXPECT_EQ(pci_intx_gsi(p), 22);
	}
	if (!may_read)
		return;
	/* a second handler on the same line: both are called */
	EXPECT_EQ(pci_intx_add(p, extra_handler, NULL), 0);
	intx0 = p->intx_count;
	EXPECT_EQ(virtio_rng_read(buf, sizeof(buf)), (long)sizeof(buf));
	EXPECT(p->intx_count > intx0);
	EXPECT(extra_calls > 0);
}

KTEST(pci_intx_routes_q35)
{
	struct pci_dev *ahci = pci_find(0x8086, 0x2922, NULL);

	if (!is_q35()) {
		EXPECT(ahci == NULL);
		return;
	}
	/* 00:1f.2 INTA: D31IR routes INTA to PIRQA at reset, GSI 16 */
	EXPECT(ahci != NULL);
	if (ahci) {
		EXPECT_EQ(ahci->intr_pin, 1);
		EXPECT_EQ(pci_intx_gsi(ahci), 16);
	}
	/* the host bridge has no pin */
	EXPECT_EQ(pci_intx_gsi(pci_find(0x8086, 0x29c0, NULL)), PCI_NO_GSI);
}
