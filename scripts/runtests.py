#!/usr/bin/env python3
"""runtests.py - the runner behind `make test`.

1. The host stage: `make -s host-tests` prints one KTAP document whose
   subtests are the host test programs (tests/host/) and the self-tests of
   these scripts (scripts/tests/); it is printed as it came and counted.
2. The kernel suites of tests/matrix.txt: each configuration built once,
   one direct (qboot) boot per (configuration, CPU count) with
   `ktest=<suites>` on the command line, the serial port logged to
   build/test-logs/<build dir>-cpus<N>.log (the build directory's name,
   `rcu-ipi-vma+spinlock_broken` with a broken switch on, so the log
   names its ELF); every log is kept, and where they are is printed at
   the end.  The KTAP of each boot is parsed (scripts/ktap.py) and its
   isa-debug-exit verdict checked.

The last line printed is `N passed, N failed` (`, N skipped`, `, N not
run` when a hang or crash kept cases from running); the exit status is 0
iff nothing failed, nothing was left unrun and at least one case passed.
The parser is ktap.py, the matrix and the switches matrix.py, building
and booting kbuild.py, what a boot counts for testeval.py, how it is
shown testreport.py; this file is the front end: options, the two stages
and the summary.  Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kbuild  # noqa: E402
import ktap    # noqa: E402
import matrix  # noqa: E402
import qemurun # noqa: E402
import hostload  # noqa: E402
from qemuaccel import resolve_accel  # noqa: E402
from kbuild import say          # noqa: E402
from ktap import Case, counts, not_run  # noqa: E402
from matrix import opt          # noqa: E402
from testeval import evaluate_boot      # noqa: E402
from testreport import BootReport, print_stage, show  # noqa: E402

ROOT = matrix.ROOT
LOG_DIR = os.path.join(ROOT, "build", "test-logs")


def default_timeout(accel: str, cpus: int, jobs: int) -> float:
    base = 90 + 10 * (cpus - 1) if accel == "tcg" else 60 + 5 * (cpus - 1)
    return base * (1 + 0.5 * (jobs - 1))


# On a busy host a boot's timeout is this many times the default: the race
# tests keep trying until their floor is met (20-60 s bounds each, see
# docs/testing.md), so a boot of several of them on a host shared with
# another QEMU can outlast the quiet-host timeout without hanging.
BUSY_TIMEOUT_FACTOR = 3


def host_busy_now() -> bool:
    """A quick look before a boot (hostload's rule): another QEMU that
    this run did not start, or more runnable tasks than the host's cores
    less the margin.  The runnable count, not the 1-minute load: that
    average still holds this run's own earlier boots."""
    snap = hostload.take("end", samples=3, interval=0.02)
    return bool(hostload.busy_reasons(snap))


def log_path_for(stem: str, config: str, kernel: str) -> str:
    """build/test-logs/<stem>.log with the configuration's name replaced
    by the kernel's build directory (`rcu-ipi-vma+spinlock_broken`), so
    that a log names the folder of the ELF that wrote it."""
    build_dir = os.path.basename(os.path.dirname(kernel))
    return os.path.join(LOG_DIR, build_dir + stem[len(config):] + ".log")


# ==========================================================================
# The host stage
# ==========================================================================

def run_host_tests() -> BootReport:
    """`make host-tests`: print its KTAP document, count its cases; its
    log is build/test-logs/host-tests.log."""
    t0 = time.monotonic()
    rc, out, err = kbuild.run_make(["-s", "--no-print-directory",
                                    "host-tests"])
    text = out + ("\n" + err if err.strip() else "")
    say(text.rstrip("\n"))
    cases, _, lines = ktap.parse_ktap(text, check_suite_counts=True)
    npass, nfail, _ = counts(cases)
    if rc != 0 and nfail == 0:
        cases.append(Case(f"host-tests: make exited with status {rc}",
                          "fail", len(lines) - 1 if lines else None))
    elif npass + nfail == 0:
        cases.append(Case("host-tests: no results", "fail", None))
    failed = counts(cases)[1] > 0
    os.makedirs(LOG_DIR, exist_ok=True)
    log_path = os.path.join(LOG_DIR, "host-tests.log")
    with open(log_path, "w") as f:
        f.write(text)
    return BootReport("host-tests", cases, "FAIL" if failed else "PASS",
                      log_path, lines, "fail" if failed else "pass",
                      time.monotonic() - t0)


# ==========================================================================
# The kernel stage
# ==========================================================================

def run_boots(boots, extra: list[str], accel: str, mem: str,
              timeout: float | None, jobs: int, logs: list[str]):
    """Build and boot; return the cases, or None if interrupted.  Each
    boot's log path is appended to logs."""
    all_cases: list[Case] = []
    kernels = kbuild.build_all((b[0] for b in boots), extra)
    all_cases += [Case(f"{c}: build failed", "fail")
                  for c, k in kernels.items() if k is None]
    runnable = [(*b, stem, getattr(b, "cmdline", ""))
                for b, stem in zip(boots, matrix.boot_stems(boots))
                if kernels[b[0]]]
    os.makedirs(LOG_DIR, exist_ok=True)
    done, done_lock = [0], threading.Lock()

    def one(b):
        config, n, suite_list, stem, words = b
        label = f"{config} cpus={n}" + (f" {words}" if words else "") + \
            (f" ({stem.rsplit('-', 1)[1]})" if "-part" in stem else "")
        log_path = log_path_for(stem, config, kernels[config])
        t = timeout
        if not t:
            t = default_timeout(accel, n, jobs)
            if host_busy_now():
                t *= BUSY_TIMEOUT_FACTOR
        res, text = kbuild.boot(kernels[config], n,
                                " ".join(["ktest=" + ",".join(suite_list)] +
                                         ([words] if words else [])),
                                log_path, accel, mem, t)
        if qemurun.aborted():
            return None
        cases, lines, status = evaluate_boot(label, text,
                                             res.classification, suite_list,
                                             t)
        r = BootReport(label, cases, status, log_path, lines,
                       res.classification, res.duration, res.stderr,
                       res.reason, kernels[config])
        with done_lock:
            done[0] += 1
            i = done[0]
        print_stage(r, f"[{i}/{len(runnable)}] {label} {accel}")
        return r

    logs += [log_path_for(b[3], b[0], kernels[b[0]]) for b in runnable]
    ex = ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = [ex.submit(one, b) for b in runnable]
        reports = [fu.result() for fu in futures]
    except KeyboardInterrupt:
        ex.shutdown(wait=False, cancel_futures=True)
        qemurun.kill_all()
        return None
    ex.shutdown()
    for r in reports:
        all_cases += r.cases
    return all_cases


# ==========================================================================
# Main
# ==========================================================================

def parse_args(argv):
    ap = argparse.ArgumentParser(
        description="Run the host unit tests and the kernel test matrix.")
    ap.add_argument("--matrix", default=os.path.join(ROOT, "tests",
                                                     "matrix.txt"))
    matrix.add_narrowing_args(ap, "--suites", "comma list; narrow to these "
                              "suites (`host` = the host unit tests)")
    kbuild.add_common_args(ap, "default 90 under TCG, 60 under KVM, "
                           "plus a little per CPU")
    ap.add_argument("--extra", help="extra make variables for the kernel "
                    "build, e.g. 'SHOOTDOWN_BROKEN=1'")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--host", dest="host", action="store_const", const=True,
                   help="run the host unit tests first (default, unless "
                        "--suites is given)")
    g.add_argument("--no-host", dest="host", action="store_const",
                   const=False)
    ap.add_argument("-j", "--jobs", help="boots in parallel (default 1)")
    ap.add_argument("--keep-logs", action="store_true",
                    help="accepted for old command lines: every boot's "
                         "log is kept")
    a = ap.parse_args(argv)
    a.narrow = matrix.narrowing_from_args(ap, a, a.suites)
    kbuild.common_from_args(ap, a)
    try:
        a.jobs = int(opt(a.jobs) or 1)
    except ValueError as e:
        ap.error(f"--jobs: {e}")
    a.extra = shlex.split(opt(a.extra) or "")
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    if a.self_test:
        return kbuild.self_test()
    suites = a.narrow.names
    host = a.host if a.host is not None else (
        not suites or "host" in suites)
    kernel_suites = [s for s in suites if s != "host"] if suites else None
    boots = []
    if not suites or kernel_suites:
        try:
            rows, notes = matrix.expand_matrix(
                matrix.read_matrix(a.matrix), kernel_suites, a.narrow.cpus,
                a.narrow.switches)
        except (OSError, ValueError) as e:
            print(f"runtests: {e}", file=sys.stderr)
            return 2
        for n in notes:
            say(f"note: {n}")
        boots = matrix.plan_boots(rows)
    if a.list:
        for c in dict.fromkeys(b[0] for b in boots):
            say(f"build {' '.join(matrix.config_vars(c, a.extra))}")
        for b in boots:
            c, n, s = b
            say(f"boot  {c} cpus={n} ktest={','.join(s)}" +
                (f" {b.cmdline}" if b.cmdline else ""))
        return 0

    all_cases: list[Case] = []
    logs: list[str] = []
    if a.extra:
        broken = any(matrix.is_broken(e) for e in a.extra)
        say(f"extra build variables: {' '.join(a.extra)}" +
            (" (a protocol is broken on purpose: failures expected)"
             if broken else ""))
    if host:
        say("host unit tests (make host-tests) ...")
        r = run_host_tests()
        print_stage(r, "host-tests")
        all_cases += r.cases
        logs.append(r.log_path)
    if boots:
        accel = resolve_accel(opt(a.accel) or "auto")
        cases = run_boots(boots, a.extra, accel, a.mem, a.timeout, a.jobs,
                          logs)
        if cases is None:
            print("runtests: interrupted; QEMU stopped", file=sys.stderr)
            return 130
        all_cases += cases

    say(logs_line(logs))
    p, f, s = counts(all_cases)
    n = not_run(all_cases)
    line = ktap.summary_line(p, f, s, n)
    assert ktap.SUMMARY_RE.match(line)
    sys.stderr.flush()
    print(line, flush=True)
    return 0 if f == 0 and n == 0 and p > 0 else 1


def logs_line(logs: list[str]) -> str:
    """Where this run's serial logs are: `logs of this run (3) in
    build/test-logs/: a.log, b.log, c.log`."""
    if not logs:
        return "no logs written"
    dirs = {os.path.dirname(p) for p in logs}
    if len(dirs) == 1:
        return (f"logs of this run ({len(logs)}) in {show(dirs.pop())}/: " +
                ", ".join(os.path.basename(p) for p in logs))
    return f"logs of this run: {', '.join(show(p) for p in logs)}"


if __name__ == "__main__":
    sys.exit(main())
