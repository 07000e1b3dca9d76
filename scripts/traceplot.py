#!/usr/bin/env python3
"""traceplot.py - a kernel trace as a PNG timeline (matplotlib).

One lane per CPU (cpu0 at the top), time in microseconds along the x
axis.  Spans (a shootdown, a fault, a grace period, an IRQ, a vCPU's
preemption) are bars, instants are ticks, both coloured by subsystem;
every IPI is an arrow from its sender's ipi_send to its receiver's
ipi_recv, every deferred pv flush a dashed arrow to the target's flush on
entry; a walker's read of a freed page table (the unsafe pairing) is a
large red cross with a label.  The legend names the subsystems; the title
says how many events were lost to the ring's overflow.

    python3 scripts/traceplot.py trace.bin -o timeline.png [--from US --to US]
        [--title TEXT] [--only tlb,ipi,...]
"""

from __future__ import annotations

import dataclasses
import os
import sys

import traceparse as tp

COLOURS = {"tlb": "#1f77b4", "ipi": "#ff7f0e", "pv": "#9467bd", "rcu": "#2ca02c",
           "fault": "#d62728", "gup": "#8c564b", "lock": "#e377c2", "sched": "#7f7f7f",
           "irq": "#bcbd22", "test": "#17becf"}
# Each CPU lane has rows, so that spans of different subsystems that
# overlap in time (a shootdown inside a grace period) both show: row
# offset from the lane's centre and bar height.
ROWS = {"tlb": (-0.36, 0.22), "fault": (-0.36, 0.22), "gup": (-0.36, 0.22),
        "pv": (-0.12, 0.22), "rcu": (0.12, 0.16), "irq": (0.30, 0.08),
        "sched": (0.30, 0.08), "lock": (0.30, 0.08), "test": (0.30, 0.08)}


DEBIAN_DIST = "/usr/lib/python3/dist-packages"


# Instants worth a word on the picture: ident -> label (args formatted in).
LABELS = {"TLB_LAZY_SKIP": "lazy cpu{0} skipped", "PV_DEFER": "defer cpu{0}",
          "PV_FLUSH_ENTRY": "flush on entry", "FAULT_SPF_ABORT": "spf abort ({0})",
          "FAULT_FALLBACK": "fallback", "GUP_FALLBACK": "gup fallback",
          "RCU_TABLE_FREE": "{0} tables freed", "RCU_GP_START": "gp {0} starts",
          "RCU_GP_END": "gp {0} ends"}
SPF_REASONS = ["seq", "no_table", "vma", "pte", "unsupported"]


def label(e: tp.Event) -> str | None:
    fmt = LABELS.get(e.type.ident)
    if fmt is None:
        return None
    a0 = e.args[0]
    if e.type.ident == "FAULT_SPF_ABORT" and a0 < len(SPF_REASONS):
        a0 = SPF_REASONS[a0]
    return fmt.format(a0)


