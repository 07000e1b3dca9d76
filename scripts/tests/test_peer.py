#!/usr/bin/env python3
"""scripts/tests/test_peer.py - `make peer` without QEMU or apt-get.

peerlog.py's RESULT parser on real logs of a `make peer` run
(fixtures/peer/: this kernel's boot and Linux's, from a busy host) and on
malformed lines; the rows, the thread-scaling rows and the Linux version
drawn from them; peer.py's table and files from those logs, and its exit
without figures when no Linux kernel can be had; peerboot.py's parameters
and what it counts as a problem; peerimage.py's cpio archive (read back
field by field) and the versioned package it picks from a Depends line.
"""

import contextlib
import csv
import io
import os
import shutil
import stat
import tempfile
import unittest
from unittest import mock

import harness
from harness import FIXTURES

import peer
import peerboot
import peerimage
import peerlog

KERNEL_LOG = os.path.join(FIXTURES, "peer", "rcu-ipi-vma-cpus2-boot1.log")
LINUX_LOG = os.path.join(FIXTURES, "peer", "linux-cpus2-boot1.log")
# The same boots once scale had its controls (fixtures/README.md).
KERNEL_CTL_LOG = os.path.join(FIXTURES, "peer", "controls", "rcu-ipi-vma-cpus2-boot1.log")
LINUX_CTL_LOG = os.path.join(FIXTURES, "peer", "controls", "linux-cpus2-boot1.log")
CONTROL_RUNS = ["page_fault1_beside_writer threads=1",
                "page_fault1_beside_adder threads=1"]
BENCH_LOG = os.path.join(FIXTURES, "bench-scale-rcu-ipi-vma-cpus2.log")


def read(path: str) -> str:
    with open(path) as f:
        return f.read()


