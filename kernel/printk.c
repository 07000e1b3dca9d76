/*
 * kernel/printk.c - formatted logging into a ring buffer and the consoles.
 *
 * A message is formatted on the caller's stack, prefixed with the time
 * since boot, appended to log_buf and written to the consoles, all under
 * printk_lock with interrupts off, so lines of different CPUs never mix.
 * After a panic the lock is no longer taken (its holder may be a CPU that
 * panic() stopped), trading tidy output for output at all.
 *
 * gdb: `print-log` in scripts/gdb/kernel.py prints log_buf, e.g. after a
 * hang; the buffer is log_buf[log_head - LOG_BUF_SIZE .. log_head).
 */
#include "kernel/printk.h"
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

void printk_set_console_level(int level)
{
	if (level < 0)
		level = 0;
	if (level > 7)
		level = 7;
	console_level = level;
}

int printk_console_level(void) { return console_level; }

void printk_panic_mode(void)
{
	panic_mode = true;
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

int vprintk(const char *fmt, va_list ap)
{
	char line[512];
	int level = LOGLEVEL_DEFAULT;

	if (fmt[0] == '<' && fmt[1] >= '0' && fmt[1] <= '7' && fmt[2] == '>') {
		level = fmt[1] - '0';
		fmt += 3;
	}
	uint64_t ns = ktime_ns();
	int n = snprintf(line, sizeof(line), "[%5llu.%06llu] ",
			 (unsigned long long)(ns / 1000000000u),
			 (unsigned long long)(ns % 1000000000u / 1000));
	int body = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	size_t len = strnlen(line, sizeof(line) - 1);
	if (len == sizeof(line) - 2 && body > (int)(sizeof(line) - (size_t)n - 1))
		line[len - 1] = '\n';   /* truncated: still end the line */

	unsigned long flags = 0;
	bool locked = !panic_mode;
	if (locked)
		spin_lock_irqsave(&printk_lock, flags);
	log_append(line, len);
	if (level <= console_level)
		console_write(line, len);
	if (locked)
		spin_unlock_irqrestore(&printk_lock, flags);
	return body;
}

void printk_raw(const char *s)
{
	size_t len = strlen(s);
	unsigned long flags = 0;
	bool locked = !panic_mode;
	if (locked)
		spin_lock_irqsave(&printk_lock, flags);
	log_append(s, len);
	console_write(s, len);
	if (locked)
		spin_unlock_irqrestore(&printk_lock, flags);
}

int printk(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vprintk(fmt, ap);
	va_end(ap);
	return r;
}
