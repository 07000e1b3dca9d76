/*
 * tests/kernel/user.c - suite `user`: processes in ring 3, the memory
 * system calls, user faults, the ELF loader's checks and the user-copy
 * routines.  The programs are the ones in user/bin/, embedded in the image.
 */
#include "tests/kernel/ktest.h"
#include "kernel/proc/elf.h"
#include "kernel/errno.h"
#include "kernel/proc/process.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "mm/kmalloc.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"
#include "mm/mm.h"
#include "mm/pgtable_free.h"
#include "mm/mmap.h"
#include "mm/fault.h"
#include "asm/cpu.h"
#include "kernel/time.h"
#include "kernel/rcu/rcu.h"
#include "asm/traps.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "user/programs.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/proc/uapi/wait.h"

static int run(const char *name, int argc, char **argv)
{
	return ktest_run_program(name, argc, argv);
}

static uint64_t frames_available(void) { return ktest_frames_available(); }
static uint64_t heap_bytes(void) { return ktest_heap_bytes(); }

static void test_hello(struct ktest *t)
{
	char *argv[] = { "hello", "one", "two", NULL };
	KTEST_EXPECT_EQ(t, run("hello", 3, argv), 0);
}

static void test_vm_syscalls(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, run("vmtest", 0, NULL), 0);   /* its exit code: failed checks */
}

static void test_threads_on_every_cpu(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, run("threads", 0, NULL), 0);
}

static void test_posix_program(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, run("posix_demo", 0, NULL), 0);
}

static void test_segfault_kills_only_the_process(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, run("segv", 0, NULL), EXIT_SEGV);
	/* The kernel and the next process go on. */
	KTEST_EXPECT_EQ(t, run("hello", 0, NULL), 0);
}

static void test_unknown_program(struct ktest *t)
{
	char *argv[] = { "nosuch", NULL };
	KTEST_EXPECT_EQ(t, process_spawn("nosuch", 1, argv, NULL), -ENOENT);
}

/* ---- the ELF loader refuses bad files ----------------------------------- */

static void test_elf_checks(struct ktest *t)
{
	const struct user_program *p = user_program_find("hello");
	KTEST_ASSERT_NOT_NULL(t, p);
	uint8_t *img = kmalloc(p->size);
	KTEST_ASSERT_NOT_NULL(t, img);
	const char *why = NULL;
	KTEST_EXPECT_EQ(t, elf_check(p->start, p->size, &why), 0);

	struct { const char *what; size_t off; uint64_t val; int width; size_t size; } cases[] = {
		{ "truncated header", 0, 0, 0, 40 },
		{ "bad magic", 1, 'X', 1, 0 },
		{ "32-bit class", 4, 1, 1, 0 },
		{ "big endian", 5, 2, 1, 0 },
		{ "not executable (ET_DYN)", 16, 3, 2, 0 },
		{ "wrong machine", 18, 3, 2, 0 },
		{ "phentsize", 54, 32, 2, 0 },
		{ "phnum 0", 56, 0, 2, 0 },
		{ "phnum huge", 56, 60000, 2, 0 },
		{ "phoff beyond the file", 32, 1ull << 40, 8, 0 },
		{ "entry outside the segments", 24, 0x10, 8, 0 },
		{ "file cut short", 0, 0, 0, 200 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(img, p->start, p->size);
		if (cases[i].width == 1)
			img[cases[i].off] = (uint8_t)cases[i].val;
		else if (cases[i].width == 2)
			*(uint16_t *)(img + cases[i].off) = (uint16_t)cases[i].val;
		else if (cases[i].width == 8)
			*(uint64_t *)(img + cases[i].off) = cases[i].val;
		size_t size = cases[i].size ? cases[i].size : p->size;
		why = NULL;
		int r = elf_check(img, size, &why);
		if (r != -ENOEXEC)
			ktest_fail(t, __FILE__, __LINE__, "ELF with %s accepted", cases[i].what);
		else
			ktest_log("%s: refused (%s)", cases[i].what, why);
	}
	/* A segment pointing into kernel space or outside the file. */
	uint64_t phoff = *(uint64_t *)(p->start + 32);
	memcpy(img, p->start, p->size);
	*(uint64_t *)(img + phoff + 16) = 0xffff800000000000ull;    /* first phdr's vaddr */
	KTEST_EXPECT_EQ(t, elf_check(img, p->size, &why), -ENOEXEC);
	memcpy(img, p->start, p->size);
	*(uint64_t *)(img + phoff + 8) = p->size;                    /* offset at EOF */
	*(uint64_t *)(img + phoff + 32) = 4096;                      /* filesz */
	KTEST_EXPECT_EQ(t, elf_check(img, p->size, &why), -ENOEXEC);
	memcpy(img, p->start, p->size);
	*(uint64_t *)(img + phoff + 32) = *(uint64_t *)(img + phoff + 40) + 1; /* filesz > memsz */
	KTEST_EXPECT_EQ(t, elf_check(img, p->size, &why), -ENOEXEC);
	kfree(img);
}

/* ---- user copies never oops ------------------------------------------------ */

static void test_uaccess_bad_pointers(struct ktest *t)
{
	char buf[16];
	/* This kernel thread has no user mm: every user address is bad. */
	KTEST_EXPECT_EQ(t, copy_from_user(buf, (void *)0x400000, 8), -EFAULT);
	KTEST_EXPECT_EQ(t, copy_to_user((void *)0x500000, buf, 8), -EFAULT);
	KTEST_EXPECT_EQ(t, copy_from_user(buf, (void *)0xffff888000000000ull, 8), -EFAULT);
	KTEST_EXPECT_EQ(t, copy_from_user(buf, (void *)0x10, 8), -EFAULT);
	KTEST_EXPECT_EQ(t, copy_from_user(buf, (void *)(USER_END - 4), 8), -EFAULT);
	KTEST_EXPECT_EQ(t, strncpy_from_user(buf, (void *)0x400000, sizeof(buf)), -EFAULT);
	KTEST_EXPECT_EQ(t, copy_from_user(buf, (void *)0x400000, 0), 0);
	KTEST_EXPECT_FALSE(t, access_ok(USER_END - 8, 16));
	KTEST_EXPECT_FALSE(t, access_ok(0x400000, (size_t)-1));
	KTEST_EXPECT_TRUE(t, access_ok(0x400000, 4096));
}

static void test_user_reads_kernel_memory(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, run("readkernel", 0, NULL), EXIT_SEGV);
}

