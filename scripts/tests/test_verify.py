#!/usr/bin/env python3
"""scripts/tests/test_verify.py - `make verify`'s parts (scripts/verify.py):
pan's report, the trail renderer, the C-function check, the table.

The trails and pan reports in fixtures/verify/ are real: spin 6.5.2's
output for checks of tests/models/ (fixtures/README.md says which), kept
with the model sources they were made from, so that the tags the renderer
looks up are the ones the trail's line numbers refer to.  The checks
themselves (spin on every model) run in `make verify` and as the host
stage's `verify` subtest, not here.
"""

import os
import tempfile
import unittest

import harness
from harness import FIXTURES, fixture

import verify

VDIR = os.path.join(FIXTURES, "verify")


def vfix(name: str) -> str:
    return fixture(os.path.join("verify", name))


def tags_of(*models: str):
    paths = [os.path.join(VDIR, m) for m in models]
    return verify.read_tags(paths), verify.read_mem_names(paths)


def rendered(trail: str, *models: str, width: int = 120) -> str:
    tags, mem = tags_of(*models)
    return verify.render_trail(verify.parse_trail(vfix(trail)), tags, mem,
                               width=width)


def column_of(table: str, needle: str) -> int:
    """Which column (0-based, after the step column) a text is in."""
    for line in table.splitlines():
        if needle in line:
            cells = line.split(" | ")
            for k, c in enumerate(cells[1:]):
                if needle in c:
                    return k
    raise AssertionError(f"{needle!r} not in the table:\n{table}")


def row_of(table: str, needle: str) -> int:
    for n, line in enumerate(table.splitlines()):
        if needle in line:
            return n
    raise AssertionError(f"{needle!r} not in the table:\n{table}")


class PanReports(unittest.TestCase):
    """parse_pan() on what pan printed."""

    def test_complete_search(self):
        r = verify.parse_pan(vfix("tlb.correct.pan"))
        self.assertEqual(r.found, "ok")
        self.assertTrue(r.complete)
        self.assertEqual((r.states, r.vector, r.depth), (496282, 104, 228))
        self.assertGreater(r.memory_mb, 10)

    def test_assertion(self):
        r = verify.parse_pan(vfix("pgtable_free.ipi_pv.pan"))
        self.assertEqual(r.found, "assert")
        self.assertIn("!(freed)", r.error_text)
        self.assertFalse(r.complete)

    def test_invalid_end_state(self):
        self.assertEqual(verify.parse_pan(vfix("spinlock.nmi_halt.pan")).found,
                         "end")

    def test_acceptance_cycle(self):
        self.assertEqual(verify.parse_pan(
            vfix("spinlock.liveness_nmi_halt.pan")).found, "cycle")

    def test_truncated_search_is_not_a_pass(self):
        text = vfix("tlb.correct.pan").replace(
            "Full statespace search", "Warning: Search not completed\n"
            "Full statespace search")
        r = verify.parse_pan(text)
        self.assertEqual(r.found, "incomplete")
        self.assertFalse(r.complete)

    def test_nothing(self):
        self.assertEqual(verify.parse_pan("").found, "error")


