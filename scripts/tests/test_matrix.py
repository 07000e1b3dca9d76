#!/usr/bin/env python3
"""scripts/tests/test_matrix.py - switches and matrices (scripts/matrix.py).

Also holds the switch list to account outside Python: the Makefile must
name builds and reject bad values from the same scripts/switches.mk, and
the C sources may only test CONFIG_* names that list defines.
"""

import argparse
import contextlib
import os
import re
import subprocess
import tempfile
import unittest

import harness

import matrix


def make(*args):
    """Run make in the repository without the calling make's variables."""
    # Nor the switches a narrowed `make test FAULT=locked` exported.
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES",
            *(s.name for s in matrix.SWITCHES), *matrix.BROKEN}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(["make", "-s", "--no-print-directory", *args],
                          cwd=harness.ROOT, env=env, capture_output=True,
                          text=True)


class Switches(unittest.TestCase):
    def test_the_list(self):
        self.assertEqual([s.name for s in matrix.SWITCHES],
                         ["TABLE_FREE", "SHOOTDOWN", "FAULT"])
        self.assertEqual(matrix.DEFAULT_CONFIG, "rcu-ipi-vma")
        self.assertEqual(len(matrix.ALL_CONFIGS), 12)
        self.assertEqual(len(set(matrix.ALL_CONFIGS)), 12)
        self.assertIn("SPINLOCK_BROKEN", matrix.BROKEN)
        self.assertEqual(matrix.SWITCHES[0].option, "--table-free")

    def test_banner_texts_are_printf_safe(self):
        for name, text in matrix.BROKEN.items():
            self.assertTrue(text, name)
            self.assertIsNone(re.search(r"['\"\\%]", text), name)

    def test_bad_files(self):
        for body, want in (("SWITCHES := A\n", "A_VALUES is not defined"),
                           ("SWITCHES := A\nA_VALUES := x y\n"
                            "A_DEFAULT := z\nBROKEN_VARS :=\n",
                            "A_DEFAULT=z"),
                           ("ifeq (a,b)\n", "want `NAME := value`")):
            with tempfile.NamedTemporaryFile("w", suffix=".mk") as f:
                f.write(body)
                f.flush()
                with self.assertRaisesRegex(ValueError, re.escape(want)):
                    matrix.read_switches(f.name)

    def test_config_names(self):
        self.assertEqual(matrix.parse_config("ipi-pv-vma"),
                         {"TABLE_FREE": "ipi", "SHOOTDOWN": "pv",
                          "FAULT": "vma"})
        for bad in ("ipi-pv", "rcu-ipi-vma-x", "pv-ipi-spf"):
            self.assertRaises(ValueError, matrix.parse_config, bad)
        self.assertEqual(matrix.config_vars("rcu-pv-locked", ["X=1"]),
                         ["TABLE_FREE=rcu", "SHOOTDOWN=pv", "FAULT=locked",
                          "X=1"])
        self.assertTrue(matrix.is_broken("RCU_BROKEN=1"))
        self.assertFalse(matrix.is_broken("HZ=1000"))

    def test_makefile_reads_the_same_list(self):
        values = {s.name: next(v for v in s.values if v != s.default)
                  for s in matrix.SWITCHES}
        broken = list(matrix.BROKEN)[-1]
        p = make("print-kernel", *(f"{k}={v}" for k, v in values.items()),
                 f"{broken}=1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.strip(), "build/" + "-".join(
            values.values()) + f"+{broken.lower()}/kernel.elf")
        p = make("print-kernel")
        self.assertEqual(p.stdout.strip(),
                         f"build/{matrix.DEFAULT_CONFIG}/kernel.elf")
        fault = matrix.SWITCHES[-1]
        p = make("print-kernel", f"{fault.name}=nosuch")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn(f"{fault.name} must be {', '.join(fault.values[:-1])} "
                      f"or {fault.values[-1]}, not 'nosuch'", p.stderr)

    def test_c_sources_use_only_listed_switches(self):
        prefixes = tuple(s.name + "_" for s in matrix.SWITCHES)
        allowed = {"BROKEN_TABLE", *matrix.BROKEN}
        for s in matrix.SWITCHES:
            allowed |= {f"{s.name}_NAME",
                        *(f"{s.name}_{v.upper()}" for v in s.values)}
        for top in ("arch", "kernel", "mm", "lib", "tests", "bench", "user"):
            for d, _, files in os.walk(os.path.join(harness.ROOT, top)):
                for fn in files:
                    if not fn.endswith((".c", ".h", ".asm", ".S")):
                        continue
                    with open(os.path.join(d, fn), errors="replace") as f:
                        text = f.read()
                    for m in re.finditer(r"\bCONFIG_([A-Z0-9_]+)", text):
                        name = m.group(1)
                        if name.startswith(prefixes) or \
                                name.endswith("_BROKEN"):
                            self.assertIn(name, allowed,
                                          f"{os.path.join(d, fn)}: "
                                          f"CONFIG_{name}")


