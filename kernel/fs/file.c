/*
 * kernel/fs/file.c - open files: open(), the reference count, and reading,
 * writing, seeking and truncating regular files through the page cache.
 *
 * Invariants:
 *   - A file's offset changes only under its pos_lock, so two threads
 *     sharing one open file (dup, threads) never use the same offset
 *     twice, as POSIX requires of read()/write() on a regular file.
 *   - A regular file's size and bytes change only under its i_rwsem held
 *     for write; read() holds it for read, so a read sees each write whole
 *     or not at all (the coherence the tests check across CPUs).
 *   - Bytes past the size are zero in every cached page: truncate zeroes
 *     the tail of the page that holds the new end, so a later extension
 *     (write past the end, or ftruncate up) reads zeroes there.
 */
#include "kernel/fs/internal.h"
#include "kernel/errno.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "mm/uaccess.h"
#include "lib/string.h"
#include "user/programs.h"

static const char zeroes[PAGE_SIZE];

int iobuf_copy_out(const struct iobuf *io, size_t off, const void *src, size_t n)
{
	if (io->user)
		return copy_to_user((void *)(io->addr + off), src, n) ? -EFAULT : 0;
	memcpy((char *)io->addr + off, src, n);
	return 0;
}

int iobuf_copy_in(const struct iobuf *io, size_t off, void *dst, size_t n)
{
	if (io->user)
		return copy_from_user(dst, (const void *)(io->addr + off), n) ? -EFAULT : 0;
	memcpy(dst, (const char *)io->addr + off, n);
	return 0;
}

struct file *file_alloc(struct inode *ino, unsigned flags, const struct file_operations *ops)
{
	struct file *f = kzalloc(sizeof(*f));
	if (!f)
		return NULL;
	atomic_set(&f->f_count, 1);
	f->inode = iget(ino);
	f->flags = flags;
	f->ops = ops;
	mutex_init(&f->pos_lock);
	return f;
}

void fput(struct file *f)
{
	if (!atomic_dec_and_test(&f->f_count))
		return;
	if (f->ops->release)
		f->ops->release(f);
	iput(f->inode);                 /* an unlinked file's last: its pages go */
	kfree(f);
}

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

/* ---- regular files --------------------------------------------------------- */

static long tmpfs_read(struct file *f, const struct iobuf *io, uint64_t *pos)
{
	struct inode *ino = f->inode;
	size_t done = 0;
	long err = 0;
	down_read(&ino->i_rwsem);
	uint64_t size = ino->size;
	while (done < io->len && *pos < size) {
		size_t off = *pos % PAGE_SIZE;
		size_t n = min_sz(min_sz(PAGE_SIZE - off, io->len - done), size - *pos);
		/* The lookup the fault path will share (filemap.h): no lock
		 * but RCU; i_rwsem keeps writers and truncate out meanwhile. */
		struct page *p = filemap_get_page(&ino->mapping, *pos / PAGE_SIZE);
		err = iobuf_copy_out(io, done, p ? (char *)page_address(p) + off : zeroes + off, n);
		if (p)
			put_page(p);
		if (err)
			break;
		done += n;
		*pos += n;
	}
	up_read(&ino->i_rwsem);
	return done ? (long)done : err;
}

static long tmpfs_write(struct file *f, const struct iobuf *io, uint64_t *pos)
{
	struct inode *ino = f->inode;
	size_t done = 0;
	long err = 0;
	down_write(&ino->i_rwsem);
	if (f->flags & O_APPEND)
		*pos = ino->size;
	if (io->len && *pos >= TMPFS_FILE_MAX)
		err = -EFBIG;
	size_t len = err ? 0 : min_sz(io->len, TMPFS_FILE_MAX - *pos);
	while (done < len) {
		size_t off = *pos % PAGE_SIZE;
		size_t n = min_sz(PAGE_SIZE - off, len - done);
		struct page *p;
		err = filemap_grab_page(&ino->mapping, *pos / PAGE_SIZE, &p);
		if (err)
			break;
		err = iobuf_copy_in(io, done, (char *)page_address(p) + off, n);
		put_page(p);
		if (err)
			break;
		done += n;
		*pos += n;
	}
	if (*pos > ino->size)
		WRITE_ONCE(ino->size, *pos);    /* stat reads it without the lock */
	up_write(&ino->i_rwsem);
	return done ? (long)done : err;
}

const struct file_operations tmpfs_file_ops = {
	.read = tmpfs_read,
	.write = tmpfs_write,
	.seekable = true,
};

int vfs_truncate(struct inode *ino, int64_t len)
{
	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (!S_ISREG(ino->mode) || len < 0)
		return -EINVAL;
	if (ino->program)
		return -EROFS;
	if ((uint64_t)len > TMPFS_FILE_MAX)
		return -EFBIG;
	down_write(&ino->i_rwsem);
	if ((uint64_t)len < ino->size) {
		/* Shrinking: the new size first, then every mapping's PTEs
		 * past it zapped, then the pages dropped from the cache (so no
		 * fault can map a dropped page, nor insert one past the end:
		 * mm/filemap_fault.c), then the tail of the page that holds
		 * the new end zeroed (the invariant). */
		WRITE_ONCE(ino->size, (uint64_t)len);
		uint64_t first = ((uint64_t)len + PAGE_SIZE - 1) / PAGE_SIZE;
		unmap_mapping_range(&ino->mapping, first);
		filemap_truncate(&ino->mapping, first);
		if (len % PAGE_SIZE) {
			struct page *p = filemap_get_page(&ino->mapping, (uint64_t)len / PAGE_SIZE);
			if (p) {
				memset((char *)page_address(p) + len % PAGE_SIZE, 0,
				       PAGE_SIZE - len % PAGE_SIZE);
				put_page(p);
			}
		}
	}
	WRITE_ONCE(ino->size, (uint64_t)len);
	up_write(&ino->i_rwsem);
	return 0;
}

