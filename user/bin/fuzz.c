/*
 * fuzz - a system-call fuzzer in the spirit of trinity: seeded, biased to
 * the arguments kernels get wrong, run from several threads on several
 * CPUs while other threads map, unmap and re-protect the memory the calls
 * point into.
 *
 * Usage: fuzz SEED CALLS THREADS.  THREADS threads share CALLS calls, each
 * pinned at first to a CPU of its own (a call may move it); THREADS / 2
 * (at least one) more churn the "churn" area meanwhile.  Every call of
 * kernel/proc/uapi/syscall.h is made, and numbers no call has.  Arguments
 * come from pools of edge cases: 0, -1, INT_MIN/MAX, kernel and
 * non-canonical addresses, addresses below USER_BASE, unaligned and huge
 * lengths, pointers into unmapped, PROT_NONE and read-only pages and
 * across the end of a mapping, into memory being unmapped right now.
 *
 * What is never made, because it would end the fuzzer rather than test
 * the kernel:
 *   - exit and exit_group: they end the thread or the process (a fork
 *     child, which runs only the forking worker, calls exit_group at once);
 *   - thread_create with a random user entry: the new thread would run
 *     junk and the fault kills the process; a user-range entry is always
 *     the stub below (no stack use, so any stack_top is fine), a bad one
 *     (kernel, non-canonical, < USER_BASE) must be refused;
 *   - thread_join of a fuzzing thread or main: it blocks until that one
 *     ends, forever when two join each other; joins go to the stubs' tids
 *     (they exit at once) and to tids that are not ours;
 *   - nanosleep with a random readable request: junk there may ask for
 *     years; the request is a bad pointer or a private one of < 1 ms;
 *   - a load or store of our own into a file mapping: past the end of the
 *     file (another worker truncates at will) it is SIGBUS; file mappings
 *     are touched only by the kernel, through pread/pwrite into them
 *     (touch_file_mapping());
 *   - write with a good buffer to fd 0/1/2: it would flood the console;
 *     and dup2 onto, or close of, fds 0-2 (the summary must reach it);
 *   - pipe() with a pointer the kernel accepts, while threads run: the
 *     two new descriptors would be in the pool of the others, and a read
 *     of an empty pipe whose write end someone dup'ed blocks forever.
 *     So pipe() is made only with pointers access_ok() refuses (no
 *     descriptor is ever created), and good pipe()s, their EOF, EPIPE
 *     and EFAULT after install are made by main before the threads start
 *     (and by fs_test / fs_pipe in the `fs` suite);
 *   - paths outside /tmp/fz for calls that create or remove (mkdir,
 *     unlink, rmdir, open with O_CREAT/O_TRUNC), and chdir anywhere but
 *     under /tmp/fz: main removes /tmp/fz and all it holds at the end, so
 *     the kernel's page count comes back to its baseline;
 *   - spawn of anything but "true", "exectest args" (which execs itself:
 *     the harmless successful execve) or names that do not exist
 *     (spawning fuzz would recurse); at most 8 children per thread are
 *     left unwaited, so the live ones are bounded;
 *   - an execve() that could succeed: it would replace the fuzzer.  Every
 *     execve() made has a bad path or at least one surely bad pointer
 *     (the path, argv, a string in argv, envp, a string in envp); where
 *     the path is good it names `exectest exit 111`, so an execve that
 *     wrongly succeeds ends the fuzzer with status 111, which the suite
 *     reports;
 *   - kill() of anything but our own children, pids that cannot be a
 *     process of ours (<= 0, huge) and others' (EPERM): never ourselves;
 *   - a blocking wait4/waitpid is only made when every child of ours ends
 *     by itself (they all do: `true`, `exectest args`);
 *   - mmap(MAP_FIXED)/munmap/mprotect/madvise over the fuzzer's own text,
 *     data, heap and stacks: a range that would touch user memory outside
 *     the churn area is moved into it (ranges that wrap around or lie
 *     outside user space are made as generated: the kernel must refuse).
 *
 * A call that succeeds on input that cannot be valid (a kernel or
 * non-canonical pointer, a read-only page to write, an unknown number) is
 * a BUG: printed, counted.  Exit status: the number of BUGs (at most
 * 100), 0 when none; 120 and up if the setup failed.  The kernel side
 * (the `fuzz` ktest suite) checks no oops, no hang and no leaked frame.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "user/lib/syscall.h"

#define PAGE            4096ul
/* The fuzzer's own arena, far from the text (0x400000), the mmap area
 * (below USER_MMAP_BASE) and the stack. */
#define ARENA           0x0000100000000000ul
#define STATIC_PAGES    32                      /* see setup_arena() */
#define PRIVATE_BASE    (ARENA + STATIC_PAGES * PAGE)   /* a page per thread */
#define CHURN           (ARENA + (1ul << 24))
#define CHURN_PAGES     256
#define CHURN_END       (CHURN + CHURN_PAGES * PAGE)
#define MAX_THREADS     16
#define MAX_BUGS_SHOWN  20

enum kind { RW, RO, NONE, HOLE };               /* static page i: kind i % 4 */

/* Entered by the kernel (SYS_thread_create) with any RSP: no stack use. */
extern char fuzz_stub[];
__asm__(".pushsection .text\n.globl fuzz_stub\nfuzz_stub:\n"
	"\tmov $60, %eax\n\txor %edi, %edi\n\tsyscall\n\tud2\n.popsection\n");

struct worker {
	pthread_t th;
	int index, cpu;
	volatile long tid;
	unsigned long long rng;
	long calls, ok, errors, bugs;
	long stub_tids[8];
	int nstubs;
	long children[8];
	int nchildren;
};

static struct worker workers[MAX_THREADS], churners[MAX_THREADS];
static int nworkers, nchurners, ncpu;
static long calls_each;
static volatile int go, fuzzers_done;
static volatile long main_tid;
static long bugs_shown;
static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;
static long per_nr[64];                 /* calls made per entry of calls[] */

static unsigned long long rnd(struct worker *w)
{
	/* xorshift64*: small, seeded, good enough to pick edge cases. */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545f4914f6cdd1dull;
}

static unsigned long pick(struct worker *w, unsigned long n)
{
	return (unsigned long)(rnd(w) % n);
}

#define PICK(w, arr) ((arr)[pick((w), sizeof(arr) / sizeof((arr)[0]))])

