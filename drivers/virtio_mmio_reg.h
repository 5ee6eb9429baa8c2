/* virtio-mmio register layout (virtio 1.x section 4.2.2, modern = version
 * 2; 4.2.4, legacy = version 1). Offsets from the device's base; every
 * register is 32 bits, little-endian. */
#ifndef UNUM_DRIVERS_VIRTIO_MMIO_REG_H
#define UNUM_DRIVERS_VIRTIO_MMIO_REG_H

#define VMMIO_MAGIC_VALUE 0x000 /* "virt" */
#define VMMIO_VERSION 0x004     /* 1 legacy, 2 modern */
#define VMMIO_DEVICE_ID 0x008   /* 0: an empty slot */
#define VMMIO_VENDOR_ID 0x00c
#define VMMIO_DEVICE_FEATURES 0x010
#define VMMIO_DEVICE_FEATURES_SEL 0x014
#define VMMIO_DRIVER_FEATURES 0x020
#define VMMIO_DRIVER_FEATURES_SEL 0x024
#define VMMIO_GUEST_PAGE_SIZE 0x028 /* legacy */
#define VMMIO_QUEUE_SEL 0x030
#define VMMIO_QUEUE_NUM_MAX 0x034
#define VMMIO_QUEUE_NUM 0x038
#define VMMIO_QUEUE_ALIGN 0x03c /* legacy */
#define VMMIO_QUEUE_PFN 0x040   /* legacy */
#define VMMIO_QUEUE_READY 0x044 /* modern */
#define VMMIO_QUEUE_NOTIFY 0x050
#define VMMIO_INTERRUPT_STATUS 0x060
#define VMMIO_INTERRUPT_ACK 0x064
#define VMMIO_STATUS 0x070
#define VMMIO_QUEUE_DESC_LOW 0x080 /* modern, and the five below */
#define VMMIO_QUEUE_DESC_HIGH 0x084
#define VMMIO_QUEUE_DRIVER_LOW 0x090
#define VMMIO_QUEUE_DRIVER_HIGH 0x094
#define VMMIO_QUEUE_DEVICE_LOW 0x0a0
#define VMMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VMMIO_CONFIG_GENERATION 0x0fc
#define VMMIO_CONFIG 0x100

#define VMMIO_MAGIC 0x74726976u
#define VMMIO_INT_VRING 1  /* InterruptStatus: a used buffer */
#define VMMIO_INT_CONFIG 2 /* InterruptStatus: configuration changed */

#endif
