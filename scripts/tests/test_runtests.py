"""scripts/tests/test_runtests.py - what a boot counts for and how it is shown.

testeval.evaluate_boot() on real logs of passing, failing, panicking and
hung boots (fixtures/): a crash is one failure, named after the case it
happened in, plus the cases it kept from running; testreport's report of
a failure (each log line once, merged windows, the ELF and the log),
the log names (the build directory's), the host stage's nested
document, and the command line (`--list`) as the Makefile drives it.
"""

import contextlib
import io
import os
import re
import subprocess
import sys
import unittest

import harness
from harness import fixture

import ktap
import runtests
import testeval
import testreport

SUITES_ALL = ["boot", "pmm", "heap", "paging", "smp", "sched", "user",
              "rcu", "tlb"]


def evaluate(name, classification, requested, timeout=None):
    cases, lines, status = testeval.evaluate_boot(
        "L", fixture(name), classification, requested, timeout)
    return ktap.counts(cases), status, [c.name for c in cases
                                        if c.status == "fail"]


def not_run(name, classification, requested):
    cases, _, _ = testeval.evaluate_boot("L", fixture(name), classification,
                                         requested)
    return [c.name for c in cases if c.status == ktap.NOT_RUN]


def report(name, classification, requested, label="cfg cpus=2", **kw):
    """testreport.report_failures() of a fixture: (output, log lines)."""
    cases, lines, status = testeval.evaluate_boot(
        label, fixture(name), classification, requested, kw.pop("timeout",
                                                                None))
    r = testreport.BootReport(label, cases, status, kw.pop("log", None),
                              lines, classification, **kw)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        testreport.report_failures(r)
    return out.getvalue(), lines


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
        # and the kernel died in a later case (an oops on both CPUs).  A
        # log of a kernel without `# running` lines: the case is inferred.
        counts, status, fails = evaluate(
            "boot-panic-spinlock-broken-cpus2.log", "panic", ["smp"])
        self.assertEqual((counts, status), ((8, 2, 0), "PANIC"))
        self.assertEqual(fails, [
            "smp.test_spinlock_torture",
            "PANIC in smp, case 10 of 12, after "
            "smp.test_call_wait_irqs_off_refused"])
        self.assertEqual(not_run("boot-panic-spinlock-broken-cpus2.log",
                                 "panic", ["smp"]),
                         ["smp: result 11 of 12 not run",
                          "smp: result 12 of 12 not run"])

    def test_fail_verdict_without_failed_case(self):
        counts, status, fails = evaluate("boot-pass-cpus2.log", "fail",
                                         ["boot", "pmm", "smp", "tlb"])
        self.assertEqual((counts, status, fails),
                         ((31, 1, 0), "FAIL", ["L: kernel verdict FAIL"]))

    def test_missing_results_of_a_finished_boot_fail(self):
        # A boot that ended on its own with results missing: each one
        # a failure of its own (the kernel lost them).
        text = fixture("boot-hang-timeout-cpus2.log")
        counts, status, fails = (lambda r: (ktap.counts(r[0]), r[2], [
            c.name for c in r[0] if c.status == "fail"]))(
            testeval.evaluate_boot("L", text, "fail", ["sched"]))
        self.assertEqual((counts, status), ((18, 9, 0), "FAIL"))
        self.assertEqual(fails, [f"sched: result {k} of 12 missing"
                                 for k in range(4, 13)])

    def test_panic_mid_suite(self):
        counts, status, fails = evaluate("boot-panic-mem3M.log", "panic", [])
        self.assertEqual((counts, status), ((19, 17, 2), "PANIC"))
        self.assertEqual(fails[-1], "PANIC in rcu, case 3 of 6, after "
                                    "rcu.test_synchronize_waits_for_readers")
        self.assertEqual(len(not_run("boot-panic-mem3M.log", "panic", [])),
                         3)

    def test_panic_before_ktap(self):
        self.assertEqual(
            evaluate("boot-panic-early-mem2M.log", "panic",
                     ["boot", "pmm", "heap"]),
            ((0, 1, 0), "PANIC", ["PANIC before any suite started"]))
        self.assertEqual(not_run("boot-panic-early-mem2M.log", "panic",
                                 ["boot", "pmm", "heap"]),
                         [f"{s}: not run (the suite never started)"
                          for s in ("boot", "pmm", "heap")])

    def test_hang_is_one_failure_plus_not_run(self):
        counts, status, fails = evaluate("boot-hang-timeout-cpus2.log",
                                         "hang",
                                         ["boot", "pmm", "smp", "sched"],
                                         100)
        self.assertEqual((counts, status), ((18, 1, 0), "HANG"))
        self.assertEqual(fails, ["HANG in sched, case 4 of 12, after "
                                 "sched.test_migration (timeout 100 s)"])
        self.assertEqual(not_run("boot-hang-timeout-cpus2.log", "hang",
                                 ["boot", "pmm", "smp", "sched"]),
                         [f"sched: result {k} of 12 not run"
                          for k in range(5, 13)] +
                         ["smp: not run (the suite never started)"])
        self.assertEqual(evaluate("boot-hang-no-long-mode.log", "hang",
                                  ["boot"]),
                         ((0, 1, 0), "HANG",
                          ["HANG before any suite started"]))

    def test_pass_verdict_with_no_results(self):
        self.assertEqual(evaluate("boot-hang-no-long-mode.log", "pass", []),
                         ((0, 1, 0), "FAIL", ["L: no results"]))


