#!/usr/bin/env python3
"""bench.py - the benchmark runner behind `make bench`.

Reads bench/matrix.txt (lines `benchmark cpus configs`, the format of
tests/matrix.txt), builds each configuration needed once, and boots the
kernel directly (qboot) once per (configuration, CPU count), one boot at a
time, with `bench=<names>` on the command line.  The BENCH lines of every
boot are collected (benchlog.py) and written (benchreport.py) into

    bench/results/<YYYYmmdd-HHMMSS>/   results.csv, results.md, PNG plots,
                                       gnuplot/*.gp, logs/*.log, meta.json

copied to bench/results/latest/ (replaced each run; not with --out DIR).
`--profile` (`make bench PROFILE=1`) adds `profile=1` to every boot's
command line: the kernel then clears its sampling profiler before each
benchmark and prints a PROFILE line after it, which becomes
profile-<name>-<config>-cpus<N>.md beside results.csv, linked from
results.md (docs/performance.md); a benchmark with results but no
PROFILE line is then a problem.

The host's load and any other QEMU running are recorded at the start and
the end of the run (hostload.py); a busy host is warned about on the
terminal and under the title of results.md.
`--from-log FILE...` skips building and booting and reads existing serial
logs instead.  The exit status is 0 iff every boot passed, every benchmark
asked for gave a result, and no BENCH-ERROR or malformed BENCH line was
seen (2: a bad matrix or nothing to run; 130: interrupted).  This file is
the front end: options, the boots and what counts as a problem.

Python 3.11 standard library plus the gnuplot binary.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchreport  # noqa: E402
import hostload     # noqa: E402
import kbuild       # noqa: E402
import matrix       # noqa: E402
import qemuproc     # noqa: E402
import qemurun      # noqa: E402
from qemuaccel import resolve_accel   # noqa: E402
from benchlog import parse_log, warn  # noqa: E402
from kbuild import say                # noqa: E402
from matrix import opt                # noqa: E402

ROOT = matrix.ROOT
MATRIX = os.path.join(ROOT, "bench", "matrix.txt")


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def show(path: str) -> str:
    """A path as the user would type it: relative when under the cwd."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


# ==========================================================================
# The matrix and the boots
# ==========================================================================

def plan(matrix_path: str, benches, cpus, switches):
    """Return ([(config, cpus, [benchmarks])], notes, benchmark order).

    The narrowing rules of runtests (matrix.expand_matrix()); a benchmark
    not in the matrix runs at the default configuration.
    """
    rows, notes = matrix.expand_matrix(
        matrix.read_matrix(matrix_path), benches, cpus, switches,
        what="benchmark", where=os.path.relpath(matrix_path))
    return matrix.plan_boots(rows), notes, [r.name for r in rows]


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
    profiles: list[dict] = field(default_factory=list)  # PROFILE lines


def boot_problems(label: str, scan, classification: str,
                  names: list[str], reason: str = "") -> list[str]:
    """What is wrong with one boot: its log's errors, a crash (with why it
    was stopped early, if it was), no results, a benchmark asked for that
    printed nothing."""
    problems = list(scan.errors)
    if classification != "pass":
        problems.append(f"{label}: boot {classification}" +
                        (f": {reason}" if reason else ""))
    elif not scan.results:
        problems.append(f"{label}: no results")
    problems += [f"{label}: no results from benchmark {b}" for b in names
                 if b not in scan.names and classification == "pass"]
    return problems


def build_kernels(configs) -> tuple[dict[str, str | None], list[str]]:
    """Build each configuration once: ({config: kernel or None}, problems)."""
    kernels = kbuild.build_all(configs, [])
    return kernels, [f"{c}: build failed" for c, k in kernels.items()
                     if k is None]


