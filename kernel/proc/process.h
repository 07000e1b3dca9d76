/*
 * kernel/proc/process.h - user processes: an address space and its threads.
 *
 * A process ends when its last thread ends, or when one thread calls
 * exit_group() or dies of a fault: then every other thread leaves at its
 * next return to user mode (sleepers are woken for it, and a thread
 * asleep in waitpid() gives up).  The process structure stays until its
 * parent's waitpid() collects its status, or, if the parent ends first,
 * until it ends itself (process.c: who frees a process).
 *
 * The files of the process API: process.c (creation, threads, the end),
 * exec.c (execve() and the one program loader, which spawn uses too),
 * wait.c (waitpid()/wait4(), the kernel's own waits, getppid()) and
 * signal.c (kill()).  A process's status is a POSIX wait status
 * (kernel/proc/uapi/wait.h) from the start: exit(c) stores c << 8, a kill
 * or a fatal fault the signal's number.
 */
#ifndef KERNEL_PROCESS_H
#define KERNEL_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/locking/spinlock.h"
#include "kernel/sched/wait.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/proc/uapi/wait.h"
#include "kernel/atomic.h"
#include "kernel/cpumask.h"

struct trap_frame;
#include "lib/list.h"

#define PROC_NAME_MAX 32
#define PROC_MAX_THREADS 64
#define PROC_MAX_CHILDREN SPAWN_MAX_CHILDREN  /* children not yet reaped, per parent (uapi) */
#define PROC_MAX_PROCESSES 256      /* processes in the system, zombies included */
/* The wait status of a process killed by a fault: WIFSIGNALED, WTERMSIG
 * SIGSEGV.  (It used to be the exit code 139, 128 + SIGSEGV, which a
 * waiter could not tell from exit(139); EXIT_SEGV is its old name.) */
#define STATUS_SEGV __W_SIGNALED(SIGSEGV)
#define EXIT_SEGV STATUS_SEGV

struct mm_struct;
struct fdtable;

struct thread_record {
	int tid;
	int code;
	bool done;
};

struct process {
	int pid;
	char name[PROC_NAME_MAX];
	struct mm_struct *mm;
	/* Descriptors and working directory (kernel/fs/fdtable.h): shared
	 * by the threads, dropped by the last one to leave. */
	struct fdtable *files;
	/* Under process_list_lock: */
	struct process *parent;     /* NULL: the kernel's, or an orphan */
	bool orphan;                /* the parent ended: nobody waits, it frees itself */
	bool waited;                /* a waiter has claimed it and will free it */
	bool exited;                /* the last thread has left: a zombie (read with acquire) */
	int nchildren;              /* children not yet reaped (<= PROC_MAX_CHILDREN) */
	unsigned child_exits;       /* children that have ended: wait.c sleeps on a change */
	struct wait_queue_head child_wq;    /* waitpid(): woken when a child ends */
	/* Written under lock; killed, nthreads and each record's done are
	 * also read without it: stored with release (after exit_code, the
	 * record, the code) and read with acquire where what they cover is
	 * read next (process.c). */
	spinlock_t lock;            /* the fields below */
	int live_threads;
	bool killed;                /* every thread must leave */
	int exec_tid;               /* non-zero: an execve() by this thread is ending the others */
	int exit_code;              /* the wait status (uapi/wait.h), once killed or ended */
	struct thread_record threads[PROC_MAX_THREADS];
	int nthreads;
	struct wait_queue_head thread_wq;   /* thread_join */
	struct wait_queue_head exit_wq;     /* waitpid */
	struct list_head node;
};

/* The process table: every process not yet freed, under process_list_lock
 * (taken before any p->lock; for the kernel/proc/ files). */
extern struct list_head process_list;
extern spinlock_t process_list_lock;
/* The most processes at once (PROC_MAX_PROCESSES; a test lowers it). */
extern int process_limit;

struct exec_args;

/**
 * process_spawn() - start program @name (embedded in the kernel image)
 * with @argc arguments @argv (kernel strings; argv[0] is the name).
 * Return: the pid, or -ENOENT (no such program), -ENOEXEC (bad ELF),
 * -E2BIG (arguments too long), -ENOMEM, -EAGAIN (@parent already has
 * PROC_MAX_CHILDREN children not reaped, or process_limit processes exist).
 */
int process_spawn(const char *name, int argc, char *const argv[], struct process *parent);

/* process_spawn_args() flags. */
#define SPAWN_TTY 1u    /* fds 0-2 on the terminal (reads wait for a typed line), not the plain console */

/**
 * process_spawn_tty() - process_spawn() for a program a person runs from
 * the monitor (`run`, `init=`): its fds 0, 1 and 2 are the terminal
 * (kernel/fs/tty.c), so it can read typed lines; no parent (the kernel
 * waits for it).  Return: as process_spawn().
 */
int process_spawn_tty(const char *name, int argc, char *const argv[]);

