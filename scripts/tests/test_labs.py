#!/usr/bin/env python3
"""scripts/tests/test_labs.py - the lab tools: scripts/lab.py (markers,
errors, the student tree) and scripts/grade.py (grade files, grouping
cases into boots, verdicts on real logs).

fixtures/labs/tree/ holds a tiny marked source and one file per marker
error; fixtures/labs/grade-lab2-*.log are real boots of `make grade
LAB=2` in the main tree and in the student tree (fixtures/README.md).
The whole path, a real student tree built and graded, is `make labcheck`.
"""

import contextlib
import io
import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from harness import FIXTURES, fixture

import grade
import lab
import matrix
from testeval import evaluate_boot

TREE = os.path.join(FIXTURES, "labs", "tree")


def tree_lines(name: str) -> list[str]:
    with open(os.path.join(TREE, name)) as f:
        return f.read().splitlines(keepends=True)


class Markers(unittest.TestCase):
    def test_good_file_regions(self):
        rs = lab.parse_markers("good.c", tree_lines("good.c.txt"))
        self.assertEqual([(r.lab, r.text) for r in rs],
                         [(1, "double x"), (2, "add one")])
        self.assertEqual(rs[0].solution, ["\treturn 2 * x;\n"])
        self.assertEqual(rs[0].stub, ["\t(void)x;\n", "\treturn 0;\n"])
        self.assertEqual(rs[1].stub, [])
        self.assertEqual(rs[1].indent, "\t\t")

    def test_stubbed_and_stripped(self):
        lines = tree_lines("good.c.txt")
        rs = lab.parse_markers("good.c", lines)
        one = "".join(lab.render(lines, rs, 1))
        self.assertIn("\t/* TODO (lab 1): double x */\n\t(void)x;\n"
                      "\treturn 0;\n}", one)
        self.assertNotIn("2 * x", one)
        self.assertIn("\tint z = y;\n\t\tz++;\n\treturn z;", one)
        self.assertNotIn("LAB", one)
        two = "".join(lab.render(lines, rs, 2))
        self.assertIn("\t\t/* TODO (lab 2): add one */\n\treturn z;", two)
        self.assertIn("\treturn 2 * x;\n}", two)
        self.assertNotIn("LAB", two)
        # A lab without regions here: every marker dropped, all solutions kept.
        seven = "".join(lab.render(lines, rs, 7))
        self.assertNotIn("LAB", seven)
        self.assertIn("2 * x", seven)
        self.assertIn("z++", seven)

    def test_errors_name_file_and_line(self):
        want = {
            "bad-nested.c.txt": (2, "do not nest"),
            "bad-open.c.txt": (2, "never ENDs"),
            "bad-end.c.txt": (2, "END without a BEGIN"),
            "bad-stub-comment.c.txt": (3, "end the comment early"),
            "bad-stub-open.c.txt": (4, "inside a STUB block"),
            "bad-mismatch.c.txt": (2, "LAB 2 END closes the LAB 1 region"),
            "bad-inline.c.txt": (1, "malformed LAB marker"),
        }
        for name, (line, text) in want.items():
            with self.subTest(name):
                with self.assertRaises(lab.MarkerError) as cm:
                    lab.parse_markers(name, tree_lines(name))
                self.assertTrue(str(cm.exception).startswith(f"{name}:{line}: "),
                                str(cm.exception))
                self.assertIn(text, str(cm.exception))


