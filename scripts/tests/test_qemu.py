#!/usr/bin/env python3
"""scripts/tests/test_qemu.py - the launcher: exit codes, command line, runs.

The modules behind scripts/qemu.py: the exit codes come from
kernel/panic.h (qemuexit.py, read, not copied); a boot's end is
classified from QEMU's status; the command line is built for both boot
paths (qemucmd.py); a kernel that ignored its ktest=/bench= key or sat at
the monitor prompt is recognised in real logs, and run_qemu() stops such
a boot at once (qemurun.py; a stand-in QEMU that writes a real log and
then waits); the interactive status table (qemuinteractive.py); the CLI
refuses a missing image.  No QEMU is started.  The accelerator choice is
test_qemuaccel.py's.
"""

import contextlib
import io
import os
import sys
import tempfile
import textwrap
import time
import unittest
from unittest import mock

import harness

import qemu
import qemucmd
import qemuexit
import qemuinteractive
import qemuproc
import qemurun


class ExitCodes(unittest.TestCase):
    def test_read_from_panic_h(self):
        self.assertEqual(qemuexit.PANIC_H, os.path.join(harness.ROOT, "kernel",
                                                    "panic.h"))
        v = qemuexit.read_exit_values()
        self.assertEqual([qemuexit.qemu_status(v[k]) for k in
                          ("PASS", "FAIL", "PANIC", "POWEROFF")],
                         [qemuexit.EXIT_PASS, qemuexit.EXIT_FAIL, qemuexit.EXIT_PANIC,
                          qemuexit.EXIT_POWEROFF])
        # The protocol as docs/testing.md states it.
        self.assertEqual((qemuexit.EXIT_PASS, qemuexit.EXIT_FAIL, qemuexit.EXIT_PANIC,
                          qemuexit.EXIT_POWEROFF), (33, 35, 37, 1))

    def test_parse(self):
        with tempfile.NamedTemporaryFile("w", suffix=".h") as f:
            f.write("#define EXIT_POWEROFF 0\n#define EXIT_PASS 0x20\n"
                    "#define  EXIT_FAIL\t33\n#define EXIT_PANIC 0X22 /* x */\n"
                    "#define EXIT_SEGV_LIKE 139\n")
            f.flush()
            self.assertEqual(qemuexit.read_exit_values(f.name),
                             {"POWEROFF": 0, "PASS": 0x20, "FAIL": 33,
                              "PANIC": 0x22})
        with tempfile.NamedTemporaryFile("w", suffix=".h") as f:
            f.write("#define EXIT_PASS 0x10\n#define EXIT_FAIL 0x11\n"
                    "#define EXIT_POWEROFF 0\n")
            f.flush()
            with self.assertRaisesRegex(ValueError, "EXIT_PANIC"):
                qemuexit.read_exit_values(f.name)


class Classify(unittest.TestCase):
    def test_statuses(self):
        c = qemuexit.classify
        self.assertEqual(c(qemuexit.EXIT_PASS, False), "pass")
        self.assertEqual(c(qemuexit.EXIT_FAIL, False), "fail")
        self.assertEqual(c(qemuexit.EXIT_PANIC, False), "panic")
        self.assertEqual(c(None, True), "hang")
        self.assertEqual(c(qemuexit.EXIT_PASS, True), "hang")
        self.assertEqual(c(0, False), "triple-fault")
        self.assertEqual(c(0, False, "", "guest-reset"), "triple-fault")
        self.assertEqual(c(0, False, "", "guest-shutdown"), "poweroff")
        self.assertEqual(c(qemuexit.EXIT_POWEROFF, False), "poweroff")
        self.assertEqual(c(1, False, "qemu: could not load kernel"),
                         "qemu-error")
        self.assertEqual(c(2, False), "qemu-error")

    def test_every_class_has_a_cli_status(self):
        self.assertEqual(set(qemuexit.CLASSES), set(qemuexit.CLI_STATUS))


IGNORED = "bench-ignored-key-monitor-cpus2.log"
NOT_REFUSED = ["boot-pass-cpus2.log", "boot-pass-all-cpus1.log",
               "boot-hang-timeout-cpus2.log", "boot-hang-no-long-mode.log",
               "boot-panic-early-mem2M.log", "bench-rcu-ipi-spf-cpus2.log",
               "bench-rcu-ipi-spf-cpus1.log"]


