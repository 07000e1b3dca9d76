/*
 * kernel/printk_nmi.h - the NMI-context side of printk (kernel/printk_nmi.c):
 * per-CPU buffers that an NMI handler writes without a lock, drained into
 * the log by printk.c under printk_lock.  Only printk.c calls these.
 */
#ifndef KERNEL_PRINTK_NMI_H
#define KERNEL_PRINTK_NMI_H

#include <stdbool.h>
#include <stddef.h>

/**
 * printk_nmi_store() - append one whole line to this CPU's NMI buffer.
 * Context: NMI (the buffer's only writer).  Never waits.
 * Return: false if it did not fit (the bytes are counted as lost).
 */
bool printk_nmi_store(const char *s, size_t n);

/** printk_nmi_pending() - a cheap hint that some NMI buffer holds a line. */
bool printk_nmi_pending(void);

/**
 * printk_nmi_drain() - hand every buffered NMI line to @emit, oldest first
 * per CPU, then a line per CPU that lost output.
 * Context: printk_lock held (or panic mode: the one CPU left running).
 */
void printk_nmi_drain(void (*emit)(const char *s, size_t n));

#endif
