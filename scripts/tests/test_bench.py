#!/usr/bin/env python3
"""scripts/tests/test_bench.py - the benchmarks' parser, writers and plan.

benchlog.py on real serial logs of `make bench` boots (fixtures/bench-*)
and on malformed lines; its PROFILE lines (`make bench PROFILE=1`) on a
real log (fixtures/bench-profile-*) and on malformed ones, and the
profile-*.md pages and links benchreport.py writes from them; benchreport.py's CSV, markdown and gnuplot output
for real and for synthetic results (three configurations by three CPU
counts, with known ratios); bench.py's plan of boots.  No QEMU.
"""

import contextlib
import csv
import io
import json
import os
import shutil
import tempfile
import unittest

import harness
from harness import FIXTURES, fixture

import bench
import benchreport
from benchlog import parse_log

REAL = ["bench-rcu-ipi-spf-cpus1.log", "bench-rcu-ipi-spf-cpus2.log",
        "bench-ipi-ipi-spf-cpus2.log"]
META = dict(date="today", accels={"tcg"}, host="h", command="c",
            boots="3 logs", problems=[])


def fake_log(config: str, cpus: int, accel: str, scale: float) -> str:
    """A serial log as the kernel would print it, noise interleaved."""
    def line(name, metric, unit, x, v):
        return "BENCH " + json.dumps(dict(
            name=name, config=config, cpus=cpus, accel=accel, metric=metric,
            value=v, unit=unit, runs=11, min=round(v * 0.9, 1),
            max=round(v * 1.2, 1), x=x))
    out = [f"[    0.000000] Booting kernel ({config}), {cpus} CPUs",
           "bench: running ipi_roundtrip,spinlock"]
    for target in range(1, cpus):
        out.append(line("ipi_roundtrip", "ipi_roundtrip", "cycles", target,
                        round(scale * (2000 + 100 * target))))
    out.append("[    0.2] smp: something else")
    out.append(line("spinlock", "acquire_release", "ns", -1,
                    scale * 40.5 * cpus))
    out.append("\x1b[0m" + line("spinlock", "acquire_release_cycles",
                                "cycles", -1, int(scale * 120 * cpus))
               + "\r")
    return "\n".join(out) + "\n"


def quiet_from_logs(paths):
    with contextlib.redirect_stdout(io.StringIO()):
        return bench.from_logs(paths)


class Parser(unittest.TestCase):
    def test_real_logs(self):
        s = parse_log(fixture("bench-rcu-ipi-spf-cpus2.log"), "f",
                      "rcu-ipi-spf", 2, "tcg")
        self.assertEqual((len(s.results), s.errors, s.names),
                         (6, [], {"spinlock", "ipi_roundtrip"}))
        self.assertEqual(s.results[0], dict(
            name="spinlock", config="rcu-ipi-spf", cpus=2, accel="tcg",
            metric="throughput", x=1, value=6966, unit="acq/ms", runs=1,
            min=6966, max=6966, host_cores="", overcommitted=""))
        s = parse_log(fixture("bench-rcu-ipi-spf-cpus1.log"))
        self.assertEqual(sorted((r["name"], r["metric"], r["x"])
                                for r in s.results),
                         [("mmap", "mmap_touch_munmap", -1),
                          ("rcu_read_side", "local_irq_save_restore", -1),
                          ("rcu_read_side", "rcu_read_lock_unlock", -1)])

    def test_synthetic(self):
        s = parse_log(fake_log("rcu-ipi-vma", 4, "tcg", 1.0), "fake")
        self.assertEqual((len(s.results), s.errors), (3 + 2, []))
        self.assertEqual(s.results[0]["min"], 1890.0)

    def test_errors_and_defaults(self):
        s = parse_log('cpu1: xBENCH {"name": "a", "metric": "m", "value": 3}'
                      ' z\nBENCH-ERROR {"name": "b", "message": "ENOMEM"}\n'
                      'BENCH {"name": "c", "metric": \n'
                      'BENCH {"name": "d", "metric": "m", "value": "fast"}\n'
                      'BENCHMARK {"ignored": 1}\n',
                      "t", config="ipi-pv-vma", cpus=2, accel="kvm")
        self.assertEqual([(r["name"], r["config"], r["cpus"], r["accel"],
                           r["x"], r["min"]) for r in s.results],
                         [("a", "ipi-pv-vma", 2, "kvm", -1, 3)])
        self.assertEqual(len(s.errors), 3)
        self.assertIn("ENOMEM", s.errors[0])
        self.assertEqual(s.names, {"a", "b", "d"})


