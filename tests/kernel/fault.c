/*
 * tests/kernel/fault.c - suite `fault`: the page-fault paths (FAULT=locked,
 * spf, vma; docs/faults.md) racing the mmap writers.
 *
 * Faulter threads (two per CPU other than the writer's, at most 14), in one
 * mm, write through copy_to_user - so each fault is a real one, through the
 * arch's entry and handle_user_fault() - to pages of their own and to pages
 * all of them share, in a 512-page area (one PTE table).  The writer (this
 * thread) meanwhile munmaps (sometimes the whole area, so its PTE table is
 * freed), mmaps with MAP_FIXED over mapped or unmapped ranges, mprotects
 * read-only or read-write, and MADV_DONTNEEDs, 1-32 pages at a time,
 * leaving what it did in place so that the check sees it.  After each
 * operation it pauses the faulters (a quiescent point: no fault in flight;
 * they sleep until it is done) and checks, under mmap_lock for read:
 *   - no PTE outside a VMA, no writable PTE in a non-writable VMA;
 *   - no PTE pointing at a free page (reference count zero, or the
 *     allocator's);
 *   - rss equal to the PTEs present (a PTE written into a table already
 *     unhooked is counted in rss and found by no walk);
 * and at the end that every frame came back (no leak).
 *
 * fault_test_delay_ns widens the window between what a fault read (VMA,
 * PTE) and its install.  Races counted, and required: resolved faults that
 * overlapped a writer's operation (RACE_RACING of them a run, 10^5 across
 * the rows of `make test`; refused ones, on holes and read-only pages, are
 * counted beside); the path's own aborts (spf: sequence aborts) or
 * fallbacks (vma: busy VMAs) above zero.  This random race rarely catches
 * SPF_BROKEN=1 or VMA_LOCK_BROKEN=1 (the writer's next operation undoes
 * most stale installs); test_fault_race_directed below does, every run.
 */
#include "tests/kernel/ktest.h"
#include "tests/kernel/directed.h"
#include "kernel/config.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/sched/wait.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/fault.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/page.h"
#include "mm/pagewalk.h"
#include "mm/uaccess.h"
#include "asm/page.h"
#include "lib/string.h"

#define AREA        0x70000000ul   /* 2 MiB aligned: one PTE table */
#define SLOTS       512            /* the whole PTE table */
#define SHARED      64             /* slots [0, SHARED) are everybody's */
#define OWN         32             /* then OWN slots per faulter */
#define OP_PAGES    32             /* a writer operation covers 1..OP_PAGES slots */
#define MAX_FAULTERS ((SLOTS - SHARED) / OWN)
#define RW          (PROT_READ | PROT_WRITE)
#define ANON        (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)

#define RACE_MIN_MS     700
#define RACE_MIN_ROUNDS 200
#define OPS_PER_ROUND   1
#define RACE_DELAY_NS   200000

/*
 * Resolved racing faults (faults that overlapped a writer's operation and
 * mapped the page) each run goes for, and must reach.  `make test` boots
 * the suite in 12 rows (tests/matrix.txt: 6 configurations x 2 and 4
 * CPUs), so 8400 a row is 10^5 across the quick suite: 4-8 s a row under
 * TCG on a loaded 2-core host, RACE_MAX_MS the bound.  `make torture`
 * runs suite fault_torture (tests/torture.txt: 2, 4 and 8 CPUs) for
 * 50 000 a row: about a minute and a half a row at 8 CPUs.
 */
#define RACE_RACING         8400
#define RACE_MAX_MS         30000
#define TORTURE_RACING      50000
#define TORTURE_MAX_MS      600000

static struct mm_struct *race_mm;
static volatile int race_stop, pause_req, nr_paused, nr_faulters;
static struct wait_queue_head pause_wq, writer_wq;  /* parked faulters; the writer waiting for them */
static volatile unsigned writer_gen;        /* odd while the writer is inside an operation */
static volatile uint64_t r_faults, r_racing, r_accesses, r_refused;
static unsigned refused_at[MAX_FAULTERS][SLOTS];    /* writer_gen | 1 when last refused */
static volatile uint64_t f_racing[MAX_FAULTERS];   /* each faulter's resolved racing faults so far */

