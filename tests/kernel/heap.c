/*
 * tests/kernel/heap.c - the kmalloc heap (suite `heap`).
 *
 * Covers: every size class and large sizes (alignment: 16 bytes, a page
 * above KMALLOC_MAX_SMALL; ksize), live objects never overlap, kzalloc
 * zeroes, kmalloc(0) is NULL, alloc/free cycles give every frame back (no
 * leak; kmalloc_shrink() first, for the empty slabs each class keeps),
 * empty slabs kept up to KMALLOC_KEEP_EMPTY and reused, and the debug
 * checks: a double free, a pointer inside an object
 * and a foreign pointer are each counted once in bad_frees and ignored; a
 * write after free is reported in the log when the object is reused.  The
 * per-CPU caches (mm/kmalloc_cpu.c): refilled and flushed in batches,
 * LIFO reuse, a double free caught while the first free sits in another
 * CPU's cache, out of memory only after the caches are drained, and a drain from another CPU racing with the owner's
 * allocations and frees (KMALLOC_CACHE_BROKEN=1 must fail it).
 *
 * The suite boots at 2 CPUs with nothing else using the heap, so counters
 * read before and after a step differ only by what the step did.  A case
 * that depends on which CPU's cache an object lands in pins itself to its
 * CPU first (a migration between a free and the next allocation would
 * otherwise hand out another object); the cases that need a second CPU
 * skip without one.  Cases that switch the caches off or pin themselves
 * run their body in a helper, so that a failed assertion, which returns
 * from the body, still restores both.
 */
#include "tests/kernel/ktest.h"
#include "kernel/printk.h"
#include "kernel/rcu/rcu.h"
#include "mm/kmalloc.h"
#include "mm/kmalloc_cpu.h"
#include "kernel/cpumask.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "kernel/sched/thread.h"
#include "mm/pmm.h"
#include "mm/page.h"
#include "lib/printf.h"
#include "lib/string.h"

static size_t class_of(size_t size)
{
	size_t c = (size_t)1 << KMALLOC_MIN_SHIFT;
	while (c < size)
		c <<= 1;
	return c;
}

/* Keep the calling thread on the CPU it runs on; restore with unpin(). */
static cpumask_t pin_here(void)
{
	cpumask_t saved = current->affinity, here;
	cpumask_clear(&here);
	cpumask_set_cpu(smp_processor_id(), &here);
	thread_set_affinity(current, &here);
	return saved;
}

static void unpin(cpumask_t saved)
{
	thread_set_affinity(current, &saved);
}

/* Run @body pinned to this CPU with the per-CPU caches on, then restore
 * both (also after a failed assertion, which returns from @body).  With
 * @two_cpus, skip on a one-CPU boot. */
static void run_pinned(struct ktest *t, void (*body)(struct ktest *t), bool two_cpus)
{
	if (two_cpus && num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	cpumask_t saved = pin_here();
	bool was = kmalloc_cpu_set_enabled(true);
	body(t);
	kmalloc_cpu_set_enabled(was);
	unpin(saved);
}

static uint64_t bad_frees(void)
{
	struct kmalloc_stats s;
	kmalloc_get_stats(&s);
	return s.bad_frees;
}

static uint64_t objects_in_use(void)
{
	struct kmalloc_stats s;
	uint64_t n = 0;
	kmalloc_get_stats(&s);
	for (int c = 0; c < KMALLOC_CLASSES; c++)
		n += s.objects_in_use[c];
	return n + s.large_allocs;
}

/* Every size class, at its size, one below and one above. */
static void heap_size_classes(struct ktest *t)
{
	for (size_t cls = 16; cls <= KMALLOC_MAX_SMALL; cls <<= 1) {
		size_t sizes[3] = { cls - 1, cls, cls + 1 };
		for (int i = 0; i < 3; i++) {
			size_t sz = sizes[i];
			if (sz > KMALLOC_MAX_SMALL)
				continue;
			uint64_t used = objects_in_use();
			unsigned char *p = kmalloc(sz);
			KTEST_ASSERT_NOT_NULL(t, p);
			KTEST_EXPECT_EQ(t, (uintptr_t)p & 15, 0ul);
			KTEST_EXPECT_EQ(t, ksize(p), class_of(sz));
			KTEST_EXPECT_EQ(t, objects_in_use(), used + 1);
			/* The whole usable size is ours to write. */
			memset(p, 0x3c, ksize(p));
			kfree(p);
			KTEST_EXPECT_EQ(t, objects_in_use(), used);
		}
	}
}

/* Above 2048 bytes: whole, page-aligned blocks from the buddy allocator. */
static void heap_large(struct ktest *t)
{
	static const size_t sizes[] = { KMALLOC_MAX_SMALL + 1, 4096, 4097, 8192, 12288,
					65536, 65537, (1u << 20) + 1, 4u << 20 };
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t sz = sizes[i];
		uint64_t frames = pmm_free_frames();
		unsigned char *p = kmalloc(sz);
		KTEST_ASSERT_NOT_NULL(t, p);
		KTEST_EXPECT_EQ(t, (uintptr_t)p & (PAGE_SIZE - 1), 0ul);
		size_t ks = ksize(p);
		size_t want = PAGE_SIZE;                /* the smallest 2^order pages that fit */
		while (want < sz)
			want <<= 1;
		KTEST_EXPECT_EQ(t, ks, want);
		KTEST_EXPECT_EQ(t, pmm_free_frames(), frames - ks / PAGE_SIZE);
		memset(p, 0x5a, sz);
		KTEST_EXPECT_EQ(t, p[0], 0x5a);
		KTEST_EXPECT_EQ(t, p[sz - 1], 0x5a);
		kfree(p);
		KTEST_EXPECT_EQ(t, pmm_free_frames(), frames);
	}
	/* Larger than the largest buddy block: NULL, not a crash. */
	uint64_t frames = pmm_free_frames();
	KTEST_EXPECT_NULL(t, kmalloc((PAGE_SIZE << (MAX_ORDER - 1)) + 1));
	KTEST_EXPECT_NULL(t, kmalloc((size_t)1 << 40));
	KTEST_EXPECT_NULL(t, kmalloc(((size_t)1 << 63) + 1));
	KTEST_EXPECT_NULL(t, kmalloc(SIZE_MAX));
	KTEST_EXPECT_NULL(t, kzalloc(SIZE_MAX));
	KTEST_EXPECT_EQ(t, pmm_free_frames(), frames);
}

