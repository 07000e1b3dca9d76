#!/usr/bin/env python3
"""compare.py - `make compare`: the seed thread's six experiments side by
side, and E0, this kernel against Linux.

Front end: the options, the boots and the exit status.  What runs is
defined in experiments.py (per experiment: benchmarks, configurations,
CPU counts, boots full and QUICK=1); the report is comparereport.py's.

Each (experiment, configuration, CPU count) is booted `boots` times, one
boot at a time (scripts/bench.py's run_boots()), round-robin: boot 1 of
every one, then boot 2 of every one, ..., so that a change in host load
hits every configuration alike.  Output, in
bench/results/compare-<YYYYmmdd-HHMMSS>/ (copied to
bench/results/compare-latest/) or --out DIR:

    report.md        headline table, then one section per experiment
    compare.csv      the report's figures (aggregated over boots)
    results.csv      every BENCH line of every boot (`boot` = its log)
    E<n>_<what>.png  the plots; gnuplot/*.gp the scripts that drew them
    logs/*.log       the serial logs

A benchmark the kernel does not have (no `__bench_<name>` symbol in the
built kernel.elf) is not booted for and is reported as not measured, never
as a number.  The configuration PEER (experiments.py; E0) is Linux: booted
from build/peer/ (peerimage.py, peerboot.py) after this kernel's boots when
`make peer` has fetched a kernel there, else not measured, with why; its
logs are logs/linux-cpus<N>-E0-boot<k>.log.  --publish also writes docs/results.md (+ docs/results/*.png).
--from-log FILE... builds and boots nothing and reads logs instead.

The host's load and any other QEMU running are recorded at the start and
the end (hostload.py) into report.md's header and meta.json; a busy host
gets a bold warning under the report's title and on the terminal, and
--publish refuses to run on a host busy at the start, and to publish
when it was busy at either end, unless --force (make compare PUBLISH=1
FORCE=1).  Exit status 0 iff there were results, no problem (failed build
or boot, BENCH-ERROR, malformed report), no refused publish (1) and no
interruption (130).

Python 3.11 standard library plus the gnuplot binary.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench              # noqa: E402
import benchreport        # noqa: E402
import comparereport      # noqa: E402
import hostload           # noqa: E402
import matrix             # noqa: E402
import peerboot           # noqa: E402
import peerimage          # noqa: E402
import peerlog            # noqa: E402
from qemuaccel import resolve_accel  # noqa: E402
from experiments import EXPERIMENTS, PEER, Experiment  # noqa: E402
from kbuild import say    # noqa: E402

ROOT = matrix.ROOT


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
    notes: dict = field(default_factory=dict)    # experiment id: [lines]


def boot_timeout(cpus: int) -> float:
    """60 s, plus 15 s per CPU beyond the first: every boot here runs
    one experiment's benchmarks (the longest, E5, 4 s), so a hung boot
    should not eat the 15-minute budget (bench.py allows 300 s)."""
    return 60.0 + 15.0 * (max(1, cpus) - 1)


def run(experiments, quick: bool, accel: str, mem: str, timeout,
        log_dir: str) -> Run:
    out = Run()
    planned = plan(experiments, quick)
    kernels, out.problems = bench.build_kernels(
        c for _, c, _, _ in planned if c != PEER)
    have = {c: registered_benchmarks(k) for c, k in kernels.items() if k}
    boots, stems, rounds = [], [], []
    for e, c, n, k in planned:
        if c == PEER:
            continue
        if not kernels.get(c):
            for b in e.benches:
                out.missing[(b, c)] = "the build failed"
            continue
        names = [b for b in e.benches if have[c] is None or b in have[c]]
        for b in e.benches:
            if b not in names:
                out.missing[(b, c)] = f"the kernel has no benchmark {b}"
        if names:
            b = matrix.Boot(c, n, names, e.cmdline)
            if peerlog.BENCH in names:      # E0: peerboot.run_seconds()
                b.timeout = peerboot.kernel_timeout(
                    n, peerboot.scale_of_cmdline(e.cmdline))
            boots.append(b)
            stems.append(f"{c}-cpus{n}-{e.id}-boot{k}")
            rounds.append(k)
    peer = [(e, n, k) for e, c, n, k in planned if c == PEER]
    linux = prepare_peer(out, peer) if peer else None
    say(f"{len(boots)} boots planned" +
        (f", and {len(peer)} of Linux after this kernel's of each round"
         if linux else ""))
    # Round by round when Linux boots too, so that it takes its turn in
    # each round like a configuration; else all in one go.
    for k in sorted(set(rounds) | {k for _, _, k in peer}) if linux \
            else [None]:
        mine = [i for i, r in enumerate(rounds) if k is None or r == k]
        o = bench.run_boots([boots[i] for i in mine], accel, mem, timeout,
                            log_dir, kernels, [stems[i] for i in mine],
                            boot_timeout)
        out.results += o.results
        out.boots += len(o.boots)
        out.accels |= o.accels
        out.problems += o.problems
        out.interrupted = o.interrupted
        if linux and not out.interrupted:
            run_peer(out, [p for p in peer if p[2] == k], linux, accel, mem,
                     timeout, log_dir)
        if out.interrupted:
            break
    out.results += peerlog.scaling_rows(out.results)
    return out


def prepare_peer(out: Run, boots) -> tuple[dict, str] | None:
    """(peerimage.image(), its initramfs) for the Linux boots, or None:
    without a fetched kernel (or with programs that do not build) their
    benchmarks are not measured, and out.missing says why."""
    info = peerimage.image()
    if info is None:
        why = (f"no Linux kernel in build/peer/ (`make peer` fetches one "
               f"with apt-get)")
    else:
        try:
            return info, peerimage.make_initramfs(
                peerimage.build_programs())
        except peerimage.PeerError as e:
            why = f"the Linux peer's programs did not build: " \
                f"{str(e).splitlines()[0]}"
    for e, _, _ in boots:
        for b in e.benches:
            out.missing[(b, PEER)] = why
    say(f"Linux not booted: {why}")
    return None


def run_peer(out: Run, boots, linux: tuple[dict, str], accel: str,
             mem: str, timeout, log_dir: str) -> None:
    """Boot Linux (linux: prepare_peer()'s) for each (experiment, cpus,
    boot k) of boots, one at a time, into out."""
    info, initrd = linux
    for e, n, k in boots:
        scale = peerboot.scale_of_cmdline(e.cmdline)
        stem = f"{PEER}-cpus{n}-{e.id}-boot{k}"
        log = os.path.join(log_dir, stem + ".log")
        label = f"Linux cpus={n} ({e.id}-boot{k})"
        try:
            res, text = peerboot.boot_linux(
                info, initrd, n, scale, accel, mem,
                timeout or peerboot.linux_timeout(n, scale), log)
        except KeyboardInterrupt:
            bench.qemurun.kill_all()
            out.interrupted = True
            out.problems.append(f"{label}: interrupted")
            return
        scan, rows = peerlog.read_log(text, bench.show(log), stem, PEER, n,
                                      accel)
        problems = peerboot.boot_problems(label, res.classification, scan,
                                          n, True, res.reason)
        out.results += rows
        out.problems += problems
        out.boots += 1
        out.accels |= {r["accel"] for r in rows}
        note_linux(out, e.id, scan, info)
        say(f"[Linux] {label} {accel}: "
            f"{bench.plural(len(rows), 'result')} ({res.duration:.1f}s)" +
            (f" {res.classification.upper()}" if problems else ""))
        for p in problems:
            say(f"  {p}")


def note_linux(out: Run, exp_id: str, scan, info: dict | None) -> None:
    """The experiment's note: which Linux ran (its uname, the package)."""
    v = peerlog.linux_version(scan.uname, info)
    pkg = f"; package `{info['package']}` {info['version']}" \
        if info and info.get("package") else ""
    out.notes[exp_id] = [f"Linux: {v or 'version not printed'}{pkg}."]


