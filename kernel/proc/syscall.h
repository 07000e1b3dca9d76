/*
 * kernel/proc/syscall.h - the system-call entry generic code offers the
 * arch, and how code outside the core adds a system call of its own.
 *
 * The arch's entry (arch/x86_64/syscall.c) takes the number and six
 * arguments out of the registers of its ABI and calls do_syscall().  The
 * core calls are a switch in kernel/proc/syscall.c; a facility that is not
 * part of the core (the user benchmarks' result reporting) registers its
 * call with SYSCALL_EXTENSION(), which the linker gathers into one table:
 * the core does not know it exists.
 */
#ifndef KERNEL_PROC_SYSCALL_H
#define KERNEL_PROC_SYSCALL_H

#include <stdint.h>

typedef long (*syscall_ext_fn)(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
			       uint64_t a5);

struct syscall_ext {
	uint64_t nr;
	syscall_ext_fn fn;
};

/** SYSCALL_EXTENSION() - make system call @nr_ run @fn_ (a number the core does not use). */
#define SYSCALL_EXTENSION(id_, nr_, fn_) \
	static const struct syscall_ext syscall_ext_##id_ \
	__attribute__((used, section(".syscall_ext"), aligned(8))) = { (nr_), (fn_) }

/**
 * do_syscall() - run system call @nr with arguments @a0..@a5.
 * Return: its result (a negative errno on failure; -ENOSYS for an unknown
 * number).  Context: a user thread, IRQs on; may sleep; may not return
 * (exit).
 */
long do_syscall(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		uint64_t a5);

/** syscall_return_work() - on the way back to user mode: a kill or a reschedule pending. */
struct trap_frame;
void syscall_return_work(struct trap_frame *f);

#endif
