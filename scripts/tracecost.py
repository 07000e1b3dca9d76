#!/usr/bin/env python3
"""tracecost.py - `make trace-cost`: what the trace costs when it is off,
and what one event costs when it is on.

Two builds of one configuration booted in one run, alternately (A B A B
... for --rounds rounds): the normal build, whose trace points test
trace_switch.mask and branch, with tracing off; and a TRACE_POINTS=0
build, where every trace point is compiled away.  Each boot runs the
pagefault benchmark (user-mode first touch, the fault path's trace
points), munmap_pages (the shootdown's) and trace_event (cycles per call
off and on).  The report sets them side by side: per row the medians over
the rounds and the ratio with/without trace points, the issue's target
being within 2%; and the cycles of one recorded event.

    python3 scripts/tracecost.py [--cpus 2] [--rounds 2] [--config rcu-ipi-vma]

Output: bench/results/trace-cost-<date>/report.md and results.csv, and
the table on stdout.  The host's load is taken at the start and the end
(scripts/hostload.py); on a busy host the report says so in its first
line, and its ratios are no measurement.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import statistics
import sys

import benchlog
import hostload
import kbuild
import matrix

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHES = "pagefault,munmap_pages,trace_event"
VARIANTS = (("trace points, tracing off", []), ("TRACE_POINTS=0", ["TRACE_POINTS=0"]))


def key(r: dict) -> tuple:
    return (r["name"], r["metric"], r["x"], r["unit"])


def table(rows_by_variant: list[dict]) -> list[tuple]:
    """[(name, metric, x, unit, with, without, ratio)] for the rows both
    variants reported (medians over the rounds)."""
    a, b = rows_by_variant
    out = []
    for k in sorted(set(a) & set(b), key=lambda k: (k[0], k[1], k[2])):
        va, vb = statistics.median(a[k]), statistics.median(b[k])
        ratio = va / vb if vb else float("nan")
        out.append((*k, va, vb, ratio))
    return out


def render(rows: list[tuple], warn: str, config: str, cpus: int, rounds: int) -> str:
    lines = []
    if warn:
        lines += [f"**{warn}**", ""]
    lines += [f"# Trace off-cost: {config}, {cpus} CPUs, {rounds} round(s) of both builds, TCG",
              "",
              "| benchmark | metric | x | unit | trace points, off | TRACE_POINTS=0 | ratio |",
              "| --- | --- | --- | --- | ---: | ---: | ---: |"]
    for name, metric, x, unit, va, vb, r in rows:
        lines.append(f"| {name} | {metric} | {'' if x == -1 else int(x)} | {unit} | "
                     f"{va:g} | {vb:g} | {r:.3f} |")
    on = [r for r in rows if r[0] == "trace_event" and r[1] == "on"]
    off = [r for r in rows if r[0] == "trace_event" and r[1] == "off"]
    if on and off:
        lines += ["", f"One recorded event (tracing on): {on[0][4]:g} cycles a call, "
                  f"{on[0][4] - off[0][4]:g} more than with tracing off "
                  f"({off[0][4]:g}: the branch and the loop)."]
    lines += ["", "Ratios near 1.000 mean the off trace points cost nothing measurable; "
              "under TCG, on a shared host, differences of a few per cent are noise "
              "(docs/tracing.md)."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="")
    ap.add_argument("--cpus", default="2")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args(argv)
    config = a.config or "-".join(s.default for s in matrix.SWITCHES)
    cpus = int(a.cpus or 2)
    start = hostload.take("start")
    kernels = []
    for label, extra in VARIANTS:
        print(f"trace-cost: building {config} ({label}) ...")
        k, err = kbuild.build_config(config, extra)
        if not k:
            print(err)
            return 1
        kernels.append(k)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = os.path.join(ROOT, "bench", "results", f"trace-cost-{stamp}")
    os.makedirs(out, exist_ok=True)
    got = [dict(), dict()]
    for rnd in range(a.rounds):
        for i, (label, _) in enumerate(VARIANTS):
            log = os.path.join(out, f"boot-{rnd}-{i}.log")
            res, text = kbuild.boot(kernels[i], cpus, f"bench={BENCHES}", log, a.accel, "512M",
                                    a.timeout)
            # The build's own name (rcu-ipi-vma+trace_points0 for the
            # baseline): the name each BENCH line reports.
            built = os.path.basename(os.path.dirname(kernels[i]))
            scan = benchlog.parse_log(text, log, built, cpus, a.accel)
            print(f"trace-cost: round {rnd + 1}, {label}: {res.classification}, "
                  f"{len(scan.results)} results")
            if res.classification != "pass" or scan.errors:
                print("\n".join(scan.errors) or f"boot failed: see {log}")
                return 1
            for r in scan.results:
                got[i].setdefault(key(r), []).append(r["value"])
    end = hostload.take("end")
    warn = hostload.warning(hostload.busy_reasons(start, end))
    rows = table(got)
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "metric", "x", "unit", "with_trace_points_off", "trace_points_0", "ratio"])
        w.writerows(rows)
    report = render(rows, warn, config, cpus, a.rounds)
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(report)
    print(report)
    print(f"trace-cost: wrote {out}/report.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
