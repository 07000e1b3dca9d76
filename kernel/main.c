/*
 * kernel/main.c - kmain(): the order in which the kernel comes up.
 *
 * Each step may use only what the steps before it set up:
 *   console -> per-CPU area and traps -> boot information -> command line
 *   -> page tables -> frame allocator -> heap -> clock -> SMP -> tests or
 *   the monitor.
 */
#include <stdint.h>
#include "kernel/bootinfo.h"
#include "kernel/config.h"
#include "kernel/console.h"
#include "kernel/ksyms.h"
#include "tests/kernel/ktest.h"
#include "kernel/trace/trace.h"
#include "kernel/trace/export.h"
#include "kernel/trace/scenario.h"
#include "kernel/monitor.h"
#include "kernel/fs/fs.h"
#include "kernel/panic.h"
#include "kernel/params.h"
#include "kernel/paravirt.h"
#include "kernel/percpu.h"
#include "kernel/cpumask.h"
#include "kernel/printk.h"
#include "kernel/profile.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "kernel/sched/thread.h"
#include "kernel/rcu/rcu.h"
#include "kernel/proc/process.h"
#include "bench/kernel/bench.h"
#include "mm/kmalloc.h"
#include "mm/page.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "asm/arch.h"
#include "asm/cpu.h"
#include "asm/serial.h"
#include "asm/vga.h"
#include "lib/printf.h"

static void banner(void)
{
	uint64_t usable = 0;
	for (int i = 0; i < boot_info.nr_mem; i++)
		if (boot_info.mem[i].type == MEM_USABLE)
			usable += boot_info.mem[i].length;
	pr_info("kernel: TABLE_FREE=%s SHOOTDOWN=%s FAULT=%s, %u CPU%s, %llu MiB RAM, boot %s%s%s\n",
		CONFIG_TABLE_FREE_NAME, CONFIG_SHOOTDOWN_NAME, CONFIG_FAULT_NAME,
		num_online_cpus(), num_online_cpus() == 1 ? "" : "s",
		(unsigned long long)(usable >> 20), boot_info.protocol,
		boot_info.loader[0] ? " via " : "", boot_info.loader);
	config_warn_broken();
}

static void ktest_thread(void *spec)
{
	thread_exit(ktest_run(spec));
}

__attribute__((noreturn)) void kmain(uint32_t magic, uint32_t mbi)
{
	tsc_boot = get_cycles();
	percpu_init_this_cpu(0, 0);
	serial_init();
	printf_symbolize = ksym_format;
	pr_info("kernel: booting (%s build)\n", CONFIG_NAME);
	arch_early_init();              /* GDT, TSS, IDT on the boot CPU */

	bootinfo_parse(magic, mbi);
	for (int i = 0; i < boot_info.nr_mem; i++)
		pr_info("mem: [%#014llx-%#014llx] %s\n", (unsigned long long)boot_info.mem[i].base,
			(unsigned long long)(boot_info.mem[i].base + boot_info.mem[i].length - 1),
			mem_type_name(boot_info.mem[i].type));
	pr_info("cmdline: '%s'\n", boot_info.cmdline);
	params_apply(boot_info.cmdline, NULL);

	paging_init();
	vga_init();
	pmm_init();
	paging_release_boot_tables();
	time_init();
	rcu_init();
	threads_init();                 /* this context becomes thread "main" */
	arch_late_init();               /* ACPI, local APIC, timers, AP bring-up */
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		if (cpu_online(cpu))
			rcu_start_cpu_thread(cpu);      /* rcu/N: callbacks run there */
	paravirt_init();                /* steal-time records: KVM or the host model */
	profile_boot();                 /* profile=1: every CPU is up, the heap works */
	fs_init();                      /* the RAM file system: /, /bin, /dev, /tmp */
	trace_boot();                   /* the trace rings; trace= switches them on */

	banner();
	const char *spec = params_get_ktest();
	if (spec) {
		/* The race tests catch a stale reader of a freed page by the
		 * poison it reads (docs/gup.md): tests poison unless told not to. */
		page_poison_default(true);
		/* In a thread of their own: a guarded stack, like any thread.
		 * Pinned to the boot CPU, where the cases expect to run (an
		 * idle CPU would otherwise pull it away while it is queued). */
		struct thread *t = thread_create_on(smp_processor_id(), "ktest", ktest_thread, (void *)spec);
		int failed = t ? thread_join(t) : ktest_run(spec);
		pr_info("ktest: %s\n", failed ? "FAIL" : "PASS");
		trace_boot_export();    /* traceexport=: the trace to the host */
		machine_exit(failed ? EXIT_FAIL : EXIT_PASS);
	}
	if (bench_requested()) {
		bench_run_requested();
		trace_boot_export();
		machine_exit(EXIT_PASS);
	}
	if (trace_scenario_requested()) {
		int err = trace_scenario_run();        /* tracescn=: make trace */
		trace_boot_export();
		machine_exit(err ? EXIT_FAIL : EXIT_PASS);
	}
	process_run_init();             /* init=PROGRAM, if given */
	monitor_run();
}
