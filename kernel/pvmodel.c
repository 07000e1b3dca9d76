/*
 * kernel/pvmodel.c - an in-kernel model of a hypervisor host that preempts
 * vCPUs, for SHOOTDOWN=pv under TCG (or KVM without PV TLB flush).
 *
 * What a host does to a vCPU, and what this model does in its place:
 *   host: at a moment the guest does not choose (a timeslice ends, another
 *         task wakes on that core), the vCPU exits guest mode, whatever
 *         the guest was doing, IRQs off or not; the host writes
 *         KVM_VCPU_PREEMPTED into its steal-time record and runs something
 *         else for a while; before it enters the guest again it exchanges
 *         the record's preempted byte with 0 and, if a guest flusher had set
 *         KVM_VCPU_FLUSH_TLB in it, flushes the vCPU's TLB.
 *   model: at random moments (drawn at the other vCPUs' timer ticks,
 *         seeded; rate and duration from pvmodel= or pvmodel_configure()),
 *         an NMI, which is delivered with IRQs off just as a VM exit
 *         happens with them off, takes the vCPU into this file's handler;
 *         it stores KVM_VCPU_PREEMPTED, spins on the TSC for a random time
 *         (the vCPU executes none of the interrupted code meanwhile),
 *         then exchanges the byte with 0, flushes the whole TLB (global
 *         entries too, as KVM's flush of a guest does) if the flag was set,
 *         and only then returns to the interrupted instruction.
 *
 * Exchange first, flush second: a flusher that sets the flag after our
 * exchange finds the byte 0 and sends an IPI instead (delivered once the
 * interrupted code enables IRQs), and one that set it before is seen by
 * the exchange; flushing first and clearing after would lose a flag set in
 * between.  Both happen before the first instruction of the interrupted
 * code: a stale entry is never used after the resume.
 *
 * What the model preserves: the hazard of TABLE_FREE=ipi SHOOTDOWN=pv.  A
 * lockless walker with IRQs off can be taken out mid-walk; a flusher then
 * reads "preempted", sets the flag, does not interrupt that CPU and does
 * not wait for it, so nothing holds back the free of a table the walker
 * already holds a pointer to; at resume the walker's TLB is flushed, but
 * the walker's *software* pointer is not a TLB entry, and it reads the
 * freed table.  What it does not preserve: real steal time and its
 * accounting (steal is the sum of our spins), the host's own scheduling
 * (a preempted vCPU here still occupies a host thread: under TCG its
 * spinning burns host CPU), preemption at a moment with NMIs blocked (the
 * model cannot take a vCPU out inside an NMI handler; a host can), rates
 * above HZ x (vCPUs - 1) per vCPU, a single vCPU (nobody to send the NMI),
 * and vCPUs being out while the guest's clock stops (ours runs on).
 */
#include "kernel/trace/trace.h"
#include "kernel/paravirt.h"
#include "kernel/config.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/params.h"
#include "kernel/percpu.h"
#include "kernel/atomic.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/time.h"
#include "asm/cpu.h"
#include "asm/ipi.h"
#include "asm/pgtable.h"
#include "lib/string.h"

struct pvmodel_stats pvmodel_stats[NR_CPUS];
bool pvmodel_test_skip_entry_flush;

static unsigned model_rate_hz, model_max_us;
static uint64_t model_seed;

/* A preemption asked of each vCPU and not yet over, in microseconds: the
 * requester moves it from 0 (compare-and-exchange, so one at a time), then
 * sends the NMI; the vCPU puts it back to 0 when it resumes. */
static uint32_t request_us[NR_CPUS];

/* Each CPU draws from its own generator (in its timer tick, IRQs off).
 * pvmodel_configure() reseeds them from any CPU, possibly during a draw:
 * marked accesses on both sides (a reseed racing a draw may be lost to
 * it, as before; pause first for a reproducible sequence). */
static uint64_t rng_state[NR_CPUS];

/* Set while this CPU's tick may request preemptions (pvmodel_tick(), D1
 * to D3), so that pvmodel_pause() can wait for draws that read the old rate. */
static int drawing[NR_CPUS];

/* Own ticks that found this CPU's request pending (pvmodel_tick). */
static unsigned stale_ticks[NR_CPUS];

/* When each vCPU last resumed (TSC), for pvmodel_stray_nmi(). */
static uint64_t last_resume_tsc[NR_CPUS];

static uint64_t rng_next(uint64_t *s)
{
	uint64_t x = READ_ONCE(*s);
	if (!x)
		x = 0x9e3779b97f4a7c15ull;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	WRITE_ONCE(*s, x);
	return x;
}

void pvmodel_configure(unsigned rate_hz, unsigned max_us, uint64_t seed)
{
	WRITE_ONCE(model_max_us, max_us ? max_us : 1);
	WRITE_ONCE(model_seed, seed);
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		WRITE_ONCE(rng_state[cpu], seed * 0x9e3779b97f4a7c15ull + cpu + 1);
	/* Release: the duration and the generators above before the rate
	 * that lets ticks draw with them.  Pairs with pvmodel_tick()'s
	 * acquire load of the rate (D2). */
	smp_store_release(&model_rate_hz, rate_hz);
}

