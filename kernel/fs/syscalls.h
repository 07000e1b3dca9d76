/*
 * kernel/fs/syscalls.h - the file system calls, as do_syscall()
 * (kernel/proc/syscall.c) dispatches them.  Each takes the raw arguments
 * of its Linux namesake (kernel/proc/uapi/syscall.h) and returns what
 * Linux returns: a result, or a negative errno.
 *
 * Context: a user thread (current->proc set), may sleep.  sys_write() and
 * sys_pwrite64() on a pipe with no reader do not return: they kill the
 * process (SIGPIPE).
 */
#ifndef KERNEL_FS_SYSCALLS_H
#define KERNEL_FS_SYSCALLS_H

#include <stdint.h>

/** sys_read() - read(2). Return: bytes, 0 at the end, -EBADF, -EFAULT, -EISDIR, -EINTR. */
long sys_read(int fd, uintptr_t buf, uint64_t len);
/** sys_write() - write(2). Return: bytes, -EBADF, -EFAULT, -EFBIG, -ENOSPC, -EINTR. */
long sys_write(int fd, uintptr_t buf, uint64_t len);
/** sys_pread64() - pread(2). Return: bytes, -ESPIPE, -EINVAL, and read()'s errors. */
long sys_pread64(int fd, uintptr_t buf, uint64_t len, int64_t pos);
/** sys_pwrite64() - pwrite(2). Return: bytes, -ESPIPE, -EINVAL, and write()'s errors. */
long sys_pwrite64(int fd, uintptr_t buf, uint64_t len, int64_t pos);
/** sys_open() - open(2). Return: a descriptor, -EMFILE, and vfs_open()'s errors. */
long sys_open(uintptr_t upath, unsigned flags, unsigned mode);
/** sys_openat() - openat(2), AT_FDCWD (or an absolute path) only; else -ENOSYS. */
long sys_openat(int dirfd, uintptr_t upath, unsigned flags, unsigned mode);
/** sys_close() - close(2). Return: 0 or -EBADF. */
long sys_close(int fd);
/** sys_stat() - stat(2). Return: 0, -ENOENT, -ENOTDIR, -ENAMETOOLONG, -EFAULT. */
long sys_stat(uintptr_t upath, uintptr_t ust);
/** sys_fstat() - fstat(2). Return: 0, -EBADF, -EFAULT. */
long sys_fstat(int fd, uintptr_t ust);
/** sys_lseek() - lseek(2). Return: the offset, -EBADF, -ESPIPE, -EINVAL. */
long sys_lseek(int fd, int64_t off, int whence);
/** sys_pipe() - pipe(2). Return: 0, -EFAULT, -EMFILE, -ENOMEM. */
long sys_pipe(uintptr_t ufds);
/** sys_dup() - dup(2). Return: the new descriptor, -EBADF, -EMFILE. */
long sys_dup(int fd);
/** sys_dup2() - dup2(2). Return: @newfd or -EBADF. */
long sys_dup2(int oldfd, int newfd);
/** sys_ftruncate() - ftruncate(2). Return: 0, -EBADF, -EINVAL (not writable, negative), -EISDIR, -EFBIG. */
long sys_ftruncate(int fd, int64_t len);
/** sys_getcwd() - getcwd(2). Return: the length with its NUL, -ERANGE, -ENOENT, -EFAULT. */
long sys_getcwd(uintptr_t ubuf, uint64_t size);
/** sys_chdir() - chdir(2). Return: 0, -ENOENT, -ENOTDIR, -ENAMETOOLONG, -EFAULT. */
long sys_chdir(uintptr_t upath);
/** sys_mkdir() - mkdir(2). Return: 0 or fs_mkdir()'s errors, -EFAULT. */
long sys_mkdir(uintptr_t upath, unsigned mode);
/** sys_rmdir() - rmdir(2). Return: 0 or fs_rmdir()'s errors, -EFAULT. */
long sys_rmdir(uintptr_t upath);
/** sys_unlink() - unlink(2). Return: 0 or fs_unlink()'s errors, -EFAULT. */
long sys_unlink(uintptr_t upath);
/** sys_getdents64() - getdents64(2). Return: bytes of records (0: the end), -ENOTDIR, -EINVAL, -EBADF. */
long sys_getdents64(int fd, uintptr_t buf, uint64_t len);

#endif
