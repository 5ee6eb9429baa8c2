/* The IDT and trap dispatch: exceptions (SDM vol. 3, 6.15), device
 * interrupts by vector, the fault recovery of arch_try and the
 * exception fixup table, and the register dump with a symbolized
 * backtrace that precedes every fatal exception. */
#include "arch.h"
#include "errno.h"
#include "irq.h"
#include "ksym.h"
#include "lib.h"
#include "mm.h"
#include "power.h"
#include "printk.h"
#include "sched.h"
#include "sections.h"
#include "signal.h"
#include "uaccess.h"
#include "vma.h"

struct idt_gate {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __packed;

struct recover {
	uint64_t rsp, rip;
	int64_t vector;
	struct recover *prev;
	uint64_t rbp;
};

static struct idt_gate idt[256] __aligned(16);
static struct {
	irq_handler_t fn;
	void *arg;
} handlers[256];

static const char *const exc_names[32] = {
    "divide error",
    "debug",
    "NMI",
    "breakpoint",
    "overflow",
    "bound range",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor overrun",
    "invalid TSS",
    "segment not present",
    "stack fault",
    "general protection",
    "page fault",
    "reserved",
    "x87 FP error",
    "alignment check",
    "machine check",
    "SIMD FP error",
    "virtualization",
    "control protection",
};

void
arch_idt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed idtr = {sizeof(idt) - 1, (uintptr_t)idt};

	__asm__ volatile("lidt %0" ::"m"(idtr));
}

/* every gate an interrupt gate (present, DPL 0) to its 16-byte stub on
 * IST1, then the three with stacks of their own: #DF, NMI, #MC. Each
 * gate is built as its two quadwords, a few instructions a vector */
void
arch_idt_init(void)
{
	const uint64_t kind = 0x08ull << 16 | 1ull << 32 | 0x8eull << 40; /* sel, IST1, type */

	_Static_assert(sizeof(struct idt_gate) == 16, "idt gate");
	for (int v = 0; v < 256; v++) {
		uint64_t a = (uintptr_t)isr_stubs + 16 * v, *q = (uint64_t *)&idt[v];
		q[0] = (a & 0xffff) | (a & 0xffff0000) << 32 | kind;
		q[1] = a >> 32;
	}
	idt[8].ist = 2;
	idt[2].ist = 3;
	idt[18].ist = 4;
	arch_idt_load();
}

uintptr_t
arch_fixup_lookup(uintptr_t rip)
{
	for (const struct ex_entry *e = __start_ex_table; e < __stop_ex_table; e++)
		if (e->insn == rip)
			return e->fixup;
	return 0;
}

void
irq_set_handler(int vector, irq_handler_t fn, void *arg)
{
	handlers[vector].arg = arg;
	__atomic_store_n(&handlers[vector].fn, fn, __ATOMIC_RELEASE);
}

int
irq_alloc_vector(irq_handler_t fn, void *arg)
{
	for (int v = IRQ_VEC_FIRST; v <= IRQ_VEC_LAST; v++) {
		irq_handler_t none = NULL;
		if (__atomic_compare_exchange_n(&handlers[v].fn, &none, fn, false, __ATOMIC_ACQ_REL,
		                                __ATOMIC_RELAXED)) {
			handlers[v].arg = arg;
			return v;
		}
	}
	return -ENOSPC;
}

static bool
readable(uintptr_t va, size_t len)
{
	if (va + len < va)
		return false;
	for (uintptr_t p = ALIGN_DOWN(va, PAGE_SIZE); p < va + len; p += PAGE_SIZE)
		if (!(mm_query(p) & PTE_P))
			return false;
	return true;
}

static void
print_sym(const char *what, uintptr_t addr, int level)
{
	uintptr_t off;
	const char *name = ksym_lookup(addr, &off);

	if (name)
		printk_level(level, "%s %016lx %s+%#lx", what, (unsigned long)addr, name,
		             (unsigned long)off);
	else
		printk_level(level, "%s %016lx ?", what, (unsigned long)addr);
}

