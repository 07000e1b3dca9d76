/*
 * kernel/proc/signal.c - kill(): the two signals a process can send,
 * SIGKILL and SIGTERM, both with the default action (terminate; there are
 * no handlers yet, so SIGTERM cannot be caught either).  The victim's
 * status becomes WIFSIGNALED with the signal; each of its threads leaves at
 * its next return to user mode (a spinning one at the next timer tick,
 * whose return path checks), a sleeping one is woken to leave.
 *
 * Permission: a process may signal itself and its descendants (children,
 * their children, ...), nothing else: -EPERM.  The kernel's processes
 * (monitor-run ones and orphans, parent NULL) are nobody's descendants but
 * their own.
 *
 * The victim is found and signalled under process_list_lock, which keeps
 * it from being freed (a reaper unlinks it under that lock first); lock
 * order process_list_lock, then p->lock (group_exit), then the thread
 * list's lock (process_wake_all()).
 */
#include "kernel/proc/process.h"
#include "kernel/proc/syscall.h"
#include "kernel/errno.h"
#include "kernel/sched/thread.h"
#include "kernel/proc/uapi/syscall.h"

/* Is @q @me or one of its descendants?  Under process_list_lock. */
static bool descends_from(struct process *q, struct process *me)
{
	for (; q; q = q->parent)
		if (q == me)
			return true;
	return false;
}

/*
 * Send @sig (0: only check) to process @pid on behalf of @asker (NULL: the
 * kernel, which may signal any process).  Return: 0, -ESRCH or -EPERM.
 */
static int kill_pid(int pid, int sig, struct process *asker)
{
	struct process *q, *p = NULL;
	unsigned long flags;
	spin_lock_irqsave(&process_list_lock, flags);
	list_for_each_entry(q, &process_list, node)
		if (q->pid == pid)
			p = q;
	int r = 0;
	if (!p)
		r = -ESRCH;
	else if (asker && !descends_from(p, asker))
		r = -EPERM;
	else if (sig && !p->exited)
		process_signal(p, sig);     /* a zombie has nothing left to end */
	spin_unlock_irqrestore(&process_list_lock, flags);
	return r;
}

int process_kill(int pid, int sig)
{
	return kill_pid(pid, sig, NULL);
}

static long sys_kill(uint64_t upid, uint64_t usig, uint64_t a2, uint64_t a3, uint64_t a4,
		     uint64_t a5)
{
	(void)a2; (void)a3; (void)a4; (void)a5;
	int pid = (int)upid, sig = (int)usig;   /* ints, as Linux takes them */
	/* 0 checks that the target exists and may be signalled (POSIX). */
	if (sig != 0 && sig != SIGKILL && sig != SIGTERM)
		return -EINVAL;
	/* No process groups and no broadcast (pid 0, -1, -group). */
	if (pid <= 0)
		return -EINVAL;
	return kill_pid(pid, sig, current->proc);
}
SYSCALL_EXTENSION(kill, SYS_kill, sys_kill);
