#!/usr/bin/env python3
"""scripts/tests/test_runtests.py - what a boot counts for (runtests.py).

evaluate_boot() on real logs of passing, failing, panicking and hung boots
(fixtures/), the report of a failure, the host stage's nested document,
and the command line (`--list`) as the Makefile drives it.
"""

import contextlib
import io
import os
import subprocess
import sys
import unittest

import harness
from harness import fixture

import ktap
import runtests

SUITES_ALL = ["boot", "pmm", "heap", "paging", "smp", "sched", "user",
              "rcu", "tlb"]


def evaluate(name, classification, requested):
    cases, lines, status = runtests.evaluate_boot(
        "L", fixture(name), classification, requested)
    return ktap.counts(cases), status, [c.name for c in cases
                                        if c.status == "fail"]


class RealBoots(unittest.TestCase):
    def test_pass(self):
        self.assertEqual(evaluate("boot-pass-all-cpus1.log", "pass",
                                  SUITES_ALL), ((75, 0, 8), "PASS", []))
        self.assertEqual(evaluate("boot-pass-cpus2.log", "pass",
                                  ["boot", "pmm", "smp", "tlb"]),
                         ((31, 0, 0), "PASS", []))

    def test_fail_spinlock_broken(self):
        # make test SUITES=smp CPUS=2 SPINLOCK_BROKEN=1: the torture fails.
        self.assertEqual(evaluate("boot-fail-spinlock-broken-cpus2.log",
                                  "fail", ["smp"]),
                         ((11, 1, 0), "FAIL", ["smp.test_spinlock_torture"]))

    def test_panic_spinlock_broken(self):
        # The same command another time: the broken lock corrupted a list
        # and the kernel died in a later case (an oops on both CPUs).
        counts, status, fails = evaluate(
            "boot-panic-spinlock-broken-cpus2.log", "panic", ["smp"])
        self.assertEqual((counts, status), ((8, 5, 0), "PANIC"))
        self.assertEqual(fails, ["smp.test_spinlock_torture"] +
                         ["smp: missing results (9 of 12 reported)"] * 3 +
                         ["L: boot panic"])

    def test_fail_verdict_without_failed_case(self):
        counts, status, fails = evaluate("boot-pass-cpus2.log", "fail",
                                         ["boot", "pmm", "smp", "tlb"])
        self.assertEqual((counts, status, fails),
                         ((31, 1, 0), "FAIL", ["L: kernel verdict FAIL"]))

    def test_panic_mid_suite(self):
        counts, status, fails = evaluate("boot-panic-mem3M.log", "panic", [])
        self.assertEqual((counts, status), ((19, 21, 2), "PANIC"))
        self.assertEqual(fails[-1], "L: boot panic")

    def test_panic_before_ktap(self):
        self.assertEqual(
            evaluate("boot-panic-early-mem2M.log", "panic",
                     ["boot", "pmm", "heap"]),
            ((0, 4, 0), "PANIC", [f"{s}: no KTAP output for this suite"
                                  for s in ("boot", "pmm", "heap")]
             + ["L: boot panic"]))

    def test_hang(self):
        counts, status, fails = evaluate("boot-hang-timeout-cpus2.log",
                                         "hang",
                                         ["boot", "pmm", "smp", "sched"])
        self.assertEqual((counts, status), ((18, 11, 0), "HANG"))
        self.assertEqual(fails.count("sched: missing results (3 of 12 "
                                     "reported)"), 9)
        self.assertIn("smp: no KTAP output for this suite", fails)
        self.assertEqual(evaluate("boot-hang-no-long-mode.log", "hang",
                                  ["boot"]),
                         ((0, 2, 0), "HANG",
                          ["boot: no KTAP output for this suite",
                           "L: boot hang"]))

    def test_pass_verdict_with_no_results(self):
        self.assertEqual(evaluate("boot-hang-no-long-mode.log", "pass", []),
                         ((0, 1, 0), "FAIL", ["L: no results"]))

    def test_report_names_the_case_with_context(self):
        text = fixture("boot-fail-spinlock-broken-cpus2.log")
        cases, lines, status = runtests.evaluate_boot("cfg cpus=2", text,
                                                      "fail", ["smp"])
        r = runtests.BootReport("cfg cpus=2", cases, status, None, lines,
                                "fail")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            runtests.report_failures(r)
        self.assertIn("FAILED cfg cpus=2: smp.test_spinlock_torture",
                      out.getvalue())
        self.assertIn(">     not ok 6 test_spinlock_torture", out.getvalue())

    def test_report_of_a_crash_shows_the_tail(self):
        text = fixture("boot-panic-mem3M.log")
        cases, lines, status = runtests.evaluate_boot("c", text, "panic", [])
        r = runtests.BootReport("c", cases, status, None, lines, "panic",
                                stderr="qemu: oops\n")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            runtests.report_failures(r)
        got = out.getvalue()
        self.assertIn("FAILED c: boot panic; last 40 lines of the log:", got)
        self.assertIn("| " + lines[-1], got)
        self.assertIn("    ! qemu: oops", got)
        self.assertIn("(counted 4 times)", got)


    def test_ignored_key_is_reported_with_why(self):
        text = fixture("bench-ignored-key-monitor-cpus2.log")
        cases, lines, status = runtests.evaluate_boot("c", text,
                                                      "ignored-key", ["smp"])
        self.assertEqual(status, "IGNORED-KEY")
        self.assertIn("c: boot ignored-key", [x.name for x in cases])
        r = runtests.BootReport("c", cases, status, None, lines,
                                "ignored-key", reason="the kernel ignored "
                                "its ktest= key: value too long")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            runtests.report_failures(r)
        self.assertIn("FAILED c: boot ignored-key; last 40 lines",
                      out.getvalue())
        self.assertIn("stopped: the kernel ignored its ktest= key",
                      out.getvalue())
        self.assertIn("| kernel> ", out.getvalue())


