#!/usr/bin/env python3
"""scripts/tests/test_ktap.py - the KTAP parser and printer (scripts/ktap.py).

Real serial logs of this kernel (fixtures/) and short synthetic logs for
the dialects the parser also accepts (KUnit's, flat, plain TAP, CRLF and
ANSI colour).
"""

import unittest

import harness
from harness import fixture

import ktap


def tally(text, **kw):
    cases, suites, _ = ktap.parse_ktap(text, **kw)
    return ktap.counts(cases), suites, cases


def failed(cases):
    return [c.name for c in cases if c.status == "fail"]


class RealLogs(unittest.TestCase):
    """Boots of this kernel, as the runner logged them."""

    def test_pass_all_suites(self):
        (p, f, s), suites, cases = tally(fixture("boot-pass-all-cpus1.log"),
                                         check_suite_counts=False)
        self.assertEqual((p, f, s), (75, 0, 8))
        self.assertEqual(sorted(suites), ["boot", "heap", "paging", "pmm",
                                          "rcu", "sched", "smp", "tlb",
                                          "user"])
        skip = {c.name: c.note for c in cases if c.status == "skip"}
        self.assertEqual(skip["smp.test_ipi_counters"], "needs 2 CPUs")

    def test_pass_printk_interleaved(self):
        # cmdline warnings are printed between the boot suite's cases.
        (p, f, s), suites, _ = tally(fixture("boot-pass-cpus2.log"),
                                     check_suite_counts=False)
        self.assertEqual(((p, f, s), suites),
                         ((31, 0, 0), ["boot", "pmm", "smp", "tlb"]))

    def test_fail_spinlock_broken(self):
        (p, f, s), _, cases = tally(
            fixture("boot-fail-spinlock-broken-cpus2.log"),
            check_suite_counts=False)
        self.assertEqual((p, f, s), (11, 1, 0))
        self.assertEqual(failed(cases), ["smp.test_spinlock_torture"])
        lines = fixture("boot-fail-spinlock-broken-cpus2.log").splitlines()
        bad = next(c for c in cases if c.status == "fail")
        self.assertIn("not ok 6 test_spinlock_torture", lines[bad.line])

    def test_panic_mid_suite(self):
        # rcu announced 1..6 and printed 2 before the panic.
        (p, f, s), _, cases = tally(fixture("boot-panic-mem3M.log"),
                                    check_suite_counts=False)
        self.assertEqual((p, f, s), (19, 20, 2))
        self.assertEqual(failed(cases)[-4:],
                         [f"rcu: result {k} of 6 missing"
                          for k in range(3, 7)])
        self.assertEqual({(c.suite, c.plan, c.note) for c in cases
                          if c.note == ktap.MISSING},
                         {("rcu", 6, ktap.MISSING)})

    def test_hang_mid_suite(self):
        (p, f, s), suites, cases = tally(
            fixture("boot-hang-timeout-cpus2.log"), check_suite_counts=False)
        self.assertEqual(((p, f, s), suites),
                         ((18, 9, 0), ["boot", "pmm", "sched"]))

    def test_no_ktap_at_all(self):
        for name in ("boot-panic-early-mem2M.log",
                     "boot-hang-no-long-mode.log"):
            self.assertEqual(tally(fixture(name))[:2], ((0, 0, 0), []))


