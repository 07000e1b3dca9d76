/*
 * tests/kernel/fs.c - suite `fs`: the RAM file system, descriptor tables,
 * pipes and the page cache behind read/write, from the kernel side (with
 * kernel buffers) and from user programs (user/bin/fs_test.c, fs_pipe.c
 * and the tools).  Every case checks frames and heap back at their
 * baseline: files, pages, pipes and descriptors leak nothing.
 */
#include "tests/kernel/ktest.h"
#include "tests/kernel/ktest_fs.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/fdtable.h"
#include "kernel/errno.h"
#include "kernel/percpu.h"
#include "kernel/proc/process.h"
#include "kernel/proc/uapi/wait.h"
#include "kernel/sched/completion.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "mm/fault.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "asm/cpu.h"
#include "lib/string.h"
#include "user/programs.h"

static void test_tree_and_lookup(struct ktest *t)
{
	struct baseline b = mark();
	struct inode *ino;
	KTEST_ASSERT_EQ(t, path_lookup(fs_root(), "/bin/../bin/./hello", &ino), 0);
	KTEST_EXPECT_TRUE(t, ino->program == user_program_find("hello"));
	iput(ino);
	const struct user_program *prog = NULL;
	KTEST_EXPECT_EQ(t, fs_lookup_program(fs_root(), "/bin/hello", &prog), 0);
	KTEST_EXPECT_TRUE(t, prog == user_program_find("hello"));
	KTEST_EXPECT_EQ(t, fs_lookup_program(fs_root(), "/tmp", &prog), -EACCES);
	KTEST_EXPECT_EQ(t, fs_lookup_program(fs_root(), "/bin/nosuch", &prog), -ENOENT);
	KTEST_EXPECT_EQ(t, path_lookup(fs_root(), "/bin/hello/x", &ino), -ENOTDIR);
	KTEST_EXPECT_EQ(t, path_lookup(fs_root(), "/bin/hello/", &ino), -ENOTDIR);
	KTEST_EXPECT_EQ(t, path_lookup(fs_root(), "", &ino), -ENOENT);
	KTEST_EXPECT_EQ(t, path_lookup(fs_root(), "/..", &ino), 0);
	KTEST_EXPECT_TRUE(t, ino == fs_root());
	iput(ino);
	char longname[NAME_MAX + 3];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = 0;
	KTEST_EXPECT_EQ(t, path_lookup(fs_root(), longname, &ino), -ENAMETOOLONG);
	/* /bin and /dev are read-only. */
	KTEST_EXPECT_EQ(t, fs_mkdir(fs_root(), "/bin/x", 0755), -EROFS);
	KTEST_EXPECT_EQ(t, fs_unlink(fs_root(), "/bin/hello"), -EROFS);
	KTEST_EXPECT_EQ(t, fs_rmdir(fs_root(), "/bin"), -ENOTEMPTY);
	KTEST_EXPECT_EQ(t, fs_rmdir(fs_root(), "/"), -EBUSY);
	/* Directories: mkdir, EEXIST, ENOTEMPTY, getcwd of a nested one. */
	KTEST_EXPECT_EQ(t, fs_mkdir(fs_root(), "/tmp/a", 0755), 0);
	KTEST_EXPECT_EQ(t, fs_mkdir(fs_root(), "/tmp/a", 0755), -EEXIST);
	KTEST_EXPECT_EQ(t, fs_mkdir(fs_root(), "/tmp/a/b", 0755), 0);
	KTEST_EXPECT_EQ(t, fs_mkdir(fs_root(), "/tmp/nope/b", 0755), -ENOENT);
	KTEST_EXPECT_EQ(t, fs_rmdir(fs_root(), "/tmp/a"), -ENOTEMPTY);
	KTEST_ASSERT_EQ(t, path_lookup(fs_root(), "/tmp/a/b", &ino), 0);
	char buf[64];
	KTEST_EXPECT_EQ(t, fs_getcwd(ino, buf, sizeof(buf)), 9);
	KTEST_EXPECT_EQ(t, strcmp(buf, "/tmp/a/b"), 0);
	KTEST_EXPECT_EQ(t, fs_getcwd(ino, buf, 4), -ERANGE);
	KTEST_EXPECT_EQ(t, fs_rmdir(fs_root(), "/tmp/a/b/."), -EINVAL);
	KTEST_EXPECT_EQ(t, fs_rmdir(fs_root(), "/tmp/a/b"), 0);
	/* Removed while referenced (a cwd): lookups in it fail, it lives on. */
	struct inode *gone;
	KTEST_EXPECT_EQ(t, path_lookup(ino, ".", &gone), 0);
	iput(gone);
	KTEST_EXPECT_EQ(t, path_lookup(ino, "x", &gone), -ENOENT);
	KTEST_EXPECT_EQ(t, fs_getcwd(ino, buf, sizeof(buf)), -ENOENT);
	KTEST_EXPECT_EQ(t, fs_mkdir(ino, "c", 0755), -ENOENT);
	iput(ino);
	KTEST_EXPECT_EQ(t, fs_rmdir(fs_root(), "/tmp/a"), 0);
	expect_back(t, b);
}

