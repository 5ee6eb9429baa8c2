/* 16550 UART, polled output (the serial port is off every hot path: it
 * carries the console and the log, nothing else) and, on COM1 when the
 * console is a terminal, interrupt-driven input (core/fs/tty.c). A port is
 * "present" when its scratch register keeps what we write; an absent ISA
 * port reads 0xff. */
#include "arch.h"
#include "printk.h"

#define UART_THR 0
#define UART_RBR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_IIR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

bool
serial_init(uint16_t port)
{
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return false;
	outb(port + UART_SCR, 0xa5);
	if (inb(port + UART_SCR) != 0xa5)
		return false;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, 0x80); /* DLAB: 115200 baud */
	outb(port + 0, 1);
	outb(port + 1, 0);
	outb(port + UART_LCR, 0x03); /* 8N1 */
	/* Turning the FIFO on flushes the receiver: COM1 keeps it off, so
	 * keys typed during boot wait in the UART (QEMU hands it the next
	 * byte once this one is read) and none is lost. Output does not
	 * care: QEMU sends each byte at once either way. */
	if (port != COM1)
		outb(port + UART_FCR, 0xc7); /* FIFO on, cleared */
	outb(port + UART_MCR, 0x03);
	return true;
}

/* QEMU's UART is ready at once unless the host reader lags; then wait,
 * never overwrite a byte still in the holding register */
void
serial_write(uint16_t port, const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		while (!(inb(port + UART_LSR) & LSR_THRE))
			cpu_relax();
		outb(port + UART_THR, (uint8_t)buf[i]);
	}
}

void
serial_flush(uint16_t port)
{
	while (!(inb(port + UART_LSR) & LSR_TEMT))
		cpu_relax();
}

/* receive interrupts from now on: one per byte (the FIFO, if on, is
 * left alone: changing it would flush what was typed ahead) */
void
serial_rx_enable(uint16_t port)
{
	outb(port + UART_MCR, 0x0b); /* DTR, RTS, OUT2: OUT2 gates the IRQ on a PC */
	outb(port + UART_IER, 0x01); /* received data available */
	(void)inb(port + UART_IIR);
}

/* the next received byte, or -1 when none is waiting */
int
serial_getc(uint16_t port)
{
	if (!(inb(port + UART_LSR) & LSR_DR))
		return -1;
	return inb(port + UART_RBR);
}
