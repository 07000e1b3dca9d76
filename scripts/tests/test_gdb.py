#!/usr/bin/env python3
"""scripts/tests/test_gdb.py - gdb against the built kernel, no QEMU.

One `gdb -batch` run (about a second) on build/rcu-ipi-vma/kernel.elf,
the default configuration's ELF, as `make gdb` loads it:

- `break kmain` and `break paging_init` resolve to their own files
  (kernel/main.c, mm/paging.c), not to a helper inlined at their start
  (asm/cpu.h: the Makefile's -gno-statement-frontiers, docs/debugging.md);
- scripts/gdb/kernel.py loads without an error and defines its commands
  and its frame filter;
- the struct fields that kernel-cpus reads (PERCPU_FIELDS, THREAD_FIELDS
  in kernel.py) exist in the ELF's struct percpu and struct thread: a
  field renamed in the kernel would otherwise show as `?` in the table.

Skipped, not passed, where gdb (with Python) is not installed or the ELF
has not been built (`make host-tests` does not build the kernel; `make`
does).
"""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness

ELF = os.path.join(harness.ROOT, "build", "rcu-ipi-vma", "kernel.elf")
KERNEL_PY = os.path.join(harness.ROOT, "scripts", "gdb", "kernel.py")
COMMANDS = ("kernel-log", "print-log", "kernel-cpus", "kernel-pt",
            "kernel-text-hw")

# Runs inside gdb after kernel.py; prints one JSON line for the tests.
PROBE = r"""
import json, re
r = {}
def where(fn):
    out = gdb.execute("break " + fn, to_string=True)
    m = re.search(r"file (\S+), line (\d+)", out)
    return [m.group(1), int(m.group(2))] if m else out.strip()
r["kmain"] = where("kmain")
r["paging_init"] = where("paging_init")
r["help"] = {}
for c in %r:
    try:
        r["help"][c] = gdb.execute("help " + c, to_string=True)
    except gdb.error as e:
        r["help"][c] = "ERROR " + str(e)
r["frame_filters"] = sorted(gdb.frame_filters)
def fields(t):
    return [f.name for f in gdb.lookup_type(t).fields()]
r["percpu"] = {"want": list(PERCPU_FIELDS), "have": fields("struct percpu")}
r["thread"] = {"want": list(THREAD_FIELDS), "have": fields("struct thread")}
print("PROBE " + json.dumps(r))
""" % (COMMANDS,)

_result = None


def probe(test: unittest.TestCase) -> dict:
    """Run gdb once for all the tests; skip each when it cannot run."""
    global _result
    gdb = shutil.which("gdb")
    if gdb is None:
        test.skipTest("gdb is not installed (make deps)")
    if not os.path.exists(ELF):
        test.skipTest("no build/rcu-ipi-vma/kernel.elf (run make first)")
    if _result is None:
        with tempfile.TemporaryDirectory() as d:
            script = os.path.join(d, "probe.py")
            with open(script, "w") as f:
                f.write(PROBE)
            p = subprocess.run(
                [gdb, "-nx", "-batch", "-ex", "python import gdb",
                 "-ex", "source " + KERNEL_PY, "-ex", "source " + script,
                 ELF], capture_output=True, text=True, timeout=60)
        _result = {"rc": p.returncode, "out": p.stdout, "err": p.stderr}
        for line in p.stdout.splitlines():
            if line.startswith("PROBE "):
                _result["probe"] = json.loads(line[len("PROBE "):])
    if "Python scripting is not supported" in _result["err"]:
        test.skipTest("this gdb has no Python")
    if "probe" not in _result:
        test.fail("gdb printed no result (status %d):\n%s%s" % (
            _result["rc"], _result["out"], _result["err"]))
    return _result


class Breakpoints(unittest.TestCase):
    def test_break_kmain_is_in_main_c(self):
        loc = probe(self)["probe"]["kmain"]
        self.assertIsInstance(loc, list, loc)
        self.assertEqual(loc[0], "kernel/main.c",
                         "break kmain resolves to %s:%s: an inlined helper's "
                         "line (a build from before -gno-statement-frontiers? "
                         "make clean; make)" % tuple(loc))

    def test_break_paging_init_is_in_paging_c(self):
        loc = probe(self)["probe"]["paging_init"]
        self.assertIsInstance(loc, list, loc)
        self.assertEqual(loc[0], "mm/paging.c")


class KernelPy(unittest.TestCase):
    def test_loads_without_error(self):
        r = probe(self)
        errors = [line for line in r["err"].splitlines()
                  if line.strip() and "warning: " not in line]
        self.assertEqual(errors, [], "kernel.py or the probe printed errors")

    def test_defines_its_commands(self):
        helps = probe(self)["probe"]["help"]
        for c in COMMANDS:
            with self.subTest(command=c):
                self.assertFalse(helps[c].startswith("ERROR"), helps[c])
                self.assertIn("Usage: " + c, helps[c])

    def test_installs_the_frame_filter(self):
        self.assertIn("kernel-text", probe(self)["probe"]["frame_filters"])

    def test_kernel_cpus_fields_exist(self):
        p = probe(self)["probe"]
        for struct in ("percpu", "thread"):
            missing = sorted(set(p[struct]["want"]) - set(p[struct]["have"]))
            self.assertEqual(missing, [], "struct %s lacks %s, which "
                             "kernel-cpus reads" % (struct, missing))


if __name__ == "__main__":
    harness.main()
