/*
 * asm/cpu.h - thin inline wrappers around x86 instructions the rest of the
 * kernel needs: port I/O, MSRs, control registers, CPUID, TSC, interrupt
 * flag.  Each is one instruction; nothing here keeps state.
 */
#ifndef ASM_CPU_H
#define ASM_CPU_H

#include <stdint.h>
#include <stdbool.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

#define MSR_EFER            0xc0000080
#define  EFER_SCE           (1u << 0)
#define  EFER_LME           (1u << 8)
#define  EFER_NXE           (1u << 11)
#define MSR_STAR            0xc0000081
#define MSR_LSTAR           0xc0000082
#define MSR_SFMASK          0xc0000084
#define MSR_FS_BASE         0xc0000100
#define MSR_GS_BASE         0xc0000101
#define MSR_KERNEL_GS_BASE  0xc0000102
#define MSR_APIC_BASE       0x1b
#define MSR_TSC_AUX         0xc0000103

/* RFLAGS bits the kernel sets, masks or checks. */
#define RFLAGS_CF   (1ul << 0)
#define RFLAGS_TF   (1ul << 8)      /* single-step trap */
#define RFLAGS_IF   (1ul << 9)
#define RFLAGS_DF   (1ul << 10)
#define RFLAGS_IOPL (3ul << 12)
#define RFLAGS_NT   (1ul << 14)     /* nested task: IRETQ with it set raises #GP */
#define RFLAGS_AC   (1ul << 18)     /* alignment check; at CPL 0, opens SMAP */

#define CR0_WP (1ul << 16)
#define CR4_PGE (1ul << 7)
#define CR4_OSFXSR (1ul << 9)
#define CR4_SMEP (1ul << 20)
#define CR4_SMAP (1ul << 21)
#define CR4_UMIP (1ul << 11)

#define DEFINE_CR(n) \
	static inline uint64_t read_cr##n(void) { uint64_t v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
	static inline void write_cr##n(uint64_t v) { __asm__ volatile("mov %0, %%cr" #n :: "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

/* CPUID.(EAX=7, ECX=0), the structured extended features: the bits the
 * kernel's protections depend on. */
#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_SMAP (1u << 20)
#define CPUID7_ECX_UMIP (1u << 2)

/* Leaf 7's EBX and ECX, or zeroes if the CPU has no leaf 7. */
static inline void cpuid_leaf7(uint32_t *ebx, uint32_t *ecx)
{
	uint32_t a, b, c, d;
	cpuid(0, 0, &a, &b, &c, &d);
	*ebx = *ecx = 0;
	if (a >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		*ebx = b;
		*ecx = c;
	}
}

/* rdtsc is not ordered against earlier loads; callers that time a region
 * use rdtsc_ordered(), which fences first (lfence is dispatch-serialising
 * on Intel and on AMD with the usual MSR setting). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdtsc_ordered(void)
{
	__asm__ volatile("lfence" ::: "memory");
	return rdtsc();
}

/* What generic code calls the cycle counter (Linux's name): the TSC here. */
static inline uint64_t get_cycles(void) { return rdtsc(); }
static inline uint64_t get_cycles_ordered(void) { return rdtsc_ordered(); }

/*
 * cpu_relax() - the hint inside every spin-wait loop; a compiler barrier.
 * PAUSE, except under QEMU's TCG, where a PAUSE takes the emulator's global
 * lock and so slows the very CPU being waited for: there a short plain
 * delay, with a PAUSE now and then (arch/x86_64/relax.c says why and how
 * often; relax= on the command line chooses).
 */
extern bool cpu_relax_delay;            /* set once at boot (arch_relax_init) */
void arch_relax_delayed(void);
void arch_relax_init(void);
static inline void cpu_relax(void)
{
	if (cpu_relax_delay)
		arch_relax_delayed();
	else
		__asm__ volatile("pause" ::: "memory");
}
static inline void halt(void) { __asm__ volatile("hlt" ::: "memory"); }

/* Interrupt flag.  The "memory" clobbers make these compiler barriers:
 * nothing is moved into or out of an IRQ-off region. */
static inline void arch_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void arch_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }

static inline unsigned long arch_local_save_flags(void)
{
	unsigned long f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f) :: "memory");
	return f;
}

static inline bool arch_irqs_disabled_flags(unsigned long flags) { return !(flags & (1ul << 9)); }
static inline bool arch_irqs_disabled(void) { return arch_irqs_disabled_flags(arch_local_save_flags()); }

static inline unsigned long arch_irq_save(void)
{
	unsigned long f = arch_local_save_flags();
	arch_irq_disable();
	return f;
}

static inline void arch_irq_restore(unsigned long flags)
{
	if (!arch_irqs_disabled_flags(flags))
		arch_irq_enable();
}

/* Wait for an interrupt with interrupts enabled, atomically: sti's one-
 * instruction shadow means an IRQ pending at the sti is taken after hlt
 * starts, so it cannot slip in between and leave us halted. */
static inline void arch_safe_halt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

/*
 * Halting waits (arch/x86_64/halt_wait.c): HLT unless *p == val, with the
 * compare and the HLT in one window that any interrupt or NMI landing in it
 * cancels (the trap entry moves its return address past the HLT).  So an
 * NMI sent after *p was changed always ends the wait, even with IF=0; the
 * caller loops and re-checks.  May return early for any reason.
 */
void arch_halt_unless_u16(const volatile uint16_t *p, uint16_t val);
void arch_halt_unless_u32(const volatile uint32_t *p, uint32_t val);

static inline void invlpg(unsigned long va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }

static inline uint64_t read_rflags(void) { return arch_local_save_flags(); }
static inline void write_rflags(uint64_t f) { __asm__ volatile("pushq %0; popfq" :: "r"(f) : "memory", "cc"); }

static inline void *read_frame_pointer(void)
{
	void *fp;
	__asm__ volatile("mov %%rbp, %0" : "=r"(fp));
	return fp;
}

#endif
