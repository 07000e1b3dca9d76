#!/usr/bin/env python3
"""kbuild.py - build configurations with make and boot them headless.

What the test runner and the benchmark runner share: building each
configuration once (`make -s kernel TABLE_FREE=.. ..`, the path from
`make print-kernel`), a direct (qboot) boot of a kernel under a timeout with
the serial port in a log file (scripts/qemurun.py), and the way both print
what went wrong (a build's error tail, a crashed boot's last log lines and
QEMU's stderr).  Output goes through say(), which holds a lock so that
lines of boots run in parallel threads do not interleave.

Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import matrix  # noqa: E402
import qemurun  # noqa: E402

ROOT = matrix.ROOT
SCRIPT_TESTS = os.path.join(ROOT, "scripts", "tests")
TAIL_LINES = 40

_out_lock = threading.Lock()


def say(msg: str = "") -> None:
    with _out_lock:
        print(msg, flush=True)


def tail(lines: list[str], n: int = TAIL_LINES, mark: str = "|") -> str:
    """The last n lines, indented and marked: `    | line`."""
    return "\n".join(f"    {mark} {ln}" for ln in
                     (lines[-n:] if lines else ["(empty log)"]))


def crash_report(heading: str, lines: list[str], stderr: str,
                 reason: str = "") -> str:
    """A crashed boot: heading, why it was stopped early (if it was), the
    last lines of its log, QEMU's stderr."""
    out = [heading] + ([f"  stopped: {reason}"] if reason else []) + \
        [tail(lines)]
    if stderr.strip():
        out += ["  QEMU stderr:", tail(stderr.strip().splitlines(), 20, "!")]
    return "\n".join(out)


# ==========================================================================
# Building
# ==========================================================================

def _parent_jobserver() -> tuple[bool, tuple[int, ...]]:
    """Is there a parent make's jobserver, and which fds carry it?

    GNU make up to 4.3 passes two pipe fds (`--jobserver-auth=R,W`, or
    `--jobserver-fds=R,W` before 4.2): sub-makes share it only if those
    fds reach them.  Make 4.4 passes a named pipe
    (`--jobserver-auth=fifo:PATH`): sub-makes open it by name, no fd to
    pass.  Fds that are not open here (make closes them for a recipe it
    does not know to be a make) mean no jobserver."""
    flags = os.environ.get("MAKEFLAGS", "")
    m = re.search(r"--jobserver-auth=fifo:(\S+)", flags)
    if m:
        return os.path.exists(m.group(1)), ()
    m = re.search(r"--jobserver-(?:auth|fds)=(\d+),(\d+)", flags)
    if not m:
        return False, ()
    fds = []
    for fd in (int(m.group(1)), int(m.group(2))):
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            return False, ()
    return True, tuple(fds)


def make_jobs() -> list[str]:
    """Make's -j for a build: none under a parent make's jobserver (it
    hands out the slots), else one job per host core.  Builds run before
    any boot of the same run, so they never compete with a QEMU (cores:
    those this process may run on, not the machine's count): a serial
    build left one of this 2-core host's cores idle, two minutes of a
    `make test`."""
    return [] if _parent_jobserver()[0] else [f"-j{len(os.sched_getaffinity(0)) or 1}"]


def run_make(args: list[str], cwd: str = ROOT) -> tuple[int, str, str]:
    p = subprocess.run(["make", *make_jobs(), *args], cwd=cwd,
                       capture_output=True, text=True,
                       pass_fds=_parent_jobserver()[1])
    return p.returncode, p.stdout, p.stderr


def build_config(config: str, extra: list[str]) -> tuple[str | None, str]:
    """Build one configuration; return (kernel.elf path, error text)."""
    v = matrix.config_vars(config, extra)
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


def build_all(configs, extra: list[str]) -> dict[str, str | None]:
    """Build each configuration once; {config: kernel path, None if failed}.

    Prints `building <config> ...` and, for a failed build, the tail of
    make's output.
    """
    kernels = {}
    for c in dict.fromkeys(configs):
        say(f"building {c}{' ' + ' '.join(extra) if extra else ''} ...")
        path, err = build_config(c, extra)
        kernels[c] = path
        if path is None:
            say(f"  FAILED build of {c}:\n" +
                tail(err.strip().splitlines()))
    return kernels


# ==========================================================================
# Booting
# ==========================================================================

def boot(kernel: str, cpus: int, cmdline: str, log_path: str, accel: str,
         mem: str, timeout: float) -> tuple[qemurun.RunResult, str]:
    """Boot directly (qboot) headless; return (QEMU's result, the log).

    The first key of cmdline (ktest=, bench=) is what the boot is for: a
    kernel that ignores it or reaches the monitor prompt is stopped at once
    (classification "ignored-key" or "monitor", RunResult.reason says why;
    qemurun.check_started()).
    """
    key = cmdline.split()[0].split("=", 1)[0] if cmdline.split() else None
    res = qemurun.run_qemu(dict(kernel=kernel, boot="direct", cpus=cpus,
                                mem=mem, accel=accel, cmdline=cmdline),
                           log_path, timeout, watch_key=key)
    with open(log_path, errors="replace") as f:
        return res, f.read()


# ==========================================================================
# The options both runners take
# ==========================================================================

def add_common_args(ap: argparse.ArgumentParser, timeout_help: str) -> None:
    """--accel, --mem, --timeout, --list, --self-test."""
    ap.add_argument("--accel", help="auto|kvm|tcg (default auto)")
    ap.add_argument("--mem", help="guest memory (default 512M)")
    ap.add_argument("--timeout", help=f"seconds per boot ({timeout_help})")
    ap.add_argument("--list", action="store_true",
                    help="print the builds and boots, run nothing")
    ap.add_argument("--self-test", action="store_true",
                    help="run the scripts' own tests (scripts/tests/), no "
                         "QEMU")


def common_from_args(ap: argparse.ArgumentParser, a) -> None:
    """Convert what add_common_args() parsed, in place (ap.error()s)."""
    try:
        a.timeout = float(matrix.opt(a.timeout)) \
            if matrix.opt(a.timeout) else None
    except ValueError as e:
        ap.error(f"--timeout: {e}")
    a.mem = matrix.opt(a.mem) or "512M"


def self_test() -> int:
    """The scripts' own tests, as plain unittest (no KTAP, no QEMU)."""
    return subprocess.call([sys.executable, "-m", "unittest", "discover",
                            "-s", SCRIPT_TESTS, "-t", SCRIPT_TESTS])