#define NR_OBJS 256

static uint32_t lcg(uint32_t *s) { *s = *s * 1103515245u + 12345u; return *s >> 8; }
static uint8_t fill_byte(int i) { return (uint8_t)(i * 37 + 11); }

/* Many live objects of mixed sizes, each filled with its own byte: no two
 * share a byte, and none is disturbed by the others' writes. */
static void heap_no_overlap(struct ktest *t)
{
	static unsigned char *obj[NR_OBJS];
	static size_t len[NR_OBJS];
	uint32_t seed = 12345;
	kmalloc_shrink();                       /* frames counted exactly: no kept empty slab */
	uint64_t frames = pmm_free_frames();
	int n;

	for (n = 0; n < NR_OBJS; n++) {
		len[n] = 1 + lcg(&seed) % (n % 16 == 0 ? 9000 : 2048);
		obj[n] = kmalloc(len[n]);
		if (!obj[n])
			break;
		memset(obj[n], fill_byte(n), len[n]);
	}
	KTEST_EXPECT_EQ(t, n, NR_OBJS);
	for (int i = 0; i < n; i++) {
		size_t bad = 0;
		for (size_t j = 0; j < len[i]; j++)
			bad += obj[i][j] != fill_byte(i);
		if (bad)
			ktest_fail(t, __FILE__, __LINE__, "object %d (%p, %zu bytes): %zu bytes overwritten",
				   i, obj[i], len[i], bad);
		uintptr_t a0 = (uintptr_t)obj[i], a1 = a0 + ksize(obj[i]);
		for (int j = i + 1; j < n; j++) {
			uintptr_t b0 = (uintptr_t)obj[j], b1 = b0 + ksize(obj[j]);
			if (a0 < b1 && b0 < a1)
				ktest_fail(t, __FILE__, __LINE__, "objects %d and %d overlap", i, j);
		}
	}
	for (int i = 0; i < n; i++)
		kfree(obj[i]);
	kmalloc_shrink();
	KTEST_EXPECT_EQ(t, pmm_free_frames(), frames);
}

static void heap_kzalloc_zeroes(struct ktest *t)
{
	static const size_t sizes[] = { 1, 16, 100, 512, 2048, 3000, 8192 };
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		size_t sz = sizes[i];
		/* Dirty the memory kzalloc is most likely to get back (LIFO). */
		unsigned char *d = kmalloc(sz);
		KTEST_ASSERT_NOT_NULL(t, d);
		memset(d, 0xff, sz);
		kfree(d);
		unsigned char *z = kzalloc(sz);
		KTEST_ASSERT_NOT_NULL(t, z);
		size_t nonzero = 0;
		for (size_t j = 0; j < sz; j++)
			nonzero += z[j] != 0;
		if (nonzero)
			ktest_fail(t, __FILE__, __LINE__, "kzalloc(%zu): %zu bytes not zero", sz, nonzero);
		kfree(z);
	}
}

