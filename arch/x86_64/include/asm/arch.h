/*
 * asm/arch.h - the interface every architecture must provide, and the two
 * calls kmain makes into it.
 *
 * Generic code (kernel/, mm/) reaches the machine only through the headers
 * listed here; `make lint` (scripts/lint.py) reads this list and fails if
 * generic code includes any other asm/ header, or spells an x86 detail
 * (inline assembly, control registers, MSRs, EFER, trap-frame registers,
 * page-table bits, port I/O) itself.  A port to another architecture
 * provides these headers with the same names and meanings:
 *
 *   asm/arch.h       arch_early_init(), arch_late_init(), arch_emulator_exit()
 *   asm/barrier.h    barrier(), smp_mb(), smp_rmb(), smp_wmb() (and the
 *                    acquire/release they imply on this memory model)
 *   asm/cpu.h        IRQ on/off/save/restore, halt(), cpu_relax(),
 *                    get_cycles(), get_cycles_ordered(), xchg-style atomics
 *   asm/percpu.h     arch_percpu_set_base(), arch_percpu_self(),
 *                    arch_percpu_read_u32(): this CPU's per-CPU area;
 *                    arch_percpu_read/write/add/dec_and_test(): one of its
 *                    fields read or updated in ONE instruction (safe with
 *                    preemption on: kernel/percpu.h's this_cpu_*())
 *   asm/page.h       PAGE_SIZE, the address-space layout (PAGE_OFFSET,
 *                    USER_TOP...), levels and indexes, __pa()/__va()
 *   asm/pgtable.h    pteval_t/pgd_t and their accessors (entry_present,
 *                    mk_pte, pgprot_user, mk_table_entry...), TLB flushes
 *                    of this CPU, loading and reading the page-table root,
 *                    arch_paging_enable()
 *   asm/traps.h      irq_register_vector(), vector numbers, dump_trap_frame();
 *                    generic code treats struct trap_frame as opaque and
 *                    asks kernel/trap_hooks.h's arch functions about it
 *   asm/ipi.h        arch_send_ipi(), arch_send_nmi()
 *   asm/kvm.h        arch_kvm_detect(), arch_kvm_register_steal_time():
 *                    the hypervisor's paravirt features (another arch
 *                    reports none)
 *   asm/context.h    thread stacks and switching: arch_thread_init_stack(),
 *                    arch_thread_init_user(), arch_switch_thread();
 *                    fork's child: arch_fork_save(), arch_ret_from_fork()
 *   asm/smpboot.h    arch_smp_prepare(), arch_boot_ap(), arch_smp_done(),
 *                    arch_ap_setup()
 *   asm/serial.h     the console UART: serial_init(), serial_getc()...
 *   asm/vga.h        the screen console: vga_init()...
 *   asm/trace_port.h the trace export's own byte channel (COM2): trace_port_init(),
 *                    trace_port_write()
 *
 * And the other direction, functions the arch calls in generic code, are
 * in kernel/trap_hooks.h (exceptions, NMIs, interrupt exit) and
 * mm/fault.h (handle_user_fault()).
 */
#ifndef ASM_ARCH_H
#define ASM_ARCH_H

#include <stdint.h>
#include "asm/cpu.h"

/** arch_early_init() - GDT, TSS and IDT of the boot CPU: exceptions are reported from here on. */
void arch_early_init(void);

/**
 * arch_late_init() - after memory is up: ACPI tables, interrupt controllers,
 * the timer tick, and bringing up the other CPUs.
 */
void arch_late_init(void);

/**
 * arch_emulator_exit() - ask the emulator to exit with status (@code << 1) | 1
 * (QEMU's isa-debug-exit device at port 0xf4).  Returns if nothing listens
 * (real hardware).
 */
static inline void arch_emulator_exit(int code)
{
	outl(0xf4, (uint32_t)code);
}

#endif
