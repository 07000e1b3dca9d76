/*
 * kernel/fs/tty.c - the console as a terminal: the open file behind fds
 * 0, 1 and 2 of a program started from the monitor (`run`, `init=`).
 *
 * A read blocks until a whole line has been typed, echoing and editing as
 * it goes (lib/ldisc.c: backspace, Ctrl-U, Enter, Ctrl-D), then returns
 * the line, '\n' included; a read shorter than the line leaves the rest
 * for the next read, as a canonical-mode terminal does.  Ctrl-D on an
 * empty line reads as end of file.  Writes go to the console like every
 * other console write (through printk's line serialisation).
 *
 * Invariant: one line discipline, under tty_lock; line[line_off..line_len)
 * is the part of a finished line not yet read.  Only one reader edits at
 * a time (the serial line has one input, and two readers interleaving
 * keystrokes would make nonsense of both lines).
 *
 * Sleeping for input (no lost wakeup): the reader queues itself on
 * console_input_wq and marks itself blocked (prepare_to_wait(), under the
 * queue's lock) before it polls the receive ring (serial_rx_lock); the
 * receive interrupt puts the bytes in the ring under serial_rx_lock and
 * then calls console_input_arrived(), whose wake_up() takes the queue's
 * lock.  So either the interrupt finds the reader queued and wakes it, or
 * the reader's poll, ordered after its queueing by the queue lock's
 * release/acquire, finds the bytes.  The sleep also has a timeout
 * (TTY_POLL_NS): without a routed serial IRQ (no I/O APIC) nobody wakes
 * the queue, and the timeout is how the reader polls; a killed reader
 * leaves at the latest then, with EINTR.
 *
 * Lock order: tty_lock, then console_input_wq's lock or serial_rx_lock
 * (never both at once).  Copying the line out to the user may fault, so
 * mmap_lock nests inside tty_lock, as it does inside a pipe's lock.
 *
 * Processes started by the kernel for tests (ktest, spawn) get
 * console_fops instead (chardev.c), whose reads return end of file: no
 * test ever waits for a keyboard.
 */
#include "kernel/fs/internal.h"
#include "kernel/console.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/sched/wait.h"
#include "lib/ldisc.h"

#define TTY_POLL_NS 50000000ull         /* 50 ms: the no-IRQ poll, the kill check */

static struct mutex tty_lock;
static struct ldisc tty_ldisc;          /* under tty_lock */
static size_t line_off, line_len;       /* under tty_lock: the unread rest */

void tty_init(void)
{
	mutex_init(&tty_lock);
}

/* The next input byte; sleeps for it.  Return: the byte or -EINTR. */
static int tty_getc(void)
{
	struct wait_entry we;
	int c;
	wait_entry_init(&we, false);
	for (;;) {
		prepare_to_wait(&console_input_wq, &we);
		c = console_getc();
		if (c >= 0 || fs_current_dying())
			break;
		schedule_timeout(TTY_POLL_NS);
	}
	finish_wait(&console_input_wq, &we);
	return c >= 0 ? c : -EINTR;
}

/* Edit a new line into tty_ldisc.  Return: its length (0: end of file)
 * or -EINTR.  Context: tty_lock held. */
static long tty_read_line(void)
{
	ldisc_reset(&tty_ldisc);
	for (;;) {
		int c = tty_getc();
		if (c < 0)
			return c;
		char echo[4];
		enum ldisc_result r = ldisc_input(&tty_ldisc, c, echo);
		if (echo[0])
			printk_raw(echo);
		if (r == LDISC_EOF)
			return 0;
		if (r == LDISC_LINE)
			return (long)tty_ldisc.len;
	}
}

static long tty_read(struct file *f, const struct iobuf *io, uint64_t *pos)
{
	(void)f, (void)pos;
	if (!io->len)
		return 0;
	mutex_lock(&tty_lock);
	long r = 0;
	if (line_off == line_len) {
		r = tty_read_line();
		line_off = 0;
		line_len = r > 0 ? (size_t)r : 0;
	}
	if (r >= 0 && line_len) {
		size_t n = line_len - line_off < io->len ? line_len - line_off : io->len;
		r = iobuf_copy_out(io, 0, tty_ldisc.buf + line_off, n);
		if (r == 0) {
			line_off += n;
			r = (long)n;
		}
	}
	mutex_unlock(&tty_lock);
	return r;
}

const struct file_operations tty_fops = {
	.read = tty_read,
	.write = console_dev_write,
};
