/*
 * tests/kernel/directed.h - the directed race of the fault and fork
 * suites: one faulter held inside a fault path's window (a test hook of
 * mm/fault.c or mm/cow.c calls directed_window()) while a writer runs
 * exactly one conflicting operation on the faulted page: munmap, or
 * mprotect read-only, or munmap of its whole 2 MiB block (its table freed).  The faulter is let go once the operation is over,
 * or once the writer waits for the faulter's VMA read lock (a correct
 * FAULT=vma: vma_write_waits moved).  The handshake does not depend on
 * time (under TCG the TSC, and so udelay, runs faster than the wall
 * clock); a 20 s bound only keeps a broken run from hanging.
 */
#ifndef TESTS_KERNEL_DIRECTED_H
#define TESTS_KERNEL_DIRECTED_H

#include <stdbool.h>
#include <stdint.h>

struct mm_struct;

/* munmap the page, mprotect it read-only, or munmap the whole 2 MiB block
 * around it (so that its PTE table is freed too, if nothing else maps there). */
enum directed_op { DIRECTED_MUNMAP, DIRECTED_MPROTECT_RO, DIRECTED_MUNMAP_BLOCK };

/** directed_window() - the hook: parks the armed round's faulter at @addr until released. */
void directed_window(uintptr_t addr);

struct ktest;

/**
 * directed_can_run() - skip @t (and say why) where there is no window to
 * race: FAULT=locked (@locked_why: how its lock excludes the writer), or
 * a single CPU.  Return: true if the directed race can run.
 */
bool directed_can_run(struct ktest *t, const char *locked_why);

/** directed_fault_cpu() - an online CPU other than this one (this one if it is alone): the faulter's. */
unsigned directed_fault_cpu(void);

/**
 * directed_round() - one round on page @addr of @mm: a faulter on CPU
 * @fault_cpu writes the page (through the window, where it is parked),
 * then a writer on this CPU runs @op; release; both joined.
 * *@refused: the fault's write was refused (it saw the writer's change).
 * Return: true if the faulter reached the window (the round raced).
 * Context: the caller has installed directed_window() in the hook.
 */
bool directed_round(struct mm_struct *mm, uintptr_t addr, enum directed_op op, unsigned fault_cpu,
		    bool *refused);

#endif
