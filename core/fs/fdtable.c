/* The app's fd table (include/fdtable.h). One app, so one fd table,
 * under one mutex, and the current directory beside it. */
#include "errno.h"
#include "lib.h"
#include "rlimit.h"
#include "vfs.h"

static struct {
	struct file *f[FD_MAX];
	bool cloexec[FD_MAX];
	struct mutex lock;
	struct vnode *cwd;
} fds;

/* the fds the app may use: RLIMIT_NOFILE, at most the table */
static int
fd_limit(void)
{
	return (int)MIN(rlimit_cur(RLIMIT_NOFILE), (uint64_t)FD_MAX);
}

int
fd_install(struct file *f, int min_fd, bool cloexec)
{
	int limit = fd_limit();

	mutex_lock(&fds.lock);
	for (int i = MAX(min_fd, 0); i < limit; i++) {
		if (!fds.f[i]) {
			fds.f[i] = f;
			fds.cloexec[i] = cloexec;
			mutex_unlock(&fds.lock);
			return i;
		}
	}
	mutex_unlock(&fds.lock);
	return -EMFILE;
}

struct file *
fd_get(int fd)
{
	struct file *f = NULL;

	if (fd < 0 || fd >= FD_MAX)
		return NULL;
	mutex_lock(&fds.lock);
	if ((f = fds.f[fd]))
		file_get(f);
	mutex_unlock(&fds.lock);
	return f;
}

int
fd_close(int fd)
{
	struct file *f;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	mutex_lock(&fds.lock);
	f = fds.f[fd];
	fds.f[fd] = NULL;
	mutex_unlock(&fds.lock);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

/* the close-on-exec flag of an open fd: 0/1, or -EBADF (set: 'on' >= 0) */
int
fd_cloexec(int fd, int on)
{
	int r = -EBADF;

	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	mutex_lock(&fds.lock);
	if (fds.f[fd]) {
		if (on >= 0)
			fds.cloexec[fd] = on;
		r = fds.cloexec[fd];
	}
	mutex_unlock(&fds.lock);
	return r;
}

/* dup (newfd < 0: the lowest free >= min_fd) and dup2/dup3 */
int
fd_dup(int oldfd, int newfd, int min_fd, bool cloexec)
{
	struct file *f = fd_get(oldfd), *old = NULL;

	if (!f)
		return -EBADF;
	if (newfd < 0) {
		int fd = fd_install(f, min_fd, cloexec);
		if (fd < 0)
			file_put(f);
		return fd;
	}
	if (newfd >= fd_limit()) {
		file_put(f);
		return -EBADF;
	}
	mutex_lock(&fds.lock);
	old = fds.f[newfd];
	fds.f[newfd] = f;
	fds.cloexec[newfd] = cloexec;
	mutex_unlock(&fds.lock);
	if (old)
		file_put(old);
	return newfd;
}

int
fd_next(int from, struct file **f)
{
	mutex_lock(&fds.lock);
	for (int i = MAX(from, 0); i < FD_MAX; i++)
		if (fds.f[i]) {
			file_get(*f = fds.f[i]);
			mutex_unlock(&fds.lock);
			return i;
		}
	mutex_unlock(&fds.lock);
	return -1;
}

struct vnode *
vfs_cwd(void)
{
	return fds.cwd ? fds.cwd : vfs_root();
}

void
vfs_set_cwd(struct vnode *v)
{
	fds.cwd = v;
}
