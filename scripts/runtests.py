#!/usr/bin/env python3
"""runtests.py - the runner behind `make test`.

Runs the host unit tests (tests/host/ via `make -s host-tests`), then the
kernel suites of tests/matrix.txt: one direct (qboot) boot per
(configuration, CPU count) with `ktest=<suites>` on the command line, the
serial port logged to build/test-logs/<config>-cpus<N>.log.  The KTAP
version 1 output of each boot is parsed, each case counted, and the boot's
isa-debug-exit verdict checked.  The last line printed is
`N passed, N failed` (`, N skipped` when some were skipped); the exit
status is 0 iff nothing failed and at least one case passed.

Python 3.11 standard library only.  `runtests.py --self-test` checks the
KTAP parser and the matrix logic on synthetic input, without QEMU.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import shlex
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402  (scripts/qemu.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOG_DIR = os.path.join(ROOT, "build", "test-logs")

TABLE_FREE = ("ipi", "rcu")
SHOOTDOWN = ("ipi", "pv")
FAULT = ("locked", "spf", "vma")
DEFAULT_CONFIG = ("rcu", "ipi", "spf")
ALL_CONFIGS = [f"{a}-{b}-{c}" for a, b, c in
               itertools.product(TABLE_FREE, SHOOTDOWN, FAULT)]

SUMMARY_RE = re.compile(r"^\d+ passed, \d+ failed(, \d+ skipped)?$")


# ==========================================================================
# KTAP parsing
# ==========================================================================

@dataclass
class Case:
    name: str                 # "suite.case"
    status: str               # pass | fail | skip
    line: int | None = None   # index into the log's lines (context)
    note: str = ""            # SKIP reason, "missing results", ...


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
            for k in range(f.plan - got):
                cases.append(Case(f"{name}: missing results "
                                  f"({got} of {f.plan} reported)",
                                  "fail", f.last_line, "missing results"))
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


# ==========================================================================
# Matrix
# ==========================================================================

@dataclass
class MatrixRow:
    suite: str
    cpus: list[int]
    configs: list[str]          # expanded tf-sd-f names


def _split(s: str | None) -> list[str]:
    return [x for x in re.split(r"[,\s]+", s or "") if x]


def parse_config(name: str) -> tuple[str, str, str]:
    parts = name.split("-")
    if len(parts) != 3 or parts[0] not in TABLE_FREE or \
            parts[1] not in SHOOTDOWN or parts[2] not in FAULT:
        raise ValueError(f"bad configuration {name!r}: want TABLE_FREE-"
                         f"SHOOTDOWN-FAULT, e.g. rcu-ipi-spf")
    return parts[0], parts[1], parts[2]


def read_matrix(path: str) -> list[tuple[str, list[int], str]]:
    rows = []
    with open(path) as f:
        for n, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 3:
                raise ValueError(f"{path}:{n}: want `suite cpus configs`")
            suite, cpus, configs = parts
            try:
                cpu_list = [int(c) for c in _split(cpus)]
            except ValueError:
                raise ValueError(f"{path}:{n}: bad cpus {cpus!r}") from None
            if configs not in ("default", "all"):
                for c in _split(configs):
                    try:
                        parse_config(c)
                    except ValueError as e:
                        raise ValueError(f"{path}:{n}: {e}") from None
            rows.append((suite, cpu_list, configs))
    return rows


def expand_matrix(rows, suites=None, cpus=None, tf=None, sd=None, fault=None):
    """Apply the narrowing options; return (list of MatrixRow, notes).

    suites: only those (a suite not in the matrix runs at the default
    config).  cpus: intersect with each row's CPU counts, or replace them
    where the intersection is empty.  tf/sd/fault: keep the configs with
    that value; a row saying `default` takes the given values instead.
    """
    notes = []
    if suites:
        known = {r[0] for r in rows}
        rows = [r for r in rows if r[0] in suites]
        for s in suites:
            if s not in known:
                notes.append(f"suite {s} is not in the matrix: running it "
                             f"at the default configuration")
                rows.append((s, [1], "default"))
    out = []
    for suite, row_cpus, configs in rows:
        if configs == "default":
            cl = [f"{tf or DEFAULT_CONFIG[0]}-{sd or DEFAULT_CONFIG[1]}-"
                  f"{fault or DEFAULT_CONFIG[2]}"]
        else:
            cl = ALL_CONFIGS if configs == "all" else _split(configs)
            cl = [c for c in cl
                  if (not tf or parse_config(c)[0] == tf)
                  and (not sd or parse_config(c)[1] == sd)
                  and (not fault or parse_config(c)[2] == fault)]
            if not cl:
                notes.append(f"suite {suite}: no configuration of its row "
                             f"matches the given switches; not run")
                continue
        if cpus:
            narrowed = [c for c in row_cpus if c in cpus]
            row_cpus = narrowed or list(cpus)
        out.append(MatrixRow(suite, sorted(set(row_cpus)), cl))
    return out, notes


def plan_boots(matrix: list[MatrixRow]):
    """Group into boots: {(config, cpus): [suites]} in a stable order."""
    boots: dict[tuple[str, int], list[str]] = {}
    config_order: list[str] = []
    for row in matrix:
        for c in row.configs:
            if c not in config_order:
                config_order.append(c)
            for n in row.cpus:
                boots.setdefault((c, n), [])
                if row.suite not in boots[(c, n)]:
                    boots[(c, n)].append(row.suite)
    keys = sorted(boots, key=lambda k: (config_order.index(k[0]), k[1]))
    return [(k[0], k[1], boots[k]) for k in keys]


# ==========================================================================
# Building and booting
# ==========================================================================

def _make_env_and_fds():
    """Let sub-makes share our parent make's jobserver when there is one."""
    fds = []
    m = re.search(r"--jobserver-(?:auth|fds)=(\d+),(\d+)",
                  os.environ.get("MAKEFLAGS", ""))
    if m:
        for fd in (int(m.group(1)), int(m.group(2))):
            try:
                os.fstat(fd)
                fds.append(fd)
            except OSError:
                fds = []
                break
    return tuple(fds)


