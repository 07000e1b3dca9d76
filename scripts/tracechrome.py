#!/usr/bin/env python3
"""tracechrome.py - a kernel trace as Chrome trace-event JSON.

The JSON Object Format of the Trace Event Format, which Perfetto
(ui.perfetto.dev) and chrome://tracing open: one process ("kernel"), one
thread lane per CPU ("cpu0", ...), spans as complete events ("X", from the
B/E pairs of events.def), instants as "i" (thread scope), and a flow
("s" on the sender, "f" on the receiver, bound to the enclosing slice) for
every IPI from sender to receiver and every deferred pv flush to the
flush on entry.  Arguments keep their events.def names; timestamps are
microseconds from the first event (the header's TSC frequency).  The
metadata carries the lost-event counts, so a viewer of the picture is told
when the rings overflowed.

    python3 scripts/tracechrome.py trace.bin -o trace.json [--from US --to US]
"""

from __future__ import annotations

import json
import sys

import traceparse as tp

PID = 1


def to_chrome(tr: tp.Trace, t0: float | None = None, t1: float | None = None) -> dict:
    """The trace-event JSON object of @tr, events in [t0, t1] (us)."""
    lo = t0 if t0 is not None else float("-inf")
    hi = t1 if t1 is not None else float("inf")
    out = [{"ph": "M", "pid": PID, "name": "process_name", "args": {"name": "kernel"}}]
    for c in tr.cpus:
        out.append({"ph": "M", "pid": PID, "tid": c.cpu, "name": "thread_name",
                    "args": {"name": f"cpu{c.cpu}"}})
        out.append({"ph": "M", "pid": PID, "tid": c.cpu, "name": "thread_sort_index",
                    "args": {"sort_index": c.cpu}})

    def args(e):
        return {n: hex(v) for n, v in zip(e.type.args, e.args) if n}

    sp, inst = tp.spans(tr)
    for s in sp:
        if s.end_us < lo or s.start_us > hi:
            continue
        a = args(s.begin)
        if s.end is not None:
            a.update({f"end.{k}": v for k, v in args(s.end).items()})
        else:
            a["open"] = "no end event in the trace"
        out.append({"ph": "X", "pid": PID, "tid": s.cpu, "name": s.name, "cat": s.subsys,
                    "ts": round(s.start_us, 3), "dur": round(max(s.end_us - s.start_us, 0.001), 3),
                    "args": a})
    for e in inst:
        if lo <= e.ts_us <= hi:
            out.append({"ph": "i", "s": "t", "pid": PID, "tid": e.cpu, "name": e.name,
                        "cat": e.subsys, "ts": round(e.ts_us, 3), "args": args(e)})
    for i, f in enumerate(tp.flows(tr)):
        if f.dst.ts_us < lo or f.src.ts_us > hi:
            continue
        name = "ipi" if f.kind == "ipi" else "deferred flush"
        out.append({"ph": "s", "id": i + 1, "pid": PID, "tid": f.src.cpu, "name": name,
                    "cat": f.kind, "ts": round(f.src.ts_us, 3)})
        out.append({"ph": "f", "bp": "e", "id": i + 1, "pid": PID, "tid": f.dst.cpu,
                    "name": name, "cat": f.kind, "ts": round(f.dst.ts_us, 3)})
    return {"traceEvents": out, "displayTimeUnit": "ns",
            "otherData": {"tsc_hz": tr.tsc_hz, "policy": tr.policy, "ring_slots": tr.ring_slots,
                          "lost": {f"cpu{c.cpu}": c.lost for c in tr.cpus},
                          "events_version": tr.table.version}}


def main(argv=None) -> int:
    a = tp.converter_args(__doc__.splitlines()[0], "trace.json to write").parse_args(argv)
    tr = tp.load_for("tracechrome", a.trace)
    if tr is None:
        return 1
    with open(a.out, "w") as f:
        json.dump(to_chrome(tr, a.t0, a.t1), f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
