/*
 * user/lib/getopt.c - POSIX getopt(): short options, "a:" for an option
 * with an argument (attached, "-afile", or the next word), "--" ends the
 * options, a leading ':' in optstring makes a missing argument return ':'
 * instead of '?' (and print nothing).  Options must come first: the first
 * word that is not an option ends them (no GNU permutation).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

char *optarg;
int optind = 1, opterr = 1, optopt;
static int nextchar;		/* position inside argv[optind] */

int getopt(int argc, char *const argv[], const char *optstring)
{
	optarg = NULL;
	if (nextchar == 0) {
		if (optind >= argc || argv[optind][0] != '-' || !argv[optind][1])
			return -1;
		if (!strcmp(argv[optind], "--")) {
			optind++;
			return -1;
		}
		nextchar = 1;
	}
	const char *word = argv[optind];
	int c = (unsigned char)word[nextchar++];
	const char *spec = c == ':' ? NULL : strchr(optstring, c);
	bool quiet = optstring[0] == ':';
	if (!word[nextchar]) {
		optind++;
		nextchar = 0;
	}
	if (!spec) {
		optopt = c;
		if (opterr && !quiet)
			fprintf(stderr, "%s: unknown option -%c\n", argv[0], c);
		return '?';
	}
	if (spec[1] != ':')
		return c;
	if (nextchar) {			/* "-ofile" */
		optarg = (char *)word + nextchar;
		optind++;
		nextchar = 0;
	} else if (optind < argc) {	/* "-o file" */
		optarg = argv[optind++];
	} else {
		optopt = c;
		if (opterr && !quiet)
			fprintf(stderr, "%s: option -%c needs an argument\n", argv[0], c);
		return quiet ? ':' : '?';
	}
	return c;
}
