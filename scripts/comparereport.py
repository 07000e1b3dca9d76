#!/usr/bin/env python3
"""comparereport.py - `make compare`'s report: report.md, compare.csv, plots.

report(run, meta, out_dir, experiments) aggregates the BENCH rows of
repeated boots per view of experiments.py (a figure is the median of the
boots' medians; min and max the extremes any run saw), writes one gnuplot
PNG per view (benchreport.plot_script(): labelled axes with units, min..max
error bars, log scales where values span decades, overcommitted points
circled) and compare.csv, and returns report.md: the headline table (one
number per question, its baseline and the ratio), then per experiment its
question, its notes (E0: which Linux ran), a Run: line (accelerator,
vCPUs, host cores, boots, overcommitted vCPU counts) and its tables.  The header says how busy the
host was at the start and the end (hostload.py), with a bold warning
under the title when it was busy.  A benchmark without results is
"not measured" with the reason, never a number; so is a series (a
configuration, or E0's Linux) that has no rows in a table that has some.  check_report() says what
is wrong with a report.md; publish() copies it to docs/results.md.

Python 3.11 standard library plus the gnuplot binary.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchreport        # noqa: E402
import hostload           # noqa: E402
import matrix             # noqa: E402
from benchreport import fmt, overcommitted  # noqa: E402
from experiments import EXPERIMENTS, HEADLINES, PEER, Experiment, Pick, View  # noqa: E402,F401

ROOT = matrix.ROOT


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


def not_measured(bench_name: str, configs, run_) -> str:
    """Why bench_name has no figure: run_ (compare.Run) knows what a
    kernel lacked (missing) and what went wrong (problems)."""
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


def headline_table(aggs: dict, run_, experiments) -> list[str]:
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


def short_names(configs) -> tuple[dict[str, str], str]:
    """Legend names: only the switch values in which the configurations
    differ ({'rcu-ipi-locked': 'locked', ...}), and what they share
    ('TABLE_FREE=rcu SHOOTDOWN=ipi')."""
    ours = [c for c in configs if c != PEER]
    parts = [matrix.parse_config(c) for c in ours]
    same = [s.name for s in matrix.SWITCHES
            if len({p[s.name] for p in parts}) == 1]
    names = {c: "-".join(v for k, v in p.items() if k not in same) or c
             for c, p in zip(ours, parts)}
    common = " ".join(f"{k}={parts[0][k]}" for k in same) if parts else ""
    if PEER in configs:     # the Linux peer shares no switches
        names[PEER] = "Linux"
        common = ""
    return names, common


def view_plot(view: View, exp: Experiment, rows: list[dict], term: str,
              out_dir: str) -> str:
    """Draw the view; return '' or the problem."""
    order = [s for s in series_order(view, exp)
             if any(a["series"] == s for a in rows)]
    show_x = any(a["x"] != -1 for a in rows)
    metrics = [m for m in view.metrics if any(a["metric"] == m
                                              for a in rows)]
    cpus = sorted({a["cpus"] for a in rows})
    # Legend labels: the metrics without their common prefix (own, writer).
    cut = os.path.commonprefix(metrics).rfind("_") + 1 \
        if len(metrics) > 1 else 0
    short = {m: m[cut:] for m in metrics}
    names, common = short_names(exp.configs) if view.series == "config" \
        else ({}, "")

    def label(s: str, m: str, n: int) -> str:
        return names.get(s, s) + \
            (f" {short[m]}" if len(metrics) > 1 and view.series == "config"
             else "") + (f" cpus={n}" if len(cpus) > 1 else "")
    series, xtics = [], None
    if not show_x:      # one point per category: series (and cpus)
        cats = [(s, m, n) for m in metrics for s in order for n in cpus
                if any((a["series"], a["metric"], a["cpus"]) == (s, m, n)
                       for a in rows)]
        xtics = []
        for i, (s, m, n) in enumerate(cats):
            a = next(a for a in rows
                     if (a["series"], a["metric"], a["cpus"]) == (s, m, n))
            lab = label(s, m, n)
            xtics.append((lab, i))
            series.append((lab, order.index(s), metrics.index(m),
                           [(i, a["value"], a["min"], a["max"])]))
        pos = {c: i for i, c in enumerate(cats)}
        oc = [(pos[(a["series"], a["metric"], a["cpus"])], a["value"])
              for a in rows if overcommitted(a)]
    else:
        for ci, s in enumerate(order):
            for mi, m in enumerate(metrics if view.series == "config"
                                   else [s]):
                for ni, n in enumerate(cpus):
                    pts = [(a["x"], a["value"], a["min"], a["max"])
                           for a in rows if a["series"] == s and a["cpus"] == n
                           and a["metric"] == m]
                    if pts:
                        series.append((label(s, m, n), ci,
                                       mi * len(cpus) + ni, pts))
        oc = [(a["x"], a["value"]) for a in rows if overcommitted(a)]
    accels = ", ".join(sorted({a["accel"] for a in rows}))
    cores = sorted({str(a["host_cores"]) for a in rows if a["host_cores"]})
    lo, hi = min(a["boots"] for a in rows), max(a["boots"] for a in rows)
    title = (f"{exp.id} {exp.title}: {view.bench}\n" +
             (f"{common}, " if common else "") + f"{accels}, vCPUs "
             f"{','.join(map(str, cpus))}, host cores "
             f"{','.join(cores) or '?'}\nmedian of "
             f"{'up to ' if lo != hi else ''}{hi} boot(s), bars min..max")
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


def report(run_, meta: dict, out_dir: str, experiments) -> tuple[
        str, list[str], list[str]]:
    """The report of run_ (compare.Run: results, problems, what each
    kernel lacked, boots, accelerators) over experiments; meta: date,
    host, tree, command, duration.  Return (report.md text, PNG files,
    plot problems); writes the plots and compare.csv into out_dir."""
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
    load = meta.get("hostload", (None, None))
    out = ["# make compare: the RCU and IPI designs side by side", ""]
    out += hostload.markdown_warning(*load)
    out += [f"- date: {meta['date']}",
            f"- accelerator: {', '.join(sorted(run_.accels)) or '?'}",
            f"- host: {meta['host']}",
            f"- tree: {meta.get('tree', '?')}",
            f"- command: `{meta['command']}`",
            f"- {meta.get('what', 'boots')}: {run_.boots} in "
            f"{meta['duration']}"]
    out += hostload.markdown_bullets(*load)
    out += ["",
            "Every figure is the median over repeated boots of each boot's "
            "median (the benchmark's own repeated runs), shown as `median "
            "(min..max)`: min and max are the smallest and largest single "
            "run of any boot. A ratio divides a column's median by the "
            "named baseline's, both measured in this one run. `(oc)`: the "
            "boot had more vCPUs than the host has cores (overcommitted): "
            "its timings do not carry over to real SMP, its counts do. "
            "Absolute times under TCG emulation drift from run to run; "
            "read the ratios.", "",
            "## Headline", "",
            "The seed thread (the speculative page-fault RFC on linux-mm, "
            "April 2021) asked whether lockless walkers such as fast GUP "
            "should hold an explicit RCU read lock instead of turning IRQs "
            "off, what freeing page tables under RCU would cost, and "
            "whether the IPI mechanism survives paravirt shootdowns. One "
            "row per question, one number from this run against its "
            "baseline; the sections below have the rest.", ""]
    out += headline_table(aggs, run_, experiments)
    out.append("")
    if run_.problems:
        out += ["**Problems in this run:**", ""]
        out += [f"- {p}" for p in run_.problems]
        out.append("")
    for e in experiments:
        out += [f"## {e.id}: {e.title}", "", e.question, ""]
        notes = getattr(run_, "notes", {}).get(e.id, [])
        if notes:
            out += notes + [""]
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
            if v.series == "config":
                absent = [c for c in e.configs
                          if not any(a["series"] == c for a in rows)]
                out += [f"`{c}`: {not_measured(v.bench, [c], run_)}."
                        for c in absent]
                if absent:
                    out.append("")
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


def check_report(text: str, out_dir: str, experiments) -> list[str]:
    """What is wrong with a report.md: the headline table before the
    experiments with one row per question, every experiment's section,
    tables whose rows have as many cells as their header, plots that are
    PNG files.  [] when it is well-formed."""
    bad, lines = [], text.splitlines()
    ids = {e.id for e in experiments}
    want = [f"## {e.id}: {e.title}" for e in experiments]
    heads = [ln for ln in lines if ln.startswith("## ")]
    if heads[:1] != ["## Headline"] or heads[1:] != want:
        bad.append(f"sections {heads}, want ['## Headline'] + {want}")
    table: list[str] = []
    for ln in lines + [""]:
        if ln.startswith("|"):
            table.append(ln)
            continue
        if table:
            n = table[0].count(" | ")
            bad += [f"table row with {r.count(' | ') + 1} cells, header "
                    f"{n + 1}: {r}" for r in table if r.count(" | ") != n]
            if len(table) < 3:
                bad.append(f"table without rows: {table[0]}")
        table = []
    try:
        i = lines.index("## Headline")
        rows = [ln for ln in lines[i + 1:] if ln.startswith("| E")]
        n = sum(h.experiment in ids for h in HEADLINES)
        if len(rows) < n:
            bad.append(f"headline table has {len(rows)} rows, want {n}")
    except ValueError:
        pass
    for png in re.findall(r"!\[[^]]*\]\(([^)]+)\)", text):
        try:
            with open(os.path.join(out_dir, png), "rb") as f:
                if f.read(8) != b"\x89PNG\r\n\x1a\n":
                    bad.append(f"{png} is not a PNG")
        except OSError:
            bad.append(f"{png} is missing")
    return bad


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
