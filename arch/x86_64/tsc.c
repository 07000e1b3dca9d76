/*
 * arch/x86_64/tsc.c - the TSC as the kernel's clock.
 *
 * The frequency comes from, in order of preference:
 *   1. CPUID leaf 0x15 (TSC/crystal ratio and crystal frequency);
 *   2. CPUID leaf 0x16 (nominal base frequency in MHz);
 *   3. the hypervisor timing leaf 0x40000010 (KVM/VMware: TSC kHz);
 *   4. calibration against PIT channel 2 over 50 ms (what QEMU TCG needs).
 * An invariant TSC is assumed (QEMU provides one to the guest's view).
 */
#include "kernel/time.h"
#include "kernel/printk.h"
#include "asm/cpu.h"

uint64_t tsc_hz = 1000000000ull;    /* a guess until time_init() */
uint64_t tsc_ns_mult = 1ull << 32;
uint64_t tsc_cyc_mult = 1ull << 24;
uint64_t tsc_boot;
const char *tsc_source = "guess";

uint64_t ktime_ns(void)
{
	return tsc_to_ns(rdtsc() - tsc_boot);
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + ns_to_tsc(us * 1000);
	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}

void mdelay(uint64_t ms)
{
	udelay(ms * 1000);
}

/* PIT channel 2, gated by port 0x61, counts down at 1.193182 MHz; OUT2
 * (bit 5 of port 0x61) goes high when it reaches zero. */
static uint64_t pit_calibrate(void)
{
	const uint32_t pit_hz = 1193182, ms = 50;
	const uint16_t count = (uint16_t)(pit_hz * ms / 1000);
	uint8_t p61 = inb(0x61);
	outb(0x61, (uint8_t)((p61 & ~0x02) | 0x01));   /* gate on, speaker off */
	outb(0x43, 0xb0);                               /* ch2, lo/hi, mode 0 */
	outb(0x42, count & 0xff);
	outb(0x42, count >> 8);
	uint64_t t0 = rdtsc();
	uint64_t spins = 0;
	while (!(inb(0x61) & 0x20) && ++spins < 100000000ull)
		;
	uint64_t t1 = rdtsc();
	outb(0x61, p61);
	return (t1 - t0) * 1000 / ms;
}

void time_init(void)
{
	uint32_t a, b, c, d, max;
	cpuid(0, 0, &max, &b, &c, &d);
	uint64_t hz = 0;
	if (max >= 0x15) {
		cpuid(0x15, 0, &a, &b, &c, &d);
		if (a && b && c) {
			hz = (uint64_t)c * b / a;
			tsc_source = "CPUID 0x15";
		}
	}
	if (!hz && max >= 0x16) {
		cpuid(0x16, 0, &a, &b, &c, &d);
		if (a) {
			hz = (uint64_t)a * 1000000;
			tsc_source = "CPUID 0x16";
		}
	}
	if (!hz) {
		cpuid(1, 0, &a, &b, &c, &d);
		if (c & (1u << 31)) {           /* running under a hypervisor */
			cpuid(0x40000000, 0, &a, &b, &c, &d);
			if (a >= 0x40000010) {
				cpuid(0x40000010, 0, &a, &b, &c, &d);
				if (a) {
					hz = (uint64_t)a * 1000;
					tsc_source = "hypervisor leaf 0x40000010";
				}
			}
		}
	}
	if (!hz) {
		hz = pit_calibrate();
		tsc_source = "PIT calibration";
	}
	if (hz < 1000000)
		hz = 1000000000ull;             /* nonsense: keep the guess */
	/* Timestamps printed before this point used the 1 GHz guess.  Keep
	 * the clock monotonic across the change of rate: read it once with
	 * the guess, then move tsc_boot so that the new rate continues from
	 * that reading (only this CPU runs yet, so nothing reads the three
	 * variables while they change).  Earlier timestamps stay roughly
	 * scaled; no later one is smaller than an earlier one. */
	uint64_t now = rdtsc();
	uint64_t ns_now = tsc_to_ns(now - tsc_boot);
	tsc_hz = hz;
	tsc_ns_mult = (1000000000ull << 32) / hz;
	tsc_cyc_mult = (hz << 24) / 1000000000ull;
	tsc_boot = now - ns_to_tsc(ns_now);
	pr_info("time: TSC %llu.%03llu MHz (%s)\n", (unsigned long long)(hz / 1000000),
		(unsigned long long)(hz / 1000 % 1000), tsc_source);
}
