/*
 * kernel/proc/exec.c - execve(): the caller's program replaced by another,
 * and the loader that spawn shares.
 *
 * The invariant: nothing of the caller is destroyed until nothing can fail.
 *   1. The path, argv and envp are copied into the kernel (exec_args): any
 *      pointer may be bad (-EFAULT), any vector too long (-E2BIG).
 *   2. exec_prepare() builds a complete new mm: the ELF loaded, the stack
 *      written.  -ENOENT, -ENOEXEC, -ENOMEM here leave the caller as it was;
 *      the half-built mm is freed by mm_put() like any other.
 *   3. de_thread(): the other threads of the process are made to leave
 *      (POSIX: exec ends every other thread) and we wait until they have.
 *      Only a kill of the process can stop it now (-EINTR, and the caller
 *      dies with the rest at its return to user mode).
 *   4. exec_mmap(): this CPU switches to the new mm, the process adopts it,
 *      and the old one goes through the normal exit teardown (its pinned
 *      buffers released, then mm_put(): exit_mmap(), its TLB flush and
 *      table freeing as for a process's end).
 *   5. The thread enters the new program in ring 3; the system call never
 *      returns.
 *
 * EXEC_BROKEN=1 skips the wait of step 3: the old mm is torn down while the
 * other threads may still run on it (the `exec` suite's
 * test_exec_ends_other_threads must fail: a thread of the old program is
 * still there, or mm_put() finds the mm loaded on another CPU).
 */
#include "kernel/proc/exec.h"
#include "kernel/proc/elf.h"
#include "kernel/proc/process.h"
#include "kernel/proc/syscall.h"
#include "kernel/config.h"
#include "kernel/errno.h"
#include "kernel/fs/fdtable.h"
#include "kernel/irqflags.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/pinbuf.h"
#include "mm/pmm.h"
#include "mm/tlb.h"
#include "mm/uaccess.h"
#include "asm/context.h"
#include "lib/string.h"
#include "user/programs.h"

struct exec_args *exec_args_alloc(void)
{
	return kzalloc(sizeof(struct exec_args));
}

/* Room for one more string of @len bytes (NUL included)?  -E2BIG if not. */
static int args_room(const struct exec_args *a, size_t len)
{
	if (a->argc + a->envc >= EXEC_MAX_STRINGS || len > EXEC_STRINGS_MAX - a->used)
		return -E2BIG;
	return 0;
}

/* Count the string just written at buf + used (@len bytes) as argv or envp. */
static void args_commit(struct exec_args *a, size_t len, bool env)
{
	a->strv[a->argc + a->envc] = a->buf + a->used;
	a->used += len;
	if (env)
		a->envc++;
	else
		a->argc++;
}

int exec_args_add(struct exec_args *a, const char *s, bool env)
{
	size_t len = strlen(s) + 1;
	if (!env && a->envc)
		return -EINVAL;             /* argv first: strv keeps them in order */
	int r = args_room(a, len);
	if (r)
		return r;
	memcpy(a->buf + a->used, s, len);
	args_commit(a, len, env);
	return 0;
}

int exec_args_copy_user(struct exec_args *a, uintptr_t uvec, bool env)
{
	if (!env && a->envc)
		return -EINVAL;
	for (uint64_t i = 0; uvec; i++) {
		uint64_t up;
		if (i >= EXEC_MAX_STRINGS)
			return -E2BIG;
		if (copy_from_user(&up, (const void *)(uvec + 8 * i), sizeof(up)))
			return -EFAULT;
		if (!up)
			break;
		if (args_room(a, 1))
			return -E2BIG;
		long n = strncpy_from_user(a->buf + a->used, (const char *)up,
					   EXEC_STRINGS_MAX - a->used);
		if (n < 0)
			return (int)n;          /* -EFAULT, or -E2BIG: no room left */
		args_commit(a, (size_t)n + 1, env);
	}
	return 0;
}

