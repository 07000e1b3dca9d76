/*
 * kernel/printk_nmi.c - printk from NMI context: per-CPU buffers, flushed
 * later by a CPU that may take printk_lock.
 *
 * Why.  An NMI arrives with IRQs off, at any instruction: possibly while
 * its own CPU holds printk_lock (a recursive acquisition), or while another
 * CPU does, so that the NMI handler waits.  A waiter that spins long enough
 * halts until the unlocker kicks it, and the kick is itself an NMI, which
 * stays blocked until this NMI handler returns: the CPU never runs again.
 * So printk in NMI context never takes a lock and never waits.  It appends
 * its whole, formatted line to this CPU's NMI buffer; the next printk
 * outside NMI context (any CPU), or the next timer tick (any CPU), moves the
 * buffered lines into log_buf and the consoles under printk_lock, ahead of
 * its own line.  Linux does the same with its per-CPU "printk_safe"/NMI
 * buffers and irq_work.
 *
 * Guarantees.  A line is stored whole or not at all; a line that does not
 * fit is dropped and counted, and the flusher prints the count ("N bytes of
 * NMI output lost").  Lines keep their order per CPU and carry the time
 * they were written.  After panic() the buffers are flushed without the
 * lock, as every printk then is.
 *
 * Ordering.  Each buffer has one writer (its CPU's NMI handler: NMIs do not
 * nest) and one reader at a time (the flusher, under printk_lock): a
 * single-producer single-consumer ring.
 *   writer (NMI on CPU c)                 flusher (printk_lock held)
 *   N1 t = load_acquire(tail)     <-pair-  F3 store_release(tail, h)
 *   N2 copy the line into [head..)
 *   N3 store_release(head, h + n) -pair->  F1 h = load_acquire(head)
 *   N4 xchg(pending, 1)                    F2 copy [tail..h) out
 * F1/N3: the flusher reads only bytes whose store happened before the head
 * that covers them.  N1/F3: the writer overwrites only bytes the flusher
 * has finished copying.  The global `pending` flag is set after the head
 * (N4 is a full barrier after N3) and taken with an exchange before the
 * heads are read, so a flusher that finds it clear missed no line that
 * the flag announced: that line's N4 comes later and a later flush sees it.
 */
#include "kernel/printk.h"
#include "kernel/printk_nmi.h"
#include "kernel/percpu.h"
#include "kernel/smp.h"
#include "lib/compiler.h"
#include "lib/printf.h"

#define NMI_LOG_SIZE 4096u              /* a power of two */

static struct nmi_log {
	char buf[NMI_LOG_SIZE];
	uint32_t head;                  /* bytes ever written (the NMI writer) */
	uint32_t tail;                  /* bytes ever flushed (the flusher) */
	uint32_t lost;                  /* bytes dropped since the last flush */
} __aligned(64) nmi_log[NR_CPUS];

static int pending;                     /* some buffer may hold a line */

bool printk_nmi_store(const char *s, size_t n)
{
	struct nmi_log *l = &nmi_log[smp_processor_id()];
	uint32_t h = l->head;                                   /* our own */
	uint32_t t = smp_load_acquire(&l->tail);                /* N1: pairs with F3 */
	if (n > NMI_LOG_SIZE - (h - t)) {
		__atomic_fetch_add(&l->lost, (uint32_t)n, __ATOMIC_RELAXED);
		__atomic_exchange_n(&pending, 1, __ATOMIC_SEQ_CST);
		return false;
	}
	for (size_t i = 0; i < n; i++)                          /* N2 */
		l->buf[(h + i) % NMI_LOG_SIZE] = s[i];
	smp_store_release(&l->head, h + (uint32_t)n);           /* N3: pairs with F1 */
	__atomic_exchange_n(&pending, 1, __ATOMIC_SEQ_CST);     /* N4: after N3 */
	return true;
}

bool printk_nmi_pending(void)
{
	return READ_ONCE(pending) != 0;
}

void printk_nmi_drain(void (*emit)(const char *s, size_t n))
{
	/* Take the flag before reading any head (a full barrier): see the
	 * header for why a clear flag means nothing was missed. */
	if (!__atomic_exchange_n(&pending, 0, __ATOMIC_SEQ_CST))
		return;
	unsigned cpu;
	for_each_online_cpu(cpu) {
		struct nmi_log *l = &nmi_log[cpu];
		uint32_t lost = __atomic_exchange_n(&l->lost, 0, __ATOMIC_RELAXED);
		uint32_t t = l->tail;                           /* ours, under printk_lock */
		uint32_t h = smp_load_acquire(&l->head);        /* F1: pairs with N3 */
		while (t != h) {                                /* F2 */
			uint32_t off = t % NMI_LOG_SIZE;
			uint32_t chunk = NMI_LOG_SIZE - off;
			if (chunk > h - t)
				chunk = h - t;
			emit(l->buf + off, chunk);
			t += chunk;
		}
		smp_store_release(&l->tail, t);                 /* F3: pairs with N1 */
		if (lost) {
			char msg[80];
			int m = snprintf(msg, sizeof(msg), "[CPU %u: %u bytes of NMI output lost]\n",
					 cpu, lost);
			emit(msg, (size_t)m);
		}
	}
}