void
arch_backtrace(uintptr_t rbp, uintptr_t rip, int level)
{
	printk_level(level, "backtrace:");
	if (rip)
		print_sym("  ", rip, level);
	for (int depth = 0; depth < 32 && rbp && !(rbp & 7); depth++) {
		uint64_t *fp = (uint64_t *)rbp;
		if (rbp < MM_DIRECT_BASE || !readable(rbp, 16))
			break;
		if (!fp[1])
			break;
		print_sym("  ", fp[1], level);
		if (fp[0] <= rbp) /* stacks grow down: the chain must go up */
			break;
		rbp = fp[0];
	}
}

void
arch_dump_frame(const struct trapframe *tf, int level)
{
	printk_level(level, "RIP %016lx RSP %016lx RFLAGS %08lx CS %lx SS %lx", tf->rip, tf->rsp,
	             tf->rflags, tf->cs, tf->ss);
	printk_level(level, "RAX %016lx RBX %016lx RCX %016lx RDX %016lx", tf->rax, tf->rbx,
	             tf->rcx, tf->rdx);
	printk_level(level, "RSI %016lx RDI %016lx RBP %016lx R8  %016lx", tf->rsi, tf->rdi,
	             tf->rbp, tf->r8);
	printk_level(level, "R9  %016lx R10 %016lx R11 %016lx R12 %016lx", tf->r9, tf->r10, tf->r11,
	             tf->r12);
	printk_level(level, "R13 %016lx R14 %016lx R15 %016lx", tf->r13, tf->r14, tf->r15);
	printk_level(level, "CR0 %016lx CR2 %016lx CR3 %016lx CR4 %016lx", read_cr0(), read_cr2(),
	             read_cr3(), read_cr4());
}

static void
describe_pf(const struct trapframe *tf, uint64_t cr2, char *buf, size_t n)
{
	uint64_t e = tf->error;

	fmt_snprintf(buf, n, "page fault at %#lx: %s, %s%s", cr2,
	             e & 16  ? "instruction fetch"
	             : e & 2 ? "write"
	                     : "read",
	             e & 1 ? "protection violation" : "not present",
	             cr2 < 0x10000 ? " (null pointer?)" : "");
}

/* the si_code of a floating-point exception from the flags raised and not
 * masked: x87 status & ~control word for #MF, MXCSR flags (bits 0-5)
 * & ~masks (bits 7-12) for #XM, in Linux's order of precedence
 * (arch/x86/kernel/fpu/core.c, fpu__exception_code). The app's FPU state
 * is still live: kernel C never touches it (fpu.c). 0: none pending. */
static int
fpe_code(int vector)
{
	uint16_t sw, cw;
	uint32_t mxcsr, err;

	if (vector == 16) {
		__asm__ volatile("fnstsw %0; fnstcw %1" : "=m"(sw), "=m"(cw));
		err = sw & ~cw;
	} else {
		__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
		err = mxcsr & ~(mxcsr >> 7);
	}
	if (err & 0x01) /* invalid operation */
		return FPE_FLTINV;
	if (err & 0x04) /* divide by zero */
		return FPE_FLTDIV;
	if (err & 0x08) /* overflow */
		return FPE_FLTOVF;
	if (err & 0x12) /* denormal, underflow */
		return FPE_FLTUND;
	if (err & 0x20) /* precision */
		return FPE_FLTRES;
	return 0;
}

/* the signal, si_code and si_addr Linux gives for an exception in user
 * code (arch/x86/kernel/traps.c): SI_KERNEL with address 0 where Linux
 * sends a plain force_sig (#GP, int3, #NP, #SS), the fault address or
 * the instruction's where it sends force_sig_fault */
