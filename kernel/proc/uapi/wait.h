/*
 * kernel/proc/uapi/wait.h - the process-lifecycle ABI shared by the kernel
 * and the user libc: signal numbers, wait4() options and the wait status
 * encoding (the values are Linux's, so a reader can compare).
 *
 * A wait status is one int:
 *   exited with code c (0..255):  c << 8          (low 7 bits zero)
 *   killed by signal s (1..127):  s               (bits 8.. zero)
 * so WIFEXITED(st) is (st & 0x7f) == 0, WEXITSTATUS(st) is (st >> 8) & 0xff,
 * WIFSIGNALED(st) is a non-zero low 7 bits, WTERMSIG(st) is those bits.
 * There are no stopped or continued states here (no job control).
 */
#ifndef UAPI_WAIT_H
#define UAPI_WAIT_H

/* Signals the kernel knows.  Only SIGKILL and SIGTERM can be sent (kill());
 * both have the default action, terminate, and neither can be caught yet.
 * SIGSEGV is what a process killed by a fault reports. */
#define SIGBUS   7     /* an access past the end of a mapped file */
#define SIGKILL  9
#define SIGSEGV 11
#define SIGPIPE 13
#define SIGTERM 15
#define NSIG    65              /* numbers 1..64, as Linux */

/* wait4()/waitpid() options */
#define WNOHANG 1               /* no child has ended yet: return 0 at once */

/* Building a status (the kernel) ... */
#define __W_EXITCODE(code)  (((code) & 0xff) << 8)
#define __W_SIGNALED(sig)   ((sig) & 0x7f)

/* ... and reading one (both sides; <sys/wait.h>). */
#define WIFEXITED(st)   (((st) & 0x7f) == 0)
#define WEXITSTATUS(st) (((st) >> 8) & 0xff)
#define WIFSIGNALED(st) (((st) & 0x7f) != 0)
#define WTERMSIG(st)    ((st) & 0x7f)

#endif
