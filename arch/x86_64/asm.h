/* Shared between assembly files and C: constants only. */
#ifndef ARCH_ASM_H
#define ARCH_ASM_H

#define KERNEL_VMA 0xffffffff80000000
#define PHYS(x) ((x)-KERNEL_VMA)

/* boot kinds passed to arch_start */
#define BOOT_PVH 1
#define BOOT_MB2 2
#define BOOT_UNKNOWN 3

/* per-CPU area offsets (struct percpu, asserted in cpu.c) */
#define PCPU_SELF 0
#define PCPU_KSTACK_LO 8
#define PCPU_KSTACK_HI 16
#define PCPU_RECOVER 24
#define PCPU_SYSCALL_RSP 64
#define PCPU_DOOR_CALLS 80

#endif
