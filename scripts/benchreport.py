#!/usr/bin/env python3
"""benchreport.py - the benchmarks' results as files: CSV, markdown, plots.

write_all(out_dir, results, meta) writes into out_dir

    results.csv          name,config,cpus,accel,metric,x,value,unit,runs,
                         min,max,host_cores,overcommitted: one row per
                         result, the last one wins for a duplicate
    results.md           date, accelerator, host, command, the host's
                         load at the start and end (a bold warning under
                         the title when it was busy, hostload.py),
                         problems; per
                         (name, metric) a table with a row per (cpus, x), a
                         column per configuration (the default first) and
                         ratio columns `cfg / first`; mixed accelerators
                         get a column each; a value from an overcommitted
                         boot (vCPUs > host cores) is marked `(oc)`;
                         a benchmark whose x is a thread count
                         (THREAD_SCALED) also gets, per configuration, a
                         column `N / 1 thread`: the value at x divided by
                         the same configuration's at x = 1 (same boot)
    <name>_<metric>.png  value vs x (vs cpus when every x is -1), a line per
                         configuration (and CPU count when x varies),
                         min/max as error bars, overcommitted points
                         circled (gnuplot, pngcairo or png)
    gnuplot/*.gp         the scripts that drew them, data inline
    meta.json            date, command, host, accelerators, problems and
                         the host's load snapshots, busy or not and why
    profile-<name>-<config>-cpus<N>.md
                         with `make bench PROFILE=1`: where the CPUs were
                         while that benchmark ran in that boot (its
                         PROFILE line: top functions, user programs, lock
                         classes by cycles spun), linked from a `profile`
                         column of results.md

The rows and profiles are benchlog.py's.  new_results_dir() and update_latest() manage
bench/results/<timestamp>/ and bench/results/latest/.  Python 3.11 standard
library plus the gnuplot binary (plots are skipped, with a problem noted,
without it).
"""

from __future__ import annotations

import csv
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostload           # noqa: E402
import matrix             # noqa: E402
from benchlog import TLB_COUNTS, warn  # noqa: E402

RESULTS = os.path.join(matrix.ROOT, "bench", "results")
DEFAULT_CONFIG = matrix.DEFAULT_CONFIG
CSV_COLUMNS = ("name", "config", "cpus", "accel", "metric", "x", "value",
               "unit", "runs", "min", "max", "host_cores", "overcommitted")
OC_MARK = " (oc)"       # markdown: a value from an overcommitted boot
# Benchmarks whose x is the number of threads (the x label of their tables
# and plots): their tables add the scaling view, each x against x = 1.
THREAD_SCALED = {"scale": "threads"}


def overcommitted(r: dict) -> bool:
    return r.get("overcommitted") == "yes"


def dedup(results: list[dict]) -> list[dict]:
    """One row per (name, config, cpus, accel, metric, x); the last wins."""
    seen: dict[tuple, dict] = {}
    for r in results:
        k = tuple(r[c] for c in ("name", "config", "cpus", "accel",
                                 "metric", "x"))
        if k in seen:
            warn(f"duplicate result {'/'.join(map(str, k))}: "
                 f"keeping the last")
        seen[k] = r
    return list(seen.values())


def config_order(results: list[dict]) -> list[str]:
    """Configs as they first appear, the default configuration first."""
    order = list(dict.fromkeys(r["config"] for r in results))
    if DEFAULT_CONFIG in order:
        order.remove(DEFAULT_CONFIG)
        order.insert(0, DEFAULT_CONFIG)
    return order


def series_key(r: dict, multi_accel: bool) -> str:
    """The column a result belongs in: its config (and accel if mixed)."""
    return f"{r['config']} ({r['accel']})" if multi_accel else r["config"]


def _key_order(results: list[dict], multi_accel: bool) -> list[str]:
    rank = {c: i for i, c in enumerate(config_order(results))}
    keys = {series_key(r, multi_accel): (rank[r["config"]], r["accel"])
            for r in results}
    return sorted(keys, key=keys.get)