ROWS = [("boot", [1], "default"), ("smp", [1, 2, 4, 8], "default"),
        ("tlb", [2, 4], "all"), ("spf", [4], "rcu-ipi-vma,ipi-ipi-vma")]


class Matrix(unittest.TestCase):
    def test_real_files_parse(self):
        for f in ("tests/matrix.txt", "tests/torture.txt", "bench/matrix.txt"):
            self.assertTrue(matrix.read_matrix(os.path.join(harness.ROOT,
                                                            f)))

    def test_bad_rows(self):
        for body, want in (("a 1\n", "want `name cpus configs`"),
                           ("a x default\n", "bad cpus"),
                           ("a 1 rcu-ipi\n", "bad configuration"),
                           ("a 1 default pvmodel\n", "bad command-line word")):
            with tempfile.NamedTemporaryFile("w") as f:
                f.write("# comment\n" + body)
                f.flush()
                with self.assertRaisesRegex(ValueError, f":2: .*{want}"):
                    matrix.read_matrix(f.name)

    def test_grouping(self):
        b = matrix.plan_boots(matrix.expand_matrix(ROWS)[0])
        self.assertEqual(len(b), 4 + 11 * 2)
        self.assertEqual(b[0], ("rcu-ipi-vma", 1, ["boot", "smp"]))

    def test_cpus_narrow_or_replace(self):
        rows, _ = matrix.expand_matrix(ROWS, cpus=[8])
        self.assertEqual(matrix.plan_boots(rows)[0],
                         ("rcu-ipi-vma", 8, ["boot", "smp", "tlb", "spf"]))
        rows, _ = matrix.expand_matrix(ROWS, names=["smp"], cpus=[2, 16])
        self.assertEqual(rows[0].cpus, [2])

    def test_switches_narrow(self):
        rows, notes = matrix.expand_matrix(
            ROWS, names=["tlb", "spf"],
            switches={"TABLE_FREE": "ipi", "SHOOTDOWN": "pv"})
        self.assertEqual(sorted({c for r in rows for c in r.configs}),
                         ["ipi-pv-locked", "ipi-pv-spf", "ipi-pv-vma"])
        self.assertEqual(notes, ["suite spf: no configuration of its row "
                                 "matches the given switches; not run"])
        rows, _ = matrix.expand_matrix(ROWS, names=["smp"], cpus=[2, 4],
                                       switches={"FAULT": "vma"})
        self.assertEqual(matrix.plan_boots(rows),
                         [("rcu-ipi-vma", 2, ["smp"]),
                          ("rcu-ipi-vma", 4, ["smp"])])

    def test_command_line_words_boot_apart(self):
        with tempfile.NamedTemporaryFile("w") as f:
            f.write("tlb 2 rcu-pv-vma\npv 2 rcu-pv-vma\n"
                    "tlb 2 rcu-pv-vma pvmodel=100,10,1 x=y\n")
            f.flush()
            rows, _ = matrix.expand_matrix(matrix.read_matrix(f.name))
        b = matrix.plan_boots(rows)
        self.assertEqual(b, [("rcu-pv-vma", 2, ["tlb", "pv"]),
                             ("rcu-pv-vma", 2, ["tlb"])])
        self.assertEqual([x.cmdline for x in b], ["", "pvmodel=100,10,1 x=y"])
        self.assertEqual(matrix.boot_stems(b),
                         ["rcu-pv-vma-cpus2",
                          "rcu-pv-vma-cpus2-pvmodel_100_10_1_x_y"])

    def test_unknown_name_runs_at_default(self):
        rows, notes = matrix.expand_matrix(ROWS, names=["nosuch"],
                                           what="benchmark", where="m.txt")
        self.assertEqual(matrix.plan_boots(rows),
                         [("rcu-ipi-vma", 1, ["nosuch"])])
        self.assertEqual(notes, ["benchmark nosuch is not in m.txt: running "
                                 "it at the default configuration"])


