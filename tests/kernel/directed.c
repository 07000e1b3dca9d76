/*
 * tests/kernel/directed.c - see directed.h.  Every flag of the handshake
 * is read and written sequentially consistent, both ways: the test's view
 * of dr_in_window implies the faulter read what it read before it.
 */
#include "tests/kernel/directed.h"
#include "tests/kernel/ktest.h"
#include "kernel/config.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/mm.h"
#include "mm/mmap.h"
#include "mm/uaccess.h"
#include "asm/page.h"

#define DIRECTED_WAIT_NS 20000000000ull  /* a safety bound only: never reached when it works */

static struct mm_struct *dr_mm;
static volatile uintptr_t dr_addr;
static volatile int dr_armed, dr_in_window, dr_release, dr_fault_done, dr_op_done;
static volatile enum directed_op dr_op;
static volatile long dr_fault_ret;

void directed_window(uintptr_t addr)
{
	/* Once per round (dr_armed), only for the round's page. */
	if (addr != READ_ONCE(dr_addr) || !__atomic_exchange_n(&dr_armed, 0, __ATOMIC_SEQ_CST))
		return;
	__atomic_store_n(&dr_in_window, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&dr_release, __ATOMIC_SEQ_CST))
		yield();
}

static void directed_faulter(void *arg)
{
	(void)arg;
	kthread_use_mm(dr_mm);
	uint64_t v = 0xfa17;
	dr_fault_ret = (long)copy_to_user((void *)dr_addr, &v, sizeof(v));
	kthread_unuse_mm(dr_mm);
	__atomic_store_n(&dr_fault_done, 1, __ATOMIC_SEQ_CST);
}

static void directed_writer(void *arg)
{
	(void)arg;
	if (dr_op == DIRECTED_MUNMAP)
		do_munmap(dr_mm, dr_addr, PAGE_SIZE);
	else if (dr_op == DIRECTED_MUNMAP_BLOCK)
		do_munmap(dr_mm, dr_addr & ~(PMD_SIZE - 1), PMD_SIZE);
	else
		do_mprotect(dr_mm, dr_addr, PAGE_SIZE, PROT_READ);
	__atomic_store_n(&dr_op_done, 1, __ATOMIC_SEQ_CST);
}

bool directed_can_run(struct ktest *t, const char *locked_why)
{
#if !defined(CONFIG_FAULT_SPF) && !defined(CONFIG_FAULT_VMA)
	ktest_skip(t, locked_why);
	return false;
#else
	(void)locked_why;
	if (num_online_cpus() < 2) {
		ktest_skip(t, "needs 2 CPUs");
		return false;
	}
	return true;
#endif
}

unsigned directed_fault_cpu(void)
{
	unsigned me = smp_processor_id(), other = me, cpu;
	for_each_online_cpu(cpu)
		if (cpu != me && other == me)
			other = cpu;
	return other;
}

static bool seen(volatile int *flag)
{
	return __atomic_load_n(flag, __ATOMIC_SEQ_CST);
}

bool directed_round(struct mm_struct *mm, uintptr_t addr, enum directed_op op, unsigned fault_cpu,
		    bool *refused)
{
	dr_mm = mm;
	dr_addr = addr;
	dr_op = op;
	dr_in_window = dr_release = dr_fault_done = dr_op_done = 0;
	dr_fault_ret = 0;
	__atomic_store_n(&dr_armed, 1, __ATOMIC_SEQ_CST);
	uint64_t t0 = ktime_ns();
	struct thread *f = thread_create_on(fault_cpu, "ktest-dfault", directed_faulter, NULL);
	while (!seen(&dr_in_window) && !seen(&dr_fault_done) && ktime_ns() < t0 + DIRECTED_WAIT_NS)
		yield();
	bool raced = seen(&dr_in_window);
	if (raced) {
		uint64_t w0 = __atomic_load_n(&vma_write_waits, __ATOMIC_SEQ_CST);
		struct thread *w = thread_create_on(smp_processor_id(), "ktest-dwriter", directed_writer, NULL);
		/* The operation is over, or it waits for the faulter's VMA
		 * read lock (a correct FAULT=vma): either way, let go. */
		while (!seen(&dr_op_done) && __atomic_load_n(&vma_write_waits, __ATOMIC_SEQ_CST) == w0 &&
		       ktime_ns() < t0 + DIRECTED_WAIT_NS)
			yield();
		__atomic_store_n(&dr_release, 1, __ATOMIC_SEQ_CST);
		thread_join(f);
		thread_join(w);
	} else {
		/* The fault never reached the window (it took another path):
		 * nothing raced this round. */
		__atomic_store_n(&dr_armed, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&dr_release, 1, __ATOMIC_SEQ_CST);
		thread_join(f);
	}
	*refused = dr_fault_ret != 0;
	return raced;
}
