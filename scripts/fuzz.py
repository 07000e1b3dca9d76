#!/usr/bin/env python3
"""fuzz.py - the runner behind `make fuzz`: the system-call fuzzer at length.

Boots each configuration of TABLE_FREE x FAULT (rcu, ipi x locked, spf,
vma; SHOOTDOWN at its default) at 2 and 4 CPUs, one boot at a time, with
`ktest=fuzz fuzz=SEED,CALLS,THREADS` (tests/kernel/fuzz.c runs
user/bin/fuzz.c and checks frames and heap afterwards); the calls
(--calls, default 10^6) are shared among the boots, one fuzzing thread
per CPU, seed --seed plus the boot's index.  Each boot's log goes to
build/fuzz-logs/<config>-cpus<N>.log.

Prints a line per boot and the totals: calls made, oopses, BUGs (calls
that succeeded on impossible input), leaked frames and heap bytes, failed
boots.  Exit status 0 iff every boot passed with no oops, BUG or leak.
The design switches and --cpus narrow the matrix, as for `make test`.
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kbuild  # noqa: E402
import matrix  # noqa: E402
from qemuaccel import resolve_accel  # noqa: E402
from kbuild import say  # noqa: E402
from matrix import opt  # noqa: E402

ROOT = matrix.ROOT
LOG_DIR = os.path.join(ROOT, "build", "fuzz-logs")
TABLE_FREE = ["rcu", "ipi"]
FAULT = ["locked", "spf", "vma"]
CPUS = [2, 4]

# The kernel side's summary (tests/kernel/fuzz.c) and the fuzzer's own.
KERNEL_RE = re.compile(r"# fuzz: seed (\d+) calls (\d+) threads (\d+) status "
                       r"(-?\d+) leaked frames (-?\d+) heap bytes (-?\d+)")
USER_RE = re.compile(r"fuzz: seed \d+, (\d+) calls from .*?, (\d+) bugs")
OOPS_RE = re.compile(r"-\[ oops on CPU|Kernel panic on CPU")


def plan(cpus=None, switches=None):
    """[(config, cpus)]: TABLE_FREE x FAULT x CPUS, narrowed."""
    switches = {k: v for k, v in (switches or {}).items() if v}
    out = []
    for tf in TABLE_FREE:
        for fault in FAULT:
            vals = {"TABLE_FREE": tf, "FAULT": fault}
            cfg = "-".join(switches.get(s.name, vals.get(s.name, s.default))
                           for s in matrix.SWITCHES)
            if any(vals.get(k, v) != v for k, v in switches.items()):
                continue
            for n in cpus or CPUS:
                if (cfg, n) not in out:
                    out.append((cfg, n))
    return out


def describe_status(st) -> str:
    """The fuzzer's wait status in words (kernel/proc/uapi/wait.h)."""
    if st is None:
        return "none"
    if st & 0x7f:
        return f"killed by signal {st & 0x7f}"
    code = (st >> 8) & 0xff
    if code == 111:
        return "exit 111 (an execve that must fail ran exectest)"
    return f"exit {code}"


def scan(text: str) -> dict:
    """What one boot's log says: calls, BUGs, status, leaks, oopses."""
    k = KERNEL_RE.search(text)
    u = USER_RE.search(text)
    return dict(calls=int(u.group(1)) if u else 0,
                bugs=int(u.group(2)) if u else 0,
                status=int(k.group(4)) if k else None,
                frames=int(k.group(5)) if k else None,
                heap=int(k.group(6)) if k else None,
                oopses=len(OOPS_RE.findall(text)),
                bug_lines=[ln.strip() for ln in text.splitlines()
                           if "fuzz: BUG:" in ln][:5])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Run the system-call fuzzer "
                                 "across configurations.")
    ap.add_argument("--calls", default="1000000",
                    help="calls in all, shared among the boots")
    ap.add_argument("--seed", default="1")
    matrix.add_narrowing_args(ap, "--names", argparse.SUPPRESS)
    ap.add_argument("--accel", default="tcg")
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args(argv)
    narrow = matrix.narrowing_from_args(ap, a, None)
    boots = plan(narrow.cpus, narrow.switches)
    if not boots:
        print("fuzz: nothing to run after narrowing", file=sys.stderr)
        return 2
    total, seed = int(opt(a.calls) or 1000000), int(opt(a.seed) or 1)
    each = max(1, -(-total // len(boots)))
    if a.list:
        for i, (c, n) in enumerate(boots):
            say(f"boot  {c} cpus={n} fuzz={seed + i},{each},{n}")
        return 0
    accel = resolve_accel(opt(a.accel) or "tcg")
    kernels = kbuild.build_all((c for c, _ in boots), [])
    os.makedirs(LOG_DIR, exist_ok=True)
    tot = dict(calls=0, bugs=0, oopses=0, frames=0, heap=0, failed=0)
    t0 = time.monotonic()
    for i, (cfg, n) in enumerate(boots):
        label = f"[{i + 1}/{len(boots)}] {cfg} cpus={n}"
        if not kernels[cfg]:
            tot["failed"] += 1
            continue
        log = os.path.join(LOG_DIR, f"{cfg}-cpus{n}.log")
        # TCG on this 2-core host makes about 400-800 calls a second.
        timeout = 120 + each / 150 * (1 + (n > 2))
        res, text = kbuild.boot(kernels[cfg], n,
                                f"ktest=fuzz fuzz={seed + i},{each},{n}",
                                log, accel, a.mem, timeout)
        s = scan(text)
        # No summary line (0 calls): the fuzzer did not end as itself.
        ok = res.classification == "pass" and s["status"] == 0 and \
            s["frames"] == 0 and s["heap"] == 0 and not s["oopses"] and \
            s["calls"] > 0
        for k in ("calls", "bugs", "oopses"):
            tot[k] += s[k]
        tot["frames"] += s["frames"] or 0
        tot["heap"] += s["heap"] or 0
        tot["failed"] += not ok
        say(f"{label} {accel}: {s['calls']} calls, {s['bugs']} bugs, "
            f"{s['oopses']} oopses, leaked {s['frames']} frames "
            f"{s['heap']} heap bytes, status {describe_status(s['status'])} "
            f"({res.duration:.1f}s) {'PASS' if ok else 'FAIL ' + res.classification}")
        for ln in s["bug_lines"]:
            say(f"  {ln}")
        if not ok:
            say(kbuild.crash_report(f"  log: {os.path.relpath(log)}",
                                    text.splitlines(), res.stderr,
                                    res.reason))
    say(f"fuzz: {tot['calls']} calls in {len(boots)} boots "
        f"({time.monotonic() - t0:.0f}s): {tot['oopses']} oopses, "
        f"{tot['bugs']} bugs, {tot['frames']} leaked frames, "
        f"{tot['heap']} leaked heap bytes, {tot['failed']} failed boots")
    return 0 if not tot["failed"] and not tot["bugs"] else 1


if __name__ == "__main__":
    sys.exit(main())
