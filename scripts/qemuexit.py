#!/usr/bin/env python3
"""qemuexit.py - how a QEMU run of this kernel ended: the exit protocol.

The kernel ends a run through isa-debug-exit (iobase 0xf4); QEMU then exits
with (value << 1) | 1.  The values are kernel/panic.h's EXIT_* defines,
read from that file when this module is imported (the one place they are
written):
    EXIT_PASS 0x10 -> 33     EXIT_FAIL 0x11 -> 35
    EXIT_PANIC 0x12 -> 37    EXIT_POWEROFF 0x00 -> 1
QEMU exits 0 on a guest reset under -no-reboot (a triple fault), so 0 is
never success here; the SHUTDOWN reason from QMP (qemuproc.QmpWatcher)
tells a triple fault (guest-reset) from an ACPI poweroff or a quit.

classify() turns QEMU's status into one of CLASSES; CLI_STATUS is the exit
status `qemu.py` gives for each.  Guarantees: every class has a CLI
status; 0 is "pass" only when the kernel wrote EXIT_PASS.  Python 3.11
standard library only.
"""

from __future__ import annotations

import os
import re

from qemuproc import ROOT

PANIC_H = os.path.join(ROOT, "kernel", "panic.h")


def read_exit_values(path: str = PANIC_H) -> dict[str, int]:
    """The isa-debug-exit values the kernel writes: {'PASS': 0x10, ...},
    from the `#define EXIT_<NAME> <number>` lines of kernel/panic.h."""
    with open(path) as f:
        text = f.read()
    values = {m.group(1): int(m.group(2), 0) for m in re.finditer(
        r"^#define\s+EXIT_([A-Z]+)\s+(0[xX][0-9a-fA-F]+|\d+)\b", text,
        re.M)}
    missing = {"PASS", "FAIL", "PANIC", "POWEROFF"} - values.keys()
    if missing:
        raise ValueError(f"{path}: no #define EXIT_{min(missing)}")
    return values


def qemu_status(value: int) -> int:
    """QEMU's exit status when the guest writes value to isa-debug-exit."""
    return (value << 1) | 1


EXIT_VALUES = read_exit_values()
EXIT_PASS = qemu_status(EXIT_VALUES["PASS"])          # 33
EXIT_FAIL = qemu_status(EXIT_VALUES["FAIL"])          # 35
EXIT_PANIC = qemu_status(EXIT_VALUES["PANIC"])        # 37
EXIT_POWEROFF = qemu_status(EXIT_VALUES["POWEROFF"])  # 1 (also QEMU's error)
EXIT_RESET = 0                   # guest reset under -no-reboot

CLASSES = ("pass", "fail", "panic", "hang", "triple-fault", "poweroff",
           "qemu-error", "ignored-key", "monitor")

# Exit status of `qemu.py` (headless mode) per classification.
CLI_STATUS = {"pass": 0, "fail": 1, "panic": 2, "triple-fault": 3,
              "poweroff": 4, "qemu-error": 5, "ignored-key": 6, "monitor": 7,
              "hang": 124}


def classify(code: int | None, timed_out: bool, stderr: str = "",
             shutdown_reason: str | None = None) -> str:
    """One of CLASSES (but ignored-key and monitor, which only the log
    tells: qemurun.check_started()) from how QEMU ended."""
    if timed_out:
        return "hang"
    if code == EXIT_PASS:
        return "pass"
    if code == EXIT_FAIL:
        return "fail"
    if code == EXIT_PANIC:
        return "panic"
    if code == EXIT_RESET:
        if shutdown_reason and shutdown_reason != "guest-reset":
            # ACPI poweroff (guest-shutdown) or a host-side quit.
            return "poweroff"
        return "triple-fault"
    if code == EXIT_POWEROFF and not stderr.strip():
        # isa-debug-exit 0x00; QEMU's own errors print a message.
        return "poweroff"
    return "qemu-error"
