/*
 * arch/x86_64/trace_port.c - COM2 (0x2f8) as a raw byte channel for the
 * trace export (kernel/trace/export.c).  Polled like COM1 and with the same
 * bounded wait, but with no console attached and no newline translation:
 * the bytes are binary.  Without a UART there (a floating bus reads 0xff)
 * trace_port_init() says so and the exporter falls back to the console.
 */
#include "asm/trace_port.h"
#include "asm/cpu.h"

#define COM2 0x2f8
enum { THR = 0, IER = 1, DLL = 0, DLM = 1, FCR = 2, LCR = 3, MCR = 4, LSR = 5 };
#define LSR_THR_EMPTY 0x20

static bool present;

bool trace_port_init(void)
{
	outb(COM2 + IER, 0x00);
	outb(COM2 + LCR, 0x80);
	outb(COM2 + DLL, 0x01);
	outb(COM2 + DLM, 0x00);
	outb(COM2 + LCR, 0x03);
	outb(COM2 + FCR, 0xc7);
	outb(COM2 + MCR, 0x03);         /* DTR, RTS; no IRQ: output only */
	present = inb(COM2 + LSR) != 0xff;
	return present;
}

void trace_port_write(const void *buf, size_t n)
{
	const uint8_t *p = buf;
	if (!present)
		return;
	for (size_t i = 0; i < n; i++) {
		for (int k = 0; k < 100000 && !(inb(COM2 + LSR) & LSR_THR_EMPTY); k++)
			cpu_relax();
		outb(COM2 + THR, p[i]);
	}
}