static void test_read_write_truncate_unlink(struct ktest *t)
{
	struct baseline b = mark();
	int err;
	struct file *f = kopen("/tmp/rw", O_RDWR | O_CREAT | O_EXCL, &err);
	KTEST_ASSERT_EQ(t, err, 0);
	KTEST_EXPECT_EQ(t, kopen("/tmp/rw", O_RDWR | O_CREAT | O_EXCL, &err), NULL);
	KTEST_EXPECT_EQ(t, err, -EEXIST);
	KTEST_EXPECT_EQ(t, kopen("/tmp/rw/", O_RDONLY, &err), NULL);
	KTEST_EXPECT_EQ(t, err, -ENOTDIR);
	KTEST_EXPECT_EQ(t, kopen("/tmp", O_WRONLY, &err), NULL);
	KTEST_EXPECT_EQ(t, err, -EISDIR);
	KTEST_EXPECT_EQ(t, kopen("/tmp/rw", 3, &err), NULL);
	KTEST_EXPECT_EQ(t, err, -EINVAL);
	KTEST_EXPECT_EQ(t, kopen("/bin/hello", O_WRONLY, &err), NULL);
	KTEST_EXPECT_EQ(t, err, -EROFS);

	/* A write across a page boundary, read back; holes read as zero. */
	char buf[64];
	KTEST_EXPECT_EQ(t, vfs_lseek(f, 4090, SEEK_SET), 4090);
	KTEST_EXPECT_EQ(t, kwrite(f, "0123456789", 10), 10);
	KTEST_EXPECT_EQ(t, vfs_lseek(f, 0, SEEK_END), 4100);
	KTEST_EXPECT_EQ(t, vfs_lseek(f, -1, SEEK_SET), -EINVAL);
	KTEST_EXPECT_EQ(t, vfs_lseek(f, 0, 7), -EINVAL);
	struct iobuf io = kio(buf, 12);
	KTEST_EXPECT_EQ(t, vfs_pread(f, &io, 4088), 12);
	KTEST_EXPECT_EQ(t, memcmp(buf, "\0\0" "0123456789", 12), 0);
	io = kio(buf, 64);
	KTEST_EXPECT_EQ(t, vfs_pread(f, &io, 4100), 0);             /* at the end */
	KTEST_EXPECT_EQ(t, vfs_pread(f, &io, -1), -EINVAL);
	/* Shrink into the page, grow again: the old bytes read as zero. */
	KTEST_EXPECT_EQ(t, vfs_truncate(f->inode, 4095), 0);
	KTEST_EXPECT_EQ(t, vfs_truncate(f->inode, 4100), 0);
	io = kio(buf, 10);
	KTEST_EXPECT_EQ(t, vfs_pread(f, &io, 4090), 10);
	KTEST_EXPECT_EQ(t, memcmp(buf, "01234\0\0\0\0\0", 10), 0);
	KTEST_EXPECT_EQ(t, vfs_truncate(f->inode, -1), -EINVAL);
	KTEST_EXPECT_EQ(t, vfs_truncate(f->inode, TMPFS_FILE_MAX + 1), -EFBIG);
	/* EFBIG: nothing at or past the limit. */
	io = kio(buf, 1);
	KTEST_EXPECT_EQ(t, vfs_pwrite(f, &io, TMPFS_FILE_MAX), -EFBIG);
	io = kio(buf, 2);
	KTEST_EXPECT_EQ(t, vfs_pwrite(f, &io, TMPFS_FILE_MAX - 1), 1);  /* cut at the limit */
	KTEST_EXPECT_EQ(t, vfs_truncate(f->inode, 10), 0);
	/* O_APPEND writes at the end whatever the offset. */
	int e2;
	struct file *a = kopen("/tmp/rw", O_WRONLY | O_APPEND, &e2);
	KTEST_ASSERT_EQ(t, e2, 0);
	KTEST_EXPECT_EQ(t, kwrite(a, "xy", 2), 2);
	KTEST_EXPECT_EQ(t, READ_ONCE(f->inode->size), 12ul);
	KTEST_EXPECT_EQ(t, kread(a, buf, 1), -EBADF);            /* write-only */
	fput(a);
	/* Unlinked while open: still readable, gone at the last fput. */
	KTEST_EXPECT_EQ(t, fs_unlink(fs_root(), "/tmp/rw"), 0);
	KTEST_EXPECT_EQ(t, fs_unlink(fs_root(), "/tmp/rw"), -ENOENT);
	KTEST_EXPECT_EQ(t, kopen("/tmp/rw", O_RDONLY, &err), NULL);
	KTEST_EXPECT_EQ(t, err, -ENOENT);
	io = kio(buf, 2);
	KTEST_EXPECT_EQ(t, vfs_pread(f, &io, 10), 2);
	KTEST_EXPECT_EQ(t, memcmp(buf, "xy", 2), 0);
	KTEST_EXPECT_GT(t, tmpfs_pages_used(), b.pages);
	fput(f);
	expect_back(t, b);
}

