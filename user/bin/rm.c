/*
 * rm [-r] [-f] PATH... - remove files (-r: directories too, with what
 * they hold; -f: no error for a missing path).  Exit 1 if any failed.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int recursive, force;

static int remove_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (force && errno == ENOENT)
			return 0;
		fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) == 0)
			return 0;
		fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!recursive) {
		fprintf(stderr, "rm: %s: is a directory (use -r)\n", path);
		return 1;
	}
	int status = 0;
	/* Remove the first entry until none is left: the directory changes
	 * under readdir() as we go, so start over each time. */
	for (;;) {
		DIR *d = opendir(path);
		if (!d)
			break;
		struct dirent *e;
		char child[256];
		child[0] = 0;
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
				break;
			}
		closedir(d);
		if (!child[0] || remove_path(child)) {
			status |= child[0] != 0;
			break;
		}
	}
	if (!status && rmdir(path) < 0) {
		fprintf(stderr, "rm: %s: %s\n", path, strerror(errno));
		status = 1;
	}
	return status;
}

int main(int argc, char **argv)
{
	int opt, status = 0;
	while ((opt = getopt(argc, argv, "rf")) != -1) {
		if (opt == 'r')
			recursive = 1;
		else if (opt == 'f')
			force = 1;
		else {
			fprintf(stderr, "usage: rm [-r] [-f] PATH...\n");
			return 2;
		}
	}
	if (optind == argc && !force) {
		fprintf(stderr, "usage: rm [-r] [-f] PATH...\n");
		return 2;
	}
	for (int i = optind; i < argc; i++)
		status |= remove_path(argv[i]);
	return status;
}