static void test_1000_spawns_leak_nothing(struct ktest *t)
{
	KTEST_ASSERT_EQ(t, run("true", 0, NULL), 0);   /* warm up caches */
	rcu_barrier();                                  /* deferred frees done */
	msleep(20);                                     /* and the last thread reaped */
	uint64_t frames = frames_available(), heap = heap_bytes();
	int bad = 0;
	uint64_t t0 = ktime_ns();
	for (int i = 0; i < 1000; i++)
		bad += run("true", 0, NULL) != 0;
	ktest_log("1000 spawn+exit+wait cycles in %llu ms", (unsigned long long)((ktime_ns() - t0) / 1000000));
	rcu_barrier();
	msleep(20);
	KTEST_EXPECT_EQ(t, bad, 0);
	KTEST_EXPECT_EQ(t, frames_available(), frames);
	KTEST_EXPECT_EQ(t, heap_bytes(), heap);
}

static void test_no_frame_leak(struct ktest *t)
{
	/* Warm up, then the same runs must give back every frame: pages,
	 * page tables, VMAs, thread structures. */
	run("vmtest", 0, NULL);
	run("threads", 0, NULL);
	rcu_barrier();
	msleep(20);
	uint64_t frames = frames_available(), heap = heap_bytes();
	for (int i = 0; i < 3; i++) {
		KTEST_EXPECT_EQ(t, run("vmtest", 0, NULL), 0);
		KTEST_EXPECT_EQ(t, run("threads", 0, NULL), 0);
		KTEST_EXPECT_EQ(t, run("segv", 0, NULL), EXIT_SEGV);
	}
	rcu_barrier();
	msleep(20);
	KTEST_EXPECT_EQ(t, frames_available(), frames);
	KTEST_EXPECT_EQ(t, heap_bytes(), heap);
}

/* ---- an address space driven from the kernel ------------------------------ */

/* Make the calling kernel thread use a fresh user mm (as a user thread
 * would), so the mm code and the user-copy routines can be tested here. */
static struct mm_struct *adopt_new_mm(void)
{
	struct mm_struct *mm = mm_create();
	if (!mm)
		return NULL;
	kthread_use_mm(mm);
	return mm;
}

