/*
 * kernel/config.h - the build's design switches, as C.
 *
 * The Makefile writes build/<config>/include/generated/config.h from
 * scripts/switches.mk, the one list of switches: for each design switch S
 * set to value V, CONFIG_S_V 1 and CONFIG_S_NAME "v" (CONFIG_TABLE_FREE_RCU,
 * CONFIG_TABLE_FREE_NAME "rcu"); for each test-only "broken on purpose"
 * switch that is on, CONFIG_<NAME> 1 and a row { "NAME", "what it breaks" }
 * of CONFIG_BROKEN_TABLE, which config_warn_broken() prints loudly.
 */
#ifndef KERNEL_CONFIG_H
#define KERNEL_CONFIG_H

#include "generated/config.h"

#if !defined(CONFIG_TABLE_FREE_NAME) || !defined(CONFIG_SHOOTDOWN_NAME) || \
	!defined(CONFIG_FAULT_NAME) || !defined(CONFIG_BROKEN_TABLE)
#error "generated/config.h lacks a switch: rebuild it with make"
#endif

/** config_warn_broken() - print a loud banner for every test-only broken switch that is on. */
void config_warn_broken(void);

#endif
