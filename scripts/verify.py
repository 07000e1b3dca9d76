#!/usr/bin/env python3
"""scripts/verify.py - `make verify`: the Promela models checked by spin.

Every row of tests/models/models.txt is one check: a model
(tests/models/<model>.pml), a variant (its -D defines), the kind of check
(safety: assertions and invalid end states; liveness: the model's ltl
formula under weak fairness) and the result spin must find (ok, or an
error of a given kind: assert, end, cycle).  For each, in
build/verify/<model>.<variant>/:

  spin -a -D... <model>.pml      the verifier's C source, pan.c
  gcc -O0 ... pan.c -o pan       (-O1 for the big ones; skipped when
                                 nothing it depends on changed)
  ./pan ...                      the exhaustive search; its state count,
                                 state vector, depth, memory and time
  spin -t -p ...                 for a run that found an error: the
                                 counterexample replayed, and printed as an
                                 interleaving, one column per CPU, each step
                                 named after the C function it models

A check passes when spin finds what models.txt expects: no error after a
complete search of a correct model, the expected error on a broken variant.
Then every C function the models name (their `@function:` tags) must still
be defined in the tree, every *_BROKEN define a row uses must be a switch
of scripts/switches.mk, and every tagged step a correct model compiles
must be reached by one of its complete searches (a model that never gets
somewhere proves nothing there).  The exit status is 0 iff all of that
holds; the last line says how it went.

    scripts/verify.py                 every check, trails of the broken ones
    scripts/verify.py tlb 'gup.*'     only the matching model or model.variant
    scripts/verify.py --ktap          one KTAP document (`make host-tests`)
    scripts/verify.py --list          the checks, without running them

The model's tags: a comment `/* @name: meaning */` on a line of a model
says that the step on that line is C function `name` doing `meaning`
(`@hw:` is the hardware, not C).  A process says which CPU it is with
printf("@column <pid> CPU<n> | <role>").  docs/verify.md has the rest.
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ktap  # noqa: E402
import matrix  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS_DIR = os.path.join(ROOT, "tests", "models")
TABLE = os.path.join(MODELS_DIR, "models.txt")
BUILD = os.path.join(ROOT, "build", "verify")
SWITCHES_MK = os.path.join(ROOT, "scripts", "switches.mk")
C_DIRS = ("arch", "kernel", "mm", "lib")

EXPECTS = ("ok", "assert", "end", "cycle")
CHECKS = ("safety", "liveness")
MEMLIM_MB = 1024                # per pan run (pan -DMEMLIM)
RUN_TIMEOUT_S = 240             # per pan run
CFLAGS = ["-w"]


# ==========================================================================
# The table
# ==========================================================================

@dataclass
class Check:
    model: str
    variant: str
    expect: str
    kind: str
    defines: list[str]
    hash_bits: int = 22
    optimize: bool = False      # compile pan with -O1 (else -O0: faster to build)
    line: int = 0

    @property
    def name(self) -> str:
        return f"{self.model}.{self.variant}"

    @property
    def source(self) -> str:
        return os.path.join(MODELS_DIR, self.model + ".pml")


def read_table(path: str = TABLE) -> list[Check]:
    """The rows of models.txt.  Raises ValueError on a malformed row."""
    checks: list[Check] = []
    seen = set()
    for n, w in matrix.table_lines(path, 5, "model variant expect check "
                                   "defines [w=N]"):
        model, variant, expect, kind, defs = w[:5]
        if expect not in EXPECTS:
            raise ValueError(f"{path}:{n}: expect must be one of "
                             f"{', '.join(EXPECTS)}, not {expect!r}")
        if kind not in CHECKS:
            raise ValueError(f"{path}:{n}: check must be one of "
                             f"{', '.join(CHECKS)}, not {kind!r}")
        c = Check(model, variant, expect, kind,
                  [] if defs == "-" else defs.split(","), line=n)
        for opt in w[5:]:
            m = re.fullmatch(r"w=(\d+)", opt)
            if opt == "opt":
                c.optimize = True
            elif m:
                c.hash_bits = int(m.group(1))
            else:
                raise ValueError(f"{path}:{n}: unknown pan setting "
                                 f"{opt!r} (w=N, opt)")
        if c.name in seen:
            raise ValueError(f"{path}:{n}: {c.name} twice")
        seen.add(c.name)
        checks.append(c)
    return checks


def select(checks: list[Check], patterns: list[str]) -> list[Check]:
    """The checks whose model or model.variant matches a pattern (glob)."""
    if not patterns:
        return checks
    return [c for c in checks
            if any(fnmatch.fnmatchcase(c.name, p) or
                   fnmatch.fnmatchcase(c.model, p) for p in patterns)]


# ==========================================================================
# Running spin and pan
# ==========================================================================

@dataclass
class PanResult:
    """What one pan run said."""
    found: str = "?"            # ok, assert, end, cycle, or what went wrong
    error_text: str = ""        # pan's error line
    states: int = 0
    transitions: int = 0
    vector: int = 0             # state vector, bytes
    depth: int = 0
    memory_mb: float = 0.0
    seconds: float = 0.0
    complete: bool = False      # the whole state space was searched


_NUM = r"([0-9.e+]+)"


def parse_pan(out: str) -> PanResult:
    """Read pan's report: the error it found (the first), the counts."""
    r = PanResult()
    m = re.search(r"State-vector (\d+) byte, depth reached (\d+), "
                  r"errors: (\d+)", out)
    if m:
        r.vector, r.depth = int(m.group(1)), int(m.group(2))
    m = re.search(_NUM + r" states, stored", out)
    if m:
        r.states = int(float(m.group(1)))
    m = re.search(_NUM + r" transitions", out)
    if m:
        r.transitions = int(float(m.group(1)))
    m = re.search(_NUM + r"\s+total actual memory usage", out)
    if m:
        r.memory_mb = float(m.group(1))
    m = re.search(r"pan: elapsed time " + _NUM, out)
    if m:
        r.seconds = float(m.group(1))
    m = re.search(r"^pan:\d+: (.*)$", out, re.M)
    if m:
        r.error_text = m.group(1).strip()
        t = r.error_text
        r.found = ("assert" if t.startswith("assertion violated") else
                   "end" if t.startswith("invalid end state") else
                   "cycle" if t.startswith("acceptance cycle") else
                   "error")
    elif "out of memory" in out or "pan: reached -DMEMLIM" in out:
        r.found, r.error_text = "out-of-memory", "pan ran out of memory"
    elif "max search depth too small" in out:
        r.found, r.error_text = "incomplete", "max search depth too small"
    elif "errors: 0" in out:
        r.found = "ok"
        r.complete = "Search not completed" not in out
        if not r.complete:
            r.found, r.error_text = "incomplete", "search not completed"
    else:
        r.found, r.error_text = "error", "no report from pan"
    return r


