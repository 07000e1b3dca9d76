/*
 * kernel/fs/pipe.c - pipes: a bounded byte buffer between a read end and
 * a write end, with blocking on both sides.
 *
 * State, under pipe->lock (a mutex: copies to and from user memory happen
 * under it and may fault and sleep):
 *   head, tail     bytes written and read so far (free-running counters;
 *                  head - tail bytes are in buf, at most PIPE_BUF)
 *   readers, writers   open read and write ends
 *
 * Rules:
 *   - read: take what is there (at least one byte); none and no writer
 *     left: 0 (end of file); none but a writer: sleep on rd_wq.
 *   - write: no reader: -EPIPE (the system call then kills the writer
 *     with a SIGPIPE message).  Otherwise copy what fits and sleep on
 *     wr_wq for room; a write of at most PIPE_BUF bytes goes in whole
 *     (it waits for room for all of it), so such writes from several
 *     writers never interleave, as POSIX requires.
 *   - whoever changes a condition a sleeper waits for (data, room, the
 *     last end closing) calls wake_up() on that queue after the change.
 *
 * No lost wakeup.  A sleeper runs wait_event(), which queues itself and
 * marks itself blocked (prepare_to_wait(), under wq->lock) before it tests
 * the condition; the waker changes the state (under pipe->lock, released
 * before), then wake_up() takes wq->lock and wakes whoever is queued.
 * Either the waker's wq->lock section comes after the sleeper's, and it
 * finds the sleeper queued and wakes it; or it comes before, and then
 * the state change (before the waker's lock release) is visible to the
 * sleeper's test (after its lock acquire): release/acquire on wq->lock is
 * the pair.  The condition is read without pipe->lock (READ_ONCE of the
 * counters), which that pairing makes safe; it is re-tested under
 * pipe->lock before acting.  WAKEUP_BROKEN (wait.h) tests before queueing,
 * and the pipe tests hang, then fail their timeout: tests/kernel/fs.c.
 */
#include "kernel/fs/internal.h"
#include "kernel/errno.h"
#include "kernel/sched/wait.h"
#include "mm/kmalloc.h"

struct pipe {
	struct mutex lock;
	char *buf;                      /* PIPE_BUF bytes */
	uint64_t head, tail;            /* written under lock; READ_ONCE by sleepers */
	int readers, writers;           /* ditto */
	struct wait_queue_head rd_wq;   /* readers wait for data or no writer */
	struct wait_queue_head wr_wq;   /* writers wait for room or no reader */
};

unsigned long pipe_read_waits, pipe_write_waits;

static uint64_t pipe_used(struct pipe *p)
{
	return READ_ONCE(p->head) - READ_ONCE(p->tail);
}

static bool can_read(struct pipe *p)
{
	return pipe_used(p) || !READ_ONCE(p->writers) || fs_current_dying();
}

static bool can_write(struct pipe *p, size_t need)
{
	return PIPE_BUF - pipe_used(p) >= need || !READ_ONCE(p->readers) || fs_current_dying();
}

static long pipe_read(struct file *f, const struct iobuf *io, uint64_t *pos)
{
	(void)pos;
	struct pipe *p = f->private;
	if (!io->len)
		return 0;
	mutex_lock(&p->lock);
	while (p->head == p->tail) {
		if (!p->writers) {
			mutex_unlock(&p->lock);
			return 0;               /* end of file */
		}
		mutex_unlock(&p->lock);
		if (fs_current_dying())
			return -EINTR;
		__atomic_fetch_add(&pipe_read_waits, 1, __ATOMIC_RELAXED);
		wait_event(&p->rd_wq, can_read(p));
		mutex_lock(&p->lock);
	}
	size_t n = p->head - p->tail;
	if (n > io->len)
		n = io->len;
	size_t done = 0;
	long err = 0;
	while (done < n) {              /* at most two pieces: the ring wraps */
		size_t at = (p->tail + done) % PIPE_BUF;
		size_t piece = PIPE_BUF - at < n - done ? PIPE_BUF - at : n - done;
		err = iobuf_copy_out(io, done, p->buf + at, piece);
		if (err)
			break;
		done += piece;
	}
	WRITE_ONCE(p->tail, p->tail + done);
	mutex_unlock(&p->lock);
	if (done)
		wake_up(&p->wr_wq);     /* room: after the change (the header) */
	return done ? (long)done : err;
}

