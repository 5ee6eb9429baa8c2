/* Interrupts: vectors 48..239 are handed out to drivers; the LAPIC and
 * IOAPIC route them. Handlers run with interrupts off, on the running
 * thread's kernel stack, and must be short.
 * Typical use:
 *   int v = irq_alloc_vector(my_handler, dev);        // or -ENOSPC
 *   ioapic_route(gsi, v, false);                       // an ISA/PCI line
 * irq_register_isa(irq, fn, arg) does both for an ISA IRQ, applying the
 * ACPI/MP interrupt source overrides. */
#ifndef UNUM_IRQ_H
#define UNUM_IRQ_H

#include "types.h"

struct trapframe;
typedef void (*irq_handler_t)(struct trapframe *tf, void *arg);

#define IRQ_VEC_FIRST 48 /* 32-47: the masked legacy PICs */
#define IRQ_VEC_LAST 239
#define VEC_TIMER 240 /* LAPIC timer */
#define VEC_IPI 241   /* scheduler wake-up */
#define VEC_TLB 242   /* TLB shootdown */
#define VEC_SPURIOUS 255

int irq_alloc_vector(irq_handler_t fn, void *arg);
/* install a handler at a fixed vector (timer, IPIs) */
void irq_set_handler(int vector, irq_handler_t fn, void *arg);
int irq_register_isa(int isa_irq, irq_handler_t fn, void *arg);

/* LAPIC (arch/x86_64/lapic.c): xAPIC MMIO or x2APIC MSRs */
/* the legacy 8259 PICs, masked for good (drivers/pic.c) */
void pic_disable(void);
void lapic_init(void);
void lapic_eoi(void);
uint32_t lapic_id(void);
void lapic_send_ipi(uint32_t apic_id, int vector);
void lapic_send_ipi_others(int vector); /* every CPU but this one */
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint8_t page); /* start at page * 4 KiB */
/* one-shot timer: fire VEC_TIMER after 'ticks' of the LAPIC timer clock;
 * 0 stops it */
void lapic_timer_oneshot(uint32_t ticks);
uint32_t lapic_timer_current(void);
void lapic_timer_count_masked(uint32_t ticks); /* counts down, never interrupts */
void lapic_tsc_deadline_mode(void);            /* the timer LVT in TSC-deadline mode */

/* IOAPIC (arch/x86_64/ioapic.c) */
void ioapic_init(void);
/* route global system interrupt 'gsi' to 'vector' on the boot CPU;
 * level-triggered active-low when 'level', else edge active-high.
 * -ENODEV when no IOAPIC serves that GSI. */
int ioapic_route(uint32_t gsi, int vector, bool level);
int ioapic_route_flags(uint32_t gsi, int vector, bool level, bool active_low);
void ioapic_mask(uint32_t gsi, bool masked);

#endif
