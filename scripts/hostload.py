#!/usr/bin/env python3
"""hostload.py - how busy the host was around a measurement run.

Timings under TCG depend on the host's cores being free: another QEMU on
a 2-core development machine has put benchmarks and `make compare` off by
up to 100x.  `make bench` and `make compare` therefore take a Snapshot at
the start and at the end of every run (take()): the load averages and
the runnable count of /proc/loadavg, the host's cores, and every
qemu-system process running that this run did not start (its pid and
command line).  The run is **busy** (busy_reasons()) when, at the start
or at the end,

1. a qemu-system process runs that this run did not start, or
2. the load is above the host's cores minus LOAD_MARGIN (0.5): at the
   start, the 1-minute load average; at the end, the number of other
   runnable tasks, averaged over half a second after the last boot
   (the 1-minute average then still holds this run's own boots, which
   would make every run busy; the runnable count is what that average
   averages, taken when this run has nothing left running).

warning() is the one line that says so (the terminal, and in bold under
the reports' title: markdown_warning()); markdown_bullets() the reports'
header lines; as_json() what each run's meta.json keeps.
Guarantees: reading /proc is all it does; every reader takes its path as
a parameter, so tests give it fake process lists and load files; a
missing /proc gives an empty snapshot, never an exception.  Python 3.11
standard library only.
"""

from __future__ import annotations

import datetime
import os
import time
from dataclasses import asdict, dataclass, field

LOAD_MARGIN = 0.5
PROC = "/proc"
CMD_SHOWN = 160          # characters of a foreign QEMU's command in reports


@dataclass
class Proc:
    pid: int
    ppid: int
    argv: list[str]


@dataclass
class Snapshot:
    when: str                    # "start" or "end"
    time: str                    # local time, ISO 8601
    cores: int
    load: tuple[float, float, float] | None   # 1-, 5-, 15-minute averages
    runnable: float | None       # other runnable tasks (mean of samples)
    qemus: list[dict] = field(default_factory=list)   # {"pid", "cmd"}


# ==========================================================================
# Reading /proc
# ==========================================================================

def read_loadavg(proc: str = PROC) -> tuple[tuple[float, float, float],
                                             int] | None:
    """((1, 5, 15-minute load), runnable tasks now) from proc/loadavg."""
    try:
        with open(os.path.join(proc, "loadavg")) as f:
            parts = f.read().split()
        running = int(parts[3].split("/")[0])
        return (float(parts[0]), float(parts[1]), float(parts[2])), running
    except (OSError, IndexError, ValueError):
        return None


def list_processes(proc: str = PROC) -> list[Proc]:
    """Every process of proc/ with its parent and argv (kernel threads,
    with an empty cmdline, and processes that vanish are left out)."""
    out = []
    try:
        names = os.listdir(proc)
    except OSError:
        return out
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(os.path.join(proc, name, "cmdline"), "rb") as f:
                argv = [a.decode(errors="replace")
                        for a in f.read().split(b"\0") if a]
            with open(os.path.join(proc, name, "stat")) as f:
                stat = f.read()
            # pid (comm) state ppid ...; comm may hold spaces and ')'.
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if argv:
            out.append(Proc(int(name), ppid, argv))
    return out


def is_qemu(argv: list[str]) -> bool:
    return bool(argv) and os.path.basename(argv[0]).startswith(
        "qemu-system")


def foreign_qemus(procs: list[Proc], own_pid: int,
                  exclude=()) -> list[dict]:
    """The qemu-system processes of procs that this run did not start:
    neither in exclude nor descended from own_pid."""
    parent = {p.pid: p.ppid for p in procs}

    def ours(pid: int) -> bool:
        seen = set()
        while pid and pid not in seen:
            if pid == own_pid or pid in exclude:
                return True
            seen.add(pid)
            pid = parent.get(pid, 0)
        return False
    return [{"pid": p.pid, "cmd": " ".join(p.argv)}
            for p in sorted(procs, key=lambda p: p.pid)
            if is_qemu(p.argv) and not ours(p.pid)]


def take(when: str, exclude=(), proc: str = PROC, own_pid: int | None = None,
         samples: int = 10, interval: float = 0.05,
         cores: int | None = None) -> Snapshot:
    """The host now: loads, other runnable tasks (the mean of `samples`
    reads of loadavg, less this reader), cores, foreign QEMUs."""
    first = read_loadavg(proc)
    counts = []
    for i in range(samples):
        la = first if i == 0 else read_loadavg(proc)
        if la is not None:
            counts.append(la[1])
        if i + 1 < samples:
            time.sleep(interval)
    runnable = max(0.0, sum(counts) / len(counts) - 1) if counts else None
    own = os.getpid() if own_pid is None else own_pid
    return Snapshot(
        when=when,
        time=datetime.datetime.now().astimezone().isoformat(
            timespec="seconds"),
        cores=cores or os.cpu_count() or 1,
        load=first[0] if first else None,
        runnable=None if runnable is None else round(runnable, 2),
        qemus=foreign_qemus(list_processes(proc), own, set(exclude)))


