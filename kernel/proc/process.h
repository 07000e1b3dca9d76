/*
 * kernel/proc/process.h - user processes: an address space and its threads.
 *
 * A process ends when its last thread ends, or when one thread calls
 * exit_group() or dies of a fault: then every other thread leaves at its
 * next return to user mode (sleepers are woken for it, and a thread
 * asleep in waitpid() gives up).  The process structure stays until its
 * parent's waitpid() collects its status, or, if the parent ends first,
 * until it ends itself (process.c: who frees a process).
 */
#ifndef KERNEL_PROCESS_H
#define KERNEL_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/locking/spinlock.h"
#include "kernel/sched/wait.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/cpumask.h"

struct trap_frame;
#include "lib/list.h"

#define PROC_NAME_MAX 32
#define PROC_MAX_THREADS 64
#define PROC_MAX_ARGS 16
#define PROC_MAX_CHILDREN SPAWN_MAX_CHILDREN  /* children not yet reaped, per parent (uapi) */
#define PROC_ARG_MAX 128
#define EXIT_SEGV 139               /* 128 + SIGSEGV, as a shell would show */

struct mm_struct;

struct thread_record {
	int tid;
	int code;
	bool done;
};

struct process {
	int pid;
	char name[PROC_NAME_MAX];
	struct mm_struct *mm;
	/* Under process_list_lock: */
	struct process *parent;     /* NULL: the kernel's, or an orphan */
	bool orphan;                /* the parent ended: nobody waits, it frees itself */
	bool waited;                /* a waiter has claimed it and will free it */
	bool exited;                /* the last thread has left: a zombie (read with acquire) */
	int nchildren;              /* children not yet reaped (<= PROC_MAX_CHILDREN) */
	/* Written under lock; killed, nthreads and each record's done are
	 * also read without it: stored with release (after exit_code, the
	 * record, the code) and read with acquire where what they cover is
	 * read next (process.c). */
	spinlock_t lock;            /* the fields below */
	int live_threads;
	bool killed;                /* every thread must leave */
	int exit_code;
	struct thread_record threads[PROC_MAX_THREADS];
	int nthreads;
	struct wait_queue_head thread_wq;   /* thread_join */
	struct wait_queue_head exit_wq;     /* waitpid */
	struct list_head node;
};

/**
 * process_spawn() - start program @name (embedded in the kernel image)
 * with @argc arguments @argv (kernel strings; argv[0] is the name).
 * Return: the pid, or -ENOENT (no such program), -ENOEXEC (bad ELF),
 * -E2BIG (arguments too long), -ENOMEM, -EAGAIN (@parent already has
 * PROC_MAX_CHILDREN children not reaped).
 */
int process_spawn(const char *name, int argc, char *const argv[], struct process *parent);

/**
 * process_wait() - the kernel waits for a process it spawned (parent NULL)
 * to end, and frees it.
 * Return: 0, *@status its exit code; -ECHILD if @pid is not such a process
 * or another waiter has it.  Context: may sleep.
 */
int process_wait(int pid, int *status);

/**
 * process_wait_timeout() - process_wait() for at most @ns nanoseconds.
 * Return: as process_wait(), or -ETIMEDOUT: the process is still running
 * and can be waited for again.
 */
int process_wait_timeout(int pid, int *status, uint64_t ns);

/**
 * process_wait_child() - waitpid(): the calling user thread waits for
 * @pid, a child of its process, and frees it.
 * Return: 0, *@status its exit code; -ECHILD if @pid is not a child of the
 * caller's process (itself included) or is already being waited for;
 * -EINTR if the caller's process is killed meanwhile.  Context: may sleep.
 */
int process_wait_child(int pid, int *status);

/**
 * process_link() - give new process @p (zeroed, not yet visible) its
 * @name, address space @mm (the reference moves to @p) and @parent (NULL:
 * the kernel's), a pid, and a place in the process list.
 * Return: the pid, or -EAGAIN (@parent has PROC_MAX_CHILDREN children not
 * reaped; nothing changed, @mm still the caller's).  Context: may sleep.
 */
int process_link(struct process *p, const char *name, struct mm_struct *mm, struct process *parent);
/** process_unlink() - undo process_link() for a process no thread of which ever ran. */
void process_unlink(struct process *p);
/**
 * process_start_thread() - a new thread of @p running kernel function
 * @fn(@arg), which enters user mode (its FPU area allocated, counted in
 * @p).  Return: the tid, or -ENOMEM, -EAGAIN (@p is full or dying); on
 * failure @arg is still the caller's.
 */
int process_start_thread(struct process *p, void (*fn)(void *), void *arg, const cpumask_t *affinity);

/** process_fork() - fork() for the current user thread (kernel/proc/fork.c). Return: child pid or -errno. */
int process_fork(void);

/** process_thread_create() - a new thread of the current process at @entry. Return: tid or -errno. */
int process_thread_create(uintptr_t entry, uintptr_t arg, uintptr_t stack_top);
/** process_thread_join() - wait for thread @tid of the current process. Return: 0 or -ESRCH. */
int process_thread_join(int tid, int *code);

/** process_exit_thread() - the calling user thread ends with @code. */
__attribute__((noreturn)) void process_exit_thread(int code);
/** process_exit_group() - the whole process ends with @code. */
__attribute__((noreturn)) void process_exit_group(int code);
/** process_kill_current() - a fatal fault: print @why, end the process. */
__attribute__((noreturn)) void process_kill_current(const char *why);

/** user_return_check() - on every return to user mode: leave if the process is dying. */
void user_return_check(struct trap_frame *f);

/** process_run_init() - run the init= program, if one was given, and wait for it. */
void process_run_init(void);

/** process_find_thread() - thread @tid of @p (0: the caller), or NULL. */
struct thread *process_find_thread(struct process *p, int tid);

#endif
