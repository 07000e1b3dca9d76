/*
 * bench/peer/init.c - /init of the Linux peer's initramfs (scripts/peer.py,
 * docs/peer.md).  Built statically against the host's glibc; the only
 * other file it needs is /bin/scale (user/bin/scale.c, built the same way)
 * and the /dev/console node the archive carries (the kernel opens it as
 * init's stdin, stdout and stderr).  It mounts nothing: scale needs no
 * file system, and the CPU count comes from sched_getaffinity().
 *
 * It prints what it runs on, runs `scale SHAPE N SECONDS WARMUP MIB` for
 * each of the three shapes and N = 1..CPUs, and for two of scale's controls
 * and N = 1..CPUs-1, one at a time (each prints its own RESULT line), and
 * powers the machine off.  Lines, all on the console:
 *
 *   PEER-UNAME <sysname> <release> <version> <machine>
 *   PEER-INIT cpus=<N> accel=<tcg|kvm|none|other> scale=<SECONDS>,<WARMUP>,<MIB>
 *   RESULT test=... (from scale)
 *   PEER-ERROR <what>           a run or a call that failed
 *   PEER-DONE runs=<R> failed=<F>
 *
 * The kernel's command line gives the parameters: Linux hands a `key=value`
 * word it does not know to init as an environment variable, so
 * `peer_scale=SECONDS,WARMUP,MIB` arrives as getenv("peer_scale").  The
 * same fields as this kernel's `scale=` parameter (bench/kernel/bench_user.c),
 * the same defaults.
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/* The shapes, then two of scale's controls (beside a memory writer, an
 * adder), whose neighbour takes one more CPU: they run at 1..CPUs-1
 * threads.  As bench_scale() in this kernel
 * (bench/kernel/bench_user.c). */
static const char *const shapes[] = {
	"page_fault1", "tlb_flush2", "mmap1",
	"page_fault1_beside_writer", "page_fault1_beside_adder",
};
enum { FIRST_CONTROL = 3 };

/* "tcg", "kvm", "none" or "other", from the hypervisor's CPUID signature,
 * as this kernel's bench_report() names it (bench/kernel/bench.c). */
static const char *accel_name(void)
{
	unsigned a, b, c, d;
	char sig[13];

	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31)))
		return "none";
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	if (strncmp(sig, "KVMKVMKVM", 9) == 0)
		return "kvm";
	if (strcmp(sig, "TCGTCGTCGTCG") == 0)
		return "tcg";
	return "other";
}

/* "S,W,M" with each field optional from the end; 0 if well-formed. */
static int parse_scale(const char *v, unsigned out[3])
{
	static const unsigned lo[3] = { 1, 0, 1 }, hi[3] = { 3600, 3600, 4096 };

	for (int i = 0; i < 3 && v && *v; i++) {
		char *end;
		unsigned long x = strtoul(v, &end, 10);

		if (end == v || (*end && *end != ',') || x < lo[i] || x > hi[i])
			return -1;
		out[i] = (unsigned)x;
		v = *end ? end + 1 : end;
	}
	return v && *v ? -1 : 0;
}

/* Run /bin/scale with @argv; its exit status, or -1. */
static int run(char *const argv[])
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execv("/bin/scale", argv);
		printf("PEER-ERROR execv /bin/scale: %s\n", strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	unsigned scale[3] = { 2, 1, 128 };
	struct utsname u;
	cpu_set_t set;
	int cpus, runs = 0, failed = 0;

	setvbuf(stdout, NULL, _IONBF, 0);	/* lines in order with scale's */
	if (uname(&u) == 0)
		printf("PEER-UNAME %s %s %s %s\n", u.sysname, u.release, u.version, u.machine);
	if (parse_scale(getenv("peer_scale"), scale) != 0)
		printf("PEER-ERROR peer_scale=%s: want SECONDS,WARMUP,MIB; using %u,%u,%u\n",
		       getenv("peer_scale"), scale[0], scale[1], scale[2]);
	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		printf("PEER-ERROR sched_getaffinity: %s\n", strerror(errno));
		cpus = 1;
	} else {
		cpus = CPU_COUNT(&set);
	}
	printf("PEER-INIT cpus=%d accel=%s scale=%u,%u,%u\n", cpus, accel_name(), scale[0], scale[1],
	       scale[2]);

	char secs[12], warm[12], mib[12], num[12];
	snprintf(secs, sizeof(secs), "%u", scale[0]);
	snprintf(warm, sizeof(warm), "%u", scale[1]);
	snprintf(mib, sizeof(mib), "%u", scale[2]);
	for (unsigned s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
		for (int n = 1; n + (s >= FIRST_CONTROL) <= cpus; n++) {
			snprintf(num, sizeof(num), "%d", n);
			char *argv[] = { "scale", (char *)shapes[s], num, secs, warm, mib, NULL };
			int st = run(argv);

			runs++;
			if (st != 0) {
				failed++;
				printf("PEER-ERROR test=%s threads=%d status=%d\n", shapes[s], n, st);
			}
		}
	printf("PEER-DONE runs=%d failed=%d\n", runs, failed);
	sync();
	reboot(RB_POWER_OFF);
	/* Not reached unless the power-off failed; returning makes the
	 * kernel panic, and panic=-1 with QEMU's -no-reboot ends the VM. */
	printf("PEER-ERROR reboot(RB_POWER_OFF): %s\n", strerror(errno));
	return 1;
}