static uintptr_t slot(unsigned i) { return AREA + (uintptr_t)i * PAGE_SIZE; }

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void faulter(void *arg)
{
	unsigned me = (unsigned)(uintptr_t)arg;
	uint64_t seed = 0x9e3779b97f4a7c15ull * (me + 1), faults = 0, racing = 0, accesses = 0, refused = 0;
	kthread_use_mm(race_mm);
	while (!READ_ONCE(race_stop)) {
		if (READ_ONCE(pause_req)) {
			/* Parked asleep, not yielding in a loop: on an
			 * overcommitted host a spinning vCPU takes the host time
			 * the writer needs to finish its check. */
			if (__atomic_add_fetch(&nr_paused, 1, __ATOMIC_SEQ_CST) >= nr_faulters)
				wake_up(&writer_wq);
			wait_event(&pause_wq, !READ_ONCE(pause_req) || READ_ONCE(race_stop));
			__atomic_fetch_sub(&nr_paused, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		/* A slot refused since the writer's last operation (a hole, or
		 * read-only) is refused again until the writer changes
		 * something: try a few others first, so that the faulters'
		 * time goes to faults that can be resolved. */
		uint64_t x;
		unsigned i, gen = READ_ONCE(writer_gen) | 1;
		for (int tries = 0;; tries++) {
			x = rng_next(&seed);
			i = (x & 1) ? (unsigned)(x >> 8) % SHARED : SHARED + me * OWN + (unsigned)(x >> 8) % OWN;
			if (refused_at[me][i] != gen || tries == 4)
				break;
		}
		uintptr_t a = slot(i);
		/* handle_user_fault() records the page of every fault that is
		 * not a repeat: clear it, and it tells whether we faulted. */
		current->fault_addr = 0;
		unsigned g0 = READ_ONCE(writer_gen);
		uint64_t v = x;
		int r = copy_to_user((void *)(a + (x >> 20) % (PAGE_SIZE / 8) * 8), &v, sizeof(v));
		unsigned g1 = READ_ONCE(writer_gen);
		accesses++;
		if (current->fault_addr == a) {
			faults++;
			refused += r != 0;      /* a hole, or read-only: refused */
			if (r)
				refused_at[me][i] = gen;
			/* The fault overlapped a writer's operation; counted
			 * towards the run's goal if it was resolved (it mapped
			 * the page or found it mapped), the stronger kind. */
			if (g0 != g1 || (g0 & 1)) {
				racing++;
				if (r == 0)
					WRITE_ONCE(f_racing[me], READ_ONCE(f_racing[me]) + 1);
			}
		}
		if (accesses % 64 == 0)
			yield();
	}
	__atomic_fetch_add(&r_faults, faults, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r_racing, racing, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r_accesses, accesses, __ATOMIC_RELAXED);
	__atomic_fetch_add(&r_refused, refused, __ATOMIC_RELAXED);
	kthread_unuse_mm(race_mm);
}

static uint64_t racing_so_far(void)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < MAX_FAULTERS; i++)
		n += READ_ONCE(f_racing[i]);
	return n;
}

/* One random writer operation on a random range of the area. */
static void writer_op(uint64_t *seed, uint64_t ops[5])
{
	uint64_t x = rng_next(seed);
	unsigned first = (unsigned)x % SLOTS, len = 1 + (unsigned)(x >> 8) % OP_PAGES, op = (unsigned)(x >> 16) % 5;
	if (first + len > SLOTS)
		len = SLOTS - first;
	uintptr_t a = slot(first), l = (uintptr_t)len * PAGE_SIZE;
	WRITE_ONCE(writer_gen, writer_gen + 1);
	ops[op]++;
	switch (op) {
	case 0:     /* munmap; now and then the whole area (its table is freed) */
		if ((x >> 24) % 8 == 0)
			a = AREA, l = SLOTS * PAGE_SIZE;
		do_munmap(race_mm, a, l);
		/* Mostly mapped again soon: faults on holes are refused, and
		 * refused faults repeat at every access, crowding out the
		 * demand-zero faults the race is about.  A quarter stay
		 * unmapped for the check to see. */
		if ((x >> 28) % 4) {
			udelay(30);
			do_mmap(race_mm, a, l, RW, ANON, -1, 0);
		}
		break;
	case 1:     /* MAP_FIXED, read-write, over whatever is there */
	case 2:
		do_mmap(race_mm, a, l, RW, ANON, -1, 0);
		break;
	case 3:     /* mprotect read-only; a quarter stay so for the check */
		if (vma_range_mapped(race_mm, a, a + l)) {
			do_mprotect(race_mm, a, l, PROT_READ);
			if ((x >> 28) % 4) {
				udelay(30);
				do_mprotect(race_mm, a, l, RW);
			}
		}
		break;
	case 4:
		if (vma_range_mapped(race_mm, a, a + l))
			do_madvise(race_mm, a, l, MADV_DONTNEED);
		break;
	}
	WRITE_ONCE(writer_gen, writer_gen + 1);
}

