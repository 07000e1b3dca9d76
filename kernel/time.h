/*
 * kernel/time.h - the clock: the TSC, converted with the frequency found at
 * boot (CPUID 0x15/0x16, the hypervisor leaf, or PIT calibration; see
 * arch/x86_64/tsc.c).  Until time_init() has run, tsc_hz holds a guess and
 * ktime_ns() is only roughly right; it is monotonic throughout (time_init()
 * rebases it when the rate changes).
 */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <stdint.h>

extern uint64_t tsc_hz;         /* TSC ticks per second */
extern uint64_t tsc_boot;       /* TSC where ktime_ns() reads 0: kmain entry, moved once
                                 * by time_init() so the clock never steps back */
extern const char *tsc_source;  /* how tsc_hz was found, for the banner */

extern uint64_t tsc_ns_mult;    /* ns per cycle, 32.32 fixed point */
extern uint64_t tsc_cyc_mult;   /* cycles per ns, 40.24 fixed point */

/* Conversions multiply by a fixed-point ratio set in time_set_tsc_hz():
 * a 64x64->128-bit multiply, no division on the fast path. */

/** tsc_to_ns() - convert a TSC delta to nanoseconds. */
static inline uint64_t tsc_to_ns(uint64_t cycles)
{
	return (uint64_t)(((unsigned __int128)cycles * tsc_ns_mult) >> 32);
}

/** ns_to_tsc() - convert nanoseconds to TSC cycles. */
static inline uint64_t ns_to_tsc(uint64_t ns)
{
	return (uint64_t)(((unsigned __int128)ns * tsc_cyc_mult) >> 24);
}

/** ktime_ns() - nanoseconds since boot. Context: any. */
uint64_t ktime_ns(void);

/** udelay()/mdelay() - busy-wait on the TSC. */
void udelay(uint64_t us);
void mdelay(uint64_t ms);

/** time_init() - find the TSC frequency (arch). */
void time_init(void);

#endif
