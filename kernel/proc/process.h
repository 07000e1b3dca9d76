/*
 * kernel/proc/process.h - user processes: an address space and its threads.
 *
 * A process ends when its last thread ends, or when one thread calls
 * exit_group() or dies of a fault: then every other thread leaves at its
 * next return to user mode (sleepers are woken for it).  The process
 * structure stays until waitpid() collects its status.
 */
#ifndef KERNEL_PROCESS_H
#define KERNEL_PROCESS_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/locking/spinlock.h"
#include "kernel/sched/wait.h"
struct trap_frame;
#include "lib/list.h"

#define PROC_NAME_MAX 32
#define PROC_MAX_THREADS 64
#define PROC_MAX_ARGS 16
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
	struct process *parent;
	spinlock_t lock;            /* the fields below */
	int live_threads;
	bool killed;                /* every thread must leave */
	bool exited;
	bool waited;                /* a process_wait() has claimed it (process_list_lock) */
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
 * -E2BIG (arguments too long), -ENOMEM.
 */
int process_spawn(const char *name, int argc, char *const argv[], struct process *parent);

/** process_wait() - wait for @pid to end and free it. Return: 0 or -ECHILD; *@status its exit code. */
int process_wait(int pid, int *status);

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
