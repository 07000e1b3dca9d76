#!/usr/bin/env python3
"""scripts/tests/test_fuzz.py - what scripts/fuzz.py reads from a boot's log:
the counts, and the fuzzer's wait status in words."""

import unittest

import harness  # noqa: F401  (puts scripts/ on the path)

import fuzz

LOG = """\
fuzz: BUG: execve: nr 59 (0x1, 0x2, 0x3) returned -22
fuzz: seed 3, 3000 calls from 2 threads on 2 CPUs (800 succeeded, 2200 refused), 100 churn calls, 0 of 29 kinds never made, 1 bugs
    # fuzz: seed 3 calls 3000 threads 2 status 256 leaked frames 0 heap bytes 0 (900 ms)
"""


class ScanTest(unittest.TestCase):
    def test_counts_and_status(self):
        s = fuzz.scan(LOG)
        self.assertEqual((s["calls"], s["bugs"], s["status"]), (3000, 1, 256))
        self.assertEqual((s["frames"], s["heap"], s["oopses"]), (0, 0, 0))
        self.assertEqual(len(s["bug_lines"]), 1)

    def test_status_words(self):
        self.assertEqual(fuzz.describe_status(0), "exit 0")
        self.assertEqual(fuzz.describe_status(5 << 8), "exit 5")
        self.assertEqual(fuzz.describe_status(11), "killed by signal 11")
        self.assertIn("execve", fuzz.describe_status(111 << 8))
        self.assertEqual(fuzz.describe_status(None), "none")


if __name__ == "__main__":
    unittest.main()
