/* Error numbers: the Linux ones (include/uapi/errno.h), which syscalls
 * return unchanged, and the kernel's own, which never reach the app. */
#ifndef UNUM_ERRNO_H
#define UNUM_ERRNO_H

#include "uapi/errno.h"

/* Kernel-internal results of a blocking call a signal interrupted; the
 * SYSCALL door (signal_syscall_exit, include/signal.h) turns them into
 * -EINTR or a restart, as Linux does: they never reach the app. */
#define ERESTARTSYS 512           /* restart when the handler has SA_RESTART */
#define ERESTARTNOINTR 513        /* always restart */
#define ERESTARTNOHAND 514        /* restart only when no handler ran */
#define ERESTART_RESTARTBLOCK 516 /* no handler ran: restart_syscall resumes it */

#endif