static void heap_zero_size(struct ktest *t)
{
	uint64_t used = objects_in_use(), bad = bad_frees();
	KTEST_EXPECT_NULL(t, kmalloc(0));
	KTEST_EXPECT_NULL(t, kzalloc(0));
	kfree(NULL);                            /* ignored, and not a bad free */
	KTEST_EXPECT_EQ(t, objects_in_use(), used);
	KTEST_EXPECT_EQ(t, bad_frees(), bad);
}

/* Rounds of allocate-all / free-in-another-order, with reallocation in
 * between; afterwards every frame and every counter is back. */
static void heap_no_leak(struct ktest *t)
{
	static void *obj[NR_OBJS];
	struct kmalloc_stats s0, s1;
	kmalloc_shrink();                       /* frames and slab pages counted exactly */
	uint64_t frames = pmm_free_frames();
	uint32_t seed = 777;

	kmalloc_get_stats(&s0);
	for (int round = 0; round < 6; round++) {
		for (int i = 0; i < NR_OBJS; i++) {
			obj[i] = kmalloc(1 + lcg(&seed) % (round == 5 ? 6000 : 2048));
			KTEST_ASSERT_NOT_NULL(t, obj[i]);
		}
		/* Free the odd ones, reallocate them at other sizes, then free
		 * all (even ones first, backwards). */
		for (int i = 1; i < NR_OBJS; i += 2)
			kfree(obj[i]);
		for (int i = 1; i < NR_OBJS; i += 2) {
			obj[i] = kmalloc(1 + lcg(&seed) % 1024);
			KTEST_ASSERT_NOT_NULL(t, obj[i]);
		}
		for (int i = NR_OBJS - 2; i >= 0; i -= 2)
			kfree(obj[i]);
		for (int i = 1; i < NR_OBJS; i += 2)
			kfree(obj[i]);
	}
	kmalloc_shrink();
	kmalloc_get_stats(&s1);
	KTEST_EXPECT_EQ(t, pmm_free_frames(), frames);
	KTEST_EXPECT_EQ(t, s1.bytes_in_use, s0.bytes_in_use);
	KTEST_EXPECT_EQ(t, s1.large_allocs, s0.large_allocs);
	for (int c = 0; c < KMALLOC_CLASSES; c++) {
		KTEST_EXPECT_EQ(t, s1.objects_in_use[c], s0.objects_in_use[c]);
		KTEST_EXPECT_EQ(t, s1.slab_pages[c], s0.slab_pages[c]);
	}
	KTEST_EXPECT_EQ(t, s1.bad_frees, s0.bad_frees);
}

/* A slab whose last object is freed stays, up to KMALLOC_KEEP_EMPTY per
 * class, and the class's next allocation takes it without a new page; the
 * slabs beyond that go back at once, and kmalloc_shrink() gives back the
 * kept ones.  Counted for the 512-byte class alone: allocations go on
 * until it has KMALLOC_KEEP_EMPTY + 2 slabs more than before, whatever
 * free objects its older slabs had. */
#define KEEP_SIZE 512
#define KEEP_CLASS 5                    /* 16 << 5 = 512 */
#define KEEP_MAX 256                    /* objects, at most: 64 slabs */

static struct kmalloc_stats heap_stats(void)
{
	struct kmalloc_stats s;
	kmalloc_get_stats(&s);
	return s;
}