static unsigned long static_page(int kind, unsigned i)
{
	return ARENA + (unsigned long)((i % (STATIC_PAGES / 4)) * 4 + kind) * PAGE;
}

/* ---- argument pools ------------------------------------------------------ */

/* Addresses no user access may ever reach. */
static const unsigned long always_bad[] = {
	0xffff800000000000ul, 0xffff888000000000ul, 0xffffffff80000000ul,
	0xffffffff80100000ul, 0xfffffffffffff000ul, 0xfffffffffffffffful,
	0x0000800000000000ul, 0x8000000000000000ul, 0x00007ffffffffff8ul,
	USER_END, 0, 1, 8, 0xfff, 0x1000, USER_BASE - 8,
};

static int is_always_bad(unsigned long a)
{
	return a < USER_BASE || a >= USER_END;
}

enum ptr_class { P_BAD, P_NONE, P_RO, P_GOOD };

/* A pointer for a call to read or write, and what may be done there. */
static unsigned long gen_ptr(struct worker *w, enum ptr_class *cls)
{
	unsigned i = (unsigned)pick(w, 64);
	switch (pick(w, 10)) {
	case 9:         /* the top of user space: unmapped, but a hint may map it */
		*cls = P_GOOD;
		return USER_END - 1 - pick(w, 8);
	case 0: case 1:
		*cls = P_BAD;
		return PICK(w, always_bad);
	case 2:
		*cls = P_NONE;
		return static_page(NONE, i) + pick(w, PAGE);
	case 3:
		*cls = P_NONE;
		return static_page(HOLE, i) + pick(w, PAGE);
	case 4:
		*cls = P_RO;
		return static_page(RO, i) + pick(w, PAGE);
	case 5:         /* the last bytes of a writable page, then a hole or RO */
		*cls = P_GOOD;
		return static_page(RW, i) + PAGE - 1 - pick(w, 16);
	case 6:         /* unaligned, inside a writable page */
		*cls = P_GOOD;
		return static_page(RW, i) + 1 + pick(w, PAGE / 2);
	default:        /* memory that is being unmapped and re-protected */
		*cls = P_GOOD;
		return CHURN + pick(w, CHURN_PAGES * PAGE);
	}
}

static unsigned long gen_len(struct worker *w)
{
	static const unsigned long lens[] = {
		0, 1, 7, 8, 15, 16, 4095, 4096, 4097, 8192, 65536, 2ul << 20,
		(2ul << 20) + 1, 1ul << 30, 1ul << 47, 1ul << 63, -1ul, -4096ul,
		0x7ffffffffffful, 12288,
	};
	return pick(w, 4) ? PICK(w, lens) : pick(w, 5 * PAGE);
}

static long gen_int(struct worker *w)
{
	static const long ints[] = {
		0, 1, 2, 3, 4, 7, 8, -1, -2, 0x7fffffff, -0x7fffffff - 1,
		0xffffffffl, 1l << 32, 0x7fffffffffffffffl, 255, 256, 4096,
	};
	return pick(w, 3) ? PICK(w, ints) : (long)rnd(w);
}

/* An address for mmap(MAP_FIXED)/munmap/mprotect/madvise. */
static unsigned long gen_mm_addr(struct worker *w)
{
	switch (pick(w, 6)) {
	case 0:
		return PICK(w, always_bad);
	case 1:
		return CHURN + pick(w, CHURN_PAGES * PAGE);     /* unaligned too */
	default:
		return CHURN + pick(w, CHURN_PAGES) * PAGE;
	}
}

/* Keep a range off the fuzzer's own memory (see the header). */
static void keep_off_self(struct worker *w, unsigned long *addr, unsigned long *len)
{
	unsigned long a = *addr, end = a + *len;
	if (end < a)
		return;                         /* wraps: must be refused */
	if (end <= USER_BASE || a >= USER_END)
		return;                         /* no user memory in it */
	if (a >= CHURN && end <= CHURN_END)
		return;
	*addr = CHURN + pick(w, CHURN_PAGES) * PAGE;
	if (*addr + *len > CHURN_END || *addr + *len < *addr)
		*len = CHURN_END - *addr;
}

/* ---- the calls ------------------------------------------------------------- */

static void bug(struct worker *w, const char *what, long nr, long a0, long a1, long a2, long r)
{
	w->bugs++;
	pthread_mutex_lock(&print_lock);
	if (bugs_shown++ < MAX_BUGS_SHOWN)
		printf("fuzz: BUG: %s: nr %ld (%#lx, %#lx, %#lx) returned %ld\n",
		       what, nr, a0, a1, a2, r);
	pthread_mutex_unlock(&print_lock);
}

static int is_ours(long tid)
{
	if (tid == main_tid)
		return 1;
	for (int i = 0; i < nworkers; i++)
		if (workers[i].tid == tid)
			return 1;
	for (int i = 0; i < nchurners; i++)
		if (churners[i].tid == tid)
			return 1;
	return 0;
}

static const long calls[] = {
	SYS_write, SYS_mmap, SYS_mprotect, SYS_munmap, SYS_sched_yield,
	SYS_madvise, SYS_nanosleep, SYS_getpid, SYS_sched_setaffinity,
	SYS_sched_getaffinity, SYS_clock_gettime, SYS_getcpu,
	SYS_thread_create, SYS_thread_join, SYS_spawn, SYS_waitpid, SYS_fork,
	SYS_gettid, SYS_ncpus, SYS_bench_report,
	SYS_pinbuf_register, SYS_pinbuf_unregister, SYS_pinbuf_peek, SYS_gup_test,
	SYS_fault_stats,
	SYS_read, SYS_open, SYS_close, SYS_stat, SYS_fstat, SYS_lseek, SYS_pread64,
	SYS_pwrite64, SYS_pipe, SYS_dup, SYS_dup2, SYS_ftruncate, SYS_getcwd, SYS_chdir,
	SYS_mkdir, SYS_rmdir, SYS_unlink, SYS_getdents64, SYS_openat,
	SYS_fault_stats, SYS_execve, SYS_wait4, SYS_kill, SYS_getppid,
	-1,                     /* a number no call has */
};
#define NCALLS ((int)(sizeof(calls) / sizeof(calls[0])))

static const char long_name[] =
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char *const names[] = { "true", "", "nosuch", long_name, "true " };

