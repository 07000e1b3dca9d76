# scripts/gdb/tlb.py - kernel-tlb: each CPU's TLB state (mm/tlb.c's
# tlb_cpus[]): the mm its CR3 holds, the generation of that mm it has
# flushed up to, whether it holds it lazily, and the flushes it owes.
#
# Sourced by kernel.py; reads struct tlb_cpu, struct mm_struct and the
# paravirt steal-time records (kernel/paravirt.h) by field name, the
# KVM_VCPU_* bits from that header.

import gdb

TLB_CPU_FIELDS = ("loaded_mm", "loaded_gen", "is_lazy")
MM_TLB_FIELDS = ("tlb_gen", "tlb_flush_pending", "cpumask")


def _counter(atomic):
    return int(atomic["counter"])


def tlb_rows():
    """One dict per CPU: mm, owner, gen, mm_gen, behind, lazy, in_mask,
    gathers (the mm's mmu_gathers not yet flushed), pv (flag names)."""
    nr = nr_cpus()
    tc = need("tlb_cpus")
    steal = _sym_value("pv_steal_time")
    kvm = header_defines("kernel/paravirt.h", "KVM_VCPU_") if steal is not None \
        else {}
    rows = []
    for c in range(nr):
        t = tc[c]
        mm = field(t, "loaded_mm")
        r = {"cpu": c, "mm": _u64(mm), "gen": int(field(t, "loaded_gen")),
             "lazy": bool(field(t, "is_lazy")), "mm_gen": None,
             "behind": None, "in_mask": None, "gathers": None, "owner": ""}
        if r["mm"]:
            m = mm.dereference()
            r["mm_gen"] = _counter(field(m, "tlb_gen"))
            r["behind"] = r["mm_gen"] - r["gen"]
            r["in_mask"] = c in cpumask_cpus(field(m, "cpumask"), nr)
            r["gathers"] = _counter(field(m, "tlb_flush_pending"))
            r["owner"] = mm_owner(r["mm"])
        r["pv"] = flag_names(int(steal[c]["preempted"]), kvm, "KVM_VCPU_") \
            if steal is not None else "?"
        rows.append(r)
    return rows


class KernelTlb(KernelCommand):
    """Show each CPU's TLB state: loaded mm, its generation, lazy, pending.

Usage: kernel-tlb
Per CPU (mm/tlb.c's tlb_cpus[]): the mm loaded in its CR3 (`-`: only the
kernel's tables) and the process that owns it; `gen`, the generation of
that mm this CPU's TLB has flushed up to, and the mm's own tlb_gen:
`behind` > 0 means flushes were requested that this CPU has not done yet
(an IPI in flight, or a lazy CPU skipped); `lazy`: a kernel thread (idle)
keeps the last user mm loaded without using it; `mask`: the CPU is in the
mm's cpumask (shootdowns target it); `gathers`: the mm's mmu_gathers
between their first PTE change and their flush; `pv`: the paravirt
steal-time record's flags (PREEMPTED, FLUSH_TLB: a flush deferred to the
vCPU's next entry)."""

    NO_ARGS = True

    def __init__(self):
        super().__init__("kernel-tlb")

    def run(self, args):
        rows = tlb_rows()

        def opt(v, fmt="%d"):
            return "-" if v is None else fmt % v
        gdb.write("  CPU  %-18s %6s %6s %6s  %-4s  %-4s %7s  %-18s %s\n" % (
            "loaded_mm", "gen", "mm_gen", "behind", "lazy", "mask",
            "gathers", "pv", "owner"))
        for r in rows:
            gdb.write("  %3d  %-18s %6s %6s %6s  %-4s  %-4s %7s  %-18s %s\n"
                      % (r["cpu"], opt(r["mm"] or None, "%#x"),
                         opt(r["gen"] if r["mm"] else None),
                         opt(r["mm_gen"]), opt(r["behind"]),
                         "yes" if r["lazy"] else "no",
                         "-" if r["in_mask"] is None else
                         ("yes" if r["in_mask"] else "no"),
                         opt(r["gathers"]), r["pv"], r["owner"] or "-"))


KernelTlb()