void pvmodel_get_config(unsigned *rate_hz, unsigned *max_us, uint64_t *seed)
{
	*rate_hz = READ_ONCE(model_rate_hz);
	*max_us = READ_ONCE(model_max_us);
	*seed = READ_ONCE(model_seed);
}

/* True while @cpu is out, or a request to it is on its way.  Acquire:
 * pairs with the release stores of 0 (pvmodel_nmi() at resume, after its
 * exchange and flush; pvmodel_tick() dropping a lost request), so a
 * pauser that reads 0 sees the resume complete. */
static bool vcpu_busy(unsigned cpu)
{
	return __atomic_load_n(&request_us[cpu], __ATOMIC_ACQUIRE) != 0;
}

int pvmodel_pause(struct pvmodel_config *saved)
{
	pvmodel_get_config(&saved->rate_hz, &saved->max_us, &saved->seed);
	WRITE_ONCE(model_rate_hz, 0);
	/* P1 rate = 0, then P2 read every drawing[]: the store-buffer pattern
	 * with pvmodel_tick()'s D1 drawing = 1, D2 read rate.  With a full
	 * barrier on both sides, either the tick reads rate 0 and draws
	 * nothing, or we see it drawing and wait for it to finish (D3): no
	 * tick that read the old rate can request after we return. */
	smp_mb();
	/* Bound: a draw takes microseconds and a preemption at most max_us;
	 * a request whose NMI was lost is dropped by its CPU's second tick.
	 * 2 s covers all three many times over, also on a loaded host. */
	uint64_t deadline = get_cycles() + ns_to_tsc(2000000000ull +
						    (uint64_t)saved->max_us * 1000);
	/* P2 in two passes: first every drawing[] back to 0 (acquire: pairs
	 * with D3, so the requests of those draws are visible), only then
	 * every vCPU back.  In one pass, CPU a's draw could request CPU b
	 * after b was found idle, and the pause return with b out. */
	unsigned cpu;
	for (int pass = 0; pass < 2; pass++) {
		for_each_online_cpu(cpu) {
			while (pass == 0 ? __atomic_load_n(&drawing[cpu], __ATOMIC_ACQUIRE) != 0
					 : vcpu_busy(cpu)) {                     /* P2 */
				if (get_cycles() > deadline) {
					pr_err("pvmodel: pause: vCPU %u still %s after 2 s\n", cpu,
					       pass == 0 ? "drawing" : "out or requested");
					return -ETIMEDOUT;
				}
				cpu_relax();
			}
		}
	}
	return 0;
}

void pvmodel_unpause(const struct pvmodel_config *saved)
{
	pvmodel_configure(saved->rate_hz, saved->max_us, saved->seed);
}

uint64_t pvmodel_resumes_total(void)
{
	uint64_t n = 0;
	unsigned cpu;
	for_each_online_cpu(cpu)
		n += pvmodel_resumes(cpu);
	return n;
}

void pvmodel_get_stats(unsigned cpu, struct pvmodel_stats *out)
{
	out->preemptions = __atomic_load_n(&pvmodel_stats[cpu].preemptions, __ATOMIC_RELAXED);
	out->flushes_on_entry = READ_ONCE(pvmodel_stats[cpu].flushes_on_entry);
	out->preempted_ns = READ_ONCE(pvmodel_stats[cpu].preempted_ns);
}

