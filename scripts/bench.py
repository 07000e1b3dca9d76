#!/usr/bin/env python3
"""bench.py - the benchmark runner behind `make bench`.

Reads bench/matrix.txt (lines `benchmark cpus configs`, the format of
tests/matrix.txt), builds each configuration needed once, and boots the
kernel directly (qboot, scripts/qemu.py) once per (configuration, CPU count)
with `bench=<names>` on the command line.  The kernel prints one line per
result on the serial port,

    BENCH {"name": .., "config": .., "cpus": .., "accel": .., "metric": ..,
           "value": .., "unit": .., "runs": .., "min": .., "max": .., "x": ..}

(a failed benchmark prints `BENCH-ERROR {"name": .., "message": ..}`), then
exits QEMU with the PASS code.  Every result of the run is collected into

    bench/results/<YYYYmmdd-HHMMSS>/
        results.csv          name,config,cpus,accel,metric,x,value,unit,
                             runs,min,max
        results.md           per (name, metric): configs side by side, ratios
        <name>_<metric>.png  value vs x (or vs cpus), min/max error bars
        gnuplot/*.gp         the scripts that drew them (cd there/..; gnuplot)
        logs/*.log           the serial log of each boot

and the directory is copied to bench/results/latest/ (replaced each run).

`--from-log FILE...` skips building and booting and reads existing serial
logs instead; `--self-test` runs the parser and the writers on synthetic
logs.  The exit status is 0 iff every boot passed, every benchmark asked for
gave a result, and no BENCH-ERROR or malformed BENCH line was seen.

Python 3.11 standard library plus the gnuplot binary (plots are skipped,
with a warning, without it).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import io
import json
import math
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu       # noqa: E402  (scripts/qemu.py: the launcher)
import runtests   # noqa: E402  (matrix format and config builds, shared)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MATRIX = os.path.join(ROOT, "bench", "matrix.txt")
RESULTS = os.path.join(ROOT, "bench", "results")
DEFAULT_CONFIG = "-".join(runtests.DEFAULT_CONFIG)

CSV_COLUMNS = ("name", "config", "cpus", "accel", "metric", "x", "value",
               "unit", "runs", "min", "max")
TAIL_LINES = 40

_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Anywhere in a line: other CPUs' output may precede it.
_BENCH_RE = re.compile(r"BENCH(-ERROR)?\s+(?=\{)")


def say(msg: str = "") -> None:
    print(msg, flush=True)


def warn(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def show(path: str) -> str:
    """A path as the user would type it: relative when under the cwd."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def opt(s):
    """The Makefile passes empty strings for variables not given."""
    return s if s not in (None, "") else None


# ==========================================================================
# Parsing the serial log
# ==========================================================================

@dataclass
class LogScan:
    results: list[dict] = field(default_factory=list)   # CSV rows
    errors: list[str] = field(default_factory=list)  # BENCH-ERROR, bad lines
    names: set = field(default_factory=set)   # benchmarks that said anything
    lines: list[str] = field(default_factory=list)


