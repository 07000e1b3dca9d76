/*
 * pipe_bw - pipe throughput between two processes on two CPUs:
 *
 *   pipe_bw [KIB [RUNS [BUF...]]]
 *
 * For each write size BUF (bytes; default 512 4096 16384), RUNS times
 * (default 3): fork; the child pins itself to the second allowed CPU and
 * reads the pipe until EOF, counting bytes; the parent, pinned to the
 * first, writes KIB KiB (default 2048) in BUF-byte writes, closes, waits
 * for the child and times the whole transfer.  One line a size:
 *
 *   RESULT test=pipe metric=kib_per_s x=BUF unit=KiB/s value=MEDIAN
 *          min=LO max=HI runs=RUNS
 *
 * (under this kernel also a BENCH line, name `pipe`, metric `kib_per_s`,
 * x = BUF).  The child's exit status says whether every byte arrived in
 * order (each byte is its offset mod 251, a prime, so a lost, repeated or
 * reordered block shows); a short transfer or a failed call makes the
 * program exit non-zero.  With one CPU both ends share it (the pinning of
 * the child fails quietly): the figure is then a context-switch cost.
 *
 * Plain POSIX; builds unmodified with `gcc -O2 -static` against glibc.
 */
#define _GNU_SOURCE		/* glibc: CPU_SET, sched_setaffinity */
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "posix_bench.h"

#define MAX_BUF  65536
#define MAX_RUNS 16
#define MOD      251

/* wbuf[i] = i mod MOD, filled once: a write at offset off starts at off % MOD. */
static unsigned char wbuf[MAX_BUF + MOD], rbuf[MAX_BUF];

/* The reader: exit 0 iff exactly @total bytes came, each its offset mod MOD. */
static void reader(int fd, unsigned long total)
{
	unsigned long got = 0;
	int bad = 0;

	pb_pin(1);
	for (;;) {
		ssize_t n = read(fd, rbuf, sizeof(rbuf));
		if (n <= 0) {
			_exit(n < 0 ? 3 : got != total ? 2 : bad);
		}
		for (ssize_t i = 0; i < n; i++)
			bad |= rbuf[i] != (unsigned char)((got + (unsigned long)i) % MOD);
		got += (unsigned long)n;
	}
}

/* One transfer of @total bytes in @buf-byte writes: KiB/s, or 0 on failure. */
static unsigned long transfer(unsigned long total, unsigned long buf)
{
	int fds[2], st = -1;

	if (pipe(fds) != 0)
		return 0;
	long t0 = pb_now_ms();
	pid_t pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		close(fds[1]);
		reader(fds[0], total);
	}
	close(fds[0]);
	for (unsigned long off = 0; off < total;) {
		unsigned long len = total - off < buf ? total - off : buf;
		ssize_t n = write(fds[1], wbuf + off % MOD, len);
		if (n <= 0)
			break;
		off += (unsigned long)n;
	}
	close(fds[1]);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("pipe_bw: buf %lu: the reader saw a short or corrupt stream (status %#x)\n",
		       buf, st);
		return 0;
	}
	long ms = pb_now_ms() - t0;
	return total / 1024 * 1000 / (unsigned long)(ms > 0 ? ms : 1);
}

int main(int argc, char **argv)
{
	static const unsigned long dflt[] = { 512, 4096, 16384 };
	unsigned long kib = argc > 1 ? strtoul(argv[1], NULL, 10) : 2048;
	int runs = argc > 2 ? atoi(argv[2]) : 3;

	if (kib < 1 || kib > (1ul << 20) || runs < 1 || runs > MAX_RUNS) {
		printf("usage: pipe_bw [KIB 1..1048576 [RUNS 1..%d [BUF 1..%d ...]]]\n",
		       MAX_RUNS, MAX_BUF);
		return 2;
	}
	pb_pin(0);
	for (unsigned long i = 0; i < sizeof(wbuf); i++)
		wbuf[i] = (unsigned char)(i % MOD);
	int nbufs = argc > 3 ? argc - 3 : 3;
	for (int b = 0; b < nbufs; b++) {
		unsigned long buf = argc > 3 ? strtoul(argv[3 + b], NULL, 10) : dflt[b];
		unsigned long v[MAX_RUNS], med, lo, hi;
		if (buf < 1 || buf > MAX_BUF) {
			printf("pipe_bw: BUF %s: 1..%d bytes\n", argv[3 + b], MAX_BUF);
			return 2;
		}
		for (int r = 0; r < runs; r++)
			if ((v[r] = transfer(kib * 1024, buf)) == 0)
				return 1;
		pb_summarize(v, runs, &med, &lo, &hi);
		pb_report("pipe", "kib_per_s", (long)buf, "KiB/s", med, lo, hi, runs);
	}
	return 0;
}
