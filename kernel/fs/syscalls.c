/*
 * kernel/fs/syscalls.c - the file system calls: argument checking, user
 * memory, descriptors; the work is done by file.c, namei.c and pipe.c.
 *
 * Every user pointer goes through the uaccess helpers (a path through
 * strncpy_from_user(), buffers through copy_to_user()/copy_from_user()
 * inside iobuf_copy_*()), so a bad one is -EFAULT and the kernel goes on.
 * Paths of FS_PATH_MAX bytes or more are -ENAMETOOLONG.  A write to a
 * pipe with no reader kills the writer with a SIGPIPE message after the
 * call has dropped everything it held.
 */
#include "kernel/fs/syscalls.h"
#include "kernel/fs/fdtable.h"
#include "kernel/fs/internal.h"
#include "kernel/errno.h"
#include "kernel/proc/process.h"
#include "kernel/sched/thread.h"
#include "mm/uaccess.h"

bool fs_current_dying(void)
{
	struct process *p = current->proc;
	/* Only a sleep's exit test: no data hangs on it (the kill path
	 * orders what it needs with its own release/acquire). */
	return p && READ_ONCE(p->killed);
}

static struct fdtable *files(void)
{
	return current->proc->files;
}

/* A user path into @buf (FS_PATH_MAX bytes). Return: 0, -EFAULT, -ENAMETOOLONG. */
static int get_path(uintptr_t upath, char *buf)
{
	long r = strncpy_from_user(buf, (const char *)upath, FS_PATH_MAX);
	if (r == -E2BIG)
		return -ENAMETOOLONG;
	return r < 0 ? (int)r : 0;
}

/* A user buffer and the file of @fd (with a reference: fput() it). */
static int user_io(int fd, uintptr_t addr, uint64_t len, struct iobuf *io, struct file **f)
{
	if ((int64_t)len < 0 || !access_ok(addr, len))
		return -EFAULT;
	*io = (struct iobuf){ .addr = addr, .len = len, .user = true };
	*f = fd_get(files(), fd);
	return *f ? 0 : -EBADF;
}

/* Kill the caller for a write to a pipe with no reader (POSIX: SIGPIPE,
 * whose default action ends the process).  Nothing is held here. */
static long sigpipe(long r)
{
	if (r == -EPIPE)
		process_kill_current_signal(SIGPIPE, "SIGPIPE", "write to a pipe with no reader");
	return r;
}

enum rw { RW_READ, RW_WRITE, RW_PREAD, RW_PWRITE };

static long do_rw(int fd, uintptr_t buf, uint64_t len, int64_t pos, enum rw how)
{
	struct iobuf io;
	struct file *f;
	int e = user_io(fd, buf, len, &io, &f);
	if (e)
		return e;
	long r = how == RW_READ ? vfs_read(f, &io) :
		 how == RW_WRITE ? vfs_write(f, &io) :
		 how == RW_PREAD ? vfs_pread(f, &io, pos) : vfs_pwrite(f, &io, pos);
	fput(f);
	return how == RW_WRITE ? sigpipe(r) : r;
}

long sys_read(int fd, uintptr_t buf, uint64_t len) { return do_rw(fd, buf, len, 0, RW_READ); }
long sys_write(int fd, uintptr_t buf, uint64_t len) { return do_rw(fd, buf, len, 0, RW_WRITE); }
long sys_pread64(int fd, uintptr_t buf, uint64_t len, int64_t pos) { return do_rw(fd, buf, len, pos, RW_PREAD); }
long sys_pwrite64(int fd, uintptr_t buf, uint64_t len, int64_t pos) { return do_rw(fd, buf, len, pos, RW_PWRITE); }

long sys_openat(int dirfd, uintptr_t upath, unsigned flags, unsigned mode)
{
	char path[FS_PATH_MAX];
	int r = get_path(upath, path);
	if (r)
		return r;
	/* Only AT_FDCWD: descriptors of directories as bases are not
	 * supported (ENOSYS, docs/files.md).  An absolute path ignores
	 * dirfd, as POSIX says. */
	if (dirfd != AT_FDCWD && path[0] != '/')
		return -ENOSYS;
	struct inode *cwd = fdtable_cwd(files());
	struct file *f;
	r = vfs_open(cwd, path, flags, mode, &f);
	iput(cwd);
	if (r)
		return r;
	r = fd_install(files(), f, flags & O_CLOEXEC);
	if (r < 0)
		fput(f);
	return r;
}

long sys_open(uintptr_t upath, unsigned flags, unsigned mode)
{
	return sys_openat(AT_FDCWD, upath, flags, mode);
}

long sys_close(int fd)
{
	return fd_close(files(), fd);
}

