#!/usr/bin/env python3
"""scripts/tests/test_compare.py - `make compare`'s report (compare.py, comparereport.py, experiments.py).

The report is generated from fixtures/compare/: real serial logs of
`compare.py --only E1,E2,E6` boots (two boots of each configuration) and
synthetic logs, named synthetic-*, written to the interface of the
benchmarks not yet in this tree (gup_section, pft, pv_flush, pv_safety).
Checked: the report is well-formed (comparereport.check_report()), the headline
answers each question with a number and its baseline, medians over boots,
ratios, overcommitted marks, log scales, the plan of boots, and that a benchmark with no
results is reported as not measured, never as a number.  E0 (this kernel
against Linux) from real logs of `make peer` (fixtures/peer/): with Linux,
and without it (not measured, also on run()'s own path).  No QEMU.
"""

import contextlib
import csv
import glob
import io
import os
import shutil
import tempfile
import unittest
from unittest import mock

import harness
from harness import FIXTURES

import benchreport
import compare
import comparereport
import experiments
from experiments import EXPERIMENTS, HEADLINES

LOGS = sorted(glob.glob(os.path.join(FIXTURES, "compare", "*.log")))
PEER_LOGS = [os.path.join(FIXTURES, "peer", f) for f in
             ("rcu-ipi-vma-cpus2-boot1.log", "linux-cpus2-boot1.log")]
# The same boots once scale had its controls (fixtures/README.md).
PEER_CTL_LOGS = [os.path.join(FIXTURES, "peer", "controls", f) for f in
                 ("rcu-ipi-vma-cpus2-boot1.log", "linux-cpus2-boot1.log")]
EXP = {e.id: e for e in EXPERIMENTS}
REAL = [p for p in LOGS if not os.path.basename(p).startswith("synthetic")]
META = dict(date="today", host="h", command="c", duration="1 s")


def build(paths, out_dir, exps=None, run_=None):
    with contextlib.redirect_stdout(io.StringIO()):
        run_ = run_ or compare.from_logs(paths)
    exps = exps or EXPERIMENTS
    text, pngs, problems = comparereport.report(run_, META, out_dir, exps)
    return text, pngs, problems, comparereport.check_report(text, out_dir, exps)


def headline(text: str, exp: str) -> list[list[str]]:
    return [[c.strip() for c in ln.strip("|").split(" | ")]
            for ln in text.splitlines() if ln.startswith(f"| {exp}:")]


def gnuplot_ok() -> bool:
    return benchreport.gnuplot_terminal() is not None


