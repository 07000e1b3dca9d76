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
 * amount of memory, and gives it all back when it ends.
 */
#include "kernel/proc/process.h"
#include "kernel/proc/elf.h"
#include "kernel/errno.h"
#include "kernel/monitor.h"
#include "kernel/panic.h"
#include "kernel/params.h"
#include "kernel/printk.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/pinbuf.h"
#include "mm/pmm.h"
#include "asm/context.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "user/programs.h"

static LIST_HEAD(process_list);
DEFINE_SPINLOCK(process_list_lock);
static int next_pid = 1;

struct user_start {
	uintptr_t entry, sp, arg;
};

/* First code of every user thread: into ring 3. */
static void user_thread_entry(void *arg)
{
	struct user_start s = *(struct user_start *)arg;
	kfree(arg);
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
	if (p->nthreads == PROC_MAX_THREADS || p->killed) {
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

/* Write argc, argv[] and the strings at the top of the stack. */
static int setup_stack(struct mm_struct *mm, int argc, char *const argv[], uintptr_t *sp_out)
{
	uintptr_t top = USER_STACK_TOP;
	struct vm_area_struct *v = vma_alloc(top - USER_STACK_SIZE, top, VM_READ | VM_WRITE | VM_STACK);
	if (!v)
		return -ENOMEM;
	/* Under mmap_lock for write, as every change to an mm's VMAs is
	 * (vma_replace_range()'s contract, which it checks), as elf_load()
	 * does.  Nobody else can see this mm yet, so it is never contended:
	 * it is taken so that the rule has no exception to remember. */
	mmap_write_lock(mm);
	int r = vma_replace_range(mm, top - USER_STACK_SIZE, top, &v, 1);
	mmap_write_unlock(mm);
	if (r)
		return r;
	/* Everything goes into the top page, mapped now. */
	struct page *pg = alloc_page();
	if (!pg)
		return -ENOMEM;
	uint8_t *kpage = page_address(pg);
	memset(kpage, 0, PAGE_SIZE);
	uintptr_t page_va = top - PAGE_SIZE;
	size_t strbytes = 0;
	for (int i = 0; i < argc; i++)
		strbytes += strlen(argv[i]) + 1;
	size_t need = ALIGN_UP(strbytes, 16) + (size_t)(argc + 2) * 8 + 16;
	if (need > PAGE_SIZE) {
		free_page(pg);
		return -E2BIG;
	}
	uintptr_t str = top - ALIGN_UP(strbytes, 16);
	uintptr_t ptrs[PROC_MAX_ARGS];
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;
		memcpy(kpage + (str - page_va), argv[i], n);
		ptrs[i] = str;
		str += n;
	}
	/* argc, argv[0..argc-1], NULL; RSP 16-byte aligned at argc. */
	uintptr_t sp = (top - ALIGN_UP(strbytes, 16) - (size_t)(argc + 2) * 8) & ~15ul;
	uint64_t *w = (uint64_t *)(kpage + (sp - page_va));
	w[0] = (uint64_t)argc;
	for (int i = 0; i < argc; i++)
		w[1 + i] = ptrs[i];
	w[1 + argc] = 0;
	if (install_user_page(mm, page_va, pg, user_pte_flags(VM_READ | VM_WRITE))) {
		free_page(pg);
		return -ENOMEM;
	}
	*sp_out = sp;
	return 0;
}

int process_link(struct process *p, const char *name, struct mm_struct *mm, struct process *parent)
{
	strlcpy(p->name, name, sizeof(p->name));
	p->mm = mm;
	p->parent = parent;
	spin_lock_init(&p->lock);
	init_waitqueue_head(&p->thread_wq);
	init_waitqueue_head(&p->exit_wq);
	unsigned long flags;
	spin_lock_irqsave(&process_list_lock, flags);
	if (parent && parent->nchildren >= PROC_MAX_CHILDREN) {
		/* Reap some first (waitpid).  The parent is the caller, so it
		 * has not ended: its children are still counted here. */
		spin_unlock_irqrestore(&process_list_lock, flags);
		return -EAGAIN;
	}
	if (parent)
		parent->nchildren++;
	p->pid = next_pid++;
	list_add_tail(&p->node, &process_list);
	int pid = p->pid;
	spin_unlock_irqrestore(&process_list_lock, flags);
	return pid;
}

void process_unlink(struct process *p)
{
	unsigned long flags;
	spin_lock_irqsave(&process_list_lock, flags);
	list_del(&p->node);
	if (p->parent)
		p->parent->nchildren--;
	spin_unlock_irqrestore(&process_list_lock, flags);
}

int process_spawn(const char *name, int argc, char *const argv[], struct process *parent)
{
	const struct user_program *prog = user_program_find(name);
	if (!prog)
		return -ENOENT;
	if (argc > PROC_MAX_ARGS)
		return -E2BIG;
	struct process *p = kzalloc(sizeof(*p));
	struct mm_struct *mm = p ? mm_create() : NULL;
	if (!mm) {
		kfree(p);
		return -ENOMEM;
	}
	uintptr_t entry, sp;
	int r = elf_load(mm, prog->start, prog->size, &entry);
	if (!r)
		r = setup_stack(mm, argc, argv, &sp);
	if (r) {
		mm_put(mm);
		kfree(p);
		return r;
	}
	int pid = process_link(p, name, mm, parent);
	if (pid < 0) {
		mm_put(mm);
		kfree(p);
		return pid;
	}
	/* pid read before the start: from then on the process may end, and
	 * be freed by its parent's end, before we return. */
	r = start_user_thread(p, entry, sp, 0, NULL);
	if (r < 0) {
		process_unlink(p);          /* no thread ever ran: tear down here */
		mm_put(mm);
		kfree(p);
		return r;
	}
	return pid;
}

static bool wait_over(struct process *p, struct process *me)
{
	return smp_load_acquire(&p->exited) || (me && READ_ONCE(me->killed));
}

/*
 * Wait for process @pid, a child of @parent (NULL: one the kernel spawned),
 * for at most @ns nanoseconds (0: no limit), and free it.  A waiting user
 * thread also stops when its own process is being killed (exit_group or a
 * fatal fault), or it would keep the process alive after its exit.
 */
static int wait_for(struct process *parent, int pid, int *status, uint64_t ns)
{
	struct process *p = NULL, *q;
	struct process *me = parent;
	unsigned long flags;
	spin_lock_irqsave(&process_list_lock, flags);
	list_for_each_entry(q, &process_list, node)
		if (q->pid == pid)
			p = q;
	/* Only the parent may wait, once: a process cannot reap a sibling,
	 * its parent, or itself (which would never end), and an orphan is
	 * nobody's to wait for. */
	if (!p || p->parent != parent || p->orphan || p->waited) {
		spin_unlock_irqrestore(&process_list_lock, flags);
		return -ECHILD;
	}
	p->waited = true;               /* one waiter only: it frees p */
	spin_unlock_irqrestore(&process_list_lock, flags);

	if (ns)
		wait_event_timeout(&p->exit_wq, wait_over(p, me), ns);
	else
		wait_event(&p->exit_wq, wait_over(p, me));

	/* `exited` is set under process_list_lock, and the exiting thread
	 * is done with p when it drops it: holding the lock, p is ours.
	 * (wait_over()'s acquire pairs with process_end()'s release.) */
	spin_lock_irqsave(&process_list_lock, flags);
	if (!p->exited) {
		p->waited = false;      /* interrupted or timed out: give it back */
		spin_unlock_irqrestore(&process_list_lock, flags);
		return me && READ_ONCE(me->killed) ? -EINTR : -ETIMEDOUT;
	}
	list_del(&p->node);
	if (parent)
		parent->nchildren--;
	spin_unlock_irqrestore(&process_list_lock, flags);
	if (status)
		*status = p->exit_code;
	kfree(p);
	return 0;
}

int process_wait(int pid, int *status)
{
	return wait_for(NULL, pid, status, 0);
}

int process_wait_timeout(int pid, int *status, uint64_t ns)
{
	return wait_for(NULL, pid, status, ns ? ns : 1);
}

int process_wait_child(int pid, int *status)
{
	return wait_for(current->proc, pid, status, 0);
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
	wait_event(&p->thread_wq, READ_ONCE(rec->done) || READ_ONCE(p->killed));
	/* Acquire: the thread's exit code was stored before `done` (the
	 * release in process_exit_thread()); we read neither under p->lock. */
	if (!smp_load_acquire(&rec->done))
		return -EINTR;
	*code = rec->code;
	return 0;
}

/* Wake every thread of @p that may be asleep, so it sees `killed`. */
static void wake_all_threads(struct process *p);

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
	/* No thread of p is left, so none of them is inside waitpid() with
	 * a child claimed (`waited`): each child is ours to decide. */
	list_for_each_entry_safe(q, tmp, &process_list, node) {
		if (q->parent != p)
			continue;
		q->parent = NULL;
		if (q->exited) {
			list_del(&q->node);
			list_add_tail(&q->node, &dead);
		} else {
			q->orphan = true;
		}
	}
	p->nchildren = 0;
	bool free_self = p->orphan;
	if (free_self) {
		list_del(&p->node);
	} else {
		/* The waiter frees p once it sees `exited` and then takes
		 * this lock, so p outlives the wake_up.  Release: pairs with
		 * wait_over()'s acquire (exit_code and the children's
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
		p->exit_code = code;
	/* Still under p->lock: once it is dropped the last thread may end
	 * the process and its parent free it, so this thread neither touches
	 * p nor lets anyone reach p through it afterwards (unless it is that
	 * last thread). */
	wake_up(&p->thread_wq);
	WRITE_ONCE(me->proc, NULL);
	spin_unlock_irqrestore(&p->lock, flags);
	if (last) {
		pinbuf_release_mm(mm);      /* its registered buffers go with it */
		mm_put(mm);
		process_end(p);
	}
	thread_exit(code);
}

void process_exit_group(int code)
{
	struct process *p = current->proc;
	unsigned long flags;
	spin_lock_irqsave(&p->lock, flags);
	if (!p->killed) {
		p->exit_code = code;
		/* Release: the exit code before `killed`, which every thread
		 * reads without p->lock; pairs with user_return_check()'s
		 * acquire. */
		smp_store_release(&p->killed, true);
	}
	spin_unlock_irqrestore(&p->lock, flags);
	wake_all_threads(p);
	process_exit_thread(code);
}

void process_kill_current(const char *why)
{
	struct process *p = current->proc;
	pr_err("%s[%d]: %s; killed\n", p->name, p->pid, why);
	process_exit_group(EXIT_SEGV);
}

void user_return_check(struct trap_frame *f)
{
	(void)f;
	struct process *p = current->proc;
	/* Acquire: then p->exit_code is the group's (process_exit_group()). */
	if (p && smp_load_acquire(&p->killed)) {
		arch_irq_enable();
		process_exit_thread(p->exit_code);
	}
}

static void wake_one(struct thread *t, void *ctx)
{
	if (t->proc == ctx && t != current)
		wake_up_thread(t);
}

static void wake_all_threads(struct process *p)
{
	thread_for_each(wake_one, p);
	wake_up(&p->thread_wq);
}

/* ---- monitor and command line ------------------------------------------ */

static int run_and_wait(int argc, char **argv)
{
	int pid = process_spawn(argv[0], argc, argv, NULL);
	if (pid < 0) {
		mon_printf("error: cannot run '%s': %s\n", argv[0],
			   pid == -ENOENT ? "no such program ('run' alone lists them)" :
			   pid == -ENOEXEC ? "bad ELF file" :
			   pid == -E2BIG ? "arguments too long" : "out of memory");
		return pid;
	}
	int status = 0;
	process_wait(pid, &status);
	mon_printf("%s[%d] exited with status %d\n", argv[0], pid, status);
	return 0;
}

/* `run` alone: how to use it and what there is to run, not an error. */
static void list_programs(void)
{
	mon_printf("usage: run PROGRAM [ARGS...]\nprograms:");
	int col = 9;                        /* strlen("programs:") */
	for (uint64_t i = 0; i < user_programs_count; i++) {
		int len = (int)strlen(user_programs[i].name);
		if (col + 1 + len > 72) {
			mon_printf("\n         ");
			col = 9;
		}
		mon_printf(" %s", user_programs[i].name);
		col += 1 + len;
	}
	mon_printf("\n");
}

static int cmd_run(int argc, char **argv)
{
	if (argc < 2) {
		list_programs();
		return 0;
	}
	return run_and_wait(argc - 1, argv + 1);
}
MONITOR_COMMAND(run, "run", "PROGRAM [ARGS...]", "run a user program and wait for it (alone: list them)", cmd_run);

static char init_program[PROC_NAME_MAX];

static int set_init(const char *v)
{
	if (!v[0] || strlen(v) >= sizeof(init_program) || !user_program_find(v))
		return -EINVAL;
	strlcpy(init_program, v, sizeof(init_program));
	return 0;
}
KERNEL_PARAM(init, "init", "PROGRAM", "run this user program at boot, before the monitor", set_init);

void process_run_init(void)
{
	if (!init_program[0])
		return;
	char *argv[] = { init_program, NULL };
	run_and_wait(1, argv);
}
