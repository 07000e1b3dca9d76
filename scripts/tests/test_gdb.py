#!/usr/bin/env python3
"""scripts/tests/test_gdb.py - gdb and its helpers against the built kernel.

Without QEMU, one `gdb -batch` run (about a second) on
build/rcu-ipi-vma/kernel.elf, the default configuration's ELF, as `make
gdb` loads it:

- `break kmain` and `break paging_init` resolve to their own files
  (kernel/main.c, mm/paging.c), not to a helper inlined at their start
  (asm/cpu.h: the Makefile's -gno-statement-frontiers, docs/debugging.md);
- scripts/gdb/kernel.py loads without an error and defines every helper
  (those of the files it sources too) and its frame filter;
- the struct fields each helper reads (the *_FIELDS lists of scripts/gdb)
  exist in the ELF's structs: a field renamed in the kernel is caught here.

Then the helpers on a live kernel (class Live, below): one boot of suite
`gdb` under gdb, each helper's output against the kernel's own report,
each check shown to fail on a wrong field and on a wrong expectation.

Skipped, not passed, where gdb (with Python) or QEMU is not installed or
the ELF has not been built (`make host-tests` builds it first; `make`
does too).
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

import harness

ELF = os.path.join(harness.ROOT, "build", "rcu-ipi-vma", "kernel.elf")
KERNEL_PY = os.path.join(harness.ROOT, "scripts", "gdb", "kernel.py")
COMMANDS = ("kernel-log", "print-log", "kernel-cpus", "kernel-pt",
            "kernel-text-hw", "kernel-threads", "kernel-rcu", "kernel-tlb",
            "kernel-vmas", "kernel-page")

# Each helper's field list (scripts/gdb/*.py) and the struct it must be in.
FIELD_LISTS = (("PERCPU_FIELDS", "struct percpu"),
               ("THREAD_FIELDS", "struct thread"),
               ("THREAD_LIST_FIELDS", "struct thread"),
               ("RCU_CPU_FIELDS", "struct rcu_cpu"),
               ("TLB_CPU_FIELDS", "struct tlb_cpu"),
               ("MM_TLB_FIELDS", "struct mm_struct"),
               ("VMA_FIELDS", "struct vm_area_struct"),
               ("PAGE_FIELDS", "struct page"))

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
r["fields"] = {}
for var, struct in %r:
    r["fields"][var] = {"struct": struct, "want": list(globals()[var]),
                        "have": fields(struct)}
print("PROBE " + json.dumps(r))
""" % (COMMANDS, FIELD_LISTS)

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

    def test_helper_fields_exist(self):
        for var, f in probe(self)["probe"]["fields"].items():
            with self.subTest(fields=var):
                missing = sorted(set(f["want"]) - set(f["have"]))
                self.assertEqual(missing, [], "%s lacks %s, which the "
                                 "helpers read (%s in scripts/gdb)"
                                 % (f["struct"], missing, var))


# --------------------------------------------------------------------------
# The helpers on a live kernel: suite `gdb` (tests/kernel/gdb.c)
# --------------------------------------------------------------------------
#
# One boot of the default ELF under QEMU (TCG, 2 CPUs, `ktest=gdb`, halted
# at the reset vector with a gdb stub on a free local port) and one gdb in
# batch mode: at the reset vector every helper must refuse with a clear
# error; at gdb_scene_checkpoint() (every CPU frozen, the state the kernel
# just printed as `gdb-scene:` lines) each helper's output is compared
# with the kernel's own report: the monitor's `ps` and `rcu`, the VMAs,
# pages and TLB state the suite printed.  Then, on the same frozen state,
# each helper runs again with one field or symbol it reads swapped for a
# wrong one (MUTATIONS): its check must fail, and it must fail too against
# a kernel view with one value changed (WRONG_VIEWS).  About 5 s here.

CPUS = 2
RW, RO = 0x20000000, 0x20100000         # user/bin/gdbdemo.h