def groups(results: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """{(name, metric): rows}, in the order the benchmarks first appear."""
    g: dict[tuple[str, str], list[dict]] = {}
    for r in results:
        g.setdefault((r["name"], r["metric"]), []).append(r)
    return g


def fmt(v) -> str:
    if isinstance(v, int) or float(v).is_integer():
        return str(int(v))
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.3g}"


def write_csv(path: str, results: list[dict],
              columns: tuple[str, ...] = CSV_COLUMNS) -> None:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in results:
            w.writerow(r)


def profile_file(p: dict) -> str:
    """profile-<name>-<config>-cpus<N>.md: one benchmark in one boot."""
    return f"profile-{safe_name(p['name'])}-{safe_name(p['config'])}" \
        f"-cpus{p['cpus']}.md"


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def _md_cell(s: str) -> str:
    """A name in a table cell: code, its pipes escaped."""
    return "`" + s.replace("|", "\\|").replace("`", "'") + "`"


def profile_markdown(p: dict) -> str:
    """One PROFILE as a markdown page (docs/performance.md: how to read)."""
    total, hz = p["samples"], p["hz"]
    secs = f" ({total / hz:.2f} s of CPU time)" if hz else ""
    out = [f"# Profile: {p['name']}, {p['config']}, {p['cpus']} CPUs "
           f"({p['accel']})", "",
           "[All results](results.md). How to read this: "
           "docs/performance.md, \"The profiler\".", "",
           f"{total} samples at HZ={hz or '?'} on {p['cpus']} CPUs{secs}, "
           f"all CPUs together, while the benchmark ran: kernel "
           f"{p['kernel']} ({_pct(p['kernel'], total)}), user {p['user']} "
           f"({_pct(p['user'], total)}), kernel outside its text "
           f"{p['outside']}.", "",
           "One sample per CPU per tick, of the instruction the tick "
           "interrupted. Code that runs with IRQs off is never "
           "interrupted by the tick: its time is charged to wherever "
           "IRQs came back on. An idle CPU shows as its idle loop.", ""]
    out += [f"## Kernel functions (top {len(p['functions'])})", ""]
    if p["functions"]:
        out += ["| samples | % of all | function |", "| ---: | ---: | --- |"]
        out += [f"| {f['samples']} | {_pct(f['samples'], total)} | "
                f"{_md_cell(f['fn'])} |" for f in p["functions"]]
    else:
        out.append("No kernel samples.")
    out += ["", "## User programs", ""]
    if p["user_programs"]:
        out += ["| samples | % of all | program |", "| ---: | ---: | --- |"]
        out += [f"| {u['samples']} | {_pct(u['samples'], total)} | "
                f"{_md_cell(u['name'])} |" for u in p["user_programs"]]
    else:
        out.append("No user samples.")
    out += ["", "## Lock classes by cycles spun", "",
            "Spinlock statistics since the same clear (`locks` in the "
            "monitor): where the CPUs waited rather than worked.", ""]
    if p["locks"]:
        out += ["| cycles spun | contended | acquired | class |",
                "| ---: | ---: | ---: | --- |"]
        out += [f"| {lk['spin_cycles']} | {lk['contended']} | "
                f"{lk['acquired']} | {_md_cell(lk['class'])} |"
                for lk in p["locks"]]
    else:
        out.append("No lock class spun.")
    out += ["", "## Where threads slept", "",
            "Each sleep counted at `schedule()` by the function that called "
            "it and that function's caller: why the CPUs were idle.", ""]
    if p.get("sleeps"):
        out += ["| sleeps | where | called from |", "| ---: | --- | --- |"]
        out += [f"| {b['count']} | {_md_cell(b['where'])} | "
                f"{_md_cell(b['from'])} |" for b in p["sleeps"]]
        if p.get("sleeps_other"):
            out.append(f"| {p['sleeps_other']} | elsewhere | |")
    else:
        out.append("No thread slept.")
    if p.get("tlb"):
        out += ["", "## TLB flushes", "",
                "Every CPU's TLB statistics over the benchmark (`tlb` in "
                "the monitor, docs/tlb.md): flushes out of proportion to "
                "the work are a finding of their own.", "",
                "| count | what |", "| ---: | --- |"]
        out += [f"| {p['tlb'][k]} | {k} |" for k in TLB_COUNTS if k in p["tlb"]]
    return "\n".join(out) + "\n"


