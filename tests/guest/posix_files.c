/* In-guest checks of file-system semantics on the root ramfs: rename and
 * unlink rules, symlinks and loops, truncation, modes and umask, times,
 * dup and fcntl, append and O_DIRECTORY, statfs. Built three ways like
 * every tests/guest program; run as the app. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* musl has no renameat2() wrapper */
static int
rename_noreplace(const char *a, const char *b)
{
	return (int)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 1 /* RENAME_NOREPLACE */);
}
#include "tap.h"

static int
put(const char *path, const char *data)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	int ok = fd >= 0 && write(fd, data, strlen(data)) == (ssize_t)strlen(data);
	close(fd);
	return ok;
}

static int
has(const char *path, const char *data)
{
	char buf[256] = {0};
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	close(fd);
	return n >= 0 && !strcmp(buf, data);
}

int
main(void)
{
	struct stat st;
	char buf[256];

	CHECK(mkdir("/w", 0755) == 0 && chdir("/w") == 0, "a work folder");
	CHECK(put("a", "alpha") && rename("a", "b") == 0 && has("b", "alpha") &&
	          access("a", F_OK) == -1 && errno == ENOENT,
	      "rename a file");
	CHECK(put("c", "gamma") && rename("c", "b") == 0 && has("b", "gamma"),
	      "rename over a file replaces it");
	CHECK(mkdir("d", 0755) == 0 && rename("b", "d") == -1 && errno == EISDIR,
	      "rename a file over a folder: EISDIR");
	CHECK(rename("d", "b") == -1 && errno == ENOTDIR, "rename a folder over a file: ENOTDIR");
	CHECK(mkdir("d/sub", 0755) == 0 && rename("d", "d/sub/x") == -1 && errno == EINVAL,
	      "a folder into itself: EINVAL");
	CHECK(rename_noreplace("b", "b2") == 0 && put("b", "x") &&
	          rename_noreplace("b", "b2") == -1 && errno == EEXIST,
	      "RENAME_NOREPLACE");
	CHECK(unlink("d") == -1 && errno == EISDIR, "unlink a folder: EISDIR");
	CHECK(rmdir("b") == -1 && errno == ENOTDIR, "rmdir a file: ENOTDIR");
	CHECK(rmdir("d") == -1 && errno == ENOTEMPTY, "rmdir a full folder: ENOTEMPTY");
	CHECK(rmdir("d/sub") == 0 && rmdir("d") == 0, "rmdir");
	CHECK(symlink("b2", "ln") == 0 && has("ln", "gamma"), "a symlink is followed");
	ssize_t n = readlink("ln", buf, sizeof(buf));
	CHECK(n == 2 && !memcmp(buf, "b2", 2), "readlink");
	CHECK(lstat("ln", &st) == 0 && S_ISLNK(st.st_mode), "lstat sees the link");
	CHECK(symlink("loop2", "loop1") == 0 && symlink("loop1", "loop2") == 0 &&
	          open("loop1", O_RDONLY) == -1 && errno == ELOOP,
	      "a symlink loop: ELOOP");
	CHECK(open("ln", O_RDONLY | O_NOFOLLOW) == -1 && errno == ELOOP, "O_NOFOLLOW: ELOOP");
	CHECK(truncate("b2", 2) == 0 && has("b2", "ga"), "truncate shorter");
	int fd = open("b2", O_RDWR);
	CHECK(fd >= 0 && ftruncate(fd, 4) == 0 && fstat(fd, &st) == 0 && st.st_size == 4,
	      "ftruncate longer");
	CHECK(pread(fd, buf, 4, 0) == 4 && !memcmp(buf, "ga\0\0", 4), "the new bytes are zeros");
	close(fd);
	fd = open("log", O_CREAT | O_WRONLY | O_APPEND, 0600);
	CHECK(fd >= 0 && write(fd, "1", 1) == 1 && lseek(fd, 0, SEEK_SET) == 0 &&
	          write(fd, "2", 1) == 1 && has("log", "12"),
	      "O_APPEND writes at the end");
	int fd2 = dup(fd), fd3 = dup2(fd, 10);
	CHECK(fd2 > fd && fd3 == 10, "dup and dup2");
	CHECK(fcntl(fd, F_DUPFD, 20) >= 20, "F_DUPFD");
	CHECK((fcntl(fd, F_GETFL) & O_APPEND) != 0, "F_GETFL");
	close(fd);
	CHECK(write(fd2, "3", 1) == 1 && has("log", "123"), "a dup shares the open file");
	CHECK(open("log", O_RDONLY | O_DIRECTORY) == -1 && errno == ENOTDIR,
	      "O_DIRECTORY: ENOTDIR");
	CHECK(chmod("log", 0640) == 0 && stat("log", &st) == 0 && (st.st_mode & 07777) == 0640,
	      "chmod");
	umask(077);
	CHECK(put("priv", "p") && stat("priv", &st) == 0 && (st.st_mode & 0777) == 0600,
	      "umask applies to new files");
	struct timespec times[2] = {{0, UTIME_OMIT}, {1000000000, 5}};
	CHECK(utimensat(AT_FDCWD, "priv", times, 0) == 0 && stat("priv", &st) == 0 &&
	          st.st_mtim.tv_sec == 1000000000 && st.st_mtim.tv_nsec == 5,
	      "utimensat");
	struct statfs sf;
	CHECK(statfs("/", &sf) == 0 && sf.f_bsize == 4096 && sf.f_blocks > 0, "statfs");
	CHECK(fsync(fd2) == 0 && fsync(99) == -1 && errno == EBADF, "fsync");
	return tap_done();
}