def run_make(args: list[str]) -> tuple[int, str, str]:
    p = subprocess.run(["make", *args], cwd=ROOT, capture_output=True,
                       text=True, pass_fds=_make_env_and_fds())
    return p.returncode, p.stdout, p.stderr


def config_vars(config: str, extra: list[str]) -> list[str]:
    tf, sd, f = parse_config(config)
    return [f"TABLE_FREE={tf}", f"SHOOTDOWN={sd}", f"FAULT={f}", *extra]


def build_config(config: str, extra: list[str]) -> tuple[str | None, str]:
    """Build one configuration; return (kernel.elf path, error text)."""
    v = config_vars(config, extra)
    rc, out, err = run_make(["-s", "kernel", *v])
    if rc != 0:
        return None, (out + err)
    rc, out, err = run_make(["-s", "--no-print-directory", "print-kernel",
                             *v])
    path = next((ln.strip() for ln in reversed(out.splitlines())
                 if ln.strip()), "")
    if rc != 0 or not path:
        return None, f"make print-kernel failed (status {rc})\n{out}{err}"
    path = os.path.join(ROOT, path) if not os.path.isabs(path) else path
    if not os.path.exists(path):
        return None, f"make print-kernel printed {path}, which is missing"
    return path, ""


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


def evaluate_boot(label: str, text: str, classification: str,
                  requested: list[str]):
    """Turn a boot's log and exit classification into counted cases."""
    cases, seen, lines = parse_ktap(text, check_suite_counts=False)
    # A suite asked for on the command line that printed nothing.
    for s in requested:
        if s not in seen:
            cases.append(Case(f"{s}: no KTAP output for this suite", "fail",
                              None, "missing results"))
    nfail = sum(c.status == "fail" for c in cases)
    npass = sum(c.status == "pass" for c in cases)
    nran = npass + nfail
    if classification not in ("pass", "fail"):
        cases.append(Case(f"{label}: boot {classification}", "fail",
                          len(lines) - 1 if lines else None))
    elif classification == "pass" and nran == 0:
        cases.append(Case(f"{label}: no results", "fail", None))
    elif classification == "fail" and nfail == 0:
        cases.append(Case(f"{label}: kernel verdict FAIL", "fail",
                          len(lines) - 1 if lines else None))
    failed = any(c.status == "fail" for c in cases)
    if classification not in ("pass", "fail"):
        status = classification.upper()
    else:
        status = "FAIL" if failed else "PASS"
    return cases, lines, status


def default_timeout(accel: str, cpus: int, jobs: int) -> float:
    base = 90 + 10 * (cpus - 1) if accel == "tcg" else 60 + 5 * (cpus - 1)
    return base * (1 + 0.5 * (jobs - 1))


# ==========================================================================
# Reporting
# ==========================================================================

_out_lock = threading.Lock()


