/*
 * kernel/config.h - the build's design switches, as C.
 *
 * The Makefile writes build/<config>/include/generated/config.h with one
 * CONFIG_* define per switch; this header gives them names for messages and
 * says loudly when a test-only "broken on purpose" switch is on.
 */
#ifndef KERNEL_CONFIG_H
#define KERNEL_CONFIG_H

#include "generated/config.h"

#if defined(CONFIG_TABLE_FREE_RCU)
#define CONFIG_TABLE_FREE_NAME "rcu"
#elif defined(CONFIG_TABLE_FREE_IPI)
#define CONFIG_TABLE_FREE_NAME "ipi"
#else
#error "TABLE_FREE not configured"
#endif

#if defined(CONFIG_SHOOTDOWN_IPI)
#define CONFIG_SHOOTDOWN_NAME "ipi"
#elif defined(CONFIG_SHOOTDOWN_PV)
#define CONFIG_SHOOTDOWN_NAME "pv"
#else
#error "SHOOTDOWN not configured"
#endif

#if defined(CONFIG_FAULT_LOCKED)
#define CONFIG_FAULT_NAME "locked"
#elif defined(CONFIG_FAULT_SPF)
#define CONFIG_FAULT_NAME "spf"
#elif defined(CONFIG_FAULT_VMA)
#define CONFIG_FAULT_NAME "vma"
#else
#error "FAULT not configured"
#endif

/** config_warn_broken() - print a loud banner for every test-only broken switch that is on. */
void config_warn_broken(void);

#endif