/* ---- file-system arguments --------------------------------------------- */

/* A descriptor: mostly one that may be open (3..FD_MAX-1; 0, the console,
 * for reads), some never valid. */
static long gen_fd(struct worker *w, int allow_std)
{
	/* The kernel takes an int, as Linux does: (1 << 32) + 7 is fd 7
	 * there (a plain 1 << 32 would be fd 0, the console). */
	static const long bad[] = { -1, -100, FD_MAX, FD_MAX + 1, 0x7fffffff, -0x7fffffff - 1,
				    (1l << 32) + 7 };
	if (pick(w, 5) == 0)
		return PICK(w, bad);
	if (allow_std && pick(w, 8) == 0)
		return 0;
	return 3 + (long)pick(w, FD_MAX - 3);
}

static const char *const fs_paths[] = {
	"/tmp/fz/a", "/tmp/fz/b", "/tmp/fz/d", "/tmp/fz/d/e", "/tmp/fz/../fz/./a",
	"/tmp/fz/a/x", "/tmp/fz/d/", "/tmp/fz", "a", "d/e", "..", ".", "",
	"/bin/true", "/dev", "/", "/bin", "/nosuch/x", long_name,
};
/* Not /dev/null: a write there succeeds without reading the buffer (as
 * on Linux), which the bad-buffer check below would call a bug. */
/* Paths a changing call may be given: those above that stay in /tmp/fz
 * (relative ones too: chdir only goes under /tmp/fz), or cannot be made. */
static const char *const fs_change_paths[] = {
	"/tmp/fz/a", "/tmp/fz/b", "/tmp/fz/d", "/tmp/fz/d/e", "/tmp/fz/../fz/./a",
	"/tmp/fz/a/x", "/tmp/fz/d/", "/tmp/fz", "a", "d/e", "", "/nosuch/x", long_name,
	"/bin/true", "/bin/x",
};

/* A path argument: from a pool, or a pointer that is not a string. */
static unsigned long gen_path(struct worker *w, int changes, enum ptr_class *cls)
{
	if (pick(w, 6) == 0) {
		unsigned long p = gen_ptr(w, cls);
		if (*cls == P_GOOD || *cls == P_RO)
			*cls = P_NONE;  /* junk bytes: a "path" of anything, or -EFAULT */
		return changes ? PICK(w, always_bad) : p;
	}
	*cls = P_GOOD;
	return changes ? (unsigned long)PICK(w, fs_change_paths) : (unsigned long)PICK(w, fs_paths);
}

static long gen_open_flags(struct worker *w, int *creates)
{
	static const long flags[] = {
		O_RDONLY, O_WRONLY, O_RDWR, O_RDWR | O_CREAT, O_WRONLY | O_CREAT | O_TRUNC,
		O_RDWR | O_CREAT | O_EXCL, O_WRONLY | O_APPEND, O_RDONLY | O_DIRECTORY,
		O_RDWR | O_CLOEXEC, O_ACCMODE, O_NONBLOCK, -1, 0x40000000,
	};
	long f = pick(w, 4) ? PICK(w, flags) : gen_int(w);
	*creates = (f & (O_CREAT | O_TRUNC)) != 0;
	return f;
}

/*
 * Fault in a file mapping just made, through system calls only: the
 * kernel copies from and into it (pwrite from it, pread into it), so a
 * page past the end of the file (another worker may truncate it at any
 * moment) is EFAULT for the call, never a SIGBUS that would end the
 * fuzzer.  A pread from the mapped file into its own shared mapping runs
 * the fault under the file's i_rwsem: the lock order that docs/files.md
 * promises (i_rwsem, then mmap_lock, then only tree_lock) is exercised.
 */
static void touch_file_mapping(struct worker *w, unsigned long m, unsigned long len, long fd)
{
	unsigned long n = len < 3 * PAGE ? len : 3 * PAGE;
	long other = gen_fd(w, 0);
	syscall4(SYS_pread64, fd, (long)m, (long)n, 0);                        /* store faults */
	syscall4(SYS_pwrite64, fd, (long)m, (long)n, (long)pick(w, 2 * PAGE));  /* load faults */
	syscall4(SYS_pwrite64, other, (long)m, (long)n, (long)pick(w, 2 * PAGE));
	syscall4(SYS_pread64, other, (long)m, (long)n, 0);
}