static void keeps_empty_slabs(struct ktest *t)
{
	static void *obj[KEEP_MAX];
	KTEST_ASSERT_EQ(t, heap_stats().class_size[KEEP_CLASS], (uint64_t)KEEP_SIZE);
	rcu_barrier();                          /* no kfree_rcu() of ours lands midway */
	kmalloc_shrink();
	KTEST_EXPECT_EQ(t, heap_stats().empty_slabs[KEEP_CLASS], 0ull);
	uint64_t pages0 = heap_stats().slab_pages[KEEP_CLASS];
	int n = 0;
	while (n < KEEP_MAX && heap_stats().slab_pages[KEEP_CLASS] < pages0 + KMALLOC_KEEP_EMPTY + 2) {
		obj[n] = kmalloc(KEEP_SIZE);
		KTEST_ASSERT_NOT_NULL(t, obj[n]);
		n++;
	}
	KTEST_ASSERT_EQ(t, heap_stats().slab_pages[KEEP_CLASS], pages0 + KMALLOC_KEEP_EMPTY + 2);
	uint64_t frames = pmm_free_frames();
	for (int i = 0; i < n; i++)
		kfree(obj[i]);
	/* The new slabs emptied: KEEP of them stay, the other two go. */
	KTEST_EXPECT_EQ(t, heap_stats().empty_slabs[KEEP_CLASS], (uint64_t)KMALLOC_KEEP_EMPTY);
	KTEST_EXPECT_EQ(t, heap_stats().slab_pages[KEEP_CLASS], pages0 + KMALLOC_KEEP_EMPTY);
	KTEST_EXPECT_EQ(t, pmm_free_frames(), frames + 2);
	/* The next allocation of the class: a kept slab, no new page. */
	void *p = kmalloc(KEEP_SIZE);
	KTEST_ASSERT_NOT_NULL(t, p);
	KTEST_EXPECT_EQ(t, heap_stats().slab_pages[KEEP_CLASS], pages0 + KMALLOC_KEEP_EMPTY);
	KTEST_EXPECT_EQ(t, pmm_free_frames(), frames + 2);
	kfree(p);
	KTEST_EXPECT_EQ(t, heap_stats().empty_slabs[KEEP_CLASS], (uint64_t)KMALLOC_KEEP_EMPTY);
	KTEST_EXPECT_GE(t, kmalloc_shrink(), (unsigned)KMALLOC_KEEP_EMPTY);
	KTEST_EXPECT_EQ(t, heap_stats().empty_slabs[KEEP_CLASS], 0ull);
	KTEST_EXPECT_EQ(t, heap_stats().slab_pages[KEEP_CLASS], pages0);
	KTEST_EXPECT_EQ(t, pmm_free_frames(), frames + 2 + KMALLOC_KEEP_EMPTY);
}

/* The slabs' own behaviour: no CPU cache in front of them (switching off
 * drains the caches). */
static void heap_keeps_empty_slabs(struct ktest *t)
{
	bool was = kmalloc_cpu_set_enabled(false);
	keeps_empty_slabs(t);
	kmalloc_cpu_set_enabled(was);
}

/*
 * Two live objects of @size from the same slab page (of three consecutive
 * allocations, two share a page: at most one can be the last free object
 * of an older slab).  The third is freed.  Return: false if none found.
 */
static bool same_slab_pair(size_t size, void **a, void **b)
{
	void *o[3];
	/* From the slabs, not from a cache of objects freed from any slab:
	 * the first allocation refills this CPU's cache with a batch from the
	 * class's first partial slab.  The caller is pinned. */
	kmalloc_shrink();
	for (int i = 0; i < 3; i++)
		o[i] = kmalloc(size);
	int x = -1, y = -1;
	for (int i = 0; i < 3 && x < 0; i++)
		for (int j = i + 1; j < 3; j++)
			if (o[i] && o[j] && virt_to_page(o[i]) == virt_to_page(o[j])) {
				x = i;
				y = j;
				break;
			}
	for (int i = 0; i < 3; i++)
		if (i != x && i != y)
			kfree(o[i]);
	if (x < 0)
		return false;
	*a = o[x];
	*b = o[y];
	return true;
}

static void double_free(struct ktest *t)
{
	void *a, *b;
	KTEST_ASSERT_TRUE(t, same_slab_pair(64, &a, &b));
	uint64_t used = objects_in_use();
	kfree(a);
	uint64_t bad = bad_frees();
	kfree(a);                           /* b keeps the slab alive */
	KTEST_EXPECT_EQ(t, bad_frees(), bad + 1);
	KTEST_EXPECT_EQ(t, objects_in_use(), used - 1);
	/* The free list is intact: the next two objects are distinct. */
	void *c = kmalloc(64), *d = kmalloc(64);
	KTEST_EXPECT_TRUE(t, c && d && c != d && c != b && d != b);
	kfree(c);
	kfree(d);
	kfree(b);
	KTEST_EXPECT_EQ(t, objects_in_use(), used - 2);

	/* A large allocation freed twice. */
	uint64_t frames = pmm_free_frames();
	void *l = kmalloc(3 * PAGE_SIZE);
	KTEST_ASSERT_NOT_NULL(t, l);
	kfree(l);
	bad = bad_frees();
	kfree(l);
	KTEST_EXPECT_EQ(t, bad_frees(), bad + 1);
	KTEST_EXPECT_EQ(t, pmm_free_frames(), frames);
}

/* Pinned: the first free parks the object in this CPU's cache. */
static void heap_double_free(struct ktest *t)
{
	run_pinned(t, double_free, false);
}

