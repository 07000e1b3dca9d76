/*
 * kernel/sched/thread.c - creating, ending and joining kernel threads, and their
 * stacks.
 *
 * Stacks live in their own virtual area (KSTACK_AREA), one 32 KiB slot per
 * thread: an unmapped 4 KiB guard page, then the 16 KiB stack, then
 * nothing.  Running off the bottom of a stack hits the guard page, and the
 * fault (by then a double fault, on its own IST stack) is reported as a
 * stack overflow.  A freed slot keeps its pages mapped and is reused as is
 * (a stack cache), so freeing a stack never needs a TLB shootdown.
 */
#include "kernel/sched/thread.h"
#include "kernel/sched/sched.h"
#include "kernel/errno.h"
#include "kernel/monitor.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/locking/spinlock.h"
#include "kernel/time.h"
#include "mm/kmalloc.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "asm/context.h"
#include "mm/tlb.h"
#include "kernel/irqflags.h"
#include "lib/bitmap.h"
#include "lib/string.h"
#include "lib/printf.h"

#define KSTACK_SLOT     (32 * 1024)
#define KSTACK_GUARD    PAGE_SIZE
#define KSTACK_SLOTS    8192

static DECLARE_BITMAP(slot_used, KSTACK_SLOTS);
static DECLARE_BITMAP(slot_mapped, KSTACK_SLOTS);
DEFINE_SPINLOCK(kstack_lock);

static LIST_HEAD(thread_list);
DEFINE_SPINLOCK(thread_list_lock);
static int next_tid = 1;

static void *slot_stack_base(unsigned slot)
{
	return (void *)(KSTACK_AREA + (uint64_t)slot * KSTACK_SLOT + KSTACK_GUARD);
}

uint64_t kstack_cached_frames(void)
{
	unsigned long flags;
	spin_lock_irqsave(&kstack_lock, flags);
	uint64_t n = 0;
	for (unsigned s = 0; s < KSTACK_SLOTS; s++)
		if (bitmap_test_bit(slot_mapped, s) && !bitmap_test_bit(slot_used, s))
			n += KSTACK_SIZE / PAGE_SIZE;
	spin_unlock_irqrestore(&kstack_lock, flags);
	return n;
}

bool thread_stack_guard_hit(uintptr_t addr)
{
	if (addr < KSTACK_AREA || addr >= KSTACK_AREA + (uint64_t)KSTACK_SLOTS * KSTACK_SLOT)
		return false;
	return (addr - KSTACK_AREA) % KSTACK_SLOT < KSTACK_GUARD;
}

bool stack_guard_hit(uintptr_t addr)
{
	return thread_stack_guard_hit(addr);
}

static void *stack_alloc(void)
{
	unsigned long flags;
	spin_lock_irqsave(&kstack_lock, flags);
	unsigned slot = bitmap_find_first_zero(slot_used, KSTACK_SLOTS);
	if (slot >= KSTACK_SLOTS) {
		spin_unlock_irqrestore(&kstack_lock, flags);
		return NULL;
	}
	bitmap_set_bit(slot_used, slot);
	bool mapped = bitmap_test_bit(slot_mapped, slot);
	spin_unlock_irqrestore(&kstack_lock, flags);

	uintptr_t base = (uintptr_t)slot_stack_base(slot);
	if (!mapped) {
		for (unsigned i = 0; i < KSTACK_SIZE / PAGE_SIZE; i++) {
			struct page *p = alloc_page();
			if (!p || kmap_page(base + i * PAGE_SIZE, page_to_phys(p), PAGE_KERNEL) != 0) {
				/* Give back what was mapped; the slot stays free. */
				if (p)
					free_page(p);
				for (unsigned j = 0; j < i; j++) {
					uint64_t pa;
					pgtable_translate(kernel_pgd, base + j * PAGE_SIZE, &pa, NULL);
					kunmap_page(base + j * PAGE_SIZE);
					free_page(phys_to_page(pa));
				}
				spin_lock_irqsave(&kstack_lock, flags);
				bitmap_clear_bit(slot_used, slot);
				spin_unlock_irqrestore(&kstack_lock, flags);
				return NULL;
			}
		}
		spin_lock_irqsave(&kstack_lock, flags);
		bitmap_set_bit(slot_mapped, slot);
		spin_unlock_irqrestore(&kstack_lock, flags);
	}
	return (void *)base;
}

static void stack_free(void *base)
{
	unsigned slot = (unsigned)(((uintptr_t)base - KSTACK_AREA) / KSTACK_SLOT);
	unsigned long flags;
	spin_lock_irqsave(&kstack_lock, flags);
	bitmap_clear_bit(slot_used, slot);
	spin_unlock_irqrestore(&kstack_lock, flags);
}

