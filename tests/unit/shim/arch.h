/* Host stand-in for include/arch.h in unit tests (tests/unit/shim comes
 * first on the include path; same guard, so the real one is never read).
 * It keeps the types and gives host versions of the inline primitives the
 * tested sources use, with no privileged instruction: RFLAGS.IF is a
 * per-thread variable (unit_rflags, defined in tests/unit/unit.h) so a
 * test can check that every irq_save() was undone. Anything else from
 * the real header is missing on purpose: a source that needs it does not
 * belong in a host test, or needs a host version added here. */
#ifndef UNUM_ARCH_H
#define UNUM_ARCH_H

#include <cpuid.h>

#include "types.h"

#define RFLAGS_IF (1ul << 9)
extern __thread uint64_t unit_rflags; /* starts with IF set */

static inline void
cpu_relax(void)
{
	__builtin_ia32_pause();
}
static inline void
irq_disable(void)
{
	unit_rflags &= ~RFLAGS_IF;
}
static inline void
irq_enable(void)
{
	unit_rflags |= RFLAGS_IF;
}
static inline uint64_t
irq_save(void)
{
	uint64_t f = unit_rflags;

	irq_disable();
	return f;
}
static inline void
irq_restore(uint64_t f)
{
	if (f & RFLAGS_IF)
		irq_enable();
}
/* spinlock.h's atomic-section count, per host thread (unit.h) */
extern __thread uint32_t unit_atomic_depth;
static inline void
arch_atomic_enter(void)
{
	unit_atomic_depth++;
}
static inline void
arch_atomic_leave(void)
{
	unit_atomic_depth--;
}
static inline uint32_t
arch_atomic_depth(void)
{
	return unit_atomic_depth;
}
static inline bool
arch_irqs_enabled(void)
{
	return unit_rflags & RFLAGS_IF;
}
static inline uint64_t
rdtsc(void)
{
	return __builtin_ia32_rdtsc();
}
/* the host's CPUID (an unprivileged instruction, as the kernel's) */
static inline void
cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
}
/* defined by the test that links a source calling it (the kernel's is
 * arch/x86_64/fpu.c, which needs XSAVE) */
size_t arch_fpu_area_size(void);

#define MSR_EFER 0xc0000080
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define CR0_WP (1ul << 16)
#define EFER_NXE (1ul << 11)

/* the types, as in include/arch.h (keep in step with it) */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

struct ex_entry {
	uintptr_t insn, fixup;
};

#endif
