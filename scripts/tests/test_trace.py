#!/usr/bin/env python3
"""scripts/tests/test_trace.py - the trace parser and converters
(scripts/traceparse.py, tracechrome.py, traceplot.py, trace.py) on real
traces captured from the kernel (fixtures/trace-*: `make trace` images
from COM2 and one console log with the framed hex form), and on images
damaged on purpose.
"""

import json
import os
import struct
import tempfile
import unittest

import harness
from harness import FIXTURES

import tracerun as tracecmd
import tracechrome
import traceparse as tp
import traceplot

SHOOTDOWN = os.path.join(FIXTURES, "trace-shootdown-rcu-ipi-vma-cpus4.bin")
PV = os.path.join(FIXTURES, "trace-pv-rcu-pv-vma-cpus4.bin")
LAZY_CONSOLE = os.path.join(FIXTURES, "trace-lazy-console-rcu-ipi-vma-cpus4.log")


def raw(path):
    with open(path, "rb") as f:
        return f.read()


class Table(unittest.TestCase):
    def test_every_event_line_is_read(self):
        t = tp.read_table()
        with open(tp.EVENTS_DEF) as f:
            lines = [ln for ln in f if ln.startswith("TRACE_EVENT(")]
        self.assertEqual(len(t.types), len(lines))
        self.assertEqual([e.id for e in t.types], list(range(len(lines))))
        self.assertEqual(len({e.ident for e in t.types}), len(t.types))
        subs = {s for s, _ in t.subsystems}
        self.assertTrue(all(e.subsys in subs for e in t.types))

    def test_spans_are_paired_by_name(self):
        t = tp.read_table()
        begins = {e.name for e in t.types if e.kind == "B"}
        ends = {e.name for e in t.types if e.kind == "E"}
        self.assertEqual(begins, ends)

    def test_bad_line_is_an_error(self):
        with tempfile.NamedTemporaryFile("w", suffix=".def", delete=False) as f:
            f.write('#define TRACE_EVENTS_VERSION 1\nTRACE_SUBSYS(tlb, "x")\n'
                    'TRACE_EVENT(A, tlb, X, "a", "", "", "")\n')
        try:
            with self.assertRaises(tp.TraceError):
                tp.read_table(f.name)
        finally:
            os.unlink(f.name)


class RealImages(unittest.TestCase):
    def test_shootdown_image(self):
        tr = tp.load(SHOOTDOWN)
        self.assertEqual(len(tr.cpus), 4)
        self.assertEqual(tr.policy, "overwrite-oldest")
        self.assertEqual(tr.lost, 0)
        for c in tr.cpus:
            self.assertEqual(c.events + c.lost, c.claimed)
        self.assertEqual([e.ts for e in tr.events], sorted(e.ts for e in tr.events))
        start = next(e for e in tr.events if e.type.ident == "TLB_START")
        self.assertEqual(start.arg("targets"), 3)
        # Causal order, as the kernel's trace suite checks it: each IPI
        # is sent before it is received, received before acknowledged,
        # and every ack comes before the initiator's end.
        flows = [f for f in tp.flows(tr) if f.kind == "ipi"]
        self.assertGreaterEqual(len(flows), 3)
        done = next(e for e in tr.events if e.type.ident == "TLB_DONE")
        for f in flows:
            self.assertLess(f.src.ts, f.dst.ts)
        first_acks = {}
        for e in tr.events:
            if e.type.ident == "IPI_ACK" and e.cpu not in first_acks:
                first_acks[e.cpu] = e
        self.assertEqual(sorted(first_acks), [1, 2, 3])
        self.assertTrue(all(a.ts < done.ts for a in first_acks.values()))

    def test_pv_image_has_a_deferred_flush(self):
        tr = tp.load(PV)
        pv = [f for f in tp.flows(tr) if f.kind == "pv"]
        self.assertGreaterEqual(len(pv), 1)
        for f in pv:
            self.assertEqual(f.src.arg("target"), f.dst.cpu)
            self.assertLess(f.src.ts, f.dst.ts)

    def test_console_form_matches_the_binary_form(self):
        text = raw(LAZY_CONSOLE).decode()
        img = tp.extract_console(text)
        self.assertTrue(img.startswith(tp.MAGIC))
        a = tp.parse_image(img)
        b = tp.load(LAZY_CONSOLE)
        self.assertEqual(len(a.events), len(b.events))
        skip = [e for e in b.events if e.type.ident == "TLB_LAZY_SKIP"]
        self.assertGreaterEqual(len(skip), 1)
        # The console around the block is ordinary kernel output.
        self.assertIn("trace: exported", text)