/* ENOSPC: sparse files, one byte per page, until the space is used. */
static void test_enospc(struct ktest *t)
{
	struct baseline b = mark();
	static const char *names[] = { "/tmp/s0", "/tmp/s1", "/tmp/s2", "/tmp/s3" };
	long written = 0, r = 0;
	for (unsigned i = 0; i < 4 && r >= 0; i++) {
		int err;
		struct file *f = kopen(names[i], O_RDWR | O_CREAT, &err);
		KTEST_ASSERT_EQ(t, err, 0);
		for (uint64_t off = 0; off < TMPFS_FILE_MAX; off += PAGE_SIZE) {
			struct iobuf io = kio("z", 1);
			r = vfs_pwrite(f, &io, (int64_t)off);
			if (r < 0)
				break;
			written++;
		}
		fput(f);
	}
	KTEST_EXPECT_EQ(t, r, -ENOSPC);
	KTEST_EXPECT_EQ(t, written, TMPFS_MAX_PAGES - b.pages);
	for (unsigned i = 0; i < 4; i++)
		fs_unlink(fs_root(), names[i]);
	expect_back(t, b);
}

static void test_fdtable(struct ktest *t)
{
	struct baseline b = mark();
	struct fdtable *ft = fdtable_create(fs_root());
	KTEST_ASSERT_NOT_NULL(t, ft);
	int err;
	struct file *f = kopen("/tmp/fdt", O_RDWR | O_CREAT, &err);
	KTEST_ASSERT_EQ(t, err, 0);
	KTEST_EXPECT_EQ(t, fd_install(ft, f, false), 0);
	for (int i = 1; i < FD_MAX; i++)
		KTEST_EXPECT_EQ(t, fd_dup(ft, 0), i);
	KTEST_EXPECT_EQ(t, fd_dup(ft, 0), -EMFILE);
	KTEST_EXPECT_EQ(t, fd_dup(ft, FD_MAX), -EBADF);
	KTEST_EXPECT_EQ(t, fd_close(ft, 5), 0);
	KTEST_EXPECT_EQ(t, fd_close(ft, 5), -EBADF);
	KTEST_EXPECT_EQ(t, fd_close(ft, -1), -EBADF);
	KTEST_EXPECT_EQ(t, fd_dup2(ft, 0, 5), 5);
	KTEST_EXPECT_EQ(t, fd_dup2(ft, 0, 0), 0);
	KTEST_EXPECT_EQ(t, fd_dup2(ft, 0, FD_MAX), -EBADF);
	for (int i = 1; i < FD_MAX; i++)
		fd_close(ft, i);
	KTEST_EXPECT_EQ(t, fd_count(ft), 1);
	KTEST_EXPECT_EQ(t, fd_dup2(ft, 7, 1), -EBADF);
	/* fd 1: close-on-exec; the fork copy keeps the flag and shares the
	 * open file (one offset). */
	struct file *g = kopen("/tmp/fdt", O_RDONLY, &err);
	KTEST_ASSERT_EQ(t, err, 0);
	KTEST_EXPECT_EQ(t, fd_install(ft, g, true), 1);
	KTEST_EXPECT_TRUE(t, fd_cloexec(ft, 1));
	struct fdtable *child = fdtable_dup_for_fork(ft);
	KTEST_ASSERT_NOT_NULL(t, child);
	KTEST_EXPECT_TRUE(t, fd_cloexec(child, 1));
	KTEST_EXPECT_FALSE(t, fd_cloexec(child, 0));
	struct file *cf = fd_get(child, 0);
	KTEST_ASSERT_NOT_NULL(t, cf);
	KTEST_EXPECT_TRUE(t, cf == f);
	KTEST_EXPECT_EQ(t, kwrite(cf, "abc", 3), 3);
	fput(cf);
	KTEST_EXPECT_EQ(t, vfs_lseek(f, 0, SEEK_CUR), 3);      /* shared offset */
	KTEST_EXPECT_EQ(t, fd_dup(child, 1), 2);                 /* dup clears the flag */
	KTEST_EXPECT_FALSE(t, fd_cloexec(child, 2));
	fdtable_close_on_exec(child);
	KTEST_EXPECT_EQ(t, fd_count(child), 2);                  /* 0 and 2 */
	KTEST_EXPECT_NULL(t, fd_get(child, 1));
	KTEST_EXPECT_EQ(t, fd_count(ft), 2);                     /* the parent's untouched */
	fdtable_destroy(child);
	fdtable_destroy(ft);
	KTEST_EXPECT_EQ(t, fs_unlink(fs_root(), "/tmp/fdt"), 0);
	expect_back(t, b);
}