class HostDocument(unittest.TestCase):
    def test_one_document_nested(self):
        # `make host-tests` output: C programs and script tests as subtests.
        text = fixture("host-tests.log")
        self.assertEqual(text.count("\nKTAP version 1"), 0)
        self.assertTrue(text.startswith("KTAP version 1\n1.."))
        cases, suites, _ = ktap.parse_ktap(text, check_suite_counts=True)
        p, f, s = ktap.counts(cases)
        self.assertEqual((f, s), (0, 0))
        self.assertEqual(suites[:5], ["string", "printf", "bitmap", "list",
                                      "cmdline"])
        self.assertEqual(sum(c.name.startswith(("string.", "printf.",
                                                "bitmap.", "list.",
                                                "cmdline."))
                             for c in cases), 61)
        self.assertTrue(all(n.startswith("scripts.") for n in suites[5:]))

    def test_a_crashed_program_fails(self):
        # A program that died after 1 of 3 cases, exit status 1.
        text = ("KTAP version 1\n1..2\n    KTAP version 1\n"
                "    # Subtest: a\n    1..3\n    ok 1 x\n"
                "    ==1==ERROR: AddressSanitizer: heap-buffer-overflow\n"
                "# a: exit status 1\nnot ok 1 a\n    KTAP version 1\n"
                "    # Subtest: b\n    1..1\n    ok 1 y\nok 2 b\n")
        cases, _, _ = ktap.parse_ktap(text, check_suite_counts=True)
        self.assertEqual(ktap.counts(cases), (2, 2, 0))


class CommandLine(unittest.TestCase):
    def run_list(self, *args):
        p = subprocess.run([sys.executable,
                            os.path.join(harness.SCRIPTS, "runtests.py"),
                            "--list", *args], capture_output=True, text=True)
        return p.returncode, p.stdout, p.stderr

    def test_make_style_empty_values(self):
        rc, out, _ = self.run_list("--suites", "", "--cpus", "",
                                   "--table-free", "", "--shootdown", "",
                                   "--fault", "", "--accel", "tcg",
                                   "--extra", "")
        self.assertEqual(rc, 0)
        self.assertIn("boot  rcu-ipi-vma cpus=1 ktest=boot,", out)

    def test_narrowed(self):
        rc, out, _ = self.run_list("--suites", "smp", "--cpus", "2",
                                   "--extra", "SPINLOCK_BROKEN=1")
        self.assertEqual((rc, out.splitlines()), (0, [
            "build TABLE_FREE=rcu SHOOTDOWN=ipi FAULT=vma SPINLOCK_BROKEN=1",
            "boot  rcu-ipi-vma cpus=2 ktest=smp"]))

    def test_bad_switch(self):
        rc, _, err = self.run_list("--fault", "nosuch")
        self.assertEqual(rc, 2)
        self.assertIn("FAULT=nosuch: want one of locked|spf|vma", err)


if __name__ == "__main__":
    harness.main()