struct check_result { uint64_t present, outside, writable_ro, freed; };

/* From a quiescent point: every PTE of the area against the VMAs. */
static void check_ptes(struct check_result *c)
{
	mmap_read_lock(race_mm);
	uint64_t present = 0;
	for (unsigned i = 0; i < SLOTS; i++) {
		int level;
		pteval_t *p = pt_walk(race_mm->pgd, slot(i), PT_PTE, NULL, &level);
		if (!p || level != PT_PTE || !pte_maps_page(*p))
			continue;
		pteval_t pte = *p;
		present++;
		struct vm_area_struct *v = vma_find(race_mm, slot(i));
		if (!v)
			c->outside++;
		else if (pte_write(pte) && !(v->flags & VM_WRITE))
			c->writable_ro++;
		struct page *pg = phys_to_page(entry_addr(pte));
		if (page_ref_count(pg) <= 0 || (READ_ONCE(pg->flags) & PG_buddy))
			c->freed++;
	}
	if (present != mm_rss(race_mm) && c->present == 0)
		ktest_log("rss %llu, PTEs present %llu", (unsigned long long)mm_rss(race_mm),
			  (unsigned long long)present);
	if (present != mm_rss(race_mm))
		c->present++;       /* counts mismatching rounds */
	mmap_read_unlock(race_mm);
}

/* The verdict of check_ptes() over a whole test, and no frame leaked. */
static void expect_clean(struct ktest *t, const struct check_result *c, uint64_t frames)
{
	ktest_log("bad: %llu PTEs outside a VMA, %llu writable in a read-only VMA, %llu on free pages, "
		  "%llu rounds with rss != PTEs",
		  (unsigned long long)c->outside, (unsigned long long)c->writable_ro,
		  (unsigned long long)c->freed, (unsigned long long)c->present);
	KTEST_EXPECT_EQ(t, c->outside, 0ull);
	KTEST_EXPECT_EQ(t, c->writable_ro, 0ull);
	KTEST_EXPECT_EQ(t, c->freed, 0ull);
	KTEST_EXPECT_EQ(t, c->present, 0ull);
	KTEST_EXPECT_EQ(t, ktest_frames_available(), frames);
}