/* ---- pipes across CPUs ------------------------------------------------- */

#define PIPE_TOTAL (64 * 1024)

struct pipe_job {
	struct file *wr;
	long result;
};

static void pipe_writer(void *arg)
{
	struct pipe_job *j = arg;
	char chunk[1000];
	long done = 0;
	while (done < PIPE_TOTAL) {
		size_t left = (size_t)(PIPE_TOTAL - done);
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
		for (size_t i = 0; i < n; i++)
			chunk[i] = (char)((done + i) % 251);
		long r = kwrite(j->wr, chunk, n);
		if (r <= 0)
			break;
		done += r;
		/* Half way, pause: the reader drains the pipe and sleeps. */
		if (done >= PIPE_TOTAL / 2 && done - r < PIPE_TOTAL / 2)
			msleep(50);
	}
	j->result = done;
	fput(j->wr);                    /* the last writer: the reader sees EOF */
	thread_exit(0);
}

static void test_pipe_blocking_eof_epipe(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	struct baseline b = mark();
	struct file *rd, *wr;
	KTEST_ASSERT_EQ(t, pipe_create(&rd, &wr), 0);
	unsigned long rw0 = pipe_read_waits, ww0 = pipe_write_waits;
	struct pipe_job job = { wr, 0 };
	unsigned other = smp_processor_id() == 0 ? 1 : 0;
	struct thread *w = thread_create_on(other, "ktest-pipew", pipe_writer, &job);
	KTEST_ASSERT_NOT_NULL(t, w);
	msleep(50);                     /* the writer fills the pipe and sleeps */
	char buf[700];
	long got = 0, bad = 0, r;
	while ((r = kread(rd, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < r; i++)
			bad += buf[i] != (char)((got + i) % 251);
		got += r;
	}
	thread_join(w);
	KTEST_EXPECT_EQ(t, r, 0);                       /* EOF after the last writer */
	KTEST_EXPECT_EQ(t, got, PIPE_TOTAL);
	KTEST_EXPECT_EQ(t, job.result, PIPE_TOTAL);
	KTEST_EXPECT_EQ(t, bad, 0);
	ktest_log("pipe: reader slept %lu times, writer %lu",
		  pipe_read_waits - rw0, pipe_write_waits - ww0);
	KTEST_EXPECT_GT(t, pipe_write_waits - ww0, 0ul);  /* blocked on a full pipe */
	KTEST_EXPECT_GT(t, pipe_read_waits - rw0, 0ul);   /* blocked on an empty one */
	struct iobuf io = kio(buf, 1);
	KTEST_EXPECT_EQ(t, vfs_write(rd, &io), -EBADF);
	KTEST_EXPECT_EQ(t, vfs_pread(rd, &io, 0), -ESPIPE);
	KTEST_EXPECT_EQ(t, vfs_lseek(rd, 0, SEEK_SET), -ESPIPE);
	fput(rd);
	/* No reader: EPIPE (a user writer would be killed: fs_pipe sigpipe). */
	KTEST_ASSERT_EQ(t, pipe_create(&rd, &wr), 0);
	fput(rd);
	KTEST_EXPECT_EQ(t, kwrite(wr, "x", 1), -EPIPE);
	fput(wr);
	expect_back(t, b);
}

/* ---- page-cache coherence of read and write across CPUs ------------------ */

#define COH_LEN   (2 * PAGE_SIZE + 100)     /* spans three pages */
#define COH_ROUNDS 250             /* one byte value per round, no wrap */
#define COH_FLOOR  (COH_ROUNDS / 5)  /* changes the reader must see */
#define COH_BOUND_NS 20000000000ull

static unsigned long coh_reads;        /* the reader's count of reads done */

/* Each round: write all of COH_LEN with one byte value, then let the
 * reader run at least one read (at most ~1 ms of waiting) before the
 * next, so that it sees many rounds, while the reads still overlap the
 * writes. */
static void coherence_writer(void *arg)
{
	struct file *f = arg;
	char *buf = kmalloc(COH_LEN);
	for (int r = 1; buf && r <= COH_ROUNDS; r++) {
		memset(buf, r & 0xff, COH_LEN);
		struct iobuf io = kio(buf, COH_LEN);
		unsigned long seen = READ_ONCE(coh_reads);
		vfs_pwrite(f, &io, 0);
		uint64_t until = ktime_ns() + 1000000;
		while (READ_ONCE(coh_reads) < seen + 2 && ktime_ns() < until)
			cpu_relax();
	}
	kfree(buf);
	thread_exit(0);
}

/* One pass: the writer on @other rewrites the file COH_ROUNDS times while
 * this thread reads it.  Adds to the counts; false if the pass timed out. */
static bool coherence_pass(struct file *f, char *buf, unsigned other, uint64_t end,
			   int *changes, int *torn, int *backwards)
{
	struct thread *w = thread_create_on(other, "ktest-cohw", coherence_writer, f);
	if (!w)
		return false;
	int last = 0;
	while (last != COH_ROUNDS && ktime_ns() < end) {
		struct iobuf io = kio(buf, COH_LEN);
		long n = vfs_pread(f, &io, 0);
		WRITE_ONCE(coh_reads, coh_reads + 1);
		if (n == 0)
			continue;               /* before the pass's first write */
		if (n != COH_LEN) {
			(*torn)++;
			continue;
		}
		int v = (unsigned char)buf[0];
		for (long i = 1; i < n; i++)
			if ((unsigned char)buf[i] != v) {
				(*torn)++;
				break;
			}
		if (v != last) {
			(*changes)++;
			*backwards += v < last;
			last = v;
		}
	}
	thread_join(w);
	return last == COH_ROUNDS;
}

static void test_pagecache_coherence(struct ktest *t)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	struct baseline b = mark();
	int err;
	struct file *f = kopen("/tmp/coh", O_RDWR | O_CREAT, &err);
	KTEST_ASSERT_EQ(t, err, 0);
	char *buf = kmalloc(COH_LEN);
	KTEST_ASSERT_NOT_NULL(t, buf);
	unsigned other = smp_processor_id() == 0 ? 1 : 0;
	/* Each read sees one write whole (all bytes equal), and within a
	 * pass the rounds only move forward.  The changes seen are the race
	 * floor: passes repeat (the file emptied between them) until it is
	 * met, within the bound. */
	int changes = 0, torn = 0, backwards = 0, passes = 0;
	uint64_t end = ktime_ns() + COH_BOUND_NS;
	while (changes < COH_FLOOR && ktime_ns() < end) {
		vfs_truncate(f->inode, 0);
		passes++;
		if (!coherence_pass(f, buf, other, end, &changes, &torn, &backwards))
			break;
	}
	ktest_log("coherence: %d changes seen across CPUs in %d passes", changes, passes);
	KTEST_EXPECT_EQ(t, torn, 0);
	KTEST_EXPECT_EQ(t, backwards, 0);
	KTEST_EXPECT_GE(t, changes, COH_FLOOR);
	kfree(buf);
	fput(f);
	fs_unlink(fs_root(), "/tmp/coh");
	expect_back(t, b);
}

