/* Linux side of the raw-frame benchmark (tools/bench/sections/50-net.sh):
 * the same ARP request/reply round trips with QEMU user networking's
 * gateway 10.0.2.2 as bench=net-arp does in our bench kernel
 * (tools/bench/kernel/bench_net.c), through an AF_PACKET socket on the Linux guest's eth0.
 * The cloud kernel has virtio and virtio_net as modules: the section
 * passes them (virtio core, ring, PCI transport, failover, virtio_net),
 * loaded here first.
 * Usage: netbench net-arp OPS MODULE.ko...   prints "bench net-arp OPS NS".
 * mark_bench_start/stop bracket the timed loop for the icount plugin. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) void
mark_bench_start(void)
{
	__asm__ volatile("");
}
__attribute__((noinline)) void
mark_bench_stop(void)
{
	__asm__ volatile("");
}

static const uint8_t guest_ip[4] = {10, 0, 2, 15}, gw_ip[4] = {10, 0, 2, 2};

static void
die(const char *what)
{
	fprintf(stderr, "netbench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* 0 when loaded (or already there), else errno: ENOENT also means a
 * symbol it needs is not loaded yet */
static int
load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e = 0;

	if (fd < 0)
		die(path);
	if (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST)
		e = errno;
	close(fd);
	return e;
}

/* load every module, in whatever order their symbols allow */
static void
load_modules(char **paths, int n)
{
	int left = n, loaded[64] = {0};

	if (n > 64)
		n = left = 64;
	for (int pass = 0; left && pass < n; pass++)
		for (int i = 0; i < n; i++)
			if (!loaded[i] && !load_module(paths[i]))
				loaded[i] = 1, left--;
	for (int i = 0; i < n; i++)
		if (!loaded[i]) {
			errno = load_module(paths[i]);
			die(paths[i]);
		}
}

/* the interface's index once the driver has made it, up */
static int
eth0_up(int s, uint8_t *mac)
{
	struct ifreq ifr = {0};
	int idx = 0;

	for (int i = 0; i < 1000 && !(idx = (int)if_nametoindex("eth0")); i++)
		usleep(10000);
	if (!idx)
		die("no eth0 after loading virtio_net");
	strcpy(ifr.ifr_name, "eth0");
	if (ioctl(s, SIOCGIFHWADDR, &ifr))
		die("SIOCGIFHWADDR");
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		die("SIOCSIFFLAGS");
	return idx;
}

static void
arp_request(uint8_t *f, const uint8_t *mac)
{
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08, f[13] = 0x06;
	f[15] = 1, f[16] = 0x08, f[18] = 6, f[19] = 4, f[21] = 1;
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, guest_ip, 4);
	memcpy(f + 38, gw_ip, 4);
}

/* send one request, wait (5 s at most) for the gateway's reply */
static int
round_trip(int s, const uint8_t *req, const uint8_t *mac)
{
	uint8_t buf[2048];

	if (send(s, req, 60, 0) != 60)
		die("send");
	for (;;) {
		struct pollfd p = {s, POLLIN, 0};
		if (poll(&p, 1, 5000) != 1)
			return -1;
		ssize_t n = recv(s, buf, sizeof(buf), 0);
		if (n < 0)
			die("recv");
		if (n >= 42 && buf[12] == 0x08 && buf[13] == 0x06 && buf[21] == 2 &&
		    !memcmp(buf + 28, gw_ip, 4) && !memcmp(buf + 32, mac, 6))
			return 0;
	}
}

int
main(int argc, char **argv)
{
	uint8_t mac[6], req[60];
	struct sockaddr_ll sll = {0};
	uint64_t ops, t0;
	int s;

	if (argc < 3 || strcmp(argv[1], "net-arp")) {
		fprintf(stderr, "usage: netbench net-arp OPS MODULE.ko...\n");
		return 2;
	}
	ops = strtoull(argv[2], NULL, 0);
	load_modules(argv + 3, argc - 3);
	s = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ARP));
	if (s < 0)
		die("socket(AF_PACKET)");
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = eth0_up(s, mac);
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)))
		die("bind");
	arp_request(req, mac);
	/* the link may take a moment to come up: retry the first one */
	int ok = -1;
	for (int i = 0; i < 10 && ok; i++)
		ok = round_trip(s, req, mac);
	if (ok) {
		fprintf(stderr, "netbench: no ARP reply from 10.0.2.2\n");
		return 1;
	}
	mark_bench_start();
	t0 = now_ns();
	for (uint64_t i = 0; i < ops; i++)
		if (round_trip(s, req, mac)) {
			fprintf(stderr, "netbench: reply %llu did not come\n",
			        (unsigned long long)i);
			return 1;
		}
	t0 = now_ns() - t0;
	mark_bench_stop();
	printf("bench net-arp %llu %llu\n", (unsigned long long)ops, (unsigned long long)t0);
	return 0;
}