static void drop_mm(struct mm_struct *mm)
{
	kthread_unuse_mm(mm);
	mm_put(mm);
}

static int nr_vmas(struct mm_struct *mm)
{
	return mm->vmas ? mm->vmas->nr : 0;
}

static void test_vma_split_and_merge(struct ktest *t)
{
	struct mm_struct *mm = adopt_new_mm();
	KTEST_ASSERT_NOT_NULL(t, mm);
	long a = do_mmap(mm, 0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	KTEST_ASSERT_GE(t, a, (long)USER_BASE);
	KTEST_EXPECT_EQ(t, nr_vmas(mm), 1);
	KTEST_EXPECT_EQ(t, do_mprotect(mm, a + PAGE_SIZE, PAGE_SIZE, PROT_READ), 0);
	KTEST_EXPECT_EQ(t, nr_vmas(mm), 3);                 /* split in three */
	KTEST_EXPECT_EQ(t, vma_find(mm, a + PAGE_SIZE)->flags & VM_WRITE, 0u);
	KTEST_EXPECT_EQ(t, do_mprotect(mm, a + PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	KTEST_EXPECT_EQ(t, nr_vmas(mm), 1);                 /* merged back */
	KTEST_EXPECT_EQ(t, do_munmap(mm, a + 2 * PAGE_SIZE, PAGE_SIZE), 0);
	KTEST_EXPECT_EQ(t, nr_vmas(mm), 2);
	KTEST_EXPECT_TRUE(t, vma_find(mm, a + 2 * PAGE_SIZE) == NULL);
	KTEST_EXPECT_EQ(t, do_mmap(mm, a + 2 * PAGE_SIZE, PAGE_SIZE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), a + 2 * (long)PAGE_SIZE);
	KTEST_EXPECT_EQ(t, nr_vmas(mm), 1);
	KTEST_EXPECT_EQ(t, vma_find(mm, a)->start, (uintptr_t)a);
	KTEST_EXPECT_EQ(t, vma_find(mm, a)->end, (uintptr_t)a + 4 * PAGE_SIZE);
	drop_mm(mm);
}

/*
 * Placement: a length of whole 2 MiB blocks starts on a 2 MiB boundary even
 * below a neighbour that ends off one (so it owns its PTE tables: munmap
 * then scans no table it shares); other lengths go flush against the
 * neighbour, as before.
 */
static void test_mmap_aligns_whole_2m_lengths(struct ktest *t)
{
	struct mm_struct *mm = adopt_new_mm();
	KTEST_ASSERT_NOT_NULL(t, mm);
	const int rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	long small = do_mmap(mm, 0, 3 * PAGE_SIZE, rw, anon, -1, 0);
	KTEST_ASSERT_GE(t, small, (long)USER_BASE);
	long next = do_mmap(mm, 0, PAGE_SIZE, rw, anon, -1, 0);   /* flush below it */
	KTEST_EXPECT_EQ(t, next, small - (long)PAGE_SIZE);
	KTEST_EXPECT_NE(t, next & (long)(PMD_SIZE - 1), 0l);     /* off a 2 MiB boundary */
	long big = do_mmap(mm, 0, 2 * PMD_SIZE, rw, anon, -1, 0);
	KTEST_ASSERT_GE(t, big, (long)USER_BASE);
	KTEST_EXPECT_EQ(t, big & (long)(PMD_SIZE - 1), 0l);
	KTEST_EXPECT_LE(t, big + 2 * (long)PMD_SIZE, next);      /* below, not overlapping */
	KTEST_EXPECT_GT(t, big + 2 * (long)PMD_SIZE, next - (long)PMD_SIZE); /* the nearest such start */
	long odd = do_mmap(mm, 0, PMD_SIZE + PAGE_SIZE, rw, anon, -1, 0);
	KTEST_EXPECT_EQ(t, odd, big - (long)(PMD_SIZE + PAGE_SIZE));  /* not whole blocks: flush */
	drop_mm(mm);
}

/* ---- allocation failures in the VMA operations ---------------------------- */

#define SNAP_MAX 16

struct vma_snap {
	const struct vma_table *table;
	int n;
	uintptr_t start[SNAP_MAX], end[SNAP_MAX];
	unsigned flags[SNAP_MAX];
};

static void snap_vmas(struct mm_struct *mm, struct vma_snap *s)
{
	memset(s, 0, sizeof(*s));
	s->table = mm->vmas;
	s->n = nr_vmas(mm);
	for (int i = 0; i < s->n && i < SNAP_MAX; i++) {
		s->start[i] = mm->vmas->vma[i]->start;
		s->end[i] = mm->vmas->vma[i]->end;
		s->flags[i] = mm->vmas->vma[i]->flags;
	}
}

static bool same_vmas(const struct vma_snap *a, const struct vma_snap *b)
{
	return a->table == b->table && a->n == b->n &&
	       !memcmp(a->start, b->start, sizeof(a->start)) && !memcmp(a->end, b->end, sizeof(a->end)) &&
	       !memcmp(a->flags, b->flags, sizeof(a->flags));
}

struct vm_step {
	const char *what;
	int op;                 /* 0 mmap, 1 munmap, 2 mprotect */
	unsigned long off, pages;
	int prot, flags;
	int vmas_after;
};

static long do_step(struct mm_struct *mm, uintptr_t base, const struct vm_step *st)
{
	uintptr_t addr = base + st->off * PAGE_SIZE;
	uint64_t len = st->pages * PAGE_SIZE;
	if (st->op == 0)
		return do_mmap(mm, st->flags & MAP_FIXED ? addr : 0, len, st->prot, st->flags, -1, 0);
	if (st->op == 1)
		return do_munmap(mm, addr, len);
	return do_mprotect(mm, addr, len, st->prot);
}

/*
 * Each mmap/munmap/mprotect below is run with its 1st, 2nd, 3rd...
 * allocation failing (this thread's only: kmalloc_fail_nth), until a run
 * meets no failure.  Every failing run must return -ENOMEM and leave the
 * VMA table as it was (the same published table, the same VMAs) and leak
 * nothing (heap bytes equal once RCU has freed what it defers).  The old
 * merge loop, on a failed allocation of a merged VMA, stopped merging and
 * published a table cut short there: the VMAs after it vanished.
 */
static void test_vma_ops_survive_every_allocation_failure(struct ktest *t)
{
	struct mm_struct *mm = adopt_new_mm();
	KTEST_ASSERT_NOT_NULL(t, mm);
	const int rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
	long base = do_mmap(mm, 0, 8 * PAGE_SIZE, rw, anon, -1, 0);
	KTEST_ASSERT_GE(t, base, (long)USER_BASE);
	static const struct vm_step steps[] = {
		{ "mprotect splits in three", 2, 2, 2, PROT_READ, 0, 3 },
		{ "mprotect merges three", 2, 2, 2, PROT_READ | PROT_WRITE, 0, 1 },
		{ "mprotect splits again", 2, 5, 1, PROT_READ, 0, 3 },
		{ "munmap splits in two", 1, 2, 1, 0, 0, 4 },
		{ "mmap MAP_FIXED merges", 0, 2, 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, 3 },
		{ "mprotect merges all", 2, 0, 8, PROT_READ | PROT_WRITE, 0, 1 },
		{ "mmap elsewhere", 0, 0, 2, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, 2 },
		{ "munmap all of the first", 1, 0, 8, 0, 0, 1 },
	};
	int failing_runs = 0;
	for (unsigned s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		const struct vm_step *st = &steps[s];
		int failed_here = 0;
		for (unsigned long nth = 1; nth <= 64; nth++) {
			struct vma_snap before, after;
			snap_vmas(mm, &before);
			rcu_barrier();
			uint64_t heap = heap_bytes();
			kmalloc_fail_nth(nth, current);
			long r = do_step(mm, (uintptr_t)base, st);
			bool injected = !kmalloc_fail_pending();
			kmalloc_fail_nth(0, NULL);
			if (!injected) {
				/* No allocation failed: the operation must have worked. */
				KTEST_EXPECT_GE(t, r, 0l);
				KTEST_EXPECT_EQ(t, nr_vmas(mm), st->vmas_after);
				break;
			}
			failing_runs++;
			failed_here++;
			snap_vmas(mm, &after);
			rcu_barrier();
			if (r != -ENOMEM || !same_vmas(&before, &after) || heap_bytes() != heap)
				ktest_log("%s, allocation %lu failing: returned %ld, %d VMAs (were %d), table %s, heap %+lld bytes",
					  st->what, nth, r, after.n, before.n,
					  after.table == before.table ? "kept" : "replaced",
					  (long long)(heap_bytes() - heap));
			KTEST_EXPECT_EQ(t, r, (long)-ENOMEM);
			KTEST_EXPECT_TRUE(t, same_vmas(&before, &after));
			KTEST_EXPECT_EQ(t, heap_bytes(), heap);
			if (r != -ENOMEM && !same_vmas(&before, &after))
				break;      /* the table changed: later steps mean nothing */
		}
		/* Every operation allocates at least its new table and the list
		 * of what it replaces: a step with no failing run did not test. */
		KTEST_EXPECT_GE(t, failed_here, 2);
	}
	ktest_log("%d runs with an allocation failing", failing_runs);
	drop_mm(mm);
}

static void test_demand_zero_and_table_freeing(struct ktest *t)
{
	rcu_barrier();
	uint64_t before = frames_available(), heap = heap_bytes();
	struct mm_struct *mm = adopt_new_mm();
	KTEST_ASSERT_NOT_NULL(t, mm);
	long a = do_mmap(mm, 0x40000000, 4 << 20, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	KTEST_ASSERT_EQ(t, a, 0x40000000l);
	/* Demand zero: a fresh page reads as zeroes, and costs a frame. */
	uint64_t v = 1;
	KTEST_EXPECT_EQ(t, copy_from_user(&v, (void *)a, sizeof(v)), 0);
	KTEST_EXPECT_EQ(t, v, 0ull);
	KTEST_EXPECT_EQ(t, mm_rss(mm), 1ull);
	v = 0x1234;
	KTEST_EXPECT_EQ(t, copy_to_user((void *)(a + (2 << 20)), &v, sizeof(v)), 0);
	KTEST_EXPECT_EQ(t, mm_rss(mm), 2ull);
	/* munmap gives back the pages and the page tables left empty. */
	KTEST_EXPECT_EQ(t, do_munmap(mm, a, 4 << 20), 0);
	KTEST_EXPECT_EQ(t, mm_rss(mm), 0ull);
	/* The PUD, PMD and PTE tables under it are gone (an exact frame count
	 * here would also count the heap's slab pages, which come and go). */
	KTEST_EXPECT_EQ(t, ((uint64_t *)mm->pgd)[pgd_index((uintptr_t)a)], 0ull);
	drop_mm(mm);
	rcu_barrier();
	KTEST_EXPECT_EQ(t, frames_available(), before);
	KTEST_EXPECT_EQ(t, heap_bytes(), heap);
}

/* MAP_POPULATE maps every page before mmap returns (rss counts them at
 * once, and the first store takes no fault), read-only and shared
 * mappings too; PROT_NONE maps nothing; without it nothing is mapped
 * until touched.  Everything goes back at munmap. */
static void test_mmap_populate(struct ktest *t)
{
	rcu_barrier();
	uint64_t before = frames_available();
	struct mm_struct *mm = adopt_new_mm();
	KTEST_ASSERT_NOT_NULL(t, mm);
	const long base = 0x40000000, len = 64 * PAGE_SIZE;
	const int anon = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
	KTEST_ASSERT_EQ(t, do_mmap(mm, base, len, PROT_READ | PROT_WRITE, anon | MAP_POPULATE, -1, 0), base);
	KTEST_EXPECT_EQ(t, mm_rss(mm), 64ull);
	struct fault_stats f0, f1;
	fault_get_stats(&f0);
	uint64_t v = 7;
	KTEST_EXPECT_EQ(t, copy_to_user((void *)(base + len - 8), &v, sizeof(v)), 0);
	fault_get_stats(&f1);
	KTEST_EXPECT_EQ(t, f1.locked + f1.spf + f1.vma, f0.locked + f0.spf + f0.vma);
	KTEST_EXPECT_EQ(t, do_munmap(mm, base, len), 0);
	KTEST_EXPECT_EQ(t, mm_rss(mm), 0ull);
	KTEST_ASSERT_EQ(t, do_mmap(mm, base, len, PROT_READ, anon | MAP_POPULATE, -1, 0), base);
	KTEST_EXPECT_EQ(t, mm_rss(mm), 64ull);
	KTEST_EXPECT_EQ(t, do_munmap(mm, base, len), 0);
	KTEST_ASSERT_EQ(t, do_mmap(mm, base, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED |
				   MAP_POPULATE, -1, 0), base);
	KTEST_EXPECT_EQ(t, mm_rss(mm), 64ull);
	KTEST_EXPECT_EQ(t, do_munmap(mm, base, len), 0);
	KTEST_ASSERT_EQ(t, do_mmap(mm, base, len, PROT_NONE, anon | MAP_POPULATE, -1, 0), base);
	KTEST_EXPECT_EQ(t, mm_rss(mm), 0ull);
	KTEST_EXPECT_EQ(t, do_munmap(mm, base, len), 0);
	KTEST_ASSERT_EQ(t, do_mmap(mm, base, len, PROT_READ | PROT_WRITE, anon, -1, 0), base);
	KTEST_EXPECT_EQ(t, mm_rss(mm), 0ull);
	KTEST_EXPECT_EQ(t, do_munmap(mm, base, len), 0);
	KTEST_EXPECT_EQ(t, do_mmap(mm, base, len, PROT_READ, anon | 0x40000, -1, 0), (long)-EINVAL);
	drop_mm(mm);
	rcu_barrier();
	KTEST_EXPECT_EQ(t, frames_available(), before);
}

static uintptr_t smap_target;
static void kernel_reads_user(void *arg)
{
	(void)arg;
	(void)*(volatile uint64_t *)smap_target;
}

static void test_smap_blocks_direct_access(struct ktest *t)
{
	if (!(read_cr4() & CR4_SMAP)) {
		ktest_skip(t, "this CPU has no SMAP");
		return;
	}
	struct mm_struct *mm = adopt_new_mm();
	KTEST_ASSERT_NOT_NULL(t, mm);
	long a = do_mmap(mm, 0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t v = 42, back = 0;
	KTEST_EXPECT_EQ(t, copy_to_user((void *)a, &v, sizeof(v)), 0);   /* through the helper: fine */
	smap_target = (uintptr_t)a;
	struct fault_record rec;
	KTEST_EXPECT_TRUE(t, ktest_expect_fault(kernel_reads_user, NULL, &rec));
	KTEST_EXPECT_EQ(t, rec.vector, 14u);
	KTEST_EXPECT_EQ(t, rec.addr, (uint64_t)a);
	KTEST_EXPECT_TRUE(t, rec.error_code & PF_PRESENT);  /* mapped: refused by SMAP */
	KTEST_EXPECT_EQ(t, copy_from_user(&back, (void *)a, sizeof(back)), 0);
	KTEST_EXPECT_EQ(t, back, 42ull);
	drop_mm(mm);
}

/* A user far return or IRETQ ends (TCG: killed, its fault is reported as a
 * supervisor access; elsewhere: it simply returns); without the check the
 * fault was retried forever and this case hung. */
static void test_far_return_and_iret_end(struct ktest *t)
{
	char *lret[] = { "farret", "lret", NULL }, *iret[] = { "farret", "iret", NULL };
	int a = run("farret", 2, lret), b = run("farret", 2, iret);
	KTEST_EXPECT_TRUE(t, a == 0 || a == EXIT_SEGV);
	KTEST_EXPECT_TRUE(t, b == 0 || b == EXIT_SEGV);
	ktest_log("lretq: %s, iretq: %s", a ? "killed" : "returned", b ? "killed" : "returned");
	KTEST_EXPECT_EQ(t, run("hello", 0, NULL), 0);
}

/* A fault that comes back at once, again and again, each time "resolved",
 * is given up on (FAULT_STUCK) instead of being retried forever. */
static void test_repeating_fault_gives_up(struct ktest *t)
{
	struct mm_struct *mm = adopt_new_mm();
	KTEST_ASSERT_NOT_NULL(t, mm);
	long a = do_mmap(mm, 0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	KTEST_ASSERT_TRUE(t, a > 0);
	current->fault_addr = 0;
	unsigned flags = FAULT_USER | FAULT_WRITE, ok = 0;
	enum fault_result r = FAULT_OK;
	for (unsigned i = 0; i < FAULT_MAX_REPEATS + 5 && r == FAULT_OK; i++) {
		r = handle_user_fault((uintptr_t)a, flags);
		ok += r == FAULT_OK;
	}
	KTEST_EXPECT_EQ(t, (int)r, (int)FAULT_STUCK);
	KTEST_EXPECT_EQ(t, ok, (unsigned)FAULT_MAX_REPEATS);
	/* Progress elsewhere starts the count again. */
	KTEST_EXPECT_EQ(t, (int)handle_user_fault((uintptr_t)a + PAGE_SIZE, flags), (int)FAULT_OK);
	KTEST_EXPECT_EQ(t, (int)handle_user_fault((uintptr_t)a, flags), (int)FAULT_OK);
	/* A fault that maps a page each time is progress, however often it
	 * comes back at the same address (touch, MADV_DONTNEED, touch...). */
	unsigned stuck = 0;
	for (unsigned i = 0; i < 2 * FAULT_MAX_REPEATS; i++) {
		zap_range(mm, (uintptr_t)a, (uintptr_t)a + PAGE_SIZE);
		stuck += handle_user_fault((uintptr_t)a, flags) != FAULT_OK;
	}
	KTEST_EXPECT_EQ(t, stuck, 0u);
	drop_mm(mm);
}

/* munmap of a huge, empty mapping costs what is mapped (nothing), not the
 * size: the zap skips absent upper levels.  It took seconds when the zap
 * stepped through every 2 MiB of the range. */
static void test_munmap_of_huge_empty_range_is_fast(struct ktest *t)
{
	KTEST_EXPECT_EQ(t, run("bigunmap", 0, NULL), 0);
}

/* scale's controls (user/bin/scale.c): page_fault1 with a neighbour on
 * one more CPU.  Each runs and reports (scale exits 5 when bench_report()
 * refuses its metric, as it did while metrics were capped at 31
 * characters: "iterations_per_s_page_fault1_beside_writer" is 42), the
 * neighbour makes progress (scale exits 4 otherwise), and a control that
 * would need a CPU more than there are is refused with usage status 2 (exit statuses: wait status words). */
static void test_scale_controls(struct ktest *t)
{
	static const char *const controls[] = {
		"page_fault1_beside_writer", "page_fault1_beside_adder", "page_fault1_beside_process",
		"page_fault1_beside_populate",
	};
	char all[8];
	snprintf(all, sizeof(all), "%u", num_online_cpus());
	for (unsigned i = 0; i < ARRAY_SIZE(controls); i++) {
		char *one[] = { "scale", (char *)controls[i], "1", "1", "0", "4", NULL };
		char *too_many[] = { "scale", (char *)controls[i], all, "1", "0", "4", NULL };
		if (num_online_cpus() == 2)     /* one boot of the suite is enough: 1 s a run */
			KTEST_EXPECT_EQ(t, run("scale", 6, one), 0);
		KTEST_EXPECT_EQ(t, run("scale", 6, too_many), __W_EXITCODE(2));
	}
	char *unknown[] = { "scale", "page_fault2", "1", "1", "0", "4", NULL };
	KTEST_EXPECT_EQ(t, run("scale", 6, unknown), __W_EXITCODE(2));
}

static struct ktest_case user_cases[] = {
	KTEST_CASE(test_vma_split_and_merge),
	KTEST_CASE(test_mmap_aligns_whole_2m_lengths),
	KTEST_CASE(test_vma_ops_survive_every_allocation_failure),
	KTEST_CASE(test_demand_zero_and_table_freeing),
	KTEST_CASE(test_mmap_populate),
	KTEST_CASE(test_smap_blocks_direct_access),
	KTEST_CASE(test_user_reads_kernel_memory),
	KTEST_CASE(test_1000_spawns_leak_nothing),
	KTEST_CASE(test_hello),
	KTEST_CASE(test_vm_syscalls),
	KTEST_CASE(test_threads_on_every_cpu),
	KTEST_CASE(test_posix_program),
	KTEST_CASE(test_segfault_kills_only_the_process),
	KTEST_CASE(test_unknown_program),
	KTEST_CASE(test_far_return_and_iret_end),
	KTEST_CASE(test_repeating_fault_gives_up),
	KTEST_CASE(test_munmap_of_huge_empty_range_is_fast),
	KTEST_CASE(test_elf_checks),
	KTEST_CASE(test_uaccess_bad_pointers),
	KTEST_CASE(test_no_frame_leak),
	KTEST_CASE(test_scale_controls),
	{ 0 },
};
KTEST_SUITE(user, user_cases);