/* ---- /bin entries and directories ----------------------------------------- */

static long program_read(struct file *f, const struct iobuf *io, uint64_t *pos)
{
	const struct user_program *prog = f->inode->program;
	if (*pos >= prog->size)
		return 0;
	size_t n = min_sz(io->len, prog->size - *pos);
	if (iobuf_copy_out(io, 0, prog->start + *pos, n))
		return -EFAULT;
	*pos += n;
	return (long)n;
}

const struct file_operations program_file_ops = {
	.read = program_read,
	.seekable = true,
};

const struct file_operations tmpfs_dir_ops = {
	.seekable = true,               /* read() gives EISDIR: vfs_read() */
};

/* ---- the calls ---------------------------------------------------------------- */

int vfs_open(struct inode *cwd, const char *path, unsigned flags, unsigned mode, struct file **out)
{
	unsigned acc = flags & O_ACCMODE;
	if ((flags & ~O_VALID_FLAGS) || acc == O_ACCMODE)
		return -EINVAL;
	struct inode *ino;
	int r = fs_open_inode(cwd, path, flags, mode, &ino);
	if (r)
		return r;
	const struct file_operations *ops = &tmpfs_file_ops;
	if (S_ISDIR(ino->mode)) {
		ops = &tmpfs_dir_ops;
		if (acc != O_RDONLY || (flags & (O_TRUNC | O_CREAT)))
			r = -EISDIR;
	} else if (flags & O_DIRECTORY) {
		r = -ENOTDIR;
	} else if (ino->program) {
		ops = &program_file_ops;
		if (acc != O_RDONLY || (flags & O_TRUNC))
			r = -EROFS;
	} else if (S_ISCHR(ino->mode)) {
		ops = ino->fops;
	} else if ((flags & O_TRUNC) && acc != O_RDONLY) {
		r = vfs_truncate(ino, 0);
	}
	struct file *f = r ? NULL : file_alloc(ino, flags & (O_ACCMODE | O_APPEND), ops);
	if (!r && !f)
		r = -ENOMEM;
	iput(ino);                      /* the file holds its own */
	*out = f;
	return r;
}

static bool readable(struct file *f) { return (f->flags & O_ACCMODE) != O_WRONLY; }
static bool writable(struct file *f) { return (f->flags & O_ACCMODE) != O_RDONLY; }

/* Run @op at the file's offset (under pos_lock), or at none for streams. */
static long at_offset(struct file *f, const struct iobuf *io,
		      long (*op)(struct file *, const struct iobuf *, uint64_t *))
{
	if (!op)
		return S_ISDIR(f->inode->mode) ? -EISDIR : -EINVAL;
	if (!f->ops->seekable) {
		uint64_t none = 0;
		return op(f, io, &none);
	}
	mutex_lock(&f->pos_lock);
	long r = op(f, io, &f->pos);
	mutex_unlock(&f->pos_lock);
	return r;
}

long vfs_read(struct file *f, const struct iobuf *io)
{
	return readable(f) ? at_offset(f, io, f->ops->read) : -EBADF;
}

long vfs_write(struct file *f, const struct iobuf *io)
{
	return writable(f) ? at_offset(f, io, f->ops->write) : -EBADF;
}

/* pread/pwrite: @op at @pos, the file's offset untouched. */
static long at_pos(struct file *f, const struct iobuf *io, int64_t pos, bool allowed,
		   long (*op)(struct file *, const struct iobuf *, uint64_t *))
{
	if (!allowed)
		return -EBADF;
	if (!f->ops->seekable)
		return -ESPIPE;
	if (pos < 0)
		return -EINVAL;
	if (!op)
		return S_ISDIR(f->inode->mode) ? -EISDIR : -EINVAL;
	uint64_t p = (uint64_t)pos;
	return op(f, io, &p);
}

long vfs_pread(struct file *f, const struct iobuf *io, int64_t pos)
{
	return at_pos(f, io, pos, readable(f), f->ops->read);
}

long vfs_pwrite(struct file *f, const struct iobuf *io, int64_t pos)
{
	return at_pos(f, io, pos, writable(f), f->ops->write);
}

int64_t vfs_lseek(struct file *f, int64_t off, int whence)
{
	if (!f->ops->seekable)
		return -ESPIPE;
	mutex_lock(&f->pos_lock);
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)f->pos :
		       whence == SEEK_END ? (int64_t)READ_ONCE(f->inode->size) : -1;
	int64_t r;
	if (base < 0 || (S_ISDIR(f->inode->mode) && whence != SEEK_SET))
		r = -EINVAL;
	else if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		r = -EINVAL;
	else
		r = base + off;
	if (r >= 0)
		f->pos = (uint64_t)r;
	mutex_unlock(&f->pos_lock);
	return r;
}

long vfs_getdents(struct file *f, const struct iobuf *io)
{
	if (!S_ISDIR(f->inode->mode))
		return -ENOTDIR;
	mutex_lock(&f->pos_lock);
	long r = fs_readdir(f->inode, io, &f->pos);
	mutex_unlock(&f->pos_lock);
	return r;
}

struct file *console_open(bool tty)
{
	struct inode *con;
	if (path_lookup(fs_root(), "/dev/console", &con))
		return NULL;
	struct file *f = file_alloc(con, O_RDWR, tty ? &tty_fops : &console_fops);
	iput(con);
	return f;
}