class CommandLineLimit(unittest.TestCase):
    """No boot may carry a value longer than the kernel accepts."""

    def test_limit_read_from_lib_cmdline_h(self):
        with open(os.path.join(harness.ROOT, "lib", "cmdline.h")) as f:
            m = re.search(r"#define CMDLINE_VALUE_MAX\s+(\d+)", f.read())
        self.assertEqual(matrix.VALUE_MAX, int(m.group(1)))
        # The kernel keeps ktest= and bench= values in buffers of exactly
        # that size: a value the parser accepts always fits.
        for path, buf in (("kernel/params.c", "ktest_spec"),
                          ("bench/kernel/bench.c", "bench_spec")):
            with open(os.path.join(harness.ROOT, path)) as f:
                self.assertRegex(f.read(), rf"static char {buf}"
                                 r"\[CMDLINE_VALUE_MAX \+ 1\]", path)

    def test_split(self):
        names = ["aaaa", "bb", "cc", "dddddd", "e"]
        self.assertEqual(matrix.split_names(names, 7),
                         [["aaaa", "bb"], ["cc"], ["dddddd"], ["e"]])
        self.assertEqual(matrix.split_names(names, 100), [names])
        self.assertRaisesRegex(ValueError, "dddddd", matrix.split_names,
                               names, 5)
        rows, _ = matrix.expand_matrix(ROWS, cpus=[8])
        b = matrix.plan_boots(rows, value_max=8)
        self.assertEqual(b[:2], [("rcu-ipi-vma", 8, ["boot", "smp"]),
                             ("rcu-ipi-vma", 8, ["tlb", "spf"])])
        self.assertEqual(matrix.boot_stems(b[:2] + [("x", 1, ["y"])]),
                         ["rcu-ipi-vma-cpus8-part1",
                          "rcu-ipi-vma-cpus8-part2", "x-cpus1"])

    def test_real_matrices_fit_however_narrowed(self):
        """`make bench CPUS=2` once put all 14 benchmark names, 155
        characters, in one bench= value; the kernel ignored it."""
        for f in ("tests/matrix.txt", "tests/torture.txt", "bench/matrix.txt"):
            rows = matrix.read_matrix(os.path.join(harness.ROOT, f))
            for cpus in (None, [1], [2], [4], [8], [16]):
                expanded = matrix.expand_matrix(rows, cpus=cpus)[0]
                plan = matrix.plan_boots(expanded)
                all_names = sorted(n for _, _, ns in plan for n in ns)
                for c, n, names in plan:
                    self.assertLessEqual(len(",".join(names)),
                                         matrix.VALUE_MAX, (f, c, n))
                # Split, never dropped: every name of the narrowed matrix
                # is in some boot, once per (config, CPUs).
                want = sorted((c, n, r.name) for r in expanded
                              for c in r.configs for n in r.cpus)
                got = sorted((c, n, name) for c, n, ns in plan for name in ns)
                self.assertEqual(got, want)
                if f.startswith("bench") and cpus == [2]:
                    self.assertGreater(len(all_names), 15)
                    self.assertGreater(len(plan), 2)   # had to split


class Options(unittest.TestCase):
    def parse(self, *argv):
        ap = argparse.ArgumentParser()
        matrix.add_narrowing_args(ap, "--suites", "")
        a = ap.parse_args(list(argv))
        return matrix.narrowing_from_args(ap, a, a.suites)

    def test_empty_means_not_given(self):
        n = self.parse("--suites", "", "--cpus", "", "--table-free", "",
                       "--shootdown", "", "--fault", "")
        self.assertEqual((n.names, n.cpus, n.switches), (None, None, {}))

    def test_values(self):
        n = self.parse("--suites", "a,b", "--cpus", "2, 4", "--fault", "vma")
        self.assertEqual((n.names, n.cpus, n.switches),
                         (["a", "b"], [2, 4], {"FAULT": "vma"}))

    def test_errors(self):
        for argv in (("--cpus", "0"), ("--cpus", "x"),
                     ("--table-free", "pv")):
            with self.assertRaises(SystemExit), \
                    open(os.devnull, "w") as null, \
                    contextlib.redirect_stderr(null):
                self.parse(*argv)


if __name__ == "__main__":
    harness.main()
