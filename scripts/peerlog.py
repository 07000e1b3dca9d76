#!/usr/bin/env python3
"""peerlog.py - the RESULT lines of user/bin/scale.c in a serial log.

`scale` prints one line per run, in this kernel and under Linux alike
(docs/peer.md):

    RESULT test=page_fault1 threads=2 total=56912 ms=2026 per_sec=28090
           per_sec_per_thread=14045 min_per_sec=19978 max_per_sec=36219
           windows=2

(one line; the last three fields are optional: an older scale did not
print them).  Another CPU's output may precede it on the line.  The Linux
peer's /init (bench/peer/init.c) adds PEER-UNAME, PEER-INIT, PEER-ERROR
and PEER-DONE lines; the runners append a `BENCH-HOST {"host_cores": N}`
line after each boot (as scripts/bench.py does).

parse_log() returns a Scan: the results, the errors (a malformed RESULT
line, a PEER-ERROR), the Linux uname and whether init finished.
read_log() reads a whole boot's log, either system's; rows() turns
results into the result rows of benchlog.py (name `scale`,
metric `iterations_per_s_<test>`, x = threads), so that this kernel's and
Linux's figures go through the same reports; scaling_rows() adds the
thread-scaling view (metric `scaling_<test>`: the rate at x threads over
the rate at 1 thread of the same boot and series).

Python 3.11 standard library only.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlog  # noqa: E402

_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_RESULT_RE = re.compile(r"RESULT((?:\s+[a-z_]+=\S*)+)\s*$")
_PAIR_RE = re.compile(r"([a-z_]+)=(\S*)")
_HOST_RE = re.compile(r'BENCH-HOST\s+\{"host_cores":\s*(\d+)\}')
REQUIRED = ("test", "threads", "total", "ms", "per_sec")
NUMBERS = ("threads", "total", "ms", "per_sec", "per_sec_per_thread",
           "min_per_sec", "max_per_sec", "windows")
SHAPES = ("page_fault1", "tlb_flush2", "mmap1")
# scale's controls: page_fault1 beside a neighbour on one more vCPU
# (user/bin/scale.c).  The neighbour takes a vCPU of its own, so they run
# at 1..cpus-1 threads, and each is read against page_fault1 alone
# (CONTROL_BASE) at one thread of the same boot.  `bench=scale` and the
# Linux peer's /init run the first two (BENCHED); the others, beside a
# faulting process or a thread that populates mappings, are for runs by
# hand (docs/performance.md, findings 22 and 23) and parse like the rest.
CONTROLS = ("page_fault1_beside_writer", "page_fault1_beside_adder",
            "page_fault1_beside_process", "page_fault1_beside_populate")
CONTROL_BASE = "page_fault1"
TESTS = SHAPES + CONTROLS
BENCHED = SHAPES + CONTROLS[:2]
BENCH = "scale"
UNIT = "iterations/s"
PEER = "linux"           # the Linux peer's series, where a config would be


def metric_of(test: str) -> str:
    return f"iterations_per_s_{test}"


@dataclass
class Scan:
    results: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    uname: str = ""              # PEER-UNAME's text (Linux only)
    done: bool = False           # PEER-DONE seen (Linux only)
    cpus: int | None = None      # PEER-INIT cpus= (Linux only)
    accel: str = ""              # PEER-INIT accel= (Linux only)
    host_cores: int | None = None    # BENCH-HOST, appended after a boot
    lines: list[str] = field(default_factory=list)

    @property
    def linux(self) -> bool:
        """A log of the Linux peer's boot (its /init said something)."""
        return bool(self.uname) or self.cpus is not None


def parse_result(line: str) -> dict | None:
    """The fields of a RESULT line ({'test': .., 'threads': 2, ..}), None
    when the line has none; ValueError when it is malformed (a required
    field missing, a number that is not one, an unknown test)."""
    m = _RESULT_RE.search(line)
    if not m:
        return None
    fields = dict(_PAIR_RE.findall(m.group(1)))
    missing = [k for k in REQUIRED if k not in fields]
    if missing:
        raise ValueError(f"no {', '.join(missing)}")
    out: dict = {}
    for k, v in fields.items():
        if k in NUMBERS:
            if not re.fullmatch(r"\d+", v):
                raise ValueError(f"{k}={v!r} is not a number")
            out[k] = int(v)
        else:
            out[k] = v
    if out["test"] not in TESTS:
        raise ValueError(f"unknown test {out['test']!r}")
    if out["threads"] < 1 or out["ms"] < 1:
        raise ValueError("threads and ms must be at least 1")
    return out


def parse_log(text: str, where: str = "log") -> Scan:
    scan = Scan(lines=_ANSI_RE.sub("", text.replace("\r", "")).splitlines())
    for n, line in enumerate(scan.lines, 1):
        if "PEER-UNAME " in line:
            scan.uname = line.split("PEER-UNAME ", 1)[1].strip()
        elif "PEER-INIT " in line:
            kv = dict(_PAIR_RE.findall(line.split("PEER-INIT ", 1)[1]))
            if kv.get("cpus", "").isdigit():
                scan.cpus = int(kv["cpus"])
            scan.accel = kv.get("accel", "")
        elif m := _HOST_RE.search(line):
            scan.host_cores = int(m.group(1)) or None
        elif "PEER-DONE" in line:
            scan.done = True
        elif "PEER-ERROR" in line:
            scan.errors.append(f"{where}:{n}: {line.strip()}")
        try:
            r = parse_result(line)
        except ValueError as e:
            scan.errors.append(f"{where}:{n}: malformed RESULT line ({e}): "
                               f"{line.strip()}")
            continue
        if r is not None:
            scan.results.append(r)
    return scan


