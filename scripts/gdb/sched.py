# scripts/gdb/sched.py - kernel-threads: every thread of thread_list
# (kernel/sched/thread.c), as the monitor's `ps` lists them, plus what ps
# does not show: the mm and process of user threads, and which thread is
# on which CPU now (percpu_area[].curr).
#
# Sourced by kernel.py; reads struct thread and struct process by field
# name (structs.py).

import gdb

THREAD_LIST_FIELDS = ("tid", "name", "state", "cpu", "mm", "proc",
                      "all_node")


def _state_name(v):
    """THREAD_BLOCKED -> blocked (the names of `ps`)."""
    s = str(v)
    return s[len("THREAD_"):].lower() if s.startswith("THREAD_") else s


def thread_rows():
    """One dict per thread: tid, name, state, cpu, mm, pid, curr_of."""
    nr = nr_cpus()
    area = need("percpu_area")
    on = {}
    for c in range(nr):
        cur = _u64(area[c]["curr"])
        if cur:
            on[cur] = c
    rows = []
    for t in list_for_each_entry(need("thread_list"), "struct thread",
                                 "all_node"):
        proc = _u64(field(t, "proc"))
        rows.append({
            "tid": int(field(t, "tid")),
            "name": c_string(field(t, "name")),
            "state": _state_name(field(t, "state")),
            "cpu": int(field(t, "cpu")),
            "mm": _u64(field(t, "mm")),
            "pid": int(t["proc"].dereference()["pid"]) if proc else 0,
            "curr_of": on.get(_u64(t.address)),
        })
    return rows


class KernelThreads(KernelCommand):
    """List every kernel and user thread (thread_list).

Usage: kernel-threads
Columns: tid, name, state (runnable, running, blocked, zombie: as the
monitor's `ps`), the CPU it runs or last ran on, `*N` when it is CPU N's
current thread (percpu_area[N].curr), its mm (user address space; `-` for
a kernel thread) and the pid of its process."""

    NO_ARGS = True

    def __init__(self):
        super().__init__("kernel-threads")

    def run(self, args):
        rows = thread_rows()
        gdb.write("%5s  %-16s %-9s %3s %3s  %-18s %s\n" % (
            "tid", "name", "state", "cpu", "on", "mm", "pid"))
        for r in rows:
            gdb.write("%5d  %-16s %-9s %3d %3s  %-18s %s\n" % (
                r["tid"], r["name"], r["state"], r["cpu"],
                "*%d" % r["curr_of"] if r["curr_of"] is not None else "",
                "%#x" % r["mm"] if r["mm"] else "-",
                r["pid"] if r["pid"] else "-"))


KernelThreads()
