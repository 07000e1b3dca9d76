#!/usr/bin/env python3
"""scripts/tests/test_qemu.py - the launcher's exit codes and command line.

The exit codes come from kernel/panic.h (read, not copied); a boot's end
is classified from QEMU's status; the command line is built for both boot
paths.  No QEMU is started.
"""

import os
import tempfile
import unittest

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