@dataclass
class Outcome:
    check: Check
    pan: PanResult = field(default_factory=PanResult)
    passed: bool = False
    problem: str = ""           # why it did not pass (build error, ...)
    trail: str = ""             # spin -t -p output, for a found error
    wall: float = 0.0
    built: bool = False         # pan was (re)compiled for this run


def _run(cmd: list[str], cwd: str, timeout: float) -> tuple[int, str]:
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           errors="replace", timeout=timeout)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout if isinstance(e.stdout, str) else \
            (e.stdout or b"").decode(errors="replace")
        return -1, out + f"\n(timed out after {timeout:.0f} s)"


def spin_version() -> str:
    try:
        rc, out = _run(["spin", "-V"], ROOT, 10)
    except OSError:
        return ""
    return out.strip() if rc == 0 else ""


def model_inputs(source: str) -> list[str]:
    """The model file and the files it #includes (from tests/models/)."""
    files, todo = [], [source]
    while todo:
        p = todo.pop()
        if p in files or not os.path.exists(p):
            continue
        files.append(p)
        with open(p) as f:
            for m in re.finditer(r'^\s*#\s*include\s+"([^"]+)"', f.read(),
                                 re.M):
                todo.append(os.path.join(os.path.dirname(p), m.group(1)))
    return files


def model_bounds(source: str) -> str:
    """The model header's `Bounds:` paragraph, on one line."""
    try:
        with open(source) as f:
            text = f.read()
    except OSError:
        return ""
    m = re.search(r"^\s*\*\s*Bounds:\s*(.*?)\n\s*\*\s*\n", text, re.M | re.S)
    if not m:
        return ""
    return " ".join(w.strip().lstrip("*").strip()
                    for w in m.group(1).splitlines()).strip()


def spin_args(c: Check) -> list[str]:
    return [f"-D{d}" for d in c.defines]