static void fault_race(struct ktest *t, uint64_t want_racing, uint64_t max_ms)
{
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return;
	}
	rcu_barrier();
	uint64_t frames = ktest_frames_available();
	race_mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, race_mm);
	kthread_use_mm(race_mm);
	race_stop = pause_req = nr_paused = 0;
	writer_gen = 0;
	r_faults = r_racing = r_accesses = r_refused = 0;
	for (unsigned i = 0; i < MAX_FAULTERS; i++)
		f_racing[i] = 0;
	memset(refused_at, 0, sizeof(refused_at));
	struct fault_stats s0, s1;
	fault_get_stats(&s0);
	uint64_t waits0 = vma_write_waits;
	KTEST_ASSERT_EQ(t, do_mmap(race_mm, AREA, SLOTS * PAGE_SIZE, RW, ANON, -1, 0), (long)AREA);
	fault_test_delay_ns = RACE_DELAY_NS;

	unsigned me = smp_processor_id(), cpu, n = 0;
	struct thread *th[MAX_FAULTERS];
	init_waitqueue_head(&pause_wq);
	init_waitqueue_head(&writer_wq);
	nr_faulters = (int)(2 * (num_online_cpus() - 1) < MAX_FAULTERS ? 2 * (num_online_cpus() - 1) : MAX_FAULTERS);
	for_each_online_cpu(cpu)
		for (int k = 0; k < 2 && cpu != me && n < MAX_FAULTERS; k++, n++)
			th[n] = thread_create_on(cpu, "ktest-fault", faulter, (void *)(uintptr_t)n);

	uint64_t seed = 0x5eed, rounds = 0, ops[5] = { 0 }, t0 = ktime_ns();
	struct check_result c = { 0 };
	while ((ktime_ns() < t0 + RACE_MIN_MS * 1000000ull || rounds < RACE_MIN_ROUNDS ||
		racing_so_far() < want_racing) &&
	       ktime_ns() < t0 + max_ms * 1000000ull) {
		for (int k = 0; k < OPS_PER_ROUND; k++) {
			writer_op(&seed, ops);
			udelay(30);     /* the faulters get at the new state */
		}
		/* Quiescent point: every faulter parked between accesses. */
		__atomic_store_n(&pause_req, 1, __ATOMIC_SEQ_CST);
		wait_event(&writer_wq, __atomic_load_n(&nr_paused, __ATOMIC_SEQ_CST) >= (int)n);
		check_ptes(&c);
		__atomic_store_n(&pause_req, 0, __ATOMIC_SEQ_CST);
		wake_up(&pause_wq);
		rounds++;
	}
	__atomic_store_n(&race_stop, 1, __ATOMIC_SEQ_CST);
	wake_up(&pause_wq);
	for (unsigned i = 0; i < n; i++)
		thread_join(th[i]);
	fault_test_delay_ns = 0;
	fault_get_stats(&s1);
	kthread_unuse_mm(race_mm);
	mm_put(race_mm);
	rcu_barrier();

	uint64_t aborts = 0, fallbacks = 0;
	for (int i = 0; i < SPF_ABORT_NR; i++)
		aborts += s1.spf_abort[i] - s0.spf_abort[i];
	for (int i = 0; i < VMA_FB_NR; i++)
		fallbacks += s1.vma_fallback[i] - s0.vma_fallback[i];
	ktest_log("FAULT=%s TABLE_FREE=%s: %llu rounds (munmap %llu, MAP_FIXED %llu, mprotect %llu, madvise %llu), "
		  "%llu accesses, %llu faults (%llu refused), %llu racing a writer, %llu of them resolved (wanted %llu), "
		  "%llu ms, %u faulters",
		  CONFIG_FAULT_NAME, CONFIG_TABLE_FREE_NAME, (unsigned long long)rounds,
		  (unsigned long long)ops[0], (unsigned long long)(ops[1] + ops[2]),
		  (unsigned long long)ops[3], (unsigned long long)ops[4],
		  (unsigned long long)r_accesses, (unsigned long long)r_faults, (unsigned long long)r_refused,
		  (unsigned long long)r_racing, (unsigned long long)racing_so_far(), (unsigned long long)want_racing,
		  (unsigned long long)((ktime_ns() - t0) / 1000000), n);
	ktest_log("paths: %llu locked, %llu spf, %llu vma; spf aborts %llu (seq %llu, table %llu, vma %llu, pte %llu, "
		  "unsupported %llu); vma fallbacks %llu (busy %llu), writer waits %llu",
		  (unsigned long long)(s1.locked - s0.locked), (unsigned long long)(s1.spf - s0.spf),
		  (unsigned long long)(s1.vma - s0.vma), (unsigned long long)aborts,
		  (unsigned long long)(s1.spf_abort[SPF_ABORT_SEQ] - s0.spf_abort[SPF_ABORT_SEQ]),
		  (unsigned long long)(s1.spf_abort[SPF_ABORT_NO_TABLE] - s0.spf_abort[SPF_ABORT_NO_TABLE]),
		  (unsigned long long)(s1.spf_abort[SPF_ABORT_VMA] - s0.spf_abort[SPF_ABORT_VMA]),
		  (unsigned long long)(s1.spf_abort[SPF_ABORT_PTE] - s0.spf_abort[SPF_ABORT_PTE]),
		  (unsigned long long)(s1.spf_abort[SPF_ABORT_UNSUPPORTED] - s0.spf_abort[SPF_ABORT_UNSUPPORTED]),
		  (unsigned long long)fallbacks,
		  (unsigned long long)(s1.vma_fallback[VMA_FB_BUSY] - s0.vma_fallback[VMA_FB_BUSY]),
		  (unsigned long long)(vma_write_waits - waits0));
	expect_clean(t, &c, frames);
	KTEST_EXPECT_GE(t, racing_so_far(), want_racing);
	/* Every path ran, and the racing ones' way out: spf aborts because
	 * a writer moved the sequence, vma falls back because a writer had
	 * the VMA; the locked path then resolves (or refuses) the fault. */
	KTEST_EXPECT_GT(t, s1.locked - s0.locked, 0ull);
