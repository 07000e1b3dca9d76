#!/usr/bin/env python3
"""grade.py - `make grade LAB=n`: the autograder of lab n.

Reads tests/labs/lab<n>.grade, a whitespace table (matrix.table_lines()):

    # points  test                         cpus  config        runs  extra-cmdline
    20        tlb.test_lazy_cpus           2     default       1     -
    10        smp                          4     rcu-pv-vma    3     pvmodel=100000,2000,7

`test` is suite.case or a whole suite; `config` a configuration name
(`default` for the switches' defaults) with optional `+SWITCH=1` build
extras; `runs` > 1 for a racy test: every run must pass for its points;
`extra-cmdline` kernel command-line words, `-` for none.

The tests of one (build, CPU count, command line, run) share one boot:
`ktest=tlb:lazy_cpus+concurrent_flushers,smp` selects cases
(tests/kernel/ktest.c).  Building and booting are scripts/kbuild.py's,
the boot's verdict scripts/testeval.py's, the timeouts the test runner's
(scripts/runtests.py).  A test passes a run when its case (every case,
for a whole suite) reported `ok` and not SKIP; a hang or panic fails the
case it happened in and leaves the rest of that boot unrun: they fail
too, and the grader goes on with the next boot.  Output in the manner of
xv6's graders:

    == Test tlb.test_lazy_cpus (default, 2 CPUs) == OK (12.3s)
    == Test tlb.test_concurrent_flushers (default, 4 CPUs, 3 runs) == FAIL (40.1s)
        run 2: tlb.test_concurrent_flushers: not ok (log build/grade-logs/...)
    Score: 80/100

Exit status 0 at full marks, 1 below, 2 for a bad LAB or grade file.
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kbuild      # noqa: E402
import matrix      # noqa: E402
import runtests    # noqa: E402
from qemuaccel import resolve_accel  # noqa: E402
from testeval import evaluate_boot   # noqa: E402

ROOT = matrix.ROOT
LOG_DIR = os.path.join(ROOT, "build", "grade-logs")


@dataclass
class GradeTest:
    points: int
    suite: str
    case: str | None            # None: the whole suite
    cpus: int
    config: str                 # expanded configuration name
    extras: tuple[str, ...]     # +SWITCH=1 build variables
    runs: int
    cmdline: str                # "" for none
    line: int                   # in the grade file
    results: list[tuple[bool, str, float]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.suite}.{self.case}" if self.case else self.suite

    def where(self) -> str:
        cfg = "+".join([self.config, *self.extras])
        parts = [cfg, f"{self.cpus} CPU{'s' if self.cpus != 1 else ''}"]
        if self.cmdline:
            parts.append(self.cmdline)
        if self.runs > 1:
            parts.append(f"{self.runs} runs")
        return ", ".join(parts)


def grade_file(root: str, lab: int) -> str:
    return os.path.join(root, "tests", "labs", f"lab{lab}.grade")


def read_grade(path: str) -> list[GradeTest]:
    """The tests of a grade file; ValueError naming file:line if bad."""
    tests = []
    for n, w in matrix.table_lines(path, 6, "`points test cpus config runs "
                                   "extra-cmdline`"):
        def bad(what: str) -> ValueError:
            return ValueError(f"{path}:{n}: {what}")
        if len(w) > 6 and w[5] == "-":
            raise bad("extra words after '-'")
        points, test, cpus, config, runs = w[:5]
        cmdline = " ".join(w[5:])
        if cmdline == "-":
            cmdline = ""
        if not re.fullmatch(r"\d+", points) or not re.fullmatch(r"\d+", runs) \
                or int(runs) < 1:
            raise bad(f"points and runs must be whole numbers, runs >= 1: "
                      f"{points!r} {runs!r}")
        if not re.fullmatch(r"\d+", cpus) or not 1 <= int(cpus) <= 64:
            raise bad(f"cpus must be one number 1-64, not {cpus!r}")
        m = re.fullmatch(r"([a-z0-9_]+)(?:\.([A-Za-z0-9_]+))?", test)
        if not m:
            raise bad(f"test must be suite or suite.case, not {test!r}")
        base, *extras = config.split("+")
        if base == "default":
            base = matrix.DEFAULT_CONFIG
        try:
            matrix.parse_config(base)
        except ValueError as e:
            raise bad(str(e)) from None
        for e in extras:
            if not re.fullmatch(r"[A-Z_]+=1", e) or not matrix.is_broken(e):
                raise bad(f"{e!r}: an extra must be SWITCH=1 with a switch "
                          f"of scripts/switches.mk")
        for word in cmdline.split():
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=[^\s\"']+", word):
                raise bad(f"bad command-line word {word!r}: want key=value")
        tests.append(GradeTest(int(points), m.group(1), m.group(2),
                               int(cpus), base, tuple(extras), int(runs),
                               cmdline, n))
    if not tests:
        raise ValueError(f"{path}: no tests")
    return tests


def short(case: str) -> str:
    """A case as `ktest=` names it: without its `test_` prefix."""
    return case[5:] if case.startswith("test_") else case


def spec_items(tests: list[GradeTest]) -> list[str]:
    """`suite` or `suite:a+b` items for a boot of these tests, in order."""
    order: list[str] = []
    cases: dict[str, list[str] | None] = {}
    for t in tests:
        if t.suite not in cases:
            order.append(t.suite)
            cases[t.suite] = []
        if t.case is None:
            cases[t.suite] = None
        elif cases[t.suite] is not None and short(t.case) not in cases[t.suite]:
            cases[t.suite].append(short(t.case))
    items = []
    for s in order:
        cs = cases[s]
        if cs is None:
            items.append(s)
            continue
        # One item may not exceed the kernel's value limit: cut its cases.
        for part in matrix.split_names(cs, matrix.VALUE_MAX - len(s) - 1):
            items.append(f"{s}:{'+'.join(part)}")
    return items


@dataclass
class GradeBoot:
    config: str
    extras: tuple[str, ...]
    cpus: int
    cmdline: str
    run: int                   # 1-based
    spec: list[str]            # ktest= items
    tests: list[GradeTest]


def plan(tests: list[GradeTest]) -> list[GradeBoot]:
    """Group the tests into as few boots as the kernel's command line
    allows: one per (build, CPUs, command line, run), run k holding the
    tests with runs >= k."""
    groups: dict[tuple, list[GradeTest]] = {}
    for t in tests:
        groups.setdefault((t.config, t.extras, t.cpus, t.cmdline), []).append(t)
    boots = []
    for (config, extras, cpus, cmdline), ts in groups.items():
        for run in range(1, max(t.runs for t in ts) + 1):
            these = [t for t in ts if t.runs >= run]
            for part in matrix.split_names(spec_items(these), matrix.VALUE_MAX):
                sel = [t for t in these if any(
                    p == t.suite or p.startswith(t.suite + ":") and
                    (t.case is None or short(t.case) in p.split(":", 1)[1].split("+"))
                    for p in part)]
                boots.append(GradeBoot(config, extras, cpus, cmdline, run,
                                       part, sel))
    return boots


def verdict(t: GradeTest, cases, why_lines: list[str] = ()) -> tuple[bool, str]:
    """Did test t pass in a boot with these counted cases (testeval)?
    why_lines: the boot's log lines, where a failed case's first
    `# case: file:line: ...` diagnostic is looked up.
    Return (passed, why not)."""
    if t.case:
        mine = [c for c in cases if c.name == t.name]
    else:
        mine = [c for c in cases if c.name.startswith(t.suite + ".") or
                c.suite == t.suite]
    bad = [c for c in mine if c.status not in ("pass", "skip")]
    if bad and why_lines:
        first = next((ln.strip() for ln in why_lines
                      if f"# {bad[0].name.split('.', 1)[-1]}: " in ln), None)
        if first:   # "# case: file:line: message" -> "file:line: message"
            return False, f"{bad[0].name}: {first.split(': ', 1)[1]}"

    if t.case and mine and all(c.status == "skip" for c in mine):
        return False, f"{t.name}: skipped ({mine[0].note}): a skip is no pass"
    if bad:
        return False, "; ".join(f"{c.name}: {c.status}" +
                                (f" ({c.note})" if c.note and c.note != "crash"
                                 else "") for c in bad[:3])
    if not any(c.status == "pass" for c in mine):
        crash = [c for c in cases if c.note == "crash"]
        why = f" ({crash[0].name})" if crash else ""
        return False, f"{t.name}: no result{why}"
    return True, ""


def run_boot(b: GradeBoot, kernel: str, accel: str, mem: str,
             timeout: float | None, stem: str):
    """Boot once; return (counted cases, log lines, seconds, log path)."""
    os.makedirs(LOG_DIR, exist_ok=True)
    log_path = os.path.join(LOG_DIR, stem + ".log")
    t = timeout or runtests.default_timeout(accel, b.cpus, 1)
    if not timeout and runtests.host_busy_now():
        t *= runtests.BUSY_TIMEOUT_FACTOR
    cmdline = " ".join(["ktest=" + ",".join(b.spec)] +
                       ([b.cmdline] if b.cmdline else []))
    res, text = kbuild.boot(kernel, b.cpus, cmdline, log_path, accel, mem, t)
    suites = list(dict.fromkeys(i.split(":", 1)[0] for i in b.spec))
    label = f"{b.config} cpus={b.cpus}"
    cases, lines, _ = evaluate_boot(label, text, res.classification,
                                    suites, t)
    return cases, lines, res.duration, log_path


def boot_stem(lab: int, b: GradeBoot, k: int) -> str:
    cfg = "+".join([b.config, *(e.split("=")[0].lower() for e in b.extras)])
    return f"lab{lab}-{k:02d}-{cfg}-cpus{b.cpus}-run{b.run}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Grade a lab (make grade LAB=n).")
    ap.add_argument("--lab", help="the lab number (default: the student "
                    "tree's own, from its .lab file)")
    kbuild.add_common_args(ap, "default: the test runner's")
    ap.add_argument("--until-fail", action="store_true",
                    help="stop at the first failed test (make labcheck: a "
                         "student tree only has to score below full marks)")
    ap.add_argument("--once", action="store_true",
                    help="run every test once, whatever its runs column "
                         "(make test's labcheck on the main tree: each graded "
                         "case passes; the repeats are for grading students)")
    ap.add_argument("--root", default=ROOT, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    kbuild.common_from_args(ap, a)
    if a.self_test:
        return kbuild.self_test()
    lab = matrix.opt(a.lab)
    if lab is None and os.path.exists(os.path.join(a.root, ".lab")):
        with open(os.path.join(a.root, ".lab")) as f:
            lab = f.read().strip()
    if lab is None or not re.fullmatch(r"\d+", lab):
        print(f"grade: give LAB=n (a lab number), not {lab!r}", file=sys.stderr)
        return 2
    path = grade_file(a.root, int(lab))
    if not os.path.exists(path):
        have = sorted(f for f in os.listdir(os.path.dirname(path))) \
            if os.path.isdir(os.path.dirname(path)) else []
        print(f"grade: no {os.path.relpath(path, a.root)} (grade files here: "
              f"{', '.join(have) or 'none'})", file=sys.stderr)
        return 2
    try:
        tests = read_grade(path)
    except ValueError as e:
        print(f"grade: {e}", file=sys.stderr)
        return 2
    if a.once:
        for t in tests:
            t.runs = 1
    boots = plan(tests)
    if a.list:
        for b in boots:
            print(f"boot {'+'.join([b.config, *b.extras])} cpus={b.cpus} run "
                  f"{b.run}: ktest={','.join(b.spec)}"
                  + (f" {b.cmdline}" if b.cmdline else ""))
        return 0
    accel = resolve_accel(matrix.opt(a.accel) or "tcg")
    lab = int(lab)
    kernels: dict[tuple, str | None] = {}
    for key in dict.fromkeys((b.config, b.extras) for b in boots):
        kernels.update({key: kbuild.build_all([key[0]], list(key[1]))[key[0]]})
    total = sum(t.points for t in tests)
    stopped = False
    for k, b in enumerate(boots, 1):
        kernel = kernels[(b.config, b.extras)]
        if kernel is None:
            for t in b.tests:
                t.results.append((False, "the build failed", 0.0))
            continue
        if stopped:
            break
        kbuild.say(f"boot {k}/{len(boots)}: {'+'.join([b.config, *b.extras])}"
                   f" cpus={b.cpus} run {b.run}: ktest={','.join(b.spec)}")
        cases, lines, secs, log = run_boot(b, kernel, accel, a.mem,
                                           a.timeout, boot_stem(lab, b, k))
        for t in b.tests:
            ok, why = verdict(t, cases, lines)
            t.results.append((ok, "" if ok else
                              f"run {b.run}: {why} (log "
                              f"{os.path.relpath(log, a.root)})", secs))
            stopped |= a.until_fail and not ok
    score = 0
    for t in tests:
        secs = sum(r[2] for r in t.results)
        ok = len(t.results) == t.runs and all(r[0] for r in t.results)
        score += t.points if ok else 0
        print(f"== Test {t.name} ({t.where()}) == "
              f"{'OK' if ok else 'FAIL'} ({secs:.1f}s)"
              + ("" if ok or t.results else " (not run: stopped at the "
                 "first failure)"), flush=True)
        for r in t.results:
            if not r[0]:
                print(f"    {r[1]}")
    print(f"Score: {score}/{total}", flush=True)
    return 0 if score == total else 1


if __name__ == "__main__":
    sys.exit(main())
