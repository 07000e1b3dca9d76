/*
 * echo [-n] [WORD...] - print the words, separated by spaces, then a
 * newline (not with -n).  One write(), so a line stays whole in a pipe.
 */
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char line[4096];
	size_t n = 0;
	int first = 1, newline = 1;
	if (argc > 1 && !strcmp(argv[1], "-n")) {
		newline = 0;
		first = 2;
	}
	for (int i = first; i < argc; i++) {
		size_t len = strlen(argv[i]);
		if (n + len + 2 > sizeof(line))
			break;                  /* longer than a line: cut */
		if (i > first)
			line[n++] = ' ';
		memcpy(line + n, argv[i], len);
		n += len;
	}
	if (newline)
		line[n++] = '\n';
	return write(1, line, n) == (ssize_t)n ? 0 : 1;
}
