#!/usr/bin/env python3
"""compare.py - `make compare`: the seed thread's six experiments side by side.

EXPERIMENTS below is the one place that says what runs: per experiment the
benchmarks, the configurations, the CPU counts and how many boots (full and
QUICK=1), what each table and plot shows and against which baseline.
HEADLINES says which number answers each question of the seed thread.

Each (experiment, configuration, CPU count) is booted `boots` times, one
boot at a time, round-robin over the configurations (boot 1 of each, then
boot 2 of each, ...) so that a change in host load hits every
configuration alike.  A figure in the report is the median of the boots'
medians; its min..max are the smallest min and largest max any boot saw.
The boots are scripts/bench.py's (run_boots()), the parser benchlog.py's,
the CSV and plot writers benchreport.py's.  Output, in
bench/results/compare-<YYYYmmdd-HHMMSS>/ (copied to
bench/results/compare-latest/) or --out DIR:

    report.md        headline table, then one section per experiment
    compare.csv      the report's figures (aggregated over boots)
    results.csv      every BENCH line of every boot (`boot` = its log)
    E<n>_<what>.png  the plots; gnuplot/*.gp the scripts that drew them
    logs/*.log       the serial logs

A benchmark the kernel does not have (no `__bench_<name>` symbol in the
built kernel.elf) is not booted for and is reported as not measured, never
as a number.  --publish also writes docs/results.md (+ docs/results/*.png).
--from-log FILE... builds and boots nothing and reads logs instead.

Python 3.11 standard library plus the gnuplot binary.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench              # noqa: E402
import benchreport        # noqa: E402
import matrix             # noqa: E402
import qemu               # noqa: E402
from benchreport import fmt, overcommitted  # noqa: E402
from kbuild import say    # noqa: E402

ROOT = matrix.ROOT


# ==========================================================================
# The experiments: what runs, what is shown, against what
# ==========================================================================

@dataclass
class View:
    """One table and one plot of an experiment."""
    bench: str
    metrics: tuple[str, ...]
    series: str            # "config": a column per config; "metric": per metric
    baseline: str          # the config (or metric) every ratio divides by
    ylabel: str            # with its unit
    xlabel: str = ""       # with its unit; "" when the benchmark has no x
    plot: str = ""         # file name stem of the PNG
    x_to_us: bool = False  # x is a time: shown in us (from ns, see xconv())


@dataclass
class Experiment:
    id: str
    title: str
    question: str
    benches: tuple[str, ...]
    configs: tuple[str, ...]
    cpus: tuple[int, ...]
    boots: int
    quick_cpus: tuple[int, ...]
    quick_boots: int
    views: tuple[View, ...]


RCU, IPI = "rcu-ipi-spf", "ipi-ipi-spf"
EXPERIMENTS = [
    Experiment(
        "E1", "walker protection",
        "What does a lockless page-table walker pay to keep the tables it "
        "walks from being freed under it? With `TABLE_FREE=ipi` it turns "
        "interrupts off (the freeing CPU's shootdown IPI then waits for "
        "it); with `rcu` it holds `rcu_read_lock()`. The benchmarks open "
        "each kind of section explicitly, back to back in the same boot, "
        "around a fast-GUP walk of 1, 16 and 512 pages (`gup_section`) and "
        "around a plain 16-page walk (`gup_walk_section`); both "
        "configurations are booted and their boots pooled per metric.",
        ("gup_section", "gup_walk_section"), (RCU, IPI), (1,), 5, (1,), 1,
        (View("gup_section", ("irq_save_restore", "rcu_read_lock"),
              "metric", "irq_save_restore", "cycles per section",
              "pages per section", "E1_gup_section"),
         View("gup_walk_section",
              ("irq_save_restore_walk16", "rcu_read_lock_walk16"),
              "metric", "irq_save_restore_walk16",
              "cycles per 16-page walk section", "", "E1_walk_section"))),
    Experiment(
        "E2", "munmap under walkers",
        "How long does a munmap (16 pages, page tables freed) take on one "
        "CPU while every other CPU runs lockless walk sections of 1 us to "
        "1 ms back to back? Under `TABLE_FREE=ipi` the unmap's shootdown "
        "must wait for each walker to turn interrupts back on, so it grows "
        "with the section; under `rcu` the tables go to `call_rcu` and the "
        "munmap does not wait for readers.",
        ("gup_munmap_latency",), (RCU, IPI), (2,), 5, (2,), 1,
        (View("gup_munmap_latency", ("munmap_16_pages",), "config", IPI,
              "munmap latency (ns)", "walker section length (us)",
              "E2_munmap_latency", x_to_us=True),)),
    Experiment(
        "E3", "page faults",
        "How many page faults per second do the three fault paths take, "
        "each faulting thread on its own pages, alone and with a concurrent "
        "mmap/munmap writer in the same mm? `FAULT=locked` takes "
        "`mmap_lock` for read, so the writer stalls it; `spf` faults "
        "speculatively under a sequence count and aborts to the locked "
        "path when a writer ran; `vma` locks only the faulting VMA, found "
        "under RCU, and falls back when it cannot. The abort/fallback rate "
        "says how often the fast path gave up.",
        ("pft",), ("rcu-ipi-locked", RCU, "rcu-ipi-vma"), (2, 4), 5, (2,), 1,
        (View("pft", ("faults_per_s_own", "faults_per_s_writer"), "config",
              "rcu-ipi-locked", "page faults per second (faults/s)",
              "faulting threads", "E3_faults_per_s"),
         View("pft", ("abort_ppm_own", "abort_ppm_writer"), "config",
              "rcu-ipi-locked",
              "spf aborts / vma fallbacks per million faults (ppm)",
              "faulting threads", "E3_abort_ppm"))),
    Experiment(
        "E4", "shootdown with preempted vCPUs",
        "What does a one-page TLB shootdown cost its initiator as more of "
        "the other vCPUs are preempted by the host, and how many IPIs does "
        "it send? With `SHOOTDOWN=ipi` an IPI to a preempted vCPU waits "
        "until the host runs it again; with `pv` the flush of a preempted "
        "vCPU is left to the host (done at its next entry), so no IPI and "
        "no wait. Under TCG the host is the kernel's model "
        "(kernel/pvmodel.c), which holds x vCPUs out for 2 ms each.",
        ("pv_flush",), (RCU, "rcu-pv-spf"), (2, 4), 5, (2,), 1,
        (View("pv_flush", ("initiator_ns",), "config", RCU,
              "initiator latency (ns)", "preempted vCPUs",
              "E4_initiator_latency"),
         View("pv_flush", ("ipis_per_1000_flushes",
                           "ipis_to_preempted_per_1000_flushes"),
              "config", RCU, "IPIs per 1000 flushes", "preempted vCPUs",
              "E4_ipis"))),
    Experiment(
        "E5", "safety of the four pairings",
        "Is a lockless walker ever handed a freed page table? The paravirt "
        "shootdown does not interrupt a preempted vCPU, so an IRQs-off "
        "walker there is not waited for: `TABLE_FREE=ipi` with "
        "`SHOOTDOWN=pv` frees the table under it (the unsafe pairing, the "
        "one above zero), while RCU-freed tables (`rcu-*`) and IPI "
        "shootdowns (`*-ipi`) stay safe. Each boot runs the pv suite's "
        "race for 4 s under the host model's preemptions and counts "
        "poisoned (freed) table reads per million walks.",
        ("pv_safety",), (RCU, "rcu-pv-spf", IPI, "ipi-pv-spf"), (2,), 3,
        (2,), 1,
        (View("pv_safety", ("poisoned_per_million_walks",), "config", RCU,
              "poisoned table reads per million walks (ppm)", "",
              "E5_poisoned_ppm"),
         View("pv_safety", ("walks", "preempted_walks"), "config", RCU,
              "walks per boot (count)", "", "E5_walks"))),
    Experiment(
        "E6", "memory waiting for a grace period",
        "How much page-table memory waits for a grace period in a munmap "
        "storm (41 munmaps of 4 MiB, each freeing two PTE tables and "
        "their upper levels)? Under `TABLE_FREE=rcu` the tables wait for "
        "a grace period before they can be reused; under `ipi` only the "
        "VMAs do. Also the munmap's own cost.",
        ("munmap_storm",), (RCU, IPI), (2,), 5, (2,), 1,
        (View("munmap_storm", ("peak_deferred_bytes",), "config", IPI,
              "peak bytes waiting for RCU (bytes)", "", "E6_peak_deferred"),
         View("munmap_storm", ("munmap_4mib",), "config", IPI,
              "munmap of 4 MiB (cycles)", "", "E6_munmap_4mib"))),
]


@dataclass
class Pick:
    """One figure of the headline: bench/metric of a series at x.
    cpus: "timing" takes the largest CPU count not overcommitted (timings
    do not carry over from overcommitted boots), "count" the largest."""
    bench: str
    metric: str
    series: str
    x: float | str = -1        # a number, or "max"
    cpus: str = "timing"


@dataclass
class Headline:
    question: str
    experiment: str
    value: Pick
    baselines: tuple[Pick, ...]
    alt: tuple[Pick, Pick] | None = None   # (value, baseline) if no value


HEADLINES = [
    Headline("E1: cycles of a fast-GUP section of 16 pages under "
             "rcu_read_lock, against IRQs off", "E1",
             Pick("gup_section", "rcu_read_lock", "rcu_read_lock", 16),
             (Pick("gup_section", "irq_save_restore", "irq_save_restore",
                   16),),
             alt=(Pick("gup_walk_section", "rcu_read_lock_walk16",
                       "rcu_read_lock_walk16"),
                  Pick("gup_walk_section", "irq_save_restore_walk16",
                       "irq_save_restore_walk16"))),
    Headline("E2: munmap latency (ns) with 100 us walker sections, "
             "rcu against ipi", "E2",
             Pick("gup_munmap_latency", "munmap_16_pages", RCU, 100),
             (Pick("gup_munmap_latency", "munmap_16_pages", IPI, 100),)),
    Headline("E3: faults/s of spf with a concurrent writer, 2 threads, "
             "against locked", "E3",
             Pick("pft", "faults_per_s_writer", RCU, 2),
             (Pick("pft", "faults_per_s_writer", "rcu-ipi-locked", 2),)),
    Headline("E3: faults/s of vma with a concurrent writer, 2 threads, "
             "against locked", "E3",
             Pick("pft", "faults_per_s_writer", "rcu-ipi-vma", 2),
             (Pick("pft", "faults_per_s_writer", "rcu-ipi-locked", 2),)),
    Headline("E4: shootdown initiator latency (ns), pv against ipi, most "
             "vCPUs preempted", "E4",
             Pick("pv_flush", "initiator_ns", "rcu-pv-spf", "max"),
             (Pick("pv_flush", "initiator_ns", RCU, "max"),)),
    Headline("E4: IPIs sent to preempted vCPUs per 1000 flushes, pv "
             "against ipi, most vCPUs preempted", "E4",
             Pick("pv_flush", "ipis_to_preempted_per_1000_flushes",
                  "rcu-pv-spf", "max", "count"),
             (Pick("pv_flush", "ipis_to_preempted_per_1000_flushes", RCU,
                   "max", "count"),)),
    Headline("E5: poisoned table reads per million walks, ipi-pv (unsafe) "
             "against the three safe pairings", "E5",
             Pick("pv_safety", "poisoned_per_million_walks", "ipi-pv-spf",
                  cpus="count"),
             tuple(Pick("pv_safety", "poisoned_per_million_walks", c,
                        cpus="count")
                   for c in (RCU, "rcu-pv-spf", IPI))),
    Headline("E6: peak page-table bytes waiting for a grace period, rcu "
             "against ipi", "E6",
             Pick("munmap_storm", "peak_deferred_bytes", RCU, cpus="count"),
             (Pick("munmap_storm", "peak_deferred_bytes", IPI,
                   cpus="count"),)),
]


def experiment_of(name: str) -> Experiment | None:
    return next((e for e in EXPERIMENTS if name in e.benches), None)


# ==========================================================================
# Planning and running the boots
# ==========================================================================

def plan(experiments: list[Experiment], quick: bool):
    """[(experiment, config, cpus, boot k)], round-robin: boot k of every
    (experiment, config, cpus) before boot k + 1 of any."""
    out = []
    rounds = max((e.quick_boots if quick else e.boots) for e in experiments)
    for k in range(1, rounds + 1):
        for e in experiments:
            if k > (e.quick_boots if quick else e.boots):
                continue
            for n in (e.quick_cpus if quick else e.cpus):
                out += [(e, c, n, k) for c in e.configs]
    return out


def registered_benchmarks(kernel: str) -> set[str] | None:
    """The benchmarks a kernel has: its `__bench_<name>` symbols
    (BENCHMARK() in bench/kernel/bench.h); None if nm fails."""
    try:
        p = subprocess.run(["nm", kernel], capture_output=True, text=True,
                           timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if p.returncode != 0:
        return None
    names = set(re.findall(r"\s[rRdD]\s+__bench_(\w+)$", p.stdout, re.M))
    return names - {"start", "end"}


@dataclass
class Run:
    results: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    missing: dict = field(default_factory=dict)  # (bench, config): why
    boots: int = 0
    accels: set = field(default_factory=set)
    interrupted: bool = False


def run(experiments, quick: bool, accel: str, mem: str, timeout,
        log_dir: str) -> Run:
    out = Run()
    planned = plan(experiments, quick)
    kernels, out.problems = bench.build_kernels(c for _, c, _, _ in planned)
    have = {c: registered_benchmarks(k) for c, k in kernels.items() if k}
    boots, stems = [], []
    for e, c, n, k in planned:
        if not kernels.get(c):
            for b in e.benches:
                out.missing[(b, c)] = "the build failed"
            continue
        names = [b for b in e.benches if have[c] is None or b in have[c]]
        for b in e.benches:
            if b not in names:
                out.missing[(b, c)] = f"the kernel has no benchmark {b}"
        if names:
            boots.append((c, n, names))
            stems.append(f"{c}-cpus{n}-{e.id}-boot{k}")
    say(f"{len(boots)} boots planned")
    o = bench.run_boots(boots, accel, mem, timeout, log_dir, kernels, stems)
    out.results, out.boots, out.accels = o.results, len(o.boots), o.accels
    out.problems += o.problems
    out.interrupted = o.interrupted
    return out


def from_logs(paths: list[str]) -> Run:
    o = bench.from_logs(paths)
    return Run(o.results, o.problems, {}, len(o.boots), o.accels)


# ==========================================================================
# Aggregating over boots
# ==========================================================================

def aggregate(view: View, results: list[dict]) -> list[dict]:
    """The view's rows, one per (series, metric, cpus, x) over all boots:
    value = median of the boots' medians, min/max = extreme min/max.
    x_to_us: the interface gives the walker section in ns (1000..10^6);
    x up to 1000 is a kernel that still reports us, taken as it is."""
    rows = [r for r in results
            if r["name"] == view.bench and r["metric"] in view.metrics]
    to_us = view.x_to_us and rows and max(r["x"] for r in rows) > 1000
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        s = r["config"] if view.series == "config" else r["metric"]
        x = r["x"] / 1000 if to_us else r["x"]
        groups.setdefault((s, r["metric"], r["cpus"], x), []).append(r)
    out = []
    for (s, metric, n, x), rs in groups.items():
        out.append(dict(
            name=view.bench, series=s, metric=metric, cpus=n, x=x,
            configs=" ".join(sorted({r["config"] for r in rs})),
            accel=" ".join(sorted({r["accel"] for r in rs})),
            unit=rs[0]["unit"],
            value=statistics.median(r["value"] for r in rs),
            min=min(r["min"] for r in rs), max=max(r["max"] for r in rs),
            boots=len({r.get("boot", i) for i, r in enumerate(rs)}),
            runs=sum(r["runs"] for r in rs),
            host_cores=rs[0]["host_cores"],
            overcommitted="yes" if any(overcommitted(r) for r in rs) else
            rs[0]["overcommitted"]))
    return out


def series_order(view: View, exp: Experiment) -> list[str]:
    """The baseline first, then the configs or metrics as defined."""
    rest = exp.configs if view.series == "config" else view.metrics
    return [view.baseline] + [s for s in rest if s != view.baseline]


# ==========================================================================
# The report
# ==========================================================================

def mmm(a: dict) -> str:
    """`median (min..max)` with the overcommitted mark."""
    return (f"{fmt(a['value'])} ({fmt(a['min'])}..{fmt(a['max'])})" +
            (benchreport.OC_MARK if overcommitted(a) else ""))


def ratio(a: dict | None, base: dict | None) -> str:
    if a is None or base is None:
        return "-"
    if base["value"] == 0:
        return "baseline 0" if a["value"] else "0 = 0"
    return f"{a['value'] / base['value']:.3g}x"


def not_measured(bench_name: str, configs, run_: Run) -> str:
    why: dict[str, list[str]] = {}
    for c in configs:
        if (bench_name, c) in run_.missing:
            why.setdefault(run_.missing[(bench_name, c)], []).append(c)
    probs = [p for p in run_.problems if bench_name in p]
    if why:
        return "not measured: " + "; ".join(
            f"{w} ({', '.join(cs)})" for w, cs in why.items())
    if probs:
        return "not measured: " + probs[0]
    return f"not measured: no BENCH lines of {bench_name} in this run"


def pick(p: Pick, aggs: dict) -> dict | None:
    rows = [a for a in aggs.get(p.bench, []) if a["metric"] == p.metric
            and a["series"] == p.series]
    if p.cpus == "timing" and any(not overcommitted(a) for a in rows):
        rows = [a for a in rows if not overcommitted(a)]
    if not rows:
        return None
    n = max(a["cpus"] for a in rows)
    rows = [a for a in rows if a["cpus"] == n]
    x = max(a["x"] for a in rows) if p.x == "max" else p.x
    return next((a for a in rows if a["x"] == x), None)


def where(a: dict) -> str:
    return (f"{a['cpus']} vCPU{'s' if a['cpus'] > 1 else ''}" +
            (f", {a['xlabel'] or 'x'} {fmt(a['x'])}" if a["x"] != -1
             else "") + (", overcommitted" if overcommitted(a) else ""))


def headline_table(aggs: dict, run_: Run, experiments) -> list[str]:
    out = ["| question | answer | baseline | ratio | where |",
           "| --- | ---: | ---: | ---: | --- |"]
    ids = {e.id for e in experiments}
    for h in (h for h in HEADLINES if h.experiment in ids):
        v, bases = pick(h.value, aggs), [pick(b, aggs) for b in h.baselines]
        pv, pb = h.value, h.baselines
        note = ""
        if v is None and h.alt:
            note = f" ({h.alt[0].bench}: {h.value.bench} not measured)"
            pv, pb = h.alt[0], (h.alt[1],)
            v, bases = pick(pv, aggs), [pick(pb[0], aggs)]
        if v is None:
            exp = next(e for e in EXPERIMENTS if e.id == h.experiment)
            out.append(f"| {h.question} | "
                       f"{not_measured(pv.bench, exp.configs, run_)} "
                       f"| - | - | - |")
            continue
        known = [b for b in bases if b is not None]
        base_txt = ", ".join(
            f"{b.series}: " + (fmt(a["value"]) if a else "not measured")
            for b, a in zip(pb, bases))
        top = max(known, key=lambda a: a["value"]) if known else None
        unit = v["unit"]
        out.append(f"| {h.question} | {pv.series}: {fmt(v['value'])} "
                   f"{unit}{note} | {base_txt} | {ratio(v, top)} | "
                   f"{where(v)} |")
    return out


def view_table(view: View, exp: Experiment, rows: list[dict]) -> list[str]:
    order = [s for s in series_order(view, exp)
             if any(a["series"] == s for a in rows)]
    cells: dict[tuple, dict] = {}
    for a in rows:
        cells.setdefault((view.metrics.index(a["metric"])
                          if view.series == "config" else 0,
                          a["cpus"], a["x"]), {})[a["series"]] = a
    show_metric = view.series == "config" and len(view.metrics) > 1
    show_x = any(a["x"] != -1 for a in rows)
    head = (["metric"] if show_metric else []) + ["vCPUs"] + \
        ([view.xlabel or "x"] if show_x else []) + \
        [f"{s}{' (baseline)' if s == view.baseline else ''}" for s in order] + \
        [f"{s} / {view.baseline}" for s in order if s != view.baseline] + \
        ["boots"]
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join(" --- " if h == "metric" else " ---: "
                          for h in head) + "|"]
    for key in sorted(cells):
        row = cells[key]
        base = row.get(view.baseline)
        line = ([view.metrics[key[0]]] if show_metric else []) + \
            [str(key[1])] + ([fmt(key[2])] if show_x else [])
        line += [mmm(row[s]) if s in row else "-" for s in order]
        line += [ratio(row.get(s), base) for s in order
                 if s != view.baseline]
        line.append("/".join(sorted({str(a["boots"]) for a in row.values()})))
        out.append("| " + " | ".join(line) + " |")
    return out


def span_decades(vals) -> bool:
    """True when the positive values span 1.5 decades (30x) or more and
    none is zero: a log scale then shows them all."""
    vals = list(vals)
    return bool(vals) and min(vals) > 0 and max(vals) / min(vals) >= 30


def view_plot(view: View, exp: Experiment, rows: list[dict], term: str,
              out_dir: str) -> str:
    """Draw the view; return '' or the problem."""
    order = [s for s in series_order(view, exp)
             if any(a["series"] == s for a in rows)]
    show_x = any(a["x"] != -1 for a in rows)
    metrics = [m for m in view.metrics if any(a["metric"] == m
                                              for a in rows)]
    cpus = sorted({a["cpus"] for a in rows})
    series, xtics = [], None
    if not show_x:      # one point per category: series (and cpus)
        cats = [(s, m, n) for m in metrics for s in order for n in cpus
                if any((a["series"], a["metric"], a["cpus"]) == (s, m, n)
                       for a in rows)]
        xtics = []
        for i, (s, m, n) in enumerate(cats):
            a = next(a for a in rows
                     if (a["series"], a["metric"], a["cpus"]) == (s, m, n))
            lab = s + (f" {m}" if len(metrics) > 1 and
                       view.series == "config" else "") + \
                (f" cpus={n}" if len(cpus) > 1 else "")
            xtics.append((lab, i))
            series.append((lab, order.index(s), metrics.index(m),
                           [(i, a["value"], a["min"], a["max"])]))
        pos = {c: i for i, c in enumerate(cats)}
        oc = [(pos[(a["series"], a["metric"], a["cpus"])], a["value"])
              for a in rows if overcommitted(a)]
    else:
        for ci, s in enumerate(order):
            for mi, m in enumerate(metrics if view.series == "config"
                                   else [None]):
                for ni, n in enumerate(cpus):
                    pts = [(a["x"], a["value"], a["min"], a["max"])
                           for a in rows if a["series"] == s and a["cpus"] == n
                           and (m is None or a["metric"] == m)]
                    if pts:
                        lab = s + (f" {m}" if m and len(metrics) > 1 else "") \
                            + (f" cpus={n}" if len(cpus) > 1 else "")
                        series.append((lab, ci, mi * len(cpus) + ni, pts))
        oc = [(a["x"], a["value"]) for a in rows if overcommitted(a)]
    accels = ", ".join(sorted({a["accel"] for a in rows}))
    cores = sorted({str(a["host_cores"]) for a in rows if a["host_cores"]})
    boots = max(a["boots"] for a in rows)
    title = (f"{exp.id} {exp.title}: {view.bench}\n{accels}, vCPUs "
             f"{','.join(map(str, cpus))}, host cores "
             f"{','.join(cores) or '?'}; median of {boots} boot(s), "
             f"bars min..max")
    script = benchreport.plot_script(
        view.plot + ".png", term, title,
        view.xlabel if show_x else "configuration", view.ylabel, series, oc,
        logx=show_x and span_decades(a["x"] for a in rows),
        logy=span_decades([a["min"] for a in rows] +
                          [a["max"] for a in rows]),
        xtics=xtics, lines=show_x,
        comment=f"{exp.id} {view.bench}, drawn by scripts/compare.py")
    return benchreport.render(out_dir, view.plot, script)


def run_line(exp: Experiment, rows: list[dict]) -> str:
    cpus = sorted({a["cpus"] for a in rows})
    cores = sorted({str(a["host_cores"]) for a in rows if a["host_cores"]})
    oc = sorted({a["cpus"] for a in rows if overcommitted(a)})
    boots = sorted({a["boots"] for a in rows})
    return (f"Run: accelerator {', '.join(sorted({a['accel'] for a in rows}))}"
            f"; vCPUs {', '.join(map(str, cpus))}; host cores "
            f"{', '.join(cores) or 'unknown'}; boots per figure "
            f"{'-'.join(map(str, (boots[0], boots[-1])[:len(boots)]))}; "
            f"configurations {', '.join(exp.configs)}" +
            (f". **Overcommitted** (vCPUs > host cores): vCPUs "
             f"{', '.join(map(str, oc))}, marked (oc): their timings do "
             f"not carry over, counts do." if oc else "."))


def report(run_: Run, meta: dict, out_dir: str, experiments) -> tuple[
        str, list[str], list[str]]:
    """Return (report.md text, PNG files, plot problems); writes the
    plots and compare.csv."""
    aggs: dict[str, list[dict]] = {}
    per_view = []
    for e in experiments:
        for v in e.views:
            rows = aggregate(v, run_.results)
            for a in rows:
                a["experiment"], a["xlabel"] = e.id, v.xlabel
            aggs.setdefault(v.bench, []).extend(rows)
            per_view.append((e, v, rows))
    term = benchreport.gnuplot_terminal()
    pngs, problems = [], []
    if term is None:
        problems.append(benchreport.NO_GNUPLOT)
    out = ["# make compare: the RCU and IPI designs side by side", "",
           f"- date: {meta['date']}",
           f"- accelerator: {', '.join(sorted(run_.accels)) or '?'}",
           f"- host: {meta['host']}",
           f"- command: `{meta['command']}`",
           f"- boots: {run_.boots} in {meta['duration']}", "",
           "Every figure is the median over repeated boots of each boot's "
           "median (the benchmark's own repeated runs), shown as `median "
           "(min..max)`: min and max are the smallest and largest single "
           "run of any boot. A ratio divides a column's median by the "
           "named baseline's, both measured in this one run. `(oc)`: the "
           "boot had more vCPUs than the host has cores (overcommitted): "
           "its timings do not carry over to real SMP, its counts do. "
           "Absolute times under TCG emulation drift from run to run; "
           "read the ratios.", "",
           "## Headline", ""]
    out += headline_table(aggs, run_, experiments)
    out.append("")
    if run_.problems:
        out += ["**Problems in this run:**", ""]
        out += [f"- {p}" for p in run_.problems]
        out.append("")
    for e in experiments:
        out += [f"## {e.id}: {e.title}", "", e.question, ""]
        views = [(v, rows) for ee, v, rows in per_view if ee is e]
        all_rows = [a for _, rows in views for a in rows]
        if all_rows:
            out += [run_line(e, all_rows), ""]
        for v, rows in views:
            unit = ", ".join(dict.fromkeys(a["unit"] for a in rows)) or "-"
            out += [f"### {v.bench}: {', '.join(v.metrics)} ({unit})", ""]
            if not rows:
                out += [not_measured(v.bench, e.configs, run_) + ".", ""]
                continue
            out += [f"Baseline: `{v.baseline}`.", ""]
            out += view_table(v, e, rows)
            out.append("")
            if term:
                err = view_plot(v, e, rows, term, out_dir)
                if err:
                    problems.append(f"gnuplot failed for {err}")
                else:
                    pngs.append(v.plot + ".png")
                    out += [f"![{e.id} {v.bench}]({v.plot}.png)", ""]
    csv_rows = [a for rows in aggs.values() for a in rows]
    benchreport.write_csv(os.path.join(out_dir, "compare.csv"), csv_rows,
                          CSV_COLUMNS)
    return "\n".join(out), pngs, problems


CSV_COLUMNS = ("experiment", "name", "metric", "series", "configs", "cpus",
               "x", "value", "unit", "min", "max", "boots", "runs", "accel",
               "host_cores", "overcommitted")


def publish(out_dir: str, text: str, pngs: list[str]) -> str:
    """docs/results.md (plots in docs/results/), links rewritten."""
    docs = os.path.join(ROOT, "docs")
    img = os.path.join(docs, "results")
    shutil.rmtree(img, ignore_errors=True)
    os.makedirs(img)
    for p in pngs:
        shutil.copy(os.path.join(out_dir, p), img)
        text = text.replace(f"]({p})", f"](results/{p})")
    path = os.path.join(docs, "results.md")
    with open(path, "w") as f:
        f.write(text + "\n")
    return path


# ==========================================================================
# Main
# ==========================================================================

def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Run the six experiments of make compare and write "
                    "report.md, compare.csv and plots.")
    ap.add_argument("--quick", action="store_true",
                    help="fewer boots and CPU counts (make compare QUICK=1)")
    ap.add_argument("--only", help="comma list of experiments (E1,E3)")
    ap.add_argument("--accel", help="auto|kvm|tcg (default tcg)")
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--timeout", type=float,
                    help="seconds per boot (bench.py's default)")
    ap.add_argument("--out", help="write here instead of bench/results/"
                    "compare-<timestamp>/ (compare-latest/ not updated)")
    ap.add_argument("--publish", action="store_true",
                    help="also write docs/results.md and docs/results/*.png")
    ap.add_argument("--list", action="store_true",
                    help="print the boots, run nothing")
    ap.add_argument("--from-log", nargs="+", metavar="FILE",
                    help="build and boot nothing: read these serial logs")
    a = ap.parse_args(argv)
    ids = matrix.split(matrix.opt(a.only))
    bad = [i for i in ids if i not in {e.id for e in EXPERIMENTS}]
    if bad:
        ap.error(f"--only: no experiment {', '.join(bad)} (E1..E6)")
    a.experiments = [e for e in EXPERIMENTS if not ids or e.id in ids]
    return a


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    a = parse_args(argv)
    if a.list:
        for e, c, n, k in plan(a.experiments, a.quick):
            say(f"{e.id} boot {k}: {c} cpus={n} bench={','.join(e.benches)}")
        return 0
    command = shlex.join(["python3", os.path.relpath(
        os.path.abspath(__file__), os.getcwd()), *argv])
    out_dir = os.path.abspath(a.out) if a.out else \
        benchreport.new_results_dir("compare-")
    started = datetime.datetime.now().astimezone()
    t0 = time.monotonic()
    if a.from_log:
        run_ = from_logs(a.from_log)
    else:
        accel = qemu.resolve_accel(matrix.opt(a.accel) or "tcg")
        run_ = run(a.experiments, a.quick, accel, a.mem, a.timeout,
                   os.path.join(out_dir, "logs"))
    meta = dict(date=started.strftime("%Y-%m-%d %H:%M:%S %Z"),
                host=bench.host_line(), command=command, quick=a.quick,
                duration=f"{time.monotonic() - t0:.0f} s")
    text, pngs, problems = report(run_, meta, out_dir, a.experiments)
    run_.problems += problems
    benchreport.write_csv(os.path.join(out_dir, "results.csv"),
                          run_.results, benchreport.CSV_COLUMNS + ("boot",))
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write(text + "\n")
    latest = None if a.out else benchreport.update_latest(
        out_dir, "compare-latest")
    rel = bench.show(out_dir)
    say(f"{len(run_.results)} results from {run_.boots} boots in "
        f"{time.monotonic() - t0:.0f} s; {len(run_.problems)} problems")
    for p in run_.problems:
        say(f"  problem: {p}")
    say(f"report: {rel}/report.md" +
        (f" (copied to {bench.show(latest)}/)" if latest else ""))
    if a.publish:
        say(f"published: {bench.show(publish(out_dir, text, pngs))}")
    if run_.interrupted:
        return 130
    return 0 if run_.results and not run_.problems else 1


if __name__ == "__main__":
    sys.exit(main())
