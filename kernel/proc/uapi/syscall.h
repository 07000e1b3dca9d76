/*
 * kernel/proc/uapi/syscall.h - the system-call ABI shared by the kernel and the
 * user libc (user/).  Numbers are Linux x86-64's where Linux has the call,
 * so a reader can compare; the kernel's own calls are numbered from 1000.
 *
 * Calling convention (as Linux): `syscall` with the number in RAX and
 * arguments in RDI, RSI, RDX, R10, R8, R9; the result comes back in RAX,
 * a negative errno (kernel/errno.h numbers) on failure.  RCX and R11 are
 * clobbered.
 */
#ifndef UAPI_SYSCALL_H
#define UAPI_SYSCALL_H

#define SYS_read                0   /* (fd, buf, len) */
#define SYS_write               1   /* (fd, buf, len): a console descriptor prints */
#define SYS_open                2   /* (path, O_* flags, mode) */
#define SYS_close               3   /* (fd) */
#define SYS_stat                4   /* (path, struct stat *) */
#define SYS_fstat               5   /* (fd, struct stat *) */
#define SYS_lseek               8   /* (fd, offset, SEEK_*) */
#define SYS_mmap                9   /* (addr, len, prot, flags, fd, off) */
#define SYS_mprotect           10   /* (addr, len, prot) */
#define SYS_munmap             11   /* (addr, len) */
#define SYS_pread64            17   /* (fd, buf, len, offset) */
#define SYS_pwrite64           18   /* (fd, buf, len, offset) */
#define SYS_pipe               22   /* (int fds[2]) */
#define SYS_sched_yield        24
#define SYS_madvise            28   /* (addr, len, advice): MADV_DONTNEED only */
#define SYS_dup                32   /* (fd) */
#define SYS_dup2               33   /* (oldfd, newfd) */
#define SYS_nanosleep          35   /* (const struct timespec *req, struct timespec *rem) */
#define SYS_getpid             39
#define SYS_fork               57   /* (): the child's pid in the parent, 0 in the child (docs/fork.md) */
#define SYS_execve             59   /* (path, argv, envp): an embedded program, "/bin/NAME" or "NAME" */
#define SYS_exit               60   /* (code): this thread */
#define SYS_wait4              61   /* (pid or -1, int *status, WNOHANG or 0, NULL rusage): pid or 0 */
#define SYS_kill               62   /* (pid, SIGKILL or SIGTERM or 0): only the caller and its descendants */
#define SYS_ftruncate          77   /* (fd, length) */
#define SYS_getcwd             79   /* (buf, size): returns the length with its NUL */
#define SYS_chdir              80   /* (path) */
#define SYS_mkdir              83   /* (path, mode) */
#define SYS_rmdir              84   /* (path) */
#define SYS_unlink             87   /* (path) */
#define SYS_getppid           110   /* the parent's pid; 0: the kernel (monitor-run and orphans) */
#define SYS_sched_setaffinity 203   /* (tid or 0, size, const cpu_set_t *) */
#define SYS_sched_getaffinity 204   /* (tid or 0, size, cpu_set_t *): returns bytes written */
#define SYS_getdents64        217   /* (fd, struct linux_dirent64 *, len) */
#define SYS_clock_gettime     228   /* (clock, struct timespec *) */
#define SYS_exit_group        231   /* (code): the whole process */
#define SYS_openat            257   /* (AT_FDCWD only, path, flags, mode) */
#define SYS_getcpu            309   /* (unsigned *cpu, unsigned *node, NULL) */

