# scripts/gdb/rcu.py - kernel-rcu: the state of RCU (kernel/rcu/rcu.c) in a
# stopped kernel: the grace-period sequence, which CPUs still owe the
# current period a quiescent state, and each CPU's callbacks by stage.
#
# Sourced by kernel.py; reads rcu.c's statics by name (gp_seq, qs_needed,
# rcu_cpus[], ...) and struct rcu_cpu by field name.

import gdb

RCU_CPU_FIELDS = ("next", "wait", "done", "wait_seq", "qs_owed", "queued",
                  "invoked")


def _chain_len(head, limit=1000000):
    """Length of a NULL-terminated rcu_head chain starting at @head."""
    n, p = 0, head
    while _u64(p):
        n += 1
        if n > limit:
            raise gdb.GdbError("rcu callback list longer than %d: broken?"
                               % limit)
        p = p.dereference()["next"]
    return n


def rcu_state():
    """A dict: gp_seq, completed, in_progress, needed (CPUs), waiting and
    one dict per CPU (qs_owed, next, wait, done, wait_seq, queued,
    invoked)."""
    nr = nr_cpus()
    seq = int(need("gp_seq"))
    cpus = []
    per = need("rcu_cpus")
    for c in range(nr):
        rc = per[c]
        cpus.append({k: (_chain_len(field(rc, k)) if k in ("next", "wait",
                                                          "done")
                         else int(field(rc, k)))
                     for k in RCU_CPU_FIELDS})
    return {"gp_seq": seq, "completed": int(need("gp_completed")),
            "in_progress": bool(seq & 1),
            "needed": cpumask_cpus(need("qs_needed"), nr),
            "waiting": int(need("cbs_waiting")), "cpus": cpus}


class KernelRcu(KernelCommand):
    """Show RCU's grace period and each CPU's quiescent state and callbacks.

Usage: kernel-rcu
gp_seq counts twice per grace period (odd: one in progress), so grace
period number gp_seq/2 is the last completed one, as the monitor's `rcu`
says.  Per CPU: whether it still owes the current period a quiescent state
(qs_owed; its bit in qs_needed), and its callbacks: `next` (queued, no
period asked yet), `wait` (waiting until gp_seq reaches wait_seq: the end
of the first period that started after they were queued; `*` marks a
wait_seq already reached, those move to `done` at the CPU's next tick),
`done` (ready, for the CPU's rcu/N thread), and how many it queued and
invoked since boot.  `waiting` is the kernel's own count of callbacks not
yet invoked: the lists' sum, plus any a rcu/N thread has taken off `done`
and is running."""

    NO_ARGS = True

    def __init__(self):
        super().__init__("kernel-rcu")

    def run(self, args):
        s = rcu_state()
        gdb.write("grace period %d completed (gp_seq %d, %s), %d completed "
                  "since boot\n" % (s["gp_seq"] // 2, s["gp_seq"],
                                   "one in progress" if s["in_progress"]
                                   else "idle", s["completed"]))
        gdb.write("CPUs owing a quiescent state: %s; callbacks waiting: %d\n"
                  % (cpu_list(s["needed"]), s["waiting"]))
        gdb.write("  CPU  qs_owed  next  wait  done  wait_seq    queued   "
                  "invoked\n")
        for c, r in enumerate(s["cpus"]):
            passed = r["wait"] and s["gp_seq"] - r["wait_seq"] >= 0
            gdb.write("  %3d  %7s  %4d  %4d  %4d  %8s  %8d  %8d\n" % (
                c, "yes" if r["qs_owed"] else "no", r["next"], r["wait"],
                r["done"], "%d%s" % (r["wait_seq"], "*" if passed else ""),
                r["queued"], r["invoked"]))


KernelRcu()