#ifdef CONFIG_FAULT_SPF
	KTEST_EXPECT_GT(t, s1.spf - s0.spf, 0ull);
	KTEST_EXPECT_GT(t, aborts, 0ull);
	KTEST_EXPECT_GT(t, s1.spf_abort[SPF_ABORT_SEQ] - s0.spf_abort[SPF_ABORT_SEQ], 0ull);
#endif
#ifdef CONFIG_FAULT_VMA
	KTEST_EXPECT_GT(t, s1.vma - s0.vma, 0ull);
	KTEST_EXPECT_GT(t, fallbacks, 0ull);
	KTEST_EXPECT_GT(t, s1.vma_fallback[VMA_FB_BUSY] - s0.vma_fallback[VMA_FB_BUSY], 0ull);
#endif
}

static void test_fault_race(struct ktest *t)
{
	fault_race(t, RACE_RACING, RACE_MAX_MS);
}

/* ---- the directed race ------------------------------------------------------------- */

/*
 * test_fault_race_directed: the random race above rarely leaves a stale
 * install for its check to see (the writer's next operation undoes it), so
 * here the window is held open on purpose.  Each round: a fresh 8-page VMA,
 * its PTE table present (slot 0 touched), one faulter writes slot 2 and is
 * parked by fault_test_window inside its path's window (spf: page zeroed,
 * snapshot and VMA copy done, walk and PTE lock not yet; vma: VMA
 * read-locked, nothing installed).  A writer thread then runs exactly one conflicting operation
 * on slot 2 - munmap, or mprotect read-only - and the faulter is released
 * once that operation is over or is waiting for the faulter's VMA lock
 * (vma_write_waits moved).  With nothing else changing the range, the
 * PTEs are checked as soon as both are done.  A correct build aborts
 * (spf: the sequence moved) or makes the writer wait (vma); SPF_BROKEN
 * installs a PTE outside the VMA or a writable one in a read-only VMA, and
 * so does VMA_LOCK_BROKEN.  The handshake (tests/kernel/directed.c, shared
 * with the fork suite's COW version) does not depend on time.
 */
#define DIRECTED_ROUNDS 6
#define DIRECTED_PAGES  8
#define DIRECTED_SLOT   2

static void test_fault_race_directed(struct ktest *t)
{
	if (!directed_can_run(t, "FAULT=locked has no window: it excludes writers"))
		return;
	rcu_barrier();
	uint64_t frames = ktest_frames_available();
	race_mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, race_mm);
	kthread_use_mm(race_mm);
	struct fault_stats s0, s1;
	fault_get_stats(&s0);
	uint64_t waits0 = vma_write_waits;
	unsigned other = directed_fault_cpu();
	WRITE_ONCE(fault_test_window, directed_window);

	struct check_result c = { 0 };
	unsigned windows = 0, refused = 0, stuck = 0;
	for (int round = 0; round < DIRECTED_ROUNDS; round++) {
		/* A fresh VMA over the area (MAP_FIXED zaps the last round's
		 * pages), and its PTE table in place, so that the spf walk
		 * finds a table and the munmap of one page frees none. */
		KTEST_ASSERT_EQ(t, do_mmap(race_mm, AREA, DIRECTED_PAGES * PAGE_SIZE, RW, ANON, -1, 0), (long)AREA);
		uint64_t v = 1;
		KTEST_ASSERT_EQ(t, copy_to_user((void *)slot(0), &v, sizeof(v)), 0);
		bool ref;
		/* munmap, mprotect read-only, in turn */
		if (directed_round(race_mm, slot(DIRECTED_SLOT), round & 1 ? DIRECTED_MPROTECT_RO : DIRECTED_MUNMAP,
				   other, &ref))
			windows++;
		else
			stuck++;
		refused += ref;         /* the fault saw the writer's change */
		/* Nothing else touches the area until the next round. */
		check_ptes(&c);
	}
	WRITE_ONCE(fault_test_window, NULL);
	fault_get_stats(&s1);
	kthread_unuse_mm(race_mm);
	mm_put(race_mm);
	rcu_barrier();

	uint64_t aborts = s1.spf_abort[SPF_ABORT_SEQ] - s0.spf_abort[SPF_ABORT_SEQ];
	uint64_t waits = vma_write_waits - waits0;
	ktest_log("FAULT=%s TABLE_FREE=%s: %d rounds, %u faulters held in the window (%u never got there), "
		  "%u faults refused; spf sequence aborts %llu, vma writer waits %llu",
		  CONFIG_FAULT_NAME, CONFIG_TABLE_FREE_NAME, DIRECTED_ROUNDS, windows, stuck, refused,
		  (unsigned long long)aborts, (unsigned long long)waits);
	expect_clean(t, &c, frames);
	/* Every round raced: the faulter was in the window when the writer
	 * acted, and the path noticed. */
	KTEST_EXPECT_EQ(t, windows, (unsigned)DIRECTED_ROUNDS);
