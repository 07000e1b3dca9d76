#!/usr/bin/env python3
"""benchlog.py - the BENCH lines of a serial log: the benchmarks' parser.

The kernel prints one line per result, anywhere in a line (other CPUs'
output may precede it):

    BENCH {"name": .., "config": .., "cpus": .., "accel": .., "metric": ..,
           "value": .., "unit": .., "runs": .., "min": .., "max": .., "x": ..}
    BENCH-ERROR {"name": .., "message": ..}
    BENCH-HOST {"host_cores": ..}      (appended by bench.py after a boot)
    PROFILE {"name": .., "config": .., "cpus": .., "accel": .., "hz": ..,
             "samples": .., "kernel": .., "user": .., "outside": ..,
             "functions": [{"fn": .., "samples": ..}, ..],
             "user_programs": [{"name": .., "samples": ..}, ..],
             "locks": [{"class": .., "spin_cycles": .., "contended": ..,
                        "acquired": ..}, ..],
             "sleeps": [{"where": .., "from": .., "count": ..}, ..],
             "sleeps_other": ..,
             "tlb": {"shootdowns": .., "ipis_sent": .., "flushes_received": ..,
                     "pages_flushed": .., "full_flushes": .., "wait_cycles": ..}}
                                       (after each benchmark, with profile=1)

parse_log() turns them into result rows (the CSV columns of benchreport.py)
and a list of errors: a BENCH-ERROR, a malformed or incomplete BENCH line.
`name`, `metric` and `value` are required; `x` defaults to -1 (no
independent variable), min/max to the value, config/cpus/accel to the
boot's; an optional `xlabel` names x.  Every row also gets the host's
cores (`host_cores`: the BENCH-HOST line, else what the caller says, else
empty) and `overcommitted` (`yes` when cpus > host_cores, `no`, or empty
when the cores are unknown): a spinning vCPU on an overcommitted host
burns the time slice of the one it waits for, so such timings do not
carry over.

A PROFILE line (`make bench PROFILE=1`, docs/performance.md) becomes one
entry of scan.profiles (parse_profile()); a malformed one is an error like
a malformed BENCH line.  It names no result, so it never stands in for a
benchmark's missing BENCH lines.

Python 3.11 standard library only.
"""

from __future__ import annotations

import json
import math
import re
import sys
from dataclasses import dataclass, field

_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Anywhere in a line: other CPUs' output may precede it.
_BENCH_RE = re.compile(r"BENCH(-ERROR|-HOST)?\s+(?=\{)")
_PROFILE_RE = re.compile(r"PROFILE\s+(?=\{)")


def warn(msg: str) -> None:
    print(f"bench: {msg}", file=sys.stderr, flush=True)


@dataclass
class LogScan:
    results: list[dict] = field(default_factory=list)   # CSV rows
    errors: list[str] = field(default_factory=list)  # BENCH-ERROR, bad lines
    names: set = field(default_factory=set)   # benchmarks that said anything
    lines: list[str] = field(default_factory=list)
    profiles: list[dict] = field(default_factory=list)  # PROFILE lines


