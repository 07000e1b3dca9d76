/*
 * arch/x86_64/percpu_offsets.c - struct percpu's offsets of the per-CPU
 * counts, as absolute symbols (percpu_off_<field>) that
 * scripts/check-percpu.py reads with nm: it then searches the disassembled
 * image for updates of those fields through a pointer to the area (which a
 * migration can make stale) instead of one %gs-relative instruction.
 */
#include "kernel/percpu.h"

#define EXPORT_PERCPU_OFFSET(field) \
	__asm__ volatile(".globl percpu_off_" #field "\n\t.set percpu_off_" #field ", %c0" \
			 :: "i"(offsetof(struct percpu, field)))

/* Never called: only its assembler directives matter. */
void percpu_export_offsets(void);
void percpu_export_offsets(void)
{
	EXPORT_PERCPU_OFFSET(self);
	EXPORT_PERCPU_OFFSET(preempt_count);
	EXPORT_PERCPU_OFFSET(irq_nesting);
	EXPORT_PERCPU_OFFSET(ticks);
	EXPORT_PERCPU_OFFSET(ipis_sent);
	EXPORT_PERCPU_OFFSET(ipis_received);
}
