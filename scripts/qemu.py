#!/usr/bin/env python3
"""qemu.py - the QEMU launcher's command line (make run/debug, by hand).

    scripts/qemu.py --kernel ELF | --iso ISO [--boot direct|grub]
                    [--cpus N] [--mem 512M] [--accel auto|kvm|tcg]
                    [--cmdline "..."] [--gdb] [--interactive]
                    [--timeout SEC] [--log FILE] [--trace-log FILE]
                    [--watch-key KEY] [--qemu-arg ARG]... [--print-cmd]

Only the options live here; the work is in one module per job:

    qemuproc.py         where QEMU is, killing its process group, QMP events
    qemuexit.py         the isa-debug-exit protocol (kernel/panic.h) and
                        classify(): how a run ended
    qemuaccel.py        KVM or TCG: auto, the PVM check, the KVM probe
    qemucmd.py          build_qemu_cmd(): the one QEMU command line
    qemurun.py          a headless boot: log, timeout, ignored key, result
    qemuinteractive.py  make run / make debug on the terminal

Interactive (`make run`/`make debug`): the status of
qemuinteractive.interactive_status().  Headless (--log/--timeout, or
neither: serial on stdout): prints `result: CLASS (exit N, T s)` on
stderr and exits with qemuexit.CLI_STATUS (0 pass, 1 fail, 2 panic,
3 triple-fault, 4 poweroff, 5 qemu-error, 6 ignored-key, 7 monitor,
124 hang).  Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemuaccel import resolve_accel              # noqa: E402
from qemucmd import build_qemu_cmd               # noqa: E402
from qemuexit import CLI_STATUS                  # noqa: E402
from qemuinteractive import run_interactive      # noqa: E402
from qemuproc import log                         # noqa: E402
from qemurun import RunResult, run_qemu, run_stdout  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description="Boot the kernel in QEMU (direct/qboot or GRUB ISO).")
    ap.add_argument("--kernel", help="kernel.elf (direct boot)")
    ap.add_argument("--iso", help="GRUB rescue ISO (grub boot)")
    ap.add_argument("--boot", choices=("direct", "grub"), default="direct")
    ap.add_argument("--cpus", type=int, default=1)
    ap.add_argument("--mem", default="512M")
    ap.add_argument("--accel", choices=("auto", "kvm", "tcg"), default="auto")
    ap.add_argument("--cmdline", default="",
                    help="kernel command line (direct boot only)")
    ap.add_argument("--gdb", action="store_true",
                    help="gdb stub on :1234, CPU halted at reset (-s -S)")
    ap.add_argument("--interactive", action="store_true",
                    help="serial (and muxed monitor) on this terminal")
    ap.add_argument("--timeout", type=float, default=None,
                    help="headless: kill QEMU after SEC seconds (hang)")
    ap.add_argument("--log", help="headless: serial output to FILE")
    ap.add_argument("--trace-log", metavar="FILE",
                    help="headless: QEMU -d int,cpu_reset,guest_errors "
                         "-D FILE (triple-fault forensics, TCG)")
    ap.add_argument("--watch-key", metavar="KEY",
                    help="headless with --log: stop at once when the kernel "
                         "ignores KEY= (ktest, bench) or reaches the monitor "
                         "prompt before running what it asks")
    ap.add_argument("--qemu-arg", action="append", default=[],
                    metavar="ARG", help="extra QEMU argument (repeatable)")
    ap.add_argument("--print-cmd", action="store_true",
                    help="print the QEMU command line and exit")
    a = ap.parse_args(argv)
    image = a.kernel if a.boot == "direct" else a.iso
    if not image:
        ap.error(f"--boot {a.boot} needs "
                 f"{'--kernel' if a.boot == 'direct' else '--iso'}")
    a.image = image
    return a


def report(res: RunResult) -> int:
    """QEMU's stderr, why it was stopped early, the `result:` line;
    return the CLI status."""
    if res.stderr.strip():
        sys.stderr.write(res.stderr if res.stderr.endswith("\n")
                         else res.stderr + "\n")
    code_s = "stopped early" if res.reason else "killed at timeout" \
        if res.exit_code is None else f"exit {res.exit_code}"
    if res.reason:
        print(f"qemu.py: {res.reason}", file=sys.stderr)
    print(f"result: {res.classification} ({code_s}, {res.duration:.1f}s)",
          file=sys.stderr)
    return CLI_STATUS[res.classification]


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    if a.boot == "grub" and a.cmdline:
        log("warning: --cmdline is ignored with --boot grub "
            "(the command line is baked into the ISO's grub.cfg)")
    cmdline = a.cmdline if a.boot == "direct" else ""
    if not a.print_cmd and not os.path.exists(a.image):
        log(f"error: {a.image} does not exist (build it first)")
        return CLI_STATUS["qemu-error"]

    accel = resolve_accel(a.accel)
    kwargs = dict(kernel=a.kernel, iso=a.iso, boot=a.boot, cpus=a.cpus,
                  mem=a.mem, accel=accel, cmdline=cmdline, gdb=a.gdb,
                  extra=a.qemu_arg)
    if a.gdb:
        log("gdb stub on localhost:1234, CPUs halted; "
            "attach with `target remote :1234`")

    if a.print_cmd:
        cmd = build_qemu_cmd(**kwargs, interactive=a.interactive,
                             serial_log=None if a.interactive else a.log,
                             trace_log=a.trace_log)
        print(shlex.join(cmd))
        return 0

    if a.interactive:
        if a.log or a.timeout:
            log("warning: --log/--timeout are ignored with --interactive")
        return run_interactive(build_qemu_cmd(**kwargs, interactive=True))

    if a.log:
        res = run_qemu(kwargs, a.log, a.timeout or 1e9, a.trace_log,
                       a.watch_key)
    else:
        res = run_stdout(kwargs, a.timeout, a.trace_log)
    return report(res)


if __name__ == "__main__":
    sys.exit(main())
