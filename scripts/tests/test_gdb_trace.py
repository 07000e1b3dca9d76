#!/usr/bin/env python3
"""scripts/tests/test_gdb_trace.py - `kernel-trace` against a halted kernel.

Boots the default configuration's ELF (2 CPUs, TCG, `trace=on`, no work:
it runs to the monitor prompt) with QEMU's gdb stub on a free port, lets
gdb attach (which stops every vCPU), and runs `kernel-trace 12` in batch
mode: the header line must count rings and events, and the 12 lines after
it must be events of events.def in timestamp order, each on a CPU that
exists.  About 3 seconds.  Skipped, not passed, where gdb (with Python) or
the built ELF is missing.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import harness

import qemucmd
import traceparse

ELF = os.path.join(harness.ROOT, "build", "rcu-ipi-vma", "kernel.elf")
GDB_DIR = os.path.join(harness.ROOT, "scripts", "gdb")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class KernelTrace(unittest.TestCase):
    def setUp(self):
        if not shutil.which("gdb"):
            self.skipTest("gdb is not installed")
        if not os.path.exists(ELF):
            self.skipTest(f"{ELF} is not built (make)")

    def run_gdb(self, count: int) -> str:
        port = free_port()
        tmp = tempfile.mkdtemp(prefix="gdbtrace-")
        log = os.path.join(tmp, "serial.log")
        cmd = qemucmd.build_qemu_cmd(kernel=ELF, boot="direct", cpus=2, accel="tcg",
                                     cmdline="trace=on", serial_log=log,
                                     extra=["-gdb", f"tcp:127.0.0.1:{port}"])
        q = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with open(log, errors="replace") if os.path.exists(log) else open(os.devnull) as f:
                    if "kernel> " in f.read():
                        break
                time.sleep(0.2)
            else:
                self.fail("the kernel did not reach its monitor prompt in 60 s")
            time.sleep(0.3)     # a few ticks' worth of events
            p = subprocess.run(["gdb", "-q", "-batch", "-nx", ELF,
                                "-ex", "set architecture i386:x86-64",
                                "-ex", f"target remote 127.0.0.1:{port}",
                                "-ex", f"source {os.path.join(GDB_DIR, 'trace.py')}",
                                "-ex", f"kernel-trace {count}",
                                "-ex", "kernel-trace x"],
                               capture_output=True, text=True, timeout=60)
            return p.stdout + p.stderr
        finally:
            q.kill()
            q.wait()
            shutil.rmtree(tmp, ignore_errors=True)

    def test_last_events_of_a_halted_kernel(self):
        out = self.run_gdb(12)
        if "Python scripting is not supported" in out:
            self.skipTest("this gdb has no Python")
        head = re.search(r"^trace: on \(mask 0x[0-9a-f]+\), (\d+) events in (\d+) rings", out, re.M)
        self.assertTrue(head, out)
        self.assertEqual(int(head.group(2)), 2, out)
        self.assertGreaterEqual(int(head.group(1)), 12, out)
        names = {t.name for t in traceparse.read_table().types}
        lines = re.findall(r"^\s*(-?[0-9.]+) us  cpu(\d+)\s+(\S+)", out, re.M)
        self.assertEqual(len(lines), 12, out)
        times = [float(t) for t, _, _ in lines]
        self.assertEqual(times, sorted(times), out)
        self.assertEqual(times[-1], 0.0, out)
        for _, cpu, name in lines:
            self.assertIn(name, names, out)
            self.assertIn(int(cpu), (0, 1), out)
        # Bad input: an error message, not a Python traceback.
        self.assertIn("usage: kernel-trace [N]", out)
        self.assertNotIn("Traceback", out)


if __name__ == "__main__":
    harness.main()
