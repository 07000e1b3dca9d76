/*
 * arch/x86_64/stacktrace.c - walk the frame-pointer chain.
 *
 * With -fno-omit-frame-pointer every function starts with push %rbp;
 * mov %rsp,%rbp, so [rbp] is the caller's rbp and [rbp+8] the return
 * address.  The chain ends at rbp == 0 (set by the boot and thread entry
 * code) or at the first frame that fails the sanity checks.
 */
#include "kernel/stacktrace.h"
#include "kernel/printk.h"
#include "kernel/ksyms.h"
#include "mm/paging.h"
#include "asm/cpu.h"

static void print_frame(uintptr_t ip)
{
	char sym[96];
	ksym_format(sym, sizeof(sym), ip);
	printk(KERN_EMERG "  [<%016lx>] %s\n", (unsigned long)ip, sym);
}

void print_backtrace(uintptr_t rip, uintptr_t rbp)
{
	printk(KERN_EMERG "Backtrace:\n");
	print_frame(rip);
	for (int depth = 0; depth < 32 && rbp; depth++) {
		if ((rbp & 7) || !kernel_addr_mapped(rbp) || !kernel_addr_mapped(rbp + 15)) {
			printk(KERN_EMERG "  (frame pointer %016lx is not on a mapped kernel stack)\n",
			       (unsigned long)rbp);
			return;
		}
		uintptr_t next = ((uintptr_t *)rbp)[0];
		uintptr_t ret = ((uintptr_t *)rbp)[1];
		if (!ret)
			return;
		print_frame(ret);
		if (next && next <= rbp)
			return;     /* frames must move up the stack */
		rbp = next;
	}
}

__attribute__((noinline)) void dump_stack(void)
{
	uintptr_t rbp = (uintptr_t)read_frame_pointer();
	print_backtrace((uintptr_t)__builtin_return_address(0), ((uintptr_t *)rbp)[0]);
}