const uint8_t *exec_find_program(const char *path, size_t *size, const char **name)
{
	/* Every program lives in /bin; a bare name means the same file. */
	if (strncmp(path, "/bin/", 5) == 0)
		path += 5;
	if (!path[0] || strchr(path, '/'))
		return NULL;
	const struct user_program *prog = user_program_find(path);
	if (!prog)
		return NULL;
	*size = prog->size;
	*name = prog->name;
	return prog->start;
}

/*
 * The new stack's top page, from the top down: the strings (argv's, then
 * envp's), then, 16-byte aligned, the words the entry reads (crt0.asm):
 *   argc, argv[0..argc-1], NULL, envp[0..envc-1], NULL, AT_NULL, 0.
 */
static int setup_stack(struct mm_struct *mm, const struct exec_args *a, uintptr_t *sp_out)
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
	int nstr = a->argc + a->envc;
	size_t words = 1 + (size_t)nstr + 2 + 2;
	size_t strbytes = ALIGN_UP(a->used, 16);
	if (strbytes + words * 8 + 16 > PAGE_SIZE)
		return -E2BIG;      /* cannot happen within EXEC_*_MAX; checked anyway */
	struct page *pg = alloc_page();
	if (!pg)
		return -ENOMEM;
	uint8_t *kpage = page_address(pg);
	uintptr_t page_va = top - PAGE_SIZE;
	memset(kpage, 0, PAGE_SIZE);
	uintptr_t str = top - strbytes;
	memcpy(kpage + (str - page_va), a->buf, a->used);
	uintptr_t sp = (str - words * 8) & ~15ul;
	uint64_t *w = (uint64_t *)(kpage + (sp - page_va));
	*w++ = (uint64_t)a->argc;
	for (int i = 0; i < a->argc; i++)
		*w++ = str + (uint64_t)(a->strv[i] - a->buf);
	*w++ = 0;                       /* argv's NULL */
	for (int i = a->argc; i < nstr; i++)
		*w++ = str + (uint64_t)(a->strv[i] - a->buf);
	*w++ = 0;                       /* envp's NULL */
	*w++ = 0;                       /* auxv: AT_NULL ... */
	*w++ = 0;                       /* ... and its value */
	if (install_user_page(mm, page_va, pg, user_pte_flags(VM_READ | VM_WRITE))) {
		free_page(pg);
		return -ENOMEM;
	}
	*sp_out = sp;
	return 0;
}

int exec_load(const uint8_t *data, size_t size, const char *name, const struct exec_args *args,
	      struct exec_image *img)
{
	struct mm_struct *mm = mm_create();
	if (!mm)
		return -ENOMEM;
	uintptr_t entry, sp;
	int r = elf_load(mm, data, size, &entry);
	if (!r)
		r = setup_stack(mm, args, &sp);
	if (r) {
		mm_put(mm);                 /* frees what was mapped so far */
		return r;
	}
	*img = (struct exec_image){ .mm = mm, .entry = entry, .sp = sp, .name = name };
	return 0;
}

int exec_prepare(const char *path, const struct exec_args *args, struct exec_image *img)
{
	size_t size;
	const char *name;
	const uint8_t *data = exec_find_program(path, &size, &name);
	if (!data)
		return -ENOENT;
	return exec_load(data, size, name, args, img);
}

/*
 * Step 3: make every other thread of @p leave and wait until it has.  The
 * others see exec_tid at their next return to user mode or in their sleep
 * (process_must_leave()), and each wakes thread_wq as it counts itself out
 * (process_exit_thread(), under p->lock).  Return: 0, alone in @p now; or
 * -EINTR: the process is being killed, or another thread's exec came first
 * (that one ends this thread).
 */
