/*
 * arch/x86_64/halt_wait.c - halting until a word changes, without losing
 * the wake-up (the arch half of kernel/locking/spinlock.c's halting waits
 * and kernel/smp.c's call waits; the protocol is argued there).
 *
 * arch_halt_unless_u16(p, val) / arch_halt_unless_u32(p, val) compare *p
 * with val and execute HLT only if they differ.  The compare and the HLT
 * form a window: an interrupt or NMI whose saved RIP lies anywhere in it
 * (at the compare, the branch, or the HLT itself, not yet executed) would
 * return into it and HLT with its news already consumed.  trap_dispatch()
 * calls arch_halt_window_fixup() first, which moves such a RIP past the
 * HLT: the function returns at once and its caller re-checks.  An event
 * that arrives while the CPU is halted ends the HLT by itself (an IRQ if
 * IF=1; an NMI always), and its saved RIP is already past the HLT.
 *
 * So, whatever IF is: after the caller publishes "I am about to halt" and
 * re-checks, any NMI sent to it after *p changed ends the wait, whether it
 * lands before the window (the compare then reads the new value: the
 * sender stored it before sending), inside it (skipped) or during HLT.
 */
#include <stdint.h>
#include "asm/cpu.h"
#include "asm/trapframe.h"

extern const char halt_window16_start[], halt_window16_end[];
extern const char halt_window32_start[], halt_window32_end[];

__asm__(
	".text\n"
	".globl arch_halt_unless_u16\n"
	".type arch_halt_unless_u16, @function\n"
	"arch_halt_unless_u16:\n"               /* rdi = p, esi = val */
	"halt_window16_start:\n"
	"	cmpw %si, (%rdi)\n"
	"	je 1f\n"
	"	hlt\n"
	"halt_window16_end:\n"
	"1:	ret\n"
	".size arch_halt_unless_u16, . - arch_halt_unless_u16\n"
	".globl arch_halt_unless_u32\n"
	".type arch_halt_unless_u32, @function\n"
	"arch_halt_unless_u32:\n"
	"halt_window32_start:\n"
	"	cmpl %esi, (%rdi)\n"
	"	je 1f\n"
	"	hlt\n"
	"halt_window32_end:\n"
	"1:	ret\n"
	".size arch_halt_unless_u32, . - arch_halt_unless_u32\n");

void arch_halt_window_fixup(struct trap_frame *f)
{
	uintptr_t ip = f->rip;
	if (ip >= (uintptr_t)halt_window16_start && ip < (uintptr_t)halt_window16_end)
		f->rip = (uintptr_t)halt_window16_end;
	else if (ip >= (uintptr_t)halt_window32_start && ip < (uintptr_t)halt_window32_end)
		f->rip = (uintptr_t)halt_window32_end;
}
