/* x86-64 CPU primitives (port and MSR access, control registers, CPUID)
 * and the arch subsystem's contract: trap frames, per-CPU data, the
 * interrupt stacks, fault recovery. */
#ifndef UNUM_ARCH_H
#define UNUM_ARCH_H

#include "types.h"

static inline void
outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline void
outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}
static inline void
outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint8_t
inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
/* n bytes from port into buf, one rep insb */
static inline void
insb(uint16_t port, void *buf, size_t n)
{
	__asm__ volatile("rep insb" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
}
static inline uint16_t
inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint32_t
inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint64_t
rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void
wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline void
cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
	                 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
	                 : "a"(leaf), "c"(sub));
}
static inline uint64_t
rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
/* performance counter ctr (bit 30: a fixed counter), as enabled by its MSRs */
static inline uint64_t
rdpmc(uint32_t ctr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(ctr));
	return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t
read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}
static inline uint64_t
read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline uint64_t
read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
static inline uint64_t
read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
static inline void
write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory");
}
static inline void
write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory");
}
static inline void
write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory");
}
static inline void
cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}
static inline void
irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}
static inline void
irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}
static inline void
cpu_halt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}
/* with interrupts off: enable them and halt until one comes, then
 * disable again; atomic (sti's one-instruction shadow), so an interrupt
 * that arrives in between is not lost */
