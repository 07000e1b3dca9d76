/*
 * user/lib/start.c - from _start (crt0.asm) to main() and back out: runs
 * main(argc, argv) and hands its value to exit().
 */
#include <stdint.h>
#include <stdlib.h>

#include "user/lib/libc.h"

int main(int argc, char **argv);

/* Highest address of the main thread's stack that the libc knows of. */
uintptr_t __main_stack_top;

void __libc_start(long argc, char **argv, uintptr_t sp) __attribute__((noreturn));

void __libc_start(long argc, char **argv, uintptr_t sp)
{
	/* First, before anything can touch errno (see __thread_self()). */
	__main_stack_top = sp;
	exit(main((int)argc, argv));
}