/* ---- failures: allocation faults leave nothing behind --------------------- */

static void test_alloc_failures(struct ktest *t)
{
	struct baseline b = mark();
	int failures = 0;
	for (unsigned long n = 1; n <= 12; n++) {
		kmalloc_fail_nth(n, current);
		int err;
		struct file *f = kopen("/tmp/inj", O_RDWR | O_CREAT, &err);
		if (f) {
			static char data[3 * PAGE_SIZE];
			kwrite(f, data, sizeof(data));
			fput(f);
		} else {
			failures++;
			KTEST_EXPECT_EQ(t, err, -ENOMEM);
		}
		struct file *rd, *wr;
		if (pipe_create(&rd, &wr) == 0) {
			fput(rd);
			fput(wr);
		} else {
			failures++;
		}
		fs_mkdir(fs_root(), "/tmp/injd", 0755);
		kmalloc_fail_nth(0, NULL);
		fs_unlink(fs_root(), "/tmp/inj");
		fs_rmdir(fs_root(), "/tmp/injd");
	}
	KTEST_EXPECT_GT(t, failures, 0);
	expect_back(t, b);
}

/* ---- from user space ------------------------------------------------------ */

static void test_user_calls(struct ktest *t)
{
	struct baseline b = mark();
	KTEST_EXPECT_EQ(t, ktest_run_program("fs_test", 0, NULL), 0);   /* failed checks */
	expect_back(t, b);
}