/* The calls on descriptors and paths.  Return: the result. */
static long fs_call(struct worker *w, long nr, long *a)
{
	enum ptr_class c0 = P_GOOD, c1 = P_GOOD;
	int creates = 0;
	long r;
	switch (nr) {
	case SYS_read:
	case SYS_pread64:
		a[0] = gen_fd(w, 1);
		a[1] = (long)gen_ptr(w, &c1);
		a[2] = (long)gen_len(w);
		a[3] = pick(w, 2) ? (long)pick(w, 3 * PAGE) : gen_int(w);
		r = syscall4(nr, a[0], a[1], a[2], a[3]);
		if (r > 0 && (c1 != P_GOOD))
			bug(w, "read into a bad buffer", nr, a[0], a[1], a[2], r);
		break;
	case SYS_pwrite64:
		a[0] = gen_fd(w, 0);
		a[1] = (long)gen_ptr(w, &c1);
		a[2] = (long)gen_len(w);
		a[3] = pick(w, 2) ? (long)pick(w, 3 * PAGE) : gen_int(w);
		r = syscall4(nr, a[0], a[1], a[2], a[3]);
		if (r > 0 && (c1 == P_BAD || c1 == P_NONE))
			bug(w, "pwrite from a bad buffer", nr, a[0], a[1], a[2], r);
		break;
	case SYS_openat:
	case SYS_open: {
		long f = gen_open_flags(w, &creates);
		a[1] = (long)gen_path(w, creates, &c1);
		if (nr == SYS_openat) {
			a[0] = pick(w, 2) ? AT_FDCWD : gen_fd(w, 1);
			r = syscall4(nr, a[0], a[1], f, 0644);
		} else {
			r = syscall3(nr, a[1], f, 0644);
		}
		if (r >= 0 && c1 == P_BAD)
			bug(w, "open of a bad path pointer", nr, a[0], a[1], f, r);
		break;
	}
	case SYS_close:
		a[0] = gen_fd(w, 0);
		r = syscall1(nr, a[0]);
		break;
	case SYS_stat:
		a[0] = (long)gen_path(w, 0, &c0);
		a[1] = (long)gen_ptr(w, &c1);
		r = syscall2(nr, a[0], a[1]);
		if (r == 0 && (c0 == P_BAD || c1 != P_GOOD))
			bug(w, "stat with a bad pointer", nr, a[0], a[1], 0, r);
		break;
	case SYS_fstat:
		a[0] = gen_fd(w, 1);
		a[1] = (long)gen_ptr(w, &c1);
		r = syscall2(nr, a[0], a[1]);
		if (r == 0 && c1 != P_GOOD)
			bug(w, "fstat into a bad buffer", nr, a[0], a[1], 0, r);
		break;
	case SYS_lseek:
		a[0] = gen_fd(w, 1);
		r = syscall3(nr, a[0], gen_int(w), pick(w, 2) ? (long)pick(w, 3) : gen_int(w));
		break;
	case SYS_pipe:          /* refused pointers only: see the header */
		a[0] = (long)PICK(w, always_bad);
		r = syscall1(nr, a[0]);
		if (r != -EFAULT)
			bug(w, "pipe with a bad pointer", nr, a[0], 0, 0, r);
		break;
	case SYS_dup:
		a[0] = gen_fd(w, 1);
		r = syscall1(nr, a[0]);
		break;
	case SYS_dup2:
		a[0] = gen_fd(w, 1);
		a[1] = gen_fd(w, 0);
		r = syscall2(nr, a[0], a[1]);
		break;
	case SYS_ftruncate:
		a[0] = gen_fd(w, 0);
		a[1] = pick(w, 2) ? (long)pick(w, 5 * PAGE) : gen_int(w);
		r = syscall2(nr, a[0], a[1]);
		break;
	case SYS_getcwd:
		a[0] = (long)gen_ptr(w, &c0);
		a[1] = (long)gen_len(w);
		r = syscall2(nr, a[0], a[1]);
		if (r > 0 && c0 != P_GOOD)
			bug(w, "getcwd into a bad buffer", nr, a[0], a[1], 0, r);
		break;
	case SYS_chdir: {
		static const char *const dirs[] = { "/tmp/fz", "/tmp/fz/d", "/tmp/fz/a", "/nosuch", "" };
		a[0] = pick(w, 5) ? (long)PICK(w, dirs) : (long)PICK(w, always_bad);
		r = syscall1(nr, a[0]);
		break;
	}
	case SYS_mkdir:
	case SYS_rmdir:
	case SYS_unlink:
		a[0] = (long)gen_path(w, 1, &c0);
		r = syscall2(nr, a[0], 0755);
		if (r == 0 && c0 == P_BAD)
			bug(w, "mkdir/rmdir/unlink of a bad path pointer", nr, a[0], 0, 0, r);
		break;
	default:                /* SYS_getdents64 */
		a[0] = gen_fd(w, 1);
		a[1] = (long)gen_ptr(w, &c1);
		a[2] = (long)gen_len(w);
		r = syscall3(nr, a[0], a[1], a[2]);
		if (r > 0 && c1 != P_GOOD)
			bug(w, "getdents into a bad buffer", nr, a[0], a[1], a[2], r);
		break;
	}
	return r;
}

/* Before the threads: the pipe() cases that create descriptors. */
static int pipe_cases(void)
{
	int fds[2], bugs = 0;
	char c;
	if (pipe(fds) < 0 || write(fds[1], "z", 1) != 1 || read(fds[0], &c, 1) != 1 || c != 'z')
		bugs++;
	close(fds[1]);
	if (read(fds[0], &c, 1) != 0)           /* the last writer gone: EOF */
		bugs++;
	close(fds[0]);
	/* A user pointer access_ok() accepts but nothing is mapped at: the
	 * kernel installs both, fails the copy, and closes both again. */
	if (syscall1(SYS_pipe, (long)static_page(HOLE, 0)) != -EFAULT ||
	    syscall1(SYS_pipe, (long)static_page(RO, 0)) != -EFAULT)
		bugs++;
	int fd = dup(1);                        /* the lowest free: 3 if none leaked */
	if (fd != 3)
		bugs++;
	close(fd);
	return bugs;
}

