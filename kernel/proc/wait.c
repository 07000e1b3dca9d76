/*
 * kernel/proc/wait.c - waitpid()/wait4() and getppid(): a process collects
 * the status of its children as they end, and frees them.
 *
 * A user waiter claims nothing while it sleeps: each round it takes
 * process_list_lock, looks through its children, and either frees one that
 * has ended (under the lock, so neither its own end nor a second waiter
 * can reach it) or notes the parent's child_exits and sleeps until that
 * changes.  process_end() increments child_exits under the same lock
 * before waking child_wq, so a child that ends between the look and the
 * sleep changes the count the sleeper compares against: no lost wakeup.
 * The kernel's own waits, for what it spawned itself (parent NULL: the
 * monitor's `run`, init=, the test suites), are different: one waiter
 * claims the process (`waited`) and sleeps on its exit_wq until `exited`.
 *
 * WAIT_BROKEN=1 samples child_exits after dropping the lock instead: a
 * child that ends in between is counted in the sample, its wakeup is
 * lost, and the waiter sleeps until some other child ends, or forever.
 * The `exec` suite's test_wait_lost_wakeup widens that window
 * (wait_window_us) and must see it fail.
 *
 * Two threads waiting for the same child: the first to take the lock after
 * its end gets it, the other finds it gone (-ECHILD), as on Linux.
 */
#include "kernel/proc/process.h"
#include "kernel/proc/syscall.h"
#include "kernel/config.h"
#include "kernel/errno.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/atomic.h"
#include "kernel/time.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"

/*
 * The kernel waits for process @pid, one it spawned itself (parent NULL),
 * for at most @ns nanoseconds (0: no limit), and frees it.
 */
static int wait_for(int pid, int *status, uint64_t ns)
{
	struct process *p = NULL, *q;
	unsigned long flags;
	spin_lock_irqsave(&process_list_lock, flags);
	list_for_each_entry(q, &process_list, node)
		if (q->pid == pid)
			p = q;
	/* Only the parent may wait, once; an orphan is nobody's to wait for. */
	if (!p || p->parent || p->orphan || p->waited) {
		spin_unlock_irqrestore(&process_list_lock, flags);
		return -ECHILD;
	}
	p->waited = true;               /* one waiter only: it frees p */
	spin_unlock_irqrestore(&process_list_lock, flags);

	/* Acquire: pairs with process_end()'s release of `exited`. */
	if (ns)
		wait_event_timeout(&p->exit_wq, smp_load_acquire(&p->exited), ns);
	else
		wait_event(&p->exit_wq, smp_load_acquire(&p->exited));

	/* `exited` is set under process_list_lock, and the exiting thread
	 * is done with p when it drops it: holding the lock, p is ours. */
	spin_lock_irqsave(&process_list_lock, flags);
	if (!p->exited) {
		p->waited = false;      /* timed out: give it back */
		spin_unlock_irqrestore(&process_list_lock, flags);
		return -ETIMEDOUT;
	}
	list_del(&p->node);
	process_reaped_locked();
	spin_unlock_irqrestore(&process_list_lock, flags);
	if (status)
		*status = p->exit_code;
	kfree(p);
	return 0;
}

int process_wait(int pid, int *status)
{
	return wait_for(pid, status, 0);
}

int process_wait_timeout(int pid, int *status, uint64_t ns)
{
	return wait_for(pid, status, ns ? ns : 1);
}

/* ---- waitpid() of a user process ---------------------------------------------- */

unsigned wait_window_us;
static atomic64_t window_races;

unsigned long wait_window_races(void)
{
	return (unsigned long)atomic64_read(&window_races);
}

/* The test hook: hold the window between look and sleep open, and count
 * the children that ended inside it (each one a wakeup the sample taken
 * under the lock must not lose). */
static void wait_window(struct process *me, unsigned seen)
{
	unsigned us = READ_ONCE(wait_window_us);
	if (!us)
		return;
	udelay(us);
	if (READ_ONCE(me->child_exits) != seen)
		atomic64_inc(&window_races);
}

int process_wait_child(int pid, int *status, int options)
{
	struct process *me = current->proc;
	if (options & ~WNOHANG)
		return -EINVAL;
	/* pid 0 and -1: any child (there is one process group); a group
	 * -pid names nobody. */
	if (pid < -1)
		return -ECHILD;
	for (;;) {
		struct process *q, *done = NULL;
		bool any = false;
		unsigned long flags;
		spin_lock_irqsave(&process_list_lock, flags);
		list_for_each_entry(q, &process_list, node) {
			/* Our children only: not ourselves, not a sibling,
			 * not an orphan (reparented to the kernel). */
			if (q->parent != me || (pid > 0 && q->pid != pid))
				continue;
			any = true;
			if (q->exited) {
				done = q;
				break;
			}
		}
		if (done) {
			list_del(&done->node);
			me->nchildren--;
			process_reaped_locked();
			spin_unlock_irqrestore(&process_list_lock, flags);
			int cpid = done->pid;
			*status = done->exit_code;
			kfree(done);
			return cpid;
		}
		unsigned seen = me->child_exits;
		spin_unlock_irqrestore(&process_list_lock, flags);
		if (!any)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		wait_window(me, seen);
#ifdef CONFIG_WAIT_BROKEN
		seen = READ_ONCE(me->child_exits);  /* the bug: outside the lock */
#endif
		/* A waiting thread also stops when its own process is being
		 * killed (or exec'd by another thread), or it would keep the
		 * process alive after its end.  The READ_ONCE of child_exits
		 * needs no barrier of its own: prepare_to_wait() orders it
		 * after our queueing, wake_up() the waker's increment before
		 * its look at the queue (kernel/sched/wait.h). */
		wait_event(&me->child_wq, READ_ONCE(me->child_exits) != seen || process_must_leave(me));
		if (process_must_leave(me))
			return -EINTR;
	}
}

long do_wait4(int pid, uintptr_t ustatus, int options)
{
	int status;
	if (ustatus && !access_ok(ustatus, sizeof(int)))
		return -EFAULT;
	int r = process_wait_child(pid, &status, options);
	if (r <= 0)
		return r;
	/* The child is freed already: a status address that access_ok()
	 * passed but is unmapped loses it, with -EFAULT (as Linux). */
	if (ustatus && copy_to_user((void *)ustatus, &status, sizeof(status)))
		return -EFAULT;
	return r;
}

static long sys_wait4(uint64_t pid, uint64_t ustatus, uint64_t options, uint64_t urusage,
		      uint64_t a4, uint64_t a5)
{
	(void)a4; (void)a5;
	if (urusage)
		return -EINVAL;             /* no resource accounting here */
	return do_wait4((int)pid, ustatus, (int)options);
}
SYSCALL_EXTENSION(wait4, SYS_wait4, sys_wait4);

static long sys_getppid(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a0; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	struct process *me = current->proc;
	unsigned long flags;
	/* The parent cannot be freed under the lock (its end clears our
	 * `parent` under it first). */
	spin_lock_irqsave(&process_list_lock, flags);
	int ppid = me->parent ? me->parent->pid : 0;
	spin_unlock_irqrestore(&process_list_lock, flags);
	return ppid;
}
SYSCALL_EXTENSION(getppid, SYS_getppid, sys_getppid);
