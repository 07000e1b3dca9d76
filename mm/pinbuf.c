/*
 * mm/pinbuf.c - registered buffers and the "device" that writes them
 * (system calls SYS_pinbuf_*), and the gup_test call (SYS_gup_test).
 *
 * A process registers a buffer: its pages are pinned with
 * pin_user_pages_fast(FOLL_WRITE) and handed to the device, a kernel
 * thread on another CPU that, every millisecond, writes { PINBUF_DEV_MAGIC,
 * pass number } at the start of each pinned page through the kernel's
 * direct map, as a DMA engine writes physical memory: it never looks at
 * the process's page tables.  The pin is on the frames, not the mapping:
 * after munmap the device goes on writing the same frames (now reachable
 * from no address of the process; they are freed only at unregister), and
 * the process, mapping the address again, faults in a fresh zero page that
 * the device never sees.  user/bin/pinbuf_demo.c shows it.
 *
 * Locking: pinbuf_lock (IRQs off) guards the table and is held while the
 * device writes a buffer, so that once unregister has taken an entry out
 * under it, no write to its pages can follow, and unpinning is safe.
 */
#include "mm/pinbuf.h"
#include "mm/gup.h"
#include "mm/kmalloc.h"
#include "mm/mm.h"
#include "mm/page.h"
#include "kernel/errno.h"
#include "kernel/locking/spinlock.h"
#include "kernel/proc/syscall.h"
#include "kernel/proc/uapi/syscall.h"
#include "kernel/sched/sched.h"
#include "kernel/sched/thread.h"
#include "kernel/smp.h"
#include "mm/uaccess.h"
#include "asm/cpu.h"
#include "asm/page.h"

struct pinbuf {
	struct mm_struct *owner;    /* NULL: the slot is free */
	long nr;
	struct page **pages;
};

static struct pinbuf bufs[PINBUF_MAX];
static bool device_running;
static unsigned long device_passes;
DEFINE_SPINLOCK(pinbuf_lock);

/* The device: write every registered page, then sleep; leave when no
 * buffer is left (the next register starts it again). */
static void device_thread(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned long flags;
		bool any = false;
		spin_lock_irqsave(&pinbuf_lock, flags);
		/* WRITE_ONCE: pinbuf_device_passes() reads it without the lock. */
		unsigned long pass = device_passes + 1;
		WRITE_ONCE(device_passes, pass);
		for (int i = 0; i < PINBUF_MAX; i++) {
			if (!bufs[i].owner)
				continue;
			any = true;
			for (long j = 0; j < bufs[i].nr; j++) {
				uint64_t *kva = page_address(bufs[i].pages[j]);
				WRITE_ONCE(kva[0], PINBUF_DEV_MAGIC);
				WRITE_ONCE(kva[1], pass);
			}
		}
		if (!any)
			device_running = false;
		spin_unlock_irqrestore(&pinbuf_lock, flags);
		if (!any)
			return;
		msleep(1);
	}
}

unsigned long pinbuf_device_passes(void) { return READ_ONCE(device_passes); }