def _num(v, what: str):
    """A JSON number (int or float, finite); bool is not a number."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or \
            (isinstance(v, float) and not math.isfinite(v)):
        raise ValueError(f"{what} is not a number: {v!r}")
    return v


def parse_log(text: str, where: str = "log", config: str | None = None,
              cpus: int | None = None, accel: str | None = None) -> LogScan:
    """Collect the BENCH and BENCH-ERROR lines of a serial log.

    config/cpus/accel are what the boot was started with: they fill fields
    the kernel left out, and a mismatch with what it printed is warned
    about (the kernel's own value is kept: it is what ran).
    """
    scan = LogScan(lines=_ANSI_RE.sub("", text.replace("\r", ""))
                   .splitlines())
    dec = json.JSONDecoder()
    for n, line in enumerate(scan.lines, 1):
        m = _BENCH_RE.search(line)
        if not m:
            continue
        is_error = m.group(1) is not None
        try:
            obj, _ = dec.raw_decode(line, m.end())
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            scan.errors.append(f"{where}:{n}: malformed BENCH line ({e}): "
                               f"{line.strip()}")
            continue
        name = str(obj.get("name", "?"))
        scan.names.add(name)
        if is_error:
            scan.errors.append(f"{where}:{n}: BENCH-ERROR {name}: "
                               f"{obj.get('message', '(no message)')}")
            continue
        try:
            row = _row(obj, config, cpus, accel)
        except (ValueError, TypeError) as e:
            scan.errors.append(f"{where}:{n}: bad BENCH line ({e}): "
                               f"{line.strip()}")
            continue
        for key, want in (("config", config), ("cpus", cpus),
                          ("accel", accel)):
            if want is not None and key in obj and obj[key] != want:
                warn(f"{where}:{n}: {name} reports {key}={obj[key]!r}, "
                     f"the boot was {key}={want!r}")
        scan.results.append(row)
    return scan


def _row(obj: dict, config, cpus, accel) -> dict:
    for k in ("name", "metric", "value"):
        if k not in obj:
            raise ValueError(f"no {k!r}")
    value = _num(obj["value"], "value")
    row = {
        "name": str(obj["name"]),
        "config": str(obj.get("config", config or "?")),
        "cpus": int(_num(obj.get("cpus", cpus if cpus is not None else 0),
                         "cpus")),
        "accel": str(obj.get("accel", accel or "?")),
        "metric": str(obj["metric"]),
        "x": _num(obj.get("x", -1), "x"),
        "value": value,
        "unit": str(obj.get("unit", "")),
        "runs": int(_num(obj.get("runs", 1), "runs")),
        "min": _num(obj.get("min", value), "min"),
        "max": _num(obj.get("max", value), "max"),
    }
    if obj.get("xlabel"):       # optional: what x is, for tables and plots
        row["xlabel"] = str(obj["xlabel"])
    return row


# ==========================================================================
# The matrix and the boots
# ==========================================================================

def plan(matrix_path: str, benches, cpus, tf, sd, fault):
    """Return ([(config, cpus, [benchmarks])], notes, benchmark order).

    Same rules as runtests: --cpus keeps the counts a row shares with it or
    replaces them; a switch keeps the configs with that value, and a
    `default` row takes it.  A benchmark not in the matrix runs at the
    default configuration.
    """
    rows = runtests.read_matrix(matrix_path)
    notes = []
    if benches:
        known = {r[0] for r in rows}
        rows = [r for r in rows if r[0] in benches]
        for b in benches:
            if b not in known:
                where = os.path.relpath(matrix_path)
                notes.append(f"benchmark {b} is not in {where}: running it "
                             f"at the default configuration")
                rows.append((b, [1], "default"))
    matrix, more = runtests.expand_matrix(rows, None, cpus, tf, sd, fault)
    notes += [n.replace("suite ", "benchmark ", 1) for n in more]
    return runtests.plan_boots(matrix), notes, [r.suite for r in matrix]


def default_timeout(cpus: int) -> float:
    """300 s, plus 30 s per CPU beyond the first (TCG runs vCPUs on the
    host's few cores, so more CPUs take longer)."""
    return 300.0 + 30.0 * (max(1, cpus) - 1)


@dataclass
class Outcome:
    results: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    boots: list[str] = field(default_factory=list)      # one line per boot
    accels: set = field(default_factory=set)
    interrupted: bool = False


def run_boots(boots, accel: str, mem: str, timeout: float | None,
              log_dir: str) -> Outcome:
    out = Outcome(accels={accel})
    kernels: dict[str, str | None] = {}
    for config in dict.fromkeys(b[0] for b in boots):
        say(f"building {config} ...")
        path, err = runtests.build_config(config, [])
        kernels[config] = path
        if path is None:
            tail = err.strip().splitlines()[-TAIL_LINES:]
            say(f"  FAILED build of {config}:\n" +
                "\n".join(f"    | {ln}" for ln in tail))
            out.problems.append(f"{config}: build failed")
    runnable = [b for b in boots if kernels[b[0]]]
    os.makedirs(log_dir, exist_ok=True)
    for i, (config, n, names) in enumerate(runnable, 1):
        log_path = os.path.join(log_dir, f"{config}-cpus{n}.log")
        label = f"{config} cpus={n}"
        try:
            res = qemu.run_qemu(dict(kernel=kernels[config], boot="direct",
                                     cpus=n, mem=mem, accel=accel,
                                     cmdline="bench=" + ",".join(names)),
                                log_path, timeout or default_timeout(n))
        except KeyboardInterrupt:
            qemu.kill_all()
            out.interrupted = True
            out.problems.append(f"{label}: interrupted")
            break
        with open(log_path, errors="replace") as f:
            scan = parse_log(f.read(), show(log_path), config, n,
                             accel)
        out.results += scan.results
        problems = list(scan.errors)
        if res.classification != "pass":
            problems.append(f"{label}: boot {res.classification}")
        elif not scan.results:
            problems.append(f"{label}: no results")
        for b in names:
            if b not in scan.names and res.classification == "pass":
                problems.append(f"{label}: no results from benchmark {b}")
        status = "" if not problems else \
            f" {res.classification.upper()}" if res.classification != "pass" \
            else " FAIL"
        errs = len(problems)
        line = (f"[{i}/{len(runnable)}] {label} {accel}: "
                f"{plural(len(scan.results), 'result')}"
                f"{', ' + plural(errs, 'error') if errs else ''} "
                f"({res.duration:.1f}s){status}")
        say(line)
        out.boots.append(line)
        for p in problems:
            say(f"  {p}")
        if res.classification != "pass":
            say(f"  last {TAIL_LINES} lines of {show(log_path)}:")
            tail = scan.lines[-TAIL_LINES:] or ["(empty log)"]
            say("\n".join(f"    | {ln}" for ln in tail))
            if res.stderr.strip():
                say("  QEMU stderr:\n" + "\n".join(
                    f"    ! {ln}" for ln in res.stderr.strip()
                    .splitlines()[-20:]))
        out.problems += problems
    out.accels |= {r["accel"] for r in out.results}
    return out


def from_logs(paths: list[str]) -> Outcome:
    out = Outcome()
    for i, path in enumerate(paths, 1):
        try:
            with open(path, errors="replace") as f:
                scan = parse_log(f.read(), path)
        except OSError as e:
            out.problems.append(f"{path}: {e.strerror}")
            say(f"[{i}/{len(paths)}] {path}: unreadable ({e.strerror})")
            continue
        out.results += scan.results
        out.problems += scan.errors
        errs = len(scan.errors)
        line = (f"[{i}/{len(paths)}] {path}: "
                f"{plural(len(scan.results), 'result')}"
                f"{', ' + plural(errs, 'error') if errs else ''}")
        say(line)
        out.boots.append(line)
        for e in scan.errors:
            say(f"  {e}")
        if not scan.results and not scan.errors:
            out.problems.append(f"{path}: no BENCH lines")
            say("  no BENCH lines")
    out.accels = {r["accel"] for r in out.results}
    return out


# ==========================================================================
# Writing the results
# ==========================================================================

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


def write_csv(path: str, results: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        w.writeheader()
        for r in results:
            w.writerow(r)


def markdown(results: list[dict], meta: dict) -> str:
    multi_accel = len({r["accel"] for r in results}) > 1
    keys = _key_order(results, multi_accel)
    out = ["# Benchmark results", ""]
    out += [f"- date: {meta['date']}",
            f"- accelerator: {', '.join(sorted(meta['accels'])) or '?'}",
            f"- host: {meta['host']}",
            f"- command: `{meta['command']}`"]
    if meta.get("boots"):
        out.append(f"- boots: {meta['boots']}")
    out += ["",
            "Each figure is the median of `runs` runs (min and max are in "
            "results.csv and the plots). Absolute times under emulation are "
            "not stable from run to run: compare the ratios, which were "
            "measured in one run. A ratio is a configuration's value "
            f"divided by the first column's ({keys[0] if keys else '-'}).",
            ""]
    if meta.get("problems"):
        out += ["**Problems in this run:**", ""]
        out += [f"- {p}" for p in meta["problems"]]
        out.append("")
    for (name, metric), rows in groups(results).items():
        units = list(dict.fromkeys(r["unit"] for r in rows))
        cols = [k for k in keys if any(series_key(r, multi_accel) == k
                                       for r in rows)]
        show_x = any(r["x"] != -1 for r in rows)
        xlabel = next((r["xlabel"] for r in rows if "xlabel" in r), "x")
        cells: dict[tuple, dict[str, dict]] = {}
        for r in rows:
            cells.setdefault((r["cpus"], r["x"]), {})[
                series_key(r, multi_accel)] = r
        unit = ", ".join(u for u in units if u) or "no unit"
        out += [f"## {name}: {metric} ({unit})", ""]
        head = ["cpus"] + ([xlabel] if show_x else []) + cols + \
            [f"{c} / {cols[0]}" for c in cols[1:]]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join(" ---: " for _ in head) + "|")
        for (n, x) in sorted(cells):
            row = cells[(n, x)]
            line = [str(n)] + ([fmt(x)] if show_x else [])
            for c in cols:
                r = row.get(c)
                line.append("-" if r is None else fmt(r["value"]) +
                            ("" if len(units) == 1 else f" {r['unit']}"))
            base = row.get(cols[0])
            for c in cols[1:]:
                r = row.get(c)
                if r is None or base is None or base["value"] == 0:
                    line.append("-")
                else:
                    line.append(f"{r['value'] / base['value']:.2f}x")
            out.append("| " + " | ".join(line) + " |")
        out.append("")
    return "\n".join(out)


# ---- plots ----------------------------------------------------------------

def safe_name(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", s)


def _gp_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


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


def gnuplot_script(name: str, metric: str, rows: list[dict], png: str,
                   terminal: str, all_results: list[dict]) -> str:
    """value vs x (or vs cpus when every x is -1), one line per config
    (and per CPU count when x varies), min/max as error bars."""
    multi_accel = len({r["accel"] for r in all_results}) > 1
    vs_x = any(r["x"] != -1 for r in rows)
    xlabel = next((r["xlabel"] for r in rows if "xlabel" in r), "x")
    per_cpus = vs_x and len({r["cpus"] for r in rows}) > 1
    # A colour per config; a dash and point type per CPU count.
    series: dict[str, tuple[int, int, list[dict]]] = {}
    cpu_counts = sorted({r["cpus"] for r in rows}) if per_cpus else [None]
    for ci, k in enumerate(_key_order(all_results, multi_accel)):
        for ni, n in enumerate(cpu_counts):
            pts = [r for r in rows if series_key(r, multi_accel) == k
                   and (n is None or r["cpus"] == n)]
            if pts:
                series[k + (f" cpus={n}" if n else "")] = (ci, ni, pts)
    unit = next((r["unit"] for r in rows if r["unit"]), "")
    accels = ", ".join(sorted({r["accel"] for r in rows}))
    lines = [f"# {name}: {metric}, drawn by scripts/bench.py; "
             f"run from the directory above: gnuplot gnuplot/{png[:-4]}.gp",
             f"set terminal {terminal} size 900,560",
             f"set output {_gp_str(png)}",
             "set termoption noenhanced",
             f"set title {_gp_str(f'{name}: {metric} ({accels})')}",
             f"set xlabel {_gp_str(xlabel if vs_x else 'cpus')}",
             f"set ylabel {_gp_str(f'{metric} ({unit})' if unit else metric)}",
             "set key outside right top",
             "set grid",
             "set yrange [0:*]",
             "set offsets graph 0.05, graph 0.05, 0, 0"]
    xs = sorted({r["x"] if vs_x else r["cpus"] for r in rows})
    if len(xs) <= 16:
        lines.append("set xtics (" + ", ".join(fmt(v) for v in xs) + ")")
    plots = []
    for i, (title, (ci, ni, pts)) in enumerate(series.items()):
        lines.append(f"$D{i} << EOD")
        for r in sorted(pts, key=lambda r: r["x"] if vs_x else r["cpus"]):
            xv = r["x"] if vs_x else r["cpus"]
            lines.append(f"{xv} {r['value']} {r['min']} {r['max']}")
        lines.append("EOD")
        plots.append(f"$D{i} using 1:2:3:4 with yerrorlines lc {ci + 1} "
                     f"dt {ni + 1} pt {ni + 1} title {_gp_str(title)}")
    lines.append("plot " + ", \\\n     ".join(plots))
    return "\n".join(lines) + "\n"


def write_plots(out_dir: str, results: list[dict]) -> tuple[list[str], str]:
    """Draw one PNG per (name, metric); return (files, problem or '')."""
    term = gnuplot_terminal()
    if term is None:
        return [], "gnuplot with a png/pngcairo terminal not found: no plots"
    gp_dir = os.path.join(out_dir, "gnuplot")
    os.makedirs(gp_dir, exist_ok=True)
    pngs, bad = [], []
    for (name, metric), rows in groups(results).items():
        base = f"{safe_name(name)}_{safe_name(metric)}"
        gp = os.path.join(gp_dir, base + ".gp")
        with open(gp, "w") as f:
            f.write(gnuplot_script(name, metric, rows, base + ".png", term,
                                   results))
        p = subprocess.run(["gnuplot", os.path.relpath(gp, out_dir)],
                           cwd=out_dir, capture_output=True, text=True)
        if p.returncode == 0 and os.path.exists(
                os.path.join(out_dir, base + ".png")):
            pngs.append(base + ".png")
        else:
            bad.append(f"{base}: {p.stderr.strip()[-300:]}")
    return pngs, "; ".join(f"gnuplot failed for {b}" for b in bad)


def write_all(out_dir: str, outcome: Outcome, meta: dict,
              name_order: list[str] | None = None) -> list[str]:
    """results.csv, results.md and the plots; return the files written.

    Benchmarks come in name_order (the matrix's), then as they appear.
    """
    os.makedirs(out_dir, exist_ok=True)
    rank = {c: i for i, c in enumerate(config_order(outcome.results))}
    names = list(dict.fromkeys([*(name_order or []),
                                *(r["name"] for r in outcome.results)]))
    results = sorted(dedup(outcome.results), key=lambda r: (
        names.index(r["name"]), r["metric"], rank[r["config"]], r["accel"],
        r["cpus"], r["x"]))
    write_csv(os.path.join(out_dir, "results.csv"), results)
    files = ["results.csv"]
    pngs, problem = write_plots(out_dir, results) if results else ([], "")
    if problem:
        warn(problem)
        meta = dict(meta, problems=meta.get("problems", []) + [problem])
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(markdown(results, meta))
    return files + ["results.md"] + pngs


def new_results_dir() -> str:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(RESULTS, stamp)
    n = 1
    while os.path.exists(path):
        n += 1
        path = os.path.join(RESULTS, f"{stamp}-{n}")
    os.makedirs(path)
    return path


def update_latest(run_dir: str) -> str:
    """Replace bench/results/latest/ with a copy of run_dir."""
    latest = os.path.join(RESULTS, "latest")
    tmp = latest + ".new"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(run_dir, tmp)
    if os.path.islink(latest) or os.path.isfile(latest):
        os.unlink(latest)
    else:
        shutil.rmtree(latest, ignore_errors=True)
    os.rename(tmp, latest)
    return latest


# ==========================================================================
# Main
# ==========================================================================

def host_line() -> str:
    u = platform.uname()
    try:
        v = subprocess.run([qemu.QEMU, "--version"], capture_output=True,
                           text=True, timeout=10).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        v = "qemu version unknown"
    return f"{u.node}, {u.system} {u.release} {u.machine}, " \
        f"{os.cpu_count()} host CPUs, {v}"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(
        description="Run the benchmark matrix (bench/matrix.txt); write CSV, "
                    "a markdown comparison and PNG plots.")
    ap.add_argument("--matrix", default=MATRIX)
    ap.add_argument("--bench", help="comma list: only these benchmarks")
    ap.add_argument("--cpus", help="comma list of CPU counts")
    ap.add_argument("--table-free", help="ipi|rcu")
    ap.add_argument("--shootdown", help="ipi|pv")
    ap.add_argument("--fault", help="locked|spf|vma")
    ap.add_argument("--accel", help="auto|kvm|tcg (default auto)")
    ap.add_argument("--mem", help="guest memory (default 512M)")
    ap.add_argument("--timeout", help="seconds per boot (default 300 + 30 "
                    "per CPU beyond the first)")
    ap.add_argument("--out", help="write the results here instead of "
                    "bench/results/<timestamp>/ (latest/ is not updated)")
    ap.add_argument("--from-log", nargs="+", metavar="FILE",
                    help="build and boot nothing: read these serial logs")
    ap.add_argument("--list", action="store_true",
                    help="print the builds and boots, run nothing")
    ap.add_argument("--self-test", action="store_true",
                    help="check the parser and writers on synthetic logs")
    a = ap.parse_args(argv)
    if a.self_test:
        return self_test()

    try:
        benches = [b for b in runtests._split(opt(a.bench)) if b != "all"]
        cpus = [int(c) for c in runtests._split(opt(a.cpus))] or None
        timeout = float(opt(a.timeout)) if opt(a.timeout) else None
    except ValueError as e:
        ap.error(str(e))
    for val, allowed, what in (
            (opt(a.table_free), runtests.TABLE_FREE, "TABLE_FREE"),
            (opt(a.shootdown), runtests.SHOOTDOWN, "SHOOTDOWN"),
            (opt(a.fault), runtests.FAULT, "FAULT")):
        if val and val not in allowed:
            ap.error(f"{what}={val}: want one of {'|'.join(allowed)}")
    if cpus and any(c < 1 or c > 255 for c in cpus):
        ap.error("--cpus: counts must be 1..255")
    mem = opt(a.mem) or "512M"
    command = shlex.join(["python3", os.path.relpath(
        os.path.abspath(__file__), os.getcwd()), *argv])

    if a.from_log:
        boots, order = [], []
    else:
        try:
            boots, notes, order = plan(a.matrix, benches or None, cpus,
                                opt(a.table_free), opt(a.shootdown),
                                opt(a.fault))
        except (OSError, ValueError) as e:
            warn(str(e))
            return 2
        for n in notes:
            say(f"note: {n}")
        if not boots:
            warn("nothing to run: no boots left after narrowing")
            return 2
        if a.list:
            for c in dict.fromkeys(b[0] for b in boots):
                say(f"build {' '.join(runtests.config_vars(c, []))}")
            for c, n, names in boots:
                t = timeout or default_timeout(n)
                say(f"boot  {c} cpus={n} bench={','.join(names)} "
                    f"(timeout {t:.0f}s)")
            return 0

    out_dir = os.path.abspath(a.out) if a.out else new_results_dir()
    started = datetime.datetime.now().astimezone()
    t0 = time.monotonic()
    if a.from_log:
        outcome = from_logs(a.from_log)
    else:
        accel = qemu.resolve_accel(opt(a.accel) or "auto")
        outcome = run_boots(boots, accel, mem, timeout,
                            os.path.join(out_dir, "logs"))
    meta = dict(date=started.strftime("%Y-%m-%d %H:%M:%S %Z"),
                accels=outcome.accels, host=host_line(), command=command,
                boots=plural(len(outcome.boots),
                             "log" if a.from_log else "boot"),
                problems=outcome.problems)
    files = write_all(out_dir, outcome, meta, order)
    latest = None
    if not a.out:
        latest = update_latest(out_dir)

    rel = show(out_dir)
    say(f"{plural(len(outcome.results), 'result')} from "
        f"{plural(len(outcome.boots), 'log' if a.from_log else 'boot')} in "
        f"{time.monotonic() - t0:.1f}s; "
        f"{plural(len(outcome.problems), 'problem')}")
    for p in outcome.problems:
        say(f"  problem: {p}")
    say(f"results in {rel}/" +
        (f" (copied to {show(latest)}/)" if latest else ""))
    for f in files:
        say(f"  {rel}/{f}")
    if outcome.interrupted:
        return 130
    return 0 if outcome.results and not outcome.problems else 1


# ==========================================================================
# Self-test (no QEMU, no kernel)
# ==========================================================================

def _fake_log(config: str, cpus: int, accel: str, scale: float) -> str:
    """A serial log as the kernel would print it, noise interleaved."""
    def bench(name, metric, unit, x, v):
        return "BENCH " + json.dumps(dict(
            name=name, config=config, cpus=cpus, accel=accel, metric=metric,
            value=v, unit=unit, runs=11, min=round(v * 0.9, 1),
            max=round(v * 1.2, 1), x=x))
    out = [f"[    0.000000] Booting kernel ({config}), {cpus} CPUs",
           "bench: running ipi_roundtrip,spinlock"]
    for target in range(1, cpus):
        out.append(bench("ipi_roundtrip", "ipi_roundtrip", "cycles", target,
                         round(scale * (2000 + 100 * target))))
    out.append("[    0.2] smp: something else")
    out.append(bench("spinlock", "acquire_release", "ns", -1,
                     scale * 40.5 * cpus))
    out.append("\x1b[0m" + bench("spinlock", "acquire_release_cycles",
                                 "cycles", -1, int(scale * 120 * cpus))
               + "\r")
    return "\n".join(out) + "\n"


def self_test() -> int:
    failures = []

    def check(what, got, want):
        if got != want:
            failures.append(f"{what}: got {got!r}, want {want!r}")

    # 1. Parser: results, errors, malformed lines, fields filled in.
    s = parse_log(_fake_log("rcu-ipi-spf", 4, "tcg", 1.0), "fake")
    check("parse: results", len(s.results), 3 + 2)
    check("parse: errors", s.errors, [])
    check("parse: names", s.names, {"ipi_roundtrip", "spinlock"})
    check("parse: row", s.results[0], dict(
        name="ipi_roundtrip", config="rcu-ipi-spf", cpus=4, accel="tcg",
        metric="ipi_roundtrip", x=1, value=2100, unit="cycles", runs=11,
        min=1890.0, max=2520.0))
    s = parse_log('cpu1: xBENCH {"name": "a", "metric": "m", "value": 3} z\n'
                  'BENCH-ERROR {"name": "b", "message": "ENOMEM"}\n'
                  'BENCH {"name": "c", "metric": \n'
                  'BENCH {"name": "d", "metric": "m", "value": "fast"}\n'
                  'BENCHMARK {"ignored": 1}\n',
                  "t", config="ipi-pv-vma", cpus=2, accel="kvm")
    check("parse2: one result", [(r["name"], r["config"], r["cpus"],
                                  r["accel"], r["x"], r["min"])
                                 for r in s.results],
          [("a", "ipi-pv-vma", 2, "kvm", -1, 3)])
    check("parse2: errors", len(s.errors), 3)
    check("parse2: error text", "ENOMEM" in s.errors[0], True)
    check("parse2: names", s.names, {"a", "b", "d"})

    # 2. The whole pipeline on three configs x three CPU counts.
    with tempfile.TemporaryDirectory() as d:
        logs = []
        for config, scale in (("ipi-ipi-spf", 1.5), ("rcu-ipi-spf", 1.0),
                              ("rcu-pv-spf", 0.8)):
            for n in (2, 4, 8):
                p = os.path.join(d, f"{config}-cpus{n}.log")
                with open(p, "w") as f:
                    f.write(_fake_log(config, n, "tcg", scale))
                logs.append(p)
        with contextlib.redirect_stdout(io.StringIO()):
            outcome = from_logs(logs)
        check("pipeline: count", len(outcome.results), 3 * (1 + 3 + 7 + 6))
        out_dir = os.path.join(d, "out")
        meta = dict(date="today", accels={"tcg"}, host="h", command="c",
                    boots="9 logs", problems=[])
        files = write_all(out_dir, outcome, meta)
        with open(os.path.join(out_dir, "results.csv")) as f:
            rows = list(csv.DictReader(f))
        check("csv: header", tuple(rows[0].keys()), CSV_COLUMNS)
        check("csv: rows", len(rows), len(outcome.results))
        check("csv: default config first", rows[0]["config"], "rcu-ipi-spf")
        with open(os.path.join(out_dir, "results.md")) as f:
            md = f.read()
        check("md: sections", md.count("\n## "), 3)
        check("md: ratio header",
              "| cpus | x | rcu-ipi-spf | ipi-ipi-spf | rcu-pv-spf | "
              "ipi-ipi-spf / rcu-ipi-spf | rcu-pv-spf / rcu-ipi-spf |" in md,
              True)
        check("md: ratio cell", "| 4 | 2 | 2200 | 3300 | 1760 | 1.50x | "
              "0.80x |" in md, True)
        check("md: no x column for x=-1",
              "| 8 | 324 | 486 | 259 | 1.50x | 0.80x |" in md, True)
        if gnuplot_terminal():
            check("plots", sorted(f for f in files if f.endswith(".png")),
                  ["ipi_roundtrip_ipi_roundtrip.png",
                   "spinlock_acquire_release.png",
                   "spinlock_acquire_release_cycles.png"])
            with open(os.path.join(out_dir, "gnuplot",
                                   "ipi_roundtrip_ipi_roundtrip.gp")) as f:
                gp = f.read()
            # x varies within a boot: one line per (config, cpus).
            check("plot: series", gp.count("with yerrorlines"), 9)
        else:
            warn("self-test: gnuplot not usable here, plots not checked")

        # 3. Mixed accelerators get their own columns.
        mixed = [dict(r) for r in outcome.results[:1]]
        mixed.append(dict(mixed[0], accel="kvm", value=210))
        md = markdown(mixed, meta)
        c = mixed[0]["config"]
        check("md: mixed accel", f"| {c} (kvm) | {c} (tcg) | "
              f"{c} (tcg) / {c} (kvm) |" in md, True)

    # 4. Matrix planning.
    with tempfile.TemporaryDirectory() as d:
        m = os.path.join(d, "matrix.txt")
        with open(m, "w") as f:
            f.write("# test\nipi_roundtrip 2,4,8 default\n"
                    "call_function 2,4,8 default\nspinlock 1,2,4,8 default\n"
                    "tlb 4 rcu-ipi-spf,ipi-ipi-spf\n")
        b, _, _ = plan(m, None, None, None, None, None)
        check("plan: boots", [(c, n) for c, n, _ in b],
              [("rcu-ipi-spf", 1), ("rcu-ipi-spf", 2), ("rcu-ipi-spf", 4),
               ("rcu-ipi-spf", 8), ("ipi-ipi-spf", 4)])
        check("plan: grouping", b[2][2],
              ["ipi_roundtrip", "call_function", "spinlock", "tlb"])
        b, _, _ = plan(m, ["spinlock"], [4, 16], "ipi", None, None)
        check("plan: narrowed", b, [("ipi-ipi-spf", 4, ["spinlock"])])
        b, notes, _ = plan(m, ["nosuch"], None, None, None, None)
        check("plan: unknown", (b, len(notes)),
              ([("rcu-ipi-spf", 1, ["nosuch"])], 1))
        b, notes, _ = plan(m, ["tlb"], None, None, "pv", None)
        check("plan: no config", (b, "benchmark tlb" in notes[0]),
              ([], True))
    try:
        runtests.read_matrix(MATRIX)
    except (OSError, ValueError) as e:
        failures.append(f"bench/matrix.txt: {e}")

    for fl in failures:
        print(f"SELF-TEST FAILED: {fl}")
    print(f"self-test: {'FAIL' if failures else 'ok'} "
          f"({len(failures)} failed checks)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