def say(msg: str = "") -> None:
    with _out_lock:
        print(msg, flush=True)


def context(lines: list[str], i: int | None, before=7, after=7) -> str:
    if not lines:
        return "        (empty log)"
    if i is None:
        i = len(lines) - 1
    lo, hi = max(0, i - before), min(len(lines), i + after + 1)
    return "\n".join(f"    {'>' if k == i else ' '} {lines[k]}"
                     for k in range(lo, hi))


def report_failures(r: BootReport) -> None:
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
    if r.classification in ("panic", "hang", "triple-fault", "qemu-error",
                            "poweroff"):
        out.append(f"  FAILED {r.label}: boot {r.classification}; "
                   f"last 40 lines of the log:")
        tail = r.lines[-40:] if r.lines else ["(empty log)"]
        out.extend(f"    | {ln}" for ln in tail)
        if r.stderr.strip():
            out.append("  QEMU stderr:")
            out.extend(f"    ! {ln}" for ln in r.stderr.strip()
                       .splitlines()[-20:])
        if r.classification == "triple-fault":
            out.append("  (re-run the boot by hand with scripts/qemu.py "
                       "--accel tcg --trace-log FILE to log the exception "
                       "chain)")
    if r.log_path:
        out.append(f"  log kept: {os.path.relpath(r.log_path, os.getcwd())}")
    say("\n".join(out))


# ==========================================================================
# Main
# ==========================================================================

def run_host_tests(keep_logs: bool) -> BootReport:
    t0 = time.monotonic()
    rc, out, err = run_make(["-s", "--no-print-directory", "host-tests"])
    text = out + ("\n" + err if err.strip() else "")
    cases, _, lines = parse_ktap(text, check_suite_counts=True)
    npass = sum(c.status == "pass" for c in cases)
    nfail = sum(c.status == "fail" for c in cases)
    if rc != 0 and nfail == 0:
        cases.append(Case(f"host-tests: make exited with status {rc}",
                          "fail", len(lines) - 1 if lines else None))
    elif npass + nfail == 0:
        cases.append(Case("host-tests: no results", "fail", None))
    failed = any(c.status == "fail" for c in cases)
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


def counts(cases: list[Case]) -> tuple[int, int, int]:
    return (sum(c.status == "pass" for c in cases),
            sum(c.status == "fail" for c in cases),
            sum(c.status == "skip" for c in cases))


def summary_line(p: int, f: int, s: int) -> str:
    return f"{p} passed, {f} failed" + (f", {s} skipped" if s else "")