class Damaged(unittest.TestCase):
    def test_truncated(self):
        data = raw(SHOOTDOWN)
        for cut in (10, 60, len(data) // 2, len(data) - 4):
            with self.assertRaises(tp.TraceError):
                tp.parse_image(data[:cut])

    def test_bad_magic(self):
        with self.assertRaises(tp.TraceError):
            tp.parse_image(b"XTRACE01" + raw(SHOOTDOWN)[8:])

    def test_table_version_mismatch(self):
        data = bytearray(raw(SHOOTDOWN))
        struct.pack_into("<I", data, 12, 999)
        with self.assertRaisesRegex(tp.TraceError, "version 999"):
            tp.parse_image(bytes(data))

    def test_lost_count_that_does_not_add_up(self):
        data = bytearray(raw(SHOOTDOWN))
        # CPU 0's block: claimed (offset 48+24) one less than it holds.
        n = struct.unpack_from("<Q", data, 48 + 8)[0]
        struct.pack_into("<Q", data, 48 + 24, max(n - 1, 0))
        with self.assertRaisesRegex(tp.TraceError, "claimed"):
            tp.parse_image(bytes(data))

    def test_console_cut_short(self):
        text = raw(LAZY_CONSOLE).decode()
        with self.assertRaisesRegex(tp.TraceError, "without @@KTRACE-END"):
            tp.extract_console(text[:text.index("@@KTRACE-END")])
        with self.assertRaises(tp.TraceError):
            tp.extract_console("no trace here\n")


class Chrome(unittest.TestCase):
    def test_structure(self):
        tr = tp.load(SHOOTDOWN)
        d = json.loads(json.dumps(tracechrome.to_chrome(tr)))
        evs = d["traceEvents"]
        names = {e["args"]["name"] for e in evs if e["ph"] == "M" and e["name"] == "thread_name"}
        self.assertEqual(names, {"cpu0", "cpu1", "cpu2", "cpu3"})
        xs = [e for e in evs if e["ph"] == "X"]
        self.assertTrue(any(e["name"] == "shootdown" and e["tid"] == 0 for e in xs))
        self.assertTrue(all(e["dur"] > 0 for e in xs))
        s = {e["id"]: e for e in evs if e["ph"] == "s"}
        f = {e["id"]: e for e in evs if e["ph"] == "f"}
        self.assertEqual(set(s), set(f))
        self.assertGreaterEqual(len(s), 3)
        for i in s:
            self.assertLessEqual(s[i]["ts"], f[i]["ts"])
            self.assertNotEqual(s[i]["tid"], f[i]["tid"])
        # Every event of the image is in the JSON, as a span end or not.
        spans, inst = tp.spans(tr)
        self.assertEqual(len(xs) + len([e for e in evs if e["ph"] == "i"]),
                         len(spans) + len(inst))
        self.assertEqual(d["otherData"]["lost"], {"cpu0": 0, "cpu1": 0, "cpu2": 0, "cpu3": 0})

    def test_window(self):
        tr = tp.load(SHOOTDOWN)
        d = tracechrome.to_chrome(tr, 0.0, 1.0)
        self.assertTrue(all(e.get("ts", 0) <= 1.0 for e in d["traceEvents"] if e["ph"] == "i"))


class Plot(unittest.TestCase):
    def setUp(self):
        try:
            traceplot.import_pyplot()
        except tp.TraceError:
            self.skipTest("no matplotlib (make deps)")

    def test_png(self):
        tr = tp.load(SHOOTDOWN)
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "t.png")
            w = tracecmd.pick_window(tr, tracecmd.SCENARIOS["shootdown"][3])
            drawn = traceplot.plot(tr, out, *w, title="test")
            with open(out, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        self.assertEqual(drawn["ipi_arrows"], 3)
        self.assertGreaterEqual(drawn["spans"], 1)

    def test_pv_arrow(self):
        tr = tp.load(PV)
        with tempfile.TemporaryDirectory() as d:
            w = tracecmd.pick_window(tr, tracecmd.SCENARIOS["pv"][3])
            drawn = traceplot.plot(tr, os.path.join(d, "t.png"), *w)
        self.assertEqual(drawn["pv_arrows"], 1)


class Scenarios(unittest.TestCase):
    def test_scenario_switches_and_warning(self):
        sw, warn = tracecmd.choose_switches("unsafe", {})
        self.assertEqual((sw["TABLE_FREE"], sw["SHOOTDOWN"]), ("ipi", "pv"))
        self.assertEqual(warn, [])
        sw, warn = tracecmd.choose_switches("pv", {"SHOOTDOWN": "ipi"})
        self.assertEqual(sw["SHOOTDOWN"], "ipi")
        self.assertEqual(len(warn), 1)
        self.assertIn("needs SHOOTDOWN=pv", warn[0])

    def test_every_scenario_has_a_title(self):
        self.assertEqual(set(tracecmd.SCENARIOS), set(tracecmd.TITLES))
        self.assertEqual(set(tracecmd.SCENARIOS), {"shootdown", "lazy", "pv", "rcu", "spf-abort",
                                                   "gup-fallback", "unsafe"})

    def test_bad_scenario_refused(self):
        self.assertEqual(tracecmd.main(["--scenario", "nope"]), 2)
        self.assertEqual(tracecmd.main(["--scenario", "lazy", "--cpus", "1"]), 2)


if __name__ == "__main__":
    harness.main()