class Refused(unittest.TestCase):
    def test_ignored_key(self):
        cls, why = qemurun.check_started(harness.fixture(IGNORED), "bench")
        self.assertEqual(cls, "ignored-key")
        self.assertIn("ignored its bench= key", why)
        self.assertIn("cmdline: value too long at column 0 ('bench=", why)

    def test_monitor_without_an_ignored_line(self):
        # The same log without the line that says why: the prompt alone.
        text = "".join(ln for ln in harness.fixture(IGNORED)
                       .splitlines(True) if "too long" not in ln)
        cls, why = qemurun.check_started(text, "bench")
        self.assertEqual(cls, "monitor")
        self.assertIn("'kernel> '", why)
        self.assertEqual(qemurun.check_started(text, "ktest")[0], "monitor")

    def test_other_keys_and_started_boots_are_not_refused(self):
        # The boot suite feeds params_apply() `ktest=` after KTAP started
        # (boot-pass-*): not the boot's own key being ignored.
        for name in NOT_REFUSED:
            for key in ("ktest", "bench"):
                self.assertIsNone(qemurun.check_started(harness.fixture(name),
                                                     key), (name, key))
        # Another key ignored is not this boot's business; the prompt is.
        self.assertEqual(qemurun.check_started(harness.fixture(IGNORED),
                                            "ktest")[0], "monitor")

    def test_every_message_form(self):
        for line in ("cmdline: bad value 'x' for 'ktest' (expected all); "
                     "ignored",
                     "cmdline: 'bench' needs a value (bench=all); ignored",
                     "cmdline: too many parameters at column 9 ('ktest=a');"
                     " ignored"):
            key = "ktest" if "ktest" in line else "bench"
            self.assertEqual(qemurun.check_started(f"[ 0.1] {line}\r\n", key)[0],
                             "ignored-key", line)

    def test_run_qemu_stops_at_once(self):
        """A stand-in QEMU writes the real log to its serial file and then
        sleeps: run_qemu() must stop it long before the timeout."""
        with tempfile.TemporaryDirectory() as d:
            fake = os.path.join(d, "qemu")
            with open(fake, "w") as f:
                f.write(textwrap.dedent(f"""\
                    #!{sys.executable}
                    import sys, time
                    a = sys.argv[sys.argv.index("-chardev") + 1]
                    path = a.split("path=", 1)[1]
                    src = open({os.path.join(harness.FIXTURES, IGNORED)!r}).read()
                    with open(path, "w") as f:
                        f.write(src[:len(src) // 3])
                        f.flush()
                        time.sleep(0.5)
                        f.write(src[len(src) // 3:])
                    time.sleep(60)
                    """))
            os.chmod(fake, 0o755)
            log = os.path.join(d, "serial.log")
            with mock.patch.object(qemuproc, "QEMU", fake):
                t0 = time.monotonic()
                res = qemurun.run_qemu(dict(kernel="k.elf", accel="tcg",
                                         cmdline="bench=x"), log, 50,
                                    watch_key="bench")
            self.assertLess(time.monotonic() - t0, 20)
            self.assertEqual(res.classification, "ignored-key")
            self.assertIn("value too long", res.reason)
            self.assertEqual(qemuexit.CLI_STATUS[res.classification], 6)


class CommandLine(unittest.TestCase):
    def test_direct(self):
        cmd = qemucmd.build_qemu_cmd(kernel="k.elf", cpus=4, mem="1G",
                                  accel="tcg", cmdline="ktest=all",
                                  serial_log="s.log")
        self.assertEqual(cmd[:10], [qemuproc.QEMU, "-M", "pc", "-m", "1G",
                                    "-smp", "4", "-no-reboot", "-display",
                                    "none"])
        for part in (["-bios", qemuproc.QBOOT, "-kernel", "k.elf"],
                     ["-append", "ktest=all"],
                     ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
                     ["-accel", "tcg,thread=multi", "-cpu", "max"],
                     ["-chardev", "file,id=ser0,path=s.log"]):
            i = cmd.index(part[0])
            self.assertEqual(cmd[i:i + len(part)], part)

    def test_grub_and_errors(self):
        cmd = qemucmd.build_qemu_cmd(iso="k.iso", boot="grub", accel="kvm",
                                  interactive=True, gdb=True)
        self.assertIn("-cdrom", cmd)
        self.assertIn("host,-arch-capabilities", cmd)
        self.assertEqual(cmd[-2:], ["-s", "-S"])
        self.assertIn("mon:stdio", cmd)
        self.assertRaises(ValueError, qemucmd.build_qemu_cmd, boot="direct",
                          accel="tcg")
        self.assertRaises(ValueError, qemucmd.build_qemu_cmd, kernel="k",
                          accel="xen")


class Interactive(unittest.TestCase):
    def test_status_table(self):
        st = qemuinteractive.interactive_status
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            self.assertEqual(st(qemuexit.EXIT_PASS, None), 0)
            self.assertEqual(st(qemuexit.EXIT_POWEROFF, None), 0)
            self.assertEqual(st(qemuexit.EXIT_FAIL, None), 35)
            self.assertEqual(st(qemuexit.EXIT_PANIC, None), 37)
            self.assertEqual(st(0, "guest-reset"), 3)
            self.assertEqual(st(0, None), 0)
            self.assertEqual(st(0, "guest-shutdown"), 0)
            self.assertEqual(st(2, None), 2)
        self.assertIn("kernel verdict: PANIC (exit 37)", err.getvalue())
        self.assertEqual(err.getvalue().count("triple fault"), 2)


class Cli(unittest.TestCase):
    def test_missing_image(self):
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = qemu.main(["--kernel", "/nonexistent/k.elf",
                            "--accel", "tcg"])
        self.assertEqual(rc, qemuexit.CLI_STATUS["qemu-error"])
        self.assertIn("does not exist", err.getvalue())

    def test_print_cmd(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = qemu.main(["--kernel", "k.elf", "--accel", "tcg",
                            "--cpus", "2", "--print-cmd",
                            "--cmdline", "ktest=boot"])
        self.assertEqual(rc, 0)
        self.assertIn("-smp 2", out.getvalue())
        self.assertIn("-append ktest=boot", out.getvalue())


if __name__ == "__main__":
    harness.main()
