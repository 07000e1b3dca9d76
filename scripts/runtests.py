#!/usr/bin/env python3
"""runtests.py - the runner behind `make test`.

1. The host stage: `make -s host-tests` prints one KTAP document whose
   subtests are the host test programs (tests/host/) and the self-tests of
   these scripts (scripts/tests/); it is printed as it came and counted.
2. The kernel suites of tests/matrix.txt: each configuration built once,
   one direct (qboot) boot per (configuration, CPU count) with
   `ktest=<suites>` on the command line, the serial port logged to
   build/test-logs/<config>-cpus<N>.log.  The KTAP of each boot is parsed
   (scripts/ktap.py) and its isa-debug-exit verdict checked.

The last line printed is `N passed, N failed` (`, N skipped` when some were
skipped); the exit status is 0 iff nothing failed and at least one case
passed.  The parser is ktap.py, the matrix and the switches matrix.py,
building and booting kbuild.py; this file is the front end: options, what
counts as a failure of a boot, and the report.  Python 3.11 standard
library only.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kbuild  # noqa: E402
import ktap    # noqa: E402
import matrix  # noqa: E402
import qemurun # noqa: E402
from qemuaccel import resolve_accel  # noqa: E402
from kbuild import say          # noqa: E402
from ktap import Case, counts   # noqa: E402
from matrix import opt          # noqa: E402

ROOT = matrix.ROOT
LOG_DIR = os.path.join(ROOT, "build", "test-logs")


# ==========================================================================
# What a boot counts for
# ==========================================================================

@dataclass
class BootReport:
    label: str
    cases: list[Case]
    status: str                # PASS or what went wrong, upper case
    log_path: str | None
    lines: list[str]
    classification: str = ""
    duration: float = 0.0
    stderr: str = ""
    reason: str = ""           # why the boot was stopped early


def evaluate_boot(label: str, text: str, classification: str,
                  requested: list[str]):
    """Turn a boot's log and exit classification into counted cases.

    Besides the KTAP cases: a requested suite that printed nothing fails;
    a panic, hang, triple fault or QEMU error adds a failed case; so do a
    PASS exit with no results and a FAIL exit with no failed case.
    Return (cases, log lines, status).
    """
    cases, seen, lines = ktap.parse_ktap(text, check_suite_counts=False)
    for s in requested:
        if s not in seen:
            cases.append(Case(f"{s}: no KTAP output for this suite", "fail",
                              None, "missing results"))
    npass, nfail, _ = counts(cases)
    last = len(lines) - 1 if lines else None
    if classification not in ("pass", "fail"):
        cases.append(Case(f"{label}: boot {classification}", "fail", last))
    elif classification == "pass" and npass + nfail == 0:
        cases.append(Case(f"{label}: no results", "fail", None))
    elif classification == "fail" and nfail == 0:
        cases.append(Case(f"{label}: kernel verdict FAIL", "fail", last))
    if classification not in ("pass", "fail"):
        status = classification.upper()
    else:
        status = "FAIL" if counts(cases)[1] else "PASS"
    return cases, lines, status


def default_timeout(accel: str, cpus: int, jobs: int) -> float:
    base = 90 + 10 * (cpus - 1) if accel == "tcg" else 60 + 5 * (cpus - 1)
    return base * (1 + 0.5 * (jobs - 1))


# ==========================================================================
# Reporting
# ==========================================================================

def context(lines: list[str], i: int | None, before=7, after=7) -> str:
    if not lines:
        return "        (empty log)"
    if i is None:
        i = len(lines) - 1
    lo, hi = max(0, i - before), min(len(lines), i + after + 1)
    return "\n".join(f"    {'>' if k == i else ' '} {lines[k]}"
                     for k in range(lo, hi))


def report_failures(r: BootReport) -> None:
    """Each failed case with the log lines around it, once; a crashed
    boot's last lines; where the log was kept."""
    fails = [c for c in r.cases if c.status == "fail"]
    if not fails:
        return
    out = []
    names = [c.name for c in fails]
    shown = set()
    for c in fails:
        if c.name.endswith(f"boot {r.classification}") or c.name in shown:
            continue
        shown.add(c.name)
        n = names.count(c.name)
        out.append(f"  FAILED {r.label}: {c.name}"
                   + (f" (counted {n} times)" if n > 1 else ""))
        if c.line is not None and r.lines:
            out.append(context(r.lines, c.line))
    if r.classification not in ("pass", "fail"):
        out.append(kbuild.crash_report(
            f"  FAILED {r.label}: boot {r.classification}; last "
            f"{kbuild.TAIL_LINES} lines of the log:", r.lines, r.stderr,
            r.reason))
        if r.classification == "triple-fault":
            out.append("  (re-run the boot by hand with scripts/qemu.py "
                       "--accel tcg --trace-log FILE to log the exception "
                       "chain)")
    if r.log_path:
        out.append(f"  log kept: {os.path.relpath(r.log_path, os.getcwd())}")
    say("\n".join(out))


