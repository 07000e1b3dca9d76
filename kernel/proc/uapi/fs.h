/*
 * kernel/proc/uapi/fs.h - the file-system ABI shared by the kernel and the
 * user libc: open flags, lseek whence, file types, struct stat, directory
 * records, and the limits a program can run into.  Values and layouts are
 * Linux x86-64's, so a POSIX program built here sees what it expects.
 * Included by kernel/proc/uapi/syscall.h.
 */
#ifndef UAPI_FS_H
#define UAPI_FS_H

/* open() flags (octal, as Linux spells them). */
#define O_RDONLY      00
#define O_WRONLY      01
#define O_RDWR        02
#define O_ACCMODE     03
#define O_CREAT     0100
#define O_EXCL      0200
#define O_NOCTTY    0400            /* accepted, means nothing here */
#define O_TRUNC    01000
#define O_APPEND   02000
#define O_NONBLOCK 04000            /* not supported: -EINVAL */
#define O_DIRECTORY 0200000
#define O_CLOEXEC 02000000
/* Every flag open() understands; any other bit gives -EINVAL. */
#define O_VALID_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | \
		       O_DIRECTORY | O_CLOEXEC)

#define AT_FDCWD (-100)             /* openat(): the only dirfd supported */

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* st_mode file types and the permission bits that are kept (never checked:
 * there is one user). */
#define S_IFMT   0170000
#define S_IFIFO  0010000
#define S_IFCHR  0020000
#define S_IFDIR  0040000
#define S_IFREG  0100000
#define S_ISDIR(m)  (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m)  (((m) & S_IFMT) == S_IFREG)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)
#define S_ISCHR(m)  (((m) & S_IFMT) == S_IFCHR)

/* Linux x86-64's struct stat (144 bytes); times are all zero here. */
struct stat {
	unsigned long st_dev;
	unsigned long st_ino;
	unsigned long st_nlink;
	unsigned int st_mode;
	unsigned int st_uid;
	unsigned int st_gid;
	int __pad0;
	unsigned long st_rdev;
	long st_size;
	long st_blksize;
	long st_blocks;             /* 512-byte units held in the page cache */
	unsigned long st_atime, st_atime_nsec;
	unsigned long st_mtime, st_mtime_nsec;
	unsigned long st_ctime, st_ctime_nsec;
	long __reserved[3];
};

/* getdents64() records, Linux's layout: d_reclen bytes each, 8-aligned. */
struct linux_dirent64 {
	unsigned long d_ino;
	long d_off;                 /* the position of the next record */
	unsigned short d_reclen;
	unsigned char d_type;       /* DT_* */
	char d_name[];
};
#define DT_UNKNOWN 0
#define DT_FIFO    1
#define DT_CHR     2
#define DT_DIR     4
#define DT_REG     8

/* Limits (each gives the error named when passed). */
#define NAME_MAX     255            /* a path component: ENAMETOOLONG */
#define FS_PATH_MAX  256            /* a whole path with its NUL: ENAMETOOLONG
				     * (Linux's PATH_MAX is 4096) */
#define FD_MAX       64             /* descriptors per process: EMFILE */
#define PIPE_BUF     4096           /* a pipe's buffer; writes up to it are atomic */
#define TMPFS_FILE_MAX  (16ul << 20)    /* one file's size: EFBIG */
#define TMPFS_MAX_PAGES 8192            /* pages all files hold together (32 MiB): ENOSPC */

#endif
