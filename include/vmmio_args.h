/* virtio-mmio devices named on the command line, as QEMU microvm (with
 * acpi=off) and Firecracker pass them: virtio_mmio.device=SIZE@ADDR:IRQ
 * (SIZE with an optional K/M suffix; Linux's format, an optional :ID
 * after IRQ accepted and ignored). The virtio-mmio transport probes
 * these. */
#ifndef UNUM_VMMIO_ARGS_H
#define UNUM_VMMIO_ARGS_H

#include "types.h"

#define VMMIO_MAX 16

struct vmmio_dev {
	uint64_t base, size;
	uint32_t irq;
};

extern struct vmmio_dev vmmio_devs[VMMIO_MAX];
extern int vmmio_ndevs;

/* parse one value; 0 or -EINVAL */
int vmmio_parse(const char *v, struct vmmio_dev *d);

#endif
