/*
 * kernel/panic.h - fatal errors and assertions.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdbool.h>
#include "lib/compiler.h"

/* isa-debug-exit values (QEMU exits with (value << 1) | 1). */
#define EXIT_POWEROFF 0x00
#define EXIT_PASS     0x10
#define EXIT_FAIL     0x11
#define EXIT_PANIC    0x12

/**
 * panic() - print a message, a backtrace and stop the machine.
 *
 * Prints once even if several CPUs panic together; stops every other CPU
 * by NMI (each prints its registers and backtrace), then makes QEMU exit
 * with the panic code of the test protocol.
 * Context: any.
 */
__noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** machine_exit() - leave QEMU with @code (EXIT_*); halts if not in QEMU. */
__noreturn void machine_exit(int code);

/** panic_in_progress() - true once any CPU has entered panic(). */
bool panic_in_progress(void);
/**
 * panic_on_other_cpu() - has another CPU entered panic()?  An NMI handler
 * stops this CPU then; the panicking CPU itself goes on (an NMI it takes
 * meanwhile, e.g. the paravirt host model's, must not stop it short of
 * the emulator's exit).
 */
bool panic_on_other_cpu(void);

#define BUG() panic("BUG at %s:%d (%s)", __FILE__, __LINE__, __func__)
#define BUG_ON(c) do { if (unlikely(c)) panic("BUG_ON(%s) at %s:%d", #c, __FILE__, __LINE__); } while (0)
#define WARN_ON(c) ({ bool __w = !!(c); \
	if (unlikely(__w)) { warn_slowpath(__FILE__, __LINE__, #c); } \
	unlikely(__w); })
#define WARN_ON_ONCE(c) ({ static bool __warned; bool __w = !!(c); \
	if (unlikely(__w) && !__warned) { __warned = true; warn_slowpath(__FILE__, __LINE__, #c); } \
	unlikely(__w); })

void warn_slowpath(const char *file, int line, const char *cond);

#endif
