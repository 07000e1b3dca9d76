/*
 * kernel/printk.c - formatted logging into a ring buffer and the consoles.
 *
 * A message is formatted on the caller's stack; then, under printk_lock
 * with interrupts off, it is stamped with the time since boot, appended to
 * log_buf and written to the consoles, so lines of different CPUs never mix
 * and the timestamps of lines printed outside NMI context never go
 * backwards (the stamp is read under the lock; a buffered NMI line keeps
 * the time it was written, so it can be older than the line before it).
 * After a panic the lock is no longer taken (its holder may be a CPU that
 * panic() stopped), trading tidy output for output at all.
 *
 * In NMI context printk takes no lock and never waits: the line goes to
 * this CPU's NMI buffer (kernel/printk_nmi.c says why a wait there can
 * stop the CPU for good) and is moved into the log by the next printk
 * outside NMI context or by the next tick of any CPU (printk_nmi_flush()).
 *
 * gdb: `print-log` in scripts/gdb/kernel.py prints log_buf, e.g. after a
 * hang; the buffer is log_buf[log_head - LOG_BUF_SIZE .. log_head).
 */
#include "kernel/printk.h"
#include "kernel/printk_nmi.h"
#include "kernel/preempt.h"
#include "kernel/console.h"
#include "kernel/locking/spinlock.h"
#include "kernel/time.h"
#include "lib/printf.h"
#include "lib/string.h"

char log_buf[LOG_BUF_SIZE];
uint64_t log_head;              /* bytes ever written; next write position */
static int console_level = CONSOLE_LOGLEVEL_DEFAULT;
static bool panic_mode;
DEFINE_SPINLOCK(printk_lock);

static void log_emit(const char *s, size_t n);

void printk_set_console_level(int level)
{
	if (level < 0)
		level = 0;
	if (level > 7)
		level = 7;
	WRITE_ONCE(console_level, level);   /* printk() on other CPUs reads it */
}

int printk_console_level(void) { return READ_ONCE(console_level); }

void printk_panic_mode(void)
{
	WRITE_ONCE(panic_mode, true);
	/* What NMI handlers buffered before the panic: print it now, the
	 * CPUs that would have flushed it are being stopped. */
	if (printk_nmi_pending())
		printk_nmi_drain(log_emit);
}

static void log_append(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		log_buf[(log_head + i) % LOG_BUF_SIZE] = s[i];
	log_head += n;
}

void log_buf_read(void (*fn)(const char *s, size_t n, void *ctx), void *ctx)
{
	unsigned long flags;
	spin_lock_irqsave(&printk_lock, flags);
	uint64_t start = log_head > LOG_BUF_SIZE ? log_head - LOG_BUF_SIZE : 0;
	uint64_t pos = start;
	while (pos < log_head) {
		size_t off = pos % LOG_BUF_SIZE;
		size_t n = LOG_BUF_SIZE - off;
		if (n > log_head - pos)
			n = log_head - pos;
		fn(log_buf + off, n, ctx);
		pos += n;
	}
	spin_unlock_irqrestore(&printk_lock, flags);
}

/* Called with printk_lock held (or in panic mode): buffered NMI lines go
 * first, they were written earlier than the line that is flushing them. */
static void log_emit(const char *s, size_t n)
{
	log_append(s, n);
	console_write(s, n);
}

static size_t time_prefix(char *buf, size_t size)
{
	uint64_t ns = ktime_ns();
	int n = snprintf(buf, size, "[%5llu.%06llu] ",
			 (unsigned long long)(ns / 1000000000u),
			 (unsigned long long)(ns % 1000000000u / 1000));
	return (size_t)n < size ? (size_t)n : size - 1;
}

/* Take printk_lock unless panic() has switched to lockless output, and
 * drain the NMI buffers first.  Return: whether the lock was taken. */
static bool printk_begin(unsigned long *flags)
{
	bool locked = !READ_ONCE(panic_mode);
	if (locked)
		spin_lock_irqsave(&printk_lock, *flags);
	if (printk_nmi_pending())
		printk_nmi_drain(log_emit);
	return locked;
}

static void printk_end(bool locked, unsigned long flags)
{
	if (locked)
		spin_unlock_irqrestore(&printk_lock, flags);
}

int vprintk(const char *fmt, va_list ap)
{
	char line[512];
	int level = LOGLEVEL_DEFAULT;

	if (fmt[0] == '<' && fmt[1] >= '0' && fmt[1] <= '7' && fmt[2] == '>') {
		level = fmt[1] - '0';
		fmt += 3;
	}
	/* Room for the time prefix, written in front under the lock. */
	enum { PREFIX_MAX = 24 };
	char *text = line + PREFIX_MAX;
	size_t room = sizeof(line) - PREFIX_MAX;
	int body = vsnprintf(text, room, fmt, ap);
	size_t len = strnlen(text, room - 1);
	if (len == room - 2 && body > (int)(room - 1))
		text[len - 1] = '\n';  /* truncated: still end the line */

	if (in_nmi() && !READ_ONCE(panic_mode)) {
		/* No lock, no wait: into this CPU's NMI buffer, stamped now. */
		char pre[PREFIX_MAX];
		size_t p = time_prefix(pre, sizeof(pre));
		memcpy(text - p, pre, p);
		printk_nmi_store(text - p, p + len);
		return body;
	}

	unsigned long flags = 0;
	bool locked = printk_begin(&flags);
	char pre[PREFIX_MAX];
	size_t p = time_prefix(pre, sizeof(pre));
	memcpy(text - p, pre, p);
	log_append(text - p, p + len);
	if (level <= READ_ONCE(console_level))
		console_write(text - p, p + len);
	printk_end(locked, flags);
	return body;
}

void printk_raw(const char *s)
{
	size_t len = strlen(s);
	if (in_nmi() && !READ_ONCE(panic_mode)) {
		printk_nmi_store(s, len);
		return;
	}
	unsigned long flags = 0;
	bool locked = printk_begin(&flags);
	log_emit(s, len);
	printk_end(locked, flags);
}

void printk_nmi_flush(void)
{
	if (!printk_nmi_pending() || in_nmi() || READ_ONCE(panic_mode))
		return;
	/* Called from the tick: never wait.  If printk_lock is busy, its
	 * holder may be printing (and so draining) already; if not, a later
	 * tick tries again. */
	unsigned long flags;
	local_irq_save(flags);
	if (spin_trylock(&printk_lock)) {
		printk_nmi_drain(log_emit);
		spin_unlock(&printk_lock);
	}
	local_irq_restore(flags);
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vprintk(fmt, ap);
	va_end(ap);
	return r;
}
