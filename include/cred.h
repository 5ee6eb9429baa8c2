/* The app's credentials (core/proc/sys_cred.c): real, effective, saved and
 * file-system user and group ids, supplementary groups, and whether it
 * still holds root's powers. The app starts as root (all ids 0, all
 * capabilities); set*id follow Linux's rules, so root may drop to
 * another user and cannot come back once every uid is non-zero.
 *
 * Typical use: cred_uid(CRED_EUID) for who the app is; cred_capable()
 * where Linux asks for CAP_SETUID, CAP_SYS_RESOURCE and the like. */
#ifndef UNUM_CRED_H
#define UNUM_CRED_H

#include "types.h"

enum cred_which { CRED_R, CRED_E, CRED_S, CRED_FS };

uint32_t cred_uid(enum cred_which w);
uint32_t cred_gid(enum cred_which w);
/* the effective capability set is full (root, not dropped) */
bool cred_capable(void);
/* gid is the effective gid or a supplementary group */
bool cred_in_group(uint32_t gid);

#endif
