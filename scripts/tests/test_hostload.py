#!/usr/bin/env python3
"""scripts/tests/test_hostload.py - was the host busy? (hostload.py)

Fake /proc trees (loadavg, processes with cmdline and stat) stand for the
host: other QEMUs are found and this run's own are left out; the busy
rule (another QEMU, or at the start the 1-min load, at the end the other
runnable tasks, above cores - 0.5); the warning line and where it goes:
under the title of make compare's report.md and make bench's results.md,
in meta.json; and `make compare PUBLISH=1` refusing on a busy host
unless FORCE=1.  No QEMU is started.
"""

import contextlib
import glob
import io
import json
import os
import shutil
import tempfile
import unittest
from unittest import mock

import harness
from harness import FIXTURES

import bench
import benchreport
import compare
import comparereport
import hostload
from experiments import EXPERIMENTS

# A real one from a development machine, shortened.
OTHER_QEMU = ["qemu-system-x86_64", "-M", "pc", "-m", "512M", "-smp", "2",
              "-chardev", "file,id=ser0,path=/work/main/build/test-logs/"
              "rcu-pv-vma-cpus2.log", "-kernel",
              "/work/main/build/rcu-pv-vma/kernel.elf", "-append",
              "ktest=tlb"]


class FakeProc:
    """A /proc with loadavg and the given processes."""

    def __init__(self, loadavg="0.10 0.20 0.30 1/120 999", procs=()):
        self.tmp = tempfile.TemporaryDirectory()
        self.path = self.tmp.name
        self.set_loadavg(loadavg)
        for pid, ppid, comm, argv in procs:
            d = os.path.join(self.path, str(pid))
            os.makedirs(d)
            with open(os.path.join(d, "cmdline"), "wb") as f:
                f.write(b"".join(a.encode() + b"\0" for a in argv))
            with open(os.path.join(d, "stat"), "w") as f:
                f.write(f"{pid} ({comm}) S {ppid} {pid} {pid} 0 -1 4194560\n")
        os.makedirs(os.path.join(self.path, "self"))

    def set_loadavg(self, text):
        with open(os.path.join(self.path, "loadavg"), "w") as f:
            f.write(text + "\n")


def snap(when, load1=0.1, runnable=0.0, cores=2, qemus=()):
    return hostload.Snapshot(when, "2026-12-07T04:00:00+00:00", cores,
                             (load1, load1, load1), runnable,
                             [{"pid": p, "cmd": " ".join(OTHER_QEMU)}
                              for p in qemus])


# ==========================================================================
# Reading the host
# ==========================================================================

class Processes(unittest.TestCase):
    def setUp(self):
        # 100 make (ours: own pid 200) -> 300 python -> 400 qemu (ours);
        # 500 qemu started by someone else; 600 a kernel thread; 700 a
        # qemu whose comm has a space and a parenthesis; 800 not QEMU.
        self.proc = FakeProc(procs=[
            (100, 1, "make", ["make", "compare"]),
            (200, 100, "python3", ["python3", "scripts/compare.py"]),
            (300, 200, "python3", ["python3", "-c", "x"]),
            (400, 300, "qemu-system-x86", ["/usr/bin/qemu-system-x86_64",
                                           "-smp", "2"]),
            (500, 1, "qemu-system-x86", OTHER_QEMU),
            (600, 2, "kworker/0:1", []),
            (700, 1, "qemu (x) y", ["qemu-system-i386", "-m", "1G"]),
            (800, 1, "qemu-img", ["qemu-img", "info", "x"]),
        ])

    def test_list(self):
        procs = {p.pid: p for p in hostload.list_processes(self.proc.path)}
        self.assertEqual(sorted(procs), [100, 200, 300, 400, 500, 700, 800])
        self.assertEqual(procs[700].ppid, 1)
        self.assertEqual(procs[400].argv, ["/usr/bin/qemu-system-x86_64",
                                           "-smp", "2"])

    def test_foreign_qemus_leave_ours_out(self):
        procs = hostload.list_processes(self.proc.path)
        got = hostload.foreign_qemus(procs, own_pid=200)
        self.assertEqual([q["pid"] for q in got], [500, 700])
        self.assertEqual(got[0]["cmd"], " ".join(OTHER_QEMU))
        # A pid this run started is ours whoever its parent is now.
        got = hostload.foreign_qemus(procs, own_pid=999, exclude={500})
        self.assertEqual([q["pid"] for q in got], [400, 700])

    def test_take(self):
        s = hostload.take("start", proc=self.proc.path, own_pid=200,
                          samples=3, interval=0, cores=2)
        self.assertEqual((s.when, s.cores, s.load, s.runnable),
                         ("start", 2, (0.10, 0.20, 0.30), 0.0))
        self.assertEqual([q["pid"] for q in s.qemus], [500, 700])
        self.proc.set_loadavg("2.50 1.00 0.50 4/130 1000")
        s = hostload.take("end", proc=self.proc.path, own_pid=200,
                          samples=2, interval=0, cores=2)
        self.assertEqual((s.load[0], s.runnable), (2.5, 3.0))

    def test_no_proc(self):
        s = hostload.take("start", proc="/nonexistent", samples=1)
        self.assertEqual((s.load, s.runnable, s.qemus), (None, None, []))
        self.assertEqual(hostload.busy_reasons(s), [])