class Parser(unittest.TestCase):
    def test_result_line(self):
        r = peerlog.parse_result(
            "RESULT test=page_fault1 threads=2 total=56912 ms=2026 "
            "per_sec=28090 per_sec_per_thread=14045 min_per_sec=19978 "
            "max_per_sec=36219 windows=2")
        self.assertEqual(r, dict(test="page_fault1", threads=2, total=56912,
                                 ms=2026, per_sec=28090,
                                 per_sec_per_thread=14045, min_per_sec=19978,
                                 max_per_sec=36219, windows=2))
        # Another CPU's output before it; the optional fields left off.
        r = peerlog.parse_result("[ 1.2] smp: xRESULT test=mmap1 threads=1 "
                                 "total=5 ms=1000 per_sec=5\r")
        self.assertEqual((r["test"], r["per_sec"]), ("mmap1", 5))
        self.assertIsNone(peerlog.parse_result("no result here"))
        self.assertIsNone(peerlog.parse_result("RESULTS are in"))

    def test_malformed(self):
        for line, why in (
                ("RESULT test=mmap1 threads=1 total=5 per_sec=5", "no ms"),
                ("RESULT test=mmap1 threads=x total=5 ms=1 per_sec=5",
                 "not a number"),
                ("RESULT test=brk1 threads=1 total=5 ms=1 per_sec=5",
                 "unknown test"),
                ("RESULT test=mmap1 threads=0 total=5 ms=1 per_sec=5",
                 "at least 1")):
            with self.assertRaises(ValueError) as cm:
                peerlog.parse_result(line)
            self.assertIn(why, str(cm.exception))
        s = peerlog.parse_log("ok\nRESULT test=mmap1 threads=1 total=5\n",
                              "f")
        self.assertEqual(s.results, [])
        self.assertEqual(len(s.errors), 1)
        self.assertTrue(s.errors[0].startswith("f:2: malformed RESULT line"))

    def test_linux_log(self):
        s = peerlog.parse_log(read(LINUX_LOG), "linux")
        self.assertTrue(s.linux and s.done)
        self.assertEqual((s.cpus, s.accel, s.host_cores, s.errors),
                         (2, "tcg", 2, []))
        self.assertEqual([(r["test"], r["threads"]) for r in s.results],
                         [(t, n) for t in peerlog.SHAPES for n in (1, 2)])
        # A log from before the controls lacks their runs, and at 3 vCPUs
        # the controls run at 1 and 2 threads.
        self.assertEqual(peerlog.missing_runs(s.results, 2), CONTROL_RUNS)
        self.assertEqual(peerlog.missing_runs(s.results, 3),
                         [f"{t} threads=3" for t in peerlog.SHAPES] +
                         [f"{t} threads={n}" for t in peerlog.CONTROLS[:2]
                          for n in (1, 2)])
        self.assertEqual(peerlog.linux_version(s.uname),
                         "Linux 6.1.0-57-cloud-amd64 (Debian 6.1.192-3)")

    def test_controls(self):
        # Both systems' boots with the controls: nothing missing; a
        # control runs at 1..cpus-1 threads; its scaling row divides it by
        # page_fault1 alone at 1 thread of the same boot.
        for path in (KERNEL_CTL_LOG, LINUX_CTL_LOG):
            scan, rows = peerlog.read_log(read(path), path, "b1")
            self.assertEqual(scan.errors, [])
            self.assertEqual(peerlog.missing_runs(scan.results, 2), [])
            self.assertEqual(len(rows), 8)
            rate = {(r["metric"], r["x"]): r["value"] for r in rows}
            sc = {(r["metric"], r["x"]): r["value"]
                  for r in peerlog.scaling_rows(rows)}
            for t in peerlog.CONTROLS[:2]:
                self.assertAlmostEqual(
                    sc[(f"scaling_{t}", 1)],
                    rate[(f"iterations_per_s_{t}", 1)] /
                    rate[("iterations_per_s_page_fault1", 1)])
        self.assertEqual(list(peerlog.thread_counts(
            "page_fault1_beside_writer", 1)), [])
        self.assertEqual(list(peerlog.thread_counts("mmap1", 2)), [1, 2])
        self.assertEqual(peerlog.base_test("page_fault1_beside_adder"),
                         "page_fault1")
        # The third control, run by hand, parses but is never required.
        r = peerlog.parse_result(
            "RESULT test=page_fault1_beside_process threads=1 total=5 "
            "ms=1000 per_sec=5")
        self.assertEqual(r["test"], "page_fault1_beside_process")
        self.assertNotIn("page_fault1_beside_process", peerlog.BENCHED)
        self.assertEqual(peerboot.run_seconds(2, (2, 1, 128)), 8 * 3)

    def test_kernel_logs(self):
        # The make peer boot and a make bench boot of this kernel: RESULT
        # lines, config/cpus/accel from its BENCH lines, same numbers.
        for path in (KERNEL_LOG, BENCH_LOG):
            scan, rows = peerlog.read_log(read(path), path, "b")
            self.assertFalse(scan.linux)
            self.assertEqual(len(rows), 6)
            self.assertEqual({(r["config"], r["cpus"], r["accel"],
                               r["host_cores"], r["overcommitted"])
                              for r in rows},
                             {("rcu-ipi-vma", 2, "tcg", 2, "no")})
        _, rows = peerlog.read_log(read(BENCH_LOG))
        pf2 = next(r for r in rows if r["x"] == 2 and
                   r["metric"] == "iterations_per_s_page_fault1")
        self.assertEqual((pf2["value"], pf2["min"], pf2["max"], pf2["runs"],
                          pf2["unit"]),
                         (28090, 19978, 36219, 2, "iterations/s"))

    def test_linux_rows_and_scaling(self):
        scan, rows = peerlog.read_log(read(LINUX_LOG), "l", "boot1")
        self.assertEqual({(r["config"], r["cpus"], r["accel"], r["boot"])
                          for r in rows}, {("linux", 2, "tcg", "boot1")})
        sc = {(r["metric"], r["x"]): r["value"]
              for r in peerlog.scaling_rows(rows)}
        self.assertEqual(len(sc), 6)
        self.assertEqual(sc[("scaling_page_fault1", 1)], 1)
        self.assertAlmostEqual(sc[("scaling_page_fault1", 2)], 18454 / 10839)
        # No x = 1 row: no scaling row.
        self.assertEqual(peerlog.scaling_rows(
            [r for r in rows if r["x"] == 2]), [])

    def test_version_from_package(self):
        info = dict(release="6.1.0-57-cloud-amd64", version="6.1.192-3",
                    package="linux-image-6.1.0-57-cloud-amd64")
        self.assertEqual(peerlog.linux_version("", info),
                         "Linux 6.1.0-57-cloud-amd64 (package "
                         "linux-image-6.1.0-57-cloud-amd64 6.1.192-3)")
        self.assertEqual(peerlog.linux_version(""), "")


