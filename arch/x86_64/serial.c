/*
 * arch/x86_64/serial.c - 16550 UART driver for COM1 (I/O port 0x3f8).
 *
 * Output is polled (wait for the transmit holding register to empty), so it
 * works from any context, including exceptions and panic.  Input: once the
 * I/O APIC routes IRQ 4 (setup.c), the receive interrupt drains the UART
 * into a small ring that serial_getc() reads; until then, and whenever the
 * ring is empty, serial_getc() polls the UART itself.
 */
#include <stdbool.h>
#include "asm/cpu.h"
#include "asm/serial.h"
#include "kernel/console.h"
#include "kernel/locking/spinlock.h"

#define COM1 0x3f8
enum { RBR = 0, THR = 0, IER = 1, DLL = 0, DLM = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY  0x20

static bool serial_present;

static void serial_putc(char c)
{
	/* Bounded wait: a missing UART must not hang the kernel. */
	for (int i = 0; i < 100000 && !(inb(COM1 + LSR) & LSR_THR_EMPTY); i++)
		cpu_relax();
	outb(COM1 + THR, (uint8_t)c);
}

static void serial_write(const char *s, size_t n)
{
	if (!serial_present)
		return;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

static struct console serial_console = { .name = "ttyS0", .write = serial_write };

void serial_init(void)
{
	outb(COM1 + IER, 0x00);         /* no interrupts yet */
	outb(COM1 + LCR, 0x80);         /* DLAB: set the divisor */
	outb(COM1 + DLL, 0x01);         /* 115200 baud */
	outb(COM1 + DLM, 0x00);
	outb(COM1 + LCR, 0x03);         /* 8N1 */
	outb(COM1 + FCR, 0xc7);         /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + MCR, 0x0b);         /* DTR, RTS, OUT2 (IRQ line enable) */
	/* A floating bus reads 0xff: no UART there. */
	serial_present = inb(COM1 + LSR) != 0xff;
	console_register(&serial_console);
}

#define RX_RING 256
static char rx_ring[RX_RING];
static unsigned rx_head, rx_tail;       /* head: next write, tail: next read */
DEFINE_SPINLOCK(serial_rx_lock);

void serial_rx_drain(void)
{
	unsigned long flags;
	spin_lock_irqsave(&serial_rx_lock, flags);
	while (serial_present && (inb(COM1 + LSR) & LSR_DATA_READY)) {
		char c = (char)inb(COM1 + RBR);
		if (rx_head - rx_tail < RX_RING)       /* full: drop the byte */
			rx_ring[rx_head++ % RX_RING] = c;
	}
	spin_unlock_irqrestore(&serial_rx_lock, flags);
}

int serial_getc(void)
{
	if (!serial_present)
		return -1;
	int c = -1;
	unsigned long flags;
	spin_lock_irqsave(&serial_rx_lock, flags);
	if (rx_tail != rx_head)
		c = (unsigned char)rx_ring[rx_tail++ % RX_RING];
	else if (inb(COM1 + LSR) & LSR_DATA_READY)
		c = inb(COM1 + RBR);
	spin_unlock_irqrestore(&serial_rx_lock, flags);
	return c;
}

void serial_enable_rx_irq(void)
{
	outb(COM1 + IER, 0x01);         /* received-data-available interrupt */
}
