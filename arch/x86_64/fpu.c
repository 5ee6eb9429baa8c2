/* FPU/SSE/AVX state: enabled on every CPU (CR0/CR4, XCR0), saved and
 * restored per thread at each switch with XSAVE, or FXSAVE where the CPU
 * has no XSAVE (the qemu64 model). Kernel C never touches these
 * registers (-mgeneral-regs-only), so a switch is the only save point. */
#include "arch.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"

#define CR0_MP (1ul << 1)
#define CR0_EM (1ul << 2)
#define CR0_TS (1ul << 3)
#define CR0_NE (1ul << 5)
#define CR4_OSFXSR (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)
#define CR4_FSGSBASE (1ul << 16)
#define CR4_OSXSAVE (1ul << 18)
#define XCR0_WANT 0xe7ull /* x87, SSE, AVX, AVX-512 opmask/ZMM */

static uint64_t xcr0;
static size_t area_size = 512;
static uint8_t init_state[4096] __aligned(64); /* state of a new thread */

static inline void
xsetbv(uint32_t idx, uint64_t v)
{
	__asm__ volatile("xsetbv" ::"c"(idx), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void
arch_fpu_save(void *area)
{
	if (xcr0)
		__asm__ volatile("xsave (%0)" ::"r"(area), "a"((uint32_t)xcr0),
		                 "d"((uint32_t)(xcr0 >> 32))
		                 : "memory");
	else
		__asm__ volatile("fxsave (%0)" ::"r"(area) : "memory");
}

void
arch_fpu_restore(const void *area)
{
	if (xcr0)
		__asm__ volatile("xrstor (%0)" ::"r"(area), "a"((uint32_t)xcr0),
		                 "d"((uint32_t)(xcr0 >> 32))
		                 : "memory");
	else
		__asm__ volatile("fxrstor (%0)" ::"r"(area) : "memory");
}

/* per CPU: enable the units; the boot CPU also sizes the save area */
void
arch_fpu_init_cpu(bool boot)
{
	uint32_t r[4];
	uint64_t cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;

	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE);
	if (cpu_features.fsgsbase)
		cr4 |= CR4_FSGSBASE;
	if (cpu_features.xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	if (cpu_features.xsave) {
		cpuid(0xd, 0, r);
		xcr0 = (((uint64_t)r[3] << 32) | r[0]) & XCR0_WANT;
		xsetbv(0, xcr0);
		if (boot) {
			cpuid(0xd, 0, r); /* EBX: size for the enabled set */
			area_size = r[1];
		}
	}
	if (!boot)
		return;
	if (area_size > sizeof(init_state))
		panic("fpu: XSAVE area of %lu bytes is larger than %lu", (unsigned long)area_size,
		      (unsigned long)sizeof(init_state));
	/* the initial state: x87 and MXCSR defaults, all vectors zero */
	__asm__ volatile("fninit");
	uint32_t mxcsr = 0x1f80;
	__asm__ volatile("ldmxcsr %0" ::"m"(mxcsr));
	memset(init_state, 0, sizeof(init_state));
	arch_fpu_save(init_state);
}

size_t
arch_fpu_area_size(void)
{
	return area_size;
}

void
arch_fpu_init_area(void *area)
{
	memcpy(area, init_state, area_size);
}
