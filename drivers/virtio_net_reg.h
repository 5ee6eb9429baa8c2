/* virtio-net register layout (virtio 1.2, section 5.1): feature bits,
 * configuration space, the per-packet header. Used by drivers/virtio_net.c
 * only. */
#ifndef UNUM_VIRTIO_NET_REG_H
#define UNUM_VIRTIO_NET_REG_H

#include "types.h"

/* feature bits (5.1.3) */
#define VIRTIO_NET_F_CSUM (1ull << 0)       /* device completes partial checksums */
#define VIRTIO_NET_F_GUEST_CSUM (1ull << 1) /* driver handles partial checksums */
#define VIRTIO_NET_F_MTU (1ull << 3)
#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_F_MRG_RXBUF (1ull << 15)
#define VIRTIO_NET_F_STATUS (1ull << 16)

/* configuration space (5.1.4): byte offsets */
#define VIRTIO_NET_CFG_MAC 0    /* 6 bytes, with F_MAC */
#define VIRTIO_NET_CFG_STATUS 6 /* le16, with F_STATUS */
#define VIRTIO_NET_CFG_MTU 10   /* le16, with F_MTU */
#define VIRTIO_NET_S_LINK_UP 1

/* queues (5.1.2): receiveq1, transmitq1 */
#define VIRTIO_NET_RXQ 0
#define VIRTIO_NET_TXQ 1

/* the header before every packet (5.1.6): 10 bytes on legacy devices
 * without MRG_RXBUF, else 12 with num_buffers */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE 0
struct virtio_net_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers; /* not there in the 10-byte form */
} __packed;
#define VIRTIO_NET_HDR_LEGACY_LEN 10
#define VIRTIO_NET_HDR_LEN 12

#endif
