/* The virtio-pci fall back from MSI-X to INTx (drivers/virtio_pci.c,
 * setup_irqs): with test.msix_refuse the devices act as if they refused
 * their last queue's MSI-X vector (virtio_pci_refuse_msix), after the
 * config vector and earlier queue vectors were set. tests/run boots q35
 * with a virtio-rng-pci device that has MSI-X entries
 * ("virtio-rng-pci-msix-refused", test.only=virtio_rng): the rng cases of
 * test_virtio_rng.c check the bytes still arrive exactly, this one that
 * they came by INTx with MSI-X off. */
#include "cmdline.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "pci.h"
#include "virtio.h"

static bool refuse;

static int
set_refuse(const char *v)
{
	refuse = true;
	virtio_pci_refuse_msix = true; /* parsed before pci_init probes */
	return v ? -EINVAL : 0;
}
CMDLINE_KEY("test.msix_refuse", set_refuse);

KTEST(virtio_rng_pci_msix_refused_falls_back_to_intx)
{
	struct pci_dev *p = pci_find(0x1af4, 0x1005, NULL);
	struct virtio_dev *d = NULL;

	if (!refuse)
		return; /* only the boot that asks for it */
	if (!p)
		p = pci_find(0x1af4, 0x1044, NULL);
	for (int i = 0; i < virtio_ndevs(); i++)
		if (virtio_dev_at(i)->device_id == VIRTIO_ID_RNG)
			d = virtio_dev_at(i);
	EXPECT(p != NULL);
	EXPECT(d != NULL);
	if (!p || !d)
		return;
	/* the device offered MSI-X; the driver took it back */
	EXPECT(p->msix_cap != 0);
	EXPECT(p->msix_n >= 2);
	EXPECT(!p->msix_on);
	EXPECT(!(pci_read16(p, PCI_COMMAND) & PCI_CMD_INTX_OFF));
	EXPECT_EQ(d->nvqs, 1);
	if (d->nvqs)
		EXPECT_EQ(d->vqs[0]->msix_vector, VIRTIO_NO_VECTOR);
	/* the probe waited for its first bytes: by the line, never MSI-X */
	ktest_note("%s (%s): %lu MSI-X, %lu INTx interrupts", p->name, d->ops->name,
	           (unsigned long)p->msix_count, (unsigned long)p->intx_count);
	EXPECT(p->intx_count > 0);
	EXPECT_EQ(p->msix_count, 0);
	/* no rng bytes read here: virtio_rng_delivers_the_file counts every
	 * byte from the first 64 on, and reads 9.6 KB more through the line */
}