static struct thread *thread_alloc(const char *name, const cpumask_t *affinity, unsigned flags)
{
	struct thread *t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	strlcpy(t->name, name, sizeof(t->name));
	t->flags = flags;
	t->migrate_to = -1;
	t->state = THREAD_BLOCKED;
	t->cpu = smp_processor_id();
	if (affinity)
		cpumask_and(&t->affinity, affinity, &cpu_online_mask);
	else
		cpumask_copy(&t->affinity, &cpu_online_mask);
	init_waitqueue_head(&t->exit_wq);
	INIT_LIST_HEAD(&t->run_node);
	INIT_LIST_HEAD(&t->timer_node);
	unsigned long f;
	spin_lock_irqsave(&thread_list_lock, f);
	t->tid = next_tid++;
	list_add_tail(&t->all_node, &thread_list);
	spin_unlock_irqrestore(&thread_list_lock, f);
	return t;
}

struct thread *thread_create(const char *name, void (*fn)(void *), void *arg,
			     const cpumask_t *affinity, unsigned flags)
{
	might_sleep();
	if (affinity) {
		cpumask_t ok;
		cpumask_and(&ok, affinity, &cpu_online_mask);
		if (cpumask_empty(&ok))
			return NULL;
	}
	void *stack = stack_alloc();
	if (!stack)
		return NULL;
	struct thread *t = thread_alloc(name, affinity, flags & THREAD_DETACHED);
	if (!t) {
		stack_free(stack);
		return NULL;
	}
	t->stack_base = stack;
	t->fn = fn;
	t->arg = arg;
	t->saved_sp = arch_thread_init_stack((char *)stack + KSTACK_SIZE, fn, arg);
	if (!(flags & THREAD_STOPPED))
		sched_start_thread(t);
	return t;
}

void thread_start_now(struct thread *t)
{
	sched_start_thread(t);
}

struct thread *thread_create_on(unsigned cpu, const char *name, void (*fn)(void *), void *arg)
{
	cpumask_t m;
	cpumask_clear(&m);
	cpumask_set_cpu(cpu, &m);
	return thread_create(name, fn, arg, &m, 0);
}

void thread_free(struct thread *t)
{
	unsigned long f;
	spin_lock_irqsave(&thread_list_lock, f);
	list_del(&t->all_node);
	spin_unlock_irqrestore(&thread_list_lock, f);
	if (t->stack_base)
		stack_free(t->stack_base);
	kfree(t->arch);
	kfree(t);
}

void thread_exit(int code)
{
	struct thread *me = current;
	if (me->flags & THREAD_IDLE)
		panic("the idle thread of CPU %u tried to exit", smp_processor_id());
	me->exit_code = code;
	/* IRQs off from here: no preemption between becoming a zombie and
	 * waking the joiner, or the joiner might never be woken. */
	local_irq_disable();
	WRITE_ONCE(me->state, THREAD_ZOMBIE);   /* the joiner reads it lockless */
	/* Full barrier: the zombie state before wake_up() reads the queue.
	 * Store-buffer pattern with the joiner's wait_event(), whose
	 * prepare_to_wait() queues it and runs set_current_state()'s smp_mb
	 * before it reads the state: it sees ZOMBIE or we see it queued. */
	smp_mb();
	wake_up(&me->exit_wq);
	schedule();
	panic("a zombie thread ran again");
}

int thread_join(struct thread *t)
{
	if (t == current || (t->flags & THREAD_DETACHED))
		return -EINVAL;
	wait_event(&t->exit_wq, READ_ONCE(t->state) == THREAD_ZOMBIE);
	/* Its last switch may still be saving registers on its stack. */
	while (smp_load_acquire(&t->on_cpu))
		cpu_relax();
	int code = t->exit_code;
	thread_free(t);
	return code;
}

int thread_set_affinity(struct thread *t, const cpumask_t *mask)
{
	cpumask_t ok;
	cpumask_and(&ok, mask, &cpu_online_mask);
	if (cpumask_empty(&ok))
		return -EINVAL;
	cpumask_copy(&t->affinity, &ok);
	/* A running thread moves at its next switch (schedule() checks the
	 * mask); make that switch happen now if it is us. */
	if (t == current && !cpumask_test_cpu(smp_processor_id(), &ok))
		schedule();
	return 0;
}

/* Give the running context (the boot code, or an AP's first code) a
 * thread structure: it becomes a thread without a new stack. */
