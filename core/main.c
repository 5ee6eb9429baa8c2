/* Kernel start-up: every subsystem's init, in order, one call per line
 * (DESIGN.md, Boot), each a STEP (include/boottime.h: the kernel
 * argument `boottime` prints what each cost). Reached from boot.S
 * through arch_start. */
#include "acpi.h"
#include "arch.h"
#include "boot.h"
#include "boottime.h"
#include "clock.h"
#include "cmdline.h"
#include "irq.h"
#include "ktest.h"
#include "lib.h"
#include "loader.h"
#include "mm.h"
#include "net.h"
#include "pci.h"
#include "power.h"
#include "printk.h"
#include "random.h"
#include "sched.h"
#include "syscall.h"
#include "vfs.h"
#include "virtio.h"
#include "vma.h"

/* milestones for tools/bench (docs/host-guest.md): empty, and called
 * (noipa: the compiler may not see that they do nothing) */
static __used __attribute__((noipa)) void
mark_kernel_entry(void)
{
}
static __used __attribute__((noipa)) void
mark_ready(void)
{
}

/* on the console when the kernel runs alone; with an app, the console is
 * the app's stdout and the banner goes to the kernel log */
static void
banner(void)
{
	uint64_t total = 0;
	void (*out)(const char *fmt, ...) = boot_info.nmods ? printk : console_printf;

	for (int i = 0; i < boot_info.nmem; i++)
		if (boot_info.mem[i].type == MEM_RAM)
			total += boot_info.mem[i].len;
	out("unum: boot=%s mem=%luK free=%luK cpus=%d tables=%s clock=%s "
	    "tsc=%luMHz timer=%s\n",
	    boot_info.path, (unsigned long)(total >> 10), (unsigned long)(frame_free_bytes() >> 10),
	    smp_online_cpus(), platform.source, clock_source(),
	    (unsigned long)(clock_tsc_hz() / 1000000), clock_timer_kind());
}

/* Before the app starts (loader/app.c, from core/run.c's kernel_run):
 * its file system from the initrd, randomness, console and arguments */
static void
app_world_init(void)
{
	STEP(initrd_init());        /* boot module 0 unpacked into / */
	STEP(vfs_mount_tmp());      /* /tmp: a tmpfs, unless the initrd filled it */
	STEP(random_init());        /* seeded: TSC, RTC, /.unum/seed */
	STEP(vma_layout_init());    /* ASLR: stack, mmap, PIE, brk (norandmaps) */
	STEP(console_init());       /* fds 0-2; stdin from /.unum/stdin */
	STEP(app_args_init());      /* argv, environment from /.unum */
	STEP(initrd_unum_remove()); /* /.unum goes: the tree is the app's */
	STEP(procfs_init(app_argv()[0], app_argv())); /* /proc, naming the app */
	STEP(etc_init());                             /* /etc/passwd..., unless the app has them */
}

void
arch_start(uint32_t kind, uint32_t info)
{
	const char *err;

	mark_kernel_entry();
	STEP(printk_init()); /* COM1 console, COM2 log */
	boot_step("arch_early_init");
	err = arch_early_init(kind, info); /* per-CPU, CPU features, boot info */
	if (err)
		panic("%s", err);
	if (boot_info.cmdline_truncated)
		printk(KERN_WARN "cmdline: longer than %d bytes, truncated", BOOT_CMDLINE_MAX);
	STEP(cmdline_parse(boot_info.cmdline));      /* every CMDLINE_KEY */
	STEP(mm_init());                             /* frames, heap, page tables */
	STEP(arch_cpu_init_tables(arch_boot_cpu())); /* GDT, TSS, IST stacks */
	STEP(arch_idt_init());                       /* exceptions and interrupts */
	STEP(platform_init());                       /* ACPI or MP table: CPUs, IOAPICs */
	STEP(arch_percpu_alloc_all());               /* per-CPU areas and stacks, all CPUs */
	STEP(pic_disable());                         /* legacy 8259s off vectors 0-15 */
	STEP(lapic_init());                          /* this CPU's local APIC */
	STEP(ioapic_init());                         /* all lines masked */
	STEP(clock_init());                          /* monotonic clock, one-shot timer */
	STEP(rtc_init());                            /* the RTC's edges keep the wall clock */
	STEP(arch_fpu_init_cpu(true));               /* SSE/AVX on, XSAVE area sized */
	STEP(sched_init());                          /* boot code becomes thread "main" */
	STEP(arch_syscall_init());                   /* the SYSCALL door on this CPU */
	STEP(syscall_init());                        /* the table, by Linux number */
	STEP(vfs_init());                            /* /, and /dev, /proc, /sys mounted */
	STEP(pci_init());                            /* PCI functions; virtio-pci devices probed */
	STEP(virtio_init());                         /* virtio-mmio devices (virtio_mmio.device=) */
	STEP(acpi_button_init());                    /* the power button: SIGTERM to the app */
	STEP(clock_calibrated()); /* the window clock_init opened: TSC, LAPIC rates */
	STEP(smp_boot_aps());     /* every other CPU, idle */
	STEP(net_init());         /* lwIP, a netif per netdev, DHCP or ip= */
	if (boot_info.nmods)      /* an initrd: the app's */
		app_world_init(); /* (none in the test and bench kernels) */
	mark_ready();
	STEP(banner());
	irq_enable();            /* "main" is an ordinary thread now */
	sched_might_sleep_arm(); /* sleeping calls check their context */
	kernel_run();            /* its steps: core/run.c, loader/app.c */
}
