/* Inside the scheduler (core/sched/sched.c) and threads (core/sched/
 * thread.c): what one asks of the other, and the entry points the
 * context switch (arch/x86_64/switch.S) calls. */
#ifndef UNUM_SCHED_IMPL_H
#define UNUM_SCHED_IMPL_H

#include "sched.h"

/* thread.c */
/* t is off its CPU for good (interrupts off, on another thread) */
void thread_finish(struct thread *t);
struct thread *thread_create_idle(int cpu);
/* the code already running on a boot stack becomes a thread */
struct thread *thread_adopt_boot(const char *name, uintptr_t lo, uintptr_t hi, bool idle);
/* first C of a new thread (arch_thread_entry) */
void thread_start(void *arg, void *(*fn)(void *));

/* sched.c */
/* first thing on the new thread after every switch */
void sched_after_switch(void);
/* the boot CPU's idle thread body */
void *sched_idle_main(void *arg);
int sched_least_loaded(const struct thread *t);
void sched_enqueue_new(struct thread *t, int cpu);

#endif