static void
fault_signal(const struct trapframe *tf, uint64_t cr2, int *sig, int *code, uintptr_t *addr)
{
	*addr = tf->rip;
	switch (tf->vector) {
	case 0:
		*sig = SIGFPE, *code = FPE_INTDIV;
		return;
	case 1:
		*sig = SIGTRAP, *code = TRAP_BRKPT;
		return;
	case 3:
		*sig = SIGTRAP, *code = SI_KERNEL, *addr = 0;
		return;
	case 6:
		*sig = SIGILL, *code = ILL_ILLOPN;
		return;
	case 11: /* segment not present, stack fault */
	case 12:
		*sig = SIGBUS, *code = SI_KERNEL, *addr = 0;
		return;
	case 16:
	case 19:
		*sig = SIGFPE, *code = fpe_code(tf->vector);
		return;
	case 17:
		*sig = SIGBUS, *code = BUS_ADRALN;
		return;
	case 14:
		*addr = cr2;
		/* a file mapping touched past the file's end: SIGBUS */
		if (vma_bus(cr2))
			*sig = SIGBUS, *code = BUS_ADRERR;
		else
			*sig = SIGSEGV, *code = vma_covers(cr2) ? SEGV_ACCERR : SEGV_MAPERR;
		return;
	default: /* #GP and the rest */
		*sig = SIGSEGV, *code = SI_KERNEL, *addr = 0;
		return;
	}
}

/* a fault in the app's code: to its handler when it has one, else the VM
 * ends with 128+N and the app's registers (DESIGN.md, Ring 0) */
static void
app_crash(struct trapframe *tf, uint64_t cr2)
{
	static const char *const names[] = {[SIGILL] = "SIGILL",
	                                    [SIGTRAP] = "SIGTRAP",
	                                    [SIGBUS] = "SIGBUS",
	                                    [SIGFPE] = "SIGFPE",
	                                    [SIGSEGV] = "SIGSEGV"};
	int sig, code;
	uintptr_t addr;

	fault_signal(tf, cr2, &sig, &code, &addr);
	if (signal_fault(tf, sig, code, addr))
		return;
	printk(KERN_ERR "app: %s (%s at %#lx, fault address %#lx, error %#lx)", names[sig],
	       exc_names[tf->vector] ? exc_names[tf->vector] : "exception", tf->rip, cr2,
	       tf->error);
	arch_dump_frame(tf, 3);
	kernel_exit(128 + sig);
}

/* Whose exception is this? The one place it is decided (the page-fault
 * path asks after demand paging, vma_fault, and the uaccess fixups had
 * their turn). The rule: the app's, to become its signal, when no kernel
 * arch_try is probing (a recover frame) and
 *  - RIP is in the app's half: app code faulted (a bad access, ud2, #DE,
 *    a jump to an unmapped app address, a non-canonical target: #GP at
 *    the jump), or
 *  - an instruction fetch faulted at RIP (CR2 within the instruction)
 *    in the kernel's half with RSP in the app's half: the app jumped or
 *    called there (a bad function pointer, an ELF entry point there,
 *    a signal handler there). Kernel code never runs on the app's stack:
 *    the system call and every exception switch stacks first.
 * Everything else is the kernel's own fault: a panic. */
static bool
fault_is_apps(const struct trapframe *tf, uint64_t cr2, const struct percpu *pc)
{
	if (pc->recover)
		return false;
	if (tf->rip < USER_TOP)
		return true;
	return tf->vector == 14 && (tf->error & 16) && cr2 - tf->rip < 16 && tf->rsp < USER_TOP;
}

