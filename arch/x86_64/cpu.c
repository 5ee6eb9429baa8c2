/* CPU features (CPUID), per-CPU data through GS, and each CPU's GDT and
 * TSS with its IST stacks: IST1 = interrupt entry (frames move off it),
 * IST2 = #DF, IST3 = NMI, IST4 = #MC. */
#include "acpi.h"
#include "arch.h"
#include "asm.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"

_Static_assert(__builtin_offsetof(struct percpu, self) == PCPU_SELF, "percpu self");
_Static_assert(__builtin_offsetof(struct percpu, kstack_lo) == PCPU_KSTACK_LO, "percpu kstack_lo");
_Static_assert(__builtin_offsetof(struct percpu, kstack_hi) == PCPU_KSTACK_HI, "percpu kstack_hi");
_Static_assert(__builtin_offsetof(struct percpu, recover) == PCPU_RECOVER, "percpu recover");
_Static_assert(__builtin_offsetof(struct percpu, syscall_rsp) == PCPU_SYSCALL_RSP,
               "percpu syscall_rsp");
_Static_assert(__builtin_offsetof(struct percpu, door_calls) == PCPU_DOOR_CALLS,
               "percpu door_calls");

#define IST_STACK_SIZE 8192
#define NIST 4

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __packed;

struct cpu_tables {
	uint64_t gdt[7]; /* null, code, data, tss (2 slots), pad */
	struct tss tss;
};

struct cpu_features cpu_features;

void
arch_cpu_detect(void)
{
	struct cpu_features *f = &cpu_features;
	uint32_t r[4], max, maxext;

	cpuid(0, 0, r);
	max = r[0];
	memcpy(f->vendor + 0, &r[1], 4);
	memcpy(f->vendor + 4, &r[3], 4);
	memcpy(f->vendor + 8, &r[2], 4);
	cpuid(1, 0, r);
	f->x2apic = r[2] & (1u << 21);
	f->tsc_deadline = r[2] & (1u << 24);
	f->xsave = r[2] & (1u << 26);
	f->avx = r[2] & (1u << 28);
	f->rdrand = r[2] & (1u << 30);
	f->hypervisor = r[2] & (1u << 31);
	if (max >= 7) {
		cpuid(7, 0, r);
		f->fsgsbase = r[1] & 1;
		f->smep = r[1] & (1u << 7);
		f->rdseed = r[1] & (1u << 18);
		f->smap = r[1] & (1u << 20);
	}
	cpuid(0x80000000, 0, r);
	maxext = r[0];
	if (maxext >= 0x80000001) {
		cpuid(0x80000001, 0, r);
		f->nx = r[3] & (1u << 20);
		f->pdpe1gb = r[3] & (1u << 26);
	}
	if (maxext >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++) {
			cpuid(0x80000002 + i, 0, r);
			memcpy(f->brand + 16 * i, r, 16);
		}
	}
	if (maxext >= 0x80000007) {
		cpuid(0x80000007, 0, r);
		f->invariant_tsc = r[3] & (1u << 8);
	}
	if (f->hypervisor) {
		cpuid(0x40000000, 0, r);
		if (r[1] == 0x4b4d564b && r[2] == 0x564b4d56 && r[3] == 0x4d) { /* KVMKVMKVM */
			cpuid(0x40000001, 0, r);
			f->kvm_clock = r[0] & (1u << 3);
		}
	}
}

void
arch_set_kstack(uintptr_t lo, uintptr_t hi)
{
	struct percpu *pc = this_cpu();

	pc->kstack_lo = lo;
	pc->kstack_hi = hi;
}

static uint64_t
tss_desc_lo(uintptr_t base, uint32_t limit)
{
	return (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ul << 40) |
	       ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)((base >> 24) & 0xff) << 56);
}

struct percpu *percpu_of[MAX_CPUS];

/* this CPU's GDT and TSS memory and IST stacks; panics naming the
 * shortage, since a CPU without them cannot take an interrupt */
static void
alloc_tables(struct percpu *pc)
{
	struct cpu_tables *t = kzalloc(sizeof(*t));
	char *ist = kpage_alloc(3); /* NIST * IST_STACK_SIZE = 32 KiB */

	if (!t || !ist)
		panic("out of memory: CPU %u needs %lu KiB for its tables and interrupt "
		      "stacks, %lu KiB free (%d CPUs)",
		      pc->cpu_index, (unsigned long)((sizeof(*t) + NIST * IST_STACK_SIZE) >> 10),
		      (unsigned long)(frame_free_bytes() >> 10), platform.ncpus);
	pc->ist_stacks = ist;
	pc->tables = t;
	for (int i = 0; i < NIST; i++)
		t->tss.ist[i] = (uintptr_t)ist + (i + 1) * IST_STACK_SIZE;
	t->tss.iomap_base = sizeof(struct tss);
	t->gdt[1] = 0x00af9a000000ffff; /* 0x08: 64-bit code */
	t->gdt[2] = 0x00cf92000000ffff; /* 0x10: data */
	t->gdt[3] = tss_desc_lo((uintptr_t)&t->tss, sizeof(struct tss) - 1);
	t->gdt[4] = (uintptr_t)&t->tss >> 32;
}

void
arch_cpu_init_tables(struct percpu *pc)
{
	struct cpu_tables *t;
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed gdtr;

	if (!pc->tables)
		alloc_tables(pc);
	t = pc->tables;
	gdtr.limit = sizeof(t->gdt) - 1;
	gdtr.base = (uintptr_t)t->gdt;
	__asm__ volatile("lgdt %0\n\t"
	                 "pushq $0x08\n\t"
	                 "leaq 1f(%%rip), %%rax\n\t"
	                 "pushq %%rax\n\t"
	                 "lretq\n"
	                 "1:\n\t"
	                 "mov $0x10, %%eax\n\t"
	                 "mov %%eax, %%ds\n\t"
	                 "mov %%eax, %%es\n\t"
	                 "mov %%eax, %%ss\n\t"
	                 "mov $0x18, %%eax\n\t"
	                 "ltr %%ax\n\t"
	                 :
	                 : "m"(gdtr)
	                 : "rax", "memory");
}

void
arch_percpu_alloc_all(void)
{
	percpu_of[0] = this_cpu();
	for (int i = 1; i < platform.ncpus; i++) {
		struct percpu *pc = kzalloc(sizeof(*pc));
		if (!pc)
			panic("out of memory: per-CPU data for CPU %d of %d", i, platform.ncpus);
		pc->self = pc;
		pc->cpu_index = i;
		pc->apic_id = platform.cpu_apic_id[i];
		alloc_tables(pc);
		percpu_of[i] = pc;
	}
}

void
arch_percpu_install(struct percpu *pc)
{
	pc->self = pc;
	wrmsr(MSR_GS_BASE, (uintptr_t)pc);
}

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
#define EFER_SCE 1ul

/* SYSCALL from the app (ring 0 too): CS 0x08 / SS 0x10, interrupts,
 * direction, trap and alignment-check flags cleared on entry */
void
arch_syscall_init(void)
{
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_STAR, (0x08ul << 32) | (0x08ul << 48));
	wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
	wrmsr(MSR_FMASK, (1u << 9) | (1u << 10) | (1u << 8) | (1u << 18));
}
