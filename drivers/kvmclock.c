/* kvmclock (KVM paravirtual clock, MSR_KVM_SYSTEM_TIME_NEW, Linux
 * Documentation/virt/kvm/x86/msr.rst): the host publishes a TSC scale in
 * a page we own; time = system_time + scaled (TSC - tsc_timestamp).
 * XXX: one record for the boot CPU; per-CPU records come with SMP. */
#include "arch.h"
#include "clock.h"
#include "mm.h"

#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01

struct pvclock {
	volatile uint32_t version, pad0;
	volatile uint64_t tsc_timestamp, system_time;
	volatile uint32_t mul;
	volatile int8_t shift;
	volatile uint8_t flags, pad[2];
} __packed;

static struct pvclock pv __aligned(64);

int
kvmclock_init(void)
{
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, mm_v2p(&pv) | 1);
	return pv.version ? 0 : -1;
}

uint64_t
kvmclock_ns(void)
{
	uint32_t v;
	uint64_t ns, delta;

	do {
		v = pv.version;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		delta = rdtsc() - pv.tsc_timestamp;
		if (pv.shift >= 0)
			delta <<= pv.shift;
		else
			delta >>= -pv.shift;
		ns = pv.system_time + (uint64_t)(((unsigned __int128)delta * pv.mul) >> 32);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((v & 1) || v != pv.version);
	return ns;
}
