/*
 * arch/x86_64/apic.c - the local APIC.
 *
 * Two register interfaces, one driver: in x2APIC mode each register is an
 * MSR (0x800 + offset/16) and the ICR is one 64-bit write; in xAPIC mode
 * registers are 32-bit MMIO at the APIC base and the ICR is two writes
 * (high half first: writing the low half sends).  The boot CPU picks
 * x2APIC when CPUID.1:ECX[21] offers it; APs follow its choice.
 */
#include "asm/apic.h"
#include "asm/cpu.h"
#include "asm/barrier.h"
#include "asm/traps.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/panic.h"
#include "kernel/time.h"
#include "mm/paging.h"

bool lapic_x2apic;
uint32_t lapic_timer_per_tick;
static volatile uint32_t *lapic_mmio;

enum {
	LAPIC_ID = 0x20, LAPIC_VER = 0x30, LAPIC_TPR = 0x80, LAPIC_EOI = 0xb0,
	LAPIC_SVR = 0xf0, LAPIC_ESR = 0x280, LAPIC_ICR_LO = 0x300, LAPIC_ICR_HI = 0x310,
	LAPIC_LVT_TIMER = 0x320, LAPIC_LVT_LINT0 = 0x350, LAPIC_LVT_LINT1 = 0x360,
	LAPIC_LVT_ERROR = 0x370, LAPIC_TIMER_INIT = 0x380, LAPIC_TIMER_CUR = 0x390,
	LAPIC_TIMER_DIV = 0x3e0,
};

#define APIC_BASE_ENABLE  (1ull << 11)
#define APIC_BASE_X2APIC  (1ull << 10)
#define SVR_ENABLE        (1u << 8)
#define LVT_MASKED        (1u << 16)
#define LVT_PERIODIC      (1u << 17)
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_FIXED         (0u << 8)
#define ICR_NMI           (4u << 8)
#define ICR_INIT          (5u << 8)
#define ICR_STARTUP       (6u << 8)
#define ICR_ASSERT        (1u << 14)
#define ICR_LEVEL         (1u << 15)

static uint32_t lapic_read(unsigned reg)
{
	if (lapic_x2apic)
		return (uint32_t)rdmsr(0x800 + (reg >> 4));
	return lapic_mmio[reg / 4];
}

static void lapic_write(unsigned reg, uint32_t v)
{
	if (lapic_x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		lapic_mmio[reg / 4] = v;
}

uint32_t lapic_read_id_raw(void)
{
	uint32_t id = lapic_read(LAPIC_ID);
	return lapic_x2apic ? id : id >> 24;
}

uint32_t lapic_id(void)
{
	return lapic_read_id_raw();
}

void lapic_eoi(void)
{
	/* Only after the APIC is on; before that no IRQ can be in service. */
	if (lapic_x2apic || lapic_mmio)
		lapic_write(LAPIC_EOI, 0);
}

static void lapic_enable_this_cpu(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	base |= APIC_BASE_ENABLE;
	if (lapic_x2apic)
		base |= APIC_BASE_X2APIC;
	wrmsr(MSR_APIC_BASE, base);
	lapic_write(LAPIC_TPR, 0);                      /* accept every priority */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);
	lapic_write(LAPIC_LVT_LINT1, LVT_MASKED);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_ESR, 0);
	lapic_eoi();                                    /* nothing left in service */
}

void lapic_init_bsp(uint64_t mmio_phys)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	lapic_x2apic = c & (1u << 21);
	if (!lapic_x2apic) {
		lapic_mmio = ioremap(mmio_phys ? mmio_phys : 0xfee00000, 4096);
		if (!lapic_mmio)
			panic("apic: cannot map the local APIC");
	}
	pic_disable();
	lapic_enable_this_cpu();
	pr_info("apic: local APIC in %s mode, id %u, version %#x\n",
		lapic_x2apic ? "x2APIC" : "xAPIC (MMIO)", lapic_id(), lapic_read(LAPIC_VER) & 0xff);
}

void lapic_init_ap(void)
{
	lapic_enable_this_cpu();
}

/* xAPIC: the previous IPI must have left the ICR before the next is written. */
static void icr_wait_idle(void)
{
	if (lapic_x2apic)
		return;
	for (unsigned i = 0; i < 10000000 && (lapic_read(LAPIC_ICR_LO) & ICR_DELIVERY_PENDING); i++)
		cpu_relax();
}

static void icr_send(uint32_t apic_id, uint32_t low)
{
	/* The two xAPIC writes must not be split by an interrupt that sends
	 * an IPI of its own. */
	unsigned long flags = arch_irq_save();
	if (lapic_x2apic) {
		/* A WRMSR to the x2APIC ICR is not serializing (SDM 10.12.3,
		 * unlike the xAPIC's uncached MMIO write): the IPI can leave
		 * while earlier stores still sit in the store buffer, and the
		 * target's handler would not see the message the IPI
		 * announces (a call request, a flush range, need_resched).
		 * MFENCE drains the store buffer; it does not order WRMSR,
		 * which is not a memory access, so LFENCE then waits until
		 * every earlier instruction, the MFENCE included, has
		 * completed before the WRMSR starts (Linux's
		 * weak_wrmsr_fence()).  Pairs with the target's reads in its
		 * IPI handler, which the interrupt orders after the delivery. */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(0x830, ((uint64_t)apic_id << 32) | low);
	} else {
		/* MMIO directly: the ICR is only ever written here in x2APIC
		 * mode above, behind its fence (scripts/check-percpu.py checks
		 * every WRMSR to it). */
		icr_wait_idle();
		lapic_mmio[LAPIC_ICR_HI / 4] = apic_id << 24;
		lapic_mmio[LAPIC_ICR_LO / 4] = low;
		icr_wait_idle();
	}
	arch_irq_restore(flags);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	icr_send(apic_id, ICR_FIXED | ICR_ASSERT | vector);
}

void lapic_send_nmi(uint32_t apic_id)
{
	icr_send(apic_id, ICR_NMI | ICR_ASSERT);
}

void lapic_send_init(uint32_t apic_id)
{
	icr_send(apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	if (!lapic_x2apic) {
		/* Older APICs want the INIT de-assert as well; newer ignore it. */
		udelay(100);
		icr_send(apic_id, ICR_INIT | ICR_LEVEL);
	}
}

void lapic_send_startup(uint32_t apic_id, uint8_t page)
{
	icr_send(apic_id, ICR_STARTUP | page);
}

void lapic_timer_calibrate(unsigned hz)
{
	/* Let the timer run down from its maximum for 10 ms of TSC time. */
	lapic_write(LAPIC_TIMER_DIV, 0x3);              /* divide by 16 */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	uint64_t t0 = rdtsc();
	udelay(10000);
	uint32_t left = lapic_read(LAPIC_TIMER_CUR);
	uint64_t t1 = rdtsc();
	lapic_write(LAPIC_TIMER_INIT, 0);
	uint64_t counted = 0xffffffffu - left;
	uint64_t per_sec = counted * 1000000000ull / (tsc_to_ns(t1 - t0) ? tsc_to_ns(t1 - t0) : 1);
	lapic_timer_per_tick = (uint32_t)(per_sec / hz);
	if (lapic_timer_per_tick == 0)
		lapic_timer_per_tick = 1;
	pr_info("apic: timer %llu kHz (divide 16), %u counts per tick at HZ=%u\n",
		(unsigned long long)(per_sec / 1000), lapic_timer_per_tick, hz);
}

void lapic_timer_start(void)
{
	lapic_write(LAPIC_TIMER_DIV, 0x3);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, lapic_timer_per_tick);
}
