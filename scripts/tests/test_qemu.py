#!/usr/bin/env python3
"""scripts/tests/test_qemu.py - the launcher's exit codes and command line.

The exit codes come from kernel/panic.h (read, not copied); a boot's end
is classified from QEMU's status; the command line is built for both boot
paths; a kernel that ignored its ktest=/bench= key or sat at the monitor
prompt is recognised in real logs, and run_qemu() stops such a boot at
once (a stand-in QEMU that writes a real log and then waits).  No QEMU is
started.
"""

import os
import sys
import tempfile
import textwrap
import time
import unittest
from unittest import mock

import harness

import qemu


class ExitCodes(unittest.TestCase):
    def test_read_from_panic_h(self):
        self.assertEqual(qemu.PANIC_H, os.path.join(harness.ROOT, "kernel",
                                                    "panic.h"))
        v = qemu.read_exit_values()
        self.assertEqual([qemu.qemu_status(v[k]) for k in
                          ("PASS", "FAIL", "PANIC", "POWEROFF")],
                         [qemu.EXIT_PASS, qemu.EXIT_FAIL, qemu.EXIT_PANIC,
                          qemu.EXIT_POWEROFF])
        # The protocol as docs/testing.md states it.
        self.assertEqual((qemu.EXIT_PASS, qemu.EXIT_FAIL, qemu.EXIT_PANIC,
                          qemu.EXIT_POWEROFF), (33, 35, 37, 1))

    def test_parse(self):
        with tempfile.NamedTemporaryFile("w", suffix=".h") as f:
            f.write("#define EXIT_POWEROFF 0\n#define EXIT_PASS 0x20\n"
                    "#define  EXIT_FAIL\t33\n#define EXIT_PANIC 0X22 /* x */\n"
                    "#define EXIT_SEGV_LIKE 139\n")
            f.flush()
            self.assertEqual(qemu.read_exit_values(f.name),
                             {"POWEROFF": 0, "PASS": 0x20, "FAIL": 33,
                              "PANIC": 0x22})
        with tempfile.NamedTemporaryFile("w", suffix=".h") as f:
            f.write("#define EXIT_PASS 0x10\n#define EXIT_FAIL 0x11\n"
                    "#define EXIT_POWEROFF 0\n")
            f.flush()
            with self.assertRaisesRegex(ValueError, "EXIT_PANIC"):
                qemu.read_exit_values(f.name)


class Classify(unittest.TestCase):
    def test_statuses(self):
        c = qemu.classify
        self.assertEqual(c(qemu.EXIT_PASS, False), "pass")
        self.assertEqual(c(qemu.EXIT_FAIL, False), "fail")
        self.assertEqual(c(qemu.EXIT_PANIC, False), "panic")
        self.assertEqual(c(None, True), "hang")
        self.assertEqual(c(qemu.EXIT_PASS, True), "hang")
        self.assertEqual(c(0, False), "triple-fault")
        self.assertEqual(c(0, False, "", "guest-reset"), "triple-fault")
        self.assertEqual(c(0, False, "", "guest-shutdown"), "poweroff")
        self.assertEqual(c(qemu.EXIT_POWEROFF, False), "poweroff")
        self.assertEqual(c(1, False, "qemu: could not load kernel"),
                         "qemu-error")
        self.assertEqual(c(2, False), "qemu-error")

    def test_every_class_has_a_cli_status(self):
        self.assertEqual(set(qemu.CLASSES), set(qemu.CLI_STATUS))


IGNORED = "bench-ignored-key-monitor-cpus2.log"
NOT_REFUSED = ["boot-pass-cpus2.log", "boot-pass-all-cpus1.log",
               "boot-hang-timeout-cpus2.log", "boot-hang-no-long-mode.log",
               "boot-panic-early-mem2M.log", "bench-rcu-ipi-spf-cpus2.log",
               "bench-rcu-ipi-spf-cpus1.log"]


class Refused(unittest.TestCase):
    def test_ignored_key(self):
        cls, why = qemu.check_started(harness.fixture(IGNORED), "bench")
        self.assertEqual(cls, "ignored-key")
        self.assertIn("ignored its bench= key", why)
        self.assertIn("cmdline: value too long at column 0 ('bench=", why)

    def test_monitor_without_an_ignored_line(self):
        # The same log without the line that says why: the prompt alone.
        text = "".join(ln for ln in harness.fixture(IGNORED)
                       .splitlines(True) if "too long" not in ln)
        cls, why = qemu.check_started(text, "bench")
        self.assertEqual(cls, "monitor")
        self.assertIn("'kernel> '", why)
        self.assertEqual(qemu.check_started(text, "ktest")[0], "monitor")

    def test_other_keys_and_started_boots_are_not_refused(self):
        # The boot suite feeds params_apply() `ktest=` after KTAP started
        # (boot-pass-*): not the boot's own key being ignored.
        for name in NOT_REFUSED:
            for key in ("ktest", "bench"):
                self.assertIsNone(qemu.check_started(harness.fixture(name),
                                                     key), (name, key))
        # Another key ignored is not this boot's business; the prompt is.
        self.assertEqual(qemu.check_started(harness.fixture(IGNORED),
                                            "ktest")[0], "monitor")

    def test_every_message_form(self):
        for line in ("cmdline: bad value 'x' for 'ktest' (expected all); "
                     "ignored",
                     "cmdline: 'bench' needs a value (bench=all); ignored",
                     "cmdline: too many parameters at column 9 ('ktest=a');"
                     " ignored"):
            key = "ktest" if "ktest" in line else "bench"
            self.assertEqual(qemu.check_started(f"[ 0.1] {line}\r\n", key)[0],
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
            with mock.patch.object(qemu, "QEMU", fake):
                t0 = time.monotonic()
                res = qemu.run_qemu(dict(kernel="k.elf", accel="tcg",
                                         cmdline="bench=x"), log, 50,
                                    watch_key="bench")
            self.assertLess(time.monotonic() - t0, 20)
            self.assertEqual(res.classification, "ignored-key")
            self.assertIn("value too long", res.reason)
            self.assertEqual(qemu.CLI_STATUS[res.classification], 6)


class CommandLine(unittest.TestCase):
    def test_direct(self):
        cmd = qemu.build_qemu_cmd(kernel="k.elf", cpus=4, mem="1G",
                                  accel="tcg", cmdline="ktest=all",
                                  serial_log="s.log")
        self.assertEqual(cmd[:10], [qemu.QEMU, "-M", "pc", "-m", "1G",
                                    "-smp", "4", "-no-reboot", "-display",
                                    "none"])
        for part in (["-bios", qemu.QBOOT, "-kernel", "k.elf"],
                     ["-append", "ktest=all"],
                     ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
                     ["-accel", "tcg,thread=multi", "-cpu", "max"],
                     ["-chardev", "file,id=ser0,path=s.log"]):
            i = cmd.index(part[0])
            self.assertEqual(cmd[i:i + len(part)], part)

    def test_grub_and_errors(self):
        cmd = qemu.build_qemu_cmd(iso="k.iso", boot="grub", accel="kvm",
                                  interactive=True, gdb=True)
        self.assertIn("-cdrom", cmd)
        self.assertIn("host,-arch-capabilities", cmd)
        self.assertEqual(cmd[-2:], ["-s", "-S"])
        self.assertIn("mon:stdio", cmd)
        self.assertRaises(ValueError, qemu.build_qemu_cmd, boot="direct",
                          accel="tcg")
        self.assertRaises(ValueError, qemu.build_qemu_cmd, kernel="k",
                          accel="xen")


if __name__ == "__main__":
    harness.main()
