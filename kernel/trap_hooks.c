/*
 * kernel/trap_hooks.c - generic decisions taken on traps (see trap_hooks.h).
 */
#include "kernel/trap_hooks.h"
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "asm/traps.h"

bool arch_handle_exception_hook(struct trap_frame *f)
{
	(void)f;
	return false;
}

void nmi_handler(struct trap_frame *f)
{
	if (panic_in_progress()) {
		smp_panic_stop_self(f);     /* never returns */
	}
	printk(KERN_WARNING "CPU %u: unexpected NMI at %016lx\n", smp_processor_id(),
	       (unsigned long)f->rip);
}
