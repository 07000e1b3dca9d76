/*
 * arch/x86_64/syscall_init.c - program the SYSCALL instruction on a CPU.
 *
 * STAR[47:32] is the kernel CS loaded by SYSCALL (SS = CS + 8); STAR[63:48]
 * is the base SYSRET uses (CS = base + 16, SS = base + 8), which is why the
 * GDT has user data at 0x20 and user code at 0x28 (asm/gdt.h).
 *
 * SFMASK (SYSCALL_MASKED_FLAGS, asm/context.h): SYSCALL clears every
 * RFLAGS bit in it, so the kernel never runs with a flag the user chose.
 * The user's RFLAGS are in R11 and go back intact through the trap frame.
 * Linux masks the same ones:
 *   IF    the entry runs with interrupts off until it is on a kernel stack;
 *   TF    no single-step trap inside the kernel entry;
 *   DF    the C code assumes string instructions count up;
 *   AC    at CPL 0 it switches SMAP off: the user must not choose that;
 *   NT    an IRETQ with NT set raises #GP (no task switch in long mode):
 *         the exit path would fault after its swapgs, on the user's GS;
 *   IOPL  a user cannot set it (POPF ignores it at CPL 3), but masking it
 *         costs nothing and keeps the kernel's I/O privilege its own.
 */
#include "asm/context.h"
#include "asm/cpu.h"
#include "asm/gdt.h"

extern void syscall_entry(void);

void arch_syscall_init(void)
{
	wrmsr(MSR_STAR, ((uint64_t)0x18 << 48) | ((uint64_t)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_SFMASK, SYSCALL_MASKED_FLAGS);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	wrmsr(MSR_KERNEL_GS_BASE, 0);   /* the user's GS base, swapped in on exit */
}