# ==========================================================================
# The rule
# ==========================================================================

class Rule(unittest.TestCase):
    def test_quiet(self):
        self.assertEqual(hostload.busy_reasons(
            snap("start", 1.5), snap("end", 2.9, 1.5)), [])
        self.assertEqual(hostload.warning([]), "")

    def test_other_qemu(self):
        r = hostload.busy_reasons(snap("start", qemus=[500]),
                                  snap("end", qemus=[500, 700]))
        self.assertEqual(r, ["other QEMUs were running: pid 500 (at the "
                             "start and the end), pid 700 (at the end)"])
        self.assertEqual(hostload.busy_reasons(snap("end", qemus=[7])),
                         ["another QEMU was running: pid 7 (at the end)"])

    def test_load_at_the_start(self):
        self.assertEqual(hostload.busy_reasons(snap("start", 1.51)),
                         ["1-min load 1.51 > 1.5 (2 cores - 0.5) at the "
                          "start"])
        self.assertEqual(hostload.busy_reasons(snap("start", 3.4,
                                                    cores=4)), [])

    def test_end_reads_runnable_not_the_average(self):
        # The 1-min average at the end holds this run's own boots.
        self.assertEqual(hostload.busy_reasons(snap("end", 2.0, 0.2)), [])
        self.assertEqual(hostload.busy_reasons(snap("end", 0.1, 1.8)),
                         ["other runnable tasks 1.80 > 1.5 (2 cores - 0.5) "
                          "at the end"])

    def test_warning_line(self):
        w = hostload.warning(hostload.busy_reasons(snap("start", 1.9)))
        self.assertTrue(w.startswith("WARNING: the host was busy during "
                                     "this run: 1-min load 1.90 > 1.5"))
        self.assertIn("off by up to 100x", w)
        self.assertEqual(w.count("\n"), 0)

    def test_markdown(self):
        start, end = snap("start", qemus=[500]), snap("end")
        warn = hostload.markdown_warning(start, end)
        self.assertEqual(len(warn), 2)
        self.assertTrue(warn[0].startswith("**WARNING: the host was busy"))
        bullets = hostload.markdown_bullets(start, end)
        self.assertIn("  - other QEMU pid 500: `qemu-system-x86_64 -M pc",
                      "\n".join(bullets))
        self.assertTrue(bullets[-1].startswith("- host busy: **yes**"))
        self.assertEqual(hostload.markdown_warning(snap("start"),
                                                   snap("end")), [])
        self.assertEqual(hostload.markdown_bullets(None, None),
                         ["- host load: not recorded (results read from "
                          "logs)"])
        long = snap("start")
        long.qemus = [{"pid": 1, "cmd": "qemu-system-x86_64 " + "x" * 400}]
        self.assertLess(len(hostload.markdown_bullets(long, None)[1]), 200)

    def test_json(self):
        j = hostload.as_json(snap("start", 1.9), snap("end"))
        self.assertTrue(j["busy"])
        self.assertEqual(j["start"]["load"], (1.9, 1.9, 1.9))
        self.assertIn("cores - 0.5", j["rule"])
        json.dumps(j)


# ==========================================================================
# Where the warning goes
# ==========================================================================

LOGS = sorted(glob.glob(os.path.join(FIXTURES, "compare", "*.log")))


