/* VM power-off: debug-exit, ACPI S5, i8042 reset, halt. */
#include "power.h"
#include "acpi.h"
#include "arch.h"
#include "boottime.h"
#include "lib.h"
#include "printk.h"

#define DEBUG_EXIT_PORT 0xf4

void
power_off(int status)
{
	uint16_t port;
	uint16_t val;

	irq_disable();
	printk_flush();
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	/* still here: no isa-debug-exit device */
	if (acpi_s5(&port, &val) == 0) {
		printk(KERN_NOTICE "power: no debug-exit device; ACPI S5");
		printk_flush();
		outw(port, val);
		for (volatile int i = 0; i < 1000000; i++)
			;
	}
	printk(KERN_NOTICE "power: i8042 reset");
	printk_flush();
	outb(0x64, 0xfe); /* i8042 pulse reset; QEMU -no-reboot exits */
	for (volatile int i = 0; i < 1000000; i++)
		;
	printk(KERN_NOTICE "power: nothing ended the VM; halting");
	printk_flush();
	for (;;)
		cpu_halt();
}

void
kernel_exit(int status)
{
	char rec[32];

	boottime_report(); /* with `boottime`: each start-up step's cost */
	fmt_snprintf(rec, sizeof(rec), "unum: exit %d", status & 0xff);
	printk_final_record(rec);
	power_off(status);
}
