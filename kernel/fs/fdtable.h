/*
 * kernel/fs/fdtable.h - a process's file descriptors and working directory.
 *
 * Descriptor N names an open file (struct file, shared by dup and fork)
 * plus one flag of its own, close-on-exec.  The table holds one file
 * reference per descriptor.  Every thread of a process uses its one table.
 * The working directory lives here too (Linux keeps it in a separate
 * fs_struct): one object for fork to copy and exit to drop.
 */
#ifndef KERNEL_FS_FDTABLE_H
#define KERNEL_FS_FDTABLE_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/locking/spinlock.h"
#include "kernel/proc/uapi/fs.h"

struct file;
struct inode;

struct fdtable {
	spinlock_t lock;                /* fd[], cloexec, cwd */
	struct file *fd[FD_MAX];
	uint64_t cloexec;               /* bit N: descriptor N has O_CLOEXEC */
	struct inode *cwd;              /* counted */
};

/**
 * fdtable_create() - an empty table with its working directory at @cwd.
 * Return: the table or NULL.  Context: may sleep.
 */
struct fdtable *fdtable_create(struct inode *cwd);
/**
 * fdtable_create_console() - a new process's table: fds 0, 1, 2 on the
 * console (@tty: the terminal, whose reads wait for a typed line; else
 * the plain console, whose reads are end of file), working directory
 * "/".  Return: the table or NULL.
 */
struct fdtable *fdtable_create_console(bool tty);
/** fdtable_destroy() - close every descriptor, drop the cwd, free @ft. Context: may sleep. */
void fdtable_destroy(struct fdtable *ft);

/**
 * fdtable_dup_for_fork() - the child's copy of @ft: the same open files
 * (a reference each: offsets are shared, as POSIX requires of fork), the
 * same close-on-exec flags and working directory.
 * Return: the copy, or NULL (out of memory).  Context: may sleep.
 */
struct fdtable *fdtable_dup_for_fork(struct fdtable *ft);
/**
 * fdtable_close_on_exec() - close every descriptor marked O_CLOEXEC, as a
 * successful execve() must.  Context: may sleep.
 */
void fdtable_close_on_exec(struct fdtable *ft);

/**
 * fd_install() - give @f (the caller's reference passes to the table) the
 * lowest free descriptor.  Return: it, or -EMFILE (the caller keeps @f).
 */
int fd_install(struct fdtable *ft, struct file *f, bool cloexec);
/** fd_get() - the file of descriptor @fd with a reference (fput() it), or NULL. */
struct file *fd_get(struct fdtable *ft, int fd);
/** fd_close() - Return: 0 or -EBADF. */
int fd_close(struct fdtable *ft, int fd);
/** fd_dup() - the lowest free descriptor for @fd's file, close-on-exec clear. Return: it, -EBADF, -EMFILE. */
int fd_dup(struct fdtable *ft, int fd);
/**
 * fd_dup2() - make @newfd name @oldfd's file (closing what @newfd named),
 * close-on-exec clear; @oldfd == @newfd only checks @oldfd.
 * Return: @newfd, or -EBADF (@oldfd not open, @newfd out of range).
 */
int fd_dup2(struct fdtable *ft, int oldfd, int newfd);
/** fd_count() - descriptors open (tests). */
int fd_count(struct fdtable *ft);
/** fd_cloexec() - is @fd marked close-on-exec? (tests) */
bool fd_cloexec(struct fdtable *ft, int fd);

/** fdtable_cwd() - the working directory, with a reference (iput() it). */
struct inode *fdtable_cwd(struct fdtable *ft);
/** fdtable_set_cwd() - change it to @dir (a reference of the caller's passes to the table). */
void fdtable_set_cwd(struct fdtable *ft, struct inode *dir);

#endif
