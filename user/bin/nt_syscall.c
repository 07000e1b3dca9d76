/*
 * nt_syscall - attack: enter the kernel with RFLAGS.NT set.  NT is the
 * "nested task" flag of 32-bit hardware task switching; long mode has no
 * task switches, and an IRETQ executed with NT set raises #GP instead of
 * returning.  If SYSCALL left NT set in the kernel, the IRETQ that ends the
 * system call would fault after the exit path had already switched GS back
 * to the user's.  The kernel must mask NT on entry (SFMASK), so every call
 * below works and the flag is still set when we are back; exit status 0.
 * If the kernel does fault on its IRETQ it must kill this process (139),
 * never itself.
 */
#include <stdio.h>
#include <unistd.h>

#include "user/bin/rflags.h"

int main(void)
{
	int bad = 0;
	pid_t pid = getpid();

	printf("nt_syscall: setting RFLAGS.NT, then system calls\n");
	write_rflags(read_rflags() | RFLAGS_NT);
	for (int i = 0; i < 100; i++) {
		/* No printf while NT is set: only the call under test. */
		if (getpid() != pid)
			bad++;
		if (!(read_rflags() & RFLAGS_NT))
			bad++;
	}
	write_rflags(read_rflags() & ~RFLAGS_NT);
	printf("nt_syscall: %s\n", bad ? "wrong results with NT set" : "100 calls with NT set returned");
	return bad ? 1 : 0;
}