static void test_user_pipes(struct ktest *t)
{
	struct baseline b = mark();
	char *argv[] = { "fs_pipe", "threads", NULL };
	KTEST_EXPECT_EQ(t, ktest_run_program("fs_pipe", 2, argv), 0);
	/* A write with no reader kills the writer, with a message. */
	unsigned before = ktest_log_count("SIGPIPE");
	char *argv2[] = { "fs_pipe", "sigpipe", NULL };
	int status = ktest_run_program("fs_pipe", 2, argv2);
	KTEST_EXPECT_EQ(t, status, __W_SIGNALED(SIGPIPE));     /* not exit 3: write returned */
	KTEST_EXPECT_EQ(t, ktest_log_count("SIGPIPE"), before + 1);
	expect_back(t, b);
}

static int run_tool(const char *line)
{
	char copy[128], *argv[8];
	int argc = 0;
	strlcpy(copy, line, sizeof(copy));
	for (char *p = copy; *p && argc < 7;) {
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = 0;
	}
	argv[argc] = NULL;
	return ktest_run_program(argv[0], argc, argv);
}

static void test_tools(struct ktest *t)
{
	struct baseline b = mark();
	KTEST_EXPECT_EQ(t, run_tool("mkdir -p /tmp/tools/sub"), 0);
	int err;
	struct file *f = kopen("/tmp/tools/t.txt", O_WRONLY | O_CREAT, &err);
	KTEST_ASSERT_EQ(t, err, 0);
	kwrite(f, "one two\nthree four five\nfs-tools-marker\n", 40);
	fput(f);
	unsigned n = ktest_log_count("fs-tools-marker");
	KTEST_EXPECT_EQ(t, run_tool("cat /tmp/tools/t.txt"), 0);
	KTEST_EXPECT_EQ(t, ktest_log_count("fs-tools-marker"), n + 1);
	n = ktest_log_count("      3       6      40 /tmp/tools/t.txt");
	KTEST_EXPECT_EQ(t, run_tool("wc /tmp/tools/t.txt"), 0);
	KTEST_EXPECT_EQ(t, ktest_log_count("      3       6      40 /tmp/tools/t.txt"), n + 1);
	n = ktest_log_count("echo-marker-42");
	KTEST_EXPECT_EQ(t, run_tool("echo echo-marker-42"), 0);
	KTEST_EXPECT_EQ(t, ktest_log_count("echo-marker-42"), n + 1);
	n = ktest_log_count("t.txt");
	KTEST_EXPECT_EQ(t, run_tool("ls -l /tmp/tools"), 0);
	KTEST_EXPECT_EQ(t, ktest_log_count("t.txt"), n + 1);
	KTEST_EXPECT_EQ(t, run_tool("ls /tmp/nosuch"), __W_EXITCODE(1));
	KTEST_EXPECT_EQ(t, run_tool("cat /tmp/nosuch"), __W_EXITCODE(1));
	KTEST_EXPECT_EQ(t, run_tool("rm /tmp/tools"), __W_EXITCODE(1));            /* a directory, no -r */
	KTEST_EXPECT_EQ(t, run_tool("rm -r /tmp/tools"), 0);
	struct inode *ino;
	KTEST_EXPECT_EQ(t, path_lookup(fs_root(), "/tmp/tools", &ino), -ENOENT);
	expect_back(t, b);
}