class Boot(unittest.TestCase):
    def test_scale_parameters(self):
        self.assertEqual(peerboot.parse_scale(None), (2, 1, 128))
        self.assertEqual(peerboot.parse_scale("5"), (5, 1, 128))
        self.assertEqual(peerboot.parse_scale("5,0,64"), (5, 0, 64))
        for bad in ("0", "1,2,3,4", "x", "1,,2", "1,1,5000"):
            with self.assertRaises(ValueError):
                peerboot.parse_scale(bad)
        self.assertEqual(peerboot.scale_of_cmdline("a=b scale=3,0"),
                         (3, 0, 128))
        self.assertEqual(peerboot.kernel_cmdline((2, 1, 128)),
                         "bench=scale scale=2,1,128")
        self.assertTrue(peerboot.linux_cmdline((2, 1, 128)).startswith(
            "console=ttyS0 transparent_hugepage=never no5lvl quiet"))
        self.assertTrue(peerboot.linux_cmdline((2, 1, 128)).endswith(
            " peer_scale=2,1,128"))

    def test_problems(self):
        s = peerlog.parse_log(read(LINUX_CTL_LOG))
        self.assertEqual(peerboot.boot_problems("L", "poweroff", s, 2, True),
                         [])
        old = peerlog.parse_log(read(LINUX_LOG))     # before the controls
        self.assertEqual(peerboot.boot_problems("L", "poweroff", old, 2,
                                                True),
                         ["L: no RESULT for " + ", ".join(CONTROL_RUNS)])
        self.assertEqual(peerboot.boot_problems("L", "triple-fault", s, 2,
                                                True),
                         ["L: init finished but the power-off failed (boot "
                          "triple-fault)"])
        cut = peerlog.parse_log("\n".join(read(LINUX_LOG).splitlines()[:4]))
        self.assertEqual(peerboot.boot_problems("L", "hang", cut, 2, True), [
            "L: boot hang",
            "L: no RESULT for tlb_flush2 threads=1, tlb_flush2 threads=2, "
            "mmap1 threads=1, mmap1 threads=2, "
            "page_fault1_beside_writer threads=1, "
            "page_fault1_beside_adder threads=1"])
        k = peerlog.parse_log(read(KERNEL_CTL_LOG))
        self.assertEqual(peerboot.boot_problems("K", "pass", k, 2, False), [])
        self.assertEqual(peerboot.boot_problems("K", "poweroff", k, 2,
                                                False), ["K: boot poweroff"])