class StudentTree(unittest.TestCase):
    """lab.main() on a throwaway git repository."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.repo = os.path.join(self.tmp, "repo")
        os.makedirs(os.path.join(self.repo, "docs"))
        os.makedirs(os.path.join(self.repo, "tests", "labs"))
        shutil.copy(os.path.join(TREE, "good.c.txt"),
                    os.path.join(self.repo, "good.c"))
        for rel, text in (("docs/teaching.md", "answers\n"),
                          ("tests/labs/lab3.grade", "# nothing\n"),
                          ("README.md", "readme\n")):
            with open(os.path.join(self.repo, rel), "w") as f:
                f.write(text)
        with open(os.path.join(self.repo, "untracked.c"), "w") as f:
            f.write("int untracked;\n")
        subprocess.run(["git", "init", "-q"], cwd=self.repo, check=True)
        subprocess.run(["git", "add", "good.c", "docs", "tests", "README.md"],
                       cwd=self.repo, check=True)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def gen(self, n, dest) -> int:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            return lab.main(["--lab", str(n), "--dest", dest, "--root",
                             self.repo])

    def test_tree(self):
        dest = os.path.join(self.tmp, "s1")
        self.assertEqual(self.gen(1, dest), 0)
        files = sorted(os.path.relpath(os.path.join(d, f), dest)
                       for d, _, fs in os.walk(dest) for f in fs)
        # teaching.md stays out, untracked files stay out; .lab says which.
        self.assertEqual(files, [".lab", "README.md", "good.c",
                                 "tests/labs/lab3.grade"])
        with open(os.path.join(dest, "good.c")) as f:
            self.assertIn("TODO (lab 1): double x", f.read())
        with open(os.path.join(dest, ".lab")) as f:
            self.assertEqual(f.read(), "1\n")

    def test_bad_lab_and_dest(self):
        self.assertEqual(self.gen("x", os.path.join(self.tmp, "a")), 2)
        self.assertEqual(self.gen(9, os.path.join(self.tmp, "a")), 2)
        # Lab 5: no grade file, no region.  Lab 3: a grade file only.
        self.assertEqual(self.gen(5, os.path.join(self.tmp, "a")), 2)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "a")))
        self.assertEqual(self.gen(3, os.path.join(self.tmp, "b")), 0)
        busy = os.path.join(self.tmp, "busy")
        os.makedirs(busy)
        open(os.path.join(busy, "x"), "w").close()
        self.assertEqual(self.gen(1, busy), 2)
        self.assertEqual(self.gen(1, os.path.join(self.repo, "inside")), 2)

    def test_bad_marker_stops_everything(self):
        shutil.copy(os.path.join(TREE, "bad-open.c.txt"),
                    os.path.join(self.repo, "bad.c"))
        subprocess.run(["git", "add", "bad.c"], cwd=self.repo, check=True)
        dest = os.path.join(self.tmp, "s")
        self.assertEqual(self.gen(1, dest), 2)
        self.assertFalse(os.path.exists(dest))


class GradeFile(unittest.TestCase):
    def write(self, text: str) -> str:
        fd, path = tempfile.mkstemp(suffix=".grade")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        self.addCleanup(os.remove, path)
        return path

    def test_rows(self):
        ts = grade.read_grade(self.write(
            "# points test cpus config runs extra\n"
            "20 tlb.test_lazy_cpus 2 default 1 -\n"
            "10 smp 4 rcu-pv-vma+SHOOTDOWN_BROKEN=1 3 pvmodel=1,2,3\n"))
        self.assertEqual((ts[0].suite, ts[0].case, ts[0].config, ts[0].runs),
                         ("tlb", "test_lazy_cpus", matrix.DEFAULT_CONFIG, 1))
        self.assertEqual((ts[1].case, ts[1].extras, ts[1].cmdline),
                         (None, ("SHOOTDOWN_BROKEN=1",), "pvmodel=1,2,3"))

    def test_errors(self):
        for row, text in (("x tlb 2 default 1 -", "whole numbers"),
                          ("1 tlb 2 default 0 -", "runs >= 1"),
                          ("1 tlb 2,4 default 1 -", "cpus must be one number"),
                          ("1 tlb.a.b 2 default 1 -", "suite or suite.case"),
                          ("1 tlb 2 rcu-xx-vma 1 -", "bad configuration"),
                          ("1 tlb 2 default+FOO=1 1 -", "SWITCH=1"),
                          ("1 tlb 2 default 1 a=b -", "bad command-line word"),
                          ("1 tlb 2 default", "want `points")):
            with self.subTest(row):
                with self.assertRaises(ValueError) as cm:
                    grade.read_grade(self.write("# c\n" + row + "\n"))
                self.assertIn(":2: ", str(cm.exception))
                self.assertIn(text, str(cm.exception))
        with self.assertRaises(ValueError):
            grade.read_grade(self.write("# empty\n"))

    def test_the_tree_s_grade_files_read(self):
        d = os.path.join(harness.ROOT, "tests", "labs")
        for f in sorted(os.listdir(d)):
            with self.subTest(f):
                self.assertTrue(grade.read_grade(os.path.join(d, f)))


def gt(test: str, cpus=2, runs=1, config=None, extras=(), cmdline=""):
    suite, _, case = test.partition(".")
    return grade.GradeTest(10, suite, case or None, cpus,
                           config or matrix.DEFAULT_CONFIG, tuple(extras),
                           runs, cmdline, 1)


class Plan(unittest.TestCase):
    def test_grouped_into_few_boots(self):
        tests = [gt("tlb.test_a"), gt("tlb.test_b", runs=3), gt("smp"),
                 gt("smp.test_c"), gt("tlb.test_d", cpus=4),
                 gt("tlb.test_e", extras=("TLBGEN_BROKEN=1",))]
        boots = grade.plan(tests)
        got = [(b.cpus, b.run, b.extras, ",".join(b.spec),
                sorted(t.name for t in b.tests)) for b in boots]
        self.assertEqual(got, [
            (2, 1, (), "tlb:a+b,smp", ["smp", "smp.test_c", "tlb.test_a", "tlb.test_b"]),
            (2, 2, (), "tlb:b", ["tlb.test_b"]),
            (2, 3, (), "tlb:b", ["tlb.test_b"]),
            (4, 1, (), "tlb:d", ["tlb.test_d"]),
            (2, 1, ("TLBGEN_BROKEN=1",), "tlb:e", ["tlb.test_e"]),
        ])

    def test_once_runs_each_test_once(self):
        # make test's labcheck (--quick) grades the main tree with --once:
        # lab 6 has tests of 3 runs; listed with --once, only run 1 boots.
        def listed(*extra):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                self.assertEqual(grade.main(["--lab", "6", "--list", *extra]), 0)
            return out.getvalue().splitlines()
        full, once = listed(), listed("--once")
        self.assertTrue(any(" run 3: " in ln for ln in full))
        self.assertTrue(once and all(" run 1: " in ln for ln in once))
        self.assertLess(len(once), len(full))

    def test_long_selection_split_within_the_kernel_limit(self):
        tests = [gt(f"tlb.test_{'x' * 30}{i}") for i in range(8)]
        boots = grade.plan(tests)
        self.assertGreater(len(boots), 1)
        for b in boots:
            self.assertLessEqual(len(",".join(b.spec)), matrix.VALUE_MAX)
        self.assertEqual(sorted(t.name for b in boots for t in b.tests),
                         sorted(t.name for t in tests))


class Verdict(unittest.TestCase):
    def cases(self, name):
        text = fixture(os.path.join("labs", name))
        cases, lines, _ = evaluate_boot("x", text, "pass" if "main" in name
                                        else "fail", ["smpcall"])
        return cases, lines

    def test_main_tree_passes(self):
        cases, lines = self.cases("grade-lab2-main-cpus2.log")
        for c in ("test_call_queue_fifo", "test_call_ipi_coalesced"):
            self.assertEqual(grade.verdict(gt("smpcall." + c), cases, lines),
                             (True, ""))
        self.assertEqual(grade.verdict(gt("smpcall"), cases, lines)[0], True)
        ok, why = grade.verdict(gt("smpcall.test_not_there"), cases, lines)
        self.assertFalse(ok)
        self.assertIn("no result", why)

    def test_student_tree_fails_with_its_diagnostic(self):
        cases, lines = self.cases("grade-lab2-student-cpus2.log")
        ok, why = grade.verdict(gt("smpcall.test_call_ipi_coalesced"), cases,
                                lines)
        self.assertFalse(ok)
        self.assertRegex(why, r"^smpcall.test_call_ipi_coalesced: "
                         r"tests/kernel/smp_call.c:\d+: expected ipis <= 2")
        self.assertFalse(grade.verdict(gt("smpcall"), cases, lines)[0])

    def test_a_crash_fails_the_rest(self):
        text = fixture("boot-hang-wakeup-broken-cpus2.log")
        cases, lines, _ = evaluate_boot("x", text, "hang", ["sched"], 100)
        ok, why = grade.verdict(gt("sched.test_wakeup_onto_busy_cpu_is_prompt"),
                                cases, lines)
        self.assertFalse(ok)
        self.assertIn("HANG", why)


if __name__ == "__main__":
    harness.main()
