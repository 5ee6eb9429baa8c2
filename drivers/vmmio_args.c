/* The virtio_mmio.device= command-line key (include/vmmio_args.h). */
#include "vmmio_args.h"
#include "cmdline.h"
#include "errno.h"
#include "lib.h"

struct vmmio_dev vmmio_devs[VMMIO_MAX];
int vmmio_ndevs;

int
vmmio_parse(const char *v, struct vmmio_dev *d)
{
	const char *at = strchr(v, '@'), *colon;
	uint64_t irq;

	if (!at || !(colon = strchr(at, ':')))
		return -EINVAL;
	const char *end = strchr(colon + 1, ':');
	size_t irqlen = end ? (size_t)(end - colon - 1) : strlen(colon + 1);
	if (parse_u64(v, at - v, &d->size, true) ||
	    parse_u64(at + 1, colon - at - 1, &d->base, false) ||
	    parse_u64(colon + 1, irqlen, &irq, false) || irq > 255 || !d->size)
		return -EINVAL;
	d->irq = (uint32_t)irq;
	return 0;
}

static int
set_device(const char *v)
{
	struct vmmio_dev d;

	if (!v || vmmio_parse(v, &d))
		return -EINVAL;
	for (int i = 0; i < vmmio_ndevs; i++)
		if (vmmio_devs[i].base == d.base)
			return 0; /* the same device named twice */
	if (vmmio_ndevs == VMMIO_MAX)
		return -EINVAL;
	vmmio_devs[vmmio_ndevs++] = d;
	return 0;
}
CMDLINE_KEY("virtio_mmio.device", set_device);
