/* Clocks and times as the system calls carry them, Linux x86-64 values
 * (linux/time.h, linux/time_types.h). */
#ifndef UNUM_UAPI_TIME_H
#define UNUM_UAPI_TIME_H

#include "types.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define CLOCK_TAI 11
/* the clockid_t of another thread's or process's CPU time: ~id << 3 | kind
 * (kernel/time/posix-cpu-timers.c) */
#define CPUCLOCK_SCHED 2
#define CPUCLOCK_PERTHREAD 4

#define TIMER_ABSTIME 1

struct linux_timespec {
	int64_t sec, nsec;
};

/* timer_settime, timerfd_settime */
struct linux_itimerspec {
	int64_t int_sec, int_nsec, val_sec, val_nsec;
};

/* setitimer, getitimer */
#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2
struct linux_itimerval {
	int64_t int_sec, int_usec, val_sec, val_usec;
};

#endif
