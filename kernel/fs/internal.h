/*
 * kernel/fs/internal.h - what the files of kernel/fs/ share and nothing
 * else uses: the namespace lock, directory-entry helpers, the operations
 * of each kind of file.
 */
#ifndef KERNEL_FS_INTERNAL_H
#define KERNEL_FS_INTERNAL_H

#include "kernel/fs/fs.h"

/* The namespace lock (namei.c): every directory's entries, every ->nlink
 * and ->parent.  Outermost of the file-system locks (fs.h). */
extern struct mutex fs_lock;

/**
 * dir_add() - add entry @name for @ino to @dir (takes a reference on
 * @ino, counts the link).  Return: 0 or -ENOMEM.  Context: fs_lock held,
 * or boot (fs_init(), nobody else yet).
 */
int dir_add(struct inode *dir, const char *name, struct inode *ino);

/* Link counts change under fs_lock; stat reads them without it, so the
 * stores are marked (Linux's inc_nlink()/drop_nlink()/clear_nlink()). */
static inline void inc_nlink(struct inode *i) { WRITE_ONCE(i->nlink, i->nlink + 1); }
static inline void drop_nlink(struct inode *i) { WRITE_ONCE(i->nlink, i->nlink - 1); }
static inline void clear_nlink(struct inode *i) { WRITE_ONCE(i->nlink, 0); }

extern const struct file_operations tmpfs_file_ops;    /* file.c: regular files */
extern const struct file_operations tmpfs_dir_ops;     /* file.c: directories (getdents only) */
extern const struct file_operations program_file_ops;  /* file.c: /bin entries */
extern const struct file_operations console_fops;      /* chardev.c */
extern const struct file_operations null_fops;         /* chardev.c */
extern const struct file_operations tty_fops;          /* tty.c: the console as a terminal */

/* The console's write (chardev.c), shared by the terminal (tty.c). */
long console_dev_write(struct file *f, const struct iobuf *io, uint64_t *pos);
/* tty_init() - the terminal's lock (tty.c).  Context: fs_init(). */
void tty_init(void);

/* Is the calling thread's process being killed?  Sleeps in the file
 * system give up then (-EINTR), or a dying process could hang on a pipe. */
bool fs_current_dying(void);

#endif
