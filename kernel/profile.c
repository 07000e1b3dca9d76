/*
 * kernel/profile.c - the sampling profiler: buffers, the sample, queries.
 *
 * Each online CPU gets a struct profile_cpu the first time profiling is
 * switched on: a histogram of u32 counters, one per 1 << PROFILE_SHIFT
 * bytes of kernel text, plus counts of user samples and of kernel samples
 * outside the text.  The buffers are never freed, so a reader (or a tick
 * that read the pointer just before profiling went off) can never touch
 * freed memory, and nothing needs RCU or a lock to read them.
 *
 * The invariant: a CPU's buffer has one writer at a time, that CPU with
 * IRQs off - its tick (profile_sample()) or the clear it is asked to run
 * in a cross-CPU call (profile_clear()).  So the counters need no atomic
 * read-modify-write; other CPUs only read them (READ_ONCE: a snapshot that
 * races with running ticks, and is exact once they are stopped or idle).
 *
 * A tick-based profiler sees only what runs with IRQs on: the tick is an
 * interrupt, so a stretch with IRQs off (a spinlock taken with irqsave, a
 * cross-CPU call handler, a lockless walker under TABLE_FREE=ipi) is
 * charged to the instruction where IRQs came back on.  docs/performance.md
 * says so for readers of the output.
 */
#include "kernel/profile.h"
#include "kernel/cpumask.h"
#include "kernel/errno.h"
#include "kernel/irqflags.h"
#include "kernel/ksyms.h"
#include "kernel/params.h"
#include "kernel/percpu.h"
#include "kernel/printk.h"
#include "kernel/smp.h"
#include "kernel/trap_hooks.h"
#include "kernel/locking/spinlock.h"
#include "kernel/sched/thread.h"
#include "kernel/proc/process.h"
#include "mm/kmalloc.h"
#include "asm/traps.h"
#include "lib/string.h"

extern char __text_start[], __text_end[];

struct profile_cpu {
	uint32_t *hist;             /* profile_buckets() counters */
	struct profile_counts counts;
	struct profile_user progs[PROFILE_USER_PROGS];
	uint64_t user_other;        /* user samples of programs beyond the table */
	struct profile_block blocks[PROFILE_BLOCK_SITES];
	uint64_t blocks_other;      /* sleeps at places beyond the table */
};

bool profile_on;
static struct profile_cpu *profile_cpus[NR_CPUS];  /* published once, never freed */
static bool profile_boot_on;    /* profile=1 on the command line */
/* Serializes start, clear and the histogram walk; the tick never takes it. */
DEFINE_SPINLOCK(profile_lock);

static unsigned profile_buckets(void)
{
	return (unsigned)(((uintptr_t)__text_end - (uintptr_t)__text_start) >> PROFILE_SHIFT);
}

/*
 * The buffer of @cpu, or NULL.  The acquire pairs with the
 * smp_store_release() in profile_start(): whoever sees the pointer sees
 * the zeroed buffer behind it.
 */
static struct profile_cpu *profile_cpu(unsigned cpu)
{
	return smp_load_acquire(&profile_cpus[cpu]);
}

static void count_user(struct profile_cpu *p, const char *name)
{
	for (int i = 0; i < PROFILE_USER_PROGS; i++) {
		struct profile_user *u = &p->progs[i];
		if (u->samples == 0) {
			/* A free slot: the name first, then the count that
			 * makes it visible.  The release pairs with the acquire
			 * in merge_user(): a reader that sees the count sees the
			 * whole name.  (Byte PROFILE_NAME_MAX - 1 is never
			 * written, so even a racing reader finds a NUL.) */
			strlcpy(u->name, name, PROFILE_NAME_MAX);
			smp_store_release(&u->samples, 1);
			return;
		}
		if (strncmp(u->name, name, PROFILE_NAME_MAX - 1) == 0) {
			WRITE_ONCE(u->samples, u->samples + 1);
			return;
		}
	}
	WRITE_ONCE(p->user_other, p->user_other + 1);
}

