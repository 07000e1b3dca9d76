/*
 * kernel/proc/process.c - creating processes, their threads, and their end.
 *
 * User threads are detached kernel threads (the scheduler frees them when
 * they end); what outlives them is a small record in the process (tid,
 * exit code) that thread_join() reads.  The last thread to leave tears the
 * address space down: it first switches its own CPU to the kernel's page
 * tables, so that no CPU has the mm loaded when mm_put() frees it.
 *
 * What outlives a process is its struct process (the zombie), until
 * exactly one party frees it:
 *   - its parent, in waitpid() (the kernel, in process_wait(), for the
 *     processes it spawned itself: parent NULL);
 *   - or, if the parent ended first, whoever comes last: the parent's end
 *     frees its zombie children at once and marks the live ones `orphan`,
 *     and an orphan frees itself when it ends.
 * Both decisions are taken under process_list_lock, where `exited`,
 * `orphan`, `waited`, `parent` and `nchildren` change, so they cannot both
 * free it or both leave it.  A parent has at most PROC_MAX_CHILDREN
 * children not yet reaped, so a process that never waits holds a bounded
 * amount of memory, and gives it all back when it ends; and there are at
 * most process_limit processes in all (orphans included), so no chain of
 * parents leaving children behind can exhaust memory: -EAGAIN instead.
 *
 * An orphan is reparented to the kernel (parent NULL, getppid() 0), which
 * acts as the init of this system: it reaps the orphan the moment it ends
 * (the orphan frees itself in process_end()), as an init that always
 * waits would.  There is no user pid 1 to adopt them.
 */
#include "kernel/proc/process.h"
#include "kernel/proc/elf.h"
#include "kernel/fs/fdtable.h"
#include "kernel/proc/exec.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/pinbuf.h"
#include "mm/pmm.h"
#include "asm/context.h"
#include "lib/string.h"

LIST_HEAD(process_list);
DEFINE_SPINLOCK(process_list_lock);
static int next_pid = 1;
static int nr_processes;            /* on process_list, under process_list_lock */
int process_limit = PROC_MAX_PROCESSES;

struct user_start {
	uintptr_t entry, sp, arg;
};

/* First code of every user thread: into ring 3. */
static void user_thread_entry(void *arg)
{
	struct user_start s = *(struct user_start *)arg;
	kfree(arg);
	/* Killed before it started (a first thread, see
	 * process_start_thread()): leave without running user code. */
	if (process_must_leave(current->proc))
		process_exit_thread(0);
	arch_enter_user(s.entry, s.sp, s.arg);
}

struct match_query {
	struct process *p;
	int tid;
	struct thread **out;
};

static void check_thread_match(struct thread *t, void *ctx)
{
	struct match_query *q = ctx;
	if (t->proc == q->p && t->tid == q->tid)
		*q->out = t;
}

struct thread *process_find_thread(struct process *p, int tid)
{
	if (tid == 0)
		return current;
	struct thread *found = NULL;
	struct match_query q = { p, tid, &found };
	thread_for_each(check_thread_match, &q);
	return found;
}

int process_start_thread(struct process *p, void (*fn)(void *), void *arg, const cpumask_t *affinity)
{
	struct thread *t = thread_create(p->name, fn, arg, affinity, THREAD_DETACHED | THREAD_STOPPED);
	if (!t)
		return -ENOMEM;
	if (arch_thread_init_user(t)) {
		WRITE_ONCE(t->state, THREAD_ZOMBIE);     /* ps may read it (thread_list) */
		thread_free(t);
		return -ENOMEM;
	}
	unsigned long flags;
	spin_lock_irqsave(&p->lock, flags);
	/* A killed process takes no new thread, except its first: a kill
	 * between process_create() and this start (group_exit()) must still
	 * end the process through its one thread, which leaves before its
	 * first user instruction (user_thread_entry(), fork_child_entry()). */
	if (p->nthreads == PROC_MAX_THREADS || (p->killed && p->nthreads) || p->exec_tid) {
		spin_unlock_irqrestore(&p->lock, flags);
		thread_free(t);
		return -EAGAIN;
	}
	p->threads[p->nthreads] = (struct thread_record){ .tid = t->tid };
	/* Release: the record before the count that covers it;
	 * process_thread_join() reads both without p->lock (its acquire). */
	smp_store_release(&p->nthreads, p->nthreads + 1);
	p->live_threads++;
	spin_unlock_irqrestore(&p->lock, flags);
	t->mm = p->mm;
	t->proc = p;
	/* Read before the start: a user thread is detached, so once it runs
	 * it may exit and be freed before thread_start_now() even returns. */
	int tid = t->tid;
	thread_start_now(t);
	return tid;
}