class Writers(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_real_logs(self):
        out = quiet_from_logs([os.path.join(FIXTURES, f) for f in REAL])
        self.assertEqual((len(out.results), out.problems), (15, []))
        benchreport.write_all(self.dir, out.results, META,
                              ["ipi_roundtrip", "spinlock"])
        with open(os.path.join(self.dir, "results.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 15)
        self.assertEqual(rows[0]["name"], "ipi_roundtrip")
        with open(os.path.join(self.dir, "results.md")) as f:
            md = f.read()
        self.assertEqual(md.count("\n## "), 8)
        self.assertIn("| 2 | 2 | 1865 | 2421 | 1.30x |", md)

    def test_synthetic_pipeline(self):
        logs = []
        for config, scale in (("ipi-ipi-vma", 1.5), ("rcu-ipi-vma", 1.0),
                              ("rcu-pv-vma", 0.8)):
            for n in (2, 4, 8):
                p = os.path.join(self.dir, f"{config}-cpus{n}.log")
                with open(p, "w") as f:
                    f.write(fake_log(config, n, "tcg", scale))
                logs.append(p)
        out = quiet_from_logs(logs)
        self.assertEqual(len(out.results), 3 * (1 + 3 + 7 + 6))
        d = os.path.join(self.dir, "out")
        files = benchreport.write_all(d, out.results, META)
        with open(os.path.join(d, "results.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(tuple(rows[0].keys()), benchreport.CSV_COLUMNS)
        self.assertEqual(len(rows), len(out.results))
        self.assertEqual(rows[0]["config"], "rcu-ipi-vma")
        with open(os.path.join(d, "results.md")) as f:
            md = f.read()
        self.assertEqual(md.count("\n## "), 3)
        self.assertIn("| cpus | x | rcu-ipi-vma | ipi-ipi-vma | rcu-pv-vma | "
                      "ipi-ipi-vma / rcu-ipi-vma | rcu-pv-vma / rcu-ipi-vma |",
                      md)
        self.assertIn("| 4 | 2 | 2200 | 3300 | 1760 | 1.50x | 0.80x |", md)
        self.assertIn("| 8 | 324 | 486 | 259 | 1.50x | 0.80x |", md)
        if not benchreport.gnuplot_terminal():
            self.skipTest("gnuplot not usable here: plots not checked")
        self.assertEqual(sorted(f for f in files if f.endswith(".png")),
                         ["ipi_roundtrip_ipi_roundtrip.png",
                          "spinlock_acquire_release.png",
                          "spinlock_acquire_release_cycles.png"])
        with open(os.path.join(d, "gnuplot",
                               "ipi_roundtrip_ipi_roundtrip.gp")) as f:
            # x varies within a boot: one line per (config, cpus).
            self.assertEqual(f.read().count("with yerrorlines"), 9)

    def test_overcommitted_marked(self):
        # A boot with more vCPUs than host cores is marked in the CSV, the
        # markdown and the plot; the host's cores come from the BENCH-HOST
        # line bench.py appends to each log (or the caller).
        logs = []
        for n in (2, 4):
            p = os.path.join(self.dir, f"rcu-ipi-spf-cpus{n}.log")
            with open(p, "w") as f:
                f.write(fake_log("rcu-ipi-vma", n, "tcg", 1.0) +
                        'BENCH-HOST {"host_cores": 2}\n')
            logs.append(p)
        out = quiet_from_logs(logs)
        self.assertEqual({(r["cpus"], r["host_cores"], r["overcommitted"])
                          for r in out.results},
                         {(2, 2, "no"), (4, 2, "yes")})
        s = parse_log(fake_log("rcu-ipi-vma", 4, "tcg", 1.0), host_cores=8)
        self.assertEqual({r["overcommitted"] for r in s.results}, {"no"})
        d = os.path.join(self.dir, "out")
        files = benchreport.write_all(d, out.results, META)
        with open(os.path.join(d, "results.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual({(r["cpus"], r["overcommitted"]) for r in rows},
                         {("2", "no"), ("4", "yes")})
        with open(os.path.join(d, "results.md")) as f:
            md = f.read()
        self.assertIn("more vCPUs than the host's 2 cores", md)
        self.assertIn("\n| 4 | 162 (oc) |\n", md)
        self.assertIn("\n| 2 | 81 |\n", md)
        if not benchreport.gnuplot_terminal():
            self.skipTest("gnuplot not usable here: plots not checked")
        gp = [f for f in os.listdir(os.path.join(d, "gnuplot"))
              if f.startswith("spinlock_acquire_release")]
        with open(os.path.join(d, "gnuplot", gp[0])) as f:
            self.assertIn("overcommitted (vCPUs > host cores)", f.read())
        self.assertTrue(any(f.endswith(".png") for f in files))

    def test_thread_scaling_view(self):
        # A real `make bench BENCH=scale CPUS=2` boot: x is threads, and
        # each table adds the rate at N threads over the rate at 1.
        out = quiet_from_logs([os.path.join(
            FIXTURES, "bench-scale-rcu-ipi-vma-cpus2.log")])
        self.assertEqual((len(out.results), out.problems), (6, []))
        md = benchreport.markdown(out.results, META)
        self.assertIn("## scale: iterations_per_s_page_fault1 "
                      "(iterations/s)", md)
        self.assertIn("| cpus | threads | rcu-ipi-vma | rcu-ipi-vma: N / 1 "
                      "thread |", md)
        self.assertIn("| 2 | 1 | 24660 | 1.00x |", md)
        self.assertIn("| 2 | 2 | 28090 | 1.14x |", md)      # 28090 / 24660
        self.assertIn("| 2 | 2 | 42781 | 2.62x |", md)      # mmap1
        # Other benchmarks keep their tables as they were.
        r = parse_log(fake_log("rcu-ipi-vma", 2, "tcg", 1.0)).results
        self.assertNotIn("N / 1", benchreport.markdown(r, META))
        self.assertEqual(benchreport.scaling(None, r[0]), "-")

    def test_mixed_accelerators(self):
        r = parse_log(fake_log("rcu-ipi-vma", 2, "tcg", 1.0)).results[0]
        md = benchreport.markdown([r, dict(r, accel="kvm", value=210)], META)
        c = r["config"]
        self.assertIn(f"| {c} (kvm) | {c} (tcg) | {c} (tcg) / {c} (kvm) |",
                      md)


class Plan(unittest.TestCase):
    def setUp(self):
        f = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
        f.write("# test\nipi_roundtrip 2,4,8 default\n"
                "call_function 2,4,8 default\nspinlock 1,2,4,8 default\n"
                "tlb 4 rcu-ipi-vma,ipi-ipi-vma\n")
        f.close()
        self.m = f.name

    def tearDown(self):
        os.unlink(self.m)

    def test_boots(self):
        b, _, _ = bench.plan(self.m, None, None, {})
        self.assertEqual([(c, n) for c, n, _ in b],
                         [("rcu-ipi-vma", 1), ("rcu-ipi-vma", 2),
                          ("rcu-ipi-vma", 4), ("rcu-ipi-vma", 8),
                          ("ipi-ipi-vma", 4)])
        self.assertEqual(b[2][2], ["ipi_roundtrip", "call_function",
                                   "spinlock", "tlb"])

    def test_narrowed(self):
        b, _, _ = bench.plan(self.m, ["spinlock"], [4, 16],
                             {"TABLE_FREE": "ipi"})
        self.assertEqual(b, [("ipi-ipi-vma", 4, ["spinlock"])])
        b, notes, _ = bench.plan(self.m, ["nosuch"], None, {})
        self.assertEqual((b, len(notes)),
                         ([("rcu-ipi-vma", 1, ["nosuch"])], 1))
        b, notes, _ = bench.plan(self.m, ["tlb"], None, {"SHOOTDOWN": "pv"})
        self.assertEqual((b, notes[0].startswith("benchmark tlb")),
                         ([], True))

    def test_a_refused_boot_says_why(self):
        text = fixture("bench-ignored-key-monitor-cpus2.log")
        scan = parse_log(text, "f", "rcu-ipi-vma", 2, "tcg")
        p = bench.boot_problems("rcu-ipi-vma cpus=2", scan, "ignored-key",
                                ["spinlock"], "value too long")
        self.assertEqual(p, ["rcu-ipi-vma cpus=2: boot ignored-key: "
                             "value too long"])

    def test_real_matrix(self):
        b, notes, order = bench.plan(bench.MATRIX, None, None, {})
        self.assertTrue(b)
        self.assertEqual(notes, [])
        self.assertIn("munmap_storm", order)


PROFILE_LOG = "bench-profile-rcu-ipi-vma-cpus2.log"


def profile_line(**over) -> str:
    obj = dict(name="spinlock", config="rcu-ipi-vma", cpus=2, accel="tcg",
               hz=100, samples=10, kernel=9, user=1, outside=0,
               functions=[{"fn": "spin_lock", "samples": 6}],
               user_programs=[{"name": "pfbench", "samples": 1}],
               locks=[{"class": "&rq->lock|x", "spin_cycles": 5,
                       "contended": 1, "acquired": 2}])
    obj.update(over)
    return "PROFILE " + json.dumps(obj)


class Profiles(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_real_log(self):
        s = parse_log(fixture(PROFILE_LOG), "f", "rcu-ipi-vma", 2, "tcg")
        self.assertEqual((len(s.results), s.errors, s.names),
                         (4, [], {"pagefault"}))
        self.assertEqual(len(s.profiles), 1)
        p = s.profiles[0]
        self.assertEqual((p["name"], p["config"], p["cpus"], p["accel"],
                          p["hz"]), ("pagefault", "rcu-ipi-vma", 2, "tcg",
                                     100))
        self.assertEqual((p["samples"], p["kernel"], p["user"],
                          p["outside"]), (68, 59, 9, 0))
        self.assertEqual(p["samples"],
                         p["kernel"] + p["user"] + p["outside"])
        self.assertEqual(len(p["functions"]), 14)   # all it had: at most 15
        self.assertEqual(p["functions"][0], {"fn": "memset", "samples": 17})
        counts = [f["samples"] for f in p["functions"]]
        self.assertEqual(counts, sorted(counts, reverse=True))
        self.assertLessEqual(sum(counts), p["kernel"])
        self.assertEqual(p["user_programs"],
                         [{"name": "pfbench", "samples": 9}])
        self.assertEqual(p["locks"][0], {
            "class": "zone_lock", "spin_cycles": 1695669, "contended": 2,
            "acquired": 43383})
        self.assertEqual([lk["class"] for lk in p["locks"]][1:],
                         ["&(&mm->mmap_lock)->wait_lock",
                          "&(&p->thread_wq)->lock", "&p->lock"])

    def test_from_logs_collects_them(self):
        out = quiet_from_logs([os.path.join(FIXTURES, PROFILE_LOG)])
        self.assertEqual((len(out.results), len(out.profiles),
                          out.problems), (4, 1, []))

    def test_malformed_and_defaults(self):
        text = "\n".join([
            "cpu1 noise " + profile_line(),             # anywhere in a line
            'PROFILE {"name": "a", "functions": [',     # cut off
            profile_line(samples=-1),                   # not a count
            profile_line(functions=[{"samples": 3}]),   # no fn
            profile_line(locks="none"),                 # not a list
            'PROFILE {"name": "b"}',                    # all defaults
            "PROFILER {}",
        ]) + "\n"
        s = parse_log(text, "t", config="ipi-ipi-vma", cpus=4, accel="kvm")
        self.assertEqual(len(s.errors), 4)
        self.assertTrue(all("malformed PROFILE line" in e for e in s.errors))
        self.assertEqual([p["name"] for p in s.profiles], ["spinlock", "b"])
        b = s.profiles[1]
        self.assertEqual((b["config"], b["cpus"], b["accel"], b["samples"],
                          b["functions"], b["locks"]),
                         ("ipi-ipi-vma", 4, "kvm", 0, [], []))
        # A PROFILE line names no result: the benchmark still has none.
        self.assertEqual((s.results, s.names), ([], set()))

    def test_sleeps(self):
        s = parse_log(profile_line(
            sleeps=[{"where": "queue_and_wait+0x85", "from": "down_write+0x7b",
                     "count": 35}], sleeps_other=2) + "\n" +
            profile_line(sleeps="none") + "\n", "t")
        self.assertEqual(len(s.errors), 1)          # not a list
        p = s.profiles[0]
        self.assertEqual(p["sleeps"], [{"where": "queue_and_wait+0x85",
                                        "count": 35,
                                        "from": "down_write+0x7b"}])
        self.assertEqual(p["sleeps_other"], 2)
        benchreport.write_profiles(self.dir, s.profiles)
        with open(os.path.join(
                self.dir, "profile-spinlock-rcu-ipi-vma-cpus2.md")) as f:
            text = f.read()
        self.assertIn("| 35 | `queue_and_wait+0x85` | `down_write+0x7b` |",
                      text)
        self.assertIn("| 2 | elsewhere | |", text)
        # An older kernel's line has neither: no sleeps, no error.
        old = parse_log(profile_line() + "\n", "t").profiles[0]
        self.assertEqual((old["sleeps"], old["sleeps_other"]), ([], 0))

    def test_tlb_counts(self):
        tlb = {"shootdowns": 188, "ipis_sent": 188, "flushes_received": 188,
               "pages_flushed": 0, "full_flushes": 381, "wait_cycles": 66}
        s = parse_log(profile_line(tlb=tlb) + "\n" +
                      profile_line(tlb=[1]) + "\n" +
                      profile_line(tlb={"shootdowns": -1}) + "\n", "t")
        self.assertEqual(len(s.errors), 2)          # not an object; not a count
        p = s.profiles[0]
        self.assertEqual(p["tlb"], tlb)
        benchreport.write_profiles(self.dir, s.profiles)
        with open(os.path.join(
                self.dir, "profile-spinlock-rcu-ipi-vma-cpus2.md")) as f:
            text = f.read()
        self.assertIn("## TLB flushes", text)
        self.assertIn("| 381 | full_flushes |", text)
        # An older kernel's line has none: no section, no error.
        old = parse_log(profile_line() + "\n", "t").profiles[0]
        self.assertEqual(old["tlb"], {})
        self.assertNotIn("TLB flushes", benchreport.profile_markdown(old))

    def test_pages_and_links(self):
        s = parse_log(fixture(PROFILE_LOG), "f")
        files = benchreport.write_all(self.dir, s.results, META, None,
                                      s.profiles)
        page = "profile-pagefault-rcu-ipi-vma-cpus2.md"
        self.assertIn(page, files)
        with open(os.path.join(self.dir, page)) as f:
            text = f.read()
        self.assertIn("# Profile: pagefault, rcu-ipi-vma, 2 CPUs (tcg)", text)
        self.assertIn("| 17 | 25.0% | `memset` |", text)
        self.assertIn("| 9 | 13.2% | `pfbench` |", text)
        self.assertIn("| 1695669 | 2 | 43383 | `zone_lock` |", text)
        with open(os.path.join(self.dir, "results.md")) as f:
            md = f.read()
        # Once per CPU count in each table, in a column of its own.
        self.assertEqual(md.count(f"[profile]({page})"), 2)
        self.assertIn("| cpus | x | rcu-ipi-vma | profile |", md)

    def test_page_escapes_and_last_wins(self):
        s = parse_log(profile_line(samples=1) + "\n" + profile_line() +
                      "\n", "t")
        links = benchreport.write_profiles(self.dir, s.profiles)
        self.assertEqual(links, {("spinlock", "rcu-ipi-vma", 2):
                                 "profile-spinlock-rcu-ipi-vma-cpus2.md"})
        with open(os.path.join(self.dir, links[("spinlock", "rcu-ipi-vma",
                                                2)])) as f:
            text = f.read()
        self.assertIn("10 samples at HZ=100", text)
        self.assertIn("`&rq->lock\\|x`", text)

    def test_no_profiles_no_column(self):
        s = parse_log(fixture("bench-rcu-ipi-spf-cpus2.log"), "f")
        benchreport.write_all(self.dir, s.results, META)
        with open(os.path.join(self.dir, "results.md")) as f:
            md = f.read()
        self.assertNotIn("profile", md)
        self.assertEqual([f for f in os.listdir(self.dir)
                          if f.startswith("profile-")], [])


if __name__ == "__main__":
    harness.main()