def opt(s):
    """The Makefile passes empty strings for variables not given."""
    return s if s not in (None, "") else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Run the host unit tests and the kernel test matrix.")
    ap.add_argument("--matrix", default=os.path.join(ROOT, "tests",
                                                     "matrix.txt"))
    ap.add_argument("--suites", help="comma list; narrow to these suites "
                    "(`host` = the host unit tests)")
    ap.add_argument("--cpus", help="comma list of CPU counts")
    ap.add_argument("--table-free", help="ipi|rcu")
    ap.add_argument("--shootdown", help="ipi|pv")
    ap.add_argument("--fault", help="locked|spf|vma")
    ap.add_argument("--accel", help="auto|kvm|tcg (default auto)")
    ap.add_argument("--extra", help="extra make variables for the kernel "
                    "build, e.g. 'SHOOTDOWN_BROKEN=1'")
    ap.add_argument("--timeout", help="seconds per boot (default 90 under "
                    "TCG, 60 under KVM, plus a little per CPU)")
    ap.add_argument("--mem", help="guest memory (default 512M)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--host", dest="host", action="store_const", const=True,
                   help="run the host unit tests first (default, unless "
                        "--suites is given)")
    g.add_argument("--no-host", dest="host", action="store_const",
                   const=False)
    ap.add_argument("-j", "--jobs", help="boots in parallel (default 1)")
    ap.add_argument("--keep-logs", action="store_true",
                    help="keep the logs of passing boots too")
    ap.add_argument("--list", action="store_true",
                    help="print the builds and boots, run nothing")
    ap.add_argument("--self-test", action="store_true",
                    help="test the KTAP parser and matrix logic, no QEMU")
    a = ap.parse_args(argv)

    if a.self_test:
        return self_test()

    try:
        suites = _split(opt(a.suites)) or None
        cpus = [int(c) for c in _split(opt(a.cpus))] or None
        jobs = int(opt(a.jobs) or 1)
        timeout = float(opt(a.timeout)) if opt(a.timeout) else None
    except ValueError as e:
        ap.error(str(e))
    for val, allowed, what in ((opt(a.table_free), TABLE_FREE, "TABLE_FREE"),
                               (opt(a.shootdown), SHOOTDOWN, "SHOOTDOWN"),
                               (opt(a.fault), FAULT, "FAULT")):
        if val and val not in allowed:
            ap.error(f"{what}={val}: want one of {'|'.join(allowed)}")
    if cpus and any(c < 1 or c > 255 for c in cpus):
        ap.error("--cpus: counts must be 1..255")
    extra = shlex.split(opt(a.extra) or "")
    mem = opt(a.mem) or "512M"
    host = a.host if a.host is not None else (
        not suites or "host" in suites)
    kernel_suites = [s for s in suites if s != "host"] if suites else None
    run_kernel = not suites or bool(kernel_suites)

    boots = []
    if run_kernel:
        try:
            rows = read_matrix(a.matrix)
            matrix, notes = expand_matrix(rows, kernel_suites, cpus,
                                          opt(a.table_free),
                                          opt(a.shootdown), opt(a.fault))
        except (OSError, ValueError) as e:
            print(f"runtests: {e}", file=sys.stderr)
            return 2
        for n in notes:
            say(f"note: {n}")
        boots = plan_boots(matrix)
    configs = list(dict.fromkeys(b[0] for b in boots))
    if a.list:
        for c in configs:
            say(f"build {' '.join(config_vars(c, extra))}")
        for c, n, s in boots:
            say(f"boot  {c} cpus={n} ktest={','.join(s)}")
        return 0

    all_cases: list[Case] = []
    if extra:
        broken = any("BROKEN" in e.split("=", 1)[0] for e in extra)
        say(f"extra build variables: {' '.join(extra)}" +
            (" (a protocol is broken on purpose: failures expected)"
             if broken else ""))

    if host:
        say("host unit tests (make host-tests) ...")
        r = run_host_tests(a.keep_logs)
        p, f, s = counts(r.cases)
        say(f"host-tests: {p} passed, {f} failed, {s} skipped "
            f"({r.duration:.1f}s) {r.status}")
        report_failures(r)
        all_cases += r.cases

    if boots:
        accel = qemu.resolve_accel(opt(a.accel) or "auto")
        kernels: dict[str, str | None] = {}
        for c in configs:
            say(f"building {c}{' ' + ' '.join(extra) if extra else ''} ...")
            path, err = build_config(c, extra)
            kernels[c] = path
            if path is None:
                tail = err.strip().splitlines()[-40:]
                say(f"  FAILED build of {c}:\n" +
                    "\n".join(f"    | {ln}" for ln in tail))
                all_cases.append(Case(f"{c}: build failed", "fail"))
        runnable = [b for b in boots if kernels[b[0]]]
        suffix = ""
        if extra:
            suffix = "+" + "+".join(re.sub(r"[^A-Za-z0-9_.=-]", "_", e)
                                    for e in extra)
        os.makedirs(LOG_DIR, exist_ok=True)
        done = [0]

        def one(b):
            config, n, suite_list = b
            label = f"{config} cpus={n}"
            log_path = os.path.join(LOG_DIR, f"{config}{suffix}-cpus{n}.log")
            t = timeout or default_timeout(accel, n, jobs)
            res = qemu.run_qemu(dict(kernel=kernels[config], boot="direct",
                                     cpus=n, mem=mem, accel=accel,
                                     cmdline="ktest=" + ",".join(suite_list)),
                                log_path, t)
            if qemu.aborted():
                return None
            with open(log_path, errors="replace") as f:
                text = f.read()
            cases, lines, status = evaluate_boot(label, text,
                                                 res.classification,
                                                 suite_list)
            if status == "PASS" and not a.keep_logs:
                os.unlink(log_path)
                kept = None
            else:
                kept = log_path
            r = BootReport(label, cases, status, kept, lines,
                           res.classification, res.duration, res.stderr)
            p, f_, s = counts(cases)
            with _out_lock:
                done[0] += 1
                print(f"[{done[0]}/{len(runnable)}] {config} cpus={n} "
                      f"{accel}: {p} passed, {f_} failed, {s} skipped "
                      f"({res.duration:.1f}s) {status}", flush=True)
            report_failures(r)
            return r

        ex = ThreadPoolExecutor(max_workers=max(1, jobs))
        try:
            futures = [ex.submit(one, b) for b in runnable]
            reports = [fu.result() for fu in futures]
        except KeyboardInterrupt:
            ex.shutdown(wait=False, cancel_futures=True)
            qemu.kill_all()
            print("runtests: interrupted; QEMU stopped", file=sys.stderr)
            return 130
        ex.shutdown()
        for r in reports:
            all_cases += r.cases

    p, f, s = counts(all_cases)
    line = summary_line(p, f, s)
    assert SUMMARY_RE.match(line)
    sys.stderr.flush()
    print(line, flush=True)
    return 0 if f == 0 and p > 0 else 1


