/*
 * kernel/fs/fdtable.c - descriptor tables (see fdtable.h).
 *
 * Invariant: a non-NULL fd[N] holds one reference on its file, and bit N
 * of cloexec is set only while fd[N] is.  Slots change under ft->lock (a
 * spinlock: threads of one process may open and close at once); a file is
 * never fput() under it, since the last put may sleep (a pipe's release
 * takes its mutex).  So closing detaches the file under the lock and puts
 * it after; fd_get() takes its reference under the lock, so a concurrent
 * close cannot free the file between the read of the slot and the get.
 */
#include "kernel/fs/fdtable.h"
#include "kernel/fs/fs.h"
#include "kernel/errno.h"
#include "mm/kmalloc.h"

struct fdtable *fdtable_create(struct inode *cwd)
{
	struct fdtable *ft = kzalloc(sizeof(*ft));
	if (!ft)
		return NULL;
	spin_lock_init(&ft->lock);
	ft->cwd = iget(cwd);
	return ft;
}

struct fdtable *fdtable_create_console(bool tty)
{
	struct fdtable *ft = fdtable_create(fs_root());
	struct file *con = ft ? console_open(tty) : NULL;
	if (!con) {
		if (ft)
			fdtable_destroy(ft);
		return NULL;
	}
	/* One open file behind 0, 1 and 2, as a shell's terminal is. */
	ft->fd[0] = con;
	ft->fd[1] = fget(con);
	ft->fd[2] = fget(con);
	return ft;
}

void fdtable_destroy(struct fdtable *ft)
{
	/* Nobody else uses the table any more (the process's last thread
	 * is leaving): no lock needed. */
	for (int i = 0; i < FD_MAX; i++)
		if (ft->fd[i])
			fput(ft->fd[i]);
	iput(ft->cwd);
	kfree(ft);
}

struct fdtable *fdtable_dup_for_fork(struct fdtable *ft)
{
	struct fdtable *c = kzalloc(sizeof(*c));
	if (!c)
		return NULL;
	spin_lock_init(&c->lock);
	spin_lock(&ft->lock);
	for (int i = 0; i < FD_MAX; i++)
		if (ft->fd[i])
			c->fd[i] = fget(ft->fd[i]);
	c->cloexec = ft->cloexec;
	c->cwd = iget(ft->cwd);
	spin_unlock(&ft->lock);
	return c;
}

void fdtable_close_on_exec(struct fdtable *ft)
{
	struct file *drop[FD_MAX];
	int n = 0;
	spin_lock(&ft->lock);
	for (int i = 0; i < FD_MAX; i++)
		if (ft->cloexec & (1ull << i)) {
			drop[n++] = ft->fd[i];
			ft->fd[i] = NULL;
		}
	WRITE_ONCE(ft->cloexec, 0);
	spin_unlock(&ft->lock);
	while (n)
		fput(drop[--n]);
}

/* Under ft->lock: the lowest free descriptor at or above @from, or -EMFILE. */
static int lowest_free(struct fdtable *ft, int from)
{
	for (int i = from; i < FD_MAX; i++)
		if (!ft->fd[i])
			return i;
	return -EMFILE;
}

/* Under ft->lock.  WRITE_ONCE: fd_cloexec() reads the word without it. */
static void set_cloexec(struct fdtable *ft, int fd, bool on)
{
	uint64_t bit = 1ull << fd;
	WRITE_ONCE(ft->cloexec, on ? ft->cloexec | bit : ft->cloexec & ~bit);
}

int fd_install(struct fdtable *ft, struct file *f, bool cloexec)
{
	spin_lock(&ft->lock);
	int fd = lowest_free(ft, 0);
	if (fd >= 0) {
		ft->fd[fd] = f;
		set_cloexec(ft, fd, cloexec);
	}
	spin_unlock(&ft->lock);
	return fd;
}

struct file *fd_get(struct fdtable *ft, int fd)
{
	if (fd < 0 || fd >= FD_MAX)
		return NULL;
	spin_lock(&ft->lock);
	struct file *f = ft->fd[fd];
	if (f)
		fget(f);
	spin_unlock(&ft->lock);
	return f;
}

int fd_close(struct fdtable *ft, int fd)
{
	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	spin_lock(&ft->lock);
	struct file *f = ft->fd[fd];
	ft->fd[fd] = NULL;
	set_cloexec(ft, fd, false);
	spin_unlock(&ft->lock);
	if (!f)
		return -EBADF;
	fput(f);
	return 0;
}

int fd_dup(struct fdtable *ft, int fd)
{
	if (fd < 0 || fd >= FD_MAX)
		return -EBADF;
	spin_lock(&ft->lock);
	int r = ft->fd[fd] ? lowest_free(ft, 0) : -EBADF;
	if (r >= 0) {
		ft->fd[r] = fget(ft->fd[fd]);
		set_cloexec(ft, r, false);
	}
	spin_unlock(&ft->lock);
	return r;
}

int fd_dup2(struct fdtable *ft, int oldfd, int newfd)
{
	if (oldfd < 0 || oldfd >= FD_MAX || newfd < 0 || newfd >= FD_MAX)
		return -EBADF;
	struct file *old = NULL;
	spin_lock(&ft->lock);
	int r = ft->fd[oldfd] ? newfd : -EBADF;
	if (r >= 0 && oldfd != newfd) {
		/* Replace in one step under the lock, as POSIX asks: no
		 * other thread sees newfd closed in between. */
		old = ft->fd[newfd];
		ft->fd[newfd] = fget(ft->fd[oldfd]);
		set_cloexec(ft, newfd, false);
	}
	spin_unlock(&ft->lock);
	if (old)
		fput(old);
	return r;
}

int fd_count(struct fdtable *ft)
{
	int n = 0;
	spin_lock(&ft->lock);
	for (int i = 0; i < FD_MAX; i++)
		n += ft->fd[i] != NULL;
	spin_unlock(&ft->lock);
	return n;
}

/* A racy snapshot (no lock): exact when nobody changes @fd meanwhile. */
bool fd_cloexec(struct fdtable *ft, int fd)
{
	return fd >= 0 && fd < FD_MAX && (READ_ONCE(ft->cloexec) & (1ull << fd));
}

struct inode *fdtable_cwd(struct fdtable *ft)
{
	spin_lock(&ft->lock);
	struct inode *d = iget(ft->cwd);
	spin_unlock(&ft->lock);
	return d;
}

void fdtable_set_cwd(struct fdtable *ft, struct inode *dir)
{
	spin_lock(&ft->lock);
	struct inode *old = ft->cwd;
	ft->cwd = dir;
	spin_unlock(&ft->lock);
	iput(old);                      /* never under the lock: may free */
}
