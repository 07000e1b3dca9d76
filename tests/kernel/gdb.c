/*
 * tests/kernel/gdb.c - suite `gdb`: the scene the gdb helpers are tested
 * on (scripts/tests/test_gdb.py, docs/debugging.md "Helper commands").
 *
 * test_gdb_scene runs user/bin/gdbdemo (a process with read-write,
 * read-only and thread-stack VMAs, four pinned pages and three threads),
 * then prints the kernel's own view of it with `gdb-scene:` lines: the
 * monitor's `ps` and `rcu`, the process's VMAs and their read locks, the
 * struct page of two of its pages, and its mm's TLB state on each CPU.
 * It then stops the machine at gdb_scene_checkpoint(), where a debugger's
 * breakpoint sees exactly that state, and lets gdbdemo finish.
 *
 * The invariant that makes the two views comparable: from the first
 * `gdb-scene:` line of the frozen part to the checkpoint nothing changes
 * the state printed.  Every other CPU spins in freeze_cpu() with IRQs off
 * (as stop_machine does), and this CPU runs with IRQs off: no tick, no
 * switch, no RCU quiescent state, no flush.  Without gdb the case still
 * checks what it printed (the pins, the threads, the read lock).
 */
#include "tests/kernel/ktest.h"
#include "kernel/atomic.h"
#include "kernel/config.h"
#include "kernel/cpumask.h"
#include "kernel/irqflags.h"
#include "kernel/monitor.h"
#include "kernel/preempt.h"
#include "kernel/printk.h"
#include "kernel/proc/process.h"
#include "kernel/rcu/rcu.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/smp.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "mm/tlb.h"
#include "mm/vma.h"
#include "asm/cpu.h"
#include "asm/page.h"
#include "user/bin/gdbdemo.h"

struct scene {
	int pid;
	struct mm_struct *mm;
	int tids[4];
	int nthreads;
};

static void find_threads(struct thread *t, void *ctx)
{
	struct scene *s = ctx;
	if (t->proc && t->proc->pid == s->pid && s->nthreads < 4) {
		s->tids[s->nthreads++] = t->tid;
		s->mm = t->mm;
	}
}

static void report_page(uintptr_t va, struct page *p)
{
	printk("gdb-scene: page va %#lx pfn %#llx refcount %d flags %#x\n", (unsigned long)va,
	       (unsigned long long)page_to_pfn(p), page_ref_count(p), READ_ONCE(p->flags));
}

/* ---- the frozen machine ------------------------------------------------ */

static atomic_t frozen;         /* CPUs spinning in freeze_cpu() */
static int thaw;                /* set by the reporter to let them go */

/* Written by the debugger's breakpoint only: a store the compiler must keep,
 * so that the function stays a real call and a place to stop. */
volatile unsigned long gdb_scene_checkpoints;

/**
 * gdb_scene_checkpoint() - where scripts/tests/test_gdb.py stops the
 * kernel (`break gdb_scene_checkpoint`): every CPU is frozen, and the
 * state the `gdb-scene:` lines describe holds.
 * @pid: the process the helpers are asked about (`kernel-vmas PID`).
 */
__attribute__((noinline)) void gdb_scene_checkpoint(int pid)
{
	gdb_scene_checkpoints += (unsigned long)pid;
}

static void freeze_cpu(void *arg)
{
	(void)arg;
	/* Full barrier (atomic_add_return): this CPU's state before it
	 * froze is visible to the reporter, whose acquire read of the count
	 * pairs with it. */
	atomic_add_return(1, &frozen);
	/* Pairs with the reporter's smp_store_release(&thaw). */
	while (!smp_load_acquire(&thaw))
		cpu_relax();
}

