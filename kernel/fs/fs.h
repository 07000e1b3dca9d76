/*
 * kernel/fs/fs.h - the RAM file system (tmpfs): inodes, directory entries,
 * open files, and the calls the system-call layer and the tests use.
 *
 * Objects and who keeps them alive:
 *   struct inode   a file, directory, pipe or device.  ->i_count counts
 *                  every reference: each directory entry naming it, each
 *                  open file, each working directory, each child
 *                  directory (its ".." is a counted pointer), and lookups
 *                  in progress.  iput() of the last frees it, its pages
 *                  with it: so an unlinked file lives until its last open
 *                  file is closed.  (A file mapping will hold one too, once
 *                  there are file mappings: docs/files.md.)
 *   struct dentry  a name in a directory; holds one reference on its inode.
 *   struct file    an open file: inode, offset, flags, operations.
 *                  ->f_count counts descriptors (dup, fork) and calls in
 *                  progress; fput() of the last releases it.
 *
 * Locks, outermost first:
 *   fs_lock (namei.c)   every directory's entries, ->nlink, ->parent: the
 *                       whole namespace, one mutex (xv6-simple; lookups
 *                       are short and rare next to reads and writes)
 *   file->pos_lock      the offset of one open file, across a read/write
 *   inode->i_rwsem      a regular file's size and contents: read() and
 *                       stat take it shared, write() and truncate exclusive
 *   pipe->lock          a pipe's buffer and counts (pipe.c)
 *   mapping.tree_lock   the page-cache index (mm/filemap.c); innermost
 * Copies to and from user memory happen under i_rwsem or pipe->lock and may
 * fault, taking mmap_lock: so mmap_lock nests inside them, and no fault
 * path may take either.
 */
#ifndef KERNEL_FS_FS_H
#define KERNEL_FS_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "kernel/atomic.h"
#include "kernel/locking/mutex.h"
#include "kernel/locking/rwsem.h"
#include "kernel/proc/uapi/fs.h"
#include "lib/list.h"
#include "mm/filemap.h"

struct user_program;
struct file;

/*
 * Where a read or write copies to or from: user memory (through the
 * uaccess helpers, so a bad pointer is -EFAULT) or kernel memory (tests,
 * the kernel's own use).
 */
struct iobuf {
	uintptr_t addr;
	size_t len;
	bool user;
};

/** iobuf_copy_out() - copy @n bytes from @src to @io at offset @off. Return: 0 or -EFAULT. */
int iobuf_copy_out(const struct iobuf *io, size_t off, const void *src, size_t n);
/** iobuf_copy_in() - copy @n bytes of @io at offset @off to @dst. Return: 0 or -EFAULT. */
int iobuf_copy_in(const struct iobuf *io, size_t off, void *dst, size_t n);

struct file_operations {
	/* Read/write at *@pos (advancing it), or from the stream for pipes
	 * and devices (@pos ignored).  Return: bytes done, or -errno. */
	long (*read)(struct file *f, const struct iobuf *io, uint64_t *pos);
	long (*write)(struct file *f, const struct iobuf *io, uint64_t *pos);
	/* The last reference to the open file went. */
	void (*release)(struct file *f);
	bool seekable;
};

struct inode {
	unsigned long ino;
	unsigned mode;                  /* S_IF* | permission bits */
	atomic_t i_count;               /* see the header */
	unsigned nlink;                 /* names + "." + children's ".." (fs_lock) */
	uint64_t size;                  /* written under i_rwsem; READ_ONCE elsewhere */
	struct rw_semaphore i_rwsem;
	struct address_space mapping;   /* S_IFREG: the page cache */
	/* S_IFDIR, under fs_lock: */
	struct list_head entries;       /* struct dentry, in creation order */
	struct inode *parent;           /* "..": a counted reference (root: itself, uncounted) */
	bool readonly;                  /* /bin: nothing created or removed in it */
	/* An embedded program (/bin/NAME): read-only, contents in the image. */
	const struct user_program *program;
	/* S_IFCHR: the device's operations (console, null). */
	const struct file_operations *fops;
};