/* Start a thread of @p at @entry (ring 3) with stack @sp and RDI = @arg. */
static int start_user_thread(struct process *p, uintptr_t entry, uintptr_t sp, uintptr_t arg,
			     const cpumask_t *affinity)
{
	struct user_start *s = kmalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	*s = (struct user_start){ entry, sp, arg };
	int r = process_start_thread(p, user_thread_entry, s, affinity);
	if (r < 0)
		kfree(s);
	return r;
}

struct process *process_create(struct process *parent, int *err)
{
	struct process *p = kzalloc(sizeof(*p));
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	p->parent = parent;
	spin_lock_init(&p->lock);
	init_waitqueue_head(&p->thread_wq);
	init_waitqueue_head(&p->exit_wq);
	init_waitqueue_head(&p->child_wq);
	unsigned long flags;
	spin_lock_irqsave(&process_list_lock, flags);
	/* The parent is the caller, so it has not ended: its children are
	 * still counted here.  Reap some first (waitpid). */
	if ((parent && parent->nchildren >= PROC_MAX_CHILDREN) ||
	    nr_processes >= READ_ONCE(process_limit)) {
		spin_unlock_irqrestore(&process_list_lock, flags);
		kfree(p);
		*err = -EAGAIN;
		return NULL;
	}
	if (parent)
		parent->nchildren++;
	nr_processes++;
	p->pid = next_pid++;
	list_add_tail(&p->node, &process_list);
	spin_unlock_irqrestore(&process_list_lock, flags);
	return p;
}

void process_discard(struct process *p)
{
	unsigned long flags;
	spin_lock_irqsave(&process_list_lock, flags);
	list_del(&p->node);
	if (p->parent)
		p->parent->nchildren--;
	nr_processes--;
	spin_unlock_irqrestore(&process_list_lock, flags);
	if (p->files)
		fdtable_destroy(p->files);
	if (p->mm)
		mm_put(p->mm);
	kfree(p);
}

void (*process_before_first_thread)(int pid);

int process_spawn_args(const char *path, const struct exec_args *args, struct process *parent,
		       unsigned flags)
{
	int r;
	struct process *p = process_create(parent, &r);
	if (!p)
		return r;
	/* fds 0, 1, 2 on the console, cwd "/": a spawned process inherits
	 * no descriptors (a forked one copies its parent's, fork.c). */
	p->files = fdtable_create_console(flags & SPAWN_TTY);
	if (!p->files) {
		process_discard(p);
		return -ENOMEM;
	}
	/* Then exec in it: the one loader execve() uses. */
	struct exec_image img;
	r = exec_prepare(path, args, &img);
	if (r) {
		process_discard(p);
		return r;
	}
	p->mm = img.mm;
	strlcpy(p->name, img.name, sizeof(p->name));
	/* Read before the start: from then on the process may end, and be
	 * freed by its parent's end, before we return. */
	int pid = p->pid;
	process_call_before_first_thread(pid);
	r = start_user_thread(p, img.entry, img.sp, 0, NULL);
	if (r < 0) {
		process_discard(p);     /* no thread ever ran: tear down here */
		return r;
	}
	return pid;
}

