/*
 * kernel/proc/fork.c - fork(): a new process whose address space is a
 * copy-on-write copy of the caller's (mm/fork.c) and whose one thread
 * resumes from the caller's system call with the result 0 (POSIX: only
 * the calling thread is copied; the others do not exist in the child).
 * The child's descriptor table is a copy of the caller's: the same open
 * files, so offsets are shared, and the same working directory.
 *
 * The invariant: fork either returns the child's pid with the child
 * running (or already ended), or a negative errno with nothing left
 * behind: no process in the list, no mm, no thread, no counted child.
 * The child is counted against the parent's PROC_MAX_CHILDREN and the
 * system's process_limit like a spawned one (-EAGAIN at either; checked
 * first, by process_create(), so a refused fork copies nothing), and is
 * the parent's to waitpid().
 *
 * The child's first code is fork_child_entry(), which hands the block of
 * arch_fork_save() (the parent's user registers and FPU state, taken in
 * the parent's system call) to arch_ret_from_fork(): it leaves for ring 3
 * where the parent's fork() returns, with the result 0.
 */
#include "kernel/proc/process.h"
#include "kernel/errno.h"
#include "kernel/fs/fdtable.h"
#include "kernel/proc/syscall.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/sched/thread.h"
#include "mm/fork.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "asm/context.h"
#include "lib/string.h"

static void fork_child_entry(void *arg)
{
	/* Killed before it started (kill() of the new pid while the parent
	 * was still in fork): leave without returning to user mode. */
	if (process_must_leave(current->proc)) {
		arch_fork_free(arg);
		process_exit_thread(0);
	}
	arch_ret_from_fork(arg);
}

/**
 * process_fork() - fork() for the current user thread.
 * Return: the child's pid; -EAGAIN at PROC_MAX_CHILDREN (or when the
 * caller's process is being killed), -ENOMEM.  Context: a user thread in
 * a system call; may sleep.
 */
int process_fork(void)
{
	struct thread *me = current;
	struct process *parent = me->proc;
	int r;
	/* The limits first: a refused fork copies nothing. */
	struct process *p = process_create(parent, &r);
	if (!p)
		return r;
	void *s = arch_fork_save();
	if (!s) {
		process_discard(p);
		return -ENOMEM;
	}
	p->mm = dup_mm(me->mm, &r);
	if (!p->mm)
		goto fail;
	/* The descriptors: the same open files (shared offsets, as POSIX
	 * asks), close-on-exec flags and working directory. */
	p->files = fdtable_dup_for_fork(parent->files);
	if (!p->files) {
		r = -ENOMEM;
		goto fail;
	}
	strlcpy(p->name, parent->name, sizeof(p->name));
	int pid = p->pid;               /* read now: the child may end (and go) at once */
	process_call_before_first_thread(pid);
	r = process_start_thread(p, fork_child_entry, s, NULL);
	if (r < 0)
		goto fail;
	return pid;
fail:
	process_discard(p);             /* no thread ever ran; puts the mm if there is one */
	arch_fork_free(s);
	return r;
}

static long sys_fork(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return process_fork();
}
SYSCALL_EXTENSION(fork, SYS_fork, sys_fork);
