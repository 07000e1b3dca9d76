/*
 * kernel/console.h - the kernel's consoles: a set of byte sinks (serial,
 * VGA) registered at boot, and the input side (the serial port).
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stddef.h>

struct console {
	const char *name;
	void (*write)(const char *s, size_t n);
	struct console *next;
};

/** console_register() - add a sink; every later console_write() reaches it. */
void console_register(struct console *c);

/**
 * console_getc() - next input character, or -1 if none is waiting.
 * Context: any; never blocks.
 */
int console_getc(void);

/**
 * console_wait_input() - idle until input may have arrived: halt until the
 * next interrupt once the serial receive interrupt is routed, else pause.
 */
void console_wait_input(void);

/** console_input_irq_ready() - the serial receive IRQ is routed; halting is safe. */
void console_input_irq_ready(void);

/* Readers of the console that sleep for input (kernel/fs/tty.c) wait here. */
struct wait_queue_head;
extern struct wait_queue_head console_input_wq;

/**
 * console_input_arrived() - wake the sleepers of console_input_wq.
 * Context: the serial receive interrupt, after it filled the ring.
 */
void console_input_arrived(void);

#endif
