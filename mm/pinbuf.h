/*
 * mm/pinbuf.h - registered buffers: the long-term pins GUP exists for
 * (io_uring's registered buffers, RDMA memory regions, device DMA), made
 * small enough to watch.  See pinbuf.c and docs/gup.md.
 */
#ifndef MM_PINBUF_H
#define MM_PINBUF_H

struct mm_struct;

/**
 * pinbuf_release_mm() - unregister every buffer @mm registered (its last
 * thread is leaving; io_uring does the same when the ring is closed).
 * Context: process context, may sleep.
 */
void pinbuf_release_mm(struct mm_struct *mm);

/** pinbuf_device_passes() - passes the device thread made over the registered buffers. */
unsigned long pinbuf_device_passes(void);

#endif