static struct thread *adopt_current(const char *name, unsigned flags, void *stack_top)
{
	cpumask_t only;
	cpumask_clear(&only);
	cpumask_set_cpu(smp_processor_id(), &only);
	struct thread *t = thread_alloc(name, flags & THREAD_IDLE ? &only : NULL, flags);
	if (!t)
		panic("threads: out of memory");
	if (flags & THREAD_IDLE)
		cpumask_copy(&t->affinity, &only);
	t->state = THREAD_RUNNING;
	t->on_cpu = true;
	t->on_rq = true;
	t->cpu = smp_processor_id();
	t->switched_in = ktime_ns();
	t->stack_base = NULL;   /* not from the stack area: never freed */
	(void)stack_top;
	this_cpu()->curr = t;
	return t;
}

static void idle_thread_fn(void *arg)
{
	(void)arg;
	cpu_idle_loop();
}

void threads_init(void)
{
	/* The boot CPU: kmain's context becomes "main"; its idle thread is new. */
	adopt_current("main", 0, NULL);
	char name[THREAD_NAME_MAX];
	snprintf(name, sizeof(name), "idle/%u", smp_processor_id());
	void *stack = stack_alloc();
	struct thread *idle = stack ? thread_alloc(name, NULL, THREAD_IDLE) : NULL;
	if (!idle)
		panic("threads: no memory for the idle thread");
	cpumask_clear(&idle->affinity);
	cpumask_set_cpu(0, &idle->affinity);
	idle->stack_base = stack;
	idle->saved_sp = arch_thread_init_stack((char *)stack + KSTACK_SIZE, idle_thread_fn, NULL);
	idle->state = THREAD_RUNNABLE;
	sched_init_cpu(smp_processor_id(), idle);
	pr_info("sched: threads on; timeslice %d ticks\n", SCHED_SLICE_TICKS);
}

void sched_ap_start(void)
{
	char name[THREAD_NAME_MAX];
	snprintf(name, sizeof(name), "idle/%u", smp_processor_id());
	struct thread *idle = adopt_current(name, THREAD_IDLE, NULL);
	sched_init_cpu(smp_processor_id(), idle);
	cpu_idle_loop();
}

void thread_for_each(void (*fn)(struct thread *t, void *ctx), void *ctx)
{
	unsigned long f;
	spin_lock_irqsave(&thread_list_lock, f);
	struct thread *t;
	list_for_each_entry(t, &thread_list, all_node)
		fn(t, ctx);
	spin_unlock_irqrestore(&thread_list_lock, f);
}

/* ---- monitor: ps ---------------------------------------------------------- */

static const char *state_name(enum thread_state s)
{
	switch (s) {
	case THREAD_RUNNABLE: return "runnable";
	case THREAD_RUNNING: return "running";
	case THREAD_BLOCKED: return "blocked";
	case THREAD_ZOMBIE: return "zombie";
	}
	return "?";
}

static void ps_line(struct thread *t, void *ctx)
{
	(void)ctx;
	char aff[40];
	unsigned n = cpumask_weight(&t->affinity), first = cpumask_first(&t->affinity);
	if (n == num_online_cpus())
		snprintf(aff, sizeof(aff), "all");
	else if (n == 1)
		snprintf(aff, sizeof(aff), "%u", first);
	else
		snprintf(aff, sizeof(aff), "%u CPUs from %u", n, first);
	/* A snapshot without the run-queue locks: every field is marked
	 * (their writers use WRITE_ONCE) and may be a switch out of date. */
	enum thread_state st = READ_ONCE(t->state);
	uint64_t rt = READ_ONCE(t->runtime_ns);
	if (st == THREAD_RUNNING)
		rt += ktime_ns() - READ_ONCE(t->switched_in);
	mon_printf("%5d %-16s %-9s %3u %-14s %8llu.%03llu\n", t->tid, t->name, state_name(st),
		   READ_ONCE(t->cpu), aff, (unsigned long long)(rt / 1000000), (unsigned long long)(rt / 1000 % 1000));
}

static int cmd_ps(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		mon_printf("error: ps takes no arguments\n");
		return -EINVAL;
	}
	mon_printf("%5s %-16s %-9s %3s %-14s %12s\n", "tid", "name", "state", "cpu", "affinity", "runtime ms");
	thread_for_each(ps_line, NULL);
	return 0;
}
MONITOR_COMMAND(ps, "ps", "", "threads: state, CPU, affinity, run time", cmd_ps);

/* ---- kernel threads in a user address space -------------------------------- */

void kthread_use_mm(struct mm_struct *mm)
{
	unsigned long flags;
	local_irq_save(flags);      /* no switch between the two steps */
	current->mm = mm;
	switch_mm(mm);
	local_irq_restore(flags);
}

void kthread_unuse_mm(struct mm_struct *mm)
{
	current->mm = NULL;
	leave_mm(mm);
}
