/*
 * ls [-l] [PATH...] - list directories (their entries, sorted by name, "."
 * and ".." left out) or name files.  -l: type, size and name per line.
 * No PATH: the working directory.  Exit 1 if any path could not be listed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int long_form;

static void show(const char *dir, const char *name)
{
	if (!long_form) {
		printf("%s\n", name);
		return;
	}
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(dir ? path : name, &st) < 0) {
		printf("?          ? %s\n", name);
		return;
	}
	char type = S_ISDIR(st.st_mode) ? 'd' : S_ISCHR(st.st_mode) ? 'c' :
		    S_ISFIFO(st.st_mode) ? 'p' : '-';
	printf("%c%03o %8ld %s\n", type, st.st_mode & 0777, st.st_size, name);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		show(NULL, path);
		return 0;
	}
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
		return 1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			char **bigger = realloc(names, cap * sizeof(*names));
			if (!bigger)
				break;
			names = bigger;
		}
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		show(path, names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

int main(int argc, char **argv)
{
	int opt, status = 0;
	while ((opt = getopt(argc, argv, "l")) != -1) {
		if (opt != 'l') {
			fprintf(stderr, "usage: ls [-l] [PATH...]\n");
			return 2;
		}
		long_form = 1;
	}
	if (optind == argc)
		return list(".");
	for (int i = optind; i < argc; i++) {
		if (argc - optind > 1)
			printf("%s:\n", argv[i]);
		status |= list(argv[i]);
	}
	return status;
}
