/*
 * kernel/smpboot.c - bringing up the application processors: how many
 * (maxcpus=, nosmp), their boot stacks, and their first C code; the
 * monitor's `cpus` command.  The INIT-SIPI-SIPI sequence and the
 * trampoline are the arch's (arch/x86_64/smpboot.c).
 *
 * An AP says it is online with a release store after its setup; the boot
 * CPU (and anyone testing cpu_online()) may then use its per-CPU data.
 */
#include "kernel/smp.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/params.h"
#include "kernel/monitor.h"
#include "kernel/sched/sched.h"
#include "mm/pmm.h"
#include "asm/smpboot.h"
#include "asm/cpu.h"
#include "lib/string.h"

#define AP_STACK_ORDER 2                /* 16 KiB boot/idle stacks */

static unsigned int max_cpus = NR_CPUS;
static bool smp_disabled;

/* ---- command line ---------------------------------------------------- */

static int set_maxcpus(const char *v)
{
	unsigned long long n;
	if (kstrtoull(v, 10, &n) || n < 1 || n > NR_CPUS)
		return -EINVAL;
	max_cpus = (unsigned)n;
	return 0;
}
KERNEL_PARAM(maxcpus, "maxcpus", "N", "start at most N CPUs (1-256)", set_maxcpus);

static int set_nosmp(const char *v)
{
	(void)v;
	smp_disabled = true;
	return 0;
}
KERNEL_PARAM(nosmp, "nosmp", "", "start only the boot CPU", set_nosmp);

/* ---- bringing up the APs -------------------------------------------- */

/* The AP's first C code, on its own stack, from the trampoline. */
__attribute__((noreturn)) void ap_entry(unsigned cpu)
{
	arch_ap_setup(cpu);
	cpumask_set_cpu(cpu, &cpu_online_mask);
	/* Release: everything above is visible before the BSP sees us online
	 * (pairs with arch_boot_ap()'s acquire loads of `online`). */
	smp_store_release(&this_cpu()->online, true);
	arch_irq_enable();
	sched_ap_start();       /* becomes this CPU's idle thread */
}

void smp_init(void)
{
	smp_call_init();
	if (smp_disabled || max_cpus == 1 || nr_cpus_possible == 1) {
		pr_info("smp: %s; running on the boot CPU only\n",
			nr_cpus_possible == 1 ? "one CPU present" : "SMP disabled on the command line");
		return;
	}
	if (arch_smp_prepare() != 0) {
		pr_warn("smp: cannot prepare the trampoline; running on the boot CPU only\n");
		return;
	}
	unsigned started = 1;
	for (unsigned cpu = 1; cpu < nr_cpus_possible && started < max_cpus; cpu++) {
		struct page *stack = alloc_pages(AP_STACK_ORDER);
		if (!stack || smp_call_prepare_cpu(cpu) != 0) {
			pr_warn("smp: out of memory for CPU %u\n", cpu);
			break;
		}
		void *top = (char *)page_address(stack) + (PAGE_SIZE << AP_STACK_ORDER);
		cpu_data(cpu)->kernel_stack_top = top;
		if (!arch_boot_ap(cpu, cpu_data(cpu)->apic_id, top)) {
			pr_warn("smp: CPU with APIC id %u did not come up; continuing without it\n",
				cpu_data(cpu)->apic_id);
			continue;       /* its stack stays allocated: it might still wake */
		}
		started++;
	}
	arch_smp_done();
	pr_info("smp: %u of %u CPUs online\n", num_online_cpus(), nr_cpus_possible);
}

/* ---- monitor ---------------------------------------------------------- */

static int cmd_cpus(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		mon_printf("error: cpus takes no arguments\n");
		return -EINVAL;
	}
	mon_printf("%4s %8s %7s %10s %10s %10s\n", "cpu", "apic id", "online", "ticks", "ipis sent", "ipis recv");
	for (unsigned c = 0; c < nr_cpus_possible; c++) {
		struct percpu *p = cpu_data(c);
		mon_printf("%4u %8u %7s %10llu %10llu %10llu\n", c, p->apic_id,
			   cpu_online(c) ? "yes" : "no", (unsigned long long)p->ticks,
			   (unsigned long long)READ_ONCE(p->ipis_sent), (unsigned long long)p->ipis_received);
	}
	return 0;
}
MONITOR_COMMAND(cpus, "cpus", "", "CPUs: APIC id, online, ticks, IPIs sent and received", cmd_cpus);

