/* User and group ids (include/cred.h): the getters and the set*id family
 * with Linux's rules (credentials(7), kernel/sys.c) and its capability
 * fix-ups for root (capabilities(7), "Effect of user ID changes"). One
 * process, so one set of ids; tests/guest/posix_ids.c exercises them. */
#include "cred.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "spinlock.h"
#include "syscall.h"
#include "uaccess.h"
#include "uapi/limits.h"

#define NO_ID 0xffffffffu /* -1: leave this id as it is */

static struct {
	uint32_t uid[4], gid[4]; /* by enum cred_which */
	bool cap_eff, cap_perm;  /* all of root's capabilities, or none */
	uint32_t *groups;        /* supplementary groups, kmalloc'd */
	size_t ngroups;
} cred = {.cap_eff = true, .cap_perm = true};
static struct spinlock cred_lock = SPINLOCK_INIT;

uint32_t
cred_uid(enum cred_which w)
{
	return __atomic_load_n(&cred.uid[w], __ATOMIC_RELAXED);
}

uint32_t
cred_gid(enum cred_which w)
{
	return __atomic_load_n(&cred.gid[w], __ATOMIC_RELAXED);
}

bool
cred_capable(void)
{
	return __atomic_load_n(&cred.cap_eff, __ATOMIC_RELAXED);
}

bool
cred_in_group(uint32_t gid)
{
	uint64_t f = spin_lock_irqsave(&cred_lock);
	bool in = gid == cred.gid[CRED_FS];

	for (size_t i = 0; !in && i < cred.ngroups; i++)
		in = cred.groups[i] == gid;
	spin_unlock_irqrestore(&cred_lock, f);
	return in;
}

SYSCALL(getuid)
{
	return cred_uid(CRED_R);
}
SYSCALL(geteuid)
{
	return cred_uid(CRED_E);
}
SYSCALL(getgid)
{
	return cred_gid(CRED_R);
}
SYSCALL(getegid)
{
	return cred_gid(CRED_E);
}

/* an unprivileged caller may only pick one of its real, effective or
 * saved ids */
static bool
one_of(const uint32_t *ids, uint32_t id)
{
	return id == ids[CRED_R] || id == ids[CRED_E] || id == ids[CRED_S];
}

/* capabilities(7): all uids non-zero drops the permitted set; the
 * effective uid leaving 0 drops the effective set, coming back to 0
 * restores it from the permitted one */
static void
fix_caps(const uint32_t *old)
{
	const uint32_t *u = cred.uid;

	if ((!old[CRED_R] || !old[CRED_E] || !old[CRED_S]) && u[CRED_R] && u[CRED_E] && u[CRED_S])
		cred.cap_perm = cred.cap_eff = false;
	if (!old[CRED_E] && u[CRED_E])
		cred.cap_eff = false;
	if (old[CRED_E] && !u[CRED_E])
		cred.cap_eff = cred.cap_perm;
}

/* setresuid/setresgid: each of r, e, s is an id or NO_ID */
static long
set_res(uint32_t *ids, uint32_t r, uint32_t e, uint32_t s, bool uids)
{
	uint64_t f = spin_lock_irqsave(&cred_lock);
	uint32_t old[4];

	memcpy(old, cred.uid, sizeof(old));
	if (!cred.cap_eff && ((r != NO_ID && !one_of(ids, r)) || (e != NO_ID && !one_of(ids, e)) ||
	                      (s != NO_ID && !one_of(ids, s)))) {
		spin_unlock_irqrestore(&cred_lock, f);
		return -EPERM;
	}
	if (r != NO_ID)
		ids[CRED_R] = r;
	if (e != NO_ID)
		ids[CRED_E] = e;
	if (s != NO_ID)
		ids[CRED_S] = s;
	ids[CRED_FS] = ids[CRED_E];
	if (uids)
		fix_caps(old);
	spin_unlock_irqrestore(&cred_lock, f);
	return 0;
}

/* setuid/setgid: root sets all three, others only the effective id, to
 * the real or saved one */
static long
set_one(uint32_t *ids, uint32_t id, bool uids)
{
	bool cap = cred_capable();

	if (id == NO_ID)
		return -EINVAL;
	if (cap)
		return set_res(ids, id, id, id, uids);
	if (id != ids[CRED_R] && id != ids[CRED_S])
		return -EPERM;
	return set_res(ids, NO_ID, id, NO_ID, uids);
}

/* setreuid/setregid: the saved id follows the new effective one when the
 * real id is set or the effective one leaves the old real id */