/**
 * process_spawn_args() - process_spawn() with the arguments (and
 * environment) in @args: an empty process is created, then exec_prepare()
 * loads @path into it (the loader execve() uses).  @flags: 0, or
 * SPAWN_TTY.
 * Return: as process_spawn().  Context: may sleep.
 */
int process_spawn_args(const char *path, const struct exec_args *args, struct process *parent,
		       unsigned flags);

/* Test hook (NULL otherwise): called by process_spawn_args() and
 * process_fork() with the new pid once the image is loaded or the address
 * space copied, before the first thread starts: the window in which a kill
 * must not be lost (exec.test_kill_before_start, fork.test_fork_killed_before_start). */
extern void (*process_before_first_thread)(int pid);

static inline void process_call_before_first_thread(int pid)
{
	void (*hook)(int) = READ_ONCE(process_before_first_thread);
	if (hook)
		hook(pid);
}

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
 * process_wait_child() - wait4(): the calling user thread waits for a
 * child of its process to end, and frees it (wait.c).
 * @pid: that child, or -1 or 0: any child (there is one process group).
 * @status: its wait status.  @options: 0 or WNOHANG.
 * Return: the child's pid; 0 with WNOHANG if no such child has ended;
 * -ECHILD if there is no such child (the caller itself is not its own);
 * -EINTR if the caller's process is killed meanwhile; -EINVAL for an
 * unknown option.  Context: may sleep.
 */
int process_wait_child(int pid, int *status, int options);

/**
 * process_signal() - send signal @sig (SIGKILL or SIGTERM, default action:
 * terminate) to @p: its status becomes WIFSIGNALED with @sig (unless it is
 * already ending), every thread leaves at its next return to user mode and
 * sleepers are woken for it.  Context: any but IRQ; takes p->lock.
 */
void process_signal(struct process *p, int sig);

/** process_count() - processes in the system now (zombies included). */
int process_count(void);

/** process_reaped_locked() - wait.c freed a zombie: it leaves the process count. Context: process_list_lock held. */
void process_reaped_locked(void);

/**
 * do_wait4() - the waitpid()/wait4() system call: process_wait_child(),
 * the status copied to user address @ustatus (0: not wanted).
 * Return: the child's pid, 0 (WNOHANG, none ended), or -errno (-EFAULT
 * for a bad @ustatus, checked before waiting).
 */
long do_wait4(int pid, uintptr_t ustatus, int options);

/** process_kill() - the kernel sends @sig to process @pid (any). Return: 0 or -ESRCH. */
int process_kill(int pid, int sig);

/* wait.c's race-test hooks: a pause of wait_window_us between a waiter's
 * look at its children and its sleep (0: none), and how many children
 * ended inside that window since boot.  Set by the `exec` suite only. */
extern unsigned wait_window_us;
unsigned long wait_window_races(void);

/** process_wake_all() - wake every thread of @p that may sleep, to see `killed` or `exec_tid`. */
void process_wake_all(struct process *p);

/**
 * process_must_leave() - must the calling thread of @p end now: the process
 * is killed, or another thread's execve() is ending the others?  Read
 * without p->lock by sleepers and on each return to user mode: a stale
 * false only delays the exit to the next check (every setter wakes the
 * sleepers after the store), and neither flag covers other data here.
 */
bool process_must_leave(struct process *p);

/**
 * process_create() - an empty process, child of @parent (NULL: the
 * kernel's), on the process list with a pid, no mm and no thread yet.
 * Return: it, or NULL with *@err -EAGAIN (PROC_MAX_CHILDREN children of
 * @parent not reaped, or process_limit processes) or -ENOMEM.
 */
struct process *process_create(struct process *parent, int *err);
/** process_discard() - undo process_create() for a process no thread of which ever ran (its mm put, if set). */
void process_discard(struct process *p);
/**
 * process_start_thread() - a new thread of @p running kernel function
 * @fn(@arg), which enters user mode (its FPU area allocated, counted in
 * @p).  Return: the tid, or -ENOMEM, -EAGAIN (@p is full, dying or in an
 * execve); on failure @arg is still the caller's.
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
/** process_kill_current() - a fatal fault: print @why, end the process (SIGSEGV). */
__attribute__((noreturn)) void process_kill_current(const char *why);
/**
 * process_kill_current_signal() - end the caller's process as signal @sig
 * (named @signame in the message) would by default: print @why; the wait
 * status is WIFSIGNALED with WTERMSIG @sig.  There are no handlers.
 */
__attribute__((noreturn)) void process_kill_current_signal(int sig, const char *signame,
							   const char *why);

/** user_return_check() - on every return to user mode: leave if the process is dying. */
void user_return_check(struct trap_frame *f);

/** process_run_init() - run the init= program, if one was given, and wait for it. */
void process_run_init(void);

/** process_find_thread() - thread @tid of @p (0: the caller), or NULL. */
struct thread *process_find_thread(struct process *p, int tid);

#endif
