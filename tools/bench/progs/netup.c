/* The Linux guest's network for the TCP benchmarks (tools/bench/sections/
 * 55-tcp.sh), what our kernel does itself at boot with --net user: load
 * the virtio-net modules given (the cloud kernel has them as modules),
 * bring lo up with 127.0.0.1/8 and eth0 with QEMU user networking's
 * 10.0.2.15/24 and its gateway 10.0.2.2 as the default route (our kernel
 * gets the same by DHCP), then exec the benchmark's program.
 * Usage: netup MODULE.ko... -- PROGRAM ARGS... */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void
die(const char *what)
{
	fprintf(stderr, "netup: %s: %s\n", what, strerror(errno));
	exit(125);
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

/* every module, in whatever order their symbols allow */
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

static void
set_addr(struct sockaddr *sa, const char *ip)
{
	struct sockaddr_in *in = (struct sockaddr_in *)sa;

	memset(in, 0, sizeof(*in));
	in->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &in->sin_addr);
}

static void
iface_up(int s, const char *name, const char *ip, const char *mask)
{
	struct ifreq ifr = {0};

	for (int i = 0; i < 500 && !if_nametoindex(name); i++)
		usleep(10000);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	set_addr(&ifr.ifr_addr, ip);
	if (ioctl(s, SIOCSIFADDR, &ifr))
		die(name);
	set_addr(&ifr.ifr_netmask, mask);
	if (ioctl(s, SIOCSIFNETMASK, &ifr))
		die("SIOCSIFNETMASK");
	if (ioctl(s, SIOCGIFFLAGS, &ifr))
		die("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		die("SIOCSIFFLAGS");
}

int
main(int argc, char **argv)
{
	int sep = 1, s;
	struct rtentry rt = {0};

	while (sep < argc && strcmp(argv[sep], "--"))
		sep++;
	if (sep + 1 >= argc) {
		fprintf(stderr, "usage: netup MODULE.ko... -- PROGRAM ARGS...\n");
		return 2;
	}
	load_modules(argv + 1, sep - 1);
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		die("socket");
	iface_up(s, "lo", "127.0.0.1", "255.0.0.0");
	if (sep > 1) {
		iface_up(s, "eth0", "10.0.2.15", "255.255.255.0");
		set_addr(&rt.rt_dst, "0.0.0.0");
		set_addr(&rt.rt_genmask, "0.0.0.0");
		set_addr(&rt.rt_gateway, "10.0.2.2");
		rt.rt_flags = RTF_UP | RTF_GATEWAY;
		if (ioctl(s, SIOCADDRT, &rt))
			die("SIOCADDRT");
	}
	close(s);
	execv(argv[sep + 1], argv + sep + 1);
	die(argv[sep + 1]);
}