#ifdef CONFIG_FAULT_SPF
	KTEST_EXPECT_GE(t, aborts, (uint64_t)DIRECTED_ROUNDS);
#endif
#ifdef CONFIG_FAULT_VMA
	KTEST_EXPECT_GE(t, waits, (uint64_t)DIRECTED_ROUNDS);
#endif
}

/* One thread: a demand-zero write fault maps a zeroed page by the path of
 * the build; a write to a read-only mapping is refused; after an mprotect
 * upgrade the write goes through. */
static void test_fault_basic(struct ktest *t)
{
	rcu_barrier();
	uint64_t frames = ktest_frames_available();
	struct mm_struct *mm = mm_create();
	KTEST_ASSERT_NOT_NULL(t, mm);
	kthread_use_mm(mm);
	struct fault_stats s0, s1;
	fault_get_stats(&s0);
	KTEST_EXPECT_EQ(t, do_mmap(mm, AREA, 4 * PAGE_SIZE, RW, ANON, -1, 0), (long)AREA);
	uint64_t v = 42, r = 1;
	KTEST_EXPECT_EQ(t, copy_from_user(&r, (void *)slot(0), sizeof(r)), 0);
	KTEST_EXPECT_EQ(t, r, 0ull);
	KTEST_EXPECT_EQ(t, copy_to_user((void *)slot(1), &v, sizeof(v)), 0);
	KTEST_EXPECT_EQ(t, do_mprotect(mm, slot(2), PAGE_SIZE, PROT_READ), 0l);
	KTEST_EXPECT_NE(t, copy_to_user((void *)slot(2), &v, sizeof(v)), 0);
	KTEST_EXPECT_EQ(t, do_mprotect(mm, slot(2), PAGE_SIZE, RW), 0l);
	KTEST_EXPECT_EQ(t, copy_to_user((void *)slot(2), &v, sizeof(v)), 0);
	KTEST_EXPECT_EQ(t, copy_from_user(&r, (void *)slot(2), sizeof(r)), 0);
	KTEST_EXPECT_EQ(t, r, 42ull);
	KTEST_EXPECT_EQ(t, mm_rss(mm), 3ull);
	fault_get_stats(&s1);
#if defined(CONFIG_FAULT_SPF)
	/* The first fault finds no PTE table: aborted, the locked path
	 * allocates it; the next two are speculative. */
	KTEST_EXPECT_GE(t, s1.spf - s0.spf, 2ull);
	KTEST_EXPECT_GE(t, s1.spf_abort[SPF_ABORT_NO_TABLE] - s0.spf_abort[SPF_ABORT_NO_TABLE], 1ull);
#elif defined(CONFIG_FAULT_VMA)
	KTEST_EXPECT_GE(t, s1.vma - s0.vma, 3ull);
#else
	KTEST_EXPECT_GE(t, s1.locked - s0.locked, 3ull);
#endif
	kthread_unuse_mm(mm);
	mm_put(mm);
	rcu_barrier();
	KTEST_EXPECT_EQ(t, ktest_frames_available(), frames);
}

static struct ktest_case fault_cases[] = {
	KTEST_CASE(test_fault_basic),
	KTEST_CASE(test_fault_race),
	KTEST_CASE(test_fault_race_directed),
	{ 0 },
};
KTEST_SUITE(fault, fault_cases);

/* `make torture` (tests/torture.txt): the random race for TORTURE_RACING
 * resolved racing faults a boot, at 2, 4 and 8 CPUs; and the directed one. */
static void test_fault_race_torture(struct ktest *t)
{
	fault_race(t, TORTURE_RACING, TORTURE_MAX_MS);
}

static struct ktest_case fault_torture_cases[] = {
	KTEST_CASE(test_fault_race_torture),
	KTEST_CASE(test_fault_race_directed),
	{ 0 },
};
KTEST_SUITE(fault_torture, fault_torture_cases);
