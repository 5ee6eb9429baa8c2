/* tests/net/tcp_blast HOST PORT [BYTES]: connects, writes BYTES (default
 * 4 MiB) and exits at once, without close or shutdown: what it wrote must
 * reach the peer all the same (tests/e2e/net-exit-drain.sh), as it does on
 * Linux, where the kernel goes on sending after the process is gone. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	static char buf[65536];
	struct sockaddr_in a = {.sin_family = AF_INET};
	long total = argc > 3 ? atol(argv[3]) : 4l << 20;
	int fd;

	if (argc < 3 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: tcp_blast HOST PORT [BYTES]\n");
		return 2;
	}
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("tcp_blast: connect");
		return 1;
	}
	memset(buf, 'b', sizeof(buf));
	for (long done = 0; done < total;) {
		size_t n =
		    (size_t)(total - done < (long)sizeof(buf) ? total - done : (long)sizeof(buf));
		ssize_t w = write(fd, buf, n);
		if (w <= 0) {
			perror("tcp_blast: write");
			return 1;
		}
		done += w;
	}
	printf("tcp_blast: wrote %ld bytes\n", total);
	return 0; /* no close: the exit must not lose what is still queued */
}
