/*
 * mm/fail_nth.h - deterministic fault injection for the allocators: make
 * the Nth call from now on fail (Linux's fail-nth, per task), so that a
 * test can walk every allocation of an operation in turn and check that
 * each failure is handled (an error returned, nothing leaked).
 */
#ifndef MM_FAIL_NTH_H
#define MM_FAIL_NTH_H

#include <stdbool.h>

struct fail_nth {
	unsigned long countdown;    /* 0: off; else calls until the failing one */
	const void *owner;          /* count only this thread's calls; NULL: all */
	unsigned long injected;     /* failures injected since boot */
};

/** fail_nth_arm() - the @nth call (1: the next) of @owner's (NULL: anyone's) fails; 0: off. */
void fail_nth_arm(struct fail_nth *f, unsigned long nth, const void *owner);
/**
 * fail_nth_should_fail() - count this call; true if it is the one to fail.
 * Context: any (an interrupt's calls never count when an owner is set).
 */
bool fail_nth_should_fail(struct fail_nth *f);
/** fail_nth_param() - a `fail_...=N` command-line value: arm @f for any caller. Return: 0 or -EINVAL. */
int fail_nth_param(struct fail_nth *f, const char *v);
/** fail_nth_pending() - armed, and the failing call has not come yet. */
bool fail_nth_pending(const struct fail_nth *f);

#endif