static long sys_pinbuf_register(uint64_t addr, uint64_t len, uint64_t write, uint64_t a3, uint64_t a4,
				uint64_t a5)
{
	(void)a3, (void)a4, (void)a5;
	struct mm_struct *mm = current->mm;
	if (!mm || (addr & (PAGE_SIZE - 1)) || len == 0 || len > (uint64_t)PINBUF_MAX_PAGES * PAGE_SIZE)
		return -EINVAL;
	long nr = (long)((len + PAGE_SIZE - 1) >> PAGE_SHIFT);
	struct page **pages = kmalloc((size_t)nr * sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	long got = pin_user_pages_fast(addr, nr, write ? FOLL_WRITE : 0, pages);
	if (got != nr) {
		/* All or nothing, as io_uring's buffer registration. */
		if (got > 0)
			unpin_user_pages(pages, got);
		kfree(pages);
		return got < 0 ? got : -EFAULT;
	}
	unsigned long flags;
	int id = -1;
	bool start = false;
	spin_lock_irqsave(&pinbuf_lock, flags);
	for (int i = 0; i < PINBUF_MAX && id < 0; i++)
		if (!bufs[i].owner) {
			bufs[i] = (struct pinbuf){ .owner = mm, .nr = nr, .pages = pages };
			id = i;
		}
	if (id >= 0 && !device_running)
		start = device_running = true;
	spin_unlock_irqrestore(&pinbuf_lock, flags);
	if (id < 0) {
		unpin_user_pages(pages, nr);
		kfree(pages);
		return -EBUSY;
	}
	if (start) {
		/* Another CPU than ours, where there is one: a device works
		 * beside the CPUs that run the process. */
		cpumask_t on = { 0 };
		cpumask_set_cpu((smp_processor_id() + 1) % num_online_cpus(), &on);
		if (!thread_create("pinbuf-dev", device_thread, NULL, &on, THREAD_DETACHED)) {
			spin_lock_irqsave(&pinbuf_lock, flags);
			device_running = false;     /* no device: the buffer stays pinned, unwritten */
			spin_unlock_irqrestore(&pinbuf_lock, flags);
		}
	}
	return id;
}

/* Take entry @id of @mm out of the table (NULL if it is not one). */
static struct pinbuf take(struct mm_struct *mm, uint64_t id)
{
	struct pinbuf b = { 0 };
	unsigned long flags;
	spin_lock_irqsave(&pinbuf_lock, flags);
	if (id < PINBUF_MAX && bufs[id].owner == mm) {
		b = bufs[id];
		bufs[id].owner = NULL;
	}
	spin_unlock_irqrestore(&pinbuf_lock, flags);
	return b;
}

static void release(struct pinbuf *b)
{
	unpin_user_pages(b->pages, b->nr);
	kfree(b->pages);
}

static long sys_pinbuf_unregister(uint64_t id, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	struct pinbuf b = take(current->mm, id);
	if (!b.owner)
		return -EINVAL;
	release(&b);
	return 0;
}

void pinbuf_release_mm(struct mm_struct *mm)
{
	for (uint64_t id = 0; id < PINBUF_MAX; id++) {
		struct pinbuf b = take(mm, id);
		if (b.owner)
			release(&b);
	}
}

static long sys_pinbuf_peek(uint64_t id, uint64_t page, uint64_t out, uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)a3, (void)a4, (void)a5;
	uint64_t v[2];
	unsigned long flags;
	long r = -EINVAL;
	spin_lock_irqsave(&pinbuf_lock, flags);
	if (id < PINBUF_MAX && bufs[id].owner == current->mm && page < (uint64_t)bufs[id].nr) {
		const uint64_t *kva = page_address(bufs[id].pages[page]);
		v[0] = READ_ONCE(kva[0]);
		v[1] = READ_ONCE(kva[1]);
		r = 0;
	}
	spin_unlock_irqrestore(&pinbuf_lock, flags);
	if (r == 0 && copy_to_user((void *)out, v, sizeof(v)))
		r = -EFAULT;
	return r;
}

/* gup_test: take @nr pages at @addr as the flags say, time the call in
 * cycles (*@cycles_out), release them.  Return: pages taken, or an errno. */
static long sys_gup_test(uint64_t addr, uint64_t nr, uint64_t tflags, uint64_t cycles_out, uint64_t a4,
			 uint64_t a5)
{
	(void)a4, (void)a5;
	if (tflags & ~(uint64_t)(GUP_TEST_FAST | GUP_TEST_SLOW | GUP_TEST_PIN | GUP_TEST_WRITE) ||
	    nr == 0 || nr > PINBUF_MAX_PAGES)
		return -EINVAL;
	unsigned f = (tflags & GUP_TEST_FAST ? FOLL_FAST_ONLY : 0) | (tflags & GUP_TEST_SLOW ? FOLL_SLOW_ONLY : 0) |
		     (tflags & GUP_TEST_PIN ? FOLL_PIN : 0) | (tflags & GUP_TEST_WRITE ? FOLL_WRITE : 0);
	struct page **pages = kmalloc(nr * sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	uint64_t t0 = get_cycles();
	long got = get_user_pages_fast(addr, (long)nr, f, pages);
	uint64_t dt = get_cycles() - t0;
	if (got > 0) {
		if (f & FOLL_PIN)
			unpin_user_pages(pages, got);
		else
			put_user_pages(pages, got);
	}
	kfree(pages);
	if (cycles_out && copy_to_user((void *)cycles_out, &dt, sizeof(dt)))
		return -EFAULT;
	return got;
}

SYSCALL_EXTENSION(pinbuf_register, SYS_pinbuf_register, sys_pinbuf_register);
SYSCALL_EXTENSION(pinbuf_unregister, SYS_pinbuf_unregister, sys_pinbuf_unregister);
SYSCALL_EXTENSION(pinbuf_peek, SYS_pinbuf_peek, sys_pinbuf_peek);
SYSCALL_EXTENSION(gup_test, SYS_gup_test, sys_gup_test);