def import_pyplot():
    """matplotlib.pyplot (Agg).  `make deps` installs Debian's
    python3-matplotlib; a python3 on PATH that is not Debian's (a pyenv of
    the same 3.x) does not see it, so its dist-packages are tried last."""
    try:
        import matplotlib
    except ImportError:
        if os.path.isdir(DEBIAN_DIST) and DEBIAN_DIST not in sys.path:
            sys.path.append(DEBIAN_DIST)
        try:
            import matplotlib
        except ImportError:
            raise tp.TraceError("no matplotlib: run `make deps` (python3-matplotlib)") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def plot(tr: tp.Trace, out: str, t0: float | None = None, t1: float | None = None,
         title: str = "", only: set | None = None) -> dict:
    """Draw @tr (events in [t0, t1] us, subsystems in @only) to PNG @out.
    Return what was drawn (counts), for tests and the caller's summary."""
    plt = import_pyplot()
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    lo = t0 if t0 is not None else (tr.events[0].ts_us if tr.events else 0.0)
    hi = t1 if t1 is not None else (tr.events[-1].ts_us if tr.events else 1.0)
    if hi <= lo:
        hi = lo + 1.0
    # Time from the window's start: readable tick labels, no axis offset.
    origin = lo
    tr = dataclasses.replace(tr, events=[dataclasses.replace(e, ts_us=e.ts_us - origin)
                                         for e in tr.events])
    lo, hi = 0.0, hi - origin
    cpus = sorted(c.cpu for c in tr.cpus)
    lane = {c: i for i, c in enumerate(cpus)}
    keep = (lambda s: True) if not only else (lambda s: s in only)

    fig, ax = plt.subplots(figsize=(12, 1.1 * len(cpus) + 1.6), dpi=100)
    drawn = {"spans": 0, "instants": 0, "ipi_arrows": 0, "pv_arrows": 0, "freed_reads": 0}
    used = set()
    sp, inst = tp.spans(tr)
    for s in sp:
        if not keep(s.subsys) or s.end_us < lo or s.start_us > hi or s.cpu not in lane:
            continue
        y = lane[s.cpu]
        off, h = ROWS.get(s.subsys, (0.30, 0.08))
        x0, x1 = max(s.start_us, lo), min(s.end_us, hi)
        ax.broken_barh([(x0, max(x1 - x0, (hi - lo) * 0.002))], (y + off, h),
                       facecolors=COLOURS.get(s.subsys, "k"), alpha=0.6, edgecolor="none")
        if h > 0.1 and (x1 - x0) > (hi - lo) * 0.06:
            ax.text(x0, y + off + h / 2, " " + s.name, fontsize=7, va="center")
        used.add(s.subsys)
        drawn["spans"] += 1
    for e in inst:
        if not keep(e.subsys) or not lo <= e.ts_us <= hi or e.cpu not in lane:
            continue
        y = lane[e.cpu]
        if e.type.ident == "WALK_FREED":
            ax.plot([e.ts_us], [y], marker="X", markersize=16, color="red", zorder=5)
            ax.annotate("read of a freed page table", (e.ts_us, y), xytext=(6, 10),
                        textcoords="offset points", color="red", fontsize=9, weight="bold")
            drawn["freed_reads"] += 1
        else:
            ax.plot([e.ts_us, e.ts_us], [y - 0.4, y + 0.4], color=COLOURS.get(e.subsys, "k"),
                    linewidth=1.2)
            text = label(e)
            if text:
                ax.text(e.ts_us, y + 0.45, " " + text, fontsize=7, va="bottom",
                        color=COLOURS.get(e.subsys, "k"))
        used.add(e.subsys)
        drawn["instants"] += 1
    for f in tp.flows(tr):
        if f.src.cpu not in lane or f.dst.cpu not in lane:
            continue
        if not (lo <= f.src.ts_us <= hi and lo <= f.dst.ts_us <= hi):
            continue        # an arrow from outside the window would point nowhere
        if not keep("ipi" if f.kind == "ipi" else "pv"):
            continue
        style = "-" if f.kind == "ipi" else "--"
        colour = COLOURS["ipi"] if f.kind == "ipi" else COLOURS["pv"]
        ax.annotate("", xy=(f.dst.ts_us, lane[f.dst.cpu]), xytext=(f.src.ts_us, lane[f.src.cpu]),
                    arrowprops=dict(arrowstyle="->", color=colour, linestyle=style, lw=1.1,
                                    shrinkA=0, shrinkB=0))
        drawn["ipi_arrows" if f.kind == "ipi" else "pv_arrows"] += 1
    ax.set_xlim(lo, hi)
    ax.set_ylim(len(cpus) - 0.5, -0.7)
    ax.set_yticks(range(len(cpus)))
    ax.set_yticklabels([f"cpu{c}" for c in cpus])
    ax.set_xlabel(f"time (µs) from {origin:.1f} µs after the trace's first event")
    ax.set_ylabel("CPU")
    ax.grid(axis="x", alpha=0.3)
    lost = tr.lost
    ax.set_title((title + "\n" if title else "") +
                 f"{len(tr.events)} events, {lost} lost ({tr.policy} rings of {tr.ring_slots})",
                 fontsize=10)
    handles = [Patch(color=COLOURS[s], label=s) for s in COLOURS if s in used]
    if drawn["ipi_arrows"]:
        handles.append(Line2D([0], [0], color=COLOURS["ipi"], label="IPI sender → receiver"))
    if drawn["pv_arrows"]:
        handles.append(Line2D([0], [0], color=COLOURS["pv"], linestyle="--",
                              label="deferred flush → flush on entry"))
    if drawn["freed_reads"]:
        handles.append(Line2D([0], [0], marker="X", color="red", linestyle="none",
                              markersize=10, label="walker read a freed table"))
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    fig.tight_layout()
    fig.savefig(out, bbox_inches="tight")
    plt.close(fig)
    return drawn


def main(argv=None) -> int:
    ap = tp.converter_args(__doc__.splitlines()[0], "PNG to write")
    ap.add_argument("--title", default="")
    ap.add_argument("--only", help="subsystems to draw, comma separated")
    a = ap.parse_args(argv)
    tr = tp.load_for("traceplot", a.trace)
    if tr is None:
        return 1
    only = set(a.only.split(",")) if a.only else None
    try:
        print(plot(tr, a.out, a.t0, a.t1, a.title, only))
    except tp.TraceError as e:
        print(f"traceplot: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
