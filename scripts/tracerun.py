#!/usr/bin/env python3
"""tracerun.py - `make trace SCENARIO=name`: one scenario traced, as pictures.

Builds the scenario's configuration, boots it under TCG with the trace
port (COM2) connected to a file, lets the kernel run the scenario and
export its trace, then writes, in bench/results/trace-<date>-<scenario>/
and again in bench/results/trace-latest/:
    trace.bin      the kernel's binary image (kernel/trace/export.c)
    trace.json     Chrome trace-event JSON (Perfetto, chrome://tracing)
    timeline.png   one lane per CPU, the scenario's window
    console.log    the serial console of the boot
The scenarios (docs/tracing.md):
    shootdown     a munmap on 4 CPUs (tracescn=shootdown)
    lazy          one CPU lazy: skipped by a madvise, reached by the munmap
    pv            SHOOTDOWN=pv: a flush deferred to a preempted vCPU, done on entry
    rcu           a grace period freeing a page-table batch
    spf-abort     FAULT=spf: the fault suite, stopped after a speculative
                  fault aborted by a writer (sequence changed)
    gup-fallback  the gup suite, stopped after fast GUP fell back
    unsafe        TABLE_FREE=ipi SHOOTDOWN=pv: the pv suite, stopped after a
                  walker read a freed page table (marked on the picture)
Each scenario sets the design switches it needs; a switch given on the
command line wins, with a warning when it defeats the scenario.  The host
is shared: the timings in the picture are TCG's under whatever load there
was, good for order and shape, not for measurement.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import sys

import kbuild
import matrix
import qemurun
import tracechrome
import traceparse as tp
import traceplot

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results")

# name: (switches, cpus, command line, window)
# window: ("marks", a, b, margin_us) between scenario marks a and b;
#         ("between", A, B, margin) from the first event A to the first B
#         after it, widened by margin (a fraction of that time);
#         ("focus", EVENT, before_us, after_us[, (arg, value)]) around the
#         first such event.
SCENARIOS = {
    "shootdown": ({}, 4, "tracescn=shootdown trace=tlb,ipi,rcu,test",
                  ("marks", 1, 2, 30.0)),
    "lazy": ({}, 4, "tracescn=lazy trace=tlb,ipi,rcu,test",
             ("marks", 1, 2, 30.0)),
    "pv": ({"SHOOTDOWN": "pv"}, 4, "tracescn=pv trace=tlb,ipi,pv,test",
           ("between", "TLB_START", "PV_FLUSH_ENTRY", 0.05)),
    "rcu": ({"TABLE_FREE": "rcu"}, 4, "tracescn=rcu trace=tlb,ipi,rcu,test",
            ("between", "TLB_DONE", "RCU_TABLE_FREE", 0.05)),
    "spf-abort": ({"FAULT": "spf"}, 2,
                  "ktest=fault trace=fault,lock,tlb,ipi tracestop=FAULT_SPF_ABORT:300:a0=0 traceexport=port",
                  ("focus", "FAULT_SPF_ABORT", 2000.0, 2500.0, ("reason", 0))),
    "gup-fallback": ({}, 2,
                     "ktest=gup trace=gup,fault,tlb,ipi tracestop=GUP_FALLBACK:300 traceexport=port",
                     ("focus", "GUP_FALLBACK", 1000.0, 1000.0)),
    "unsafe": ({"TABLE_FREE": "ipi", "SHOOTDOWN": "pv"}, 4,
               "ktest=pv trace=tlb,ipi,pv,fault tracestop=WALK_FREED:200 traceexport=port",
               ("focus", "WALK_FREED", 4000.0, 300.0)),
}

TITLES = {
    "shootdown": "a munmap on a mm every CPU runs: IPIs out, flushes, acks",
    "lazy": "a lazy CPU: skipped when no table is freed, reached when one is",
    "pv": "SHOOTDOWN=pv: a flush deferred to a preempted vCPU, done on its entry",
    "rcu": "a grace period: each CPU's quiescent state, then the table batch freed",
    "spf-abort": "FAULT=spf: a speculative fault aborted by a writer, then the locked path",
    "gup-fallback": "fast GUP falls back to the slow path",
    "unsafe": "TABLE_FREE=ipi SHOOTDOWN=pv: a walker reads a freed page table",
}


def choose_switches(name: str, given: dict) -> tuple[dict, list]:
    """The scenario's switches, the user's winning; warnings for conflicts."""
    need = SCENARIOS[name][0]
    out, warn = {}, []
    for s in matrix.SWITCHES:
        want = need.get(s.name)
        got = given.get(s.name) or ""
        if got and want and got != want:
            warn.append(f"scenario {name} needs {s.name}={want}; {s.name}={got} given: "
                        "the picture may not show what the scenario is about")
        out[s.name] = got or want or s.default
    return out, warn


def pick_window(tr: tp.Trace, win: tuple) -> tuple[float, float]:
    if win[0] == "marks":
        marks = {e.args[0]: e.ts_us for e in tr.events if e.type.ident == "MARK"}
        if win[1] in marks and win[2] in marks:
            return max(0.0, marks[win[1]] - win[3]), marks[win[2]] + win[3]
        return tp.window(tr, None, 0, 0)
    if win[0] == "between":
        a = next((e for e in tr.events if e.type.ident == win[1]), None)
        b = a and next((e for e in tr.events if e.type.ident == win[2] and e.ts >= a.ts), None)
        if a and b:
            pad = (b.ts_us - a.ts_us) * win[3] + 20.0
            return max(0.0, a.ts_us - pad), b.ts_us + pad
        return tp.window(tr, None, 0, 0)
    min_arg = win[4] if len(win) > 4 else None
    if min_arg is not None:
        hits = [e for e in tr.events if e.type.ident == win[1] and e.arg(min_arg[0]) == min_arg[1]]
        if hits:
            t = hits[0].ts_us
            return max(0.0, t - win[2]), t + win[3]
    return tp.window(tr, win[1], win[2], win[3])


def run(name: str, cpus: int | None, given: dict, accel: str, timeout: float) -> int:
    sw, warns = choose_switches(name, given)
    for w in warns:
        print(f"trace: warning: {w}")
    config = "-".join(sw[s.name] for s in matrix.SWITCHES)
    ncpus = cpus or SCENARIOS[name][1]
    cmdline = SCENARIOS[name][2]
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = os.path.join(RESULTS, f"trace-{stamp}-{name}")
    os.makedirs(out, exist_ok=True)
    print(f"trace: {name}: building {config} ...")
    kernel, err = kbuild.build_config(config, [])
    if not kernel:
        print(err)
        print("trace: FAILED build")
        return 1
    binp, log = os.path.join(out, "trace.bin"), os.path.join(out, "console.log")
    print(f"trace: booting {config}, {ncpus} CPUs, {accel}: {cmdline}")
    res = qemurun.run_qemu(dict(kernel=kernel, boot="direct", cpus=ncpus, mem="512M",
                                accel=accel, cmdline=cmdline, trace_port=binp),
                           log, timeout, watch_key=cmdline.split()[0].split("=")[0])
    print(f"trace: boot ended: {res.classification} ({res.duration:.1f} s)")
    try:
        tr = tp.load(binp)
    except (OSError, tp.TraceError) as e:
        print(f"trace: no trace from the kernel: {e}; console log: {log}")
        return 1
    t0, t1 = pick_window(tr, SCENARIOS[name][3])
    import json
    with open(os.path.join(out, "trace.json"), "w") as f:
        json.dump(tracechrome.to_chrome(tr), f)
    title = f"{name}: {TITLES[name]}  [{config}, {ncpus} CPUs, TCG]"
    drawn = traceplot.plot(tr, os.path.join(out, "timeline.png"), t0, t1, title)
    if name == "unsafe" and not drawn["freed_reads"]:
        print("trace: warning: no walker read a freed table this time (the race is "
              "probabilistic, and a busy host makes it rarer): run it again")
    latest = os.path.join(RESULTS, "trace-latest")
    shutil.rmtree(latest, ignore_errors=True)
    shutil.copytree(out, latest)
    print(f"trace: {len(tr.events)} events on {len(tr.cpus)} CPUs, {tr.lost} lost; window "
          f"{t0:.1f}-{t1:.1f} us: {drawn}")
    print(f"trace: wrote {out}/trace.json and timeline.png (also {latest}/)")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="", help="one of: " + " ".join(SCENARIOS))
    ap.add_argument("--cpus", default="")
    for s in matrix.SWITCHES:
        ap.add_argument(s.option, default="")
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--timeout", type=float, default=300)
    a = ap.parse_args(argv)
    if a.scenario not in SCENARIOS:
        print(f"trace: SCENARIO must be one of: {', '.join(SCENARIOS)} (got {a.scenario!r})")
        return 2
    if a.cpus and (not a.cpus.isdigit() or not 2 <= int(a.cpus) <= 16):
        print("trace: CPUS must be 2 to 16 for a trace scenario")
        return 2
    given = {s.name: getattr(a, s.option.lstrip("-").replace("-", "_")) for s in matrix.SWITCHES}
    for s in matrix.SWITCHES:
        if given[s.name] and given[s.name] not in s.values:
            print(f"trace: {s.name} must be one of {', '.join(s.values)}")
            return 2
    return run(a.scenario, int(a.cpus) if a.cpus else None, given, a.accel, a.timeout)


if __name__ == "__main__":
    sys.exit(main())