static long put_stat(struct inode *ino, uintptr_t ust)
{
	struct stat st;
	inode_stat(ino, &st);
	return copy_to_user((void *)ust, &st, sizeof(st)) ? -EFAULT : 0;
}

/* Run @fn(cwd, path) on a user path, relative to the caller's cwd. */
static long with_path(uintptr_t upath, int (*fn)(struct inode *cwd, const char *path, void *arg),
		      void *arg)
{
	char path[FS_PATH_MAX];
	int r = get_path(upath, path);
	if (r)
		return r;
	struct inode *cwd = fdtable_cwd(files());
	r = fn(cwd, path, arg);
	iput(cwd);
	return r;
}

static int stat_fn(struct inode *cwd, const char *path, void *arg)
{
	struct inode *ino;
	int r = path_lookup(cwd, path, &ino);
	if (r)
		return r;
	r = (int)put_stat(ino, (uintptr_t)arg);
	iput(ino);
	return r;
}

long sys_stat(uintptr_t upath, uintptr_t ust)
{
	return with_path(upath, stat_fn, (void *)ust);
}

long sys_fstat(int fd, uintptr_t ust)
{
	struct file *f = fd_get(files(), fd);
	if (!f)
		return -EBADF;
	long r = put_stat(f->inode, ust);
	fput(f);
	return r;
}

long sys_lseek(int fd, int64_t off, int whence)
{
	struct file *f = fd_get(files(), fd);
	if (!f)
		return -EBADF;
	long r = vfs_lseek(f, off, whence);
	fput(f);
	return r;
}

long sys_pipe(uintptr_t ufds)
{
	if (!access_ok(ufds, 2 * sizeof(int)))
		return -EFAULT;
	struct file *rd, *wr;
	int r = pipe_create(&rd, &wr);
	if (r)
		return r;
	int fds[2] = { fd_install(files(), rd, false), -1 };
	if (fds[0] < 0) {
		fput(rd);
		fput(wr);
		return fds[0];
	}
	fds[1] = fd_install(files(), wr, false);
	if (fds[1] < 0) {
		fd_close(files(), fds[0]);
		fput(wr);
		return fds[1];
	}
	if (copy_to_user((void *)ufds, fds, sizeof(fds))) {
		fd_close(files(), fds[0]);
		fd_close(files(), fds[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_dup(int fd) { return fd_dup(files(), fd); }
long sys_dup2(int oldfd, int newfd) { return fd_dup2(files(), oldfd, newfd); }

long sys_ftruncate(int fd, int64_t len)
{
	struct file *f = fd_get(files(), fd);
	if (!f)
		return -EBADF;
	long r = (f->flags & O_ACCMODE) == O_RDONLY ? -EINVAL : vfs_truncate(f->inode, len);
	fput(f);
	return r;
}

long sys_getcwd(uintptr_t ubuf, uint64_t size)
{
	char buf[FS_PATH_MAX];
	struct inode *cwd = fdtable_cwd(files());
	long r = fs_getcwd(cwd, buf, size < sizeof(buf) ? size : sizeof(buf));
	iput(cwd);
	if (r > 0 && copy_to_user((void *)ubuf, buf, (size_t)r))
		r = -EFAULT;
	return r;
}

static int chdir_fn(struct inode *cwd, const char *path, void *arg)
{
	(void)arg;
	struct inode *ino;
	int r = path_lookup(cwd, path, &ino);
	if (r)
		return r;
	if (!S_ISDIR(ino->mode)) {
		iput(ino);
		return -ENOTDIR;
	}
	fdtable_set_cwd(files(), ino);
	return 0;
}

long sys_chdir(uintptr_t upath) { return with_path(upath, chdir_fn, NULL); }

static int mkdir_fn(struct inode *cwd, const char *path, void *arg)
{
	return fs_mkdir(cwd, path, (unsigned)(uintptr_t)arg);
}

static int rmdir_fn(struct inode *cwd, const char *path, void *arg)
{
	(void)arg;
	return fs_rmdir(cwd, path);
}

static int unlink_fn(struct inode *cwd, const char *path, void *arg)
{
	(void)arg;
	return fs_unlink(cwd, path);
}

long sys_mkdir(uintptr_t upath, unsigned mode) { return with_path(upath, mkdir_fn, (void *)(uintptr_t)mode); }
long sys_rmdir(uintptr_t upath) { return with_path(upath, rmdir_fn, NULL); }
long sys_unlink(uintptr_t upath) { return with_path(upath, unlink_fn, NULL); }

long sys_getdents64(int fd, uintptr_t buf, uint64_t len)
{
	struct iobuf io;
	struct file *f;
	int e = user_io(fd, buf, len, &io, &f);
	if (e)
		return e;
	long r = vfs_getdents(f, &io);
	fput(f);
	return r;
}