static void report_frozen(struct scene *s, struct vm_area_struct *locked)
{
	printk("gdb-scene: ps begin\n");
	char ps[] = "ps", rcu[] = "rcu";
	monitor_execute(ps);
	printk("gdb-scene: ps end\n");
	monitor_execute(rcu);
	struct rcu_stats rs;
	rcu_get_stats(&rs);
	printk("gdb-scene: rcu gp_seq %llu completed %llu waiting %llu\n", (unsigned long long)rs.gp_seq,
	       (unsigned long long)rs.gp_completed, (unsigned long long)rs.cbs_waiting);
	printk("gdb-scene: mm %p tlb_gen %lld\n", s->mm, (long long)atomic64_read(&s->mm->tlb_gen));
	unsigned cpu;
	for_each_online_cpu(cpu)
		printk("gdb-scene: tlb cpu %u has_mm %d lazy %d\n", cpu, cpumask_test_cpu(cpu, &s->mm->cpumask),
		       tlb_cpu_lazy(cpu, s->mm));
	if (locked)
		printk("gdb-scene: vma %#lx read-locked readers %d\n", (unsigned long)locked->start,
		       READ_ONCE(locked->vm_readers));
}

static void test_gdb_scene(struct ktest *t)
{
	char *argv[] = { "gdbdemo", NULL };
	unsigned before = ktest_log_count("gdbdemo: ready");
	struct scene s = { .pid = process_spawn("gdbdemo", 1, argv, NULL) };
	KTEST_ASSERT_GE(t, s.pid, 1);
	for (int i = 0; i < 1000 && ktest_log_count("gdbdemo: ready") == before; i++)
		msleep(10);
	KTEST_ASSERT_TRUE(t, ktest_log_count("gdbdemo: ready") > before);
	thread_for_each(find_threads, &s);
	KTEST_EXPECT_EQ(t, s.nthreads, 3);
	KTEST_ASSERT_NOT_NULL(t, s.mm);
	printk("gdb-scene: pid %d mm %p threads %d %d %d\n", s.pid, s.mm, s.tids[0], s.tids[1], s.tids[2]);

	/* The VMAs, under mmap_lock: gdbdemo maps nothing while it waits. */
	mmap_read_lock(s.mm);
	const struct vma_table *vt = s.mm->vmas;
	for (int i = 0; i < vt->nr; i++)
		printk("gdb-scene: vma %#lx-%#lx flags %#x\n", (unsigned long)vt->vma[i]->start,
		       (unsigned long)vt->vma[i]->end, vt->vma[i]->flags);
	mmap_read_unlock(s.mm);
	struct page *rw = ktest_mapped_frame(s.mm, GDBDEMO_RW),
		    *ro = ktest_mapped_frame(s.mm, GDBDEMO_RO);
	KTEST_ASSERT_TRUE(t, rw && ro);
	report_page(GDBDEMO_RW, rw);
	report_page(GDBDEMO_RO, ro);
	KTEST_EXPECT_TRUE(t, page_maybe_dma_pinned(rw));

	/* One VMA read-locked as a fault holds it, for kernel-vmas to show. */
	struct vm_area_struct *locked = NULL;
#ifdef CONFIG_FAULT_VMA
	bool busy;
	locked = lock_vma_under_rcu(s.mm, GDBDEMO_RO, &busy);
	KTEST_EXPECT_TRUE(t, locked != NULL);
#endif

	preempt_disable();
	atomic_set(&frozen, 0);
	WRITE_ONCE(thaw, 0);
	struct smp_call_handle h;
	cpumask_t others;
	cpumask_copy(&others, &cpu_online_mask);
	int n = smp_call_start(&others, freeze_cpu, NULL, &h);
	/* Pairs with freeze_cpu()'s full barrier. */
	while (atomic_read_acquire(&frozen) < n)
		cpu_relax();
	unsigned long flags;
	local_irq_save(flags);
	report_frozen(&s, locked);
	gdb_scene_checkpoint(s.pid);
	local_irq_restore(flags);
	smp_store_release(&thaw, 1);    /* pairs with freeze_cpu()'s acquire */
	smp_call_wait(&h);
	preempt_enable();

	if (locked)
		vma_end_read(locked);
	/* The go word, through the direct map as the device writes. */
	WRITE_ONCE(((volatile unsigned long *)page_address(rw))[GDBDEMO_GO_WORD], GDBDEMO_GO);
	int status = -1;
	KTEST_EXPECT_EQ(t, process_wait(s.pid, &status), 0);
	KTEST_EXPECT_EQ(t, status, 0);
}

static struct ktest_case cases[] = {
	KTEST_CASE(test_gdb_scene),
	{}
};
KTEST_SUITE(gdb, cases);