# helper -> (function, right name, wrong name): the helper's lookup
# function (structs.py's field/need, kernel.py's _field/_sym_value) gives
# it the field or symbol `wrong` where it asks for `right`.
MUTATIONS = {
    "log": ("_sym_value", "log_head", "gdb_scene_checkpoints"),
    "cpus": ("_field", "curr", "self"),
    "threads": ("field", "tid", "cpu"),
    "rcu": ("need", "gp_seq", "gp_completed"),
    "tlb": ("field", "is_lazy", "loaded_gen"),
    "vmas": ("field", "vm_readers", "vm_lock_seq"),
    "page": ("field", "refcount", "inuse"),
}

LIVE_PROBE = r"""
import json, time
def run(cmd):
    try:
        return gdb.execute(cmd, to_string=True)
    except gdb.error as e:
        return "ERROR: " + str(e)
for i in range(100):
    try:
        gdb.execute("target remote 127.0.0.1:%d" % PORT, to_string=True)
        break
    except gdb.error:
        time.sleep(0.1)
r = {"early": {}, "normal": {}, "mutated": {}}
for c in ("kernel-threads", "kernel-rcu", "kernel-tlb", "kernel-vmas 1",
          "kernel-page 0x20000000", "kernel-page -p 0x1000"):
    r["early"][c] = run(c)
gdb.execute("break gdb_scene_checkpoint", to_string=True)
gdb.execute("continue", to_string=True)
CMDS = {"log": ["kernel-log 30"], "cpus": ["kernel-cpus"],
        "threads": ["kernel-threads"], "rcu": ["kernel-rcu"],
        "tlb": ["kernel-tlb"], "vmas": ["kernel-vmas pid"],
        "page": ["kernel-page 0x20000000", "kernel-page 0x20100000 pid",
                 "kernel-page -p $gdbdemo_rw_pa"]}
# The physical address of the pinned page, from the PTE (kernel-pt's walk).
pa = [e for e in pt_walk(0x20000000, int(gdb.parse_and_eval("$cr3")))][-1]
gdb.set_convenience_variable("gdbdemo_rw_pa", leaf_address(pa[4], pa[1],
                                                           0x20000000)[1])
r["normal"] = {k: [run(c) for c in cs] for k, cs in CMDS.items()}
r["bad"] = {c: run(c) for c in ("kernel-vmas", "kernel-vmas x",
                                "kernel-vmas 9999", "kernel-page",
                                "kernel-page 1 2 3", "kernel-page -p",
                                "kernel-page 0x7f0000000000",
                                "kernel-threads x")}
import __main__
for helper, (fn, right, wrong) in MUTATIONS.items():
    good = getattr(__main__, fn)
    if fn in ("field", "_field"):
        bad = lambda v, n, g=good, w=wrong, r_=right: g(v, w if n == r_ else n)
    else:
        bad = lambda n, g=good, w=wrong, r_=right: g(w if n == r_ else n)
    setattr(__main__, fn, bad)
    r["mutated"][helper] = [run(c) for c in CMDS[helper]]
    setattr(__main__, fn, good)
gdb.execute("delete", to_string=True)
gdb.execute("detach", to_string=True)
print("LIVE " + json.dumps(r))
"""