def write_profiles(out_dir: str, profiles: list[dict]) \
        -> dict[tuple, str]:
    """One profile-*.md per (name, config, cpus), the last one winning;
    return {(name, config, cpus): file name}."""
    last: dict[tuple, dict] = {}
    for p in profiles:
        last[(p["name"], p["config"], p["cpus"])] = p
    links = {}
    for k, p in last.items():
        links[k] = profile_file(p)
        with open(os.path.join(out_dir, links[k]), "w") as f:
            f.write(profile_markdown(p))
    return links


def _profile_cell(name: str, cpus: int, configs: list[str],
                  links: dict[tuple, str]) -> str:
    """The profile links of one benchmark at one CPU count: `profile`
    alone when one configuration is shown, else each config's name."""
    have = [(c, links[(name, c, cpus)]) for c in configs
            if (name, c, cpus) in links]
    if len(configs) == 1 and have:
        return f"[profile]({have[0][1]})"
    return ", ".join(f"[{c}]({f})" for c, f in have) or "-"


def markdown(results: list[dict], meta: dict,
             links: dict[tuple, str] | None = None) -> str:
    """results.md; links: {(name, config, cpus): profile file} adds a
    `profile` column to the tables of those benchmarks."""
    links = links or {}
    multi_accel = len({r["accel"] for r in results}) > 1
    keys = _key_order(results, multi_accel)
    out = ["# Benchmark results", ""]
    out += hostload.markdown_warning(*meta.get("hostload", (None, None)))
    out += [f"- date: {meta['date']}",
            f"- accelerator: {', '.join(sorted(meta['accels'])) or '?'}",
            f"- host: {meta['host']}",
            f"- command: `{meta['command']}`"]
    if meta.get("boots"):
        out.append(f"- boots: {meta['boots']}")
    out += hostload.markdown_bullets(*meta.get("hostload", (None, None)))
    out += ["",
            "Each figure is the median of `runs` runs (min and max are in "
            "results.csv and the plots). Absolute times under emulation are "
            "not stable from run to run: compare the ratios, which were "
            "measured in one run. A ratio is a configuration's value "
            f"divided by the first column's ({keys[0] if keys else '-'}).",
            ""]
    if any(overcommitted(r) for r in results):
        cores = sorted({r["host_cores"] for r in results if overcommitted(r)})
        out += [f"`{OC_MARK.strip()}`: measured on an overcommitted boot, "
                f"more vCPUs than the host's {', '.join(map(str, cores))} "
                "cores; a waiting vCPU there can burn the host time of the "
                "one it waits for, so its timings do not carry over to "
                "real SMP (counts do).", ""]
    if links:
        out += ["The `profile` column links where the CPUs were while "
                "that benchmark ran in that boot (`make bench PROFILE=1`; "
                "docs/performance.md).", ""]
    if meta.get("problems"):
        out += ["**Problems in this run:**", ""]
        out += [f"- {p}" for p in meta["problems"]]
        out.append("")
    for (name, metric), rows in groups(results).items():
        units = list(dict.fromkeys(r["unit"] for r in rows))
        cols = [k for k in keys if any(series_key(r, multi_accel) == k
                                       for r in rows)]
        show_x = any(r["x"] != -1 for r in rows)
        xlabel = next((r["xlabel"] for r in rows if "xlabel" in r),
                      THREAD_SCALED.get(name, "x"))
        scaled = name in THREAD_SCALED and any(r["x"] == 1 for r in rows)
        cells: dict[tuple, dict[str, dict]] = {}
        for r in rows:
            cells.setdefault((r["cpus"], r["x"]), {})[
                series_key(r, multi_accel)] = r
        unit = ", ".join(u for u in units if u) or "no unit"
        out += [f"## {name}: {metric} ({unit})", ""]
        configs = list(dict.fromkeys(r["config"] for r in rows))
        profiled = any((name, c, r["cpus"]) in links
                       for r in rows for c in configs)
        head = ["cpus"] + ([xlabel] if show_x else []) + cols + \
            [f"{c} / {cols[0]}" for c in cols[1:]] + \
            ([f"{c}: N / 1 {xlabel[:-1]}" for c in cols] if scaled else []) + \
            (["profile"] if profiled else [])
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join(" ---: " for _ in head) + "|")
        linked = set()         # the profile once per CPU count
        for (n, x) in sorted(cells):
            row = cells[(n, x)]
            line = [str(n)] + ([fmt(x)] if show_x else [])
            for c in cols:
                r = row.get(c)
                line.append("-" if r is None else fmt(r["value"]) +
                            ("" if len(units) == 1 else f" {r['unit']}") +
                            (OC_MARK if overcommitted(r) else ""))
            base = row.get(cols[0])
            for c in cols[1:]:
                r = row.get(c)
                if r is None or base is None or base["value"] == 0:
                    line.append("-")
                else:
                    line.append(f"{r['value'] / base['value']:.2f}x")
            if scaled:
                one = cells.get((n, 1), {})
                for c in cols:
                    line.append(scaling(row.get(c), one.get(c)))
            if profiled:
                line.append("" if n in linked
                            else _profile_cell(name, n, configs, links))
                linked.add(n)
            out.append("| " + " | ".join(line) + " |")
        out.append("")
    return "\n".join(out)


