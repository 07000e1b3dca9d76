/*
 * fs_test - the file system calls and their errors, from user space, as a
 * plain POSIX program.  Each CHECK that fails prints its line; the exit
 * status is the number of failed checks (the `fs` suite expects 0).
 * Everything it creates lives under /tmp/fst and is removed at the end,
 * so the kernel's page and heap counts come back to their baseline.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECKS_PROG "fs_test"
#include "checks.h"

/* Read through volatiles, so the compiler cannot see (and warn about)
 * what the kernel is meant to refuse. */
static void *volatile bad_ptr = (void *)0x10;                  /* below user space */
static void *volatile unmapped = (void *)0x600000000000ul;     /* user space, nothing there */
#define BAD_PTR  bad_ptr
#define UNMAPPED unmapped

static void test_basic_io(void)
{
	char buf[64];
	int fd = open("/tmp/fst/a", O_RDWR | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 3);
	CHECK(write(fd, "hello, file", 11) == 11);
	CHECK(lseek(fd, 0, SEEK_CUR) == 11);
	CHECK(lseek(fd, 7, SEEK_SET) == 7);
	CHECK(read(fd, buf, sizeof(buf)) == 4 && !memcmp(buf, "file", 4));
	CHECK(read(fd, buf, sizeof(buf)) == 0);
	CHECK(pwrite(fd, "F", 1, 7) == 1);
	CHECK(pread(fd, buf, 4, 7) == 4 && !memcmp(buf, "File", 4));
	struct stat st;
	CHECK(fstat(fd, &st) == 0 && st.st_size == 11 && S_ISREG(st.st_mode));
	CHECK(ftruncate(fd, 5) == 0);
	CHECK(stat("/tmp/fst/a", &st) == 0 && st.st_size == 5);
	CHECK(ftruncate(fd, 8192) == 0 && pread(fd, buf, 4, 8000) == 4 && !buf[0] && !buf[3]);
	FAILS(open("/tmp/fst/a", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
	int t = open("/tmp/fst/a", O_WRONLY | O_TRUNC);
	CHECK(t >= 0 && fstat(t, &st) == 0 && st.st_size == 0);
	int ap = open("/tmp/fst/a", O_WRONLY | O_APPEND);
	CHECK(write(t, "abc", 3) == 3 && write(ap, "de", 2) == 2);
	CHECK(pread(fd, buf, 8, 0) == 5 && !memcmp(buf, "abcde", 5));
	/* dup and dup2 share the offset. */
	int d = dup(fd);
	CHECK(d >= 0 && lseek(fd, 1, SEEK_SET) == 1 && lseek(d, 0, SEEK_CUR) == 1);
	CHECK(dup2(fd, 20) == 20 && read(20, buf, 2) == 2 && lseek(fd, 0, SEEK_CUR) == 3);
	CHECK(dup2(20, 20) == 20);
	CHECK(close(20) == 0 && close(d) == 0 && close(t) == 0 && close(ap) == 0);
	/* Unlinked while open: still there for the descriptor. */
	CHECK(unlink("/tmp/fst/a") == 0);
	FAILS(stat("/tmp/fst/a", &st), ENOENT);
	CHECK(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "abcde", 5));
	CHECK(close(fd) == 0);
	/* openat with AT_FDCWD; another dirfd is not supported. */
	fd = openat(AT_FDCWD, "/tmp/fst/b", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && close(fd) == 0);
	FAILS(openat(5, "b", O_RDONLY), ENOSYS);
	CHECK(unlink("/tmp/fst/b") == 0);
}

static void test_errors(void)
{
	char buf[16];
	char longname[NAME_MAX + 8], longpath[FS_PATH_MAX + 8];
	struct stat st;
	FAILS(read(-1, buf, 1), EBADF);
	FAILS(read(FD_MAX, buf, 1), EBADF);
	FAILS(write(57, buf, 1), EBADF);
	FAILS(close(57), EBADF);
	FAILS(lseek(57, 0, SEEK_SET), EBADF);
	FAILS(fstat(57, &st), EBADF);
	FAILS(dup(57), EBADF);
	FAILS(dup2(57, 3), EBADF);
	FAILS(dup2(1, FD_MAX), EBADF);
	FAILS(open("/tmp/fst/nosuch", O_RDONLY), ENOENT);
	FAILS(open("/nosuch/x", O_RDWR | O_CREAT, 0644), ENOENT);
	FAILS(open("/bin/hello/x", O_RDONLY), ENOTDIR);
	FAILS(open("/tmp", O_WRONLY), EISDIR);
	FAILS(open("/tmp/fst", O_RDONLY | O_CREAT, 0644), EISDIR);
	FAILS(open("/bin/hello", O_RDWR), EROFS);
	FAILS(open("/tmp/fst/x", O_RDONLY | O_CREAT | 0x40000000, 0644), EINVAL);
	FAILS(open("/tmp/fst/x", O_RDONLY | O_NONBLOCK), EINVAL);
	FAILS(open("/bin/hello", O_RDONLY | O_DIRECTORY), ENOTDIR);
	FAILS(open("", O_RDONLY), ENOENT);
	FAILS(mkdir("/tmp/fst", 0755), EEXIST);
	FAILS(mkdir("/bin/x", 0755), EROFS);
	FAILS(rmdir("/tmp"), ENOTEMPTY);
	FAILS(rmdir("/bin/hello"), ENOTDIR);
	FAILS(rmdir("/tmp/fst/nosuch"), ENOENT);
	FAILS(unlink("/tmp"), EISDIR);
	FAILS(unlink("/tmp/fst/nosuch"), ENOENT);
	FAILS(chdir("/bin/hello"), ENOTDIR);
	FAILS(fcntl(1, 1), ENOSYS);
	memset(longname, 'n', sizeof(longname));
	memcpy(longname, "/tmp/", 5);
	longname[sizeof(longname) - 1] = 0;
	FAILS(open(longname, O_RDWR | O_CREAT, 0644), ENAMETOOLONG);
	memset(longpath, 'p', sizeof(longpath));
	for (size_t i = 0; i < sizeof(longpath); i += 10)
		longpath[i] = '/';
	longpath[sizeof(longpath) - 1] = 0;
	FAILS(stat(longpath, &st), ENAMETOOLONG);
	/* Bad pointers: EFAULT, never a crash. */
	FAILS(open(BAD_PTR, O_RDONLY), EFAULT);
	FAILS(open(UNMAPPED, O_RDONLY), EFAULT);
	FAILS(stat("/tmp", BAD_PTR), EFAULT);
	FAILS(stat("/tmp", UNMAPPED), EFAULT);
	FAILS(fstat(1, UNMAPPED), EFAULT);
	FAILS(write(1, UNMAPPED, 10), EFAULT);
	FAILS(pipe(BAD_PTR), EFAULT);
	FAILS(pipe(UNMAPPED), EFAULT);
	FAILS(syscall(SYS_getcwd, (long)UNMAPPED, 64L), EFAULT);
	FAILS(mkdir(UNMAPPED, 0755), EFAULT);
	int fd = open("/tmp/fst/c", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 0);
	FAILS(read(fd, BAD_PTR, 4), EFAULT);
	CHECK(write(fd, "data", 4) == 4);
	FAILS(pread(fd, UNMAPPED, 4, 0), EFAULT);
	FAILS(pread(fd, buf, 4, -1), EINVAL);
	FAILS(pwrite(fd, "x", 1, 16l << 20), EFBIG);
	FAILS(lseek(fd, -5, SEEK_SET), EINVAL);
	FAILS(lseek(fd, 0, 9), EINVAL);
	FAILS(ftruncate(fd, -1), EINVAL);
	FAILS(ftruncate(fd, (16l << 20) + 1), EFBIG);
	int ro = open("/tmp/fst/c", O_RDONLY);
	FAILS(ftruncate(ro, 0), EINVAL);
	FAILS(write(ro, "x", 1), EBADF);
	close(ro);
	close(fd);
	CHECK(unlink("/tmp/fst/c") == 0);
	/* EMFILE: fill the table, then one more. */
	int opened = 0, last = 0;
	for (;;) {
		int d = dup(1);
		if (d < 0) {
			CHECK(errno == EMFILE);
			break;
		}
		opened++;
		last = d;
	}
	CHECK(opened == FD_MAX - 3 && last == FD_MAX - 1);
	for (int d = 3; d < FD_MAX; d++)
		close(d);
	int fds[2];
	CHECK(pipe(fds) == 0);
	FAILS(lseek(fds[0], 0, SEEK_SET), ESPIPE);
	FAILS(pread(fds[0], buf, 1, 0), ESPIPE);
	FAILS(read(fds[1], buf, 1), EBADF);
	FAILS(write(fds[0], buf, 1), EBADF);
	close(fds[0]);
	close(fds[1]);
}

static void test_dirs(void)
{
	char buf[FS_PATH_MAX];
	CHECK(getcwd(buf, sizeof(buf)) && !strcmp(buf, "/"));
	CHECK(mkdir("/tmp/fst/d", 0755) == 0);
	CHECK(chdir("/tmp/fst/d") == 0);
	CHECK(getcwd(buf, sizeof(buf)) && !strcmp(buf, "/tmp/fst/d"));
	errno = 0;
	CHECK(getcwd(buf, 4) == NULL && errno == ERANGE);
	int fd = open("rel", O_WRONLY | O_CREAT, 0644);     /* relative to the cwd */
	CHECK(fd >= 0 && close(fd) == 0);
	struct stat st;
	CHECK(stat("/tmp/fst/d/rel", &st) == 0);
	CHECK(stat("../d/./rel", &st) == 0);
	CHECK(chdir("..") == 0 && getcwd(buf, sizeof(buf)) && !strcmp(buf, "/tmp/fst"));
	DIR *d = opendir("d");
	int seen = 0, dots = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		seen += !strcmp(e->d_name, "rel") && e->d_type == DT_REG;
		dots += !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	}
	CHECK(d && closedir(d) == 0 && seen == 1 && dots == 2);
	FAILS(rmdir("d"), ENOTEMPTY);
	CHECK(unlink("d/rel") == 0 && rmdir("d") == 0);
	CHECK(chdir("/") == 0);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void test_stdio_and_libc(void)
{
	FILE *f = fopen("/tmp/fst/s", "w");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fprintf(f, "line %d\n", 1) == 7);
	CHECK(fputs("second line\n", f) >= 0);
	CHECK(fwrite("xyz", 1, 3, f) == 3);
	CHECK(fclose(f) == 0);
	char line[32];
	f = fopen("/tmp/fst/s", "r");
	CHECK(f && fgets(line, sizeof(line), f) && !strcmp(line, "line 1\n"));
	CHECK(f && fgets(line, sizeof(line), f) && !strcmp(line, "second line\n"));
	CHECK(f && fread(line, 1, sizeof(line), f) == 3 && feof(f));
	CHECK(f && fgets(line, sizeof(line), f) == NULL);
	if (f)
		fclose(f);
	errno = 0;
	CHECK(fopen("/tmp/fst/s", "q") == NULL && errno == EINVAL);
	CHECK(unlink("/tmp/fst/s") == 0);
	char tmpl[] = "/tmp/fst/tmpXXXXXX";
	int fd = mkstemp(tmpl);
	CHECK(fd >= 0 && strcmp(tmpl + 12, "XXXXXX") && close(fd) == 0 && unlink(tmpl) == 0);
	int v[] = { 5, -2, 9, 0, 7, 7, -8 };
	qsort(v, 7, sizeof(int), cmp_int);
	for (int i = 1; i < 7; i++)
		CHECK(v[i - 1] <= v[i]);
	CHECK(sysconf(_SC_PAGESIZE) == 4096 && getpagesize() == 4096);
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) >= 1);
	CHECK(isatty(1) == 1 && read(0, line, 1) == 0);     /* the console: EOF */
	char *argv[] = { "prog", "-a", "-bvalue", "-c", "x", "rest", NULL };
	int a = 0, c = 0;
	const char *bv = NULL;
	int opt;
	optind = 1;
	while ((opt = getopt(6, argv, "ab:c")) != -1) {
		a += opt == 'a';
		c += opt == 'c';
		if (opt == 'b')
			bv = optarg;
	}
	CHECK(a == 1 && c == 1 && bv && !strcmp(bv, "value") && optind == 4);
	CHECK(strtol("-42", NULL, 10) == -42);
}

