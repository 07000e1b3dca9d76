/*
 * hello - the first user program: says who and where it is, and echoes
 * its arguments (checks the process entry ABI: argc, argv, the stack).
 */
#include <sched.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	printf("hello from user space, pid %d, cpu %d\n", getpid(), sched_getcpu());
	printf("argc = %d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("argv[%d] = \"%s\"\n", i, argv[i]);
	if (argv[argc] != NULL) {
		printf("argv[argc] is not NULL\n");
		return 1;
	}
	return 0;
}
