/*
 * user/lib/start.c - from _start (crt0.asm) to main() and back out: runs
 * main(argc, argv, envp) and hands its value to exit().  envp follows
 * argv's NULL on the entry stack (execve() put it there); it is also
 * `environ`, which getenv() reads.
 */
#include <stdint.h>
#include <stdlib.h>

#include "user/lib/libc.h"

int main(int argc, char **argv, char **envp);

char **environ;

/* Highest address of the main thread's stack that the libc knows of. */
uintptr_t __main_stack_top;

void __libc_start(long argc, char **argv, uintptr_t sp) __attribute__((noreturn));

void __libc_start(long argc, char **argv, uintptr_t sp)
{
	/* First, before anything can touch errno (see __thread_self()). */
	__main_stack_top = sp;
	environ = argv + argc + 1;
	exit(main((int)argc, argv, environ));
}
