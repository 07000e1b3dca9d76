/*
 * bench/kernel/bench_file.c - faults on file mappings (mm/filemap_fault.c,
 * docs/files.md), by the build's FAULT path (FAULT=spf sends them to the
 * locked path, counted as SPF_ABORT_FILE: its figure is the abort plus a
 * locked fault):
 *   file_fault   cycles of one fault on a page already in the page cache:
 *                a read fault of a MAP_SHARED mapping (file_read_shared),
 *                a write fault of a MAP_SHARED mapping (file_write_shared:
 *                the cache page mapped writable), a write fault of a
 *                MAP_PRIVATE mapping (file_write_private: a copy).
 * A tmpfs file of FF_PAGES pages, written first (every page cached), is
 * mapped from a kernel thread (kthread_use_mm(), as the gup and fork
 * benchmarks: no process noise); each round touches every page once and
 * MADV_DONTNEED drops the mappings' PTEs (never the cache's pages).
 */
#include "bench/kernel/bench.h"
#include "kernel/fs/fs.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/sched/thread.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/uaccess.h"
#include "lib/string.h"
#include "asm/cpu.h"
#include "asm/page.h"

#define FF_AREA   0x200000000ul
#define FF_PAGES  256
#define FF_ROUNDS 4

/* Cycles of each first touch of FF_PAGES pages at FF_AREA, FF_ROUNDS times. */
static unsigned touch_rounds(struct mm_struct *mm, bool write, uint64_t *v)
{
	unsigned n = 0;
	for (int r = 0; r < FF_ROUNDS; r++) {
		for (unsigned i = 0; i < FF_PAGES; i++) {
			uint64_t x = i, t0 = get_cycles_ordered();
			void *p = (void *)(FF_AREA + (uintptr_t)i * PAGE_SIZE);
			int bad = write ? (int)copy_to_user(p, &x, sizeof(x))
					: (int)copy_from_user(&x, p, sizeof(x));
			uint64_t t1 = get_cycles_ordered();
			if (!bad)
				v[n++] = t1 - t0;
		}
		do_madvise(mm, FF_AREA, FF_PAGES * PAGE_SIZE, MADV_DONTNEED);
	}
	return n;
}

static void bench_file_fault(void)
{
	static uint64_t v[FF_PAGES * FF_ROUNDS];
	static char page[PAGE_SIZE];
	struct file *f = NULL;
	if (vfs_open(fs_root(), "/tmp/bench-file-fault", O_RDWR | O_CREAT | O_TRUNC, 0600, &f))
		return;
	memset(page, 0x5a, sizeof(page));
	struct iobuf io = { .addr = (uintptr_t)page, .len = PAGE_SIZE, .user = false };
	for (int i = 0; i < FF_PAGES; i++)
		if (vfs_write(f, &io) != PAGE_SIZE)
			goto out;
	struct mm_struct *mm = mm_create();
	if (!mm)
		goto out;
	kthread_use_mm(mm);
	static const struct { const char *metric; int flags; bool write; } kinds[] = {
		{ "file_read_shared", MAP_SHARED, false },
		{ "file_write_shared", MAP_SHARED, true },
		{ "file_write_private", MAP_PRIVATE, true },
	};
	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if (do_mmap_file(mm, FF_AREA, FF_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
				 kinds[k].flags | MAP_FIXED, f, 0) != (long)FF_AREA)
			break;
		unsigned n = touch_rounds(mm, kinds[k].write, v);
		if (n)
			bench_report_cycles("file_fault", kinds[k].metric, 1, v, n);
		do_munmap(mm, FF_AREA, FF_PAGES * PAGE_SIZE);
	}
	kthread_unuse_mm(mm);
	mm_put(mm);
out:
	fput(f);
	fs_unlink(fs_root(), "/tmp/bench-file-fault");
}
BENCHMARK(file_fault, "cycles of a fault on a cached file page: shared read, shared write, private write",
	  bench_file_fault);