def scaling(r: dict | None, one: dict | None) -> str:
    """`1.85x`: r's value against the same series' value at one thread
    (`-` when either is missing or the one-thread value is 0)."""
    if r is None or one is None or one["value"] == 0:
        return "-"
    return f"{r['value'] / one['value']:.2f}x"


# ---- plots ----------------------------------------------------------------

def safe_name(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", s)


def _gp_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') \
        .replace("\n", "\\n") + '"'


def gnuplot_terminal() -> str | None:
    """'pngcairo' or 'png', whichever renders here; None without gnuplot."""
    if not shutil.which("gnuplot"):
        return None
    for term in ("pngcairo", "png"):
        with tempfile.TemporaryDirectory() as d:
            png = os.path.join(d, "t.png")
            script = f"set terminal {term}\nset output '{png}'\nplot x\n"
            try:
                p = subprocess.run(["gnuplot"], input=script, text=True,
                                   capture_output=True, timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                continue
            if p.returncode == 0 and os.path.exists(png):
                with open(png, "rb") as f:
                    if f.read(8) == b"\x89PNG\r\n\x1a\n":
                        return term
    return None


def plot_script(png: str, terminal: str, title: str, xlabel: str,
                ylabel: str, series: list[tuple], oc: list[tuple] = (),
                logx: bool = False, logy: bool = False,
                xtics: list[tuple] | None = None, lines: bool = True,
                comment: str = "") -> str:
    """A gnuplot script drawing png, data inline.

    series: [(title, colour, dash, [(x, value, min, max), ...])], drawn
    with min..max error bars, joined by lines unless lines=False (one
    point per category); oc: [(x, value)] circled as overcommitted;
    xtics: [(label, x)] (default: every x when there are at most 16).
    """
    lines_ = [f"# {comment or title}; run from the directory above: "
              f"gnuplot gnuplot/{png[:-4]}.gp",
              f"set terminal {terminal} size 900,560",
              f"set output {_gp_str(png)}",
              "set termoption noenhanced",
              f"set title {_gp_str(title)}",
              f"set xlabel {_gp_str(xlabel)}",
              f"set ylabel {_gp_str(ylabel)}",
              "set key outside right top",
              "set grid"]
    lines_.append("set logscale y" if logy else "set yrange [0:*]")
    if logx:
        lines_.append("set logscale x")
    lines_.append("set offsets graph 0.05, graph 0.05, 0, 0")
    xs = sorted({p[0] for _, _, _, pts in series for p in pts})
    if xtics is not None:
        lines_.append(f"set xrange [-0.5:{len(xtics) - 0.5}]")
        lines_.append("set xtics (" + ", ".join(
            f"{_gp_str(lab)} {fmt(x)}" for lab, x in xtics) + ")")
    elif len(xs) <= 16:
        lines_.append("set xtics (" + ", ".join(fmt(v) for v in xs) + ")")
    plots = []
    style = "yerrorlines" if lines else "yerrorbars"
    for i, (title_, ci, ni, pts) in enumerate(series):
        lines_.append(f"$D{i} << EOD")
        lines_ += [f"{x} {v} {lo} {hi}" for x, v, lo, hi in sorted(pts)]
        lines_.append("EOD")
        plots.append(f"$D{i} using 1:2:3:4 with {style} lc {ci + 1} "
                     f"dt {ni + 1} pt {ni + 1 if lines else 7} "
                     f"{'' if lines else 'ps 1.5 '}title {_gp_str(title_)}")
    if oc:      # circle them, one legend entry for all
        lines_.append("$OC << EOD")
        lines_ += [f"{x} {v}" for x, v in oc]
        lines_.append("EOD")
        plots.append("$OC using 1:2 with points pt 6 ps 2.5 lc rgb 'black' "
                     "title 'overcommitted (vCPUs > host cores)'")
    lines_.append("plot " + ", \\\n     ".join(plots))
    return "\n".join(lines_) + "\n"


def gnuplot_script(name: str, metric: str, rows: list[dict], png: str,
                   terminal: str, all_results: list[dict]) -> str:
    """value vs x (or vs cpus when every x is -1), one line per config
    (and per CPU count when x varies), min/max as error bars."""
    multi_accel = len({r["accel"] for r in all_results}) > 1
    vs_x = any(r["x"] != -1 for r in rows)
    xlabel = next((r["xlabel"] for r in rows if "xlabel" in r),
                  THREAD_SCALED.get(name, "x"))
    per_cpus = vs_x and len({r["cpus"] for r in rows}) > 1
    # A colour per config; a dash and point type per CPU count.
    series = []
    cpu_counts = sorted({r["cpus"] for r in rows}) if per_cpus else [None]
    xof = (lambda r: r["x"]) if vs_x else (lambda r: r["cpus"])
    for ci, k in enumerate(_key_order(all_results, multi_accel)):
        for ni, n in enumerate(cpu_counts):
            pts = [r for r in rows if series_key(r, multi_accel) == k
                   and (n is None or r["cpus"] == n)]
            if pts:
                series.append((k + (f" cpus={n}" if n else ""), ci, ni,
                               [(xof(r), r["value"], r["min"], r["max"])
                                for r in pts]))
    unit = next((r["unit"] for r in rows if r["unit"]), "")
    accels = ", ".join(sorted({r["accel"] for r in rows}))
    return plot_script(
        png, terminal, f"{name}: {metric} ({accels})",
        xlabel if vs_x else "cpus", f"{metric} ({unit})" if unit else metric,
        series, [(xof(r), r["value"]) for r in rows if overcommitted(r)],
        comment=f"{name}: {metric}, drawn by scripts/bench.py")


def render(out_dir: str, base: str, script: str) -> str:
    """Write gnuplot/<base>.gp and draw <base>.png in out_dir; return ''
    or what went wrong."""
    gp_dir = os.path.join(out_dir, "gnuplot")
    os.makedirs(gp_dir, exist_ok=True)
    gp = os.path.join(gp_dir, base + ".gp")
    with open(gp, "w") as f:
        f.write(script)
    p = subprocess.run(["gnuplot", os.path.relpath(gp, out_dir)],
                       cwd=out_dir, capture_output=True, text=True)
    if p.returncode == 0 and os.path.exists(
            os.path.join(out_dir, base + ".png")):
        return ""
    return f"{base}: {p.stderr.strip()[-300:]}"


NO_GNUPLOT = "gnuplot with a png/pngcairo terminal not found: no plots"


def write_plots(out_dir: str, results: list[dict]) -> tuple[list[str], str]:
    """Draw one PNG per (name, metric); return (files, problem or '')."""
    term = gnuplot_terminal()
    if term is None:
        return [], NO_GNUPLOT
    pngs, bad = [], []
    for (name, metric), rows in groups(results).items():
        base = f"{safe_name(name)}_{safe_name(metric)}"
        err = render(out_dir, base, gnuplot_script(
            name, metric, rows, base + ".png", term, results))
        if err:
            bad.append(err)
        else:
            pngs.append(base + ".png")
    return pngs, "; ".join(f"gnuplot failed for {b}" for b in bad)


def write_all(out_dir: str, results: list[dict], meta: dict,
              name_order: list[str] | None = None,
              profiles: list[dict] | None = None) -> list[str]:
    """results.csv, results.md, the plots and a profile-*.md per PROFILE
    line (profiles, benchlog.py's); return the files written.

    Benchmarks come in name_order (the matrix's), then as they appear.
    """
    os.makedirs(out_dir, exist_ok=True)
    rank = {c: i for i, c in enumerate(config_order(results))}
    names = list(dict.fromkeys([*(name_order or []),
                                *(r["name"] for r in results)]))
    results = sorted(dedup(results), key=lambda r: (
        names.index(r["name"]), r["metric"], rank[r["config"]], r["accel"],
        r["cpus"], r["x"]))
    write_csv(os.path.join(out_dir, "results.csv"), results)
    files = ["results.csv"]
    pngs, problem = write_plots(out_dir, results) if results else ([], "")
    if problem:
        warn(problem)
        meta = dict(meta, problems=meta.get("problems", []) + [problem])
    links = write_profiles(out_dir, profiles or [])
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(markdown(results, meta, links))
    write_meta(os.path.join(out_dir, "meta.json"), meta)
    return files + ["results.md", "meta.json"] + pngs + \
        sorted(links.values())


def write_meta(path: str, meta: dict) -> None:
    """meta.json: the run's meta (date, command, host, ...), sets as
    sorted lists, and the host's load (hostload.as_json())."""
    out = {k: sorted(v) if isinstance(v, set) else v
           for k, v in meta.items() if k != "hostload"}
    out["hostload"] = hostload.as_json(*meta.get("hostload", (None, None)))
    with open(path, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")


def new_results_dir(prefix: str = "") -> str:
    """bench/results/<prefix><YYYYmmdd-HHMMSS>/, created."""
    stamp = prefix + datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(RESULTS, stamp)
    n = 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(RESULTS, f"{stamp}-{n}")
    os.makedirs(path)
    return path


def update_latest(run_dir: str, name: str = "latest") -> str:
    """Replace bench/results/<name>/ with a copy of run_dir."""
    latest = os.path.join(RESULTS, name)
    tmp = latest + ".new"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(run_dir, tmp)
    if os.path.islink(latest) or os.path.isfile(latest):
        os.unlink(latest)
    else:
        shutil.rmtree(latest, ignore_errors=True)
    os.rename(tmp, latest)
    return latest
