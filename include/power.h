/* Ending the VM (DESIGN.md, Boot): isa-debug-exit at port 0xf4, else
 * ACPI S5 from the FADT, else the i8042 reset, then halt forever.
 * kernel_exit() writes the final record "unum: exit N" first; the status
 * travels in that record (QEMU turns a debug-exit value v into 2v+1). */
#ifndef UNUM_POWER_H
#define UNUM_POWER_H

#include "types.h"

void kernel_exit(int status) __noreturn;
/* no record: the caller wrote it (panic) */
void power_off(int status) __noreturn;

#endif
