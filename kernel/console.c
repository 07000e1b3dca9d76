/*
 * kernel/console.c - fan-out of console output to the registered sinks and
 * the one input source (the serial port).  Serialisation of whole lines is
 * printk's job; this file only delivers bytes.
 */
#include <stdbool.h>
#include "kernel/console.h"
#include "kernel/printk.h"
#include "kernel/sched/wait.h"
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

/* Statically initialised: the receive interrupt may fire before any
 * subsystem's init has run. */
static struct lock_class console_input_wq_class = { .name = "console_input_wq" };
struct wait_queue_head console_input_wq = {
	.lock = __SPINLOCK_INITIALIZER(&console_input_wq_class),
	.waiters = LIST_HEAD_INIT(console_input_wq.waiters),
};

void console_input_arrived(void)
{
	/* The bytes are in the receive ring (stored under serial_rx_lock)
	 * before this wake_up() takes the queue's lock: a reader that
	 * queued itself first is woken, one that queues after polls the
	 * ring and finds them (kernel/fs/tty.c). */
	wake_up(&console_input_wq);
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
