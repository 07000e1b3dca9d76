/*
 * kernel/fs/fmap.c - the file system's side of mmap: which open files may
 * be mapped and how (fs_mmap_file()), the anonymous object behind
 * MAP_SHARED|MAP_ANONYMOUS (shmem_file_create()), and truncate's unmap of
 * every mapping past the new end (the i_mmap list).
 *
 * Invariant: a VMA that maps a file holds a reference on its open file
 * (vm_file), so the inode and its page cache live while it is mapped,
 * even unlinked and with every descriptor closed; the last unmap's fput()
 * frees them.  A shared anonymous mapping is the same thing with a file
 * that never had a name (Linux's shmem): fork copies the VMA, so parent
 * and child map the same pages.
 */
#include "kernel/fs/internal.h"
#include "kernel/fs/fdtable.h"
#include "kernel/errno.h"
#include "kernel/proc/process.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"

struct file *fs_mmap_file(int fd, int prot, int flags, int *err)
{
	/* A kernel thread (a test calling do_mmap()) has no descriptors. */
	struct process *p = current ? current->proc : NULL;
	struct file *f = p && p->files ? fd_get(p->files, fd) : NULL;
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	/* Only tmpfs files have a page cache: not directories, pipes,
	 * devices, nor /bin's programs (their bytes are in the image). */
	if (f->ops != &tmpfs_file_ops || !S_ISREG(f->inode->mode) || f->inode->program) {
		*err = -ENODEV;
		goto fail;
	}
	/* POSIX: the file must be open for reading; a shared writable
	 * mapping writes the file, so it must be open for writing too. */
	unsigned acc = f->flags & O_ACCMODE;
	if (acc == O_WRONLY || ((flags & MAP_SHARED) && (prot & PROT_WRITE) && acc != O_RDWR)) {
		*err = -EACCES;
		goto fail;
	}
	return f;
fail:
	fput(f);
	return NULL;
}

bool fs_file_writable(const struct file *f)
{
	return (f->flags & O_ACCMODE) == O_RDWR;
}

struct file *shmem_file_create(uint64_t size, int *err)
{
	struct inode *ino = inode_alloc(S_IFREG | 0600);
	if (!ino) {
		*err = -ENOMEM;
		return NULL;
	}
	ino->size = size;               /* nobody else sees it yet */
	struct file *f = file_alloc(ino, O_RDWR, &tmpfs_file_ops);
	iput(ino);                      /* the file's reference is the only one: no name */
	if (!f)
		*err = -ENOMEM;
	return f;
}
