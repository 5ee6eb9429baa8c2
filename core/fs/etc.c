/* The files in /etc that libc's name services read (getpwnam, getgrgid,
 * gethostbyname, getaddrinfo for "localhost"), made at boot when the
 * app's tree brought none: its own files (--add) always win. The host
 * name is vfs_hostname(): "unum" or the kernel argument hostname=NAME.
 * /etc/resolv.conf names the DNS servers the network was given (dns=, or
 * DHCP's), once it is configured. */
#include "errno.h"
#include "lib.h"
#include "net.h"
#include "vfs.h"

static void
put(const char *path, const char *text)
{
	struct vnode *v;

	if (!vfs_create(NULL, path, S_IFREG | 0644, &v))
		vfs_write_data(v, 0, text, strlen(text));
	if (v)
		vfs_put(v);
}

void
etc_init(void)
{
	char hosts[256], name[80];
	struct vnode *v;

	vfs_create(NULL, "/etc", S_IFDIR | 0755, &v); /* -EEXIST: the app's own */
	if (v)
		vfs_put(v);
	put("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
	                   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n");
	put("/etc/group", "root:x:0:\nnogroup:x:65534:\n");
	put("/etc/nsswitch.conf", "passwd:         files\ngroup:          files\n"
	                          "shadow:         files\nhosts:          files dns\n"
	                          "networks:       files\nprotocols:      files\n"
	                          "services:       files\n");
	fmt_snprintf(name, sizeof(name), "%s\n", vfs_hostname());
	put("/etc/hostname", name);
	fmt_snprintf(hosts, sizeof(hosts),
	             "127.0.0.1\tlocalhost\n127.0.1.1\t%s\n"
	             "::1\t\tlocalhost ip6-localhost ip6-loopback\n",
	             vfs_hostname());
	put("/etc/hosts", hosts);
}

void
etc_resolv_init(void)
{
	char text[64 + NET_DNS_MAX * 64], addr[48];
	size_t at = 0;

	for (int i = 0; net_dns_server(i, addr, sizeof(addr)); i++)
		at += (size_t)fmt_snprintf(text + at, sizeof(text) - at, "nameserver %s\n", addr);
	if (at)
		put("/etc/resolv.conf", text);
}
