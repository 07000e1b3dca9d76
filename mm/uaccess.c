/*
 * mm/uaccess.c - range checks around the arch copy routines, and the
 * exception-table lookup the fault handler uses.
 *
 * A user address means something only in the caller's own address space,
 * current->mm.  A thread without one (a kernel thread) gets -EFAULT before
 * any access: its CPU may still hold some process's mm lazily (mm/tlb.c),
 * and a copy through that CR3 would read or write that process's memory,
 * or, since flushes that free no page table skip lazy CPUs, a freed and
 * reused frame through a stale TLB entry.
 */
#include "mm/uaccess.h"
#include "kernel/errno.h"
#include "kernel/percpu.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/sched/thread.h"

/* Does the caller have a user address space of its own?  (Before the
 * scheduler starts there is no current thread, and no mm either.) */
static bool has_user_mm(void)
{
	struct thread *t = current;
	return t && t->mm;
}

struct extable_entry { uintptr_t insn, fixup; };
extern const struct extable_entry __extable_start[], __extable_end[];

uint64_t __copy_user(void *dst, const void *src, uint64_t n);
int64_t __strncpy_user(char *dst, const char *src, uint64_t n);

bool access_ok(uintptr_t addr, size_t n)
{
	return addr >= USER_BASE && addr + n >= addr && addr + n <= USER_END;
}

uintptr_t extable_fixup(uintptr_t rip)
{
	for (const struct extable_entry *e = __extable_start; e < __extable_end; e++)
		if (e->insn == rip)
			return e->fixup;
	return 0;
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	if (n == 0)
		return 0;
	if (!has_user_mm() || !access_ok((uintptr_t)usrc, n))
		return -EFAULT;
	return __copy_user(dst, usrc, n) ? -EFAULT : 0;
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	if (n == 0)
		return 0;
	if (!has_user_mm() || !access_ok((uintptr_t)udst, n))
		return -EFAULT;
	return __copy_user(udst, src, n) ? -EFAULT : 0;
}

long strncpy_from_user(char *dst, const char *usrc, size_t n)
{
	if (n == 0)
		return -E2BIG;
	if (!has_user_mm())
		return -EFAULT;
	/* Check as much of the range as could be read. */
	size_t span = n;
	if ((uintptr_t)usrc + span > USER_END && (uintptr_t)usrc < USER_END)
		span = USER_END - (uintptr_t)usrc;
	if (!access_ok((uintptr_t)usrc, span ? span : 1))
		return -EFAULT;
	int64_t len = __strncpy_user(dst, usrc, span);
	if (len < 0)
		return -EFAULT;
	if ((size_t)len >= n || ((size_t)len == span && span < n)) {
		dst[n - 1] = 0;
		return (size_t)len == span && span < n ? -EFAULT : -E2BIG;
	}
	return len;
}