class Reports(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def compare_report(self, load):
        with contextlib.redirect_stdout(io.StringIO()):
            run_ = compare.from_logs(LOGS)
        meta = dict(date="today", host="h", command="c", duration="1 s",
                    hostload=load)
        text, _, _ = comparereport.report(run_, meta, self.dir, EXPERIMENTS)
        return text, comparereport.check_report(text, self.dir, EXPERIMENTS)

    def test_compare_report_header(self):
        text, bad = self.compare_report((snap("start", qemus=[500]),
                                         snap("end")))
        self.assertEqual(bad, [])
        lines = text.splitlines()
        self.assertEqual(lines[0], "# make compare: the RCU and IPI designs "
                                   "side by side")
        self.assertTrue(lines[2].startswith("**WARNING: the host was busy "
                                            "during this run: another QEMU "
                                            "was running: pid 500"))
        self.assertIn("- host at the end (", text)
        self.assertIn("- host busy: **yes**", text)

    def test_compare_report_quiet(self):
        text, bad = self.compare_report((snap("start"), snap("end")))
        self.assertEqual(bad, [])
        self.assertNotIn("WARNING", text)
        self.assertIn("- host busy: no (rule: another QEMU running", text)

    def test_bench_results_md_and_meta_json(self):
        with contextlib.redirect_stdout(io.StringIO()):
            o = bench.from_logs([os.path.join(
                FIXTURES, "bench-rcu-ipi-spf-cpus1.log")])
        meta = dict(date="today", accels=o.accels, host="h", command="c",
                    hostload=(snap("start"), snap("end", runnable=1.7)))
        with contextlib.redirect_stderr(io.StringIO()):
            files = benchreport.write_all(self.dir, o.results, meta)
        self.assertIn("meta.json", files)
        with open(os.path.join(self.dir, "results.md")) as f:
            md = f.read().splitlines()
        self.assertTrue(md[2].startswith("**WARNING: the host was busy "
                                         "during this run: other runnable "
                                         "tasks 1.70 > 1.5"))
        with open(os.path.join(self.dir, "meta.json")) as f:
            j = json.load(f)
        self.assertEqual(j["accels"], ["tcg"])
        self.assertTrue(j["hostload"]["busy"])
        self.assertEqual(j["hostload"]["end"]["runnable"], 1.7)


class Publish(unittest.TestCase):
    def args(self, *argv):
        return compare.parse_args(list(argv))

    def test_refused_on_a_busy_host(self):
        busy = snap("start", qemus=[500])
        why = compare.publish_refusal(self.args("--publish"), busy)
        self.assertTrue(why.startswith("compare: refusing to run with "
                                       "--publish: the host is busy: "
                                       "another QEMU was running: pid 500"))
        self.assertIn("FORCE=1", why)
        end = compare.publish_refusal(self.args("--publish"), snap("start"),
                                      snap("end", runnable=2))
        self.assertTrue(end.startswith("compare: not publishing "
                                       "docs/results.md"))

    def test_forced_quiet_or_not_publishing(self):
        busy = snap("start", qemus=[500])
        self.assertEqual(compare.publish_refusal(
            self.args("--publish", "--force"), busy), "")
        self.assertEqual(compare.publish_refusal(self.args(), busy), "")
        self.assertEqual(compare.publish_refusal(
            self.args("--publish"), snap("start"), snap("end")), "")

    def test_main_refuses_before_booting(self):
        out = io.StringIO()
        with mock.patch.object(hostload, "take",
                               lambda when, **kw: snap(when, qemus=[500])), \
                mock.patch.object(compare, "run") as run, \
                contextlib.redirect_stdout(out):
            rc = compare.main(["--publish", "--only", "E6", "--quick",
                               "--out", os.path.join(tempfile.gettempdir(),
                                                     "never-written")])
        self.assertEqual(rc, 1)
        run.assert_not_called()
        self.assertIn("WARNING: the host is busy now", out.getvalue())
        self.assertIn("refusing to run with --publish", out.getvalue())


class RunnerTimeout(unittest.TestCase):
    """make test stretches a boot's timeout on a busy host (runtests)."""

    def test_busy_when_another_qemu_runs(self):
        import runtests
        with mock.patch.object(hostload, "take",
                               lambda when, **kw: snap(when, qemus=[500])):
            self.assertTrue(runtests.host_busy_now())

    def test_busy_when_others_are_runnable(self):
        import runtests
        with mock.patch.object(hostload, "take",
                               lambda when, **kw: snap(when, runnable=3.0)):
            self.assertTrue(runtests.host_busy_now())

    def test_quiet(self):
        import runtests
        with mock.patch.object(hostload, "take",
                               lambda when, **kw: snap(when, runnable=0.2)):
            self.assertFalse(runtests.host_busy_now())


if __name__ == "__main__":
    harness.main()