class Dialects(unittest.TestCase):
    def test_flat_kernel_layout(self):
        log = ("[    0.000000] Booting kernel (rcu-ipi-spf), 4 CPUs\n"
               "<6>[    0.001000] pmm: 130000 frames free\n"
               "KTAP version 1\n# Subtest: boot\n1..3\n"
               "    ok 1 banner\n[    0.002000] smp: CPU 1 online\n"
               "    ok 2 cmdline_parsed\n"
               "    ok 3 acpi_found # SKIP no ACPI here\nok 1 boot\n"
               "KTAP version 1\n# Subtest: pmm\n1..2\n"
               "    not ok 1 alloc_free\n"
               "    # alloc_free: expected 5, got 4\n"
               "    ok 2 contiguous\nnot ok 2 pmm\n")
        (p, f, s), suites, cases = tally(log)
        self.assertEqual(((p, f, s), suites), ((3, 1, 1), ["boot", "pmm"]))
        self.assertEqual(failed(cases), ["pmm.alloc_free"])
        self.assertEqual([c.note for c in cases if c.status == "skip"],
                         ["no ACPI here"])

    def test_kunit_layout(self):
        log = ("KTAP version 1\n1..2\n"
               "    KTAP version 1\n    # Subtest: heap\n    1..2\n"
               "    ok 1 kmalloc_small\n    ok 2 kmalloc_large\n"
               "# heap: pass:2 fail:0 skip:0 total:2\nok 1 heap\n"
               "    KTAP version 1\n    # Subtest: smp\n    1..1\n"
               "    ok 1 ipi_all # SKIP needs 2 CPUs\nok 2 smp\n")
        (p, f, s), suites, _ = tally(log)
        self.assertEqual(((p, f, s), suites), ((2, 0, 1), ["heap", "smp"]))

    def test_unindented(self):
        log = ("KTAP version 1\n# Subtest: a\n1..2\nok 1 x\nnot ok 2 y\n"
               "KTAP version 1\n# Subtest: b\n1..1\nok 1 z\n")
        (p, f, s), suites, _ = tally(log)
        self.assertEqual(((p, f, s), suites), ((2, 1, 0), ["a", "b"]))

    def test_suite_line_is_evidence_only_when_alone(self):
        log = ("KTAP version 1\n# Subtest: smp\n1..1\n    ok 1 bringup\n"
               "not ok 1 smp\nKTAP version 1\n# Subtest: tlb\n"
               "1..0 # SKIP needs 2 CPUs\nok 2 tlb # SKIP needs 2 CPUs\n")
        (p, f, s), _, cases = tally(log)
        self.assertEqual((p, f, s), (1, 1, 1))
        self.assertEqual([c.name for c in cases if c.status != "pass"],
                         ["smp: suite result not ok", "tlb"])

    def test_plain_tap(self):
        log = ("TAP version 14\n1..3\nok 1 - string: memcpy\n"
               "not ok 2 - bitmap: find_next # bit 63\n"
               "ok 3 - rbtree: insert # TODO flaky\n")
        (p, f, s), _, cases = tally(log)
        self.assertEqual((p, f, s), (1, 1, 1))
        self.assertEqual(cases[1].name, "(unnamed).bitmap: find_next")

    def test_top_level_plan_unindented_suites(self):
        log = ("KTAP version 1\n1..2\nKTAP version 1\n# Subtest: boot\n"
               "1..1\n    ok 1 a\nok 1 boot\nKTAP version 1\n"
               "# Subtest: pmm\n1..1\n    ok 1 b\nok 2 pmm\n")
        (p, f, s), suites, _ = tally(log)
        self.assertEqual(((p, f, s), suites), ((2, 0, 0), ["boot", "pmm"]))

    def test_crlf_ansi_no_repeated_version(self):
        log = ("KTAP version 1\r\n# Subtest: a\r\n1..1\r\n    ok 1 x\r\n"
               "ok 1 a\r\n# Subtest: b\r\n1..2\r\n    ok 1 y\r\n"
               "    \x1b[31mnot ok 2 z\x1b[0m\r\nnot ok 2 b\r\n")
        (p, f, s), suites, _ = tally(log)
        self.assertEqual(((p, f, s), suites), ((2, 1, 0), ["a", "b"]))

    def test_top_level_plan_counts_suites(self):
        log = ("KTAP version 1\n1..3\n    KTAP version 1\n    1..1\n"
               "    ok 1 x\nok 1 a\n")
        self.assertEqual(tally(log)[0], (1, 2, 0))
        self.assertEqual(tally(log, check_suite_counts=False)[0], (1, 0, 0))


class Printer(unittest.TestCase):
    def test_lines(self):
        self.assertEqual(ktap.version(1, "x"),
                         ["    KTAP version 1", "    # Subtest: x"])
        self.assertEqual(ktap.plan(3), "1..3")
        self.assertEqual(ktap.result(2, "fail", "y", 1), "    not ok 2 y")
        self.assertEqual(ktap.result(3, "skip", "z", note="why"),
                         "ok 3 z # SKIP why")
        self.assertEqual(ktap.diagnostic("a\nb", 2),
                         ["        # a", "        # b"])
        self.assertRaises(ValueError, ktap.result, 1, "ok", "x")

    def test_nested_round_trip(self):
        def child(name):
            return "\n".join([*ktap.version(name=name), ktap.plan(2),
                              ktap.result(1, "pass", "a"),
                              ktap.result(2, "skip", "b", note="n")]) + "\n"
        doc = "\n".join([*ktap.version(), ktap.plan(2)]) + "\n" + \
            ktap.indent(child("c")) + ktap.result(1, "pass", "c") + "\n" + \
            ktap.indent(child("d")) + ktap.result(2, "fail", "d") + "\n"
        (p, f, s), suites, cases = tally(doc)
        self.assertEqual((p, f, s), (2, 1, 2))
        self.assertEqual(suites, ["c", "d"])
        self.assertEqual(failed(cases), ["d: suite result not ok"])

    def test_summary_line(self):
        self.assertEqual(ktap.summary_line(3, 1, 0), "3 passed, 1 failed")
        self.assertEqual(ktap.summary_line(3, 0, 2),
                         "3 passed, 0 failed, 2 skipped")
        for x in ((0, 0, 0), (3, 1, 2)):
            self.assertRegex(ktap.summary_line(*x), ktap.SUMMARY_RE)


if __name__ == "__main__":
    harness.main()