#define SYS_thread_create    1000   /* (entry, arg, stack_top): new thread, returns tid */
#define SYS_thread_join      1001   /* (tid, int *exit_code) */
#define SYS_spawn            1002   /* (const char *name, const char *const argv[]): pid */
#define SYS_waitpid          1003   /* (pid of a child, int *status): pid */
#define SYS_gettid           1004
#define SYS_ncpus            1005   /* number of online CPUs */
#define SYS_bench_report     1006   /* (name, metric, x, unit, const uint64_t v[4]: median, min, max, runs) */
/* bench_report's strings, terminating NUL included: longer is -E2BIG. */
#define BENCH_NAME_MAX   32
#define BENCH_METRIC_MAX 64
#define BENCH_UNIT_MAX   16
#define SYS_pinbuf_register   1007  /* (addr, len, write): pin a buffer for "the device"; returns an id */
#define SYS_pinbuf_unregister 1008  /* (id): unpin it */
#define SYS_pinbuf_peek       1009  /* (id, page, uint64_t out[2]): the device's view of a page's first 16 bytes */
#define SYS_gup_test          1010  /* (addr, nr_pages, GUP_TEST_* flags, uint64_t *cycles): pin, time, unpin */
#define SYS_fault_stats       1011  /* (uint64_t out[FAULT_STAT_NR]): page faults since boot, all CPUs (FAULT_STAT_*) */
#define SYS_LAST              1011  /* the highest number a call has (the fuzzer's first unknown is +1) */

/* mmap/mprotect */
#define PROT_NONE       0x0
#define PROT_READ       0x1
#define PROT_WRITE      0x2
#define PROT_EXEC       0x4
#define MAP_SHARED      0x01
#define MAP_PRIVATE     0x02
#define MAP_FIXED       0x10
#define MAP_ANONYMOUS   0x20
#define MAP_POPULATE    0x8000  /* fault the whole mapping in before mmap returns */
#define MAP_FAILED      ((void *)-1)
#define MADV_DONTNEED   4

/* pinbuf: what the device writes at the start of each pinned page, each pass */
#define PINBUF_DEV_MAGIC 0x4445564943452121ull   /* "DEVICE!!" */
#define PINBUF_MAX       8          /* buffers registered at once, all processes */
#define PINBUF_MAX_PAGES 512        /* pages per buffer */
/* gup_test flags */
#define GUP_TEST_FAST   0x1         /* the fast part only (no fallback) */
#define GUP_TEST_SLOW   0x2         /* the slow part only */
#define GUP_TEST_PIN    0x4         /* pin (else a plain get) */
#define GUP_TEST_WRITE  0x8         /* FOLL_WRITE */

/* SYS_fault_stats: the words of its array (kernel counts, every process). */
#define FAULT_STAT_LOCKED        0  /* resolved under mmap_lock (the fallbacks included) */
#define FAULT_STAT_SPF           1  /* resolved speculatively (FAULT=spf) */
#define FAULT_STAT_VMA           2  /* resolved under a VMA lock alone (FAULT=vma) */
#define FAULT_STAT_SPURIOUS      3  /* of those, found the PTE already there */
#define FAULT_STAT_SPF_ABORTS    4  /* speculative faults given up (then taken locked) */
#define FAULT_STAT_VMA_FALLBACKS 5  /* VMA-lock faults fallen back to mmap_lock */
#define FAULT_STAT_LOCK_WAITS    6  /* locked faults that had to wait for mmap_lock (a writer) */
#define FAULT_STAT_LOCK_WAIT_CYCLES 7  /* TSC cycles they waited, in all */
#define FAULT_STAT_NR            8

#define CLOCK_REALTIME  0           /* here: time since boot, like MONOTONIC */
#define CLOCK_MONOTONIC 1

struct timespec {
	long tv_sec;
	long tv_nsec;
};

/* spawn: children a process may have that it has not waited for (running
 * or ended); one more fails with EAGAIN until waitpid() reaps one. */
#define SPAWN_MAX_CHILDREN 64

#define CPU_SETSIZE 256             /* bits in a cpu_set_t (= the kernel's NR_CPUS) */

/* User address space layout (also enforced by the kernel). */
#define USER_BASE       0x0000000000400000ul    /* lowest mappable address */
#define USER_END        0x00007fffffff0000ul    /* one past the highest */
#define USER_STACK_TOP  0x00007ffffffe0000ul    /* main thread's stack top */
#define USER_STACK_SIZE (8ul << 20)
#define USER_MMAP_BASE  0x00007f0000000000ul    /* mmap() without a hint searches down from here */

#include "kernel/proc/uapi/fs.h"

#endif