def kernel_view(log: str) -> dict:
    """The kernel's own report: the suite's `gdb-scene:` lines and the
    monitor's `ps` and `rcu` output between them."""
    v = {"vmas": [], "pages": {}, "tlb": {}, "ps": [], "locked": {}}
    in_ps = False
    for line in log.splitlines():
        body = re.sub(r"^\[\s*[\d.]+\]\s*", "", line)
        if body.startswith("gdb-scene: "):
            v["last_line"] = line
        if body == "gdb-scene: ps begin":
            in_ps = True
            continue
        if body == "gdb-scene: ps end":
            in_ps = False
            continue
        if in_ps:
            w = body.split()
            if w and w[0].isdigit():
                v["ps"].append({"tid": int(w[0]), "name": w[1],
                                "state": w[2], "cpu": int(w[3])})
            continue
        m = re.match(r"gdb-scene: pid (\d+) mm (0x[0-9a-f]+) threads (.*)",
                     body)
        if m:
            v["pid"], v["mm"] = int(m.group(1)), int(m.group(2), 16)
            v["tids"] = [int(x) for x in m.group(3).split()]
        m = re.match(r"gdb-scene: vma (0x[0-9a-f]+)-(0x[0-9a-f]+) flags "
                     r"(0x[0-9a-f]+|0)$", body)
        if m:
            v["vmas"].append(tuple(int(x, 16) for x in m.groups()))
        m = re.match(r"gdb-scene: vma (0x[0-9a-f]+) read-locked readers "
                     r"(\d+)", body)
        if m:
            v["locked"][int(m.group(1), 16)] = int(m.group(2))
        m = re.match(r"gdb-scene: page va (0x[0-9a-f]+) pfn (0x[0-9a-f]+) "
                     r"refcount (-?\d+) flags (0x[0-9a-f]+|0)", body)
        if m:
            v["pages"][int(m.group(1), 16)] = {
                "pfn": int(m.group(2), 16), "refcount": int(m.group(3))}
        m = re.match(r"gdb-scene: rcu gp_seq (\d+) completed (\d+) "
                     r"waiting (\d+)", body)
        if m:
            v["gp_seq"], v["completed"], v["waiting"] = map(int, m.groups())
        m = re.match(r"gdb-scene: mm 0x[0-9a-f]+ tlb_gen (-?\d+)", body)
        if m:
            v["tlb_gen"] = int(m.group(1))
        m = re.match(r"gdb-scene: tlb cpu (\d+) has_mm (\d) lazy (\d)", body)
        if m:
            v["tlb"][int(m.group(1))] = {"has_mm": m.group(2) == "1",
                                         "lazy": m.group(3) == "1"}
    return v


def vm_flag_values() -> dict:
    """VM_* of mm/vma.h by name without the prefix: the helper prints
    names, the kernel numbers."""
    with open(os.path.join(harness.ROOT, "mm", "vma.h")) as f:
        return {m.group(1): int(m.group(2), 16) for m in re.finditer(
            r"^#define VM_(\w+)\s+(0x[0-9a-fA-F]+)", f.read(), re.M)}


def table_rows(out: str, first: str) -> list[list[str]]:
    """Whitespace-split rows of a helper's table after its header line
    (the one whose first word is @first)."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.split()[:1] == [first]:
            return [x.split() for x in lines[i + 1:] if x.strip()]
    return []


def check_log(outs: list[str], k: dict) -> list[str]:
    """kernel-log ends with the last line the suite printed before the
    checkpoint, as the serial port received it."""
    lines = outs[0].splitlines()
    if not lines or lines[-1] != k["last_line"]:
        return ["kernel-log ends with %r, the serial log's last report line "
                "is %r" % (lines[-1:] or "", k["last_line"])]
    return []


def check_cpus(outs: list[str], k: dict) -> list[str]:
    """kernel-cpus: one row per CPU, online, its current thread the one
    `ps` shows running there."""
    bad = []
    rows = [w[1:] if w[0] == "*" else w for w in table_rows(outs[0], "CPU")]
    if [r[0] for r in rows] != [str(c) for c in range(CPUS)]:
        return ["CPU rows %s" % [r[0] for r in rows]]
    for r in rows:
        cpu = int(r[0])
        run = [p for p in k["ps"] if p["state"] == "running"
               and p["cpu"] == cpu]
        want = "%d %s" % (run[0]["tid"], run[0]["name"]) if run else "-"
        if r[2] != "yes" or " ".join(r[8:]) != want:
            bad.append("cpu %d online %s current %r, ps runs %r there"
                       % (cpu, r[2], " ".join(r[8:]), want))
    return bad


def check_threads(outs: list[str], k: dict) -> list[str]:
    """kernel-threads against `ps`: the same threads, names, states and
    CPUs; gdbdemo's threads carry its mm and pid; the running ones are
    marked as their CPU's current thread."""
    bad = []
    got = {}
    for w in table_rows(outs[0], "tid"):
        on = w[4] if len(w) == 7 else ""
        mm, pid = w[-2], w[-1]
        got[int(w[0])] = {"name": w[1], "state": w[2], "cpu": int(w[3]),
                          "on": on, "mm": mm, "pid": pid}
    want = {p["tid"]: p for p in k["ps"]}
    if sorted(got) != sorted(want):
        bad.append("tids %s, ps says %s" % (sorted(got), sorted(want)))
    for tid, p in want.items():
        g = got.get(tid)
        if g is None:
            continue
        for key in ("name", "state", "cpu"):
            if g[key] != p[key]:
                bad.append("tid %d %s %r, ps says %r" % (tid, key, g[key],
                                                         p[key]))
        if (g["state"] == "running") != (g["on"] == "*%d" % p["cpu"]):
            bad.append("tid %d is %s but marked %r" % (tid, g["state"],
                                                      g["on"]))
    for tid in k["tids"]:
        g = got.get(tid, {})
        if g.get("mm") != "%#x" % k["mm"] or g.get("pid") != str(k["pid"]):
            bad.append("tid %d: mm %s pid %s, kernel says mm %#x pid %d"
                       % (tid, g.get("mm"), g.get("pid"), k["mm"], k["pid"]))
    return bad