def print_stage(r: BootReport, label: str) -> None:
    p, f, s = counts(r.cases)
    say(f"{label}: {p} passed, {f} failed, {s} skipped "
        f"({r.duration:.1f}s) {r.status}")
    report_failures(r)


# ==========================================================================
# The host stage
# ==========================================================================

def run_host_tests(keep_logs: bool) -> BootReport:
    """`make host-tests`: print its KTAP document, count its cases."""
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
    if not failed and not keep_logs:
        os.unlink(log_path)
        log_path = None
    return BootReport("host-tests", cases, "FAIL" if failed else "PASS",
                      log_path, lines, "fail" if failed else "pass",
                      time.monotonic() - t0)


# ==========================================================================
# The kernel stage
# ==========================================================================

def run_boots(boots, extra: list[str], accel: str, mem: str,
              timeout: float | None, jobs: int, keep_logs: bool):
    """Build and boot; return the cases, or None if interrupted."""
    all_cases: list[Case] = []
    kernels = kbuild.build_all((b[0] for b in boots), extra)
    all_cases += [Case(f"{c}: build failed", "fail")
                  for c, k in kernels.items() if k is None]
    runnable = [(*b, stem, getattr(b, "cmdline", ""))
                for b, stem in zip(boots, matrix.boot_stems(boots))
                if kernels[b[0]]]
    suffix = "".join("+" + re.sub(r"[^A-Za-z0-9_.=-]", "_", e)
                     for e in extra)
    os.makedirs(LOG_DIR, exist_ok=True)
    done, done_lock = [0], threading.Lock()

    def one(b):
        config, n, suite_list, stem, words = b
        label = f"{config} cpus={n}" + (f" {words}" if words else "") + \
            (f" ({stem.rsplit('-', 1)[1]})" if "-part" in stem else "")
        log_path = os.path.join(LOG_DIR, stem.replace(
            f"{config}-", f"{config}{suffix}-", 1) + ".log")
        res, text = kbuild.boot(kernels[config], n,
                                " ".join(["ktest=" + ",".join(suite_list)] +
                                         ([words] if words else [])),
                                log_path,
                                accel, mem,
                                timeout or default_timeout(accel, n, jobs))
        if qemurun.aborted():
            return None
        cases, lines, status = evaluate_boot(label, text,
                                             res.classification, suite_list)
        kept = log_path
        if status == "PASS" and not keep_logs:
            os.unlink(log_path)
            kept = None
        r = BootReport(label, cases, status, kept, lines,
                       res.classification, res.duration, res.stderr,
                       res.reason)
        with done_lock:
            done[0] += 1
            i = done[0]
        print_stage(r, f"[{i}/{len(runnable)}] {label} {accel}")
        return r

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
                    help="keep the logs of passing boots too")
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
    if a.extra:
        broken = any(matrix.is_broken(e) for e in a.extra)
        say(f"extra build variables: {' '.join(a.extra)}" +
            (" (a protocol is broken on purpose: failures expected)"
             if broken else ""))
    if host:
        say("host unit tests (make host-tests) ...")
        r = run_host_tests(a.keep_logs)
        print_stage(r, "host-tests")
        all_cases += r.cases
    if boots:
        accel = resolve_accel(opt(a.accel) or "auto")
        cases = run_boots(boots, a.extra, accel, a.mem, a.timeout, a.jobs,
                          a.keep_logs)
        if cases is None:
            print("runtests: interrupted; QEMU stopped", file=sys.stderr)
            return 130
        all_cases += cases

    p, f, s = counts(all_cases)
    line = ktap.summary_line(p, f, s)
    assert ktap.SUMMARY_RE.match(line)
    sys.stderr.flush()
    print(line, flush=True)
    return 0 if f == 0 and p > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