class RealHang(unittest.TestCase):
    """make test SUITES=sched CPUS=2 WAKEUP_BROKEN=1, from a kernel that
    prints `# running <suite>.<case>` before each case: one run hung."""

    HANG = "boot-hang-wakeup-broken-cpus2.log"
    FAIL = "boot-fail-wakeup-broken-cpus2.log"

    def test_hang_named(self):
        counts, status, fails = evaluate(self.HANG, "hang", ["sched"], 100)
        self.assertEqual((counts, status), ((13, 2, 0), "HANG"))
        self.assertEqual(fails, [
            "sched.test_producer_consumer",
            "HANG in sched.test_wakeup_onto_busy_cpu_is_prompt "
            "(timeout 100 s)"])
        # It hung in the last case: nothing else was left to run, but a
        # suite asked for after it never started.
        self.assertEqual(not_run(self.HANG, "hang", ["sched"]), [])
        self.assertEqual(not_run(self.HANG, "hang", ["sched", "rcu"]),
                         ["rcu: not run (the suite never started)"])

    def test_hang_report(self):
        out, lines = report(self.HANG, "hang", ["sched"], timeout=100,
                            elf="build/rcu-ipi-vma+wakeup_broken/kernel.elf")
        self.assertEqual(out.count("    log lines "), 1)   # one window
        self.assertIn("FAILED cfg cpus=2: HANG in sched.test_wakeup_onto_"
                      "busy_cpu_is_prompt (timeout 100 s) (log line 97)",
                      out)
        self.assertIn("    > 97|     # running sched.test_wakeup_onto_busy_"
                      "cpu_is_prompt", out)
        self.assertIn("  kernel: build/rcu-ipi-vma+wakeup_broken/kernel.elf",
                      out)

    def test_the_other_run_failed(self):
        self.assertEqual(evaluate(self.FAIL, "fail", ["sched"]),
                         ((14, 1, 0), "FAIL",
                          ["sched.test_producer_consumer"]))
        out, _ = report(self.FAIL, "fail", ["sched"])
        self.assertIn("    log lines 46-60 of 102:", out)