/*
 * The outside-style benchmark programs (user/bin/pipe_bw.c, file_fault.c,
 * shm_fork.c), each run briefly: exit 0, exactly one RESULT line a
 * figure (each checks its own data: pipe_bw the stream's bytes, shm_fork
 * the others' stores), and frames, heap and tmpfs pages back (file_fault's
 * unlinked file and both programs' shared memory freed).  Bad arguments
 * give the usage and exit 2.
 */
static void test_bench_programs(struct ktest *t)
{
	/* file_faults: file faults the run must at least cause (one pass of
	 * 1 MiB by one child: the program would not have measured faults). */
	static const struct { const char *line, *says; unsigned results, file_faults; } runs[] = {
		{ "pipe_bw 64 1 512 4096", "RESULT test=pipe metric=kib_per_s", 2, 0 },
		{ "file_fault shared 2 1 0 1", "RESULT test=file_fault_procs metric=pages_per_s_shared x=2", 1, 256 },
		{ "file_fault private 2 1 0 1", "RESULT test=file_fault_procs metric=pages_per_s_private x=2", 1, 256 },
		{ "shm_fork 2 10 64", "RESULT test=shm_fork metric=pages_per_s x=2", 1, 0 },
	};
	struct baseline b = mark();
	for (unsigned i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		unsigned n = ktest_log_count(runs[i].says);
		uint64_t faults = READ_ONCE(filemap_faults);
		KTEST_EXPECT_EQ(t, run_tool(runs[i].line), 0);
		KTEST_EXPECT_EQ(t, ktest_log_count(runs[i].says), n + runs[i].results);
		KTEST_EXPECT_GE(t, READ_ONCE(filemap_faults) - faults, (uint64_t)runs[i].file_faults);
	}
	KTEST_EXPECT_EQ(t, run_tool("pipe_bw 0"), __W_EXITCODE(2));
	KTEST_EXPECT_EQ(t, run_tool("file_fault both 1 1 0"), __W_EXITCODE(2));
	KTEST_EXPECT_EQ(t, run_tool("shm_fork 99 1"), __W_EXITCODE(2));
	expect_back(t, b);
}

static struct ktest_case fs_cases[] = {
	KTEST_CASE(test_tree_and_lookup),
	KTEST_CASE(test_read_write_truncate_unlink),
	KTEST_CASE(test_enospc),
	KTEST_CASE(test_fdtable),
	KTEST_CASE(test_pipe_blocking_eof_epipe),
	KTEST_CASE(test_pagecache_coherence),
	KTEST_CASE(test_alloc_failures),
	KTEST_CASE(test_user_calls),
	KTEST_CASE(test_user_pipes),
	KTEST_CASE(test_tools),
	KTEST_CASE(test_bench_programs),
	{}
};
KTEST_SUITE(fs, fs_cases);