static inline void
cpu_wait_irq(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}
static inline uint64_t
irq_save(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f)::"memory");
	return f;
}
static inline void
irq_restore(uint64_t f)
{
	if (f & (1 << 9))
		irq_enable();
}
static inline void
invlpg(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

#define MSR_EFER 0xc0000080
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define CR0_WP (1ul << 16)
#define CR4_PGE (1ul << 7)

/* the app thread's TLS base (%fs), saved and restored on a switch */
static inline uint64_t
arch_fs_base(void)
{
	return rdmsr(MSR_FS_BASE);
}
static inline void
arch_set_fs_base(uint64_t v)
{
	wrmsr(MSR_FS_BASE, v);
}
/* arm this CPU's TSC-deadline timer at TSC value 'tsc' (0: disarm) */
static inline void
arch_tsc_deadline(uint64_t tsc)
{
	wrmsr(MSR_TSC_DEADLINE, tsc);
}
/* the whole TLB, global entries too: PGE off and on when it is on; else
 * (the kernel leaves it off) a CR3 reload, since rewriting CR4 with its
 * own value flushes nothing, which left stale app entries to freed frames
 * after a large munmap */
static inline void
arch_flush_tlb_all(void)
{
	uint64_t cr4 = read_cr4();

	if (cr4 & CR4_PGE) {
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}
/* the CPU's random-number instructions: true with a value in *v, false
 * when it gave none in ten tries (or lacks the instruction: check CPUID) */
static inline bool
arch_rdrand(uint64_t *v)
{
	uint8_t ok;

	for (int i = 0; i < 10; i++) {
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}
static inline bool
arch_rdseed(uint64_t *v)
{
	uint8_t ok;

	for (int i = 0; i < 10; i++) {
		__asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}
#define EFER_NXE (1ul << 11)

/* CPU features, filled by arch_cpu_detect() before anything uses them */
struct cpu_features {
	bool x2apic, tsc_deadline, xsave, avx, rdrand, rdseed, fsgsbase;
	bool smep, smap, nx, pdpe1gb, invariant_tsc, hypervisor;
	bool kvm_clock; /* KVM_FEATURE_CLOCKSOURCE2 offered */
	char vendor[13];
	char brand[49];
};
extern struct cpu_features cpu_features;
void arch_cpu_detect(void);

/* Saved registers at an interrupt or exception, lowest address first
 * (the order entry.S pushes them). */
struct trapframe {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Per-CPU data, reached through GS. The first fields are read by
 * entry.S at fixed offsets (asm.h). */
struct percpu {
	struct percpu *self;
	uintptr_t kstack_lo; /* current thread's kernel stack; set at switch */
	uintptr_t kstack_hi;
	struct recover *recover; /* armed by arch_try(); NULL otherwise */
	uint32_t cpu_index;      /* 0 = boot CPU */
	uint32_t apic_id;
	void *ist_stacks;       /* IST1..4 memory */
	void *tables;           /* GDT and TSS */
	struct thread *current; /* running thread; written by the scheduler */
	uintptr_t syscall_rsp;  /* the app's %rsp during SYSCALL entry (entry.S) */
	/* spinlocks held on this CPU (plus arch_atomic_enter() sections):
	 * while non-zero the CPU must not sleep, be preempted or page in
	 * app memory. Changed only by this CPU, one instruction at a time */
	uint32_t atomic_depth;
	/* system calls entered on this CPU by each door: [0] the SYSCALL
	 * instruction, [1] door2_entry (a call from the kernel's musl);
	 * counted by syscall.S, read by /proc/unum/syscalls */
	uint64_t door_calls[2];
};

/* The SYSCALL door (arch/x86_64/syscall.S): the app's registers at the
 * instruction, saved on the thread's kernel stack */
struct syscall_frame {
	uint64_t r15, r14, r13, r12, rbp, rbx;
	uint64_t r9, r8, r10, rdx, rsi, rdi, rax;
	uint64_t rip, rflags, rsp; /* from rcx, r11, and the app's %rsp */
};
void arch_syscall_init(void); /* this CPU's STAR/LSTAR/FMASK */
/* door 2: the entry the kernel's musl calls in place of SYSCALL, with the
 * same registers and the same exit (syscall.S); not a C function */
void door2_entry(void);
/* and the linker's door for it (loader/dynlink.c's dynlink_service) */
void door2_dl_entry(void);
long dynlink_service(struct syscall_frame *f);
long syscall_dispatch(struct syscall_frame *f);
/* jump to the app: never returns */
void arch_enter_app(uintptr_t entry, uintptr_t sp) __noreturn;

/* every CPU's per-CPU area, [0] = boot CPU; filled at boot for all the
 * CPUs the platform tables list */
extern struct percpu *percpu_of[];
void arch_percpu_alloc_all(void);

static inline struct percpu *
this_cpu(void)
{
	struct percpu *p;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* Atomic sections (include/spinlock.h takes one per lock held): a single
 * %gs-relative instruction, so an interrupt or a migration cannot split
 * the update. Linux's preempt_count, without the preemptible kernel. */
static inline void
arch_atomic_enter(void)
{
	__asm__ volatile("incl %%gs:%c0" ::"i"(__builtin_offsetof(struct percpu, atomic_depth))
	                 : "memory");
}
static inline void
arch_atomic_leave(void)
{
	__asm__ volatile("decl %%gs:%c0" ::"i"(__builtin_offsetof(struct percpu, atomic_depth))
	                 : "memory");
}
static inline uint32_t
arch_atomic_depth(void)
{
	uint32_t d;
	__asm__ volatile("movl %%gs:%c1, %0"
	                 : "=r"(d)
	                 : "i"(__builtin_offsetof(struct percpu, atomic_depth))
	                 : "memory");
	return d;
}
static inline bool
arch_irqs_enabled(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f)::"memory");
	return f & (1 << 9);
}

/* Entry of the kernel in 64-bit mode (boot.S); kind is BOOT_PVH or
 * BOOT_MB2, info the physical address of the loader's structure. */
void arch_start(uint32_t kind, uint32_t info) __noreturn;
/* The first C steps (start.c): per-CPU data, the boot stack, CPU
 * features and the boot information; the command line it found */
const char *arch_early_init(uint32_t kind, uint32_t info);
struct percpu *arch_boot_cpu(void);
/* point GS at this CPU's per-CPU area (cpu.c) */
void arch_percpu_install(struct percpu *pc);
/* the SYSCALL entry (syscall.S), for LSTAR */
void syscall_entry(void);

/* Descriptor tables. arch_cpu_init_tables() loads this CPU's GDT, TSS and
 * the shared IDT; IST stacks come from the heap (ENOMEM is fatal at boot). */
void arch_idt_init(void);
void arch_idt_load(void); /* this CPU's IDTR: the shared IDT */
void arch_cpu_init_tables(struct percpu *pc);
/* Tell the entry path which kernel stack the running thread owns:
 * interrupt frames are moved there off the IST (DESIGN.md "Ring 0"). */
void arch_set_kstack(uintptr_t lo, uintptr_t hi);

/* Context switch (switch.S): save the callee-saved registers and the
 * stack pointer at *save_rsp, continue on new_rsp; a new thread's stack
 * starts in arch_thread_entry, which calls thread_start. */
void arch_switch(uintptr_t *save_rsp, uintptr_t new_rsp);
void arch_thread_entry(void);

/* FPU and vector state (fpu.c): enable it on this CPU (boot: also size
 * the save area), the area's size, and save, restore or initialise one */
void arch_fpu_init_cpu(bool boot);
size_t arch_fpu_area_size(void);
void arch_fpu_save(void *area);
void arch_fpu_restore(const void *area);
void arch_fpu_init_area(void *area);

/* Fault recovery. arch_try runs fn(arg) with a recovery point armed: a
 * CPU exception inside it (page fault, #GP, #UD, ...) unwinds to the
 * arch_try call, which returns -EFAULT and records the vector in
 * *vector (when not NULL). Otherwise it returns fn's value.
 * Typical use: tests proving that a write to rodata faults. */
long arch_try(long (*fn)(void *), void *arg, int *vector);

/* Exception fixup table: an instruction that may fault on a pointer the
 * kernel was handed names a fixup address to continue at. */
struct ex_entry {
	uintptr_t insn, fixup;
};
uintptr_t arch_fixup_lookup(uintptr_t rip);

/* Trap dispatch, called from entry.S */
void trap_dispatch(struct trapframe *tf);
/* Did the interrupt or exception of tf interrupt the app's code? The app
 * runs in ring 0, so CS cannot tell: its code lies below USER_TOP and
 * its stack is never the thread's kernel stack. The one test of it
 * (trap.c); signals are delivered on the way back only then. */
bool arch_user_mode(const struct trapframe *tf);
void arch_dump_frame(const struct trapframe *tf, int level);
void arch_backtrace(uintptr_t rbp, uintptr_t rip, int level);

/* the frame of the system call being served: syscall_entry pushes it at
 * the top of the thread's kernel stack */
static inline struct syscall_frame *
arch_syscall_frame(void)
{
	return (struct syscall_frame *)(this_cpu()->kstack_hi - sizeof(struct syscall_frame));
}

#endif
