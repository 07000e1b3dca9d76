/*
 * tid_race - attack: make SYS_thread_create return after its thread is
 * gone.  Each new thread exits at once, and the kernel frees an exited user
 * thread by itself; if thread_create read the tid it returns from the
 * thread after starting it, a thread that ran and exited in between would
 * hand back freed memory (the heap's 0x6b6b6b6b poison).  The `security`
 * suite widens that window by interrupting this CPU without pause while
 * the program runs.
 *
 * Each thread writes its gettid() where the creator can see it; the
 * creator joins it and compares with what thread_create returned.
 *
 * Usage: tid_race CPU - pin the creator to CPU.  Exit status: the number
 * of wrong tids (0: all right), or 120 and up if the setup failed.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "user/lib/syscall.h"

#define THREADS 60              /* a process has at most 64 threads in all */
#define STACK   (16 * 1024)

struct slot {
	volatile long tid;          /* the thread's own gettid() */
};

static struct slot slots[THREADS];

/* Entered by the kernel with RDI = the slot and RSP = the top we gave; it
 * never returns (no libc thread descriptor: raw system calls only). */
static void __attribute__((noreturn, used)) child(struct slot *s)
{
	s->tid = syscall0(SYS_gettid);
	syscall1(SYS_exit, 0);
	for (;;)
		__asm__ volatile("ud2");
}

int main(int argc, char **argv)
{
	int cpu = argc > 1 ? atoi(argv[1]) : 0;
	cpu_set_t set;
	int bad = 0;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return 120;
	char *stacks = mmap(NULL, (size_t)THREADS * STACK, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stacks == MAP_FAILED)
		return 121;
	for (int i = 0; i < THREADS; i++) {
		/* 16n - 8, as just after a call: what a C function expects. */
		long top = (long)(stacks + (size_t)(i + 1) * STACK) - 8;
		long tid = syscall3(SYS_thread_create, (long)child, (long)&slots[i], top);
		if (tid < 0) {
			printf("tid_race: thread_create failed: %ld\n", tid);
			return 122;
		}
		int code;
		long r = syscall2(SYS_thread_join, tid, (long)&code);
		if (r != 0 || tid != slots[i].tid) {
			if (bad++ < 3)
				printf("tid_race: thread_create returned %#lx for thread %ld (join: %ld)\n",
				       tid, slots[i].tid, r);
		}
	}
	printf("tid_race: %d threads, %d wrong tids\n", THREADS, bad);
	return bad;
}
