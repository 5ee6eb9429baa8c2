/* Raw Ethernet frames for the virtio-net cases (tests/kernel/test_net.c)
 * and the bench kernel's bench=net-arp (tools/bench/kernel/bench_net.c),
 * built by hand against QEMU user networking (there is no TCP/IP stack
 * yet): the guest is 10.0.2.15, the gateway 10.0.2.2. */
#ifndef UNUM_RAW_FRAMES_H
#define UNUM_RAW_FRAMES_H

#include "netdev.h"
#include "types.h"

#define RAW_WAIT_NS 20000000000ull /* per reply; TCG on a busy host is slow */
#define RAW_ETHERTYPE_IP 0x0800
#define RAW_ETHERTYPE_ARP 0x0806

extern const uint8_t raw_guest_ip[4], raw_gw_ip[4], raw_bcast[ETH_ALEN];

/* big-endian 16-bit fields */
void raw_put16(uint8_t *p, uint16_t v);
uint16_t raw_get16(const uint8_t *p);
/* an ARP request from 'mac' (raw_guest_ip) for target_ip into f[60];
 * its length, 60 */
size_t raw_arp_request(uint8_t *f, const uint8_t *mac, const uint8_t *target_ip);
/* fr is from_ip's ARP reply to our request from 'mac' */
bool raw_is_arp_reply(const struct netdev_frame *fr, const uint8_t *mac, const uint8_t *from_ip);
/* the next frame of nd that 'match' accepts, the others handed back;
 * NULL at the deadline (clock_ns) */
struct netdev_frame *raw_recv_match(struct netdev *nd,
                                    bool (*match)(const struct netdev_frame *, void *), void *arg,
                                    uint64_t deadline);
/* a match: the gateway's ARP reply to its device's MAC */
bool raw_match_arp_gw(const struct netdev_frame *fr, void *arg);

#endif