void profile_sample(const struct trap_frame *f)
{
	struct profile_cpu *p = profile_cpu(smp_processor_id()); /* hard IRQ: cannot migrate */
	if (!p)                     /* came online after profiling was switched on */
		return;
	if (trap_from_user(f)) {
		WRITE_ONCE(p->counts.user, p->counts.user + 1);
		/* current runs here and now: its process outlives this tick. */
		struct process *proc = current->proc;
		count_user(p, proc ? proc->name : "?");
		return;
	}
	uintptr_t off = trap_instruction_pointer(f) - (uintptr_t)__text_start;
	unsigned b = (unsigned)(off >> PROFILE_SHIFT);
	if (off >= (uintptr_t)__text_end - (uintptr_t)__text_start) {
		WRITE_ONCE(p->counts.outside, p->counts.outside + 1);
		return;
	}
	WRITE_ONCE(p->hist[b], p->hist[b] + 1);
	WRITE_ONCE(p->counts.kernel, p->counts.kernel + 1);
}

void profile_note_block(uintptr_t where, uintptr_t from)
{
	/* The table is this CPU's.  With IRQs off no preemption can move us
	 * to another CPU between finding it and updating it, and the clear
	 * (profile_clear_local(), a cross-CPU call: an interrupt here) cannot
	 * interleave.  Readers on other CPUs read each field once (marked). */
	unsigned long flags;
	local_irq_save(flags);
	struct profile_cpu *p = profile_cpu(smp_processor_id());
	if (p) {
		int i = 0;
		while (i < PROFILE_BLOCK_SITES && p->blocks[i].where &&
		       (p->blocks[i].where != where || p->blocks[i].from != from))
			i++;
		if (i == PROFILE_BLOCK_SITES) {
			WRITE_ONCE(p->blocks_other, p->blocks_other + 1);
		} else {
			if (!p->blocks[i].where) {
				WRITE_ONCE(p->blocks[i].from, from);
				WRITE_ONCE(p->blocks[i].where, where);
			}
			WRITE_ONCE(p->blocks[i].count, p->blocks[i].count + 1);
		}
	}
	local_irq_restore(flags);
}

/* Add @b's count to the entry of out[0..*have) with the same pair, or
 * append it; @cap entries at most (the rest go to *other). */
static void merge_block(struct profile_block *out, int *have, int cap,
			const struct profile_block *b, uint64_t *other)
{
	for (int i = 0; i < *have; i++) {
		if (out[i].where == b->where && out[i].from == b->from) {
			out[i].count += b->count;
			return;
		}
	}
	if (*have < cap)
		out[(*have)++] = *b;
	else
		*other += b->count;
}

int profile_top_blocks(struct profile_block *out, int n, uint64_t *other)
{
	struct profile_block all[PROFILE_BLOCK_SITES];
	int have = 0;
	*other = 0;
	for (unsigned c = 0; c < NR_CPUS; c++) {
		struct profile_cpu *p = profile_cpu(c);
		if (!p)
			continue;
		*other += READ_ONCE(p->blocks_other);
		for (int i = 0; i < PROFILE_BLOCK_SITES; i++) {
			struct profile_block b = {
				.where = READ_ONCE(p->blocks[i].where),
				.from = READ_ONCE(p->blocks[i].from),
				.count = READ_ONCE(p->blocks[i].count),
			};
			if (b.where && b.count)
				merge_block(all, &have, PROFILE_BLOCK_SITES, &b, other);
		}
	}
	/* Most first: a selection sort of at most 16. */
	for (int i = 0; i < have; i++)
		for (int k = i + 1; k < have; k++)
			if (all[k].count > all[i].count) {
				struct profile_block t = all[i];
				all[i] = all[k];
				all[k] = t;
			}
	if (n > have)
		n = have;
	for (int i = 0; i < n; i++)
		out[i] = all[i];
	for (int i = n; i < have; i++)
		*other += all[i].count;
	return n;
}

int profile_start(void)
{
	int err = 0;
	unsigned cpu;
	spin_lock(&profile_lock);
	for_each_online_cpu(cpu) {
		if (profile_cpus[cpu])
			continue;
		struct profile_cpu *p = kzalloc(sizeof(*p));
		uint32_t *hist = kzalloc((size_t)profile_buckets() * sizeof(uint32_t));
		if (!p || !hist) {
			kfree(p);
			kfree(hist);
			err = -ENOMEM;
			break;
		}
		p->hist = hist;
		/* Pairs with the acquire in profile_cpu(): the zeroes before the pointer. */
		smp_store_release(&profile_cpus[cpu], p);
	}
	if (!err)
		WRITE_ONCE(profile_on, true);
	spin_unlock(&profile_lock);
	return err;
}

void profile_stop(void)
{
	WRITE_ONCE(profile_on, false);
}