def gcc_args(c: Check) -> list[str]:
    a = CFLAGS + ["-O1" if c.optimize else "-O0", f"-DMEMLIM={MEMLIM_MB}"]
    if c.kind == "safety":
        a.append("-DSAFETY")
        if c.expect != "ok":
            a.append("-DBFS")   # breadth first: the shortest counterexample
    else:
        a.append("-DNFAIR=5")   # weak fairness for up to 30 processes
    return a


def pan_args(c: Check) -> list[str]:
    a = ["-m100000", f"-w{c.hash_bits}"]
    if c.kind == "liveness":
        a += ["-a", "-f"]
    return a


def run_check(c: Check, spin_ver: str, want_trail: bool = True) -> Outcome:
    """Build (if needed) and run one check; replay its trail if it found
    an error."""
    o = Outcome(c)
    t0 = time.monotonic()
    d = os.path.join(BUILD, c.name)
    os.makedirs(d, exist_ok=True)
    h = hashlib.sha256()
    for p in model_inputs(c.source):
        with open(p, "rb") as f:
            h.update(os.path.basename(p).encode() + b"\0" + f.read())
    h.update(repr((spin_args(c), gcc_args(c), spin_ver)).encode())
    stamp = os.path.join(d, "pan.key")
    pan = os.path.join(d, "pan")
    key = h.hexdigest()
    old = open(stamp).read() if os.path.exists(stamp) else ""
    if old != key or not os.path.exists(pan):
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
        rc, out = _run(["spin", "-a"] + spin_args(c) + [c.source], d, 60)
        if rc != 0 or not os.path.exists(os.path.join(d, "pan.c")):
            o.problem = "spin -a failed:\n" + out.strip()
            o.wall = time.monotonic() - t0
            return o
        rc, out = _run(["gcc"] + gcc_args(c) + ["-o", "pan", "pan.c"], d,
                       300)
        if rc != 0:
            o.problem = "gcc pan.c failed:\n" + out.strip()[-2000:]
            o.wall = time.monotonic() - t0
            return o
        with open(stamp, "w") as f:
            f.write(key)
        o.built = True
    for f in os.listdir(d):
        if f.endswith(".trail"):
            os.unlink(os.path.join(d, f))
    rc, out = _run(["./pan"] + pan_args(c), d, RUN_TIMEOUT_S)
    with open(os.path.join(d, "pan.out"), "w") as f:
        f.write(out)
    o.pan = parse_pan(out)
    if rc == -1:
        o.pan.found, o.pan.error_text = "timeout", \
            f"pan ran longer than {RUN_TIMEOUT_S} s"
    o.passed = o.pan.found == c.expect and \
        (c.expect != "ok" or o.pan.complete)
    trail = os.path.join(d, os.path.basename(c.source) + ".trail")
    if want_trail and o.pan.found in ("assert", "end", "cycle") and \
            os.path.exists(trail):
        rc, out = _run(["spin", "-T", "-t", "-p", "-k", trail] + spin_args(c) +
                       [c.source], d, 60)
        o.trail = out
        with open(os.path.join(d, "trail.txt"), "w") as f:
            f.write(out)
    o.wall = time.monotonic() - t0
    return o


# ==========================================================================
# Trails: one column per CPU, each step named after the C function
# ==========================================================================

TAG_RE = re.compile(r"/\*\s*@([A-Za-z_]\w*)\s*:\s*(.*?)\s*\*/")
MEM_RE = re.compile(r"^\s*#\s*define\s+\w+\s+(\d+)\s*/\*\s*mem:\s*(.*?)\s*"
                    r"\*/", re.M)
STEP_RE = re.compile(r"^\s*(\d+):\s+proc\s+(\d+)\s+\((\S+?):\d+\)\s+"
                     r"(\S+):(\d+)\s+\(state\s+\d+\)\s*(?:\[(.*)\])?\s*"
                     r"(<valid end state>)?\s*$")
COLUMN_RE = re.compile(r"^@column (\d+) (\S+)(?: \| (.*))?$")


@dataclass
class Tag:
    func: str
    meaning: str


def read_tags(paths: list[str]) -> dict[tuple[str, int], Tag]:
    """(file basename, line) -> the tag on that line of a model."""
    tags: dict[tuple[str, int], Tag] = {}
    for p in paths:
        with open(p) as f:
            for n, line in enumerate(f, 1):
                m = TAG_RE.search(line)
                if m:
                    tags[(os.path.basename(p), n)] = Tag(m.group(1),
                                                         m.group(2))
    return tags


