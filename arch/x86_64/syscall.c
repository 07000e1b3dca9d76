/*
 * arch/x86_64/syscall.c - the x86-64 system-call ABI: syscall.asm saves the
 * user registers as a trap frame and calls here; the number is in RAX, the
 * arguments in RDI, RSI, RDX, R10, R8, R9 (R10 for RCX, which SYSCALL
 * overwrites with the return address), and the result goes back in RAX.
 */
#include "asm/trapframe.h"
#include "kernel/proc/syscall.h"

void syscall_dispatch(struct trap_frame *f);

void syscall_dispatch(struct trap_frame *f)
{
	f->rax = (uint64_t)do_syscall(f->rax, f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9);
	syscall_return_work(f);
}
