/*
 * kernel/trace/export.h - sending the trace to the host (export.c).
 */
#ifndef KERNEL_TRACE_EXPORT_H
#define KERNEL_TRACE_EXPORT_H

#include <stdint.h>
#include "kernel/errno.h"

#define TRACE_FORMAT 1

enum trace_export_to { TRACE_TO_PORT, TRACE_TO_CONSOLE };

struct trace_export_stats {
	uint64_t events, lost, bytes;
};

/**
 * trace_export() - switch tracing off and send every CPU's ring, in the
 * binary format of export.c, to the trace port (COM2) or as hex lines on
 * the console.
 * Return: 0, -ENODEV (no trace port: QEMU was started without a second
 * serial), -ENOMEM (no rings, or no room for the copy).  Context: process.
 */
int trace_export(enum trace_export_to to, struct trace_export_stats *out);

/** trace_boot_export() - traceexport= given (or tracescn=: to the port): export now. */
void trace_boot_export(void);

#endif