# ==========================================================================
# Self-test (no QEMU, no kernel)
# ==========================================================================

def self_test() -> int:
    failures = []

    def check(what, got, want):
        if got != want:
            failures.append(f"{what}: got {got!r}, want {want!r}")

    def tally(text, **kw):
        cases, suites, _ = parse_ktap(text, **kw)
        return counts(cases), suites, cases

    # 1. This kernel's layout, printk lines interleaved.
    log1 = """\
[    0.000000] Booting kernel (rcu-ipi-spf), 4 CPUs
<6>[    0.001000] pmm: 130000 frames free
KTAP version 1
# Subtest: boot
1..3
    ok 1 banner
[    0.002000] smp: CPU 1 online
    ok 2 cmdline_parsed
    ok 3 acpi_found # SKIP no ACPI here
ok 1 boot
KTAP version 1
# Subtest: pmm
1..2
    not ok 1 alloc_free
    # alloc_free: expected 5, got 4
    ok 2 contiguous
not ok 2 pmm
"""
    (p, f, s), suites, cases = tally(log1)
    check("layout: counts", (p, f, s), (3, 1, 1))
    check("layout: suites", suites, ["boot", "pmm"])
    check("layout: failed name",
          [c.name for c in cases if c.status == "fail"], ["pmm.alloc_free"])
    check("layout: skip reason",
          [c.note for c in cases if c.status == "skip"], ["no ACPI here"])

    # 2. KUnit's layout: top-level plan, nested documents.
    log2 = """\
KTAP version 1
1..2
    KTAP version 1
    # Subtest: heap
    1..2
    ok 1 kmalloc_small
    ok 2 kmalloc_large
# heap: pass:2 fail:0 skip:0 total:2
ok 1 heap
    KTAP version 1
    # Subtest: smp
    1..1
    ok 1 ipi_all # SKIP needs 2 CPUs
ok 2 smp
"""
    (p, f, s), suites, _ = tally(log2)
    check("kunit: counts", (p, f, s), (2, 0, 1))
    check("kunit: suites", suites, ["heap", "smp"])

    # 3. Crash mid-suite: announced 1..4, printed 1.
    log3 = """\
KTAP version 1
# Subtest: paging
1..4
    ok 1 map_unmap
[    0.5] PANIC: page fault at 0xdead in kernel mode
[    0.5] backtrace: ...
"""
    (p, f, s), _, cases = tally(log3)
    check("crash: counts", (p, f, s), (1, 3, 0))
    check("crash: missing note",
          {c.note for c in cases if c.status == "fail"}, {"missing results"})

    # 4. Flat output, no indentation, no summaries.
    log4 = """\
KTAP version 1
# Subtest: a
1..2
ok 1 x
not ok 2 y
KTAP version 1
# Subtest: b
1..1
ok 1 z
"""
    (p, f, s), suites, _ = tally(log4)
    check("flat: counts", (p, f, s), (2, 1, 0))
    check("flat: suites", suites, ["a", "b"])

    # 5. Summary not ok while every case passed; whole-suite skip.
    log5 = """\
KTAP version 1
# Subtest: smp
1..1
    ok 1 bringup
not ok 1 smp
KTAP version 1
# Subtest: tlb
1..0 # SKIP needs 2 CPUs
ok 2 tlb # SKIP needs 2 CPUs
"""
    (p, f, s), suites, cases = tally(log5)
    check("summary: counts", (p, f, s), (1, 1, 1))
    check("summary: names", [c.name for c in cases if c.status != "pass"],
          ["smp: suite result not ok", "tlb"])

    # 6. Host-test style: one flat list with a plan; "- name" separators.
    log6 = """\
TAP version 14
1..3
ok 1 - string: memcpy
not ok 2 - bitmap: find_next # bit 63
ok 3 - rbtree: insert # TODO flaky
"""
    (p, f, s), _, cases = tally(log6)
    check("host: counts", (p, f, s), (1, 1, 1))
    check("host: name", cases[1].name, "(unnamed).bitmap: find_next")

    # 7. Top-level plan at column 0 before per-suite documents.
    log7 = """\
KTAP version 1
1..2
KTAP version 1
# Subtest: boot
1..1
    ok 1 a
ok 1 boot
KTAP version 1
# Subtest: pmm
1..1
    ok 1 b
ok 2 pmm
"""
    (p, f, s), suites, _ = tally(log7)
    check("top plan: counts", (p, f, s), (2, 0, 0))
    check("top plan: suites", suites, ["boot", "pmm"])

    # 8. Subtests without repeated version lines, CRLF, ANSI colour.
    log8 = ("KTAP version 1\r\n# Subtest: a\r\n1..1\r\n    ok 1 x\r\n"
            "ok 1 a\r\n# Subtest: b\r\n1..2\r\n    ok 1 y\r\n"
            "    \x1b[31mnot ok 2 z\x1b[0m\r\nnot ok 2 b\r\n")
    (p, f, s), suites, _ = tally(log8)
    check("no-version: counts", (p, f, s), (2, 1, 0))
    check("no-version: suites", suites, ["a", "b"])

    # 9. Boot evaluation.
    c, _, st = evaluate_boot("rcu-ipi-spf cpus=1", "", "pass", [])
    check("eval: pass, no results", ([x.name for x in c], st),
          (["rcu-ipi-spf cpus=1: no results"], "FAIL"))
    c, _, st = evaluate_boot("L", log2, "fail", ["heap", "smp"])
    check("eval: FAIL verdict, all ok", ([x.name for x in c
                                          if x.status == "fail"], st),
          (["L: kernel verdict FAIL"], "FAIL"))
    c, _, st = evaluate_boot("L", log3, "panic", ["paging"])
    check("eval: panic", (counts(c), st), ((1, 4, 0), "PANIC"))
    c, _, st = evaluate_boot("L", log2, "pass", ["heap", "smp", "rcu"])
    check("eval: missing suite", ([x.name for x in c
                                   if x.status == "fail"], st),
          (["rcu: no KTAP output for this suite"], "FAIL"))
    c, _, st = evaluate_boot("L", log2, "pass", ["heap", "smp"])
    check("eval: pass", (counts(c), st), ((2, 0, 1), "PASS"))
    c, _, st = evaluate_boot("L", log1[:200], "hang", ["boot", "pmm"])
    check("eval: hang", st, "HANG")

    # 10. Matrix narrowing and grouping.
    rows = [("boot", [1], "default"), ("smp", [1, 2, 4, 8], "default"),
            ("tlb", [2, 4], "all"), ("spf", [4], "rcu-ipi-spf,ipi-ipi-spf")]
    m, _ = expand_matrix(rows)
    b = plan_boots(m)
    check("matrix: boots", len(b), 4 + 11 * 2)
    check("matrix: first", b[0], ("rcu-ipi-spf", 1, ["boot", "smp"]))
    m, _ = expand_matrix(rows, cpus=[8])
    check("matrix: cpus override",
          plan_boots(m)[0], ("rcu-ipi-spf", 8, ["boot", "smp", "tlb", "spf"]))
    m, notes = expand_matrix(rows, suites=["tlb", "spf"], tf="ipi",
                             sd="pv")
    check("matrix: switches",
          sorted({c for r in m for c in r.configs}),
          ["ipi-pv-locked", "ipi-pv-spf", "ipi-pv-vma"])
    check("matrix: note", len(notes), 1)
    m, _ = expand_matrix(rows, suites=["smp"], cpus=[2, 4], fault="vma")
    check("matrix: default+switch", plan_boots(m),
          [("rcu-ipi-vma", 2, ["smp"]), ("rcu-ipi-vma", 4, ["smp"])])
    check("summary regex", [bool(SUMMARY_RE.match(summary_line(*x)))
                            for x in ((3, 0, 0), (3, 1, 2))], [True, True])
    check("summary no skip", summary_line(3, 1, 0), "3 passed, 1 failed")

    # 11. The real matrix file parses.
    try:
        read_matrix(os.path.join(ROOT, "tests", "matrix.txt"))
    except (OSError, ValueError) as e:
        failures.append(f"tests/matrix.txt: {e}")

    for fl in failures:
        print(f"SELF-TEST FAILED: {fl}")
    n = 30
    print(f"self-test: {'FAIL' if failures else 'ok'} "
          f"({len(failures)} of ~{n} checks failed)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