static int spawn_argv(const char *name, int argc, char *const argv[], struct process *parent,
		      unsigned flags)
{
	struct exec_args *args = exec_args_alloc();
	if (!args)
		return -ENOMEM;
	int r = 0;
	for (int i = 0; i < argc && !r; i++)
		r = exec_args_add(args, argv[i], false);
	if (!r)
		r = process_spawn_args(name, args, parent, flags);
	kfree(args);
	return r;
}

int process_spawn(const char *name, int argc, char *const argv[], struct process *parent)
{
	return spawn_argv(name, argc, argv, parent, 0);
}

int process_spawn_tty(const char *name, int argc, char *const argv[])
{
	return spawn_argv(name, argc, argv, NULL, SPAWN_TTY);
}

int process_count(void)
{
	return READ_ONCE(nr_processes);     /* a snapshot, for tests and `mem` */
}

/* One reaped process leaves the count (wait.c, under process_list_lock). */
void process_reaped_locked(void)
{
	nr_processes--;
}

int process_thread_create(uintptr_t entry, uintptr_t arg, uintptr_t stack_top)
{
	struct process *p = current->proc;
	if (entry < USER_BASE || entry >= USER_END || stack_top <= USER_BASE || stack_top > USER_END)
		return -EINVAL;
	return start_user_thread(p, entry, stack_top, arg, NULL);
}

int process_thread_join(int tid, int *code)
{
	struct process *p = current->proc;
	struct thread_record *rec = NULL;
	int n = smp_load_acquire(&p->nthreads);    /* pairs with start_user_thread()'s release */
	for (int i = 0; i < n; i++)
		if (p->threads[i].tid == tid)
			rec = &p->threads[i];
	if (!rec || tid == current->tid)
		return -ESRCH;
	wait_event(&p->thread_wq, READ_ONCE(rec->done) || process_must_leave(p));
	/* Acquire: the thread's exit code was stored before `done` (the
	 * release in process_exit_thread()); we read neither under p->lock. */
	if (!smp_load_acquire(&rec->done))
		return -EINTR;
	*code = rec->code;
	return 0;
}

/*
 * The last thread of @p has left: give up its children (free the zombies,
 * orphan the others) and become a zombie for the parent to reap, or, if
 * the parent has gone already, free itself.
 */
static void process_end(struct process *p)
{
	LIST_HEAD(dead);
	struct process *q, *tmp;
	unsigned long flags;
	spin_lock_irqsave(&process_list_lock, flags);
	/* No thread of p is left, so none of them is inside waitpid():
	 * each child is ours to decide (a user waiter claims a child only
	 * under this lock, and frees it before dropping it). */
	list_for_each_entry_safe(q, tmp, &process_list, node) {
		if (q->parent != p)
			continue;
		q->parent = NULL;       /* reparented to the kernel (see top) */
		if (q->exited) {
			list_del(&q->node);
			nr_processes--;
			list_add_tail(&q->node, &dead);
		} else {
			q->orphan = true;
		}
	}
	p->nchildren = 0;
	bool free_self = p->orphan;
	if (free_self) {
		list_del(&p->node);
		nr_processes--;
	} else {
		/* A waitpid(-1) of the parent sleeps on its child_wq for a
		 * change of child_exits: counted under this lock, which the
		 * waiter takes before it looks at its children again. */
		if (p->parent) {
			p->parent->child_exits++;
			wake_up(&p->parent->child_wq);
		}
		/* The waiter frees p once it sees `exited` and then takes
		 * this lock, so p outlives the wake_up.  Release: pairs with
		 * wait_for()'s acquire (exit_code and the children's
		 * hand-off above come before). */
		smp_store_release(&p->exited, true);
		wake_up(&p->exit_wq);
	}
	spin_unlock_irqrestore(&process_list_lock, flags);
	list_for_each_entry_safe(q, tmp, &dead, node)
		kfree(q);
	if (free_self)
		kfree(p);
}

