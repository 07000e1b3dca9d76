/*
 * wc [-l] [-w] [-c] [FILE...] - count lines, words and bytes of each file
 * (or standard input); with several files, a total line too.  No option:
 * all three, in that order.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int show_l, show_w, show_c;

struct counts { unsigned long lines, words, bytes; };

static int count(int fd, struct counts *c)
{
	static char buf[4096];
	int in_word = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		c->bytes += (unsigned long)n;
		for (ssize_t i = 0; i < n; i++) {
			char ch = buf[i];
			int space = ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' ||
				    ch == '\v' || ch == '\f';
			c->lines += ch == '\n';
			if (!space && !in_word)
				c->words++;
			in_word = !space;
		}
	}
}

static void show(const struct counts *c, const char *name)
{
	if (show_l)
		printf("%7lu ", c->lines);
	if (show_w)
		printf("%7lu ", c->words);
	if (show_c)
		printf("%7lu ", c->bytes);
	printf("%s\n", name);
}

int main(int argc, char **argv)
{
	int opt, status = 0;
	while ((opt = getopt(argc, argv, "lwc")) != -1) {
		if (opt == 'l')
			show_l = 1;
		else if (opt == 'w')
			show_w = 1;
		else if (opt == 'c')
			show_c = 1;
		else {
			fprintf(stderr, "usage: wc [-l] [-w] [-c] [FILE...]\n");
			return 2;
		}
	}
	if (!show_l && !show_w && !show_c)
		show_l = show_w = show_c = 1;
	struct counts total = { 0, 0, 0 };
	if (optind == argc) {
		if (count(0, &total) < 0) {
			fprintf(stderr, "wc: stdin: %s\n", strerror(errno));
			return 1;
		}
		show(&total, "");
		return 0;
	}
	for (int i = optind; i < argc; i++) {
		struct counts c = { 0, 0, 0 };
		int fd = open(argv[i], O_RDONLY);
		if (fd < 0 || count(fd, &c) < 0) {
			fprintf(stderr, "wc: %s: %s\n", argv[i], strerror(errno));
			status = 1;
		} else {
			show(&c, argv[i]);
		}
		if (fd >= 0)
			close(fd);
		total.lines += c.lines;
		total.words += c.words;
		total.bytes += c.bytes;
	}
	if (argc - optind > 1)
		show(&total, "total");
	return status;
}