/* On each CPU, in a cross-CPU call (IRQs off): zero its own buffer. */
static void profile_clear_local(void *arg)
{
	(void)arg;
	struct profile_cpu *p = profile_cpu(smp_processor_id());
	if (!p)
		return;
	unsigned n = profile_buckets();
	for (unsigned b = 0; b < n; b++)
		WRITE_ONCE(p->hist[b], 0);
	WRITE_ONCE(p->counts.kernel, 0);
	WRITE_ONCE(p->counts.user, 0);
	WRITE_ONCE(p->counts.outside, 0);
	WRITE_ONCE(p->user_other, 0);
	for (int i = 0; i < PROFILE_USER_PROGS; i++) {
		WRITE_ONCE(p->progs[i].samples, 0);     /* frees the slot first */
		memset(p->progs[i].name, 0, PROFILE_NAME_MAX);
	}
	for (int i = 0; i < PROFILE_BLOCK_SITES; i++) {
		WRITE_ONCE(p->blocks[i].count, 0);
		WRITE_ONCE(p->blocks[i].where, 0);
		WRITE_ONCE(p->blocks[i].from, 0);
	}
	WRITE_ONCE(p->blocks_other, 0);
}

void profile_clear(void)
{
	unsigned cpu;
	spin_lock(&profile_lock);
	for_each_online_cpu(cpu)
		if (profile_cpu(cpu))
			smp_call_function_single(cpu, profile_clear_local, NULL, true);
	lock_stats_reset();
	spin_unlock(&profile_lock);
}

struct profile_counts profile_counts(int cpu)
{
	struct profile_counts sum = { 0, 0, 0 };
	for (unsigned c = 0; c < NR_CPUS; c++) {
		struct profile_cpu *p = profile_cpu(c);
		if (!p || (cpu >= 0 && (unsigned)cpu != c))
			continue;
		sum.kernel += READ_ONCE(p->counts.kernel);
		sum.user += READ_ONCE(p->counts.user);
		sum.outside += READ_ONCE(p->counts.outside);
	}
	return sum;
}

/*
 * The buffers a query reads: @cpu's, or every CPU's (@cpu < 0).  Looked
 * up once per query, so a walk of the histogram reads only these.
 */
static int query_buffers(int cpu, struct profile_cpu **out)
{
	int n = 0;
	for (unsigned c = 0; c < NR_CPUS; c++) {
		struct profile_cpu *p = profile_cpu(c);
		if (p && (cpu < 0 || (unsigned)cpu == c))
			out[n++] = p;
	}
	return n;
}

/* Insert @s into @out[0..*have), kept sorted by samples, most first, at most @n. */
static void top_insert(struct profile_sym *out, int *have, int n, const struct profile_sym *s)
{
	if (s->samples == 0 || (*have == n && out[n - 1].samples >= s->samples))
		return;
	int i = *have < n ? (*have)++ : n - 1;
	while (i > 0 && out[i - 1].samples < s->samples) {
		out[i] = out[i - 1];
		i--;
	}
	out[i] = *s;
}

int profile_top(int cpu, struct profile_sym *out, int n)
{
	static struct profile_cpu *bufs[NR_CPUS];   /* under profile_lock */
	int have = 0;
	if (n <= 0)
		return 0;
	spin_lock(&profile_lock);
	int nbufs = query_buffers(cpu, bufs);
	/*
	 * The buckets ascend through the text, so each function's buckets
	 * come one after another: sum a run of buckets with the same symbol
	 * start, then offer it to the table.  A bucket belongs to the
	 * function its first byte is in.
	 */
	struct profile_sym cur = { .name = NULL, .start = 0, .samples = 0 };
	unsigned nb = profile_buckets();
	for (unsigned b = 0; b < nb; b++) {
		uint64_t s = 0;
		for (int i = 0; i < nbufs; i++)
			s += READ_ONCE(bufs[i]->hist[b]);
		if (!s)
			continue;
		uintptr_t addr = (uintptr_t)__text_start + ((uintptr_t)b << PROFILE_SHIFT), off = 0;
		const char *name = ksym_lookup(addr, &off);
		uintptr_t start = name ? addr - off : addr;
		if (cur.samples && start == cur.start && name == cur.name) {
			cur.samples += s;
			cur.last = b;
			continue;
		}
		top_insert(out, &have, n, &cur);
		cur = (struct profile_sym){ .name = name, .start = start, .samples = s, .first = b, .last = b };
	}
	top_insert(out, &have, n, &cur);
	spin_unlock(&profile_lock);
	return have;
}