def run_boots(boots, accel: str, mem: str, timeout: float | None,
              log_dir: str, kernels: dict | None = None,
              stems: list[str] | None = None,
              timeout_for=default_timeout,
              cmdline: list[str] | None = None) -> Outcome:
    """Boot each (config, cpus, [names]) of boots in turn, one at a time.

    kernels: already built ({config: path}); else they are built here.
    stems: the log file names (default matrix.boot_stems()); what a stem
    adds to `<config>-cpus<N>` is shown in the boot's label.  Every result
    row gets `boot`, its stem, so repeated boots can be told apart.
    timeout_for(cpus): a boot's timeout when timeout is None and the boot
    has no `timeout` attribute of its own (a matrix.Boot may).
    cmdline: words added to every boot's command line (["profile=1"]:
    then a benchmark with results and no PROFILE line is a problem).
    """
    out = Outcome(accels={accel})
    if kernels is None:
        kernels, out.problems = build_kernels(b[0] for b in boots)
    runnable = [(b, stem) for b, stem in zip(
        boots, stems or matrix.boot_stems(boots)) if kernels.get(b[0])]
    os.makedirs(log_dir, exist_ok=True)
    for i, (boot, stem) in enumerate(runnable, 1):
        config, n, names = boot
        words = " ".join(([getattr(boot, "cmdline", "")]
                          if getattr(boot, "cmdline", "") else []) +
                         (cmdline or []))
        log_path = os.path.join(log_dir, f"{stem}.log")
        rest = stem.removeprefix(f"{config}-cpus{n}").lstrip("-")
        label = f"{config} cpus={n}" + (f" {words}" if words else "") + \
            (f" ({rest})" if rest else "") + \
            (" (overcommitted)" if n > (os.cpu_count() or n) else "")
        try:
            res, text = kbuild.boot(kernels[config], n,
                                    " ".join(["bench=" + ",".join(names)] +
                                             ([words] if words else [])),
                                    log_path,
                                    accel, mem,
                                    timeout or getattr(boot, "timeout",
                                                       None)
                                    or timeout_for(n))
        except KeyboardInterrupt:
            qemurun.kill_all()
            out.interrupted = True
            out.problems.append(f"{label}: interrupted")
            break
        # Record the host's cores in the log too, so --from-log can tell
        # an overcommitted boot (vCPUs > host cores) later (benchlog.py).
        cores = os.cpu_count() or 0
        with open(log_path, "a") as f:
            f.write(f'\nBENCH-HOST {{"host_cores": {cores}}}\n')
        scan = parse_log(text, show(log_path), config, n, accel, cores)
        for r in scan.results:
            r["boot"] = stem
        out.results += scan.results
        out.profiles += scan.profiles
        problems = boot_problems(label, scan, res.classification, names,
                                 res.reason)
        if "profile=1" in (cmdline or []):
            profiled = {p["name"] for p in scan.profiles}
            problems += [f"{label}: no PROFILE line from benchmark {b}"
                         for b in names if b in scan.names and
                         b not in profiled]
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
            say(kbuild.crash_report(
                f"  last {kbuild.TAIL_LINES} lines of {show(log_path)}:",
                scan.lines, res.stderr))
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
        for r in scan.results:
            r["boot"] = os.path.splitext(os.path.basename(path))[0]
        out.results += scan.results
        out.profiles += scan.profiles
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
# Main
# ==========================================================================

