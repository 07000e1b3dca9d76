/*
 * kernel/fs/chardev.c - the character devices under /dev: the console
 * (what fds 0, 1 and 2 of every process start on) and null.
 *
 * The console's output goes through the kernel log, like everything the
 * console shows, so a user line and a kernel line never interleave
 * mid-line.  Its input belongs to the monitor (the serial line is read by
 * one reader only): a read of this console returns 0, end of file, and
 * docs/files.md says so.  The programs the monitor runs get the terminal
 * instead (tty.c), whose reads wait for a typed line.  No state, no
 * locks: printk serialises.
 */
#include "kernel/fs/internal.h"
#include "kernel/errno.h"
#include "kernel/printk.h"

#define CONSOLE_WRITE_MAX (1u << 20)    /* one call prints at most this much */

static long console_dev_read(struct file *f, const struct iobuf *io, uint64_t *pos)
{
	(void)f, (void)io, (void)pos;
	return 0;
}

long console_dev_write(struct file *f, const struct iobuf *io, uint64_t *pos)
{
	(void)f, (void)pos;
	size_t len = io->len < CONSOLE_WRITE_MAX ? io->len : CONSOLE_WRITE_MAX;
	char chunk[256];
	size_t done = 0;
	while (done < len) {
		size_t n = len - done < sizeof(chunk) - 1 ? len - done : sizeof(chunk) - 1;
		if (iobuf_copy_in(io, done, chunk, n))
			return done ? (long)done : -EFAULT;
		chunk[n] = 0;
		/* NULs inside user data end the chunk early: harmless. */
		printk_raw(chunk);
		done += n;
	}
	return (long)done;
}

const struct file_operations console_fops = {
	.read = console_dev_read,
	.write = console_dev_write,
};

static long null_read(struct file *f, const struct iobuf *io, uint64_t *pos)
{
	(void)f, (void)io, (void)pos;
	return 0;
}

static long null_write(struct file *f, const struct iobuf *io, uint64_t *pos)
{
	(void)f, (void)pos;
	return (long)io->len;
}

const struct file_operations null_fops = {
	.read = null_read,
	.write = null_write,
};
