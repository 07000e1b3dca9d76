/*
 * sleeper - sleep, then exit 0: a child that outlives its parent, for the
 * `security` suite's orphan and waitpid cases.
 *
 * Usage: sleeper [MS]   (default 100)
 */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	usleep((argc > 1 ? atoi(argv[1]) : 100) * 1000);
	return 0;
}
