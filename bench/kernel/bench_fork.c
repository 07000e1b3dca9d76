/*
 * bench/kernel/bench_fork.c - fork and copy-on-write (docs/fork.md; make
 * compare's E7):
 *   fork_latency  dup_mm() of an address space with 1, 4, 16 and 64 MiB
 *                 resident, and the mm_put() of the child: cycles against
 *                 the resident size (x, MiB).  Metrics dup_mm, exit_child.
 *   cow_fault     cycles of one COW write fault (the child holds every
 *                 page, so each fault copies), one faulting thread, by the
 *                 build's FAULT path: alone (cow_fault_alone); with a
 *                 thread on another CPU that mmaps and munmaps one page
 *                 elsewhere in the same mm meanwhile (cow_fault_writer),
 *                 the writer spf and vma exist to tolerate; and, as the
 *                 control, with a thread of the same mm on that CPU that
 *                 only spins (cow_fault_spinner): it takes no lock, but
 *                 it puts its CPU in the mm's cpumask, so every COW fault
 *                 (which replaces a PTE) must shoot down its TLB with an
 *                 IPI, as with the writer.  shootdown_wait: the cycles
 *                 the faulter waited for those IPIs, per fault, beside
 *                 the spinner (x = 0) and the writer (x = 1).
 * Driven from kernel threads through kthread_use_mm(), as the gup
 * benchmarks are: no process or scheduler noise in the figures.
 */
#include "bench/kernel/bench.h"
#include "kernel/config.h"
#include "kernel/smp.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/fork.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/tlb.h"
#include "kernel/time.h"
#include "mm/uaccess.h"
#include "asm/cpu.h"
#include "asm/page.h"

#define FORK_AREA   0x100000000ul
#define WRITER_AREA 0x7f0000000ul
#define RW          (PROT_READ | PROT_WRITE)
#define ANON        (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)
#define FORK_RUNS   5
#define COW_PAGES   512
#define COW_ROUNDS  4

/* A fresh mm in use by this thread with @pages pages at FORK_AREA, touched. */
static struct mm_struct *populated_mm(unsigned long pages)
{
	struct mm_struct *mm = mm_create();
	if (!mm)
		return NULL;
	kthread_use_mm(mm);
	if (do_mmap(mm, FORK_AREA, pages * PAGE_SIZE, RW, ANON, -1, 0) != (long)FORK_AREA) {
		kthread_unuse_mm(mm);
		mm_put(mm);
		return NULL;
	}
	for (unsigned long i = 0; i < pages; i++) {
		uint64_t v = i;
		if (copy_to_user((void *)(FORK_AREA + i * PAGE_SIZE), &v, sizeof(v)))
			break;
	}
	return mm;
}

static void bench_fork_latency(void)
{
	static const unsigned mib[] = { 1, 4, 16, 64 };
	for (unsigned k = 0; k < sizeof(mib) / sizeof(mib[0]); k++) {
		unsigned long pages = (unsigned long)mib[k] << (20 - PAGE_SHIFT);
		struct mm_struct *mm = populated_mm(pages);
		if (!mm)
			return;
		uint64_t dup[FORK_RUNS], put[FORK_RUNS];
		unsigned n = 0;
		for (int r = 0; r < FORK_RUNS; r++) {
			int err;
			uint64_t t0 = get_cycles_ordered();
			struct mm_struct *child = dup_mm(mm, &err);
			uint64_t t1 = get_cycles_ordered();
			if (!child)
				break;
			mm_put(child);
			uint64_t t2 = get_cycles_ordered();
			dup[n] = t1 - t0;
			put[n++] = t2 - t1;
		}
		kthread_unuse_mm(mm);
		mm_put(mm);
		if (n) {
			bench_report_cycles("fork_latency", "dup_mm", mib[k], dup, n);
			bench_report_cycles("fork_latency", "exit_child", mib[k], put, n);
		}
	}
}
BENCHMARK(fork_latency, "dup_mm() and the child's exit against resident size, 1..64 MiB", bench_fork_latency);

static struct mm_struct *cow_mm;
static volatile int other_stop;
static volatile uint64_t other_ops;

/* The other CPU's thread: the mmap_lock writer (@arg non-NULL), or the
 * spinner, which only keeps the mm loaded there. */
