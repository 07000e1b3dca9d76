#!/usr/bin/env python3
"""testreport.py - how `make test` shows one boot: its line and failures.

stage_line() is the boot's one line (`[2/5] rcu-ipi-vma cpus=2 tcg: 4
passed, 1 failed, 0 skipped, 10 not run (100.2s) HANG`); report_failures()
prints, under it, what a student needs to find the bug:

    FAILED <boot>: sched.test_y (log line 190)   a heading per failure
    FAILED <boot>: HANG in sched.test_x (timeout 100 s) (log line 201)
      log lines 183-240 of 240 (to the end):
        183|     ...                      the log around them, numbered,
      > 190|     not ok 6 test_y          each line once: the windows of
        ...                               nearby failures (7 lines either
      > 201|     # running sched.test_x   side) and a crashed boot's last
        ...                               40 lines are merged
    NOT RUN <boot>: sched: results 5-12 of 12 (8 cases)
    NOT RUN <boot>: suite tlb (never started)
    stopped: ..., QEMU stderr: ...        when there is any
    kernel: build/<build dir>/kernel.elf  the ELF to load in gdb
    log:    build/test-logs/<build dir>-cpus<N>.log

Results a plan promised and a finished boot did not print are failures,
grouped into one heading per suite (`smp: results 10-12 of 12 missing (3
failures)`).  Guarantees: every log line is printed at most once per
boot; every failed case has a heading; nothing here reads a file.
Python 3.11 standard library only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import kbuild
from kbuild import say
from ktap import MISSING, NOT_RUN, Case, counts, not_run
from testeval import ended_on_its_own

CONTEXT = 7               # log lines shown either side of a failure


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
    elf: str | None = None     # the kernel it booted


@dataclass
class Window:
    lo: int                    # first and last line index, inclusive
    hi: int
    headings: list[str]
    marks: set[int]


def show(path: str) -> str:
    """A path as the user would type it: relative when under the cwd."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def _ranges(nums: list[int]) -> str:
    """[5, 6, 7, 9] -> '5-7, 9'."""
    out, nums = [], sorted(nums)
    start = prev = nums[0]
    for n in nums[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(f"{start}-{prev}" if prev > start else str(start))
        if n is not None:
            start = prev = n
    return ", ".join(out)


def headings(fails: list[Case]) -> list[tuple[int | None, str]]:
    """(log line, heading) per failed case; the missing results of one
    suite make one heading."""
    out: list[tuple[int | None, str | list[Case]]] = []
    missing: dict[str, list[Case]] = {}
    for c in fails:
        if c.note != MISSING or c.num is None:
            out.append((c.line, c.name))
        elif c.suite in missing:
            missing[c.suite].append(c)
        else:
            missing[c.suite] = [c]
            out.append((c.line, missing[c.suite]))
    return [(line, h if isinstance(h, str) else _missing_heading(h))
            for line, h in out]


def _missing_heading(cs: list[Case]) -> str:
    n = len(cs)
    return (f"{cs[0].suite}: result{'s' if n > 1 else ''} "
            f"{_ranges([c.num for c in cs])} of {cs[0].plan} missing" +
            (f" ({n} failures)" if n > 1 else ""))


def windows(marks: list[tuple[int, str]], nlines: int,
            tail: int = 0) -> list[Window]:
    """The log windows to print: CONTEXT lines either side of each marked
    line (its heading with it) and the last `tail` lines, merged where
    they overlap or touch, in log order."""
    spans = [Window(max(0, i - CONTEXT), min(nlines - 1, i + CONTEXT),
                    [h], {i}) for i, h in marks if 0 <= i < nlines]
    if tail and nlines:
        spans.append(Window(max(0, nlines - tail), nlines - 1, [], set()))
    spans.sort(key=lambda w: (w.lo, w.hi))
    out: list[Window] = []
    for w in spans:
        if out and w.lo <= out[-1].hi + 1:
            last = out[-1]
            last.hi = max(last.hi, w.hi)
            last.headings += w.headings
            last.marks |= w.marks
        else:
            out.append(w)
    return out


def render(lines: list[str], w: Window) -> list[str]:
    """The window's lines, numbered as in the log (from 1), the failures'
    lines marked `>`."""
    end = " (to the end)" if w.hi == len(lines) - 1 else ""
    width = len(str(w.hi + 1))
    return [f"    log lines {w.lo + 1}-{w.hi + 1} of {len(lines)}{end}:"] + \
        [f"    {'>' if k in w.marks else ' '} {k + 1:>{width}}| {lines[k]}"
         for k in range(w.lo, w.hi + 1)]


def not_run_lines(label: str, cases: list[Case]) -> list[str]:
    """One NOT RUN line per suite a crash kept (partly) from running."""
    out: list[str] = []
    per: dict[str, list[Case]] = {}
    for c in cases:
        if c.status == NOT_RUN:
            per.setdefault(c.suite, []).append(c)
    for suite, cs in per.items():
        nums = [c.num for c in cs if c.num is not None]
        if nums:
            out.append(f"  NOT RUN {label}: {suite}: result"
                       f"{'s' if len(nums) > 1 else ''} {_ranges(nums)} of "
                       f"{cs[0].plan} ({len(nums)} "
                       f"case{'s' if len(nums) > 1 else ''})")
        else:
            out.append(f"  NOT RUN {label}: suite {suite} (never started)")
    return out


def report_failures(r: BootReport) -> None:
    """What failed in a boot, with the log lines around it, each once;
    what did not run; the kernel and the log to look at next."""
    fails = [c for c in r.cases if c.status == "fail"]
    if not fails and not not_run(r.cases):
        return
    crashed = not ended_on_its_own(r.classification)
    heads = headings(fails)
    out = [f"  FAILED {r.label}: {h}" for i, h in heads if i is None]
    if r.lines:
        for w in windows([(i, f"{h} (log line {i + 1})") for i, h in heads
                          if i is not None],
                         len(r.lines), kbuild.TAIL_LINES if crashed else 0):
            out += [f"  FAILED {r.label}: {h}" for h in w.headings]
            out += render(r.lines, w)
    elif crashed:
        out.append("    (empty log)")
    out += not_run_lines(r.label, r.cases)
    if r.reason:
        out.append(f"  stopped: {r.reason}")
    if crashed and r.stderr.strip():
        out += ["  QEMU stderr:",
                kbuild.tail(r.stderr.strip().splitlines(), 20, "!")]
    if r.classification == "triple-fault":
        out.append("  (re-run the boot by hand with scripts/qemu.py "
                   "--accel tcg --trace-log FILE to log the exception "
                   "chain)")
    if r.elf:
        out.append(f"  kernel: {show(r.elf)}")
    if r.log_path:
        out.append(f"  log:    {show(r.log_path)}")
    say("\n".join(out))


def stage_line(r: BootReport, label: str) -> str:
    p, f, s = counts(r.cases)
    n = not_run(r.cases)
    return (f"{label}: {p} passed, {f} failed, {s} skipped" +
            (f", {n} not run" if n else "") +
            f" ({r.duration:.1f}s) {r.status}")


def print_stage(r: BootReport, label: str) -> None:
    say(stage_line(r, label))
    report_failures(r)
