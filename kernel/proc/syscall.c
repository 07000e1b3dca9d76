/*
 * kernel/proc/syscall.c - the system calls (numbers in kernel/proc/uapi/syscall.h).
 *
 * Every argument from user space is checked here or in the function it is
 * passed to; a bad pointer, length or flag gives a negative errno and the
 * kernel goes on.  Pointers are only ever dereferenced through the uaccess
 * routines.
 */
#include "kernel/errno.h"
#include "kernel/percpu.h"
#include "kernel/cpumask.h"
#include "kernel/printk.h"
#include "kernel/proc/process.h"
#include "kernel/proc/exec.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/time.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/mmap.h"
#include "mm/kmalloc.h"
#include "mm/uaccess.h"
#include "kernel/proc/syscall.h"
#include "kernel/fs/syscalls.h"
#include "lib/string.h"

static long sys_nanosleep(uintptr_t ureq, uintptr_t urem)
{
	struct timespec req;
	if (copy_from_user(&req, (const void *)ureq, sizeof(req)))
		return -EFAULT;
	if (req.tv_sec < 0 || req.tv_nsec < 0 || req.tv_nsec >= 1000000000)
		return -EINVAL;
	uint64_t ns = (uint64_t)req.tv_sec * 1000000000u + (uint64_t)req.tv_nsec;
	uint64_t end = ktime_ns() + ns;
	struct process *p = current->proc;
	while (ktime_ns() < end && !process_must_leave(p)) {
		set_current_state(THREAD_BLOCKED);
		schedule_timeout(end - ktime_ns() > 0 ? end - ktime_ns() : 1);
	}
	if (urem) {
		struct timespec rem = { 0, 0 };
		if (copy_to_user((void *)urem, &rem, sizeof(rem)))
			return -EFAULT;
	}
	return 0;
}

static long sys_clock_gettime(int clock, uintptr_t uts)
{
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return -EINVAL;
	uint64_t ns = ktime_ns();
	struct timespec ts = { (long)(ns / 1000000000u), (long)(ns % 1000000000u) };
	return copy_to_user((void *)uts, &ts, sizeof(ts)) ? -EFAULT : 0;
}

struct affinity_req {
	struct process *p;
	int tid;
	cpumask_t *mask;
	bool get;
	bool found;
};

static void affinity_one(struct thread *t, void *ctx)
{
	struct affinity_req *r = ctx;
	if (t->proc != r->p || t->tid != r->tid)
		return;
	r->found = true;
	if (r->get)
		cpumask_copy(r->mask, &t->affinity);
	else
		cpumask_copy(&t->affinity, r->mask);    /* moves at its next switch */
}

static long sys_sched_affinity(int tid, uint64_t size, uintptr_t umask, bool get)
{
	cpumask_t mask;
	if (size < 8 || size % 8)
		return -EINVAL;
	uint64_t n = size < sizeof(mask) ? size : sizeof(mask);
	cpumask_clear(&mask);
	if (!get) {
		if (copy_from_user(&mask, (const void *)umask, n))
			return -EFAULT;
		cpumask_and(&mask, &mask, &cpu_online_mask);
		if (cpumask_empty(&mask))
			return -EINVAL;
	}
	if (tid == 0 || tid == current->tid) {
		if (get)
			cpumask_copy(&mask, &current->affinity);
		else
			thread_set_affinity(current, &mask);
	} else {
		struct affinity_req r = { current->proc, tid, &mask, get, false };
		thread_for_each(affinity_one, &r);
		if (!r.found)
			return -ESRCH;
	}
	if (get) {
		if (copy_to_user((void *)umask, &mask, n))
			return -EFAULT;
		return (long)n;
	}
	return 0;
}

static long sys_getcpu(uintptr_t ucpu, uintptr_t unode)
{
	unsigned cpu = smp_processor_id(), node = 0;
	if (ucpu && copy_to_user((void *)ucpu, &cpu, sizeof(cpu)))
		return -EFAULT;
	if (unode && copy_to_user((void *)unode, &node, sizeof(node)))
		return -EFAULT;
	return 0;
}

/* spawn(name, argv): create-then-exec (process_spawn_args()); argv as
 * execve() takes it (NULL or empty: { name }). */
