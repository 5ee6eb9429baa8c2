/* prctl(2) and arch_prctl(2) options, Linux x86-64 values (linux/prctl.h,
 * asm/prctl.h) */
#ifndef UNUM_UAPI_PRCTL_H
#define UNUM_UAPI_PRCTL_H

#define PR_SET_NAME 15
#define PR_GET_NAME 16

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

#endif
