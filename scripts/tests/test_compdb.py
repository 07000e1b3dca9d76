#!/usr/bin/env python3
"""scripts/tests/test_compdb.py - `make compdb` against what was built.

scripts/compdb.py writes compile_commands.json from `make -n -B`.  The
truth it is held against comes from elsewhere: the DWARF of the objects
the build really compiled (build/rcu-ipi-vma/ for the kernel, its user
programs and libc, build/host/ for the host tests), whose compilation
unit records the source (DW_AT_name), the directory (DW_AT_comp_dir) and
the options (DW_AT_producer).  Every C file compiled appears once, in its
directory, with every option the compiler recorded; no entry names a
file that nothing was compiled from.  The checker is shown to catch a
dropped flag, a duplicate, a missing file and a wrong directory.

Skipped, not passed, where the default configuration has not been built
(`make`) or readelf is missing.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness
import compdb

BUILD = os.path.join(harness.ROOT, "build", "rcu-ipi-vma")
HOST = os.path.join(harness.ROOT, "build", "host")
# Options GCC records that were not on the command line: its defaults
# (the tuning, and the unwind tables Debian's GCC turns on by default).
IMPLIED = re.compile(r"^(-m(tune|arch)=|-fasynchronous-unwind-tables$)")

_units = None
_entries = None


def units(test):
    """The C compilation units of the built objects."""
    global _units
    if shutil.which("readelf") is None:
        test.skipTest("readelf is not installed")
    if not os.path.exists(os.path.join(BUILD, "kernel.elf")):
        test.skipTest("no build/rcu-ipi-vma/kernel.elf (run make first)")
    if _units is None:
        objs = [o for o in glob.glob(os.path.join(BUILD, "**", "*.o"),
                                     recursive=True)
                + glob.glob(os.path.join(HOST, "**", "*.o"), recursive=True)]
        _units = []
        for o in sorted(objs):
            out = subprocess.run(["readelf", "--debug-dump=info",
                                  "--dwarf-depth=1", o],
                                 capture_output=True, text=True).stdout
            attrs = dict(re.findall(
                r"DW_AT_(producer|name|comp_dir)\s*:\s*(?:\([^)]*\):\s*)?(.*)$",
                out, re.M)[:3])
            prod, name = attrs.get("producer", ""), attrs.get("name", "")
            if not prod.startswith("GNU C") or not name.endswith(".c"):
                continue                    # NASM, assembler, no debug info
            if not os.path.exists(os.path.join(harness.ROOT, name)):
                continue                    # a stale object of a gone file
            flags = [w for w in prod.split() if w.startswith("-")
                     and not IMPLIED.match(w)]
            _units.append({"file": name, "directory": attrs["comp_dir"],
                           "flags": flags, "object": o})
    return _units


def entries():
    global _entries
    if _entries is None:
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "cc.json")
            subprocess.run(["python3", os.path.join(harness.SCRIPTS,
                                                    "compdb.py"),
                            "--out", out], check=True, capture_output=True,
                           cwd=harness.ROOT)
            with open(out) as f:
                _entries = json.load(f)
    return _entries


class Compdb(unittest.TestCase):
    def test_every_compiled_file_once_with_its_flags(self):
        u = units(self)
        self.assertGreater(len(u), 50, "too few objects with DWARF found")
        es = entries()
        if not glob.glob(os.path.join(HOST, "*.o")):
            # Host tests not built (make host-tests builds them first):
            # hold only the kernel's and user programs' entries.
            es = [e for e in es if not e.get("output", "").startswith(
                "build/host/")]
        self.assertEqual(compdb.check(es, u), [])

    def test_covers_kernel_user_and_host(self):
        files = {e["file"] for e in entries()}
        for f in ("kernel/main.c", "mm/gup.c", "user/bin/hello.c",
                  "user/lib/malloc.c" if os.path.exists(os.path.join(
                      harness.ROOT, "user/lib/malloc.c")) else
                  "user/bin/true.c", "tests/host/test_string.c",
                  "tests/kernel/gdb.c"):
            self.assertIn(f, files)

    def test_entries_are_well_formed(self):
        for e in entries():
            with self.subTest(file=e["file"]):
                self.assertEqual(e["directory"], harness.ROOT)
                self.assertIn(e["file"], e["arguments"])
                self.assertIn("-c", e["arguments"])
                self.assertTrue(os.path.exists(os.path.join(
                    harness.ROOT, e["file"])))

    def test_checker_catches_wrong_entries(self):
        u = units(self)
        good = entries()
        kernel_unit = next(x for x in u if x["file"] == "mm/gup.c")

        def doctored(fn):
            d = json.loads(json.dumps(good))
            fn(next(e for e in d if e["file"] == "mm/gup.c"), d)
            return compdb.check(d, u)
        flag = kernel_unit["flags"][0]
        cases = {
            "a flag dropped": lambda e, d: e["arguments"].remove(flag),
            "a duplicate": lambda e, d: d.append(dict(e)),
            "a file missing": lambda e, d: d.remove(e),
            "a wrong directory": lambda e, d: e.update(directory="/tmp"),
            "an extra file": lambda e, d: d.append(dict(e, file="x/y.c")),
        }
        for what, fn in cases.items():
            with self.subTest(what=what):
                self.assertNotEqual(doctored(fn), [], what + " not caught")


if __name__ == "__main__":
    harness.main()