class Running(unittest.TestCase):
    """The `# running <suite>.<case>` lines of tests/kernel/ktest.c."""

    LOG = ("KTAP version 1\n1..2\n    KTAP version 1\n"
           "    # Subtest: sched\n    1..3\n"
           "    # running sched.test_a\n    ok 1 test_a\n"
           "    # running sched.test_b\n"
           "[    1.5] sched: something printed\n")

    def cases(self, text, cls="hang", requested=("sched", "rcu")):
        cases, _, status = testeval.evaluate_boot("L", text, cls,
                                                  list(requested), 100)
        return ([c.name for c in cases if c.status == "fail"],
                [c.name for c in cases if c.status == ktap.NOT_RUN],
                ktap.counts(cases))

    def test_named_from_its_running_line(self):
        fails, notrun, counts = self.cases(self.LOG)
        self.assertEqual(fails, ["HANG in sched.test_b (timeout 100 s)"])
        self.assertEqual(notrun, ["sched: result 3 of 3 not run",
                                  "rcu: not run (the suite never "
                                  "started)"])
        self.assertEqual(counts, (1, 1, 0))
        self.assertEqual(ktap.last_running(self.LOG.splitlines())[1:],
                         ("sched", "test_b"))

    def test_between_cases_and_after_suites(self):
        done = self.LOG + "    ok 2 test_b\n"
        fails, notrun, _ = self.cases(done, "panic")
        self.assertEqual(fails, ["PANIC in sched, before its case 3 of 3 "
                                 "started, after sched.test_b"])
        self.assertEqual(notrun[0], "sched: result 3 of 3 not run")
        finished = done + ("    # running sched.test_c\n    ok 3 test_c\n"
                           "ok 1 sched\n")
        self.assertEqual(self.cases(finished, "triple-fault")[0],
                         ["TRIPLE-FAULT after sched.test_c"])