/* ---- pthread: a barrier and a condition variable across threads ---- */

static pthread_barrier_t barrier;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int produced, consumed, phase_count[3];

static void *worker(void *arg)
{
	(void)arg;
	for (int phase = 0; phase < 3; phase++) {
		pthread_mutex_lock(&lock);
		phase_count[phase]++;
		pthread_mutex_unlock(&lock);
		pthread_barrier_wait(&barrier);
		/* After the barrier every thread has counted this phase. */
		pthread_mutex_lock(&lock);
		if (phase_count[phase] != 3)
			failed++;
		pthread_mutex_unlock(&lock);
		pthread_barrier_wait(&barrier);
	}
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&lock);
		while (produced == consumed)
			pthread_cond_wait(&cond, &lock);
		consumed++;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void test_pthread_sync(void)
{
	pthread_t th[2];
	pthread_attr_t attr;
	CHECK(pthread_attr_init(&attr) == 0 && pthread_attr_setstacksize(&attr, 64 * 1024) == 0);
	CHECK(pthread_barrier_init(&barrier, NULL, 3) == 0);
	CHECK(pthread_create(&th[0], &attr, worker, NULL) == 0);
	CHECK(pthread_create(&th[1], NULL, worker, NULL) == 0);
	for (int phase = 0; phase < 3; phase++) {
		pthread_mutex_lock(&lock);
		phase_count[phase]++;
		pthread_mutex_unlock(&lock);
		pthread_barrier_wait(&barrier);
		pthread_barrier_wait(&barrier);
	}
	/* Produce 200 items, one at a time: each waits for a consumer. */
	for (int i = 0; i < 200; i++) {
		pthread_mutex_lock(&lock);
		while (produced != consumed)
			pthread_cond_wait(&cond, &lock);
		produced++;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	CHECK(pthread_join(th[0], NULL) == 0 && pthread_join(th[1], NULL) == 0);
	CHECK(produced == 200 && consumed == 200);
	pthread_attr_t detached;
	pthread_attr_init(&detached);
	CHECK(pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED) == 0);
	CHECK(pthread_create(&th[0], &detached, worker, NULL) == EINVAL);
}