static void cow_other(void *arg)
{
	kthread_use_mm(cow_mm);
	while (!READ_ONCE(other_stop)) {
		if (arg) {
			do_mmap(cow_mm, WRITER_AREA, PAGE_SIZE, RW, ANON, -1, 0);
			do_munmap(cow_mm, WRITER_AREA, PAGE_SIZE);
		} else {
			cpu_relax();
		}
		WRITE_ONCE(other_ops, other_ops + 1);
	}
	kthread_unuse_mm(cow_mm);
}

/* Cycles of each COW fault over COW_ROUNDS forks of COW_PAGES pages. */
static unsigned cow_rounds(uint64_t *v)
{
	unsigned n = 0;
	for (int r = 0; r < COW_ROUNDS; r++) {
		int err;
		struct mm_struct *child = dup_mm(cow_mm, &err);
		if (!child)
			break;
		for (unsigned i = 0; i < COW_PAGES; i++) {
			uint64_t x = i + 1;
			uint64_t t0 = get_cycles_ordered();
			int bad = (int)copy_to_user((void *)(FORK_AREA + (uintptr_t)i * PAGE_SIZE), &x, sizeof(x));
			uint64_t t1 = get_cycles_ordered();
			if (!bad)
				v[n++] = t1 - t0;
		}
		mm_put(child);
	}
	return n;
}

/* TLB-shootdown wait cycles of every CPU so far (the faulter's are the
 * ones that move: the other thread unmaps nothing it touched).  Over a
 * whole cow_rounds(), so the four dup_mm() write-protect flushes are in
 * it too: four waits against 2,048 faults' (docs/fork.md). */
static uint64_t shootdown_wait_cycles(void)
{
	uint64_t sum = 0;
	unsigned cpu;
	for_each_online_cpu(cpu) {
		struct tlb_stats s;
		tlb_get_stats(cpu, &s);
		sum += s.wait_cycles;
	}
	return sum;
}

/* COW rounds with the other thread (@writer or the spinner) running on
 * the next CPU: reports the faults' cycles and the shootdown wait. */
static void cow_beside(bool writer, uint64_t *v)
{
	other_stop = 0;
	other_ops = 0;
	struct thread *o = thread_create_on((smp_processor_id() + 1) % num_online_cpus(),
					    writer ? "bench-cow-writer" : "bench-cow-spinner", cow_other,
					    writer ? (void *)1 : NULL);
	if (!o)
		return;
	/* Running, the mm loaded on its CPU; a thread that never starts
	 * (no such CPU running) skips the row rather than hanging it. */
	uint64_t give_up = get_cycles_ordered() + ns_to_tsc(1000000000ull);
	while (!READ_ONCE(other_ops) && get_cycles_ordered() < give_up)
		cpu_relax();
	if (!READ_ONCE(other_ops)) {
		WRITE_ONCE(other_stop, 1);
		thread_join(o);
		return;
	}
	uint64_t wait0 = shootdown_wait_cycles();
	unsigned n = cow_rounds(v);
	uint64_t wait = shootdown_wait_cycles() - wait0;
	WRITE_ONCE(other_stop, 1);
	thread_join(o);
	if (!n)
		return;
	bench_report_cycles("cow_fault", writer ? "cow_fault_writer" : "cow_fault_spinner", 1, v, n);
	bench_report("cow_fault", "shootdown_wait", writer, "cycles", wait / n, wait / n, wait / n, 1);
}

static void bench_cow_fault(void)
{
	static uint64_t v[COW_PAGES * COW_ROUNDS];
	cow_mm = populated_mm(COW_PAGES);
	if (!cow_mm)
		return;
	unsigned n = cow_rounds(v);
	if (n)
		bench_report_cycles("cow_fault", "cow_fault_alone", 1, v, n);
	if (num_online_cpus() > 1) {
		cow_beside(false, v);
		cow_beside(true, v);
	}
	kthread_unuse_mm(cow_mm);
	mm_put(cow_mm);
}
BENCHMARK(cow_fault, "cycles of a copy-on-write fault by the FAULT path, alone, beside a spinning thread of the mm and beside an mmap/munmap writer",
	  bench_cow_fault);