struct dentry {
	struct list_head node;
	struct inode *inode;            /* counted */
	char name[];
};

struct file {
	atomic_t f_count;
	struct inode *inode;            /* counted */
	unsigned flags;                 /* O_ACCMODE | O_APPEND (O_CLOEXEC is per descriptor) */
	struct mutex pos_lock;
	uint64_t pos;                   /* under pos_lock */
	const struct file_operations *ops;
	void *private;                  /* pipes: struct pipe */
};

/* ---- inodes (inode.c) --------------------------------------------------- */

/** inode_alloc() - a new inode of @mode with one reference, no name. Return: it or NULL. */
struct inode *inode_alloc(unsigned mode);
/** iget() - another reference on @ino (the caller holds one, or fs_lock and a name). */
static inline struct inode *iget(struct inode *ino) { atomic_inc(&ino->i_count); return ino; }
/** iput() - drop a reference; the last frees the inode, its pages, its ".." reference. */
void iput(struct inode *ino);
/** fs_root() - the root directory (never freed; no reference needed). */
struct inode *fs_root(void);
/** fs_init() - the root with /bin (the embedded programs), /dev (console, null), /tmp. */
void fs_init(void);
/** tmpfs_pages_used() - pages the files hold together (at most TMPFS_MAX_PAGES). */
long tmpfs_pages_used(void);
/** inode_stat() - fill @st for @ino. */
void inode_stat(struct inode *ino, struct stat *st);

/* ---- names (namei.c) ------------------------------------------------------ */

/**
 * path_lookup() - the inode @path names, relative to @cwd if not absolute.
 * Return: 0 and *@out with a reference; -ENOENT, -ENOTDIR (a component
 * that is not a directory, or a trailing slash after a file),
 * -ENAMETOOLONG (a component over NAME_MAX).
 * Context: may sleep (takes fs_lock).
 */
int path_lookup(struct inode *cwd, const char *path, struct inode **out);

/**
 * fs_open_inode() - lookup for open(): with O_CREAT create a regular file
 * if the name is free (O_EXCL: -EEXIST if it is not).
 * Return: 0 and *@out referenced; path_lookup()'s errors, -EISDIR (create
 * a directory name), -EROFS (create in /bin), -ENOMEM, -ENOENT (the
 * directory was removed).
 */
int fs_open_inode(struct inode *cwd, const char *path, unsigned flags, unsigned mode,
		  struct inode **out);

/** fs_mkdir() - Return: 0, -EEXIST, -ENOENT, -ENOTDIR, -ENAMETOOLONG, -EROFS, -ENOMEM. */
int fs_mkdir(struct inode *cwd, const char *path, unsigned mode);
/** fs_rmdir() - Return: 0, -ENOTEMPTY, -ENOTDIR, -ENOENT, -EINVAL ("."), -EBUSY (root), -EROFS. */
int fs_rmdir(struct inode *cwd, const char *path);
/** fs_unlink() - remove a name that is not a directory. Return: 0, -EISDIR, -ENOENT, -ENOTDIR, -EROFS. */
int fs_unlink(struct inode *cwd, const char *path);
/**
 * fs_getcwd() - the absolute path of directory @dir into @buf (@size bytes).
 * Return: its length with the NUL; -ERANGE (too small), -ENOENT (removed).
 */
long fs_getcwd(struct inode *dir, char *buf, size_t size);
/**
 * fs_readdir() - directory records (struct linux_dirent64) of @dir from
 * entry number *@pos (0 ".", 1 "..", then the names) into @io.
 * Return: bytes filled (0: the end), -EINVAL (@io too small for one).
 */
long fs_readdir(struct inode *dir, const struct iobuf *io, uint64_t *pos);

/**
 * fs_lookup_program() - the embedded program at @path (e.g. "/bin/ls", or
 * "ls" relative to @cwd).  For execve().
 * Return: 0 and *@out; -ENOENT, -ENOTDIR, -ENAMETOOLONG, -EACCES (it names
 * a file that is not a program: a directory or a tmpfs file).
 */
