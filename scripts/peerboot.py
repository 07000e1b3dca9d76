#!/usr/bin/env python3
"""peerboot.py - one boot of each side of `make peer`, and what it asks.

What scripts/peer.py (`make peer`) and scripts/compare.py (experiment E0)
share: the `scale=SECONDS,WARMUP,MIB` parameters and how each system is
given them (this kernel: `bench=scale scale=...` on its command line;
Linux: `peer_scale=...`, which Linux hands to /init as an environment
variable), the boots' timeouts, the Linux boot itself (the same
qemurun.run_qemu() and so the same QEMU machine as every boot of this
kernel, plus `-initrd`), and what counts as a problem in a boot.
Guarantees: nothing here fetches or builds (peerimage.py does); every boot
runs under a timeout; each log ends with bench.py's BENCH-HOST line.
Python 3.11 standard library and QEMU.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peerlog   # noqa: E402
import qemurun   # noqa: E402

# Linux's command line: the serial console, the two settings the first by-hand
# measurement used (no transparent huge pages: 4 KiB faults as here; no
# 5-level paging, which -cpu max offers), quiet, and panic=-1 so that a
# failed power-off ends the VM at once under -no-reboot.
LINUX_APPEND = ("console=ttyS0 transparent_hugepage=never no5lvl quiet "
                "panic=-1")
DEFAULT_SCALE = (2, 1, 128)


def parse_scale(s: str | None) -> tuple[int, int, int]:
    """'SECONDS,WARMUP,MIB' (fields optional from the end) -> a tuple;
    ValueError out of range (the kernel's and init's limits)."""
    val = list(DEFAULT_SCALE)
    parts = s.split(",") if s else []
    if len(parts) > 3:
        raise ValueError(f"{s!r}: want SECONDS,WARMUP,MIB")
    for i, (p, lo, hi) in enumerate(zip(parts, (1, 0, 1),
                                        (3600, 3600, 4096))):
        if not p.isdigit() or not lo <= int(p) <= hi:
            raise ValueError(f"{s!r}: field {i + 1} must be {lo}..{hi}")
        val[i] = int(p)
    return tuple(val)


def scale_of_cmdline(words: str) -> tuple[int, int, int]:
    """The scale= value of a kernel command line (defaults without)."""
    for w in words.split():
        if w.startswith("scale="):
            return parse_scale(w.removeprefix("scale="))
    return DEFAULT_SCALE


def scale_words(scale) -> str:
    return ",".join(map(str, scale))


def kernel_cmdline(scale) -> str:
    return f"bench=scale scale={scale_words(scale)}"


def linux_cmdline(scale) -> str:
    return f"{LINUX_APPEND} peer_scale={scale_words(scale)}"


def run_seconds(cpus: int, scale) -> int:
    """How long the runs of one boot take: 3 shapes x cpus runs, and the
    2 controls x (cpus - 1) runs (peerlog.thread_counts())."""
    runs = sum(len(peerlog.thread_counts(t, cpus)) for t in peerlog.BENCHED)
    return runs * (scale[0] + scale[1])


def kernel_timeout(cpus: int, scale) -> float:
    """This kernel boots in well under a second; 3x the runs' time."""
    return 120.0 + 3 * run_seconds(cpus, scale)


def linux_timeout(cpus: int, scale) -> float:
    """Linux boots in 5-60 s under TCG on a busy 2-core host."""
    return 240.0 + 3 * run_seconds(cpus, scale)


def append_host(log_path: str) -> None:
    """The BENCH-HOST line bench.py appends after each boot."""
    with open(log_path, "a") as f:
        f.write(f'\nBENCH-HOST {{"host_cores": {os.cpu_count() or 0}}}\n')


def boot_linux(info: dict, initrd: str, cpus: int, scale, accel: str,
               mem: str, timeout: float, log_path: str):
    """Boot the peer once (info: peerimage.image()); (qemurun.RunResult,
    the log's text)."""
    res = qemurun.run_qemu(dict(kernel=info["vmlinuz"], boot="direct",
                                cpus=cpus, mem=mem, accel=accel,
                                cmdline=linux_cmdline(scale),
                                extra=["-initrd", initrd]),
                           log_path, timeout)
    append_host(log_path)
    with open(log_path, errors="replace") as f:
        return res, f.read()


def boot_problems(label: str, classification: str, scan, cpus: int,
                  linux: bool, reason: str = "") -> list[str]:
    """What went wrong in one boot: its errors, how it ended (Linux must
    power off, this kernel's benchmark boot must pass), the runs of
    1..cpus threads that gave no RESULT."""
    out = list(scan.errors)
    ok = "poweroff" if linux else "pass"
    if classification != ok and not (linux and scan.done):
        out.append(f"{label}: boot {classification}" +
                   (f": {reason}" if reason else ""))
    elif classification != ok:
        out.append(f"{label}: init finished but the power-off failed "
                   f"(boot {classification})")
    missing = peerlog.missing_runs(scan.results, cpus)
    if missing:
        out.append(f"{label}: no RESULT for {', '.join(missing)}")
    return out
