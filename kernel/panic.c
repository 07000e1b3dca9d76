/*
 * kernel/panic.c - panic(), warnings, and leaving QEMU.
 *
 * The first CPU to panic wins a compare-and-swap on panic_cpu; any other
 * CPU that panics later just stops (the winner stops it by NMI anyway), and
 * a panic inside panic() goes straight to the exit.  The winner switches
 * printk and the spinlock checks to panic mode (their locks may be held by
 * CPUs about to be stopped), prints, stops the other CPUs one at a time so
 * their registers print in order, and exits QEMU with EXIT_PANIC.
 */
#include <stdarg.h>
#include "kernel/panic.h"
#include "kernel/printk.h"
#include "kernel/locking/spinlock.h"
#include "kernel/stacktrace.h"
#include "kernel/smp.h"
#include "kernel/percpu.h"
#include "asm/arch.h"
#include "asm/cpu.h"
#include "lib/printf.h"

static int panic_cpu = -1;

bool panic_in_progress(void)
{
	return READ_ONCE(panic_cpu) != -1;
}

bool panic_on_other_cpu(void)
{
	int p = READ_ONCE(panic_cpu);
	return p != -1 && p != (int)smp_processor_id();
}

__noreturn void machine_exit(int code)
{
	/* On real hardware nothing listens to the emulator's exit device, so
	 * fall through to halting. */
	arch_emulator_exit(code);
	for (;;) {
		arch_irq_disable();
		halt();
	}
}

__noreturn void panic(const char *fmt, ...)
{
	arch_irq_disable();
	int me = (int)smp_processor_id();
	int expected = -1;
	if (!__atomic_compare_exchange_n(&panic_cpu, &expected, me, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		if (expected == me) {
			console_write("\npanic: recursive panic, exiting\n", 33);
			machine_exit(EXIT_PANIC);
		}
		for (;;)
			halt();     /* the panicking CPU will NMI us */
	}
	printk_panic_mode();
	spinlock_panic_mode();

	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(KERN_EMERG "Kernel panic on CPU %d: %s\n", me, msg);
	dump_stack();
	smp_stop_other_cpus();
	printk(KERN_EMERG "---[ end Kernel panic: %s ]---\n", msg);
	machine_exit(EXIT_PANIC);
}

void warn_slowpath(const char *file, int line, const char *cond)
{
	printk(KERN_WARNING "WARNING: CPU %u at %s:%d: %s\n", smp_processor_id(), file, line, cond);
	dump_stack();
}
