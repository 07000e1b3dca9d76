/*
 * fs_pipe MODE - pipes from user space.
 *
 *   threads   a writer thread on another CPU streams 96 KiB through a
 *             pipe to main (blocking both ways: the pipe holds 4 KiB),
 *             then three writers send 64-byte records at once: each record
 *             arrives whole (writes up to PIPE_BUF are atomic) and each
 *             writer's records in order; after the last writer closes,
 *             read() gives 0.  Exit status: failed checks.
 *   sigpipe   closes the read end and writes: the kernel kills it
 *             (SIGPIPE).  Exit 3 if the write came back instead.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CHECKS_PROG "fs_pipe"
#include "checks.h"

#define STREAM (96 * 1024)
#define RECORD 64
#define RECORDS 200
#define WRITERS 3

static int fds[2];

static void run_on_other_cpu(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	sched_setaffinity(0, sizeof(set), &set);    /* fails on 1 CPU: fine */
}

static void *streamer(void *arg)
{
	(void)arg;
	run_on_other_cpu();
	static char chunk[3000];
	long done = 0;
	while (done < STREAM) {
		long n = STREAM - done < (long)sizeof(chunk) ? STREAM - done : (long)sizeof(chunk);
		for (long i = 0; i < n; i++)
			chunk[i] = (char)((done + i) % 253);
		long w = write(fds[1], chunk, (size_t)n);
		if (w <= 0)
			break;
		done += w;
		if (done >= STREAM / 2 && done - w < STREAM / 2)
			usleep(30000);  /* the reader empties the pipe and blocks */
	}
	return (void *)done;
}

static void *recorder(void *arg)
{
	long id = (long)arg;
	char rec[RECORD];
	for (int i = 0; i < RECORDS; i++) {
		memset(rec, 'a' + (int)id, sizeof(rec));
		rec[1] = (char)i;
		if (write(fds[1], rec, sizeof(rec)) != RECORD)
			return (void *)1;
	}
	return NULL;
}

static int threads_mode(void)
{
	CHECK(pipe(fds) == 0);
	pthread_t th;
	CHECK(pthread_create(&th, NULL, streamer, NULL) == 0);
	usleep(30000);                  /* the writer fills the pipe and blocks */
	static char buf[1500];
	long got = 0, bad = 0, n;
	while (got < STREAM && (n = read(fds[0], buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n; i++)
			bad += buf[i] != (char)((got + i) % 253);
		got += n;
	}
	void *sent;
	CHECK(pthread_join(th, &sent) == 0 && (long)sent == STREAM);
	CHECK(got == STREAM && bad == 0);

	/* Many writers: records whole, each writer's in order. */
	pthread_t w[WRITERS];
	for (long i = 0; i < WRITERS; i++)
		CHECK(pthread_create(&w[i], NULL, recorder, (void *)i) == 0);
	int next[WRITERS] = { 0 };
	char rec[RECORD];
	for (int r = 0; r < WRITERS * RECORDS; r++) {
		long have = 0;
		while (have < RECORD && (n = read(fds[0], rec + have, RECORD - have)) > 0)
			have += n;
		int id = rec[0] - 'a';
		int whole = have == RECORD && id >= 0 && id < WRITERS;
		for (int i = 2; whole && i < RECORD; i++)
			whole = rec[i] == rec[0];
		CHECK(whole);
		if (!whole)
			break;
		CHECK(rec[1] == (char)next[id]);
		next[id]++;
	}
	for (int i = 0; i < WRITERS; i++)
		CHECK(pthread_join(w[i], NULL) == 0);
	close(fds[1]);
	CHECK(read(fds[0], rec, 1) == 0);      /* the last writer gone: EOF */
	close(fds[0]);
	printf("fs_pipe: %d checks failed\n", failed);
	return failed;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "threads"))
		return threads_mode();
	if (argc > 1 && !strcmp(argv[1], "sigpipe")) {
		if (pipe(fds) < 0)
			return 2;
		close(fds[0]);
		write(fds[1], "x", 1);          /* kills us */
		fprintf(stderr, "fs_pipe: write to a pipe with no reader returned\n");
		return 3;
	}
	fprintf(stderr, "usage: fs_pipe threads|sigpipe\n");
	return 2;
}
