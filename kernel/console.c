/*
 * kernel/console.c - fan-out of console output to the registered sinks and
 * the one input source (the serial port).  Serialisation of whole lines is
 * printk's job; this file only delivers bytes.
 */
#include <stdbool.h>
#include "kernel/console.h"
#include "kernel/printk.h"
#include "asm/serial.h"
#include "asm/cpu.h"

static struct console *consoles;

void console_register(struct console *c)
{
	c->next = consoles;
	consoles = c;
}

void console_write(const char *s, size_t n)
{
	for (struct console *c = consoles; c; c = c->next)
		c->write(s, n);
}

int console_getc(void)
{
	return serial_getc();
}

static bool input_irq_ready;

void console_input_irq_ready(void)
{
	input_irq_ready = true;
}

void console_wait_input(void)
{
	/* sti;hlt is atomic against the interrupt that would wake us. */
	if (input_irq_ready)
		arch_safe_halt();
	else
		cpu_relax();
}
