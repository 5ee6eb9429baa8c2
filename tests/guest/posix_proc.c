/* In-guest checks of /proc (self/maps with our own mapping, self/fd links,
 * self/stat's fields, self/exe, /proc/stat, hostname), /dev (tty,
 * console, stdin/stdout/stderr and fd links) and the generated /etc
 * files. Built three ways like every tests/guest program; run as the app
 * and natively on Linux: what only unum gives is checked when UNUM_TEST
 * is yes (tests/run sets it). */
#define _GNU_SOURCE
#include "tap.h"
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

static char text[65536];

static const char *
slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n, got = 0;

	text[0] = 0;
	while (fd >= 0 && (n = read(fd, text + got, sizeof(text) - 1 - got)) > 0)
		got += n;
	text[got] = 0;
	close(fd);
	return fd >= 0 ? text : NULL;
}

static int
link_is(const char *path, const char *want)
{
	char buf[512];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return 0;
	buf[n] = 0;
	return !strcmp(buf, want);
}

int
main(int argc, char **argv)
{
	int unum = getenv("UNUM_TEST") && !strcmp(getenv("UNUM_TEST"), "yes");
	char want[256], line[512];

	/* our own mapping, at the address mmap returned, in self/maps */
	char *p = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	snprintf(want, sizeof(want), "%lx-%lx r--p 00000000 00:00 0", (unsigned long)p,
	         (unsigned long)(p + 3 * 4096));
	CHECK(slurp("/proc/self/maps") && strstr(text, want), "self/maps lists our mapping");
	CHECK(strstr(text, "[stack]") != NULL, "self/maps names [stack]");
	/* a piece of it after an mprotect: still offset 0, as every
	 * anonymous region's */
	CHECK(mprotect(p + 4096, 4096, PROT_NONE) == 0, "mprotect of its middle page");
	snprintf(want, sizeof(want), "%lx-%lx r--p 00000000 00:00 0", (unsigned long)(p + 2 * 4096),
	         (unsigned long)(p + 3 * 4096));
	CHECK(slurp("/proc/self/maps") && strstr(text, want),
	      "self/maps: its last page at offset 0");
	char exe[512];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	snprintf(want, sizeof(want), " r-xp ");
	CHECK(n > 0 && strstr(text, exe) != NULL, "self/maps names the program's file");
	/* the link opens the program's file: its ELF header, its size */
	struct stat es, ps;
	char magic[4] = {0};
	int efd = open("/proc/self/exe", O_RDONLY);
	CHECK(efd >= 0 && read(efd, magic, 4) == 4 && !memcmp(magic, "\177ELF", 4) &&
	          fstat(efd, &es) == 0 && stat(exe, &ps) == 0 && es.st_ino == ps.st_ino &&
	          es.st_size == ps.st_size,
	      "open(/proc/self/exe) reads the program's file");
	if (efd >= 0)
		close(efd);
	/* a file mapping names its file */
	char path[128];
	snprintf(path, sizeof(path), "/tmp/posix_proc.%d", (int)getpid());
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "abcd", 4) == 4, "a file");
	char *m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	struct stat st;
	fstat(fd, &st);
	snprintf(want, sizeof(want), "%lx-%lx r--s 00000000 ", (unsigned long)m,
	         (unsigned long)(m + 4096));
	CHECK(m != MAP_FAILED && slurp("/proc/self/maps") && strstr(text, want) &&
	          strstr(strstr(text, want), path),
	      "self/maps: a shared file mapping and its path");
	const char *at = strstr(text, want);
	const char *name = at ? strstr(at, path) : NULL;
	CHECK(name && name - at == 73, "self/maps: the name at column 73, as Linux's");
	munmap(m, 4096);
	/* self/fd */
	snprintf(want, sizeof(want), "/proc/self/fd/%d", fd);
	CHECK(link_is(want, path), "readlink self/fd/N gives the opened path");
	int pfd[2];
	CHECK(pipe(pfd) == 0, "a pipe");
	snprintf(want, sizeof(want), "/proc/self/fd/%d", pfd[0]);
	n = readlink(want, line, sizeof(line) - 1);
	line[n > 0 ? n : 0] = 0;
	CHECK(n > 0 && !strncmp(line, "pipe:[", 6), "self/fd of a pipe: pipe:[N]");
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int seen_fd = 0, seen_pipe = 0, count = 0;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		count++;
		seen_fd |= atoi(de->d_name) == fd;
		seen_pipe |= atoi(de->d_name) == pfd[1];
	}
	closedir(d);
	CHECK(d && seen_fd && seen_pipe && count >= 5, "self/fd lists the open fds");
	close(pfd[1]);
	snprintf(want, sizeof(want), "/proc/self/fd/%d", pfd[1]);
	CHECK(access(want, F_OK) == -1 && errno == ENOENT, "a closed fd is gone from self/fd");
	snprintf(want, sizeof(want), "/proc/self/fd/%d", fd);
	int fd2 = open(want, O_RDONLY);
	char b4[5] = {0};
	CHECK(fd2 >= 0 && read(fd2, b4, 4) == 4 && !strcmp(b4, "abcd"),
	      "opening self/fd/N opens the file");
	close(fd2);
	unlink(path);
	snprintf(line, sizeof(line), "%s (deleted)", path);
	CHECK(link_is(want, line), "an unlinked open file: (deleted)");
	close(fd);
	/* self/stat: pid (comm) state ..., 52 fields */
	CHECK(slurp("/proc/self/stat") != NULL, "self/stat");
	int pid = 0, fields = 0;
	char comm[64] = {0}, state = 0;
	sscanf(text, "%d (%63[^)]) %c", &pid, comm, &state);
	const char *rest = strrchr(text, ')');
	for (const char *c = rest; c && *c; c++)
		fields += *c == ' ';
	CHECK(pid == getpid() && state == 'R' && fields >= 50,
	      "self/stat: pid, comm, state, fields");
	CHECK(slurp("/proc/self/cmdline") && !strcmp(text, argv[0]), "self/cmdline");
	CHECK(slurp("/proc/self/status") && strstr(text, "Name:") && strstr(text, "Pid:"),
	      "self/status");
	CHECK(slurp("/proc/stat") && !strncmp(text, "cpu ", 4) && strstr(text, "btime "),
	      "/proc/stat");
	CHECK(slurp("/proc/uptime") && atof(text) > 0, "/proc/uptime");
	CHECK(slurp("/proc/meminfo") && strstr(text, "MemTotal:"), "/proc/meminfo");
	CHECK(slurp("/proc/cpuinfo") && strstr(text, "processor"), "/proc/cpuinfo");
	CHECK(slurp("/proc/mounts") && strstr(text, " / "), "/proc/mounts");
	struct utsname u;
	uname(&u);
	snprintf(want, sizeof(want), "%s\n", u.nodename);
	CHECK(slurp("/proc/sys/kernel/hostname") && !strcmp(text, want),
	      "/proc/sys/kernel/hostname is uname's");
	/* /dev */
	CHECK(link_is("/dev/stdin", "/proc/self/fd/0") &&
	          link_is("/dev/stdout", "/proc/self/fd/1") &&
	          link_is("/dev/stderr", "/proc/self/fd/2") && link_is("/dev/fd", "/proc/self/fd"),
	      "/dev/stdin, stdout, stderr and fd");
	fd = open("/dev/stdout", O_WRONLY);
	CHECK(fd >= 0 && write(fd, "# through /dev/stdout\n", 22) == 22, "a write to /dev/stdout");
	close(fd);
	CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode), "/dev/null");
	if (unum) {
		CHECK(stat("/dev/tty", &st) == 0 && S_ISCHR(st.st_mode) &&
		          stat("/dev/console", &st) == 0 && S_ISCHR(st.st_mode),
		      "/dev/tty, /dev/console");
		fd = open("/dev/tty", O_WRONLY);
		CHECK(fd >= 0 && write(fd, "# through /dev/tty\n", 19) == 19,
		      "a write to /dev/tty");
		close(fd);
		/* /etc, generated: the app brought none */
		CHECK(slurp("/etc/passwd") && !strncmp(text, "root:x:0:0:", 11),
		      "/etc/passwd has root");
		CHECK(slurp("/etc/group") && !strncmp(text, "root:x:0:", 9), "/etc/group has root");
		CHECK(!strcmp(u.nodename, "unum") && slurp("/etc/hostname") &&
		          !strcmp(text, "unum\n"),
		      "/etc/hostname is unum");
		CHECK(slurp("/etc/hosts") && strstr(text, "127.0.0.1\tlocalhost") &&
		          strstr(text, "\tunum\n"),
		      "/etc/hosts: localhost and the host name");
		CHECK(slurp("/etc/nsswitch.conf") && strstr(text, "hosts:"), "/etc/nsswitch.conf");
	} else {
		CHECK(slurp("/etc/passwd") && strstr(text, "root:x:0:0:"), "/etc/passwd has root");
	}
	return tap_done();
}