static int de_thread(struct process *p)
{
	unsigned long flags;
	spin_lock_irqsave(&p->lock, flags);
	if (p->killed || p->exec_tid) {
		spin_unlock_irqrestore(&p->lock, flags);
		return -EINTR;
	}
	/* No data rides on it (process_must_leave()): the wakeup below
	 * makes the sleepers read it again. */
	WRITE_ONCE(p->exec_tid, current->tid);
	spin_unlock_irqrestore(&p->lock, flags);
	process_wake_all(p);
#ifndef CONFIG_EXEC_BROKEN
	wait_event(&p->thread_wq, READ_ONCE(p->live_threads) == 1 || READ_ONCE(p->killed));
#endif
	spin_lock_irqsave(&p->lock, flags);
	if (p->killed) {
		spin_unlock_irqrestore(&p->lock, flags);
		return -EINTR;
	}
	/* Alone: the old threads' records go (nobody is left to join them),
	 * ours stays as the only one.  Release: the record before the count,
	 * as in start_user_thread(). */
	p->threads[0] = (struct thread_record){ .tid = current->tid };
	smp_store_release(&p->nthreads, 1);
	WRITE_ONCE(p->exec_tid, 0);
	spin_unlock_irqrestore(&p->lock, flags);
	return 0;
}

/*
 * Step 4: this thread and its process move to @mm; the old mm is torn
 * down.  switch_mm() takes this CPU out of the old mm's cpumask, and the
 * other threads took theirs out as they exited (leave_mm() in
 * process_exit_thread()), so mm_put() finds the old mm loaded nowhere but
 * lazily (kernel threads that ran after it), which the table-freeing flush
 * of exit_mmap() sends away, as at a process's end.
 */
static void exec_mmap(struct process *p, struct mm_struct *mm, const char *name)
{
	struct mm_struct *old = p->mm;
	unsigned long flags;
	local_irq_save(flags);          /* no switch between the two steps */
	current->mm = mm;
	switch_mm(mm);
	local_irq_restore(flags);
	spin_lock_irqsave(&p->lock, flags);
	p->mm = mm;
	strlcpy(p->name, name, sizeof(p->name));
	spin_unlock_irqrestore(&p->lock, flags);
	strlcpy(current->name, name, sizeof(current->name));
	arch_thread_reset_user_fpu(current);    /* nothing of the old program's registers */
	pinbuf_release_mm(old);         /* its registered buffers go with it */
	mm_put(old);
	/* POSIX: a successful exec closes the O_CLOEXEC descriptors; the
	 * others (and the working directory) stay, for the new program. */
	fdtable_close_on_exec(p->files);
}

int exec_copy_from_user(uintptr_t upath, uintptr_t uargv, uintptr_t uenvp, char *path,
			struct exec_args **out)
{
	long r = strncpy_from_user(path, (const char *)upath, EXEC_PATH_MAX);
	if (r < 0)
		return r == -E2BIG ? -ENAMETOOLONG : (int)r;
	struct exec_args *args = exec_args_alloc();
	if (!args)
		return -ENOMEM;
	r = exec_args_copy_user(args, uargv, false);
	if (!r)
		r = exec_args_copy_user(args, uenvp, true);
	if (r) {
		kfree(args);
		return (int)r;
	}
	*out = args;
	return 0;
}

static long sys_execve(uint64_t upath, uint64_t uargv, uint64_t uenvp, uint64_t a3, uint64_t a4,
		       uint64_t a5)
{
	(void)a3; (void)a4; (void)a5;
	char path[EXEC_PATH_MAX];
	struct exec_args *args;
	struct exec_image img;
	long r = exec_copy_from_user(upath, uargv, uenvp, path, &args);
	if (r)
		return r;
	r = exec_prepare(path, args, &img);
	kfree(args);
	if (r)
		return r;                   /* the caller is untouched */
	struct process *p = current->proc;
	r = de_thread(p);
	if (r) {
		mm_put(img.mm);
		return r;
	}
	exec_mmap(p, img.mm, img.name);
	arch_enter_user(img.entry, img.sp, 0);
}
SYSCALL_EXTENSION(execve, SYS_execve, sys_execve);
