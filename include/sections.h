/* Symbols the link defines rather than C: the image's bounds from the
 * linker script (arch/x86_64/kernel.ld), the boot page directory and
 * stack (arch/x86_64/boot.S), the trap stubs (entry.S), the SMP
 * trampoline and its parameters (trampoline.S), and the __start_/__stop_
 * bounds of each table that registers itself in a named section
 * (CMDLINE_KEY, KTEST, SYSCALL, VIRTIO_DRIVER, SOCK_FAMILY, the exception
 * table).
 * Every C file that needs one includes this; none declares its own. */
#ifndef UNUM_SECTIONS_H
#define UNUM_SECTIONS_H

#include "arch.h"
#include "cmdline.h"
#include "ktest.h"
#include "socket.h"
#include "syscall.h"
#include "types.h"
#include "virtio.h"

/* kernel.ld: the image, its parts (each page aligned) and its end */
extern char _kernel_phys_start[], _kernel_end[];
extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _data_end[];
extern char _ksyms_start[]; /* a struct ksym_table (core/ksym_kernel.c) */

/* boot.S: the boot page directory and, adjacent, the boot stack */
extern char boot_pd[], boot_stack_bottom[], boot_stack_top[];
/* entry.S: the 256 interrupt entry stubs, 16 bytes apart */
extern char isr_stubs[];
/* trampoline.S: the real-mode code copied low, and what the BSP fills in */
extern char trampoline_start[], trampoline_end[];
extern uint64_t tramp_cr3, tramp_stack, tramp_entry, tramp_arg;

/* the registered tables */
extern const struct cmdline_key __start_cmdline_keys[], __stop_cmdline_keys[];
extern const struct ktest __start_unum_tests[], __stop_unum_tests[];
extern const struct syscall_def __start_syscalls[], __stop_syscalls[];
extern const struct virtio_driver __start_virtio_drivers[], __stop_virtio_drivers[];
extern const struct ex_entry __start_ex_table[], __stop_ex_table[];
extern const struct sock_family *const __start_sock_families[], *const __stop_sock_families[];

#endif