int fs_lookup_program(struct inode *cwd, const char *path, const struct user_program **out);

/* ---- open files (file.c) ------------------------------------------------ */

/** file_alloc() - an open file of @ino (a reference taken) with @ops. Return: it or NULL. */
struct file *file_alloc(struct inode *ino, unsigned flags, const struct file_operations *ops);
/** fget() - another reference on @f. */
static inline struct file *fget(struct file *f) { atomic_inc(&f->f_count); return f; }
/** fput() - drop a reference; the last releases the file and its inode reference. */
void fput(struct file *f);

/**
 * vfs_open() - open @path (relative to @cwd) with O_* @flags.
 * Return: 0 and *@out; -EINVAL (flags), -EISDIR (a directory for
 * writing), -ENOTDIR (O_DIRECTORY), -EROFS (a program for writing), and
 * fs_open_inode()'s errors.
 */
int vfs_open(struct inode *cwd, const char *path, unsigned flags, unsigned mode, struct file **out);
/** vfs_read() - read at the file's offset. Return: bytes, or -EBADF (not open for reading), ... */
long vfs_read(struct file *f, const struct iobuf *io);
/** vfs_write() - write at the file's offset (the end with O_APPEND). Return: bytes or -errno. */
long vfs_write(struct file *f, const struct iobuf *io);
/** vfs_pread() - read at @pos, offset untouched. Return: bytes, -ESPIPE (a pipe), -EINVAL. */
long vfs_pread(struct file *f, const struct iobuf *io, int64_t pos);
/** vfs_pwrite() - write at @pos. Return: bytes, -ESPIPE, -EINVAL, -EFBIG, -ENOSPC. */
long vfs_pwrite(struct file *f, const struct iobuf *io, int64_t pos);
/** vfs_lseek() - Return: the new offset; -ESPIPE (not seekable), -EINVAL (whence, negative). */
int64_t vfs_lseek(struct file *f, int64_t off, int whence);
/** vfs_truncate() - set a regular file's size. Return: 0, -EINVAL, -EISDIR, -EFBIG. */
int vfs_truncate(struct inode *ino, int64_t len);
/** vfs_getdents() - directory records at the file's offset. Return: bytes, -ENOTDIR, -EINVAL. */
long vfs_getdents(struct file *f, const struct iobuf *io);
/* ---- mappings (fmap.c) ---------------------------------------------- */

/**
 * fs_mmap_file() - the open file of descriptor @fd, if it may be mapped
 * with @prot and @flags (MAP_SHARED or MAP_PRIVATE).
 * Return: the file with a reference (the VMA's), or NULL and *@err:
 * -EBADF, -ENODEV (not a tmpfs regular file), -EACCES (not open for
 * reading; MAP_SHARED with PROT_WRITE and not open for writing).
 */
struct file *fs_mmap_file(int fd, int prot, int flags, int *err);
/** fs_file_writable() - is @f open for reading and writing (may a shared mapping of it become writable)? */
bool fs_file_writable(const struct file *f);
/**
 * shmem_file_create() - the object behind a MAP_SHARED|MAP_ANONYMOUS
 * mapping: an open file (read-write) on a new tmpfs inode of @size bytes
 * with no name, its pages in the page cache and charged to tmpfs.
 * Return: the file (one reference) or NULL and *@err = -ENOMEM.
 */
struct file *shmem_file_create(uint64_t size, int *err);

/**
 * console_open() - an open file on /dev/console (fds 0, 1, 2): with @tty
 * the terminal (tty.c: reads wait for a typed line), else reads are end
 * of file.  Return: it or NULL.
 */
struct file *console_open(bool tty);

/* ---- pipes (pipe.c) ------------------------------------------------------- */

/**
 * pipe_create() - a pipe: *@rd its read end, *@wr its write end.
 * Return: 0 or -ENOMEM.
 */
int pipe_create(struct file **rd, struct file **wr);

/* Counters for tests (never reset): pipe readers and writers that slept. */
extern unsigned long pipe_read_waits, pipe_write_waits;

#endif
