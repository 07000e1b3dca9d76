# scripts/switches.mk - the build's switches: the one list of them.
#
# The Makefile includes it (defaults, validation, build directory name,
# build/<config>/include/generated/config.h); scripts/matrix.py parses it
# (configuration names, the runners' --table-free/--shootdown/--fault
# options, which --extra variables are broken-on-purpose switches).  Nothing
# else spells a switch's name or values: add a switch here and nowhere else
# (then use its CONFIG_* define in C).
#
# matrix.py reads only lines `NAME := word ...` and comments: keep to that.
#
# Design switches, in the order of the configuration name
# <TABLE_FREE>-<SHOOTDOWN>-<FAULT>: <S>_VALUES lists the values of switch S,
# <S>_DEFAULT its default.  The generated config.h defines
# CONFIG_<S>_<VALUE> 1 and CONFIG_<S>_NAME "<value>" for the chosen value.
SWITCHES := TABLE_FREE SHOOTDOWN FAULT

TABLE_FREE_VALUES := ipi rcu
TABLE_FREE_DEFAULT := rcu
SHOOTDOWN_VALUES := ipi pv
SHOOTDOWN_DEFAULT := ipi
FAULT_VALUES := locked spf vma
FAULT_DEFAULT := vma

# Test-only switches that break a protocol on purpose (NAME=1; never on by
# default).  Each one on adds `+name` to the build directory, defines
# CONFIG_<NAME> 1 and a row of CONFIG_BROKEN_TABLE, whose text <NAME>_WHAT
# the kernel prints in a loud banner at every boot (plain text: no quotes,
# backslashes or per cent signs; it goes through printf and into a C string).
BROKEN_VARS := SPINLOCK_BROKEN SLEEPLOCK_BROKEN WAKEUP_BROKEN SHOOTDOWN_BROKEN RCU_BROKEN GUP_BROKEN TLBGEN_BROKEN SPF_BROKEN VMA_LOCK_BROKEN STEAL_BROKEN EXEC_BROKEN WAIT_BROKEN TRACE_BROKEN TRACE_CLOCK_BROKEN COW_FLUSH_BROKEN COW_ORDER_BROKEN FORK_PIN_BROKEN COW_REUSE_BROKEN ANON_EXCLUSIVE_BROKEN PAGECACHE_BROKEN TRUNCATE_BROKEN KMALLOC_CACHE_BROKEN

SPINLOCK_BROKEN_WHAT := spin_lock() and owner_lock() do not exclude other CPUs
SLEEPLOCK_BROKEN_WHAT := mutex/rwsem do not exclude, seqcount readers never retry
WAKEUP_BROKEN_WHAT := wait_event() tests its condition before queueing: lost wakeups
SHOOTDOWN_BROKEN_WHAT := remote TLB flushes are skipped
RCU_BROKEN_WHAT := grace periods end early
GUP_BROKEN_WHAT := fast GUP takes its reference with a plain get and never rechecks the PMD and PTE
TLBGEN_BROKEN_WHAT := a range flush catches up to mm->tlb_gen, skipping requests still in flight
SPF_BROKEN_WHAT := speculative faults install without rechecking the sequence under the PTE lock
VMA_LOCK_BROKEN_WHAT := mmap writers skip the per-VMA write lock: faults run on under them
STEAL_BROKEN_WHAT := spinlock stealing ignores its bound: a sleeping waiter can be passed over without limit
PAGECACHE_BROKEN_WHAT := page-cache lookup-or-insert skips its recheck under the lock: one offset can get two pages
KMALLOC_CACHE_BROKEN_WHAT := other CPUs drain and read the kmalloc cache of a CPU without taking its lock
TRUNCATE_BROKEN_WHAT := truncate drops the pages of a mapped file without unmapping them and faults skip the size recheck: a mapping reaches past the end
EXEC_BROKEN_WHAT := execve tears the old address space down without waiting for the other threads to leave it
WAIT_BROKEN_WHAT := waitpid samples its children-ended count after dropping the lock: a child ending in between is a lost wakeup
COW_FLUSH_BROKEN_WHAT := fork skips the TLB flush of the parent after write-protecting its pages
COW_ORDER_BROKEN_WHAT := a COW fault installs the copy writable before the TLB entries of the old page are flushed
FORK_PIN_BROKEN_WHAT := fork shares maybe-pinned pages copy-on-write instead of copying them
COW_REUSE_BROKEN_WHAT := a COW fault reuses the page by its mapping count, ignoring pins and other references
ANON_EXCLUSIVE_BROKEN_WHAT := exclusive anonymous pages are ignored: a COW fault copies a pinned page away from its pin, and read pins land on pages shared with another mm
TRACE_BROKEN_WHAT := the trace ring claims its slot after the write: a nested event is overwritten unseen
TRACE_CLOCK_BROKEN_WHAT := trace timestamps count from the first event of each CPU: cross-CPU order is wrong

# Build variants: neither a design nor broken.  <V>_VALUES, <V>_DEFAULT as
# for the design switches; a value other than the default adds
# `+<name><value>` (lower case) to the build directory and defines
# CONFIG_<V>_<VALUE> 1.  TRACE_POINTS=0 compiles every trace point away: the
# baseline of the trace off-cost benchmark (make trace-cost, docs/tracing.md).
VARIANT_VARS := TRACE_POINTS
TRACE_POINTS_VALUES := 1 0
TRACE_POINTS_DEFAULT := 1