static void heap_free_inside_object(struct ktest *t)
{
	uint64_t bad = bad_frees();
	char *p = kmalloc(128);
	KTEST_ASSERT_NOT_NULL(t, p);
	uint64_t used = objects_in_use();
	kfree(p + 16);
	KTEST_EXPECT_EQ(t, bad_frees(), bad + 1);
	KTEST_EXPECT_EQ(t, objects_in_use(), used);     /* not freed */
	kfree(p + 1);
	KTEST_EXPECT_EQ(t, bad_frees(), bad + 2);
	kfree(p);
	KTEST_EXPECT_EQ(t, objects_in_use(), used - 1);
	KTEST_EXPECT_EQ(t, bad_frees(), bad + 2);

	/* Inside a large allocation: its middle, and its second page. */
	uint64_t frames = pmm_free_frames();
	char *l = kmalloc(2 * PAGE_SIZE);
	KTEST_ASSERT_NOT_NULL(t, l);
	kfree(l + 100);
	KTEST_EXPECT_EQ(t, bad_frees(), bad + 3);
	kfree(l + PAGE_SIZE);
	KTEST_EXPECT_EQ(t, bad_frees(), bad + 4);
	KTEST_EXPECT_EQ(t, pmm_free_frames(), frames - 2);
	kfree(l);
	KTEST_EXPECT_EQ(t, pmm_free_frames(), frames);
}

static uint64_t heap_static_var = 42;

static void heap_foreign_pointer(struct ktest *t)
{
	uint64_t bad = bad_frees(), used = objects_in_use();
	uint64_t frames = pmm_free_frames();

	kfree(&heap_static_var);                /* kernel image, not the heap */
	KTEST_EXPECT_EQ(t, bad_frees(), bad + 1);
	KTEST_EXPECT_EQ(t, heap_static_var, 42ull);

	struct page *pg = alloc_page();         /* a frame the heap never saw */
	KTEST_ASSERT_NOT_NULL(t, pg);
	kfree(page_address(pg));
	KTEST_EXPECT_EQ(t, bad_frees(), bad + 2);
	KTEST_EXPECT_EQ(t, pmm_free_frames(), frames - 1);
	free_page(pg);

	kfree(__va(0x1000));                    /* reserved low memory */
	KTEST_EXPECT_EQ(t, bad_frees(), bad + 3);
	KTEST_EXPECT_EQ(t, objects_in_use(), used);
	KTEST_EXPECT_EQ(t, pmm_free_frames(), frames);
}

#define WAF_SIZE 1024
#define WAF_MAX 600

/* Write into a freed object; when kmalloc hands it out again the poison
 * check reports it (a log line naming the object and the byte). */
static void write_after_free(struct ktest *t)
{
	static void *got[WAF_MAX];
	void *a, *b;
	char msg[160];

	KTEST_ASSERT_TRUE(t, same_slab_pair(WAF_SIZE, &a, &b));
	kfree(a);
	((volatile unsigned char *)a)[37] = 0x5a;
	snprintf(msg, sizeof(msg), "object %p (size %d) was written after it was freed (byte 37 = 0x5a)",
		 a, WAF_SIZE);
	KTEST_EXPECT_FALSE(t, ktest_log_count(msg));

	/* Allocate until the freed object comes back (LIFO: usually at once). */
	int n = 0;
	bool back = false;
	while (n < WAF_MAX && !back) {
		got[n] = kmalloc(WAF_SIZE);
		if (!got[n])
			break;
		back = got[n++] == a;
	}
	KTEST_EXPECT_TRUE(t, back);
	KTEST_EXPECT_TRUE(t, ktest_log_count(msg));
	for (int i = 0; i < n; i++)
		kfree(got[i]);
	kfree(b);
	/* The heap still works. */
	void *c = kmalloc(WAF_SIZE);
	KTEST_EXPECT_TRUE(t, c != NULL);
	kfree(c);
}

/* Pinned: the freed object must come back from this CPU's cache. */
static void heap_write_after_free(struct ktest *t)
{
	run_pinned(t, write_after_free, false);
}

/* ---- the per-CPU caches ------------------------------------------------- */

#define CC_SIZE 128
#define CC_CLASS 3                      /* 16 << 3 = 128 */
#define CC_MANY (KMALLOC_CPU_OBJS + 2 * KMALLOC_CPU_BATCH + 1)

/* One CPU: the first allocation of a class takes a batch from the slabs,
 * a free parks the object, the next allocation gets the same object back,
 * a full cache gives its oldest batch back, and the statistics count
 * cached objects as free.  Then the drain empties the cache. */
