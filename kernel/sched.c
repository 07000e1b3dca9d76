/*
 * kernel/sched.c - placeholder until the scheduler lands.
 */
#include "kernel/preempt.h"
void preempt_schedule_check(void) {}