static bool request(unsigned cpu, unsigned us)
{
	uint32_t zero = 0;
	if (!__atomic_compare_exchange_n(&request_us[cpu], &zero, us ? us : 1, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return false;       /* already out, or about to be */
	arch_send_nmi(cpu);
	return true;
}

bool pvmodel_preempt(unsigned cpu, unsigned us)
{
	if (pv_host != PV_HOST_MODEL || cpu >= NR_CPUS || !cpu_online(cpu) || cpu == smp_processor_id())
		return false;
	return request(cpu, us);
}

static void pvmodel_draw(unsigned me, unsigned rate);

void pvmodel_tick(void)
{
	unsigned me = smp_processor_id();
	/* A request to this CPU still pending at two of its own ticks lost
	 * its NMI (a third NMI while one is handled and one latched is
	 * dropped): a tick cannot run inside our NMI, and a delivered NMI
	 * takes microseconds.  Drop it, or this vCPU is never taken again. */
	if (READ_ONCE(request_us[me]) && !pv_vcpu_preempted(me)) {
		if (++stale_ticks[me] >= 2) {
			__atomic_store_n(&request_us[me], 0, __ATOMIC_RELEASE);
			stale_ticks[me] = 0;
		}
	} else {
		stale_ticks[me] = 0;
	}
	if (pv_host != PV_HOST_MODEL || num_online_cpus() < 2)
		return;
	WRITE_ONCE(drawing[me], 1);                             /* D1 */
	smp_mb();       /* D1 before D2: pairs with pvmodel_pause()'s P1-P2 */
	/* D2, an acquire: a rate set by pvmodel_configure() comes with the
	 * generators and duration stored before it (its release). */
	unsigned rate = smp_load_acquire(&model_rate_hz);       /* D2 */
	if (rate)
		pvmodel_draw(me, rate);
	/* D3, a release: our requests (their compare-and-exchange) are
	 * visible to a pauser that reads drawing == 0 with acquire (P2). */
	smp_store_release(&drawing[me], 0);
}

/* One tick's draw on CPU @me: maybe preempt each other vCPU. */
static void pvmodel_draw(unsigned me, unsigned rate)
{
	unsigned n = num_online_cpus(), cpu;
	/* Each of the other n - 1 CPUs ticks HZ times a second: a chance of
	 * rate / (HZ (n - 1)) per tick gives each vCPU `rate` preemptions a
	 * second (capped at one per tick per source). */
	uint64_t threshold = ((uint64_t)rate << 32) / ((uint64_t)CONFIG_HZ * (n - 1));
	for_each_online_cpu(cpu) {
		if (cpu == me)
			continue;
		uint64_t x = rng_next(&rng_state[me]);
		if ((x & 0xffffffffu) >= threshold)
			continue;
		request(cpu, 1 + (unsigned)((x >> 32) % READ_ONCE(model_max_us)));
	}
}

bool pvmodel_nmi(struct trap_frame *f)
{
	unsigned me = smp_processor_id();
	/* Acquire: pairs with request()'s compare-and-exchange (a full
	 * barrier, before the NMI): the duration it stored is read here. */
	uint32_t us = __atomic_load_n(&request_us[me], __ATOMIC_ACQUIRE);
	if (!us)
		return false;
	struct kvm_steal_time *st = &pv_steal_time[me];
	uint64_t t0 = get_cycles();
	/* VM exit: from now on flushers may defer to our entry.  Sequentially
	 * consistent: pairs with the flusher's compare-and-exchange, so our
	 * exchange at entry sees any flag set after this store. */
	__atomic_store_n(&st->preempted, KVM_VCPU_PREEMPTED, __ATOMIC_SEQ_CST);
	trace(PV_PREEMPT, us, 0, 0);        /* in NMI context: kernel/trace/ring.c */
	uint64_t end = t0 + ns_to_tsc((uint64_t)us * 1000);
	while (get_cycles() < end) {
		if (panic_on_other_cpu())
			smp_panic_stop_self(f);         /* the stop NMI is blocked while we are here */
		cpu_relax();
	}
	/* VM entry: take the flag and clear preempted in one step, then
	 * flush (the header says why in that order). */
	uint8_t old = __atomic_exchange_n(&st->preempted, 0, __ATOMIC_SEQ_CST);
	trace(PV_RESUME, old & KVM_VCPU_FLUSH_TLB, 0, 0);
	if ((old & KVM_VCPU_FLUSH_TLB) && !READ_ONCE(pvmodel_test_skip_entry_flush)) {
		arch_flush_tlb_global();
		trace(PV_FLUSH_ENTRY, me, 0, 0);
		WRITE_ONCE(pvmodel_stats[me].flushes_on_entry, pvmodel_stats[me].flushes_on_entry + 1);
	}
	uint64_t ns = (get_cycles() - t0) * 1000000000ull / (tsc_hz ? tsc_hz : 1);
	WRITE_ONCE(pvmodel_stats[me].preempted_ns, pvmodel_stats[me].preempted_ns + ns);
	st->steal += ns;
	/* Release: a walker that reads the new count (pvmodel_resumes) after
	 * its walk knows the walk spanned a preemption. */
	__atomic_store_n(&pvmodel_stats[me].preemptions, pvmodel_stats[me].preemptions + 1, __ATOMIC_RELEASE);
	last_resume_tsc[me] = get_cycles();
	__atomic_store_n(&request_us[me], 0, __ATOMIC_RELEASE);
	return true;
}

bool pvmodel_stray_nmi(void)
{
	uint64_t last = last_resume_tsc[smp_processor_id()];
	return last && get_cycles() - last < ns_to_tsc(5000000);
}

/* pvmodel=rate_hz,max_us,seed (rate 0: off). */
static int set_pvmodel(const char *v)
{
	unsigned long long x[3] = { 0, 1000, 1 };
	char buf[64];
	size_t len = strlen(v);
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, v, len + 1);
	char *p = buf;
	for (int i = 0; i < 3 && p; i++) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		if (kstrtoull(p, 10, &x[i]))
			return -EINVAL;
		p = comma ? comma + 1 : NULL;
	}
	if (p || x[0] > 100000 || x[1] == 0 || x[1] > 1000000)
		return -EINVAL;
	pvmodel_configure((unsigned)x[0], (unsigned)x[1], x[2]);
	return 0;
}
KERNEL_PARAM(pvmodel, "pvmodel", "RATE_HZ,MAX_US,SEED",
	     "paravirt host model: preempt each vCPU RATE_HZ times a second for up to MAX_US", set_pvmodel);
