#!/usr/bin/env python3
"""ktap.py - KTAP version 1: the parser and the printer.

The parser reads a log in which KTAP lines may be interleaved with other
output (a kernel's serial port: printk lines, "[    0.123]" prefixes, ANSI
colour, CRLF) and turns it into counted cases.  It nests by indentation
(four spaces a level) and accepts the dialects met here: KUnit's layout
(top-level plan, indented `KTAP version`/`# Subtest:`/plan/cases, a
top-level `ok N suite`), the flat one (nothing indented, no suite lines),
and plain TAP (`ok 1 - name`).

Invariant: every leaf `ok`/`not ok` is exactly one case, pass, fail or skip
(`# SKIP`, `# TODO`, `# XFAIL` are skips); a suite line (`ok N suite`) closing
a subtest is never a case of its own, except when it is the only evidence:
a suite `not ok` whose cases all passed, or a suite skipped whole.  A plan
`1..N` with fewer results adds each missing one as a failed case of its
own (`suite: result K of N missing`, note MISSING); a runner that knows
the boot crashed turns them into NOT_RUN cases (scripts/runtests.py).
last_running() reads the `# running <suite>.<case>` diagnostics this
kernel prints before each case (tests/kernel/ktest.c): the case a hang or
crash happened in.

The printer writes the same format: `version()`, `plan()`, `result()`,
`diagnostic()` return lines at a nesting depth; `indent()` nests a whole
child document one level down.

Python 3.11 standard library only; no dependency on the rest of scripts/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SUMMARY_RE = re.compile(r"^\d+ passed, \d+ failed(, \d+ skipped)?"
                        r"(, \d+ not run)?$")
INDENT = "    "          # one KTAP nesting level
MISSING = "missing results"   # note of a case a plan promised, not reported
NOT_RUN = "notrun"            # status of a case a crash kept from running


# ==========================================================================
# Parser
# ==========================================================================

@dataclass
class Case:
    name: str                 # "suite.case"
    status: str               # pass | fail | skip | notrun (NOT_RUN)
    line: int | None = None   # index into the log's lines (context)
    note: str = ""            # SKIP reason, MISSING, ...
    suite: str = ""           # for a MISSING case: its suite, plan and
    num: int | None = None    # number in it
    plan: int | None = None


@dataclass
class _Frame:
    depth: int
    line: int
    explicit: bool = False    # opened by a "KTAP version" line
    name: str | None = None
    plan: int | None = None
    plan_note: str = ""
    adopted: bool = False     # its header was handed to an implicit child
    leaves: list = field(default_factory=list)     # result tuples
    children: list = field(default_factory=list)   # _Frame
    summary: tuple | None = None
    last_line: int = 0


# Prefixes that precede a KTAP line in a kernel log: "<6>", "[    0.123]",
# "[cpu1]" and the like; ANSI colour codes.
_PREFIX_RE = re.compile(r"^(?:<\d>)?(?:\[[^\]]*\] ?)*")
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_VERSION_RE = re.compile(r"^K?TAP version \d+\s*$")
_SUBTEST_RE = re.compile(r"^#\s*Subtest:\s*(.*?)\s*$")
_PLAN_RE = re.compile(r"^1\.\.(\d+)\s*(?:#\s*(.*?))?\s*$")
_RESULT_RE = re.compile(r"^(not ok|ok)\s+(\d+)\b(?:\s*-)?\s*(.*?)\s*$")
_RUNNING_RE = re.compile(r"^#\s*running\s+([^\s.]+)\.(\S+)\s*$")


def _clean(raw: str) -> str:
    s = _ANSI_RE.sub("", raw.replace("\r", "")).expandtabs(4)
    return _PREFIX_RE.sub("", s, count=1)


def _tokens(lines: list[str]):
    """Yield (index, depth, kind, payload) for the KTAP lines of a log."""
    for i, raw in enumerate(lines):
        s = _clean(raw)
        body = s.lstrip(" ")
        if not body:
            continue
        spaces = len(s) - len(body)
        depth = (spaces + 3) // 4       # KTAP indents by 4 per level
        if _VERSION_RE.match(body):
            yield i, depth, "version", None
            continue
        m = _SUBTEST_RE.match(body)
        if m:
            yield i, depth, "subtest", m.group(1)
            continue
        m = _PLAN_RE.match(body)
        if m:
            yield i, depth, "plan", (int(m.group(1)), m.group(2) or "")
            continue
        m = _RESULT_RE.match(body)
        if m:
            ok = m.group(1) == "ok"
            rest = m.group(3)
            name, directive = rest, ""
            if rest.startswith("#"):
                name, directive = "", rest[1:].strip()
            elif " #" in rest:
                name, directive = rest.split(" #", 1)
                name, directive = name.strip(), directive.strip()
            d = directive.upper()
            if d.startswith(("SKIP", "TODO", "XFAIL")):
                status = "skip"
                directive = directive.split(None, 1)[1] \
                    if " " in directive else ""
            else:
                status = "pass" if ok else "fail"
                directive = ""
            yield i, depth, "result", (int(m.group(2)), name, status,
                                       directive)


def _build_tree(lines: list[str]) -> list[_Frame]:
    """KTAP nesting by indentation, tolerant of the common dialects.

    Handles KUnit's layout (top-level plan, nested `KTAP version`/
    `# Subtest:`/plan/cases, top-level summary), this kernel's layout
    (header at column 0, cases indented, summary at column 0) and flat
    output (no indentation, no summaries).
    """
    stack: list[_Frame] = []
    roots: list[_Frame] = []
    pending_name: list[str | None] = [None]

    def push(depth: int, line: int, explicit: bool = False) -> _Frame:
        f = _Frame(depth=depth, line=line, explicit=explicit,
                   name=pending_name[0], last_line=line)
        pending_name[0] = None
        stack.append(f)
        return f

    def attach(f: _Frame, summary: tuple | None) -> None:
        f.summary = summary
        if summary is not None and not f.name:
            f.name = summary[1]
        parent = stack[-1] if stack and stack[-1].depth < f.depth else None
        if parent is None:
            roots.append(f)
            return
        # This kernel's layout: "# Subtest: X" and "1..N" at the parent's
        # level, the cases one level in.  The header belongs to the cases.
        if (not f.explicit and f.plan is None and parent.plan is not None
                and not parent.leaves and not parent.children
                and not parent.adopted):
            f.plan, f.plan_note = parent.plan, parent.plan_note
            f.name = parent.name or f.name
            parent.plan, parent.adopted = None, True
        parent.children.append(f)
        parent.last_line = max(parent.last_line, f.last_line)

    def close_deeper(depth: int) -> None:
        while stack and stack[-1].depth > depth:
            attach(stack.pop(), None)

    def close_at(depth: int) -> None:
        close_deeper(depth)
        if stack and stack[-1].depth == depth:
            f = stack.pop()
            if (f.name is None and f.plan and not f.leaves
                    and not f.children):
                return          # a bare top-level "1..N": count of suites
            attach(f, None)

    def fresh(f: _Frame) -> bool:
        return not (f.leaves or f.children or f.adopted)

    for i, depth, kind, data in _tokens(lines):
        if kind == "version":
            close_at(depth)
            push(depth, i, explicit=True)
        elif kind == "subtest":
            close_deeper(depth)
            top = stack[-1] if stack and stack[-1].depth == depth else None
            if top is not None and fresh(top) and top.plan is None \
                    and top.name is None:
                top.name = data
            elif top is not None and top.adopted:
                close_at(depth)
                pending_name[0] = data
                push(depth, i)
            else:
                pending_name[0] = data
        elif kind == "plan":
            close_deeper(depth)
            top = stack[-1] if stack and stack[-1].depth == depth else None
            if top is not None and fresh(top) and top.plan is None:
                top.plan, top.plan_note = data
            else:
                if top is not None:
                    close_at(depth)
                f = push(depth, i)
                f.plan, f.plan_note = data
        elif kind == "result":
            close_deeper(depth + 1)
            if stack and stack[-1].depth == depth + 1:
                child = stack.pop()
                child.last_line = i
                attach(child, (i,) + data)
                continue
            top = stack[-1] if stack and stack[-1].depth == depth else None
            if (top is not None and top.name and top.name == data[1]
                    and top.plan is not None
                    and len(top.leaves) >= top.plan):
                # "ok N suite" closing a suite whose cases were not
                # indented (or that had none: "1..0").
                stack.pop()
                top.last_line = i
                attach(top, (i,) + data)
                continue
            if top is None:
                push(depth, i)
            f = stack[-1]
            f.leaves.append((i,) + data)
            f.last_line = i
    close_deeper(-1)
    return roots


def parse_ktap(text: str, check_suite_counts: bool = True):
    """Parse a log; return (cases, suite_names, lines).

    Every leaf result is a case ("suite.case").  A plan `1..N` with fewer
    results adds the missing ones as failed cases ("missing results"); a
    suite whose own summary is `not ok` while its cases all passed adds one
    failed case; a suite skipped as a whole counts one skipped case.
    check_suite_counts: also hold an unnamed top-level plan (the number of
    suites) to account.
    """
    lines = text.splitlines()
    cases: list[Case] = []
    suites: list[str] = []

    def walk(f: _Frame, parent_name: str | None) -> None:
        name = f.name or parent_name or "(unnamed)"
        if (f.name or f.leaves) and not f.adopted and name not in suites:
            suites.append(name)
        failed_before = sum(c.status == "fail" for c in cases)
        for (i, _num, cname, status, note) in f.leaves:
            cases.append(Case(f"{name}.{cname or _num}", status, i, note))
        for c in f.children:
            walk(c, name if not f.adopted else parent_name)
        got = len(f.leaves) + sum(1 for c in f.children if c.summary)
        is_container = not f.leaves and f.children and not f.name
        if f.plan is not None and got < f.plan and \
                (check_suite_counts or not is_container):
            for k in range(got + 1, f.plan + 1):
                cases.append(Case(f"{name}: result {k} of {f.plan} missing",
                                  "fail", f.last_line, MISSING, name, k,
                                  f.plan))
        elif f.plan == 0 and not f.leaves and not f.children:
            cases.append(Case(f"{name}", "skip", f.line,
                              f.plan_note or "empty plan"))
        if f.summary is not None:
            i, _num, sname, status, note = f.summary
            failed_now = sum(c.status == "fail" for c in cases)
            if status == "fail" and failed_now == failed_before:
                cases.append(Case(f"{name}: suite result not ok", "fail", i))
            elif status == "skip" and not f.leaves and not f.children:
                if not (f.plan == 0):
                    cases.append(Case(name, "skip", i, note))

    for r in _build_tree(lines):
        walk(r, None)
    return cases, suites, lines


def last_running(lines: list[str]) -> tuple[int, str, str] | None:
    """(line index, suite, case) of the last `# running <suite>.<case>`
    line of a log, None if it has none."""
    for i in range(len(lines) - 1, -1, -1):
        m = _RUNNING_RE.match(_clean(lines[i]).strip())
        if m:
            return i, m.group(1), m.group(2)
    return None


def counts(cases: list[Case]) -> tuple[int, int, int]:
    """(passed, failed, skipped); NOT_RUN cases are in none of them."""
    return (sum(c.status == "pass" for c in cases),
            sum(c.status == "fail" for c in cases),
            sum(c.status == "skip" for c in cases))


def not_run(cases: list[Case]) -> int:
    """How many cases a crash kept from running."""
    return sum(c.status == NOT_RUN for c in cases)


def summary_line(p: int, f: int, s: int, n: int = 0) -> str:
    """`N passed, N failed`, with `, N skipped` when some were skipped
    and `, N not run` when a crash kept some from running."""
    return f"{p} passed, {f} failed" + (f", {s} skipped" if s else "") + \
        (f", {n} not run" if n else "")


# ==========================================================================
# Printer
# ==========================================================================

def _pad(depth: int) -> str:
    return INDENT * depth


def version(depth: int = 0, name: str | None = None) -> list[str]:
    """The header of a (sub)document: `KTAP version 1`, `# Subtest: name`."""
    out = [_pad(depth) + "KTAP version 1"]
    if name:
        out.append(f"{_pad(depth)}# Subtest: {name}")
    return out


def plan(n: int, depth: int = 0, note: str = "") -> str:
    return f"{_pad(depth)}1..{n}" + (f" # {note}" if note else "")


def result(num: int, status: str, name: str, depth: int = 0,
           note: str = "") -> str:
    """`ok N name`, `not ok N name` or `ok N name # SKIP note`.

    status: pass | fail | skip (skip is `ok` with the SKIP directive).
    """
    if status not in ("pass", "fail", "skip"):
        raise ValueError(f"bad status {status!r}")
    word = "not ok" if status == "fail" else "ok"
    line = f"{_pad(depth)}{word} {num} {name}"
    if status == "skip":
        line += " # SKIP" + (f" {note}" if note else "")
    return line


def diagnostic(text: str, depth: int = 0) -> list[str]:
    """`# ` lines, one per line of text."""
    return [f"{_pad(depth)}# {ln}".rstrip() for ln in text.splitlines()
            or [""]]


def indent(text: str, levels: int = 1) -> str:
    """Nest a whole document (a child's output) `levels` deeper."""
    pad = _pad(levels)
    return "".join(pad + ln if ln.strip() else ln
                   for ln in text.splitlines(keepends=True))