class Trails(unittest.TestCase):
    """parse_trail() and render_trail() on real counterexamples."""

    def test_columns_and_error(self):
        t = verify.parse_trail(vfix("pgtable_free.ipi_pv.trail"))
        cpus = {cpu for cpu, _ in t.columns.values()}
        self.assertEqual(cpus, {"CPU0", "CPU1"})
        self.assertIn("assertion violated", t.error)
        self.assertIn("!(freed)", t.error)
        self.assertEqual(t.columns[t.error_pid], ("CPU0", "fast GUP"))
        self.assertIsNone(t.cycle_at)

    def test_use_after_free_of_ipi_pv(self):
        # The unsafe pairing, one column per CPU, in the order it happens:
        # the walker reads the PMD, the host takes CPU0 out, CPU1 defers
        # the flush to the host and frees at once, CPU0 reads the table.
        out = rendered("pgtable_free.ipi_pv.trail", "pgtable_free.pml")
        head = out.splitlines()[0]
        self.assertIn("CPU0 (fast GUP)", head)
        self.assertIn("CPU1 (munmap)", head)
        order = ["lockless_page_walk_begin: local_irq_save()",
                 "gup_fast_check: the PMD entry",
                 "[host] pvmodel_nmi: VM exit",
                 "pv_send: compare-and-exchange",
                 "free_gathered_tables: TABLE_FREE=ipi",
                 "gup_fast_pte_range: READ_ONCE(*ptep)",
                 "!! assertion violated"]
        rows = [row_of(out, s) for s in order]
        self.assertEqual(rows, sorted(rows))
        self.assertEqual(column_of(out, "pv_send: compare-and-exchange"), 1)
        self.assertEqual(column_of(out, "[host] pvmodel_nmi: VM exit"), 0)
        self.assertEqual(column_of(out, "!! assertion violated"), 0)
        self.assertNotIn("waits forever", out)     # an assertion: nobody waits
        self.assertIn("At the end: pmd = 0, freed = 1", out.replace("\n", " "))

    def test_untagged_steps_are_left_out(self):
        out = rendered("pgtable_free.ipi_pv.trail", "pgtable_free.pml")
        self.assertNotIn("(st&1)", out)         # a guard, no tag
        self.assertNotIn("@column", out)

    def test_store_buffer_drains_named(self):
        # No fence after the writer's mark: the mark is still buffered
        # when the fault reads it; the drain comes after, by name.
        out = rendered("fault.no_vma_fence.trail", "fault.pml", "tso.pml",
                       width=160)
        read = row_of(out, "lock_vma_under_rcu: __atomic_fetch_add")
        drain = row_of(out, "[sb] a buffered store reaches memory: "
                            "vma1->vm_lock_seq = 1")
        self.assertLess(read, drain)
        self.assertEqual(column_of(out, "vma1->vm_lock_seq = 1"), 1)

    def test_invalid_end_state_shows_who_waits(self):
        out = rendered("spinlock.nmi_halt.trail", "spinlock.pml", "tso.pml",
                       width=150)
        waits = [line for line in out.splitlines() if "waits forever" in line]
        self.assertEqual(len(waits), 2)
        # CPU1, the NMI handler, halted: the kick that would end it stays
        # latched; CPU2 waits behind it.
        cols = {next(k for k, c in enumerate(line.split(" | ")[1:])
                     if "waits forever" in c) for line in waits}
        self.assertEqual(cols, {1, 2})
        self.assertIn("CPU1 (NMI handler)", out.splitlines()[0])
        self.assertIn("spin_unlock: U3: spin_kick_cpu(sleeper)", out)

    def test_cycle(self):
        t = verify.parse_trail(vfix("spinlock.liveness_nmi_halt.trail"))
        self.assertIsNotNone(t.cycle_at)
        out = rendered("spinlock.liveness_nmi_halt.trail", "spinlock.pml",
                       "tso.pml")
        self.assertIn("-- the cycle: from here on nothing moves", out)
        self.assertIn("waits forever", out)

    def test_long_prefix_cut(self):
        t = verify.parse_trail(vfix("spinlock.liveness_nmi_halt.trail"))
        tags, mem = tags_of("spinlock.pml", "tso.pml")
        out = verify.render_trail(t, tags, mem, max_prefix=3)
        self.assertIn("earlier rows: spin -t -p shows them", out)

    def test_width(self):
        out = rendered("pgtable_free.ipi_pv.trail", "pgtable_free.pml",
                       width=100)
        self.assertTrue(all(len(line) <= 100 for line in out.splitlines()))


class FunctionNames(unittest.TestCase):
    """The check that every C function a model names exists."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        os.makedirs(os.path.join(self.root, "mm"))
        os.makedirs(os.path.join(self.root, "arch"))
        with open(os.path.join(self.root, "mm", "a.c"), "w") as f:
            f.write("/* a */\n"
                    "void flush_it(int x)\n{\n\tcall_only(x);\n}\n"
                    "static inline bool grab(struct page *p, unsigned f)\n"
                    "{\n\treturn true;\n}\n"
                    "long declared_only(int y);\n"
                    "#define SOME_MACRO(x) ((x) + 1)\n")
        with open(os.path.join(self.root, "arch", "h.c"), "w") as f:
            f.write('asm(".globl arch_halt_unless_u16\\n"\n'
                    '    "arch_halt_unless_u16:\\n");\n')
        self.model = os.path.join(self.root, "m.pml")
        with open(self.model, "w") as f:
            f.write("x = 1;  /* @flush_it: a step */\n"
                    "y = 1;  /* @grab: another */\n"
                    "z = 1;  /* @hw: the hardware */\n"
                    "w = 1;  /* @SOME_MACRO: a macro */\n"
                    "v = 1;  /* @arch_halt_unless_u16: asm */\n"
                    "u = 1;  /* @declared_only: gone */\n"
                    "t = 1;  /* @call_only: never defined */\n")

    def tearDown(self):
        self.tmp.cleanup()

    def test_definitions(self):
        defined = verify.c_definitions(self.root)
        for name in ("flush_it", "grab", "SOME_MACRO",
                     "arch_halt_unless_u16"):
            self.assertIn(name, defined)
        self.assertNotIn("declared_only", defined)  # a prototype only
        self.assertNotIn("call_only", defined)      # a call only

    def test_missing_named_with_place(self):
        named, missing = verify.check_names([self.model],
                                            verify.c_definitions(self.root))
        self.assertEqual(named, {"flush_it", "grab", "SOME_MACRO",
                                 "arch_halt_unless_u16", "declared_only",
                                 "call_only"})
        self.assertEqual(len(missing), 2)
        self.assertIn("m.pml:6: declared_only()", missing[0])
        self.assertIn("m.pml:7: call_only()", missing[1])

    def test_rename_is_caught(self):
        # The renaming the check exists for: the model names the old name.
        with open(os.path.join(self.root, "mm", "a.c")) as f:
            text = f.read()
        with open(os.path.join(self.root, "mm", "a.c"), "w") as f:
            f.write(text.replace("void flush_it(", "void flush_that("))
        _, missing = verify.check_names([self.model],
                                        verify.c_definitions(self.root))
        self.assertTrue(any("flush_it()" in m for m in missing))

    def test_the_tree(self):
        # The real models against the real tree (what make verify checks).
        named, missing = verify.check_names(verify.model_files(),
                                            verify.c_definitions())
        self.assertGreater(len(named), 40)
        self.assertEqual(missing, [])


class Coverage(unittest.TestCase):
    """pan_coverage(): which model lines a search reached.  The pan.c here
    is cut down by hand to the three tables the function reads, in the
    shape spin 6.5.2 writes them; the report's "unreached" section is as
    pan prints it."""

    PAN_C = """
