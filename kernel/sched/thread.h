/*
 * kernel/sched/thread.h - kernel threads.
 *
 * A thread has a name, an entry function, its own kernel stack (16 KiB with
 * an unmapped guard page below it, so an overflow faults and is reported as
 * a stack overflow), a CPU affinity mask and a state.  thread_create()
 * starts it; it ends by returning from its function or calling
 * thread_exit(); thread_join() waits for it and frees it.
 *
 * Lifetime: a thread is freed by thread_join(), or, if it was created
 * detached (THREAD_DETACHED), by the scheduler after it exits.
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include <stdint.h>
#include <stdbool.h>
#include "kernel/cpumask.h"
#include "kernel/percpu.h"
#include "kernel/sched/wait.h"
#include "lib/list.h"

#define THREAD_NAME_MAX 24
#define KSTACK_SIZE     (16 * 1024)

enum thread_state {
	THREAD_RUNNABLE,    /* on a run queue, waiting for a CPU */
	THREAD_RUNNING,     /* on a CPU now */
	THREAD_BLOCKED,     /* sleeping until woken */
	THREAD_ZOMBIE,      /* exited, not yet joined */
};

#define THREAD_DETACHED (1u << 0)   /* freed on exit; cannot be joined */
#define THREAD_IDLE     (1u << 1)   /* a CPU's idle thread */
#define THREAD_STOPPED  (1u << 2)   /* thread_create: do not start yet (thread_start_now) */

struct mm_struct;
struct process;

struct thread {
	uint64_t saved_sp;          /* kernel RSP while switched out (switch.asm) */
	int tid;
	char name[THREAD_NAME_MAX];
	enum thread_state state;    /* under the run-queue lock of ->cpu */
	unsigned flags;
	unsigned cpu;               /* CPU it runs on or last ran on */
	volatile bool on_cpu;       /* still executing (switching out) on ->cpu */
	bool on_rq;                 /* queued or running: a wakeup must not enqueue */
	int migrate_to;             /* -1, or the CPU to move to after switching out */
	cpumask_t affinity;
	struct list_head run_node;  /* run-queue link */
	struct list_head all_node;  /* thread_list link */
	struct list_head timer_node;/* sleep-timer link */
	uint64_t wake_deadline;     /* ktime_ns() when the sleep timer fires, 0 = none */
	bool timer_armed;
	int slice;                  /* ticks left in the timeslice */
	uint64_t runtime_ns, switched_in;
	void *stack_base;           /* lowest mapped byte of the stack */
	void (*fn)(void *);
	void *arg;
	int exit_code;
	struct wait_queue_head exit_wq;   /* thread_join() sleeps here */
	struct mm_struct *mm;       /* user address space, or NULL */
	struct process *proc;       /* the process of a user thread, or NULL */
	void *arch;                 /* arch state (FPU area, user context) */
	uintptr_t fault_addr;       /* page of the last user fault (handle_user_fault) */
	unsigned fault_flags, fault_repeats;  /* its FAULT_* flags; times it came back at once */
};

/** current - the thread running on this CPU (one load: see this_cpu_read). */
#define current this_cpu_read(curr)

/**
 * thread_create() - start a kernel thread running @fn(@arg).
 * @affinity: CPUs it may run on (NULL: any online CPU).
 * @flags: THREAD_DETACHED or 0.
 * Return: the thread, or NULL if memory or stack space ran out.
 * Context: process context (may allocate).
 */
struct thread *thread_create(const char *name, void (*fn)(void *), void *arg,
			     const cpumask_t *affinity, unsigned flags);

/** thread_start_now() - start a thread created with THREAD_STOPPED. */
void thread_start_now(struct thread *t);

/** thread_create_on() - thread_create() pinned to one CPU. */
struct thread *thread_create_on(unsigned cpu, const char *name, void (*fn)(void *), void *arg);

/** thread_exit() - end the calling thread with @code. */
__attribute__((noreturn)) void thread_exit(int code);

/**
 * thread_join() - wait for @t to exit, free it, return its exit code.
 * Context: may sleep.  @t must not be detached, nor joined twice.
 */
int thread_join(struct thread *t);

/** thread_set_affinity() - restrict @t to @mask (migrating it if needed). Return: 0 or -EINVAL. */
int thread_set_affinity(struct thread *t, const cpumask_t *mask);

/** threads_init() - the boot context becomes thread "main"; idle threads. */
void threads_init(void);

/** thread_for_each() - call @fn for every thread (for `ps`), under the thread-list lock. */
void thread_for_each(void (*fn)(struct thread *t, void *ctx), void *ctx);

/** thread_stack_guard_hit() - is @addr in the guard page of some thread's stack? */
bool thread_stack_guard_hit(uintptr_t addr);

/**
 * kstack_cached_frames() - frames held by free stack slots kept mapped for
 * reuse (the stack cache): leak checks count them as free.
 */
uint64_t kstack_cached_frames(void);

/* Internal to the scheduler: free an exited thread. */
void thread_free(struct thread *t);

/**
 * kthread_use_mm() / kthread_unuse_mm() - make the calling kernel thread
 * run in @mm as a user thread of it would (tests and benchmarks drive user
 * address spaces this way), and stop.  Context: process context.
 */
void kthread_use_mm(struct mm_struct *mm);
void kthread_unuse_mm(struct mm_struct *mm);

#endif