def read_mem_names(paths: list[str]) -> dict[int, str]:
    """mem[] index -> what it models, from `#define X k /* mem: what */`."""
    names: dict[int, str] = {}
    for p in paths:
        with open(p) as f:
            for m in MEM_RE.finditer(f.read()):
                names[int(m.group(1))] = m.group(2)
    return names


@dataclass
class Step:
    depth: int
    pid: int
    file: str
    line: int
    stmt: str
    note: str = ""              # a store buffer's drain: "word value"


@dataclass
class Trail:
    steps: list[Step] = field(default_factory=list)
    columns: dict[int, tuple[str, str]] = field(default_factory=dict)
    proc_names: dict[int, str] = field(default_factory=dict)
    error: str = ""             # what spin says went wrong
    error_pid: int | None = None
    cycle_at: int | None = None  # index in steps where the cycle starts
    blocked: list[Step] = field(default_factory=list)   # end: who waits
    final: list[tuple[str, str]] = field(default_factory=list)


def parse_trail(text: str) -> Trail:
    """Parse `spin -t -p` output."""
    t = Trail()
    in_final = False
    note = ""
    for line in text.splitlines():
        m = COLUMN_RE.match(line)
        if m:
            t.columns[int(m.group(1))] = (m.group(2), m.group(3) or "")
            continue
        m = re.match(r"^@sb (\d+) (\d+)$", line)
        if m:
            note = f"{m.group(1)} {m.group(2)}"    # the next step's
            continue
        if "START OF CYCLE" in line:
            t.cycle_at = len(t.steps)
            continue
        if line.startswith("spin: text of failed assertion:"):
            t.error = "assertion violated: " + \
                line.split(":", 1)[1].strip().removeprefix(
                    "text of failed assertion:").strip()
            continue
        if re.match(r"spin: trail ends after", line):
            in_final = True
            continue
        if line.startswith("#processes:"):
            in_final = True
            continue
        m = STEP_RE.match(line)
        if m:
            s = Step(int(m.group(1)), int(m.group(2)),
                     os.path.basename(m.group(4)), int(m.group(5)),
                     m.group(6) or "")
            t.proc_names.setdefault(s.pid, m.group(3))
            if in_final:
                if not m.group(7):
                    t.blocked.append(s)
            else:
                s.note, note = note, ""
                if s.stmt.startswith("assert(") and t.error and \
                        t.error_pid is None:
                    t.error_pid = s.pid
                t.steps.append(s)
            continue
        m = re.match(r"^\t\t(\S.*?) = (.*)$", line)
        if m and in_final:
            t.final.append((m.group(1), m.group(2)))
    if t.error and t.error_pid is None and t.steps:
        t.error_pid = t.steps[-1].pid
    return t


def _final_values(t: Trail, mem_names: dict[int, str]) -> str:
    out = []
    for name, val in t.final:
        if name.startswith("sb") or name == "sb_i":
            continue            # the store buffers are shown as steps
        m = re.fullmatch(r"mem\[(\d+)\]", name)
        if m and int(m.group(1)) in mem_names:
            name = mem_names[int(m.group(1))]
        out.append(f"{name} = {val}")
    return ", ".join(out)