/* After the threads: remove what they made under @path, and it. */
static void remove_tree(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	for (int guard = 0; guard < 1000; guard++) {
		DIR *d = opendir(path);
		char child[256] = "";
		struct dirent *e;
		while (d && (e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
				break;
			}
		if (d)
			closedir(d);
		if (!child[0])
			break;
		remove_tree(child);
	}
	rmdir(path);
}

static void one_call(struct worker *w)
{
	int which = (int)pick(w, NCALLS);
	long nr = calls[which];
	long a[6], r;
	enum ptr_class c0 = P_GOOD, c1 = P_GOOD, c2 = P_GOOD, c3 = P_GOOD;
	for (int i = 0; i < 6; i++)
		a[i] = gen_int(w);
	__atomic_add_fetch(&per_nr[which], 1, __ATOMIC_RELAXED);

	switch (nr) {
	case SYS_write:
		a[0] = pick(w, 2) ? (long)pick(w, 3) : gen_fd(w, 0);
		a[1] = (long)gen_ptr(w, &c1);
		a[2] = (long)gen_len(w);
		if (a[0] >= 0 && a[0] <= 2 && c1 != P_BAD && c1 != P_NONE)
			a[2] = 0;               /* no flood (see the header) */
		r = syscall3(nr, a[0], a[1], a[2]);
		if (r >= 0 && ((int)a[0] < 0 || (int)a[0] >= FD_MAX))
			bug(w, "write to a bad fd", nr, a[0], a[1], a[2], r);
		else if (r > 0 && (c1 == P_BAD || c1 == P_NONE))
			bug(w, "write from a bad buffer", nr, a[0], a[1], a[2], r);
		break;
	case SYS_mmap: {
		static const long flags[] = {
			MAP_PRIVATE | MAP_ANONYMOUS, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
			MAP_SHARED | MAP_ANONYMOUS, MAP_PRIVATE, 0, -1, MAP_ANONYMOUS,
			MAP_FIXED | MAP_ANONYMOUS, 0x7fffffff, MAP_SHARED, MAP_SHARED | MAP_FIXED,
			MAP_PRIVATE | MAP_FIXED, MAP_SHARED | MAP_PRIVATE,
		};
		unsigned long addr = pick(w, 3) ? gen_mm_addr(w) : PICK(w, always_bad);
		unsigned long len = gen_len(w);
		a[3] = pick(w, 4) ? PICK(w, flags) : gen_int(w);
		a[2] = pick(w, 2) ? (long)pick(w, 8) : gen_int(w);
		/* The descriptor: none, one that may be open (a file of
		 * /tmp/fz, a directory, a pipe, the console), or junk. */
		a[4] = pick(w, 3) == 0 ? -1 : pick(w, 4) ? gen_fd(w, 1) : gen_int(w);
		a[5] = pick(w, 2) ? 0 : pick(w, 2) ? (long)(pick(w, 4) * PAGE) : gen_int(w);
		/* Half the time a file of our own to map: opened (and
		 * sized) here, closed after; the pool's descriptors are rarely
		 * mappable files. */
		long own = -1;
		if (pick(w, 2) == 0) {
			own = syscall3(SYS_open, (long)(pick(w, 2) ? "/tmp/fz/a" : "/tmp/fz/b"),
				       O_RDWR | O_CREAT, 0644);
			if (pick(w, 2))
				syscall2(SYS_ftruncate, own, (long)(pick(w, 4) * PAGE + pick(w, 100)));
			a[3] = (pick(w, 2) ? MAP_SHARED : MAP_PRIVATE) | (pick(w, 4) ? 0 : MAP_FIXED);
			a[2] = pick(w, 4) ? PROT_READ | PROT_WRITE : (long)pick(w, 8);
			a[4] = own;
			a[5] = (long)(pick(w, 3) * PAGE);
			if (pick(w, 4))
				len = (1 + pick(w, 4)) * PAGE;
		}
		/* MAP_POPULATE on small lengths only: a populated gigabyte
		 * would spend the run's time and memory on zeroing. */
		if (pick(w, 8) == 0 && len <= (1ul << 20))
			a[3] |= MAP_POPULATE;
		if ((int)a[3] & MAP_FIXED)
			keep_off_self(w, &addr, &len);
		r = syscall6(nr, (long)addr, (long)len, a[2], a[3], a[4], a[5]);
		if (r >= 0 || r < -4095) {
			unsigned long m = (unsigned long)r;
			if (((int)a[3] & MAP_FIXED) && is_always_bad(addr))
				bug(w, "mmap(MAP_FIXED) at a bad address", nr, (long)addr, (long)len, a[3], r);
			else if (m < USER_BASE || m >= USER_END || m % PAGE || len == 0)
				bug(w, "mmap result", nr, (long)addr, (long)len, a[3], r);
			else {
				if (!((int)a[3] & MAP_ANONYMOUS))
					touch_file_mapping(w, m, len, a[4]);
				if (!(m >= CHURN && m < CHURN_END))
					syscall2(SYS_munmap, r, (long)len);     /* tidy up */
			}
		}
		if (own >= 0)
			syscall1(SYS_close, own);       /* a mapping keeps the file */
		break;
	}
	case SYS_mprotect:
	case SYS_munmap:
	case SYS_madvise: {
		unsigned long addr = gen_mm_addr(w), len = gen_len(w);
		keep_off_self(w, &addr, &len);
		a[2] = nr == SYS_madvise ? (pick(w, 2) ? MADV_DONTNEED : gen_int(w))
					 : (pick(w, 2) ? (long)pick(w, 8) : gen_int(w));
		r = syscall3(nr, (long)addr, (long)len, a[2]);
		if (r == 0 && is_always_bad(addr) && len)
			bug(w, "mm call on a bad address", nr, (long)addr, (long)len, a[2], r);
		break;
	}
	case SYS_nanosleep: {
		struct timespec *mine = (struct timespec *)(PRIVATE_BASE + (unsigned long)w->index * PAGE);
		mine->tv_sec = 0;
		mine->tv_nsec = (long)pick(w, 1000000);
		a[0] = pick(w, 2) ? (long)mine : (long)gen_ptr(w, &c0);
		if (a[0] != (long)mine && c0 != P_BAD && c0 != P_NONE)
			a[0] = (long)mine;      /* never junk as a request */
		a[1] = pick(w, 2) ? 0 : (long)gen_ptr(w, &c1);
		r = syscall2(nr, a[0], a[1]);
		if (r == 0 && a[0] != (long)mine)
			bug(w, "nanosleep read a bad request", nr, a[0], a[1], 0, r);
		break;
	}
	case SYS_sched_setaffinity:
	case SYS_sched_getaffinity: {
		static const long sizes[] = { 0, 7, 8, 16, 32, 33, 40, -1, 1l << 40 };
		a[0] = pick(w, 2) ? 0 : pick(w, 2) ? w->tid : gen_int(w);
		if (a[0] != w->tid && is_ours(a[0]) && pick(w, 2))
			a[0] = 0;
		a[1] = PICK(w, sizes);
		a[2] = (long)gen_ptr(w, &c2);
		r = syscall3(nr, a[0], a[1], a[2]);
		if (r >= 0 && (c2 == P_BAD || c2 == P_NONE || (nr == SYS_sched_getaffinity && c2 == P_RO)))
			bug(w, "affinity through a bad mask", nr, a[0], a[1], a[2], r);
		break;
	}
	case SYS_clock_gettime:
		a[0] = pick(w, 2) ? (long)pick(w, 2) : gen_int(w);
		a[1] = (long)gen_ptr(w, &c1);
		r = syscall2(nr, a[0], a[1]);
		if (r == 0 && c1 != P_GOOD)
			bug(w, "clock_gettime wrote a bad pointer", nr, a[0], a[1], 0, r);
		break;
	case SYS_getcpu:
		a[0] = pick(w, 4) ? (long)gen_ptr(w, &c0) : 0;
		a[1] = pick(w, 4) ? (long)gen_ptr(w, &c1) : 0;
		r = syscall3(nr, a[0], a[1], a[2]);
		if (r == 0 && ((a[0] && c0 != P_GOOD) || (a[1] && c1 != P_GOOD)))
			bug(w, "getcpu wrote a bad pointer", nr, a[0], a[1], a[2], r);
		break;
	case SYS_thread_create: {
		unsigned long entry = pick(w, 2) ? (unsigned long)fuzz_stub : PICK(w, always_bad);
		a[2] = pick(w, 2) ? (long)gen_ptr(w, &c2) : gen_int(w);
		r = syscall3(nr, (long)entry, a[1], a[2]);
		if (r >= 0 && is_always_bad(entry))
			bug(w, "thread_create at a bad entry", nr, (long)entry, a[1], a[2], r);
		else if (r >= 0 && w->nstubs < 8)
			w->stub_tids[w->nstubs++] = r;
		break;
	}
	case SYS_thread_join:
		if (w->nstubs && pick(w, 2)) {
			a[0] = w->stub_tids[--w->nstubs];
		} else {
			a[0] = pick(w, 2) ? w->tid : gen_int(w);
			if (a[0] != w->tid && is_ours(a[0]))
				a[0] = -1;      /* never a live fuzzer thread */
		}
		a[1] = pick(w, 3) ? (long)gen_ptr(w, &c1) : 0;
		r = syscall2(nr, a[0], a[1]);
		if (r == 0 && a[1] && c1 != P_GOOD)
			bug(w, "thread_join wrote a bad pointer", nr, a[0], a[1], 0, r);
		break;
	case SYS_spawn: {
		const char *argv_bad[] = { "true", (const char *)PICK(w, always_bad), NULL };
		const char *argv_ok[] = { "true", "x", long_name, NULL };
		const char *argv_exec[] = { "exectest", "args", NULL };
		a[0] = pick(w, 2) ? (long)PICK(w, names) : (long)gen_ptr(w, &c0);
		if (pick(w, 3) == 0)
			a[1] = 0;
		else if (pick(w, 2))
			a[1] = pick(w, 2) ? (long)argv_bad : (long)argv_ok;
		else
			a[1] = (long)gen_ptr(w, &c1);
		if (pick(w, 4) == 0) {          /* a child that execs (harmless) */
			a[0] = (long)"exectest";
			a[1] = (long)argv_exec;
			c0 = P_GOOD;
		}
		r = syscall2(nr, a[0], a[1]);
		if (r >= 0 && c0 != P_GOOD)
			bug(w, "spawn read a bad name", nr, a[0], a[1], 0, r);
		if (r >= 0 && w->nchildren < 8)
			w->children[w->nchildren++] = r;
		else if (r >= 0)
			syscall2(SYS_waitpid, r, 0);
		break;
	}
	case SYS_fork:
		/* Junk in the argument registers must not matter.  The child
		 * (only this thread, mid-fuzz, its memory shared copy-on-write
		 * with the churners') leaves at once; the parent keeps at most
		 * 8 children per worker, like spawn's. */
		r = syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (r == 0)
			syscall1(SYS_exit_group, 0);
		if (r > 0 && w->nchildren < 8)
			w->children[w->nchildren++] = r;
		else if (r > 0)
			syscall2(SYS_waitpid, r, 0);
		else if (r != -EAGAIN && r != -ENOMEM)
			bug(w, "fork failed with an unexpected error", nr, a[0], a[1], a[2], r);
		break;
	case SYS_waitpid: {
		/* Only a pid taken from our children goes back to the list:
		 * a random one may be our own pid, which a later kill() of a
		 * "child" would then end the fuzzer with. */
		int mine = w->nchildren && pick(w, 2);
		if (mine)
			a[0] = w->children[--w->nchildren];
		else
			a[0] = gen_int(w);
		a[1] = pick(w, 3) ? (long)gen_ptr(w, &c1) : 0;
		r = syscall2(nr, a[0], a[1]);
		if (r >= 0 && a[1] && c1 != P_GOOD)
			bug(w, "waitpid wrote a bad pointer", nr, a[0], a[1], 0, r);
		if (r == -EFAULT && w->nchildren < 8 && mine)
			w->children[w->nchildren++] = a[0];     /* still to reap */
		break;
	}
	case SYS_bench_report:
		for (int i = 0; i < 5; i++) {
			enum ptr_class c;
			if (i == 2)
				continue;       /* x: a number */
			a[i] = (long)gen_ptr(w, &c);
			if (c == P_BAD || c == P_NONE)
				c0 = P_BAD;     /* read-only pages are fine to read */
		}
		r = syscall5(nr, a[0], a[1], a[2], a[3], a[4]);
		if (r == 0 && c0 == P_BAD)
			bug(w, "bench_report read a bad pointer", nr, a[0], a[1], a[3], r);
		break;
	case SYS_pinbuf_register:
		a[0] = (long)gen_ptr(w, &c0);
		a[1] = (long)gen_len(w);
		a[2] = pick(w, 2);
		r = syscall3(nr, a[0], a[1], a[2]);
		if (r >= 0 && c0 == P_BAD)
			bug(w, "pinbuf_register pinned a bad address", nr, a[0], a[1], a[2], r);
		if (r >= 0)
			syscall1(SYS_pinbuf_unregister, r);     /* do not hoard pins */
		break;
	case SYS_pinbuf_unregister:
		a[0] = gen_int(w);
		r = syscall1(nr, a[0]);
		break;
	case SYS_pinbuf_peek:
		a[0] = gen_int(w);
		a[1] = gen_int(w);
		a[2] = (long)gen_ptr(w, &c2);
		r = syscall3(nr, a[0], a[1], a[2]);
		if (r == 0 && c2 != P_GOOD)
			bug(w, "pinbuf_peek wrote a bad pointer", nr, a[0], a[1], a[2], r);
		break;
	case SYS_gup_test:
		a[0] = (long)gen_ptr(w, &c0);
		a[1] = pick(w, 2) ? (long)pick(w, 16) : gen_int(w);
		a[2] = gen_int(w);
		a[3] = (long)gen_ptr(w, &c3);
		r = syscall4(nr, a[0], a[1], a[2], a[3]);
		(void)c3;       /* the cycles pointer: a bad one may only give -EFAULT */
		if (r > 0 && c0 == P_BAD)
			bug(w, "gup_test pinned a bad address", nr, a[0], a[1], a[2], r);
		break;
	case SYS_fault_stats:
		a[0] = (long)gen_ptr(w, &c0);
		r = syscall1(nr, a[0]);
		if (r == 0 && (c0 == P_BAD || c0 == P_NONE || c0 == P_RO))
			bug(w, "fault_stats wrote a bad pointer", nr, a[0], 0, 0, r);
		break;
	case SYS_read: case SYS_open: case SYS_close: case SYS_stat: case SYS_fstat:
	case SYS_lseek: case SYS_pread64: case SYS_pwrite64: case SYS_pipe: case SYS_dup:
	case SYS_dup2: case SYS_ftruncate: case SYS_getcwd: case SYS_chdir: case SYS_mkdir:
	case SYS_rmdir: case SYS_unlink: case SYS_getdents64: case SYS_openat:
		r = fs_call(w, nr, a);
		break;
	case SYS_execve: {
		static char *const argv_exit[] = { "exectest", "exit", "111", NULL };
		static char *const env_ok[] = { "A=1", NULL };
		/* Surely bad: always_bad has 0, which would end a vector (or be
		 * an empty one) rather than fault; | 1 keeps every other entry bad. */
		const char *argv_badstr[] = { "exectest", (const char *)(PICK(w, always_bad) | 1), NULL };
		const char *env_badstr[] = { "A=1", (const char *)(PICK(w, always_bad) | 1), NULL };
		static const char *const paths[] = { "exectest", "/bin/exectest", "nosuch", "",
						     "/bin/", "/usr/bin/true", long_name };
		int good_path = 0;
		if (pick(w, 4)) {
			a[0] = (long)PICK(w, paths);
			good_path = strcmp((const char *)a[0], "exectest") == 0 ||
				    strcmp((const char *)a[0], "/bin/exectest") == 0;
		} else {
			a[0] = (long)gen_ptr(w, &c0);     /* junk: a good one reads as a bad name */
		}
		/* argv and envp: 0 = the good vector (or NULL), 1 = a bad string
		 * in it, 2 = a surely bad pointer, 3 = a pointer of any class. */
		int av = (int)pick(w, 4), ev = (int)pick(w, 4);
		if (good_path && av < 1 && ev < 1) {
			if (pick(w, 2))
				av = 1 + (int)pick(w, 2);
			else
				ev = 1 + (int)pick(w, 2);
		}
		if (good_path && av == 3)
			av = 2;
		if (good_path && ev == 3)
			ev = 2;
		a[1] = av == 0 ? (pick(w, 2) ? (long)argv_exit : 0) : av == 1 ? (long)argv_badstr :
		       av == 2 ? (long)(PICK(w, always_bad) | 1) : (long)gen_ptr(w, &c1);
		a[2] = ev == 0 ? (pick(w, 2) ? (long)env_ok : 0) : ev == 1 ? (long)env_badstr :
		       ev == 2 ? (long)(PICK(w, always_bad) | 1) : (long)gen_ptr(w, &c2);
		if (a[1] == 0 && good_path)
			a[1] = (long)argv_exit;                     /* exit 111 if it ever ran */
		r = syscall3(nr, a[0], a[1], a[2]);
		/* Returning at all is the expected failure; an errno outside
		 * these is a BUG. */
		if (r != -EFAULT && r != -ENOENT && r != -E2BIG && r != -ENAMETOOLONG && r != -ENOMEM)
			bug(w, "execve", nr, a[0], a[1], a[2], r);
		break;
	}
	case SYS_wait4: {
		static const long opts[] = { 0, WNOHANG, 2, -1, 0x40000000 };
		int mine = w->nchildren && pick(w, 2);   /* as for waitpid */
		if (mine)
			a[0] = w->children[--w->nchildren];
		else
			a[0] = pick(w, 2) ? -1 : gen_int(w);
		a[1] = pick(w, 3) ? (long)gen_ptr(w, &c1) : 0;
		a[2] = pick(w, 3) ? PICK(w, opts) : gen_int(w);
		a[3] = pick(w, 3) ? 0 : (long)gen_ptr(w, &c3);
		r = syscall4(nr, a[0], a[1], a[2], a[3]);
		if (r > 0 && a[1] && c1 != P_GOOD)
			bug(w, "wait4 wrote a bad pointer", nr, a[0], a[1], a[2], r);
		if (r >= 0 && (a[3] || ((int)a[2] & ~WNOHANG)))
			bug(w, "wait4 took rusage or an unknown option", nr, a[0], a[2], a[3], r);
		if (r == 0 && ((int)a[2] & WNOHANG) == 0)
			bug(w, "wait4 returned 0 without WNOHANG", nr, a[0], a[1], a[2], r);
		/* Not reaped: still running (WNOHANG) or refused before looking.
		 * (-EFAULT may come after the reap: the child is gone then.) */
		if ((r == 0 || r == -EINVAL) && w->nchildren < 8 && mine)
			w->children[w->nchildren++] = a[0];     /* still to reap */
		break;
	}
	case SYS_kill: {
		static const long sigs[] = { 0, SIGKILL, SIGTERM, SIGSEGV, 1, 64, 65, -1, 1000 };
		long me = syscall0(SYS_getpid);
		if (w->nchildren && pick(w, 2))
			a[0] = w->children[pick(w, (unsigned long)w->nchildren)];
		else if ((int)a[0] == (int)me)
			a[0] = -1;              /* never ourselves (see the header) */
		a[1] = pick(w, 3) ? PICK(w, sigs) : gen_int(w);
		r = syscall2(nr, a[0], a[1]);
		int sig = (int)a[1];
		if (r == 0 && ((int)a[0] <= 0 || (sig != 0 && sig != SIGKILL && sig != SIGTERM)))
			bug(w, "kill of a bad pid or with a bad signal", nr, a[0], a[1], 0, r);
		break;
	}
	case SYS_getppid:
		r = syscall3(nr, a[0], a[1], a[2]);
		if (r < 0)
			bug(w, "getppid", nr, a[0], a[1], a[2], r);
		break;
	case -1: {
		static const long unknown[] = {
			56, 58, 63, 333, SYS_LAST + 1, 1100, 4096, 0x40000027,
			(1l << 32) | SYS_getpid, (1l << 63) | SYS_getpid, -1, -39,
		};
		nr = pick(w, 2) ? PICK(w, unknown) : (long)(rnd(w) | (1ul << 40));
		r = syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (r != -ENOSYS)
			bug(w, "a number no call has", nr, a[0], a[1], a[2], r);
		break;
	}
	case SYS_getpid:
	case SYS_gettid:
	case SYS_ncpus:
		r = syscall3(nr, a[0], a[1], a[2]);
		if (r <= 0)
			bug(w, "getpid/gettid/ncpus", nr, a[0], a[1], a[2], r);
		break;
	default:                /* sched_yield */
		r = syscall3(nr, a[0], a[1], a[2]);
		break;
	}
	w->calls++;
	if (r >= 0 || r < -4095)
		w->ok++;
	else
		w->errors++;
}

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *fuzzer(void *arg)
{
	struct worker *w = arg;
	w->tid = syscall0(SYS_gettid);
	pin(w->cpu);
	while (!go)
		sched_yield();
	for (long i = 0; i < calls_each; i++)
		one_call(w);
	for (int i = 0; i < w->nchildren; i++)
		syscall2(SYS_waitpid, w->children[i], 0);
	__atomic_add_fetch(&fuzzers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Churn: map, unmap, re-protect and drop pages under the fuzzers' calls. */
static void *churner(void *arg)
{
	struct worker *w = arg;
	w->tid = syscall0(SYS_gettid);
	pin(w->cpu);
	while (!go)
		sched_yield();
	while (__atomic_load_n(&fuzzers_done, __ATOMIC_ACQUIRE) < nworkers) {
		unsigned long a = CHURN + pick(w, CHURN_PAGES) * PAGE;
		unsigned long n = (1 + pick(w, 16)) * PAGE;
		if (a + n > CHURN_END)
			n = CHURN_END - a;
		switch (pick(w, 4)) {
		case 0:
			mmap((void *)a, n, (int)pick(w, 4), MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			break;
		case 1:
			munmap((void *)a, n);
			break;
		case 2:
			mprotect((void *)a, n, (int)pick(w, 4));
			break;
		default:
			madvise((void *)a, n, MADV_DONTNEED);
			break;
		}
		w->calls++;
	}
	return NULL;
}

/* Static pages: RW, RO, PROT_NONE, unmapped, repeating; then one private
 * RW page per fuzzer; then the churn area, all RW at first. */
static int setup_arena(void)
{
	if (mmap((void *)ARENA, (STATIC_PAGES + MAX_THREADS) * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != (void *)ARENA)
		return -1;
	if (mmap((void *)CHURN, CHURN_PAGES * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != (void *)CHURN)
		return -1;
	for (unsigned i = 0; i < STATIC_PAGES / 4; i++) {
		memset((void *)static_page(RW, i), 0x5a, PAGE);
		memset((void *)static_page(RO, i), 0xa5, PAGE);
		if (mprotect((void *)static_page(RO, i), PAGE, PROT_READ) ||
		    mprotect((void *)static_page(NONE, i), PAGE, PROT_NONE) ||
		    munmap((void *)static_page(HOLE, i), PAGE))
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long seed = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
	long total = argc > 2 ? strtol(argv[2], NULL, 0) : 1000;
	int threads = argc > 3 ? atoi(argv[3]) : 2;

	if (threads < 1 || threads > MAX_THREADS || total < 0) {
		printf("usage: fuzz SEED CALLS THREADS (1..%d threads)\n", MAX_THREADS);
		return 120;
	}
	if (setup_arena()) {
		printf("fuzz: cannot set up the arena at %#lx\n", ARENA);
		return 121;
	}
	remove_tree("/tmp/fz");                 /* a previous run's, if any */
	if (mkdir("/tmp/fz", 0755) < 0 || mkdir("/tmp/fz/d", 0755) < 0 || chdir("/tmp/fz") < 0) {
		printf("fuzz: cannot make /tmp/fz\n");
		return 123;
	}
	/* Standard input from /dev/null: run from the monitor, fd 0 is the
	 * terminal, and a read of it would wait for a typed line. */
	int nul = open("/dev/null", O_RDONLY);
	if (nul > 0) {
		dup2(nul, 0);
		close(nul);
	}
	long pipe_bugs = pipe_cases();
	if (pipe_bugs)
		printf("fuzz: BUG: pipe() before the threads: %ld cases wrong\n", pipe_bugs);
	ncpu = (int)syscall0(SYS_ncpus);
	main_tid = syscall0(SYS_gettid);
	nworkers = threads;
	nchurners = threads / 2 ? threads / 2 : 1;
	calls_each = (total + threads - 1) / threads;
	for (int i = 0; i < nworkers + nchurners; i++) {
		struct worker *w = i < nworkers ? &workers[i] : &churners[i - nworkers];
		w->index = i;
		w->cpu = i % ncpu;
		w->rng = (seed + 1) * 0x9e3779b97f4a7c15ull ^ ((unsigned long long)(i + 1) << 32);
		if (pthread_create(&w->th, NULL, i < nworkers ? fuzzer : churner, w)) {
			printf("fuzz: pthread_create failed\n");
			return 122;
		}
	}
	for (int i = 0; i < nworkers + nchurners; i++) {
		struct worker *w = i < nworkers ? &workers[i] : &churners[i - nworkers];
		while (!w->tid)
			sched_yield();          /* is_ours() needs every tid */
	}
	go = 1;
	long calls_made = 0, ok = 0, errors = 0, bugs = 0, churned = 0;
	for (int i = 0; i < nworkers; i++) {
		pthread_join(workers[i].th, NULL);
		calls_made += workers[i].calls;
		ok += workers[i].ok;
		errors += workers[i].errors;
		bugs += workers[i].bugs;
	}
	for (int i = 0; i < nchurners; i++) {
		pthread_join(churners[i].th, NULL);
		churned += churners[i].calls;
	}
	/* Descriptors the calls left open, then the files under /tmp/fz. */
	for (int fd = 3; fd < FD_MAX; fd++)
		close(fd);
	chdir("/");
	remove_tree("/tmp/fz");
	bugs += pipe_bugs;
	int missed = 0;
	for (int i = 0; i < NCALLS; i++)
		missed += per_nr[i] == 0;
	printf("fuzz: seed %llu, %ld calls from %d threads on %d CPUs (%ld succeeded, %ld refused), "
	       "%ld churn calls, %d of %d kinds never made, %ld bugs\n",
	       seed, calls_made, nworkers, ncpu, ok, errors, churned, missed, NCALLS, bugs);
	if (missed && total >= 50L * NCALLS)
		bugs++;                         /* a run that missed a call proves little */
	return bugs > 100 ? 100 : (int)bugs;
}
