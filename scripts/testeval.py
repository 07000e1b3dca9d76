#!/usr/bin/env python3
"""testeval.py - what one kernel test boot counts for (`make test`).

evaluate_boot() turns a boot's serial log (parsed by ktap.py) and QEMU's
classification (qemuexit.CLASSES) into counted cases:

* every leaf `ok`/`not ok` is a case (pass, fail, skip);
* a boot that ended on its own (PASS or FAIL verdict): a requested suite
  that printed nothing fails, each result a plan promised and the log
  lacks fails (`suite: result K of N missing`), a PASS exit with no
  results fails, a FAIL exit with no failed case fails;
* a boot that did not end on its own (hang, panic, triple fault, QEMU
  error, ignored `ktest=` key, monitor prompt) is **one** failure, named
  after where it happened: the case whose `# running <suite>.<case>` line
  (tests/kernel/ktest.c) has no result after it, else (a log of a kernel
  without those lines) the first unreported case of the last unfinished
  suite, else between suites or before any: `HANG in sched.test_x
  (timeout 100 s)`.  Every other result the plans promised and every
  requested suite that never started is NOT_RUN: counted apart, never as
  a failure, since the crash kept it from running.

Guarantees: evaluate_boot() is pure (text in, cases out); a crashed boot
adds exactly one failed case of its own; NOT_RUN cases come only from a
crashed boot.  Python 3.11 standard library only.
"""

from __future__ import annotations

from ktap import MISSING, NOT_RUN, Case, counts
import ktap

CRASH = "crash"          # note of the one case a crashed boot adds


def ended_on_its_own(classification: str) -> bool:
    """The kernel wrote its verdict (PASS or FAIL) itself."""
    return classification in ("pass", "fail")


def evaluate_boot(label: str, text: str, classification: str,
                  requested: list[str], timeout: float | None = None):
    """Turn a boot's log and exit classification into counted cases.

    label names the boot in its own failures ("rcu-ipi-vma cpus=2");
    requested are the suites its ktest= asked for; timeout (seconds) is
    named in a hang's case.  Return (cases, log lines, status), status
    PASS, FAIL or the crash's class in upper case.
    """
    cases, seen, lines = ktap.parse_ktap(text, check_suite_counts=False)
    if not ended_on_its_own(classification):
        cases = crashed(cases, seen, lines, classification, requested,
                        timeout)
        return cases, lines, classification.upper()
    for s in requested:
        if s not in seen:
            cases.append(Case(f"{s}: no KTAP output for this suite", "fail",
                              None, MISSING, s))
    npass, nfail, _ = counts(cases)
    last = len(lines) - 1 if lines else None
    if classification == "pass" and npass + nfail == 0:
        cases.append(Case(f"{label}: no results", "fail", None))
    elif classification == "fail" and nfail == 0:
        cases.append(Case(f"{label}: kernel verdict FAIL", "fail", last))
    return cases, lines, "FAIL" if counts(cases)[1] else "PASS"


def crashed(cases: list[Case], seen: list[str], lines: list[str],
            classification: str, requested: list[str],
            timeout: float | None) -> list[Case]:
    """The cases of a boot that did not end on its own: the reported ones,
    one failure where it stopped, the rest NOT_RUN."""
    reported = [c for c in cases if c.note != MISSING]
    missing = [c for c in cases if c.note == MISSING]
    where, line, stopped_in = crash_site(reported, missing, seen, lines)
    if stopped_in is not None:
        missing.remove(stopped_in)
    what = classification.upper()
    if classification == "hang" and timeout:
        where += f" (timeout {timeout:.0f} s)"
    out = reported + [Case(f"{what} {where}", "fail", line, CRASH,
                           stopped_in.suite if stopped_in else "")]
    out += [Case(f"{c.suite}: result {c.num} of {c.plan} not run", NOT_RUN,
                 c.line, MISSING, c.suite, c.num, c.plan) for c in missing]
    out += [Case(f"{s}: not run (the suite never started)", NOT_RUN, None,
                 MISSING, s) for s in requested if s not in seen]
    return out


def crash_site(reported: list[Case], missing: list[Case], seen: list[str],
               lines: list[str]) -> tuple[str, int | None, Case | None]:
    """(where, log line, the MISSING case it stopped in or None).

    where reads "in sched.test_x" (its `# running` line), "in sched, case
    4 of 12, after sched.test_y" (a log without those lines), "in rcu,
    before its case 1 of 6 started" (e.g. in the suite's init), "after
    sched.test_x", "after suite sched" or "before any suite started"."""
    last = len(lines) - 1 if lines else None
    run = ktap.last_running(lines)
    if run is not None:
        i, suite, case = run
        done = any(c.name == f"{suite}.{case}" and c.line is not None
                   and c.line > i for c in reported)
        if not done:
            first = min((c for c in missing if c.suite == suite),
                        key=lambda c: c.num, default=None)
            return f"in {suite}.{case}", i, first
        if not missing:
            return f"after {suite}.{case}", last, None
    if missing:
        # The last suite left unfinished, and its first missing result.
        suite = max(missing, key=lambda c: c.line or 0).suite
        first = min((c for c in missing if c.suite == suite),
                    key=lambda c: c.num)
        prev = [c for c in reported if c.name.startswith(suite + ".")
                and c.line is not None and c.line <= (first.line or 0)]
        after = f", after {prev[-1].name}" if prev else ""
        if run is not None:
            # This kernel announces each case: that one never started.
            return (f"in {suite}, before its case {first.num} of "
                    f"{first.plan} started{after}", first.line, None)
        # An older kernel's log: the case it most likely stopped in.
        return (f"in {suite}, case {first.num} of {first.plan}{after}",
                first.line, first)
    if seen:
        return f"after suite {seen[-1]}", last, None
    return "before any suite started", last, None