class Front(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir)

    def test_table_from_logs(self):
        out = os.path.join(self.dir, "out")
        with contextlib.redirect_stdout(io.StringIO()):
            rc = peer.main(["--from-log", KERNEL_LOG, LINUX_LOG, "--out",
                            out])
        self.assertEqual(rc, 0)
        md = read(os.path.join(out, "peer.md"))
        self.assertIn("- Linux: Linux 6.1.0-57-cloud-amd64 (Debian "
                      "6.1.192-3)", md)
        self.assertIn("| page_fault1 | 2 | 2 | 87804 (72905..102498) | "
                      "18454 (17244..19660) | 4.76x | 0.77x | 1.70x |", md)
        with open(os.path.join(out, "peer.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual(tuple(rows[0]), peer.CSV_COLUMNS)
        self.assertEqual([(r["test"], r["threads"]) for r in rows],
                         [(t, str(n)) for t in peerlog.SHAPES
                          for n in (1, 2)])
        self.assertEqual((rows[1]["kernel_scaling"], rows[1]["linux_scaling"],
                          rows[1]["kernel_config"]),
                         ("0.7736", "1.703", "rcu-ipi-vma"))
        self.assertTrue(os.path.exists(os.path.join(out, "results.csv")))

    def test_table_with_controls(self):
        out = os.path.join(self.dir, "out")
        with contextlib.redirect_stdout(io.StringIO()):
            rc = peer.main(["--from-log", KERNEL_CTL_LOG, LINUX_CTL_LOG,
                            "--out", out])
        self.assertEqual(rc, 0)
        md = read(os.path.join(out, "peer.md"))
        # The control's `N / 1 thread`: over page_fault1 alone at 1 thread
        # (291088 / 292019 here, 48577 / 51193 for Linux).
        self.assertIn("| page_fault1_beside_writer | 2 | 1 | 291088 "
                      "(289177..293002) | 48577 (47690..49466) | 5.99x | "
                      "1.00x | 0.95x |", md)
        self.assertIn("page_fault1 with a neighbour thread", md)
        with open(os.path.join(out, "peer.csv")) as f:
            rows = list(csv.DictReader(f))
        self.assertEqual([r["test"] for r in rows][-2:],
                         list(peerlog.CONTROLS[:2]))

    def test_only_one_side(self):
        out = os.path.join(self.dir, "out")
        with contextlib.redirect_stdout(io.StringIO()):
            rc = peer.main(["--from-log", KERNEL_LOG, "--out", out])
        self.assertEqual(rc, 0)
        md = read(os.path.join(out, "peer.md"))
        self.assertIn("| mmap1 | 2 | 2 | 26536 (18955..34132) | not measured "
                      "| - | 0.95x | - |", md)
        self.assertIn("- Linux: not measured", md)

    def test_no_linux_kernel_no_figures(self):
        out = os.path.join(self.dir, "out")
        buf = io.StringIO()
        with mock.patch.object(peer.peerimage, "prepare",
                               side_effect=peerimage.PeerError("no way")), \
                mock.patch.object(peer, "run_boots") as boots, \
                contextlib.redirect_stdout(buf):
            rc = peer.main(["--out", out])
        self.assertEqual(rc, 1)
        boots.assert_not_called()
        self.assertFalse(os.path.exists(out))
        self.assertIn("the Linux peer cannot be run: no way", buf.getvalue())
        self.assertIn("no figures were written", buf.getvalue())


class Image(unittest.TestCase):
    def test_versioned_package(self):
        self.assertEqual(peerimage.versioned_package(
            "linux-image-6.1.0-57-cloud-amd64 (= 6.1.192-3)"),
            "linux-image-6.1.0-57-cloud-amd64")
        self.assertEqual(peerimage.versioned_package(
            "initramfs-tools, linux-image-6.1.0-9-cloud-amd64-unsigned "
            "(= 6.1.27-1) | linux-image-6.1.0-9-cloud-amd64"),
            "linux-image-6.1.0-9-cloud-amd64-unsigned")
        self.assertIsNone(peerimage.versioned_package("linux-image-amd64"))

    def test_cpio_newc(self):
        entries = [(".", stat.S_IFDIR | 0o755, b"", None),
                   ("dev/console", stat.S_IFCHR | 0o600, b"", (5, 1)),
                   ("init", stat.S_IFREG | 0o755, b"\x7fELF12345", None)]
        data = peerimage.cpio_newc(entries)
        self.assertEqual(len(data) % 4, 0)
        seen, off = [], 0
        while True:         # read it back as the kernel's unpacker does
            head = data[off:off + 110]
            self.assertEqual(head[:6], b"070701")
            f = [int(head[6 + 8 * i:14 + 8 * i], 16) for i in range(13)]
            mode, size, rmaj, rmin, namesize = f[1], f[6], f[9], f[10], f[11]
            name = data[off + 110:off + 110 + namesize - 1].decode()
            self.assertEqual(data[off + 110 + namesize - 1], 0)
            off += 110 + namesize
            off += -off % 4
            body = data[off:off + size]
            off += size + (-size % 4)
            if name == "TRAILER!!!":
                break
            seen.append((name, mode, body, (rmaj, rmin)))
        self.assertEqual(off, len(data))
        self.assertEqual(seen, [(n, m, d, r or (0, 0))
                                for n, m, d, r in entries])

    def test_image_needs_both_files(self):
        self.assertIsNone(peerimage.image(self.id_dir()))
        with open(os.path.join(self.d, "linux.json"), "w") as f:
            f.write('{"package": "p", "version": "v"}')
        self.assertIsNone(peerimage.image(self.d))
        open(os.path.join(self.d, "vmlinuz"), "w").close()
        self.assertEqual(peerimage.image(self.d)["package"], "p")

    def id_dir(self) -> str:
        self.d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.d)
        return self.d


if __name__ == "__main__":
    harness.main()