uint64_t profile_sym_samples(const struct profile_sym *s, unsigned cpu)
{
	struct profile_cpu *p = cpu < NR_CPUS ? profile_cpu(cpu) : NULL;
	uint64_t n = 0;
	if (!p)
		return 0;
	for (unsigned b = s->first; b <= s->last; b++)
		n += READ_ONCE(p->hist[b]);
	return n;
}

/* Add @samples of program @name to the table @t of @len entries (the last: "(other)"). */
static void merge_user(struct profile_user *t, int len, const char *name, uint64_t samples)
{
	for (int i = 0; i < len - 1; i++) {
		if (t[i].samples == 0)
			strlcpy(t[i].name, name, PROFILE_NAME_MAX);
		if (strcmp(t[i].name, name) == 0) {
			t[i].samples += samples;
			return;
		}
	}
	t[len - 1].samples += samples;
}

int profile_top_user(int cpu, struct profile_user *out, int n)
{
	struct profile_user t[4 * PROFILE_USER_PROGS + 1];
	int len = (int)(sizeof(t) / sizeof(t[0]));
	memset(t, 0, sizeof(t));
	strlcpy(t[len - 1].name, "(other)", PROFILE_NAME_MAX);
	for (unsigned c = 0; c < NR_CPUS; c++) {
		struct profile_cpu *p = profile_cpu(c);
		if (!p || (cpu >= 0 && (unsigned)cpu != c))
			continue;
		for (int i = 0; i < PROFILE_USER_PROGS; i++) {
			/* Pairs with the release in count_user(): the name is whole. */
			uint64_t s = smp_load_acquire(&p->progs[i].samples);
			if (s) {
				char name[PROFILE_NAME_MAX];
				memcpy(name, p->progs[i].name, PROFILE_NAME_MAX);
				name[PROFILE_NAME_MAX - 1] = 0;
				merge_user(t, len, name, s);
			}
		}
		t[len - 1].samples += READ_ONCE(p->user_other);
	}
	int have = 0;
	while (have < n) {              /* selection: the tables are tiny */
		int best = -1;
		for (int i = 0; i < len; i++)
			if (t[i].samples && (best < 0 || t[i].samples > t[best].samples))
				best = i;
		if (best < 0)
			break;
		out[have++] = t[best];
		t[best].samples = 0;
	}
	return have;
}

#define TOP_LOCKS_MAX 32

struct top_locks {
	struct lock_class **out;
	uint64_t spun[TOP_LOCKS_MAX];   /* out[i]'s cycles when it was ranked */
	int n, have;
};

static void offer_lock(struct lock_class *c, void *ctx)
{
	struct top_locks *t = ctx;
	uint64_t spun = READ_ONCE(c->spin_cycles);     /* racing with spinners: one read */
	if (!spun || (t->have == t->n && t->spun[t->n - 1] >= spun))
		return;
	int i = t->have < t->n ? t->have++ : t->n - 1;
	while (i > 0 && t->spun[i - 1] < spun) {
		t->out[i] = t->out[i - 1];
		t->spun[i] = t->spun[i - 1];
		i--;
	}
	t->out[i] = c;
	t->spun[i] = spun;
}

int profile_top_locks(struct lock_class **out, int n)
{
	struct top_locks t = { .out = out, .n = n < TOP_LOCKS_MAX ? n : TOP_LOCKS_MAX, .have = 0 };
	if (t.n > 0)
		lock_class_for_each(offer_lock, &t);
	return t.have;
}

static int set_profile(const char *v)
{
	if (strcmp(v, "1") == 0 || strcmp(v, "on") == 0)
		profile_boot_on = true;
	else if (strcmp(v, "0") == 0 || strcmp(v, "off") == 0)
		profile_boot_on = false;
	else
		return -EINVAL;
	return 0;
}
KERNEL_PARAM(profile, "profile", "1|on|0|off",
	     "sample the CPUs at every tick from boot on (monitor: profile show)", set_profile);

void profile_boot(void)
{
	/* Not from the parameter's handler: that runs before the heap and
	 * before the other CPUs are online, and each needs a buffer. */
	if (!profile_boot_on)
		return;
	int err = profile_start();
	if (err)
		pr_warn("profile: cannot switch on (%d)\n", err);
	else
		pr_info("profile: on, %u CPUs, %u buckets of %u bytes each\n", num_online_cpus(),
			profile_buckets(), 1u << PROFILE_SHIFT);
}
