#!/usr/bin/env python3
"""qemuproc.py - a QEMU child process: where QEMU is, how to stop it, QMP.

Every QEMU the launcher starts (a boot, an interactive run, the KVM probe)
runs in a session of its own, so that kill_group() can stop it and
anything it started in one signal.  QmpWatcher connects to the QMP socket
QEMU was given and remembers two things: the reason of its SHUTDOWN event
(which tells a triple fault, reason guest-reset, from an ACPI poweroff or
a quit) and whether the VM is stopped (a STOP event with no RESUME, as
after "KVM internal error").  log() is the launcher's one way to speak:
`qemu.py: ...` on stderr.

Guarantees: the paths here (QEMU, QBOOT) are read at call time by the
other qemu*.py modules, so a test can point QEMU at a stand-in; nothing
here starts a process.  Python 3.11 standard library only.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
QBOOT = "/usr/share/qemu/qboot.rom"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(msg: str) -> None:
    """The launcher's messages: `qemu.py: msg` on stderr."""
    print(f"qemu.py: {msg}", file=sys.stderr, flush=True)


def kill_group(p: subprocess.Popen) -> None:
    """Kill QEMU and anything it started (it runs in its own session)."""
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        try:
            p.kill()
        except ProcessLookupError:
            pass
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


class QmpWatcher(threading.Thread):
    """Connects to QEMU's QMP socket and remembers the SHUTDOWN reason."""

    def __init__(self, path: str):
        super().__init__(daemon=True)
        self.path = path
        self.reason: str | None = None
        self.stopped_at: float | None = None   # last STOP without RESUME
        self.stop = False

    def run(self) -> None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        deadline = time.monotonic() + 10
        try:
            while True:
                try:
                    s.connect(self.path)
                    break
                except OSError:
                    if self.stop or time.monotonic() > deadline:
                        return
                    time.sleep(0.02)
            s.sendall(b'{"execute": "qmp_capabilities"}\n')
            buf = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    return
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    self._event(line)
        except OSError:
            return
        finally:
            s.close()

    def _event(self, line: bytes) -> None:
        """One QMP message: note STOP, RESUME and SHUTDOWN's reason."""
        try:
            msg = json.loads(line)
        except ValueError:
            return
        ev = msg.get("event")
        if ev == "STOP":
            self.stopped_at = time.monotonic()
        elif ev == "RESUME":
            self.stopped_at = None
        elif ev == "SHUTDOWN":
            self.reason = msg.get("data", {}).get("reason", "unknown")
