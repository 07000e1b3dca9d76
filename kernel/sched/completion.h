/*
 * kernel/sched/completion.h - wait for something to be done, once or n times.
 * complete() may be called from interrupt context; wait_for_completion()
 * sleeps.  Each complete() lets exactly one wait return.
 */
#ifndef KERNEL_COMPLETION_H
#define KERNEL_COMPLETION_H

#include "kernel/sched/wait.h"

struct completion {
	unsigned done;              /* under wq.lock */
	struct wait_queue_head wq;
};

#define init_completion(c) do { (c)->done = 0; init_waitqueue_head(&(c)->wq); } while (0)

void complete(struct completion *c);
void complete_all(struct completion *c);
void wait_for_completion(struct completion *c);
/** wait_for_completion_timeout() - Return: true if completed, false on timeout. */
bool wait_for_completion_timeout(struct completion *c, uint64_t ns);

#endif