static void
exception(struct trapframe *tf)
{
	struct percpu *pc = this_cpu();
	uintptr_t fix;
	char why[160];
	/* the fault address, read once while interrupts are still off (an
	 * interrupt gate): once they are on for demand paging, another thread
	 * can run on this CPU and fault, and CR2 is then its address, not
	 * this one's (a JVM's implicit null check whose SIGSEGV came with a
	 * heap address as si_addr was fatal to it) */
	uint64_t cr2 = tf->vector == 14 ? read_cr2() : 0;

	if (tf->vector == 2) { /* the host asks where we are (core/nmi.c) */
		nmi_report(tf);
		return;
	}
	/* the app's memory is demand-paged: a first touch, by the app or by
	 * the kernel copying for it, maps the page (may sleep: interrupts on).
	 * Only where the faulting code may sleep: with a spinlock held or
	 * interrupts off the access takes its fixup (-EFAULT), and the caller
	 * drops its lock, faults the page in and retries (futex.c) */
	if (tf->vector == 14 && cr2 < USER_TOP && (tf->rflags & (1 << 9)) && !arch_atomic_depth()) {
		int err;
		irq_enable();
		err = vma_fault(cr2, tf->error & 2, tf->error & 16);
		irq_disable();
		if (!err)
			return;
	}
	if (tf->vector == 14 && (fix = arch_fixup_lookup(tf->rip))) {
		tf->rip = fix;
		return;
	}
	if (fault_is_apps(tf, cr2, pc)) {
		/* the app's thread, as in a system call: it may sleep (the
		 * VMA lock, the signal's delivery) when the app could */
		if (tf->rflags & (1 << 9))
			irq_enable();
		app_crash(tf, cr2);
		irq_disable();
		return; /* into the app's signal handler */
	}
	if (pc->recover && tf->vector != 8 && tf->vector != 18) {
		struct recover *r = pc->recover;
		r->vector = tf->vector;
		tf->rip = r->rip;
		tf->rsp = r->rsp;
		tf->rbp = r->rbp;
		tf->rax = (uint64_t)-EFAULT;
		return;
	}
	if (tf->vector == 14 && cr2 < pc->kstack_lo && cr2 >= pc->kstack_lo - PAGE_SIZE)
		fmt_snprintf(why, sizeof(why),
		             "kernel stack overflow in thread %s (guard page %#lx)",
		             pc->current ? pc->current->t_name : "?", cr2);
	else if (tf->vector == 14)
		describe_pf(tf, cr2, why, sizeof(why));
	else if (tf->vector == 8)
		fmt_snprintf(why, sizeof(why), "double fault (kernel stack overflow?)");
	else
		fmt_snprintf(why, sizeof(why), "%s",
		             exc_names[tf->vector] ? exc_names[tf->vector] : "reserved exception");
	printk(KERN_EMERG "exception %lu (%s), error code %#lx, CPU %u, thread %d %s", tf->vector,
	       exc_names[tf->vector] ? exc_names[tf->vector] : "reserved", tf->error, pc->cpu_index,
	       pc->current ? pc->current->t_id : -1, pc->current ? pc->current->t_name : "-");
	panic_trap(tf, "%s at %#lx", why, tf->rip);
}

bool
arch_user_mode(const struct trapframe *tf)
{
	struct percpu *pc = this_cpu();

	return tf->rip < USER_TOP && !(tf->rsp > pc->kstack_lo && tf->rsp <= pc->kstack_hi);
}

static void
interrupt(struct trapframe *tf)
{
	irq_handler_t fn;

	if (tf->vector < IRQ_VEC_FIRST)
		return; /* a spurious IRQ from the masked 8259s: no LAPIC EOI */
	fn = __atomic_load_n(&handlers[tf->vector].fn, __ATOMIC_ACQUIRE);
	if (fn)
		fn(tf, handlers[tf->vector].arg);
	else if (tf->vector != VEC_SPURIOUS)
		printk(KERN_WARN "unexpected interrupt vector %lu", tf->vector);
	if (tf->vector != VEC_SPURIOUS)
		lapic_eoi();
	sched_preempt_check();
}

void
trap_dispatch(struct trapframe *tf)
{
	if (tf->vector < 32)
		exception(tf);
	else
		interrupt(tf);
	/* back to the app: its pending signals first (a thread that never
	 * makes a system call gets them too). Not from NMI, #DF or #MC, on
	 * their own stacks; not into code that turned interrupts off. */
	if (tf->vector != 2 && tf->vector != 8 && tf->vector != 18 && (tf->rflags & (1 << 9)) &&
	    !arch_atomic_depth() && arch_user_mode(tf))
		signal_trap_exit(tf);
}
