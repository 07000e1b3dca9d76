#!/usr/bin/env python3
"""qemuinteractive.py - `make run` and `make debug`: QEMU on the terminal.

run_interactive() hands the terminal to QEMU (serial and the muxed
monitor on stdio: Ctrl-A X quits, Ctrl-A C toggles the monitor) and maps
how it ended to the status make sees:

    PASS (33) or poweroff (1)          0
    FAIL (35), PANIC (37)              passed through, with the verdict
    0 and QMP SHUTDOWN guest-reset     3, with a loud triple-fault banner
    0 with no SHUTDOWN event           0 (QEMU was quit), with the banner
    0 after an ACPI poweroff or quit   0
    anything else                      QEMU's own status

Guarantees: a stray ^C on the terminal does not orphan QEMU (SIGINT is
ignored here while QEMU runs; QEMU puts the terminal in raw mode itself);
the QMP socket's directory is removed afterwards.  Python 3.11 standard
library only.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile

from qemuexit import EXIT_FAIL, EXIT_PANIC, EXIT_PASS, EXIT_POWEROFF, \
    EXIT_RESET
from qemuproc import QmpWatcher, log


def run_interactive(cmd: list[str]) -> int:
    """Hand the terminal to QEMU; map its status for make run."""
    log("serial on this terminal; Ctrl-A X quits, Ctrl-A C toggles the "
        "QEMU monitor")
    tmpdir = tempfile.mkdtemp(prefix="qemu-py-")
    qmp = os.path.join(tmpdir, "qmp.sock")
    cmd = cmd + ["-qmp", f"unix:{qmp},server=on,wait=off"]
    watcher = QmpWatcher(qmp)
    # QEMU gets SIGINT from the terminal itself only in raw mode it sets up;
    # ignore it here so that a stray ^C does not orphan QEMU.
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        p = subprocess.Popen(cmd)
        watcher.start()
        code = p.wait()
    finally:
        signal.signal(signal.SIGINT, old)
        watcher.stop = True
        watcher.join(timeout=1)
        shutil.rmtree(tmpdir, ignore_errors=True)
    return interactive_status(code, watcher.reason)


def interactive_status(code: int, reason: str | None) -> int:
    """make's status for QEMU's code and SHUTDOWN reason (table above)."""
    if code in (EXIT_PASS, EXIT_POWEROFF):
        return 0
    if code == EXIT_FAIL:
        log(f"kernel verdict: FAIL (exit {code})")
    elif code == EXIT_PANIC:
        log(f"kernel verdict: PANIC (exit {code})")
    elif code == EXIT_RESET:
        if reason == "guest-reset" or reason is None:
            bar = "!" * 72
            sys.stderr.write(
                f"\n{bar}\n!!! QEMU exited 0: the guest RESET (triple fault "
                f"under -no-reboot){'' if reason else ', or QEMU was quit'}"
                f".\n!!! Re-run headless with --trace-log FILE (TCG) to log "
                f"the exception chain.\n{bar}\n")
            return 3 if reason else 0
        return 0                # ACPI poweroff or quit from the monitor
    return code
