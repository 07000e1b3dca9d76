/*
 * kernel/printk.h - kernel logging.
 *
 * Every message goes into a ring buffer (the monitor's `log`, gdb's
 * `dmesg`-style helper in scripts/gdb) and, if its level is at or below the
 * console level, to the consoles (serial COM1, mirrored to VGA text).
 * A level is a "<N>" prefix on the format, as in Linux: KERN_ERR "..." .
 */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>
#include <stddef.h>
#include "lib/compiler.h"

#define KERN_EMERG   "<0>"
#define KERN_ALERT   "<1>"
#define KERN_CRIT    "<2>"
#define KERN_ERR     "<3>"
#define KERN_WARNING "<4>"
#define KERN_NOTICE  "<5>"
#define KERN_INFO    "<6>"
#define KERN_DEBUG   "<7>"

#define LOGLEVEL_DEFAULT 6       /* messages without a prefix */
#define CONSOLE_LOGLEVEL_DEFAULT 6

#define LOG_BUF_SIZE (64 * 1024)

/**
 * printk() - log a formatted message.
 * @fmt: printf-style format, optionally starting with a KERN_* level.
 *
 * Context: any, including IRQ, NMI (the line is buffered per CPU and
 * reaches the log at the next printk or tick: kernel/printk_nmi.c), panic
 * paths and before SMP.  Lines from different CPUs are never interleaved
 * within a line, and the log's timestamps never go backwards, except that
 * a line buffered in NMI context keeps the time it was written.
 * Return: number of characters formatted.
 */
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintk(const char *fmt, va_list ap);

#define pr_emerg(...)  printk(KERN_EMERG __VA_ARGS__)
#define pr_err(...)    printk(KERN_ERR __VA_ARGS__)
#define pr_warn(...)   printk(KERN_WARNING __VA_ARGS__)
#define pr_notice(...) printk(KERN_NOTICE __VA_ARGS__)
#define pr_info(...)   printk(KERN_INFO __VA_ARGS__)
#define pr_debug(...)  printk(KERN_DEBUG __VA_ARGS__)

/**
 * printk_raw() - log @s as is: no timestamp, no level, always to the console.
 * For machine-read output (KTAP, BENCH lines) and the monitor.
 */
void printk_raw(const char *s);

/** printk_set_console_level() - messages above @level stop reaching the console. */
void printk_set_console_level(int level);
int printk_console_level(void);

/**
 * log_buf_read() - copy out the ring buffer.
 * @fn: called with consecutive chunks of the oldest-to-newest log text.
 */
void log_buf_read(void (*fn)(const char *s, size_t n, void *ctx), void *ctx);

/**
 * printk_panic_mode() - after a panic, printk no longer takes its lock
 * (the holder may be the CPU that was stopped), and the timestamps keep
 * working.  Called only by panic().
 */
void printk_panic_mode(void);

/**
 * printk_nmi_flush() - move lines that NMI handlers buffered into the log
 * and the consoles.  Cheap when there are none.  Context: not NMI (the
 * timer tick calls it on every CPU).
 */
void printk_nmi_flush(void);

/* Serialises log_buf and the consoles.  Exported for the smp suite's
 * NMI-printk tests, which hold it while another CPU prints from NMI. */
struct spinlock;
extern struct spinlock printk_lock;

/** console_write() - raw output to every console, no log buffer, no level. */
void console_write(const char *s, size_t n);

#endif