class Report(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_fixtures_are_there(self):
        self.assertEqual((len(REAL), len(LOGS)), (12, 25))

    def test_real_logs_and_missing_benchmarks(self):
        # The real logs are of E1, E2 and E6 only (rcu-ipi-vma and
        # ipi-ipi-vma, two boots each): E3-E5 have no BENCH lines there and
        # the report says so.
        text, pngs, problems, bad = build(REAL, self.dir)
        self.assertEqual((bad, problems), ([], []))
        e1 = headline(text, "E1")[0]
        self.assertEqual(e1[1:4], ["rcu_read_lock: 1196 cycles",
                                   "irq_save_restore: 1243", "0.963x"])
        e6 = headline(text, "E6")[0]
        self.assertEqual(e6[1], "rcu-ipi-vma: 679552 bytes")  # 2 boots
        self.assertEqual((e6[2], e6[3]), ("ipi-ipi-vma: 7808", "87x"))
        for exp, bench in (("E3", "pft"), ("E4", "pv_flush"),
                           ("E5", "pv_safety")):
            for row in headline(text, exp):
                self.assertEqual(row[1:], [
                    f"not measured: no BENCH lines of {bench} in this run",
                    "-", "-", "-"])
        self.assertIn("### pft: faults_per_s_own, faults_per_s_writer (-)"
                      "\n\nnot measured: no BENCH lines of pft in this run.",
                      text)
        if gnuplot_ok():
            self.assertEqual(sorted(pngs), [
                "E1_gup_section.png", "E1_walk_section.png",
                "E2_munmap_latency.png",
                "E6_munmap_4mib.png", "E6_peak_deferred.png"])

    def test_all_six_with_interface_lines(self):
        text, pngs, problems, bad = build(LOGS, self.dir)
        self.assertEqual((bad, problems), ([], []))
        self.assertEqual(headline(text, "E1")[0][1:4],
                         ["rcu_read_lock: 1196 cycles",
                          "irq_save_restore: 1243", "0.963x"])
        # spf: median of three boots (165000, 180000, 195000).
        self.assertEqual([r[1:4] for r in headline(text, "E3")],
                         [["rcu-ipi-spf: 180000 faults/s",
                           "rcu-ipi-locked: 75000", "2.4x"],
                          ["rcu-ipi-vma: 135000 faults/s",
                           "rcu-ipi-locked: 75000", "1.8x"]])
        self.assertIn("| faults_per_s_writer | 2 | 2 | 75000 (25000..100000)"
                      " | 180000 (55000..260000) | 135000 (45000..180000) | "
                      "2.4x | 1.8x | 1/3 |", text)
        # Timing from the largest boot that is not overcommitted (2 vCPUs
        # on the fixtures' 2-core host); counts from the largest (4, oc).
        lat, ipis = headline(text, "E4")
        self.assertEqual(lat[1:], ["rcu-pv-vma: 21000 ns",
                                   "rcu-ipi-vma: 2020000", "0.0104x",
                                   "2 vCPUs, preempted vCPUs 1"])
        self.assertEqual(ipis[1:], ["rcu-pv-vma: 0 ipis",
                                    "rcu-ipi-vma: 3000", "0x",
                                    "4 vCPUs, preempted vCPUs 3, "
                                    "overcommitted"])
        self.assertIn("| 4 | 3 | 6020000 (6015000..18060000) (oc) | 23000 "
                      "(18000..69000) (oc) | 0.00382x | 1 |", text)
        self.assertIn("**Overcommitted** (vCPUs > host cores): vCPUs 4",
                      text)
        self.assertEqual(headline(text, "E5")[0][1:3], [
            "ipi-pv-vma: 37 ppm",
            "rcu-ipi-vma: 0, rcu-pv-vma: 0, ipi-ipi-vma: 0"])
        if not gnuplot_ok():
            self.skipTest("gnuplot not usable here: plots not checked")
        self.assertEqual(len(pngs), 12)

        def gp(name):
            with open(os.path.join(self.dir, "gnuplot", name + ".gp")) as f:
                return f.read()
        # Decades: log scales; zeros (E5) stay linear; error bars always.
        self.assertIn("set logscale y", gp("E2_munmap_latency"))
        self.assertIn("set logscale x", gp("E1_gup_section"))
        self.assertNotIn("logscale", gp("E5_poisoned_ppm"))
        self.assertIn('set xlabel "walker section length (us)"',
                      gp("E2_munmap_latency"))
        self.assertIn("overcommitted (vCPUs > host cores)",
                      gp("E4_initiator_latency"))
        for v in ("E2_munmap_latency", "E5_poisoned_ppm"):
            self.assertRegex(gp(v), r"with yerror(lines|bars)")

    def test_missing_benchmark_in_a_run(self):
        # What run() records for a kernel without the benchmark.
        with contextlib.redirect_stdout(io.StringIO()):
            r = compare.from_logs(REAL)
        e3 = next(e for e in EXPERIMENTS if e.id == "E3")
        r.missing = {("pft", c): "the kernel has no benchmark pft"
                     for c in e3.configs}
        text, _, _, bad = build(None, self.dir, run_=r)
        self.assertEqual(bad, [])
        self.assertIn("| E3: faults/s of spf with a concurrent writer, 2 "
                      "threads, against locked | not measured: the kernel "
                      "has no benchmark pft (rcu-ipi-locked, rcu-ipi-spf, "
                      "rcu-ipi-vma) | - | - | - |", text)

    def test_check_report_catches(self):
        text, _, _, bad = build(REAL, self.dir)
        self.assertEqual(bad, [])
        exps = EXPERIMENTS
        broken = text.replace("| 2 | 1 |", "| 2 |", 1)
        self.assertTrue(any("cells" in b for b in comparereport.check_report(
            broken, self.dir, exps)))
        cut = text[:text.index("## E6")]
        self.assertTrue(comparereport.check_report(cut, self.dir, exps))
        if gnuplot_ok():
            os.unlink(os.path.join(self.dir, "E2_munmap_latency.png"))
            self.assertEqual(comparereport.check_report(text, self.dir, exps),
                             ["E2_munmap_latency.png is missing"])

    def test_main_writes_the_files(self):
        out = os.path.join(self.dir, "out")
        with contextlib.redirect_stdout(io.StringIO()):
            rc = compare.main(["--from-log", *LOGS, "--out", out])
        self.assertEqual(rc, 0)
        with open(os.path.join(out, "compare.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(tuple(rows[0]), comparereport.CSV_COLUMNS)
        self.assertTrue(any(r["overcommitted"] == "yes" for r in rows))
        with open(os.path.join(out, "results.csv")) as f:
            self.assertEqual(len(list(csv.DictReader(f))), 144)
        with open(os.path.join(out, "report.md")) as f:
            self.assertTrue(f.read().startswith("# make compare"))


class PeerE0(unittest.TestCase):
    """E0, this kernel against Linux: real logs of `make peer` (a busy
    host's figures: only the arithmetic is checked)."""

    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_with_linux(self):
        text, pngs, problems, bad = build(PEER_LOGS, self.dir, [EXP["E0"]])
        self.assertEqual((bad, problems), ([], []))
        rows = headline(text, "E0")
        # The three shapes, then the two controls, which these logs (from
        # before the controls) do not have.
        self.assertEqual(len(rows), 5)
        for row in rows[3:]:
            self.assertIn("not measured", row[1])
        # page_fault1: this kernel 87804 / 113496 = 0.774, Linux
        # 18454 / 10839 = 1.70; 0.774 / 1.70 = 0.454.
        self.assertEqual(rows[0][1:], ["rcu-ipi-vma: 0.774 x", "linux: 1.7",
                                       "0.454x", "2 vCPUs, threads 2"])
        self.assertIn("Linux: Linux 6.1.0-57-cloud-amd64 (Debian "
                      "6.1.192-3).", text)
        self.assertIn("| iterations_per_s_page_fault1 | 2 | 1 | 10839 "
                      "(10786..10892) | 113496 (113110..113884) | 10.5x | "
                      "1 |", text)
        self.assertEqual(text.count("not measured:"), 2)     # the controls
        self.assertIn("| scaling_page_fault1 | 2 | 2 | 1.7 (1.7..1.7) | "
                      "0.774 (0.774..0.774) | 0.454x | 1 |", text)
        self.assertIn("| scaling_page_fault1 | 2 | 1 | 1 (1..1) | 1 (1..1) "
                      "| 1x | 1 |", text)
        if gnuplot_ok():
            self.assertEqual(sorted(pngs), ["E0_iterations_per_s.png",
                                            "E0_scaling.png"])

    def test_controls(self):
        text, _, problems, bad = build(PEER_CTL_LOGS, self.dir, [EXP["E0"]])
        self.assertEqual((bad, problems), ([], []))
        rows = headline(text, "E0")
        self.assertEqual(len(rows), 5)
        # beside_writer over page_fault1 alone: this kernel
        # 291088 / 292019 = 0.997, Linux 48577 / 51193 = 0.949.
        self.assertEqual(rows[3][1:], ["rcu-ipi-vma: 0.997 x",
                                       "linux: 0.949", "1.05x",
                                       "2 vCPUs, threads 1"])
        self.assertIn("| iterations_per_s_page_fault1_beside_adder | 2 | 1 "
                      "| 45848 (44560..47137) | 292899 (292074..293725) | "
                      "6.39x | 1 |", text)

    def test_not_measured_without_linux(self):
        # What run() records when build/peer/ has no kernel: Linux's
        # figures are "not measured", with why; this kernel's stand.
        with contextlib.redirect_stdout(io.StringIO()):
            r = compare.from_logs(PEER_LOGS[:1])
        r.missing[("scale", experiments.PEER)] = "no Linux kernel here"
        text, _, problems, bad = build(None, self.dir, [EXP["E0"]], r)
        self.assertEqual((bad, problems), ([], []))
        for row in headline(text, "E0")[:3]:
            self.assertEqual(row[2:4], ["linux: not measured", "-"])
        self.assertEqual(headline(text, "E0")[0][1], "rcu-ipi-vma: 0.774 x")
        self.assertEqual(text.count("`linux`: not measured: no Linux "
                                    "kernel here (linux)."), 2)
        self.assertNotIn("10839", text)       # no Linux figure anywhere

    def test_nothing_measured(self):
        text, _, _, bad = build(REAL, self.dir, [EXP["E0"]])
        self.assertEqual(bad, [])
        for row in headline(text, "E0"):
            self.assertEqual(row[1:], ["not measured: no BENCH lines of "
                                       "scale in this run", "-", "-", "-"])

    def test_run_without_a_linux_kernel(self):
        # run()'s own path with no kernel fetched: this kernel boots,
        # Linux does not, and its benchmark is missing, with why.
        def boots(boots, accel, mem, timeout, log_dir, kernels, stems, tf):
            self.assertEqual(stems, ["rcu-ipi-vma-cpus2-E0-boot1"])
            o = compare.bench.Outcome(accels={accel})
            o.results = compare.bench.from_logs(PEER_LOGS[:1]).results
            o.boots = ["one"]
            return o
        with mock.patch.object(compare.peerimage, "image",
                               return_value=None), \
                mock.patch.object(compare.bench, "build_kernels",
                                  return_value=({"rcu-ipi-vma": "k"}, [])), \
                mock.patch.object(compare, "registered_benchmarks",
                                  return_value={"scale"}), \
                mock.patch.object(compare.bench, "run_boots", boots), \
                mock.patch.object(compare.peerboot, "boot_linux") as linux, \
                contextlib.redirect_stdout(io.StringIO()):
            r = compare.run([EXP["E0"]], True, "tcg", "512M", None, self.dir)
        linux.assert_not_called()
        self.assertEqual(r.boots, 1)
        self.assertEqual({x["config"] for x in r.results}, {"rcu-ipi-vma"})
        self.assertIn("`make peer` fetches one",
                      r.missing[("scale", experiments.PEER)])
        text, _, problems, bad = build(None, self.dir, [EXP["E0"]], r)
        self.assertEqual((bad, problems), ([], []))
        self.assertIn("`linux`: not measured: no Linux kernel in build/peer/",
                      text)


class Aggregate(unittest.TestCase):
    def test_walker_section_in_ns_or_us(self):
        # The interface reports E2's x in ns; this tree's kernel in us.
        v = EXP["E2"].views[0]
        row = dict(name="gup_munmap_latency", config="rcu-ipi-vma", cpus=2,
                   accel="tcg", metric="munmap_16_pages", unit="ns",
                   value=5, min=4, max=9, runs=15, host_cores=2,
                   overcommitted="no")
        for xs in ((1000, 100000, 1000000), (1, 100, 1000)):
            rows = [dict(row, x=x, boot=f"b{x}") for x in xs]
            self.assertEqual(sorted(a["x"] for a in comparereport.aggregate(
                v, rows)), [1, 100, 1000])

    def test_median_of_boots(self):
        v = EXP["E6"].views[0]
        rows = [dict(name="munmap_storm", config="rcu-ipi-vma", cpus=2,
                     accel="tcg", metric="peak_deferred_bytes", unit="bytes",
                     x=-1, value=val, min=val - 1, max=val + 1, runs=1,
                     host_cores=2, overcommitted="no", boot=f"b{i}")
                for i, val in enumerate((30, 10, 20, 1000, 25))]
        (a,) = comparereport.aggregate(v, rows)
        self.assertEqual((a["value"], a["min"], a["max"], a["boots"]),
                         (25, 9, 1001, 5))


class Plan(unittest.TestCase):
    def test_boots(self):
        full = compare.plan(EXPERIMENTS, False)
        quick = compare.plan(EXPERIMENTS, True)
        # E0: this kernel and Linux, 3 boots (1 quick); E1-E6: 92 (15);
        # E7: 3 configurations x 5 boots (1 quick).
        self.assertEqual((len(full), len(quick)), (113, 20))
        # Round-robin: every first boot before any second one.
        ks = [k for _, _, _, k in full]
        self.assertEqual(ks, sorted(ks))
        self.assertEqual(compare.plan([EXP["E6"]], True),
                         [(EXP["E6"], "rcu-ipi-vma", 2, 1),
                          (EXP["E6"], "ipi-ipi-vma", 2, 1)])

    def test_definitions(self):
        for e in EXPERIMENTS:
            for c in e.configs:
                if c != experiments.PEER:       # E0's Linux
                    compare.matrix.parse_config(c)
            for v in e.views:
                self.assertIn(v.bench, e.benches)
                self.assertIn(v.baseline, e.configs if v.series == "config"
                              else v.metrics)
        for h in HEADLINES:
            e = experiments.experiment_of(h.value.bench)
            self.assertEqual(e.id, h.experiment)

    def test_registered_benchmarks(self):
        k = os.path.join(compare.ROOT, "build", "rcu-ipi-vma", "kernel.elf")
        if not os.path.exists(k):
            self.skipTest("no build/rcu-ipi-vma/kernel.elf")
        names = compare.registered_benchmarks(k)
        self.assertIn("munmap_storm", names)
        self.assertNotIn("start", names)


if __name__ == "__main__":
    harness.main()