static void cpu_cache_batches(struct ktest *t)
{
	static void *obj[CC_MANY];
	KTEST_ASSERT_EQ(t, heap_stats().class_size[CC_CLASS], (uint64_t)CC_SIZE);
	rcu_barrier();
	kmalloc_shrink();
	struct kmalloc_stats s0 = heap_stats();
	KTEST_EXPECT_EQ(t, s0.cpu_cached[CC_CLASS], 0ull);

	void *p = kmalloc(CC_SIZE);
	KTEST_ASSERT_NOT_NULL(t, p);
	KTEST_EXPECT_EQ(t, heap_stats().cpu_cached[CC_CLASS], (uint64_t)KMALLOC_CPU_BATCH - 1);
	KTEST_EXPECT_EQ(t, heap_stats().objects_in_use[CC_CLASS], s0.objects_in_use[CC_CLASS] + 1);
	kfree(p);
	KTEST_EXPECT_EQ(t, heap_stats().cpu_cached[CC_CLASS], (uint64_t)KMALLOC_CPU_BATCH);
	KTEST_EXPECT_EQ(t, heap_stats().objects_in_use[CC_CLASS], s0.objects_in_use[CC_CLASS]);

	/* LIFO: the object just freed comes back, from the cache alone. */
	int other = 0;
	for (int i = 0; i < 100; i++) {
		void *q = kmalloc(CC_SIZE);
		other += q != p;
		kfree(q);
	}
	KTEST_EXPECT_EQ(t, other, 0);
	KTEST_EXPECT_EQ(t, heap_stats().cpu_cached[CC_CLASS], (uint64_t)KMALLOC_CPU_BATCH);

	/* More objects than a cache holds: it never keeps more than
	 * KMALLOC_CPU_OBJS, and every object is accounted for. */
	uint64_t most = 0;
	for (int i = 0; i < CC_MANY; i++) {
		obj[i] = kmalloc(CC_SIZE);
		KTEST_ASSERT_NOT_NULL(t, obj[i]);
	}
	KTEST_EXPECT_EQ(t, heap_stats().objects_in_use[CC_CLASS], s0.objects_in_use[CC_CLASS] + CC_MANY);
	for (int i = 0; i < CC_MANY; i++) {
		kfree(obj[i]);
		uint64_t now = heap_stats().cpu_cached[CC_CLASS];
		most = now > most ? now : most;
	}
	KTEST_EXPECT_EQ(t, most, (uint64_t)KMALLOC_CPU_OBJS);
	/* The last push found the cache full at least once more: a batch went
	 * back, so the cache ends between OBJS - BATCH + 1 and OBJS. */
	KTEST_EXPECT_GE(t, heap_stats().cpu_cached[CC_CLASS], (uint64_t)(KMALLOC_CPU_OBJS - KMALLOC_CPU_BATCH + 1));
	KTEST_EXPECT_EQ(t, heap_stats().objects_in_use[CC_CLASS], s0.objects_in_use[CC_CLASS]);

	kmalloc_shrink();
	struct kmalloc_stats s1 = heap_stats();
	KTEST_EXPECT_EQ(t, s1.cpu_cached[CC_CLASS], 0ull);
	KTEST_EXPECT_EQ(t, s1.objects_in_use[CC_CLASS], s0.objects_in_use[CC_CLASS]);
	KTEST_EXPECT_EQ(t, s1.slab_pages[CC_CLASS], s0.slab_pages[CC_CLASS]);
}

static void heap_cpu_cache_batches(struct ktest *t)
{
	run_pinned(t, cpu_cache_batches, false);
}

static void free_it(void *p)
{
	kfree(p);
}

/* The first free happens on another CPU and parks the object in that CPU's
 * cache; the second free, here, must still be caught: the check searches
 * every CPU's cache, under their locks. */
static void double_free_other_cpu(struct ktest *t)
{
	unsigned other = smp_processor_id() == 0 ? 1 : 0;
	void *a, *b;
	KTEST_ASSERT_TRUE(t, same_slab_pair(64, &a, &b));
	uint64_t used = objects_in_use();
	struct thread *th = thread_create_on(other, "heap-free", free_it, a);
	KTEST_ASSERT_NOT_NULL(t, th);
	thread_join(th);
	KTEST_EXPECT_EQ(t, objects_in_use(), used - 1);
	/* Still there: nothing else allocates 64 bytes on that CPU now, and
	 * `a`, the newest object of its cache, would be the next handed out. */
	struct kmalloc_cpu_all all;
	kmalloc_cpu_lock_all(&all);
	bool cached = kmalloc_cpu_holds(2, a);          /* 16 << 2 = 64 */
	kmalloc_cpu_unlock_all(&all);
	KTEST_EXPECT_TRUE(t, cached);
	uint64_t bad = bad_frees();
	kfree(a);
	KTEST_EXPECT_EQ(t, bad_frees(), bad + 1);
	KTEST_EXPECT_EQ(t, objects_in_use(), used - 1);
	/* Once more after a drain: now the object is on its slab's list. */
	kmalloc_cpu_drain_all();
	kfree(a);
	KTEST_EXPECT_EQ(t, bad_frees(), bad + 2);
	kfree(b);
	KTEST_EXPECT_EQ(t, objects_in_use(), used - 2);
}