def from_logs(paths: list[str]) -> Run:
    """Read boots' logs: this kernel's BENCH lines (bench.py), and the
    Linux peer's RESULT lines (a log its /init wrote in: peerlog.py)."""
    linux = {}
    for p in paths:
        try:
            with open(p, errors="replace") as f:
                text = f.read()
        except OSError:
            continue            # bench.from_logs() reports it
        if peerlog.parse_log(text, p).linux:
            linux[p] = text
    o = bench.from_logs([p for p in paths if p not in linux])
    run_ = Run(o.results, o.problems, {}, len(o.boots), o.accels)
    for p, text in linux.items():
        stem = os.path.splitext(os.path.basename(p))[0]
        scan, rows = peerlog.read_log(text, p, stem)
        run_.results += rows
        run_.problems += scan.errors
        run_.boots += 1
        run_.accels |= {r["accel"] for r in rows}
        say(f"{p}: Linux, {bench.plural(len(rows), 'result')}")
        exp = re.search(r"-(E\d+)-boot", stem)
        note_linux(run_, exp.group(1) if exp else "E0", scan, None)
    run_.results += peerlog.scaling_rows(run_.results)
    return run_


# ==========================================================================
# Main
# ==========================================================================

def tree() -> str:
    """The commit the kernels were built from, `+ changes` if dirty."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                              cwd=ROOT, capture_output=True, text=True,
                              timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain",
                                "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True,
                               timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (f"commit {head}" + (" + uncommitted changes" if dirty else "")
            if head else "unknown")


def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Run the experiments of make compare (E0: this kernel "
                    "against Linux; E1-E6: the seed thread's) and write "
                    "report.md, compare.csv and plots.")
    ap.add_argument("--quick", action="store_true",
                    help="fewer boots and CPU counts (make compare QUICK=1)")
    ap.add_argument("--only", help="comma list of experiments (E1,E3)")
    ap.add_argument("--accel", help="auto|kvm|tcg (default tcg)")
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--timeout", type=float,
                    help="seconds per boot (default 60 + 15 per CPU beyond "
                         "the first)")
    ap.add_argument("--out", help="write here instead of bench/results/"
                    "compare-<timestamp>/ (compare-latest/ not updated)")
    ap.add_argument("--publish", action="store_true",
                    help="also write docs/results.md and docs/results/*.png")
    ap.add_argument("--force", action="store_true",
                    help="--publish even when the host is busy")
    ap.add_argument("--list", action="store_true",
                    help="print the boots, run nothing")
    ap.add_argument("--from-log", nargs="+", metavar="FILE",
                    help="build and boot nothing: read these serial logs")
    a = ap.parse_args(argv)
    ids = matrix.split(matrix.opt(a.only))
    bad = [i for i in ids if i not in {e.id for e in EXPERIMENTS}]
    if bad:
        ap.error(f"--only: no experiment {', '.join(bad)} (E0..E6)")
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
    load_start = load_end = None
    if not a.from_log:
        load_start = bench.host_snapshot("start")
        refusal = publish_refusal(a, load_start)
        if refusal:
            say(refusal)
            return 1
    out_dir = os.path.abspath(a.out) if a.out else \
        benchreport.new_results_dir("compare-")
    started = datetime.datetime.now().astimezone()
    t0 = time.monotonic()
    # Before the run: the kernels are built from the tree as it is now,
    # and the tree may change while the boots run.
    built_from = "not known (read from logs)" if a.from_log else tree()
    if a.from_log:
        run_ = from_logs(a.from_log)
    else:
        accel = resolve_accel(matrix.opt(a.accel) or "tcg")
        run_ = run(a.experiments, a.quick, accel, a.mem, a.timeout,
                   os.path.join(out_dir, "logs"))
        load_end = bench.host_snapshot("end")
    meta = dict(date=started.strftime("%Y-%m-%d %H:%M:%S %Z"),
                host=bench.host_line(), command=command,
                tree=built_from,
                what="logs read" if a.from_log else "boots",
                duration=f"{time.monotonic() - t0:.0f} s",
                accels=run_.accels, problems=run_.problems,
                hostload=(load_start, load_end))
    text, pngs, problems = comparereport.report(run_, meta, out_dir,
                                                a.experiments)
    run_.problems += problems
    run_.problems += [f"report.md: {p}" for p in
                      comparereport.check_report(text, out_dir,
                                                 a.experiments)]
    benchreport.write_csv(os.path.join(out_dir, "results.csv"),
                          run_.results, benchreport.CSV_COLUMNS + ("boot",))
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write(text + "\n")
    benchreport.write_meta(os.path.join(out_dir, "meta.json"), meta)
    latest = None if a.out else benchreport.update_latest(
        out_dir, "compare-latest")
    bench.summary(run_.results, bench.plural(
        run_.boots, "log" if a.from_log else "boot"),
                  time.monotonic() - t0, run_.problems)
    say(f"report: {bench.show(out_dir)}/report.md" +
        (f" (copied to {bench.show(latest)}/)" if latest else ""))
    busy = bench.busy_warning(load_start, load_end)
    refused = False
    if a.publish:
        refusal = publish_refusal(a, load_start, load_end)
        if refusal:
            say(refusal)
            refused = True
        else:
            md = comparereport.publish(out_dir, text, pngs)
            say(f"published: {bench.show(md)}" +
                (" (host busy: published with --force, the warning is in "
                 "it)" if busy else ""))
    status = bench.exit_status(run_.results, run_.problems,
                               run_.interrupted)
    return status or (1 if refused else 0)


def publish_refusal(a, start, end=None) -> str:
    """Why --publish must not go on, or '': the host was busy (at the
    start, given only start: do not run; at either end: do not publish)
    and --force was not given."""
    if not a.publish or a.force:
        return ""
    reasons = hostload.busy_reasons(start, end)
    if not reasons:
        return ""
    head = ("compare: refusing to run with --publish: the host is busy"
            if end is None else
            "compare: not publishing docs/results.md (the report above is "
            "kept): the host was busy during the run")
    return (f"{head}: {'; '.join(reasons)}. The reference report must be "
            "measured on a quiet host: a busy one puts timings off by up "
            "to 100x. Stop the other QEMUs and wait for the load to fall, "
            "then run again, or publish anyway with FORCE=1 (compare.py "
            "--force).")


if __name__ == "__main__":
    sys.exit(main())
