/* flock(2): whole-file advisory locks held by open file descriptions (a
 * dup shares one, two open() calls of a file are two), shared or
 * exclusive, with Linux's conversion rule (the old lock goes before the
 * wait). fcntl record locks: accepted and checked, but one process can
 * never conflict with itself, so F_GETLK always reports F_UNLCK and
 * F_SETLK(W) succeed (F_OFD_* locks, which can conflict between open
 * file descriptions on Linux, do not here: XXX). */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "sched.h"
#include "signal.h"
#include "sync.h"
#include "syscall.h"
#include "uaccess.h"
#include "vfs.h"

struct flock_entry {
	struct list_node fl_link;
	const void *fl_key;   /* the node locked (files without one: the file) */
	struct file *fl_file; /* the open file description holding it */
	int fl_type;          /* LOCK_SH or LOCK_EX */
};

static struct list_node locks = LIST_HEAD_INIT(locks); /* under lock */
static struct mutex lock = MUTEX_INIT;
static struct condvar changed; /* broadcast whenever a lock goes */

static const void *
key_of(struct file *f)
{
	return f->f_node ? (const void *)f->f_node : (const void *)f;
}

static struct flock_entry *
held_by(struct file *f)
{
	struct list_node *n;

	list_for_each(n, &locks)
	{
		struct flock_entry *e = list_entry(n, struct flock_entry, fl_link);
		if (e->fl_file == f)
			return e;
	}
	return NULL;
}

static bool
conflicts(struct file *f, int type)
{
	struct list_node *n;

	list_for_each(n, &locks)
	{
		struct flock_entry *e = list_entry(n, struct flock_entry, fl_link);
		if (e->fl_key == key_of(f) && e->fl_file != f &&
		    (type == LOCK_EX || e->fl_type == LOCK_EX))
			return true;
	}
	return false;
}

static void
drop(struct flock_entry *e)
{
	list_del(&e->fl_link);
	kfree(e);
	cond_broadcast(&changed);
}

int
flock_file(struct file *f, int op)
{
	int type = op & ~LOCK_NB;
	struct flock_entry *e;
	int err = 0;

	if (type != LOCK_SH && type != LOCK_EX && type != LOCK_UN)
		return -EINVAL;
	mutex_lock(&lock);
	e = held_by(f);
	if (type == LOCK_UN) {
		if (e)
			drop(e);
		goto out;
	}
	if (e && e->fl_type == type)
		goto out;
	while (conflicts(f, type)) {
		if (op & LOCK_NB) {
			err = -EWOULDBLOCK;
			goto out;
		}
		if (e) { /* Linux converts by unlocking first, then waiting */
			drop(e);
			e = NULL;
		}
		/* XXX: a raised signal does not wake the wait; it is seen
		 * within 10 ms */
		cond_wait_until(&changed, &lock, clock_ns() + 10000000);
		if (signal_pending()) {     /* to the thread or the process */
			err = -ERESTARTSYS; /* Linux's flock restarts under SA_RESTART */
			goto out;
		}
	}
	if (!e) {
		if (!(e = kzalloc(sizeof(*e)))) {
			err = -ENOLCK;
			goto out;
		}
		e->fl_key = key_of(f);
		e->fl_file = f;
		list_add_tail(&locks, &e->fl_link);
	}
	if (e->fl_type == LOCK_EX && type == LOCK_SH)
		cond_broadcast(&changed); /* a downgrade lets readers in */
	e->fl_type = type;
out:
	mutex_unlock(&lock);
	return err;
}

void
flock_release(struct file *f)
{
	struct flock_entry *e;

	mutex_lock(&lock);
	if ((e = held_by(f)))
		drop(e);
	mutex_unlock(&lock);
}

SYSCALL(flock)
{
	struct file *f = fd_get((int)a0);
	int err;

	if (!f)
		return -EBADF;
	err = (f->f_flags & O_PATH) ? -EBADF : flock_file(f, (int)a1);
	file_put(f);
	return err;
}

/* --- fcntl record locks --- */

long
flock_fcntl(struct file *f, int cmd, void *uarg)
{
	struct linux_flock fl;
	bool ofd = cmd >= F_OFD_GETLK, get = cmd == F_GETLK || cmd == F_OFD_GETLK;
	int acc = f->f_flags & O_ACCMODE;

	if (copy_from_user(&fl, uarg, sizeof(fl)))
		return -EFAULT;
	if (f->f_flags & O_PATH)
		return -EBADF;
	if (fl.l_whence < 0 || fl.l_whence > 2 || (ofd && fl.l_pid != 0))
		return -EINVAL;
	if (get) {
		if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK)
			return -EINVAL;
		fl.l_type = F_UNLCK; /* nobody else to hold a lock */
		return copy_to_user(uarg, &fl, sizeof(fl)) ? -EFAULT : 0;
	}
	if (fl.l_type == F_RDLCK)
		return acc == O_WRONLY ? -EBADF : 0;
	if (fl.l_type == F_WRLCK)
		return acc == O_RDONLY ? -EBADF : 0;
	return fl.l_type == F_UNLCK ? 0 : -EINVAL;
}