def read_log(text: str, where: str = "log", boot: str = "",
             config: str | None = None, cpus: int | None = None,
             accel: str | None = None) -> tuple[Scan, list[dict]]:
    """A boot's log, of Linux or of this kernel: (its Scan, its rows).
    Linux's rows have config PEER, cpus and accel from PEER-INIT; this
    kernel's take config, cpus and accel from its scale BENCH lines (else
    the arguments), and its BENCH-ERROR lines are errors."""
    scan = parse_log(text, where)
    if scan.linux:
        config, cpus, accel = PEER, scan.cpus or cpus, scan.accel or accel
    else:
        b = benchlog.parse_log(text, where, config, cpus, accel)
        scan.errors += b.errors
        first = next((r for r in b.results if r["name"] == BENCH), None)
        if first:
            config, cpus, accel = first["config"], first["cpus"], \
                first["accel"]
    return scan, rows(scan.results, config or "?", cpus or 0, accel or "?",
                      scan.host_cores, boot)


def thread_counts(test: str, cpus: int) -> range:
    """The thread counts a boot of @cpus vCPUs runs @test at: 1..cpus, a
    control 1..cpus-1 (its neighbour takes a vCPU of its own)."""
    return range(1, cpus + 1 - (test in CONTROLS))


def base_test(test: str) -> str:
    """What @test's rate is divided by (at one thread) in its scaling
    row: itself, and page_fault1 alone for a control."""
    return CONTROL_BASE if test in CONTROLS else test


def missing_runs(results: list[dict], cpus: int) -> list[str]:
    """The (test, threads) runs a boot of @cpus vCPUs should have made
    (BENCHED, at thread_counts()) and gave no result for."""
    have = {(r["test"], r["threads"]) for r in results}
    return [f"{t} threads={n}" for t in BENCHED for n in thread_counts(t, cpus)
            if (t, n) not in have]


def rows(results: list[dict], config: str, cpus: int, accel: str,
         host_cores: int | None = None, boot: str = "") -> list[dict]:
    """benchlog.py's result rows for RESULT fields: value per_sec, min..max
    the one-second windows (per_sec when not printed), runs = windows."""
    out = []
    for r in results:
        v = r["per_sec"]
        row = dict(name=BENCH, config=config, cpus=cpus, accel=accel,
                   metric=metric_of(r["test"]), x=r["threads"], value=v,
                   unit=UNIT, runs=r.get("windows", 1),
                   min=r.get("min_per_sec", v), max=r.get("max_per_sec", v),
                   host_cores=host_cores or "",
                   overcommitted="" if not host_cores else
                   "yes" if cpus > host_cores else "no")
        if boot:
            row["boot"] = boot
        out.append(row)
    return out


def scaling_rows(results: list[dict]) -> list[dict]:
    """For each `scale` row at x threads, a row of metric scaling_<test>:
    its value over the value at x = 1 of the same boot, config, cpus and
    accel (unit `x`; min = max = value, runs 1; at x = 1 it is 1, which
    starts each line of the plot).  None without x = 1.  A control is
    divided by page_fault1's value at x = 1 instead (base_test()): at one
    thread, what its neighbour alone takes from the faulter."""
    base = {}
    for r in results:
        if r["name"] == BENCH and r["metric"].startswith("iterations_per_s_") \
                and r["x"] == 1:
            base[(r["config"], r["cpus"], r["accel"], r.get("boot", ""),
                  r["metric"])] = r["value"]
    out = []
    for r in results:
        if r["name"] != BENCH or not r["metric"].startswith(
                "iterations_per_s_"):
            continue
        test = r["metric"].removeprefix("iterations_per_s_")
        one = base.get((r["config"], r["cpus"], r["accel"],
                        r.get("boot", ""), metric_of(base_test(test))))
        if not one:
            continue
        v = r["value"] / one
        out.append(dict(r, metric="scaling_" +
                        r["metric"].removeprefix("iterations_per_s_"),
                        value=v, min=v, max=v, runs=1, unit="x"))
    return out


def linux_version(uname: str, info: dict | None = None) -> str:
    """`Linux 6.1.0-57-cloud-amd64 (Debian 6.1.192-3)`: the uname init
    printed (sysname release, and the distribution's version from the
    version string), else the package's, else ''."""
    m = re.match(r"(\S+) (\S+) (.*) (\S+)$", uname or "")
    if m:
        dist = re.search(r"Debian (\S+)", m.group(3))
        return f"{m.group(1)} {m.group(2)}" + \
            (f" (Debian {dist.group(1)})" if dist else "")
    if info:
        return f"Linux {info.get('release', '?')} (package " \
            f"{info.get('package', '?')} {info.get('version', '?')})"
    return ""