short src_ln1 [] = {
	  0,  10,  11,  12,  12,   0, };
S_F_MAP src_file1 [] = {
	{ "-", 0, 0 },
	{ "/x/tests/models/m.pml", 1, 4 },
	{ "-", 5, 6 }
};
short src_ln0 [] = {
	  0,  20,  12,   0, };
S_F_MAP src_file0 [] = {
	{ "-", 0, 0 },
	{ "/x/tests/models/m.pml", 1, 2 },
	{ "-", 3, 4 }
};
char *procname[] = {
   "worker",
   "other",
   ":np_:",
	0
};
"""
    PAN_OUT = """State-vector 20 byte, depth reached 9, errors: 0
unreached in proctype worker
\tm.pml:20, state 1, "x = 1"
\t(1 of 3 states)
unreached in proctype other
\tm.pml:11, state 2, "y = 2"
\tm.pml:12, state 3, "(z)"
\t(2 of 5 states)
unreached in init
\t(0 of 1 states)
"""

    def test_reached_lines(self):
        d = tempfile.mkdtemp()
        self.addCleanup(lambda: [os.unlink(os.path.join(d, f))
                                 for f in os.listdir(d)] and os.rmdir(d))
        with open(os.path.join(d, "pan.c"), "w") as f:
            f.write(self.PAN_C)
        with open(os.path.join(d, "pan.out"), "w") as f:
            f.write(self.PAN_OUT)
        comp, reach = verify.pan_coverage(os.path.join(d, "pan.c"),
                                          os.path.join(d, "pan.out"))
        self.assertEqual(comp, {("m.pml", n) for n in (10, 11, 12, 20)})
        # 12: unreached in `other` (state 3) but reached in `worker`
        # (state 2) and in `other` (state 4); 11 and 20: never.
        self.assertEqual(reach, {("m.pml", 10), ("m.pml", 12)})


class Table(unittest.TestCase):
    """tests/models/models.txt."""

    def test_real_table(self):
        checks = verify.read_table()
        models = {c.model for c in checks}
        self.assertEqual(models, {"tlb", "pgtable_free", "gup", "fault",
                                  "spinlock", "rcu", "cow", "gup_fork"})
        for m in models:
            self.assertTrue(os.path.exists(
                os.path.join(verify.MODELS_DIR, m + ".pml")))
            # Every model has a correct run and a broken one.
            kinds = {c.expect for c in checks if c.model == m}
            self.assertIn("ok", kinds)
            self.assertTrue(kinds - {"ok"})
            self.assertTrue(verify.model_bounds(
                os.path.join(verify.MODELS_DIR, m + ".pml")))
        self.assertEqual(verify.check_switch_names(
            checks, verify.broken_switches()), [])

    def write(self, text: str) -> str:
        f = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
        f.write(text)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_row(self):
        p = self.write("# comment\nm v assert safety A,B=1 w=20 opt\n"
                       "m w ok liveness -\n")
        c1, c2 = verify.read_table(p)
        self.assertEqual((c1.name, c1.expect, c1.kind, c1.defines,
                          c1.hash_bits, c1.optimize),
                         ("m.v", "assert", "safety", ["A", "B=1"], 20, True))
        self.assertEqual((c2.defines, c2.hash_bits, c2.optimize),
                         ([], 22, False))
        self.assertIn("-DBFS", verify.gcc_args(c1))
        self.assertIn("-a", verify.pan_args(c2))

    def test_bad_rows(self):
        for bad in ("m v maybe safety -\n", "m v ok fast -\n", "m v ok\n",
                    "m v ok safety - q=1\n", "m v ok safety -\nm v ok safety -\n"):
            with self.subTest(bad=bad), self.assertRaises(ValueError):
                verify.read_table(self.write(bad))

    def test_broken_names_must_be_switches(self):
        p = self.write("m v assert safety FOO_BROKEN,NO_FENCE\n")
        bad = verify.check_switch_names(verify.read_table(p),
                                        {"GUP_BROKEN"})
        self.assertEqual(len(bad), 1)
        self.assertIn("FOO_BROKEN", bad[0])

    def test_select(self):
        checks = verify.read_table()
        self.assertEqual({c.model for c in verify.select(checks, ["gup"])},
                         {"gup"})
        self.assertEqual([c.name for c in verify.select(
            checks, ["pgtable_free.ipi_*"])][:2],
            ["pgtable_free.ipi_ipi", "pgtable_free.ipi_pv"])


if __name__ == "__main__":
    harness.main()