static long sys_spawn(uintptr_t uname, uintptr_t uargv)
{
	char name[EXEC_PATH_MAX];
	struct exec_args *args;
	long r = exec_copy_from_user(uname, uargv, 0, name, &args);
	if (r)
		return r;
	if (args->argc == 0)
		r = exec_args_add(args, name, false);
	if (!r)
		r = process_spawn_args(name, args, current->proc, 0);
	kfree(args);
	return r;
}

static long sys_thread_join(int tid, uintptr_t ucode)
{
	int code;
	if (ucode && !access_ok(ucode, sizeof(int)))
		return -EFAULT;
	long r = process_thread_join(tid, &code);
	if (r)
		return r;
	if (ucode && copy_to_user((void *)ucode, &code, sizeof(code)))
		return -EFAULT;
	return 0;
}

static long syscall_ext(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	extern const struct syscall_ext __syscall_ext_start[], __syscall_ext_end[];
	for (const struct syscall_ext *e = __syscall_ext_start; e < __syscall_ext_end; e++)
		if (e->nr == nr)
			return e->fn(a0, a1, a2, a3, a4, a5);
	return -ENOSYS;
}

long do_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct mm_struct *mm = current->mm;
	switch (nr) {
	case SYS_read: return sys_read((int)a0, a1, a2);
	case SYS_write: return sys_write((int)a0, a1, a2);
	case SYS_open: return sys_open(a0, (unsigned)a1, (unsigned)a2);
	case SYS_close: return sys_close((int)a0);
	case SYS_stat: return sys_stat(a0, a1);
	case SYS_fstat: return sys_fstat((int)a0, a1);
	case SYS_lseek: return sys_lseek((int)a0, (int64_t)a1, (int)a2);
	case SYS_pread64: return sys_pread64((int)a0, a1, a2, (int64_t)a3);
	case SYS_pwrite64: return sys_pwrite64((int)a0, a1, a2, (int64_t)a3);
	case SYS_pipe: return sys_pipe(a0);
	case SYS_dup: return sys_dup((int)a0);
	case SYS_dup2: return sys_dup2((int)a0, (int)a1);
	case SYS_ftruncate: return sys_ftruncate((int)a0, (int64_t)a1);
	case SYS_getcwd: return sys_getcwd(a0, a1);
	case SYS_chdir: return sys_chdir(a0);
	case SYS_mkdir: return sys_mkdir(a0, (unsigned)a1);
	case SYS_rmdir: return sys_rmdir(a0);
	case SYS_unlink: return sys_unlink(a0);
	case SYS_getdents64: return sys_getdents64((int)a0, a1, a2);
	case SYS_openat: return sys_openat((int)a0, a1, (unsigned)a2, (unsigned)a3);
	case SYS_mmap: return do_mmap(mm, a0, a1, (int)a2, (int)a3, (int)a4, a5);
	case SYS_mprotect: return do_mprotect(mm, a0, a1, (int)a2);
	case SYS_munmap: return do_munmap(mm, a0, a1);
	case SYS_madvise: return do_madvise(mm, a0, a1, (int)a2);
	case SYS_sched_yield: yield(); return 0;
	case SYS_nanosleep: return sys_nanosleep(a0, a1);
	case SYS_getpid: return current->proc->pid;
	case SYS_gettid: return current->tid;
	case SYS_exit: process_exit_thread((int)a0);
	case SYS_exit_group: process_exit_group((int)a0);
	case SYS_sched_setaffinity: return sys_sched_affinity((int)a0, a1, a2, false);
	case SYS_sched_getaffinity: return sys_sched_affinity((int)a0, a1, a2, true);
	case SYS_clock_gettime: return sys_clock_gettime((int)a0, a1);
	case SYS_getcpu: return sys_getcpu(a0, a1);
	case SYS_thread_create: return process_thread_create(a0, a1, a2);
	case SYS_thread_join: return sys_thread_join((int)a0, a1);
	case SYS_spawn: return sys_spawn(a0, a1);
	case SYS_waitpid: return do_wait4((int)a0, a1, 0);
	case SYS_ncpus: return num_online_cpus();
	default: return syscall_ext(nr, a0, a1, a2, a3, a4, a5);
	}
}

void syscall_return_work(struct trap_frame *f)
{
	user_return_check(f);
	/* A reschedule asked for while we ran (the syscall had IRQs on). */
	if (this_cpu_read(need_resched))
		schedule();
}