def _num(v, what: str):
    """A JSON number (int or float, finite); bool is not a number."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or \
            (isinstance(v, float) and not math.isfinite(v)):
        raise ValueError(f"{what} is not a number: {v!r}")
    return v


def parse_log(text: str, where: str = "log", config: str | None = None,
              cpus: int | None = None, accel: str | None = None,
              host_cores: int | None = None) -> LogScan:
    """Collect the BENCH and BENCH-ERROR lines of a serial log.

    config/cpus/accel are what the boot was started with: they fill fields
    the kernel left out, and a mismatch with what it printed is warned
    about (the kernel's own value is kept: it is what ran).
    """
    scan = LogScan(lines=_ANSI_RE.sub("", text.replace("\r", ""))
                   .splitlines())
    dec = json.JSONDecoder()
    for n, line in enumerate(scan.lines, 1):
        p = _PROFILE_RE.search(line)
        if p:
            try:
                obj, _ = dec.raw_decode(line, p.end())
                scan.profiles.append(parse_profile(obj, config, cpus, accel))
            except (ValueError, TypeError) as e:
                scan.errors.append(f"{where}:{n}: malformed PROFILE line "
                                   f"({e}): {line.strip()[:200]}")
            continue
        m = _BENCH_RE.search(line)
        if not m:
            continue
        is_error = m.group(1) == "-ERROR"
        try:
            obj, _ = dec.raw_decode(line, m.end())
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            scan.errors.append(f"{where}:{n}: malformed BENCH line ({e}): "
                               f"{line.strip()}")
            continue
        if m.group(1) == "-HOST":
            hc = obj.get("host_cores")
            if isinstance(hc, int) and not isinstance(hc, bool) and hc > 0:
                host_cores = hc
            continue
        name = str(obj.get("name", "?"))
        scan.names.add(name)
        if is_error:
            scan.errors.append(f"{where}:{n}: BENCH-ERROR {name}: "
                               f"{obj.get('message', '(no message)')}")
            continue
        try:
            row = _row(obj, config, cpus, accel)
        except (ValueError, TypeError) as e:
            scan.errors.append(f"{where}:{n}: bad BENCH line ({e}): "
                               f"{line.strip()}")
            continue
        for key, want in (("config", config), ("cpus", cpus),
                          ("accel", accel)):
            if want is not None and key in obj and obj[key] != want:
                warn(f"{where}:{n}: {name} reports {key}={obj[key]!r}, "
                     f"the boot was {key}={want!r}")
        scan.results.append(row)
    mark_overcommit(scan.results, host_cores)
    return scan


def mark_overcommit(rows: list[dict], host_cores: int | None) -> None:
    """Set host_cores and overcommitted (vCPUs > host cores) on every row."""
    for r in rows:
        r["host_cores"] = host_cores if host_cores else ""
        r["overcommitted"] = "" if not host_cores else \
            "yes" if r["cpus"] > host_cores else "no"


def _row(obj: dict, config, cpus, accel) -> dict:
    for k in ("name", "metric", "value"):
        if k not in obj:
            raise ValueError(f"no {k!r}")
    value = _num(obj["value"], "value")
    row = {
        "name": str(obj["name"]),
        "config": str(obj.get("config", config or "?")),
        "cpus": int(_num(obj.get("cpus", cpus if cpus is not None else 0),
                         "cpus")),
        "accel": str(obj.get("accel", accel or "?")),
        "metric": str(obj["metric"]),
        "x": _num(obj.get("x", -1), "x"),
        "value": value,
        "unit": str(obj.get("unit", "")),
        "runs": int(_num(obj.get("runs", 1), "runs")),
        "min": _num(obj.get("min", value), "min"),
        "max": _num(obj.get("max", value), "max"),
    }
    if obj.get("xlabel"):       # optional: what x is, for tables and plots
        row["xlabel"] = str(obj["xlabel"])
    return row


def _count(v, what: str) -> int:
    """A JSON integer >= 0 (samples, cycles); bool is not one."""
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ValueError(f"{what} is not a count: {v!r}")
    return v


def _entries(obj: dict, key: str, label: str, counts: tuple[str, ...]):
    """obj[key]: a list of {label: str, count: int, ...} (missing: [])."""
    items = obj.get(key, [])
    if not isinstance(items, list):
        raise ValueError(f"{key} is not a list")
    out = []
    for i, e in enumerate(items):
        if not isinstance(e, dict) or not isinstance(e.get(label), str):
            raise ValueError(f"{key}[{i}] has no {label!r}")
        out.append({label: e[label], **{c: _count(e.get(c, 0),
                                                  f"{key}[{i}].{c}")
                                        for c in counts}})
    return out


# The TLB statistics of a PROFILE line, in the order the report shows them.
TLB_COUNTS = ("shootdowns", "ipis_sent", "flushes_received", "pages_flushed",
              "full_flushes", "wait_cycles")


def parse_profile(obj, config: str | None = None, cpus: int | None = None,
                  accel: str | None = None) -> dict:
    """One PROFILE object as a dict: name, config, cpus, accel, hz,
    samples, kernel, user, outside, functions [{fn, samples}],
    user_programs [{name, samples}], locks [{class, spin_cycles,
    contended, acquired}], sleeps [{where, from, count}], sleeps_other,
    tlb {shootdowns, ipis_sent, flushes_received, pages_flushed,
    full_flushes, wait_cycles} ({} from a kernel that sent none).
    Fields the kernel left out take the boot's
    values (or 0, or []); a wrong type raises ValueError."""
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    if not isinstance(obj.get("name"), str) or not obj["name"]:
        raise ValueError("no 'name'")
    prof = {
        "name": obj["name"],
        "config": str(obj.get("config", config or "?")),
        "cpus": _count(obj.get("cpus", cpus if cpus is not None else 0),
                       "cpus"),
        "accel": str(obj.get("accel", accel or "?")),
    }
    for k in ("hz", "samples", "kernel", "user", "outside"):
        prof[k] = _count(obj.get(k, 0), k)
    prof["functions"] = _entries(obj, "functions", "fn", ("samples",))
    prof["user_programs"] = _entries(obj, "user_programs", "name",
                                     ("samples",))
    prof["locks"] = _entries(obj, "locks", "class",
                             ("spin_cycles", "contended", "acquired"))
    prof["sleeps"] = _entries(obj, "sleeps", "where", ("count",))
    for i, e in enumerate(obj.get("sleeps", [])):
        if not isinstance(e.get("from", ""), str):
            raise ValueError(f"sleeps[{i}].from is not a string")
        prof["sleeps"][i]["from"] = e.get("from", "?")
    prof["sleeps_other"] = _count(obj.get("sleeps_other", 0), "sleeps_other")
    tlb = obj.get("tlb", {})
    if not isinstance(tlb, dict):
        raise ValueError("tlb is not an object")
    prof["tlb"] = {k: _count(tlb[k], f"tlb.{k}") for k in TLB_COUNTS if k in tlb}
    return prof