class Report(unittest.TestCase):
    def test_names_the_case_with_context(self):
        out, _ = report("boot-fail-spinlock-broken-cpus2.log", "fail",
                        ["smp"], elf="/r/build/rcu-ipi-vma+spinlock_broken/"
                        "kernel.elf", log="/r/build/test-logs/"
                        "rcu-ipi-vma+spinlock_broken-cpus2.log")
        self.assertIn("FAILED cfg cpus=2: smp.test_spinlock_torture", out)
        self.assertRegex(out, r"\n    > +\d+\|     not ok 6 "
                              r"test_spinlock_torture\n")
        self.assertIn("FAILED cfg cpus=2: smp.test_spinlock_torture (log "
                      "line ", out)
        self.assertIn("  kernel: /r/build/rcu-ipi-vma+spinlock_broken/"
                      "kernel.elf", out)
        self.assertIn("  log:    /r/build/test-logs/rcu-ipi-vma+"
                      "spinlock_broken-cpus2.log", out)

    def test_each_line_once(self):
        # Nine failed cases a few lines apart and a panic: before, the
        # windows overlapped and lines printed two or three times.
        out, lines = report("boot-panic-mem3M.log", "panic", [],
                            stderr="qemu: oops\n")
        spans = [tuple(map(int, m.groups())) for m in re.finditer(
            r"^    log lines (\d+)-(\d+) of", out, re.M)]
        self.assertGreater(len(spans), 1)
        for (_, hi), (lo, _) in zip(spans, spans[1:]):
            self.assertGreater(lo, hi + 1)      # disjoint, not touching
        shown = re.findall(r"^    [> ] +\d+\| ", out, re.M)
        self.assertEqual(len(shown), sum(hi - lo + 1 for lo, hi in spans))
        # Every failure has its heading, the crash names its case.
        for name in ("heap.heap_large", "pmm.pmm_zeroed_page",
                     "PANIC in rcu, case 3 of 6, after "
                     "rcu.test_synchronize_waits_for_readers"):
            self.assertIn(f"  FAILED cfg cpus=2: {name} (log line ", out)
        # The crash's window runs to the end of the log.
        self.assertIn(f" of {len(lines)} (to the end):", out)
        self.assertIn(f"{len(lines)}| {lines[-1]}\n", out)
        self.assertIn("  NOT RUN cfg cpus=2: rcu: results 4-6 of 6 "
                      "(3 cases)", out)
        self.assertIn("    ! qemu: oops", out)
        self.assertNotIn("counted", out)

    def test_windows_merge(self):
        w = testreport.windows([(10, "a"), (20, "b"), (40, "c")], 50, 0)
        self.assertEqual([(x.lo, x.hi, x.headings) for x in w],
                         [(3, 27, ["a", "b"]), (33, 47, ["c"])])
        # Touching windows merge too; the tail joins what it reaches.
        w = testreport.windows([(5, "a"), (20, "b")], 100, 40)
        self.assertEqual([(x.lo, x.hi) for x in w], [(0, 27), (60, 99)])
        w = testreport.windows([(5, "a"), (20, "b")], 100, 0)
        self.assertEqual([(x.lo, x.hi) for x in w], [(0, 27)])
        w = testreport.windows([(70, "a")], 100, 40)
        self.assertEqual([(x.lo, x.hi, x.marks) for x in w],
                         [(60, 99, {70})])

    def test_missing_results_one_heading(self):
        text = fixture("boot-hang-timeout-cpus2.log")
        cases, lines, status = testeval.evaluate_boot("L", text, "fail",
                                                      ["sched"])
        r = testreport.BootReport("L", cases, status, None, lines, "fail")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            testreport.report_failures(r)
        self.assertEqual(out.getvalue().count("FAILED"), 1)
        self.assertIn("FAILED L: sched: results 4-12 of 12 missing "
                      "(9 failures) (log line ", out.getvalue())

    def test_ignored_key_is_reported_with_why(self):
        out, _ = report("bench-ignored-key-monitor-cpus2.log", "ignored-key",
                        ["smp"], label="c", reason="the kernel ignored its "
                        "ktest= key: value too long")
        self.assertIn("FAILED c: IGNORED-KEY before any suite started (log "
                      "line 22)", out)
        self.assertIn("stopped: the kernel ignored its ktest= key", out)
        self.assertIn("NOT RUN c: suite smp (never started)", out)
        self.assertIn("    > 22| kernel> ", out)

    def test_stage_line(self):
        cases, lines, status = testeval.evaluate_boot(
            "L", fixture("boot-hang-timeout-cpus2.log"), "hang",
            ["boot", "pmm", "smp", "sched"], 100)
        r = testreport.BootReport("L", cases, status, None, lines, "hang",
                                  100.2)
        self.assertEqual(testreport.stage_line(r, "[1/1] L tcg"),
                         "[1/1] L tcg: 18 passed, 1 failed, 0 skipped, "
                         "9 not run (100.2s) HANG")

    def test_summary_line(self):
        line = ktap.summary_line(4, 1, 0, 10)
        self.assertEqual(line, "4 passed, 1 failed, 10 not run")
        self.assertRegex(line, ktap.SUMMARY_RE)
        self.assertRegex(ktap.summary_line(4, 1, 2, 3), ktap.SUMMARY_RE)


class Logs(unittest.TestCase):
    def test_named_after_the_build_directory(self):
        p = runtests.log_path_for(
            "rcu-ipi-vma-cpus4", "rcu-ipi-vma",
            "/r/build/rcu-ipi-vma+spinlock_broken/kernel.elf")
        self.assertEqual(p, os.path.join(
            runtests.LOG_DIR, "rcu-ipi-vma+spinlock_broken-cpus4.log"))
        p = runtests.log_path_for(
            "rcu-pv-vma-cpus2-pvmodel_100000_2000_7-part2", "rcu-pv-vma",
            "build/rcu-pv-vma/kernel.elf")
        self.assertTrue(p.endswith("/rcu-pv-vma-cpus2-pvmodel_100000_2000_"
                                   "7-part2.log"))

    def test_logs_line(self):
        d = runtests.LOG_DIR
        line = runtests.logs_line([os.path.join(d, "host-tests.log"),
                                   os.path.join(d, "a-cpus2.log")])
        self.assertTrue(line.startswith("logs of this run (2) in "))
        self.assertTrue(line.endswith("test-logs/: host-tests.log, "
                                      "a-cpus2.log"))


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
