/*
 * /init of the Linux-guest baseline (tools/bench/linux-guest): runs the
 * benchmark binary with the argv/env stored in the initramfs, between two
 * marker lines on the console, then powers off. Built static with musl by
 * tools/bench/bench.mk; exercised by tools/bench/linux-guest BINARY ARGS.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* Must match tools/bench/linux-guest. */
#define MARK_BEGIN "@@@linux-guest:begin@@@\n"
#define MARK_END "@@@linux-guest:end:"

#define MAX_ARGS 4096

static char argbuf[1 << 20], envbuf[1 << 20];

/* Split the NUL-separated file PATH (read into buf) into a NULL-ended
 * vector; an absent file gives an empty vector. */
static char **
read_vec(const char *path, char *buf, size_t size)
{
	static char *vecs[2][MAX_ARGS + 1];
	static int which;
	char **v = vecs[which++];
	size_t len = 0;
	ssize_t n;
	int fd, i = 0;

	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		while ((n = read(fd, buf + len, size - 1 - len)) > 0)
			len += n;
		close(fd);
	}
	buf[len] = 0;
	for (size_t p = 0; p < len && i < MAX_ARGS; p += strlen(buf + p) + 1)
		v[i++] = buf + p;
	v[i] = NULL;
	return v;
}

/* Bytes reach the serial port unchanged (no \n -> \r\n), as from a pipe. */
static void
raw_output(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) == 0) {
		t.c_oflag &= ~OPOST;
		tcsetattr(fd, TCSANOW, &t);
	}
}

static void
say(const char *s)
{
	(void)!write(1, s, strlen(s));
}

int
main(void)
{
	char **argv = read_vec("/bench/args", argbuf, sizeof(argbuf));
	char **envp = read_vec("/bench/env", envbuf, sizeof(envbuf));
	char buf[64];
	int status = 0, code, errfd;
	pid_t pid;

	mount("proc", "/proc", "proc", 0, NULL);
	raw_output(1);
	/* The app's stderr goes to the second serial port when there is one. */
	errfd = open("/dev/ttyS1", O_WRONLY | O_NOCTTY);
	if (errfd >= 0)
		raw_output(errfd);
	say(MARK_BEGIN);
	if (!argv[0]) {
		say("linux-init: /bench/args is empty\n");
		code = 127;
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		perror("linux-init: fork");
		code = 126;
		goto out;
	}
	if (pid == 0) {
		int nullfd = open("/dev/null", O_RDONLY);

		if (nullfd >= 0)
			dup2(nullfd, 0); /* stdin: end-of-file at once */
		if (errfd >= 0)
			dup2(errfd, 2);
		execve(argv[0], argv, envp);
		perror(argv[0]);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
out:
	snprintf(buf, sizeof(buf), "%s%d@@@\n", MARK_END, code);
	say(buf);
	tcdrain(1);
	if (errfd >= 0)
		tcdrain(errfd);
	reboot(RB_POWER_OFF);
	return 0;
}
