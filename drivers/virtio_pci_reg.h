/* virtio over PCI, register layout: virtio 1.2 4.1.4 (modern: vendor
 * capabilities pointing into BARs) and 4.1.4.8 / 0.9.5 (legacy: one I/O
 * BAR). Used only by drivers/virtio_pci.c. */
#ifndef UNUM_VIRTIO_PCI_REG_H
#define UNUM_VIRTIO_PCI_REG_H

#define VIRTIO_PCI_VENDOR 0x1af4
#define VIRTIO_PCI_MODERN_BASE 0x1040 /* + virtio device id */
#define VIRTIO_PCI_TRANS_FIRST 0x1000 /* transitional ids: subsystem id = */
#define VIRTIO_PCI_TRANS_LAST 0x103f  /*   the virtio device id */

/* struct virtio_pci_cap, a PCI vendor capability (id 0x09) */
#define VPCI_CAP_CFG_TYPE 3
#define VPCI_CAP_BAR 4
#define VPCI_CAP_OFFSET 8
#define VPCI_CAP_LENGTH 12
#define VPCI_CAP_NOTIFY_MULT 16 /* notify capability only */
#define VPCI_CFG_COMMON 1
#define VPCI_CFG_NOTIFY 2
#define VPCI_CFG_ISR 3
#define VPCI_CFG_DEVICE 4

/* struct virtio_pci_common_cfg */
#define VCOM_DFSELECT 0x00 /* u32 device_feature_select */
#define VCOM_DF 0x04       /* u32 device_feature */
#define VCOM_GFSELECT 0x08 /* u32 driver_feature_select */
#define VCOM_GF 0x0c       /* u32 driver_feature */
#define VCOM_MSIX 0x10     /* u16 config_msix_vector */
#define VCOM_NUMQ 0x12     /* u16 num_queues */
#define VCOM_STATUS 0x14   /* u8 device_status */
#define VCOM_CFGGEN 0x15   /* u8 config_generation */
#define VCOM_Q_SELECT 0x16 /* u16 */
#define VCOM_Q_SIZE 0x18   /* u16 */
#define VCOM_Q_MSIX 0x1a   /* u16 */
#define VCOM_Q_ENABLE 0x1c /* u16 */
#define VCOM_Q_NOFF 0x1e   /* u16 queue_notify_off */
#define VCOM_Q_DESC 0x20   /* u64 */
#define VCOM_Q_AVAIL 0x28  /* u64 (driver area) */
#define VCOM_Q_USED 0x30   /* u64 (device area) */

/* legacy I/O BAR 0 */
#define VLEG_HOST_FEATURES 0x00  /* u32 */
#define VLEG_GUEST_FEATURES 0x04 /* u32 */
#define VLEG_QUEUE_PFN 0x08      /* u32, ring address >> 12 */
#define VLEG_QUEUE_NUM 0x0c      /* u16, fixed by the device */
#define VLEG_QUEUE_SEL 0x0e      /* u16 */
#define VLEG_QUEUE_NOTIFY 0x10   /* u16 */
#define VLEG_STATUS 0x12         /* u8 */
#define VLEG_ISR 0x13            /* u8, read clears */
#define VLEG_MSIX_CONFIG 0x14    /* u16, only while MSI-X is on */
#define VLEG_MSIX_QUEUE 0x16     /* u16, only while MSI-X is on */
#define VLEG_CONFIG 0x14         /* device config without MSI-X ... */
#define VLEG_CONFIG_MSIX 0x18    /* ... and with it */
#define VLEG_PFN_SHIFT 12

#define VIRTIO_ISR_QUEUE 1
#define VIRTIO_ISR_CONFIG 2

#endif