def host_line() -> str:
    u = platform.uname()
    try:
        v = subprocess.run([qemuproc.QEMU, "--version"], capture_output=True,
                           text=True, timeout=10).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        v = "qemu version unknown"
    return f"{u.node}, {u.system} {u.release} {u.machine}, " \
        f"{os.cpu_count()} host CPUs, {v}"


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Run the benchmark matrix (bench/matrix.txt); write CSV, "
                    "a markdown comparison and PNG plots.")
    ap.add_argument("--matrix", default=MATRIX)
    matrix.add_narrowing_args(ap, "--bench",
                              "comma list: only these benchmarks")
    kbuild.add_common_args(ap, "default 300 + 30 per CPU beyond the first")
    ap.add_argument("--out", help="write the results here instead of "
                    "bench/results/<timestamp>/ (latest/ is not updated)")
    ap.add_argument("--from-log", nargs="+", metavar="FILE",
                    help="build and boot nothing: read these serial logs")
    ap.add_argument("--profile", action="store_true",
                    help="boot with profile=1: a PROFILE line per benchmark, "
                         "written as profile-*.md beside the CSV")
    a = ap.parse_args(argv)
    a.narrow = matrix.narrowing_from_args(ap, a, a.bench)
    a.narrow.names = [b for b in a.narrow.names or [] if b != "all"] or None
    kbuild.common_from_args(ap, a)
    return a


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    a = parse_args(argv)
    if a.self_test:
        return kbuild.self_test()
    command = shlex.join(["python3", os.path.relpath(
        os.path.abspath(__file__), os.getcwd()), *argv])

    boots, order = [], []
    if not a.from_log:
        try:
            boots, notes, order = plan(a.matrix, a.narrow.names,
                                       a.narrow.cpus, a.narrow.switches)
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
                say(f"build {' '.join(matrix.config_vars(c, []))}")
            for c, n, names in boots:
                t = a.timeout or default_timeout(n)
                say(f"boot  {c} cpus={n} bench={','.join(names)}"
                    f"{' profile=1' if a.profile else ''} "
                    f"(timeout {t:.0f}s)")
            return 0

    out_dir = os.path.abspath(a.out) if a.out else \
        benchreport.new_results_dir()
    started = datetime.datetime.now().astimezone()
    t0 = time.monotonic()
    load_start = load_end = None
    if a.from_log:
        outcome = from_logs(a.from_log)
    else:
        load_start = host_snapshot("start")
        accel = resolve_accel(opt(a.accel) or "auto")
        outcome = run_boots(boots, accel, a.mem, a.timeout,
                            os.path.join(out_dir, "logs"),
                            cmdline=["profile=1"] if a.profile else None)
        load_end = host_snapshot("end")
    what = "log" if a.from_log else "boot"
    meta = dict(date=started.strftime("%Y-%m-%d %H:%M:%S %Z"),
                accels=outcome.accels, host=host_line(), command=command,
                boots=plural(len(outcome.boots), what),
                problems=outcome.problems,
                hostload=(load_start, load_end))
    files = benchreport.write_all(out_dir, outcome.results, meta, order,
                                  outcome.profiles)
    latest = None if a.out else benchreport.update_latest(out_dir)

    rel = show(out_dir)
    summary(outcome.results, plural(len(outcome.boots), what),
            time.monotonic() - t0, outcome.problems)
    say(f"results in {rel}/" +
        (f" (copied to {show(latest)}/)" if latest else ""))
    for f in files:
        say(f"  {rel}/{f}")
    busy_warning(load_start, load_end)
    return exit_status(outcome.results, outcome.problems,
                       outcome.interrupted)


def host_snapshot(when: str) -> hostload.Snapshot:
    """The host's load now (hostload.take()), leaving out the QEMUs this
    run started; at the start, a warning at once if it is busy."""
    snap = hostload.take(when, exclude=qemurun.started_pids())
    reasons = hostload.busy_reasons(snap)
    if when == "start" and reasons:
        say("WARNING: the host is busy now: " + "; ".join(reasons) +
            ". Timings taken now can be off by up to 100x.")
    return snap


def busy_warning(start: hostload.Snapshot | None,
                 end: hostload.Snapshot | None) -> bool:
    """Print the run's busy-host warning, if any; return whether busy."""
    w = hostload.warning(hostload.busy_reasons(start, end))
    if w:
        say(w)
    return bool(w)


def summary(results: list, boots: str, seconds: float,
            problems: list[str]) -> None:
    """The last lines of a run: counts, time, each problem."""
    say(f"{plural(len(results), 'result')} from {boots} in {seconds:.1f}s; "
        f"{plural(len(problems), 'problem')}")
    for p in problems:
        say(f"  problem: {p}")


def exit_status(results: list, problems: list[str],
                interrupted: bool) -> int:
    """0 with results and no problem; 130 interrupted; else 1."""
    if interrupted:
        return 130
    return 0 if results and not problems else 1


if __name__ == "__main__":
    sys.exit(main())