def check_rcu(outs: list[str], k: dict) -> list[str]:
    out = outs[0]
    m = re.search(r"grace period (\d+) completed \(gp_seq (\d+), "
                  r"(idle|one in progress)\), (\d+) completed", out)
    if not m:
        return ["no grace-period line in %r" % out]
    bad = []
    gp, seq, state, done = int(m.group(1)), int(m.group(2)), m.group(3), \
        int(m.group(4))
    if (seq, done, gp) != (k["gp_seq"], k["completed"], k["gp_seq"] // 2):
        bad.append("gp_seq %d completed %d (period %d), kernel says %d, %d"
                   % (seq, done, gp, k["gp_seq"], k["completed"]))
    if (state == "idle") != (k["gp_seq"] % 2 == 0):
        bad.append("state %s with gp_seq %d" % (state, k["gp_seq"]))
    m = re.search(r"owing a quiescent state: (\S+); callbacks waiting: (\d+)",
                  out)
    if not m or int(m.group(2)) != k["waiting"]:
        bad.append("callbacks waiting %s, kernel says %d"
                   % (m and m.group(2), k["waiting"]))
    rows = table_rows(out, "CPU")
    if [int(r[0]) for r in rows] != list(range(CPUS)):
        bad.append("CPU rows %s" % [r[0] for r in rows])
    owing = [r[0] for r in rows if r[1] == "yes"]
    if m and (m.group(1) == "-") != (not owing):
        bad.append("owing %s but qs_owed on %s" % (m.group(1), owing))
    if k["gp_seq"] % 2 == 0 and owing:
        bad.append("no grace period runs, yet CPUs %s owe one" % owing)
    if sum(int(r[2]) + int(r[3]) + int(r[4]) for r in rows) > k["waiting"]:
        bad.append("more callbacks on the lists than waiting")
    return bad


def check_tlb(outs: list[str], k: dict) -> list[str]:
    bad = []
    rows = {int(r[0]): r for r in table_rows(outs[0], "CPU")}
    if sorted(rows) != sorted(k["tlb"]):
        return ["CPUs %s, kernel says %s" % (sorted(rows), sorted(k["tlb"]))]
    for cpu, kv in k["tlb"].items():
        r = rows[cpu]
        has = r[1] == "%#x" % k["mm"]
        if has != kv["has_mm"]:
            bad.append("cpu %d loaded_mm %s; kernel: has the mm %s"
                       % (cpu, r[1], kv["has_mm"]))
        if has:
            if int(r[3]) != k["tlb_gen"] or int(r[4]) != int(r[3]) - int(r[2]):
                bad.append("cpu %d gen %s mm_gen %s behind %s; kernel: "
                           "tlb_gen %d" % (cpu, r[2], r[3], r[4],
                                           k["tlb_gen"]))
            if (r[5] == "yes") != kv["lazy"] or r[6] != "yes":
                bad.append("cpu %d lazy %s mask %s; kernel: lazy %s"
                           % (cpu, r[5], r[6], kv["lazy"]))
            if not outs[0].splitlines()[cpu + 1].endswith(
                    "%d gdbdemo" % k["pid"]):
                bad.append("cpu %d: owner is not pid %d" % (cpu, k["pid"]))
    return bad


def check_vmas(outs: list[str], k: dict) -> list[str]:
    out = outs[0]
    if not re.search(r"^pid %d gdbdemo  mm %#x " % (k["pid"], k["mm"]), out,
                     re.M):
        return ["no header line for pid %d mm %#x in %r"
                % (k["pid"], k["mm"], out)]
    vm = vm_flag_values()
    got = []
    locks = {}
    for w in table_rows(out, "start"):
        flags = 0 if w[3] == "-" else sum(vm[n] for n in w[3].split("|"))
        got.append((int(w[0], 16), int(w[1], 16), flags))
        locks[int(w[0], 16)] = " ".join(w[4:])
    bad = []
    if got != k["vmas"]:
        bad.append("VMAs %s, kernel says %s" % (
            [tuple(map(hex, g)) for g in got],
            [tuple(map(hex, g)) for g in k["vmas"]]))
    for start, lock in locks.items():
        n = k["locked"].get(start)
        want = "read x%d" % n if n else "-"
        if lock != want:
            bad.append("VMA %#x lock %r, kernel says %r" % (start, lock, want))
    return bad


def check_page(outs: list[str], k: dict) -> list[str]:
    bad = []
    for out, va in zip(outs, (RW, RO, RW)):
        m = re.search(r"pfn (0x[0-9a-f]+) .*\n.*\n  refcount (-?\d+) = (\d+) "
                      r"pins? \(x(\d+)\) \+ (\d+) reference", out)
        want = k["pages"][va]
        if not m:
            bad.append("no pfn/refcount for %#x in %r" % (va, out))
            continue
        pfn, ref, pins, bias, refs = (int(m.group(1), 16),) + \
            tuple(int(x) for x in m.groups()[1:])
        if (pfn, ref) != (want["pfn"], want["refcount"]):
            bad.append("%#x: pfn %#x refcount %d, kernel says %#x %d"
                       % (va, pfn, ref, want["pfn"], want["refcount"]))
        if (pins, refs) != divmod(ref, bias) or (va == RW) != (pins == 1):
            bad.append("%#x: %d pins + %d references of %d" % (va, pins, refs,
                                                              ref))
    return bad


CHECKS = {"log": check_log, "cpus": check_cpus, "threads": check_threads, "rcu": check_rcu, "tlb": check_tlb,
          "vmas": check_vmas, "page": check_page}


def wrong_view(helper: str, k: dict) -> dict:
    """@k with one value the @helper's check compares changed."""
    w = json.loads(json.dumps(k))
    w["pages"] = {int(a): p for a, p in w["pages"].items()}
    w["tlb"] = {int(c): t for c, t in w["tlb"].items()}
    w["locked"] = {int(a): n for a, n in w["locked"].items()}
    w["vmas"] = [tuple(v) for v in w["vmas"]]
    if helper == "log":
        w["last_line"] += " (changed)"
    elif helper == "cpus":
        w["ps"] = [dict(p, state="blocked") if p["state"] == "running"
                   else p for p in w["ps"]]
    elif helper == "threads":
        w["ps"][-1]["state"] = "zombie"
    elif helper == "rcu":
        w["gp_seq"] += 2
    elif helper == "tlb":
        w["tlb"][0]["lazy"] = not w["tlb"][0]["lazy"]
    elif helper == "vmas":
        w["locked"] = {}
    elif helper == "page":
        w["pages"][RW]["refcount"] += 1024
    return w


_live = None


def live(test: unittest.TestCase) -> dict:
    """Boot suite `gdb` under gdb once for all the live tests."""
    global _live
    gdb = shutil.which("gdb")
    qemu = shutil.which("qemu-system-x86_64")
    if gdb is None or qemu is None:
        test.skipTest("gdb or qemu-system-x86_64 is not installed (make deps)")
    if not os.path.exists(ELF):
        test.skipTest("no build/rcu-ipi-vma/kernel.elf (run make first)")
    if _live is None:
        _live = run_live(gdb)
    if "Python scripting is not supported" in _live["err"]:
        test.skipTest("this gdb has no Python")
    if "probe" not in _live:
        test.fail("the live gdb session printed no result (gdb status %s, "
                  "QEMU status %s):\n%s%s\nserial log:\n%s" % (
                      _live["rc"], _live["qemu_rc"], _live["out"][-3000:],
                      _live["err"][-3000:], _live["log"][-3000:]))
    return _live


def run_live(gdb: str) -> dict:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as d:
        log = os.path.join(d, "serial.log")
        script = os.path.join(d, "live.py")
        with open(script, "w") as f:
            f.write("PORT = %d\nMUTATIONS = %r\n" % (port, MUTATIONS))
            f.write(LIVE_PROBE)
        q = subprocess.Popen(
            [sys.executable, os.path.join(harness.SCRIPTS, "qemu.py"),
             "--kernel", ELF, "--boot", "direct", "--accel", "tcg",
             "--cpus", str(CPUS), "--cmdline", "ktest=gdb", "--timeout",
             "120", "--log", log, "--qemu-arg=-S", "--qemu-arg=-gdb",
             "--qemu-arg=tcp:127.0.0.1:%d" % port],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            p = subprocess.run(
                [gdb, "-nx", "-batch", "-ex", "set pagination off",
                 "-ex", "source " + KERNEL_PY, "-ex", "source " + script,
                 ELF], capture_output=True, text=True, timeout=120)
            r = {"rc": p.returncode, "out": p.stdout, "err": p.stderr}
        except subprocess.TimeoutExpired as e:
            r = {"rc": "timeout", "out": str(e.stdout), "err": str(e.stderr)}
        try:
            r["qemu_out"] = q.communicate(timeout=120)[0]
        except subprocess.TimeoutExpired:
            q.kill()
            r["qemu_out"] = q.communicate()[0]
        r["qemu_rc"] = q.returncode
        with open(log, errors="replace") as f:
            r["log"] = f.read()
    for line in r["out"].splitlines():
        if line.startswith("LIVE "):
            r["probe"] = json.loads(line[len("LIVE "):])
    r["kernel"] = kernel_view(r["log"])
    return r


class Live(unittest.TestCase):
    def test_suite_gdb_passed(self):
        """The scene's own checks passed, and gdb stopped it only once."""
        log = live(self)["log"]
        self.assertIn("ok 1 test_gdb_scene", log, log[-2000:])

    def test_too_early_is_a_clear_error(self):
        """At the reset vector (paging off) every helper refuses, with a
        hint and no Python traceback."""
        for cmd, out in live(self)["probe"]["early"].items():
            with self.subTest(cmd=cmd):
                self.assertTrue(out.startswith("ERROR: "), out)
                self.assertIn("break kmain", out)
                self.assertNotIn("Traceback", out)

    def test_bad_arguments_are_clear_errors(self):
        for cmd, out in live(self)["probe"]["bad"].items():
            with self.subTest(cmd=cmd):
                self.assertTrue(out.startswith("ERROR: "), out)
                self.assertNotIn("Traceback", out)
                self.assertNotIn("Python Exception", out)

    def _check(self, helper):
        r = live(self)
        k, outs = r["kernel"], r["probe"]["normal"][helper]
        self.assertEqual(CHECKS[helper](outs, k), [], "\n".join(outs))
        # Teeth: a helper reading a wrong field, and a wrong expectation.
        self.assertNotEqual(CHECKS[helper](r["probe"]["mutated"][helper], k),
                            [], "the check passed although kernel-%s read %s "
                            "for %s" % (helper, MUTATIONS[helper][2],
                                        MUTATIONS[helper][1]))
        self.assertNotEqual(CHECKS[helper](outs, wrong_view(helper, k)), [],
                            "the check passed against a wrong kernel view")

    def test_kernel_log_matches_the_serial_log(self):
        self._check("log")

    def test_kernel_cpus_matches_ps(self):
        self._check("cpus")

    def test_kernel_threads_matches_ps(self):
        self._check("threads")

    def test_kernel_rcu_matches_the_kernel(self):
        self._check("rcu")

    def test_kernel_tlb_matches_the_kernel(self):
        self._check("tlb")

    def test_kernel_vmas_matches_the_kernel(self):
        self._check("vmas")

    def test_kernel_page_matches_the_kernel(self):
        self._check("page")


if __name__ == "__main__":
    harness.main()