static long pipe_write(struct file *f, const struct iobuf *io, uint64_t *pos)
{
	(void)pos;
	struct pipe *p = f->private;
	size_t done = 0;
	long err = 0;
	mutex_lock(&p->lock);
	while (done < io->len) {
		if (!p->readers) {
			err = -EPIPE;
			break;
		}
		size_t left = io->len - done;
		/* A write of at most PIPE_BUF waits for room for all of it. */
		size_t need = io->len <= PIPE_BUF ? left : 1;
		size_t room = PIPE_BUF - (p->head - p->tail);
		if (room < need) {
			mutex_unlock(&p->lock);
			if (done)
				wake_up(&p->rd_wq);     /* what we wrote so far */
			if (fs_current_dying())
				return done ? (long)done : -EINTR;
			__atomic_fetch_add(&pipe_write_waits, 1, __ATOMIC_RELAXED);
			wait_event(&p->wr_wq, can_write(p, need));
			mutex_lock(&p->lock);
			continue;
		}
		size_t n = left < room ? left : room;
		size_t put = 0;
		while (put < n) {
			size_t at = (p->head + put) % PIPE_BUF;
			size_t piece = PIPE_BUF - at < n - put ? PIPE_BUF - at : n - put;
			err = iobuf_copy_in(io, done + put, p->buf + at, piece);
			if (err)
				break;
			put += piece;
		}
		WRITE_ONCE(p->head, p->head + put);
		done += put;
		if (err)
			break;
	}
	mutex_unlock(&p->lock);
	if (done)
		wake_up(&p->rd_wq);     /* data: after the change (the header) */
	return done ? (long)done : err;
}

/* One end closed: the last reader wakes blocked writers (they get EPIPE),
 * the last writer wakes blocked readers (they get end of file). */
static void pipe_release(struct file *f)
{
	struct pipe *p = f->private;
	if (!p)
		return;                 /* pipe_create() failed half way */
	bool reader = f->ops->read != NULL;
	mutex_lock(&p->lock);
	if (reader)
		WRITE_ONCE(p->readers, p->readers - 1);
	else
		WRITE_ONCE(p->writers, p->writers - 1);
	bool last = !p->readers && !p->writers;
	mutex_unlock(&p->lock);
	wake_up(reader ? &p->wr_wq : &p->rd_wq);
	if (last) {
		/* Both ends closed: no file points here, nobody sleeps here
		 * (a sleeper holds a file reference). */
		kfree(p->buf);
		kfree(p);
	}
}

static const struct file_operations pipe_read_ops = {
	.read = pipe_read,
	.release = pipe_release,
};

static const struct file_operations pipe_write_ops = {
	.write = pipe_write,
	.release = pipe_release,
};

int pipe_create(struct file **rd, struct file **wr)
{
	struct pipe *p = kzalloc(sizeof(*p));
	char *buf = p ? kmalloc(PIPE_BUF) : NULL;
	struct inode *ino = buf ? inode_alloc(S_IFIFO | 0600) : NULL;
	struct file *r = ino ? file_alloc(ino, O_RDONLY, &pipe_read_ops) : NULL;
	struct file *w = r ? file_alloc(ino, O_WRONLY, &pipe_write_ops) : NULL;
	if (ino)
		iput(ino);              /* the files hold it */
	if (!w) {
		if (r)
			fput(r);        /* ->private still NULL: release does nothing */
		kfree(buf);
		kfree(p);
		return -ENOMEM;
	}
	mutex_init(&p->lock);
	p->buf = buf;
	p->readers = p->writers = 1;
	init_waitqueue_head(&p->rd_wq);
	init_waitqueue_head(&p->wr_wq);
	r->private = w->private = p;
	*rd = r;
	*wr = w;
	return 0;
}