/* The exec'd half of test_fork_and_exec(): "fs_test cloexec KEEP CX":
 * KEEP must still be open, CX (opened O_CLOEXEC) closed by the execve,
 * and the working directory the parent's.  Exit 0 when all hold. */
static int cloexec_child(char **argv)
{
	struct stat st;
	int keep = atoi(argv[2]), cx = atoi(argv[3]);
	CHECK(fstat(keep, &st) == 0);
	FAILS(fstat(cx, &st), EBADF);
	char buf[64];
	CHECK(getcwd(buf, sizeof(buf)) && !strcmp(buf, "/tmp/fst"));
	return failed;
}

/* fork copies the descriptor table (the same open files: one offset,
 * pipe ends that close when every copy is closed) and the working
 * directory; execve keeps the descriptors but the O_CLOEXEC ones. */
static void test_fork_and_exec(void)
{
	int p[2], status = -1;
	char buf[16];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(write(p[1], "hi", 2) == 2 ? 0 : 1);
	}
	CHECK(pid > 0);
	close(p[1]);
	CHECK(read(p[0], buf, sizeof(buf)) == 2 && !memcmp(buf, "hi", 2));
	CHECK(read(p[0], buf, sizeof(buf)) == 0);       /* EOF: the child's copy closed at its end */
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(p[0]);

	/* One open file, one offset: the child's write moves the parent's. */
	int fd = open("/tmp/fst/shared", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, "abc", 3) == 3);
	pid = fork();
	if (pid == 0)
		_exit(write(fd, "def", 3) == 3 ? 0 : 1);
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && status == 0);
	CHECK(lseek(fd, 0, SEEK_CUR) == 6);
	CHECK(pread(fd, buf, 6, 0) == 6 && !memcmp(buf, "abcdef", 6));
	close(fd);
	CHECK(unlink("/tmp/fst/shared") == 0);

	/* Close-on-exec, and the working directory across fork and exec. */
	int keep = open("/tmp/fst/keep", O_RDWR | O_CREAT, 0644);
	int cx = open("/tmp/fst/cx", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	CHECK(keep >= 0 && cx >= 0 && chdir("/tmp/fst") == 0);
	char ks[12], cs[12];
	snprintf(ks, sizeof(ks), "%d", keep);
	snprintf(cs, sizeof(cs), "%d", cx);
	pid = fork();
	if (pid == 0) {
		char *args[] = { "fs_test", "cloexec", ks, cs, NULL };
		execv("/bin/fs_test", args);
		_exit(99);              /* the execve failed */
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	struct stat st;
	CHECK(fstat(cx, &st) == 0);     /* the parent's own copy is still open */
	CHECK(chdir("/") == 0);
	close(keep);
	close(cx);
	CHECK(unlink("/tmp/fst/keep") == 0 && unlink("/tmp/fst/cx") == 0);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "cloexec"))
		return cloexec_child(argv);
	if (mkdir("/tmp/fst", 0755) < 0) {
		perror("fs_test: mkdir /tmp/fst");
		return 100;
	}
	test_basic_io();
	test_errors();
	test_dirs();
	test_stdio_and_libc();
	test_pthread_sync();
	test_fork_and_exec();
	if (rmdir("/tmp/fst") < 0) {
		perror("fs_test: rmdir /tmp/fst");
		failed++;
	}
	printf("fs_test: %d checks failed\n", failed);
	return failed;
}