static long
set_re(uint32_t *ids, uint32_t r, uint32_t e, bool uids)
{
	uint32_t s = NO_ID;

	if (!cred_capable()) {
		if (r != NO_ID && r != ids[CRED_R] && r != ids[CRED_E])
			return -EPERM;
		if (e != NO_ID && !one_of(ids, e))
			return -EPERM;
	}
	if (r != NO_ID || (e != NO_ID && e != ids[CRED_R]))
		s = e != NO_ID ? e : ids[CRED_E];
	return set_res(ids, r, e, s, uids);
}

SYSCALL(setuid)
{
	return set_one(cred.uid, (uint32_t)a0, true);
}
SYSCALL(setgid)
{
	return set_one(cred.gid, (uint32_t)a0, false);
}
SYSCALL(setreuid)
{
	return set_re(cred.uid, (uint32_t)a0, (uint32_t)a1, true);
}
SYSCALL(setregid)
{
	return set_re(cred.gid, (uint32_t)a0, (uint32_t)a1, false);
}
SYSCALL(setresuid)
{
	return set_res(cred.uid, (uint32_t)a0, (uint32_t)a1, (uint32_t)a2, true);
}
SYSCALL(setresgid)
{
	return set_res(cred.gid, (uint32_t)a0, (uint32_t)a1, (uint32_t)a2, false);
}

static long
get_res(const uint32_t *ids, uint32_t *ur, uint32_t *ue, uint32_t *us)
{
	uint32_t r = ids[CRED_R], e = ids[CRED_E], s = ids[CRED_S];

	if (copy_to_user(ur, &r, 4) || copy_to_user(ue, &e, 4) || copy_to_user(us, &s, 4))
		return -EFAULT;
	return 0;
}

SYSCALL(getresuid)
{
	return get_res(cred.uid, (uint32_t *)a0, (uint32_t *)a1, (uint32_t *)a2);
}
SYSCALL(getresgid)
{
	return get_res(cred.gid, (uint32_t *)a0, (uint32_t *)a1, (uint32_t *)a2);
}

/* setfsuid/setfsgid: always the old value; the change happens when
 * privileged or to one of the other ids (no error is ever returned) */
static long
set_fs(uint32_t *ids, uint32_t id, bool uids)
{
	uint64_t f = spin_lock_irqsave(&cred_lock);
	uint32_t old = ids[CRED_FS];

	if (id != NO_ID && (cred.cap_eff || one_of(ids, id) || id == old)) {
		ids[CRED_FS] = id;
		(void)uids; /* XXX: no fs capabilities apart: nothing to drop */
	}
	spin_unlock_irqrestore(&cred_lock, f);
	return old;
}

SYSCALL(setfsuid)
{
	return set_fs(cred.uid, (uint32_t)a0, true);
}
SYSCALL(setfsgid)
{
	return set_fs(cred.gid, (uint32_t)a0, false);
}

SYSCALL(getgroups)
{
	int size = (int)a0;
	uint32_t *copy;
	size_t n;
	uint64_t f;
	long r;

	if (size < 0)
		return -EINVAL;
	/* copied out of the lock: the app's buffer may fault */
	copy = kmalloc((size_t)MAX(size, 1) * 4);
	if (!copy)
		return -ENOMEM;
	f = spin_lock_irqsave(&cred_lock);
	n = cred.ngroups;
	if (size && (size_t)size >= n)
		memcpy(copy, cred.groups, n * 4);
	spin_unlock_irqrestore(&cred_lock, f);
	if (!size)
		r = (long)n;
	else if ((size_t)size < n)
		r = -EINVAL;
	else
		r = copy_to_user((void *)a1, copy, n * 4) ? -EFAULT : (long)n;
	kfree(copy);
	return r;
}

SYSCALL(setgroups)
{
	size_t n = (size_t)a0;
	uint32_t *list = NULL, *old;
	uint64_t f;

	if (!cred_capable())
		return -EPERM;
	if (n > NGROUPS_MAX)
		return -EINVAL;
	if (n) {
		list = kmalloc(n * 4);
		if (!list)
			return -ENOMEM;
		if (copy_from_user(list, (const void *)a1, n * 4)) {
			kfree(list);
			return -EFAULT;
		}
	}
	f = spin_lock_irqsave(&cred_lock);
	old = cred.groups;
	cred.groups = list;
	cred.ngroups = n;
	spin_unlock_irqrestore(&cred_lock, f);
	kfree(old);
	return 0;
}