static void heap_double_free_other_cpu(struct ktest *t)
{
	run_pinned(t, double_free_other_cpu, true);
}

/*
 * Out of memory, objects of the class sit free in another CPU's cache:
 * kmalloc must drain the caches and use them before it returns NULL (as
 * the page lists are drained before a page allocation fails).  The other
 * CPU's thread frees OOM_OBJS objects of 2048 bytes into its cache; then
 * this CPU takes every free page, and allocates 2048-byte objects until
 * kmalloc fails.  It must get at least every object that was free in the
 * class (on slabs or in any cache) when the memory ran out.
 */
#define OOM_SIZE 2048
#define OOM_CLASS 7                     /* 16 << 7 = 2048 */
#define OOM_OBJS 4
#define OOM_MAX 4096

static void park_on_other_cpu(void *arg)
{
	(void)arg;
	void *o[OOM_OBJS];
	for (int i = 0; i < OOM_OBJS; i++)
		o[i] = kmalloc(OOM_SIZE);
	for (int i = 0; i < OOM_OBJS; i++)
		kfree(o[i]);
}

static void drain_before_failing(struct ktest *t)
{
	static void *got[OOM_MAX];
	unsigned other = smp_processor_id() == 0 ? 1 : 0;
	rcu_barrier();
	kmalloc_shrink();
	struct thread *th = thread_create_on(other, "heap-park", park_on_other_cpu, NULL);
	KTEST_ASSERT_NOT_NULL(t, th);
	thread_join(th);
	struct kmalloc_stats s = heap_stats();
	KTEST_EXPECT_GE(t, s.cpu_cached[OOM_CLASS], (uint64_t)OOM_OBJS);

	/* Every free page, then the class's objects until none is left. */
	void *pages = NULL;
	struct page *p;
	uint64_t npages = 0;
	while ((p = alloc_page()) != NULL) {
		*(void **)page_address(p) = pages;
		pages = page_address(p);
		npages++;
	}
	s = heap_stats();
	uint64_t free_objs = s.slab_pages[OOM_CLASS] * (PAGE_SIZE / OOM_SIZE) - s.objects_in_use[OOM_CLASS];
	uint64_t cached = s.cpu_cached[OOM_CLASS];
	int n = 0;
	while (n < OOM_MAX && (got[n] = kmalloc(OOM_SIZE)) != NULL)
		n++;
	/* Everything back before judging. */
	for (int i = 0; i < n; i++)
		kfree(got[i]);
	while (pages) {
		void *next = *(void **)pages;
		free_page_addr(pages);
		pages = next;
	}
	kmalloc_shrink();
	ktest_log("%llu pages taken; %llu objects free in the class (%llu of them cached), %d allocated before NULL",
		  (unsigned long long)npages, (unsigned long long)free_objs, (unsigned long long)cached, n);
	KTEST_EXPECT_GE(t, cached, (uint64_t)OOM_OBJS);
	KTEST_EXPECT_GE(t, (uint64_t)n, free_objs);
	KTEST_EXPECT_LT(t, n, OOM_MAX);
}

static void heap_drain_before_failing(struct ktest *t)
{
	run_pinned(t, drain_before_failing, true);
}

/*
 * A drain from this CPU racing with another CPU's allocations and frees.
 * The other CPU's thread keeps RACE_LIVE objects of one class live at a
 * time, tags each, and checks that no pointer is handed out twice and no
 * tag is overwritten; this CPU drains every cache and reads the statistics
 * in a loop.  A drain that takes objects from the other CPU's cache while
 * that thread runs is a race exercised; the drains go on past RACE_MS
 * until RACE_MIN of them, within RACE_BOUND_MS, and too few fails.  With
 * the owner's lock skipped (KMALLOC_CACHE_BROKEN=1) the drain gives back
 * objects the owner is handing out: pointers come back twice, tags are
 * overwritten, and the accounting drifts.
 */
#define RACE_MS 1500
#define RACE_LIVE 8
#define RACE_SIZE 64
#define RACE_WORDS (RACE_SIZE / 8)
#define RACE_MIN 200
#define RACE_BOUND_MS 10000