void process_exit_thread(int code)
{
	struct thread *me = current;
	struct process *p = me->proc;
	/* Stop using the address space before counting ourselves out: once
	 * live_threads reaches 0 the last thread frees the mm, and a thread
	 * still pointing at it would load a freed page table at its next
	 * switch.  (The page-table poisoning of pgtable_free caught this.) */
	struct mm_struct *mm = me->mm;
	me->mm = NULL;
	leave_mm(mm);

	unsigned long flags;
	spin_lock_irqsave(&p->lock, flags);
	for (int i = 0; i < p->nthreads; i++)
		if (p->threads[i].tid == me->tid) {
			p->threads[i].code = code;
			/* Release: the code before `done`; pairs with
			 * process_thread_join()'s acquire (it holds no lock). */
			smp_store_release(&p->threads[i].done, true);
		}
	bool last = --p->live_threads == 0;
	if (last && !p->killed)
		p->exit_code = __W_EXITCODE(code);
	/* Still under p->lock: once it is dropped the last thread may end
	 * the process and its parent free it, so this thread neither touches
	 * p nor lets anyone reach p through it afterwards (unless it is that
	 * last thread). */
	wake_up(&p->thread_wq);
	WRITE_ONCE(me->proc, NULL);
	spin_unlock_irqrestore(&p->lock, flags);
	if (last) {
		/* Its descriptors close: pipe ends, unlinked files' last
		 * references.  Before the mm: a mapping of a file will be
		 * the file's last reference once there are file mappings,
		 * and closing first keeps that order simple. */
		fdtable_destroy(p->files);
		p->files = NULL;
		pinbuf_release_mm(mm);      /* its registered buffers go with it */
		mm_put(mm);
		process_end(p);
	}
	thread_exit(code);
}

/*
 * The whole of @p ends with wait status @status (the first such call
 * decides it): every thread leaves at its next return to user mode, the
 * sleepers are woken for it.
 */
static void group_exit(struct process *p, int status)
{
	unsigned long flags;
	spin_lock_irqsave(&p->lock, flags);
	/* Not once the last thread has left: its status stands (a kill
	 * that comes after the end changes nothing).  Before the first
	 * thread has started (no thread record yet: fork or spawn between
	 * process_create() and process_start_thread()) the process has not
	 * ended either: the kill stands, and that first thread leaves at
	 * once.  Without this, such a kill was dropped and the process ran. */
	if (!p->killed && (p->live_threads > 0 || p->nthreads == 0)) {
		p->exit_code = status;
		/* Release: the status before `killed`, which every thread
		 * reads without p->lock; pairs with user_return_check()'s
		 * acquire. */
		smp_store_release(&p->killed, true);
	}
	spin_unlock_irqrestore(&p->lock, flags);
	process_wake_all(p);
}

void process_exit_group(int code)
{
	group_exit(current->proc, __W_EXITCODE(code));
	process_exit_thread(code);
}

void process_signal(struct process *p, int sig)
{
	group_exit(p, __W_SIGNALED(sig));
}

void process_kill_current_signal(int sig, const char *signame, const char *why)
{
	struct process *p = current->proc;
	pr_err("%s[%d]: %s; killed (%s)\n", p->name, p->pid, why, signame);
	group_exit(p, __W_SIGNALED(sig));
	process_exit_thread(0);
}

void process_kill_current(const char *why)
{
	process_kill_current_signal(SIGSEGV, "SIGSEGV", why);
}

bool process_must_leave(struct process *p)
{
	/* Acquire: pairs with group_exit()'s release (exit_code before
	 * killed), for whoever reads the status next. */
	int e = READ_ONCE(p->exec_tid);
	return smp_load_acquire(&p->killed) || (e && e != current->tid);
}

void user_return_check(struct trap_frame *f)
{
	(void)f;
	struct process *p = current->proc;
	if (p && process_must_leave(p)) {
		arch_irq_enable();
		process_exit_thread(0);
	}
}

static void wake_one(struct thread *t, void *ctx)
{
	if (t->proc == ctx && t != current)
		wake_up_thread(t);
}

void process_wake_all(struct process *p)
{
	thread_for_each(wake_one, p);
	wake_up(&p->thread_wq);
}
