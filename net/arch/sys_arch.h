/* lwIP's OS types (lwip/sys.h includes it) on the kernel's primitives:
 * net/sys_arch.c implements them. A mailbox is a ring of pointers under a
 * mutex with two condition variables; a thread is a kernel thread. */
#ifndef UNUM_NET_ARCH_SYS_ARCH_H
#define UNUM_NET_ARCH_SYS_ARCH_H

#include "sync.h"

struct thread;

typedef struct mutex sys_mutex_t;
typedef struct semaphore sys_sem_t;

struct sys_mbox {
	struct mutex mb_lock;
	struct condvar mb_not_empty, mb_not_full;
	void **mb_slots; /* mb_size entries, kmalloc'd; NULL: not created */
	unsigned mb_size, mb_head, mb_count;
};
typedef struct sys_mbox sys_mbox_t;
typedef struct thread *sys_thread_t;

/* lwIP's SYS_ARCH_PROTECT: a short critical section on any CPU and from
 * any thread (pbuf reference counts), nestable on one CPU; interrupts off */
typedef uint64_t sys_prot_t;

#define sys_mutex_valid(m) (1)
#define sys_mutex_set_invalid(m)
#define sys_sem_valid(s) (1)
#define sys_sem_set_invalid(s)
#define sys_mbox_valid(mb) ((mb)->mb_slots != NULL)
#define sys_mbox_set_invalid(mb) ((mb)->mb_slots = NULL)

#endif
