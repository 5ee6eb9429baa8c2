/* The power button: what QEMU's system_powerdown (and so `virsh
 * shutdown`) presses. On q35 the ACPI fixed power button (ACPI 6.4
 * 4.8.2.2.1): at start-up PWRBTN_EN is set in the PM1a enable register and
 * the SCI (FADT SCI_INT, level-triggered) is routed through the IOAPIC;
 * the handler clears PWRBTN_STS. On a hardware-reduced machine (microvm
 * with acpi=on) the generic event device (ACPI0013, found in the DSDT by
 * drivers/acpi.c): its interrupt, then its event register, read (which
 * clears it) as its _EVT method would, the power-down event being QEMU's
 * ACPI_GED_PWR_DOWN_EVT bit. A press sends the app SIGTERM, then SIGKILL
 * once the grace period (kernel argument stop_grace=, default 10 s) is
 * over, as a container engine stops a container. With acpi=off there are
 * no tables and no button (docs/apps.md, "Stopping"). */
#include "acpi.h"
#include "arch.h"
#include "clock.h"
#include "cmdline.h"
#include "errno.h"
#include "irq.h"
#include "lib.h"
#include "loader.h"
#include "mm.h"
#include "power.h"
#include "printk.h"
#include "sched.h"
#include "signal.h"
#include "uapi/signal.h"

#define PM1_PWRBTN (1u << 8)   /* PWRBTN_STS in status, PWRBTN_EN in enable */
#define PM1_SCI_EN 1u          /* in PM1 control */
#define GED_PWR_DOWN (1u << 1) /* QEMU's ACPI_GED_PWR_DOWN_EVT in the GED's selector */

static uint64_t grace_ns = 10ull * 1000000000u;
static struct timer kill_timer;
static bool pressed;

/* stop_grace=N[s|ms]: seconds unless "ms" follows; 0 kills at once */
static int
set_stop_grace(const char *v)
{
	uint64_t n = 0, unit = 1000000000u;
	const char *p = v;

	if (!v || !*v)
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > 1000000000u)
			return -EINVAL;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p == v)
		return -EINVAL;
	if (!strcmp(p, "ms"))
		unit = 1000000u;
	else if (*p && strcmp(p, "s"))
		return -EINVAL;
	grace_ns = n * unit;
	return 0;
}
CMDLINE_KEY("stop_grace", set_stop_grace);

static void
kill_app(struct timer *tm)
{
	(void)tm;
	printk(KERN_NOTICE "power button: the grace period is over: SIGKILL to the app");
	signal_send(NULL, SIGKILL, NULL);
}

static uint16_t
enable_port(void)
{
	return (uint16_t)(platform.pm1a_evt + platform.pm1_evt_len / 2);
}

static void
press(void)
{
	if (!app_argv()) {
		printk(KERN_NOTICE "power button: no app; powering off");
		kernel_exit(0);
	}
	if (pressed) {
		printk(KERN_NOTICE "power button: pressed again; SIGTERM again");
		signal_send(NULL, SIGTERM, NULL);
		return;
	}
	pressed = true;
	printk(KERN_NOTICE "power button: SIGTERM to the app, SIGKILL in %lu ms",
	       (unsigned long)(grace_ns / 1000000u));
	signal_send(NULL, SIGTERM, NULL);
	if (!grace_ns) {
		signal_send(NULL, SIGKILL, NULL);
		return;
	}
	timer_arm(&kill_timer, clock_ns() + grace_ns);
}

static void
sci_irq(struct trapframe *tf, void *arg)
{
	(void)tf;
	(void)arg;
	uint16_t sts = inw(platform.pm1a_evt);

	if (!(sts & PM1_PWRBTN))
		return;                      /* someone else's event: nothing of ours is enabled */
	outw(platform.pm1a_evt, PM1_PWRBTN); /* write-1-to-clear */
	press();
}

static volatile uint32_t *ged_sel;

static void
ged_irq(struct trapframe *tf, void *arg)
{
	(void)tf;
	(void)arg;
	uint32_t sel = *ged_sel; /* read to clear */

	if (sel & GED_PWR_DOWN)
		press();
}

/* a hardware-reduced machine's button: the GED's interrupt */
static void
ged_init(void)
{
	int v, err;

	if (!(ged_sel = mm_map_mmio(platform.ged_evt, 4))) {
		printk(KERN_WARN "power button: the GED's register at %#lx cannot be mapped",
		       (unsigned long)platform.ged_evt);
		return;
	}
	(void)*ged_sel; /* an event before we listened is not a press */
	if ((v = irq_alloc_vector(ged_irq, NULL)) < 0 ||
	    (err = ioapic_route_flags(platform.ged_gsi, v, platform.ged_level, platform.ged_low))) {
		printk(KERN_WARN "power button: the GED's GSI %u cannot be routed",
		       platform.ged_gsi);
		return;
	}
	printk(KERN_INFO "power button: GED GSI %u (%s), events at %#lx, stop grace %lu ms",
	       platform.ged_gsi, platform.ged_level ? "level" : "edge",
	       (unsigned long)platform.ged_evt, (unsigned long)(grace_ns / 1000000u));
}

void
acpi_button_init(void)
{
	uint32_t gsi;
	bool level, low;
	int v, err;

	timer_init(&kill_timer, kill_app);
	if ((platform.fadt_flags & FADT_HW_REDUCED) && platform.ged_evt) {
		ged_init();
		return;
	}
	if (!platform.pm1a_evt || platform.pm1_evt_len < 4 ||
	    (platform.fadt_flags & FADT_HW_REDUCED))
		return;
	/* ACPI mode: SCI_EN, set by the SMI command when the firmware left
	 * it off (QEMU's ICH9 and PIIX4 set it on ACPI_ENABLE at 0xb2) */
	if (platform.pm1a_cnt && !(inw(platform.pm1a_cnt) & PM1_SCI_EN) && platform.smi_cmd &&
	    platform.acpi_enable)
		outb((uint16_t)platform.smi_cmd, platform.acpi_enable);
	platform_isa_irq(platform.sci_int, &gsi, &level, &low);
	if (gsi == platform.sci_int && !level) {
		level = true; /* no override: the SCI is shareable, level, low */
		low = true;
	}
	if ((v = irq_alloc_vector(sci_irq, NULL)) < 0 ||
	    (err = ioapic_route_flags(gsi, v, level, low))) {
		printk(KERN_WARN "power button: SCI (GSI %u) cannot be routed", gsi);
		return;
	}
	outw(platform.pm1a_evt, PM1_PWRBTN); /* a stale press is not one */
	outw(enable_port(), (uint16_t)(inw(enable_port()) | PM1_PWRBTN));
	printk(KERN_INFO "power button: SCI GSI %u, PM1a events at %#x, stop grace %lu ms", gsi,
	       platform.pm1a_evt, (unsigned long)(grace_ns / 1000000u));
}
