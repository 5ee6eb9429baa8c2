/* First C on the boot CPU: per-CPU data through GS, the boot thread's
 * kernel stack, CPU features, and the boot information read while the
 * boot page tables still map the first GiB. */
#include "arch.h"
#include "asm.h"
#include "boot.h"
#include "mm.h"
#include "printk.h"
#include "sections.h"

static struct percpu boot_cpu;

static const void *
boot_p2v(uint64_t pa, size_t len)
{
	if (pa + len < pa || pa + len > GiB(1))
		return NULL;
	return (const void *)(MM_DIRECT_BASE + pa);
}

const char *
arch_early_init(uint32_t kind, uint32_t info)
{
	int err;

	arch_percpu_install(&boot_cpu);
	arch_set_kstack((uintptr_t)boot_stack_bottom, (uintptr_t)boot_stack_top);
	arch_cpu_detect();
	if (kind == BOOT_PVH)
		err = boot_parse_pvh(&boot_info, info, boot_p2v);
	else if (kind == BOOT_MB2)
		err = boot_parse_mb2(&boot_info, info, boot_p2v);
	else
		return "unknown boot protocol (neither PVH nor multiboot2)";
	if (err)
		return kind == BOOT_PVH ? "bad PVH start info" : "bad multiboot2 information";
	boot_mem_normalize(&boot_info);
	return NULL;
}

struct percpu *
arch_boot_cpu(void)
{
	return &boot_cpu;
}
