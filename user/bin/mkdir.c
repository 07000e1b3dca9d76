/*
 * mkdir [-p] DIR... - make directories (-p: the missing parents too, and
 * no error if one exists).  Exit 1 if any failed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int make_parents(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int r = mkdir(path, 0755);
		*p = '/';
		if (r < 0 && errno != EEXIST)
			return -1;
	}
	int r = mkdir(path, 0755);
	return r < 0 && errno == EEXIST ? 0 : r;
}

int main(int argc, char **argv)
{
	int parents = 0, opt, status = 0;
	while ((opt = getopt(argc, argv, "p")) != -1) {
		if (opt != 'p') {
			fprintf(stderr, "usage: mkdir [-p] DIR...\n");
			return 2;
		}
		parents = 1;
	}
	if (optind == argc) {
		fprintf(stderr, "usage: mkdir [-p] DIR...\n");
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		char path[256];
		if (strlcpy(path, argv[i], sizeof(path)) >= sizeof(path)) {
			fprintf(stderr, "mkdir: %s: name too long\n", argv[i]);
			status = 1;
			continue;
		}
		if ((parents ? make_parents(path) : mkdir(path, 0755)) < 0) {
			fprintf(stderr, "mkdir: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		}
	}
	return status;
}