# ==========================================================================
# The rule and how it is shown
# ==========================================================================

def threshold(cores: int) -> float:
    return cores - LOAD_MARGIN


def rule_load(s: Snapshot) -> tuple[str, float | None]:
    """(what, value): the load the rule reads for this snapshot."""
    if s.when == "start":
        return "1-min load", s.load[0] if s.load else None
    return "other runnable tasks", s.runnable


def busy_reasons(*snaps: Snapshot | None) -> list[str]:
    """Why the host was busy at these snapshots; [] when it was not.
    A foreign QEMU seen at several snapshots is one reason."""
    snaps = [s for s in snaps if s is not None]
    seen: dict[int, list[str]] = {}
    for s in snaps:
        for q in s.qemus:
            seen.setdefault(q["pid"], []).append(s.when)
    pids = ", ".join(f"pid {pid} (at the {' and the '.join(whens)})"
                     for pid, whens in seen.items())
    out = [f"{'other QEMUs were' if len(seen) > 1 else 'another QEMU was'} "
           f"running: {pids}"] if seen else []
    for s in snaps:
        what, v = rule_load(s)
        if v is not None and v > threshold(s.cores):
            out.append(f"{what} {v:.2f} > {threshold(s.cores):g} "
                       f"({s.cores} cores - {LOAD_MARGIN:g}) at the "
                       f"{s.when}")
    return out


def short_cmd(cmd: str) -> str:
    return cmd if len(cmd) <= CMD_SHOWN else cmd[:CMD_SHOWN - 3] + "..."


def warning(reasons: list[str]) -> str:
    """The one warning line, '' when the host was not busy."""
    if not reasons:
        return ""
    return ("WARNING: the host was busy during this run: " +
            "; ".join(reasons) + ". Timings taken on a busy host can be "
            "off by up to 100x: re-run on a quiet host before trusting "
            "them.")


def describe(s: Snapshot) -> str:
    """`1-min load 0.12 (5-min 0.30, 15-min 0.25), 0 other runnable, 2
    cores, other QEMUs: none`."""
    load = (f"1-min load {s.load[0]:.2f} (5-min {s.load[1]:.2f}, 15-min "
            f"{s.load[2]:.2f})" if s.load else "load unknown")
    run = (f"{s.runnable:g} other runnable" if s.runnable is not None
           else "runnable unknown")
    qemus = ", ".join(f"pid {q['pid']}" for q in s.qemus) or "none"
    return f"{load}, {run}, {s.cores} cores, other QEMUs: {qemus}"


def markdown_warning(start: Snapshot | None,
                     end: Snapshot | None) -> list[str]:
    """The warning in bold and a blank line, to go right under the
    report's title; [] when the host was quiet (or nothing was
    recorded)."""
    w = warning(busy_reasons(start, end))
    return [f"**{w}**", ""] if w else []


def markdown_bullets(start: Snapshot | None,
                     end: Snapshot | None) -> list[str]:
    """The report's header bullets: each snapshot, its foreign QEMUs,
    the rule and the verdict."""
    if start is None and end is None:
        return ["- host load: not recorded (results read from logs)"]
    out = []
    for s in (start, end):
        if s is not None:
            out.append(f"- host at the {s.when} ({s.time}): {describe(s)}")
            out += [f"  - other QEMU pid {q['pid']}: `{short_cmd(q['cmd'])}`"
                    for q in s.qemus]
    busy = bool(busy_reasons(start, end))
    out.append(f"- host busy: {'**yes**' if busy else 'no'} (rule: another "
               f"QEMU running, or the 1-min load at the start or the other "
               f"runnable tasks at the end above host cores - "
               f"{LOAD_MARGIN:g})")
    return out


def as_json(start: Snapshot | None, end: Snapshot | None) -> dict:
    """What meta.json keeps: both snapshots, busy or not, and why."""
    reasons = busy_reasons(start, end)
    return {"start": asdict(start) if start else None,
            "end": asdict(end) if end else None,
            "busy": bool(reasons), "reasons": reasons,
            "rule": f"busy if another qemu-system process runs at the start "
                    f"or end, or the 1-min load at the start or the other "
                    f"runnable tasks at the end exceed host cores - "
                    f"{LOAD_MARGIN:g}"}