def render_trail(t: Trail, tags: dict[tuple[str, int], Tag],
                 mem_names: dict[int, str] | None = None,
                 width: int = 120, max_prefix: int = 16) -> str:
    """The interleaving as a table: a row per step that a tag names, a
    column per CPU; the error at the end."""
    mem_names = mem_names or {}
    cols: list[str] = []
    col_of: dict[int, str] = {}
    main_role: dict[str, str] = {}
    for pid, (cpu, role) in sorted(t.columns.items()):
        col_of[pid] = cpu
        if cpu not in cols:
            cols.append(cpu)
        if role and not role.startswith("+"):
            main_role.setdefault(cpu, role)
    cols.sort(key=lambda s: (len(s), s))

    def cell(pid: int, text: str) -> tuple[str, str]:
        cpu = col_of.get(pid)
        if cpu is None:
            cpu = t.proc_names.get(pid, f"pid{pid}")
            col_of[pid] = cpu
            if cpu not in cols:
                cols.append(cpu)
        role = t.columns.get(pid, ("", ""))[1]
        if role.startswith("+"):
            text = f"[{role[1:]}] {text}"
        return cpu, text

    rows: list[tuple[str, str, str]] = []       # (step, column, text)
    i = 0
    while i < len(t.steps):
        if t.cycle_at is not None and i == t.cycle_at:
            rows.append(("", "", "-- the steps below repeat forever --"))
        s = t.steps[i]
        j = i
        group = []
        while j < len(t.steps) and t.steps[j].depth == s.depth and \
                t.steps[j].pid == s.pid and \
                (t.cycle_at is None or j == i or j != t.cycle_at):
            group.append(t.steps[j])
            j += 1
        seen = set()
        texts = []
        note = next((g.note for g in group if g.note), "")
        for g in group:
            tag = tags.get((g.file, g.line))
            if tag and (g.file, g.line) not in seen:
                seen.add((g.file, g.line))
                text = tag.meaning if tag.func == "hw" \
                    else f"{tag.func}: {tag.meaning}"
                if note:
                    word, val = (int(x) for x in note.split())
                    text += f": {mem_names.get(word, f'mem[{word}]')} = {val}"
                    note = ""
                texts.append(text)
        failed = bool(t.error) and any(g.stmt.startswith("assert(")
                                       for g in group) and j == len(t.steps)
        if failed:
            texts.append("!! " + t.error)
        for text in texts:
            cpu, text = cell(s.pid, text)
            if rows and rows[-1][1:] == (cpu, text):
                continue        # one atomic step printed line by line
            rows.append((str(s.depth), cpu, text))
        i = j
    standstill = t.cycle_at is not None and t.cycle_at >= len(t.steps)
    if standstill:
        rows.append(("", "", "-- the cycle: from here on nothing moves "
                     "(the property waits forever) --"))
    blocked = [] if t.error or (t.cycle_at is not None and
                                not standstill) else \
        [b for b in t.blocked if t.proc_names.get(b.pid) != ":init:"] \
        or t.blocked
    for b in blocked:
        tag = tags.get((b.file, b.line))
        what = (f"{tag.func}: {tag.meaning}" if tag and tag.func != "hw"
                else tag.meaning if tag else f"{b.file}:{b.line}")
        cpu, text = cell(b.pid, "!! waits forever here: " + what)
        rows.append(("end", cpu, text))

    if t.cycle_at is not None:
        # A lasso: keep the last few rows before the loop and the loop.
        k = next((n for n, r in enumerate(rows) if not r[1]), len(rows))
        if k > max_prefix:
            rows = [("", "", f"... ({k - max_prefix} earlier rows: "
                     f"spin -t -p shows them)")] + rows[k - max_prefix:]
    ncol = max(1, len(cols))
    cw = max(22, (width - 6 - 3 * ncol) // ncol)
    out = []
    names = [f"{c} ({main_role[c]})" if c in main_role else c for c in cols]
    head = f"{'step':>5} | " + " | ".join(f"{c:<{cw}}" for c in names)
    out.append(head.rstrip())
    out.append("-" * min(len(head), width))
    for step, cpu, text in rows:
        if not cpu:
            out.append(f"{'':>5} | {text}")
            continue
        k = cols.index(cpu)
        wrapped = textwrap.wrap(text, cw) or [""]
        for n, piece in enumerate(wrapped):
            cells = [""] * ncol
            cells[k] = piece
            label = step if n == 0 else ""
            out.append((f"{label:>5} | " +
                        " | ".join(f"{x:<{cw}}" for x in cells)).rstrip())
    fin = _final_values(t, mem_names)
    if fin:
        out.append("")
        out.extend(textwrap.wrap("At the end: " + fin, width))
    return "\n".join(out)


# ==========================================================================
# The C functions the models name
# ==========================================================================

DEF_RE = re.compile(r"^(?!\s)(?!#|typedef\b|return\b|struct\s+\w+\s*\{)"
                    r"[A-Za-z_][\w \t\*]*?\b([A-Za-z_]\w*)\s*\(")
MACRO_RE = re.compile(r"^\s*#\s*define\s+([A-Za-z_]\w*)\(", re.M)
ASM_RE = re.compile(r"(?:\.globl|^\s*global)\s+([A-Za-z_]\w*)", re.M)


def c_definitions(root: str = ROOT) -> set[str]:
    """Names of the functions (and function-like macros) defined in the
    kernel's C files and headers."""
    names: set[str] = set()
    for d in C_DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for fn in files:
                if not fn.endswith((".c", ".h", ".asm")):
                    continue
                with open(os.path.join(dirpath, fn), errors="replace") as f:
                    text = f.read()
                names.update(ASM_RE.findall(text))     # assembly, top-level asm
                if fn.endswith(".asm"):
                    continue
                names.update(MACRO_RE.findall(text))
                for line in text.splitlines():
                    if line.rstrip().endswith(";"):
                        continue        # a declaration or a statement
                    m = DEF_RE.match(line)
                    if m:
                        names.add(m.group(1))
    return names


def model_files() -> list[str]:
    return sorted(os.path.join(MODELS_DIR, f) for f in os.listdir(MODELS_DIR)
                  if f.endswith(".pml"))


def check_names(paths: list[str], defined: set[str]) \
        -> tuple[set[str], list[str]]:
    """(the C functions named, one line per tag naming a missing one)."""
    named: set[str] = set()
    missing: list[str] = []
    for p in paths:
        with open(p) as f:
            for n, line in enumerate(f, 1):
                for m in TAG_RE.finditer(line):
                    fn = m.group(1)
                    if fn == "hw":
                        continue
                    named.add(fn)
                    if fn not in defined:
                        missing.append(f"{os.path.relpath(p, ROOT)}:{n}: "
                                       f"{fn}() is not defined in "
                                       f"{', '.join(C_DIRS)}")
    return named, missing


# ==========================================================================
# Coverage: every step a model tags is reached by some complete search
# ==========================================================================

def pan_coverage(pan_c: str, pan_out: str) \
        -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """(the model lines that have states in this pan, those reached).

    pan.c maps each process type's states to source lines (src_lnN,
    src_fileN); pan's report lists the states its search never reached
    ("unreached in proctype X").  A line is reached if any of its states
    in any process type is."""
    with open(pan_c, errors="replace") as f:
        c = f.read()
    m = re.search(r"char \*procname\[\] = \{(.*?)\};", c, re.S)
    procs = re.findall(r'"([^"]*)"', m.group(1)) if m else []
    where: dict[tuple[str, int], tuple[str, int]] = {}
    for m in re.finditer(r"short src_ln(\d+) \[\] = \{(.*?)\};", c, re.S):
        n = int(m.group(1))
        if n >= len(procs):
            continue
        lines = [int(x) for x in re.findall(r"-?\d+", m.group(2))]
        fm = re.search(r"S_F_MAP src_file%d \[\] = \{(.*?)\};" % n, c, re.S)
        ranges = [(f, int(a), int(b)) for f, a, b in re.findall(
            r'\{\s*"([^"]*)",\s*(\d+),\s*(\d+)\s*\}', fm.group(1))] \
            if fm else []
        for state, ln in enumerate(lines):
            f = next((f for f, a, b in ranges if a <= state <= b), "-")
            if ln > 0 and f != "-":
                where[(procs[n], state)] = (os.path.basename(f), ln)
    unreached, proc = set(), None
    with open(pan_out, errors="replace") as f:
        for line in f:
            m = re.match(r"unreached in (?:proctype )?(\S+)", line)
            if m:
                proc = ":init:" if m.group(1) == "init" else m.group(1)
                continue
            m = re.match(r"\t\S+?:\d+, state (\d+),", line)
            if m and proc:
                unreached.add((proc, int(m.group(1))))
    return set(where.values()), {fl for ps, fl in where.items()
                                 if ps not in unreached}


def dead_steps(outcomes: list["Outcome"]) -> tuple[int, list[str]]:
    """Tagged steps that some complete search of their model compiles and
    none reaches: a model that never gets there proves nothing about it
    (an `else` that can never be taken, a guard that is always false).
    Return (tagged steps checked, one line per dead one)."""
    by_model: dict[str, tuple[set, set]] = {}
    for o in outcomes:
        d = os.path.join(BUILD, o.check.name)
        if not (o.passed and o.check.expect == "ok" and o.pan.complete):
            continue
        try:
            comp, reach = pan_coverage(os.path.join(d, "pan.c"),
                                       os.path.join(d, "pan.out"))
        except OSError:
            continue
        c, r = by_model.setdefault(o.check.source, (set(), set()))
        c |= comp
        r |= reach
    checked, dead = 0, []
    for source, (comp, reach) in by_model.items():
        paths = model_inputs(source)
        for (fname, ln), tag in sorted(read_tags(paths).items()):
            if (fname, ln) not in comp:
                continue            # only in the broken variants
            checked += 1
            if (fname, ln) not in reach:
                path = next(p for p in paths
                            if os.path.basename(p) == fname)
                dead.append(f"{os.path.relpath(path, ROOT)}:{ln}: "
                            f"{tag.func}: {tag.meaning} -- no complete "
                            f"search of {os.path.basename(source)} "
                            f"reaches it")
    return checked, dead


def broken_switches(path: str = SWITCHES_MK) -> set[str]:
    with open(path) as f:
        m = re.search(r"^BROKEN_VARS\s*:=\s*(.*)$", f.read(), re.M)
    return set(m.group(1).split()) if m else set()


def check_switch_names(checks: list[Check], switches: set[str]) -> list[str]:
    return [f"tests/models/models.txt:{c.line}: {d} is not a switch of "
            f"scripts/switches.mk (a model-only variant must not end in "
            f"_BROKEN)"
            for c in checks for d in c.defines
            if d.endswith("_BROKEN") and d not in switches]


# ==========================================================================
# Reporting
# ==========================================================================

def describe(o: Outcome) -> str:
    c, r = o.check, o.pan
    if o.problem:
        return o.problem.splitlines()[0]
    found = {"ok": "no error", "assert": "assertion violated",
             "end": "invalid end state", "cycle": "acceptance cycle"} \
        .get(r.found, r.found)
    s = (f"{found}; {r.states} states, depth {r.depth}, vector {r.vector} B,"
         f" {r.memory_mb:.0f} MB, {r.seconds:.1f} s"
         f"{'' if c.expect == 'ok' else ' (expected ' + c.expect + ')'}")
    return s


def summary_row(o: Outcome) -> str:
    c, r = o.check, o.pan
    verdict = "PASS" if o.passed else "FAIL"
    if o.problem:
        return f"  {verdict} {c.name:<40} {o.problem.splitlines()[0]}"
    found = r.found if r.found != "ok" else "ok"
    return (f"  {verdict} {c.name:<40} {found:<7} expect {c.expect:<7}"
            f"{r.states:>10} states  vec {r.vector:>4} B  depth "
            f"{r.depth:>5}  {r.memory_mb:>7.1f} MB  {r.seconds:>5.1f} s")


def trail_text(o: Outcome, width: int) -> str:
    paths = model_inputs(o.check.source)
    t = parse_trail(o.trail)
    return render_trail(t, read_tags(paths), read_mem_names(paths), width)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Check the Promela models of tests/models with spin.")
    ap.add_argument("only", nargs="*", help="model or model.variant "
                    "(shell patterns); default: all")
    ap.add_argument("--ktap", action="store_true",
                    help="print one KTAP document (for make host-tests)")
    ap.add_argument("--list", action="store_true",
                    help="list the checks and exit")
    ap.add_argument("--no-trails", action="store_true",
                    help="do not print the counterexamples")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--width", type=int,
                    default=max(100, shutil.get_terminal_size((132, 24))
                                .columns))
    a = ap.parse_args(argv)
    only = [p for w in a.only for p in w.replace(",", " ").split()]

    try:
        checks = select(read_table(), only)
    except (OSError, ValueError) as e:
        print(f"verify: {e}", file=sys.stderr)
        return 2
    if a.list:
        for c in checks:
            print(f"{c.name:<42} {c.kind:<9} expect {c.expect:<7} "
                  f"{' '.join('-D' + d for d in c.defines)}")
        return 0
    if not checks:
        print(f"verify: no check matches {' '.join(only)}", file=sys.stderr)
        return 2

    out = print
    t0 = time.monotonic()
    ver = spin_version()
    problems: list[str] = []
    if not ver or not shutil.which("gcc"):
        problems.append("spin (Debian package spin) or gcc is missing: "
                        "run `make deps`")

    # The C functions the models name, and the switch names.
    defined = c_definitions()
    named, missing = check_names(model_files(), defined)
    try:
        bad_switch = check_switch_names(read_table(), broken_switches())
    except OSError as e:
        bad_switch = [f"scripts/switches.mk: {e}"]

    outcomes: list[Outcome] = []
    if not problems:
        if not a.ktap:
            out(f"verify: {len(checks)} checks of "
                f"{len(dict.fromkeys(c.model for c in checks))} models "
                f"({ver.split(' --')[0]}; {a.jobs} at a time; "
                f"build/verify/)")
        # The big searches first (`opt` marks them), so that the last to
        # finish is a small one; results in the table's order.
        order = sorted(checks, key=lambda c: not c.optimize)
        with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
            futures = {c.name: ex.submit(run_check, c, ver) for c in order}
            shown = set()
            for c in checks:
                o = futures[c.name].result()
                outcomes.append(o)
                if not a.ktap:
                    if c.model not in shown:
                        shown.add(c.model)
                        out(f"  {c.model}: {model_bounds(c.source)}")
                    out(summary_row(o))
                    if o.problem:
                        out(textwrap.indent(o.problem, "      "))
    elapsed = time.monotonic() - t0
    npass = sum(o.passed for o in outcomes)
    nfail = len(outcomes) - npass

    nsteps, dead = dead_steps(outcomes)

    if a.ktap:
        n = len(checks) + 2
        lines = ktap.version(name="verify") + [ktap.plan(n)]
        diag = lambda text: lines.extend(ktap.diagnostic(text))  # noqa: E731
        shown = set()
        for k, c in enumerate(checks, 1):
            if c.model not in shown:
                shown.add(c.model)
                diag(f"{c.model}: {model_bounds(c.source)}")
            o = next((x for x in outcomes if x.check is c), None)
            if o is None:
                diag(f"{c.name}: {problems[0]}")
                lines.append(ktap.result(k, "fail", c.name))
                continue
            diag(f"{c.name}: {describe(o)}")
            if not o.passed:
                if o.problem:
                    diag(o.problem)
                else:
                    diag(f"expected {c.expect}, spin found {o.pan.found}"
                         f"{': ' + o.pan.error_text if o.pan.error_text else ''}")
                    if o.trail:
                        diag(trail_text(o, a.width))
            lines.append(ktap.result(k, "pass" if o.passed else "fail",
                                     c.name))
        diag(f"c_functions_exist: {len(named)} C functions named by the "
             f"models, {len(missing)} missing")
        for m in missing + bad_switch:
            diag(m)
        lines.append(ktap.result(n - 1, "fail" if missing or bad_switch
                                 else "pass",
                                 "c_functions_exist"))
        diag(f"tagged_steps_reached: {nsteps} tagged steps of the correct "
             f"models, {len(dead)} never reached")
        for m in dead:
            diag(m)
        lines.append(ktap.result(n, "fail" if dead else "pass",
                                 "tagged_steps_reached"))
        diag(f"verify: {npass} passed, {nfail + len(problems)} failed "
             f"({elapsed:.1f} s)")
        out("\n".join(lines))
    else:
        if not a.no_trails:
            for o in outcomes:
                if o.trail and o.pan.found != "ok":
                    label = {"assert": "assertion violated",
                             "end": "invalid end state (a CPU waits forever)",
                             "cycle": "acceptance cycle (under weak "
                                      "fairness)"}[o.pan.found]
                    out("")
                    out(f"== {o.check.name}: {label}"
                        f"{' -- as expected' if o.passed else ' -- UNEXPECTED'}")
                    out(f"   replay: cd build/verify/{o.check.name} && spin -T -t"
                        f" -p -k {os.path.basename(o.check.source)}.trail "
                        f"{' '.join(spin_args(o.check))} "
                        f"../../../tests/models/{o.check.model}.pml")
                    out(trail_text(o, a.width))
        out("")
        out(f"verify: {len(named)} C functions named by the models' tags, "
            f"{len(missing)} tags naming one not defined in "
            f"{', '.join(C_DIRS)}")
        for m in missing + bad_switch:
            out(f"  FAIL {m}")
        out(f"verify: {nsteps} tagged steps in the correct models' "
            f"complete searches, {nsteps - len(dead)} of them reached")
        for m in dead:
            out(f"  FAIL {m}")
        for p in problems:
            out(f"verify: {p}")
        total_states = sum(o.pan.states for o in outcomes)
        peak = max((o.pan.memory_mb for o in outcomes), default=0.0)
        out(f"verify: {npass} passed, {nfail + len(problems)} failed"
            f"{', ' + str(len(missing)) + ' missing C functions' if missing else ''}"
            f"{', ' + str(len(dead)) + ' steps never reached' if dead else ''}"
            f" ({total_states} states in all, peak {peak:.0f} MB per run, "
            f"{elapsed:.1f} s)")
    ok = not (problems or nfail or missing or bad_switch or dead)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
