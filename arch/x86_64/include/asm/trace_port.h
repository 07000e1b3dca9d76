/*
 * asm/trace_port.h - the trace's own way out of the guest: a second 16550
 * UART (COM2, I/O port 0x2f8), which QEMU connects to a file or a pipe
 * (`-serial file:...` after the console's -serial; scripts/qemucmd.py),
 * so binary trace bytes never mix with the console's text.
 */
#ifndef ASM_TRACE_PORT_H
#define ASM_TRACE_PORT_H

#include <stddef.h>
#include <stdbool.h>

/** trace_port_init() - program COM2 raw 8N1. Return: true if a UART answers there. */
bool trace_port_init(void);

/** trace_port_write() - send @n bytes as they are (no newline translation). Context: process. */
void trace_port_write(const void *buf, size_t n);

#endif