struct race_state {
	volatile bool stop;
	volatile bool done;
	uint64_t rounds, twice, overwritten, nomem;
};

static void race_worker(void *arg)
{
	struct race_state *rs = arg;
	uint64_t *live[RACE_LIVE];
	while (!READ_ONCE(rs->stop) && rs->twice + rs->overwritten == 0) {
		int n = 0;
		for (; n < RACE_LIVE; n++) {
			live[n] = kmalloc(RACE_SIZE);
			if (!live[n]) {
				rs->nomem++;
				break;
			}
			for (int j = 0; j < n; j++)
				rs->twice += live[j] == live[n];
			uint64_t tag = (rs->rounds << 8) | (uint64_t)n;
			for (int w = 1; w < RACE_WORDS; w++)
				live[n][w] = tag;
		}
		for (int i = 0; i < n; i++) {
			uint64_t tag = (rs->rounds << 8) | (uint64_t)i;
			for (int w = 1; w < RACE_WORDS; w++)
				rs->overwritten += live[i][w] != tag;
		}
		/* A pointer handed out twice is freed once: the second free
		 * would be a (reported) double free of our own making. */
		for (int i = 0; i < n; i++) {
			bool seen = false;
			for (int j = 0; j < i; j++)
				seen |= live[j] == live[i];
			if (!seen)
				kfree(live[i]);
		}
		rs->rounds++;
	}
	WRITE_ONCE(rs->done, true);
}

static void cpu_cache_drain_race(struct ktest *t)
{
	static struct race_state rs;
	memset(&rs, 0, sizeof(rs));
	unsigned other = smp_processor_id() == 0 ? 1 : 0;
	rcu_barrier();
	kmalloc_shrink();
	const char *waf = "was written after it was freed";
	unsigned waf0 = ktest_log_count(waf);
	uint64_t used = objects_in_use(), bad = bad_frees();

	struct thread *th = thread_create_on(other, "heap-race", race_worker, &rs);
	KTEST_ASSERT_NOT_NULL(t, th);
	uint64_t drains = 0, races = 0, taken = 0;
	/* RACE_MS, then on until the floor of races, within RACE_BOUND_MS:
	 * a busy host can leave the other vCPU unscheduled for a while. */
	uint64_t now = ktime_ns(), end = now + (uint64_t)RACE_MS * 1000000,
		 hard_end = now + (uint64_t)RACE_BOUND_MS * 1000000;
	while ((ktime_ns() < end || (races < RACE_MIN && ktime_ns() < hard_end)) && !READ_ONCE(rs.done)) {
		uint64_t got = kmalloc_cpu_drain_all();
		drains++;
		races += got != 0;
		taken += got;
		(void)heap_stats();
	}
	WRITE_ONCE(rs.stop, true);
	thread_join(th);
	kmalloc_shrink();
	ktest_log("%llu drains, %llu of them took %llu objects from CPU %u's cache; %llu rounds there",
		  (unsigned long long)drains, (unsigned long long)races, (unsigned long long)taken, other,
		  (unsigned long long)rs.rounds);
	KTEST_EXPECT_EQ(t, rs.twice, 0ull);
	KTEST_EXPECT_EQ(t, rs.overwritten, 0ull);
	KTEST_EXPECT_EQ(t, rs.nomem, 0ull);
	KTEST_EXPECT_EQ(t, ktest_log_count(waf), waf0);
	KTEST_EXPECT_EQ(t, bad_frees(), bad);
	KTEST_EXPECT_EQ(t, objects_in_use(), used);
	KTEST_EXPECT_GE(t, races, (uint64_t)RACE_MIN);
}

static void heap_cpu_cache_drain_race(struct ktest *t)
{
	run_pinned(t, cpu_cache_drain_race, true);
}

static struct ktest_case heap_cases[] = {
	KTEST_CASE(heap_size_classes),
	KTEST_CASE(heap_large),
	KTEST_CASE(heap_no_overlap),
	KTEST_CASE(heap_kzalloc_zeroes),
	KTEST_CASE(heap_zero_size),
	KTEST_CASE(heap_no_leak),
	KTEST_CASE(heap_keeps_empty_slabs),
	KTEST_CASE(heap_double_free),
	KTEST_CASE(heap_free_inside_object),
	KTEST_CASE(heap_foreign_pointer),
	KTEST_CASE(heap_write_after_free),
	KTEST_CASE(heap_cpu_cache_batches),
	KTEST_CASE(heap_double_free_other_cpu),
	KTEST_CASE(heap_drain_before_failing),
	KTEST_CASE(heap_cpu_cache_drain_race),
	{}
};
KTEST_SUITE(heap, heap_cases);
