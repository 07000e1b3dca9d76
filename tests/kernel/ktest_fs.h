/*
 * tests/kernel/ktest_fs.h - what the file-system suites (fs, shell) share:
 * kernel-buffer read/write/open of files, and the baseline of frames,
 * heap and tmpfs pages that every case must come back to.
 */
#ifndef TESTS_KERNEL_KTEST_FS_H
#define TESTS_KERNEL_KTEST_FS_H

#include "tests/kernel/ktest.h"
#include "kernel/fs/fs.h"

static inline struct iobuf kio(void *buf, size_t len)
{
	return (struct iobuf){ .addr = (uintptr_t)buf, .len = len, .user = false };
}

static inline long kwrite(struct file *f, const char *s, size_t n)
{
	struct iobuf io = kio((void *)s, n);
	return vfs_write(f, &io);
}

static inline long kread(struct file *f, char *buf, size_t n)
{
	struct iobuf io = kio(buf, n);
	return vfs_read(f, &io);
}

static inline struct file *kopen(const char *path, unsigned flags, int *err)
{
	struct file *f = NULL;
	*err = vfs_open(fs_root(), path, flags, 0644, &f);
	return f;
}

struct baseline { uint64_t frames, heap; long pages; };

static inline struct baseline mark(void)
{
	ktest_settle(0, 0, 300);
	return (struct baseline){ ktest_frames_available(), ktest_heap_bytes(), tmpfs_pages_used() };
}

static inline void expect_back(struct ktest *t, struct baseline b)
{
	ktest_settle(b.frames, b.heap, 5000);
	KTEST_EXPECT_EQ(t, ktest_frames_available(), b.frames);
	KTEST_EXPECT_EQ(t, ktest_heap_bytes(), b.heap);
	KTEST_EXPECT_EQ(t, tmpfs_pages_used(), b.pages);
}

#endif
