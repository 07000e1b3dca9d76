#!/usr/bin/env python3
"""experiments.py - what `make compare` runs and what its report answers.

The one place that defines the experiments (the seed thread's
questions, E1-E7) and E0 (this kernel against Linux on the same
emulated SMP): per experiment the question, the benchmarks (bench=
names, bench/kernel/), the configurations, the CPU counts and the number
of boots, full and QUICK=1, and its views: each a table and a plot of some
metrics of one benchmark, its series (a column per configuration or per
metric) and the baseline every ratio divides by.  HEADLINES picks the one
number (and its baseline) that answers each question at the top of the
report.  compare.py runs them; comparereport.py writes the report.

A configuration named PEER ("linux") is not one of this kernel's: it is
the Linux peer of `make peer` (docs/peer.md), booted from build/peer/ when
a kernel was fetched there, its rows read from the RESULT lines of the
same benchmark program (scripts/peerlog.py); without that kernel its
figures are "not measured".

The BENCH lines these expect (names, metrics, x, units) are the interface
in docs/compare.md.  Python 3.11 standard library only.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peerlog import BENCHED, CONTROLS, PEER, SHAPES  # noqa: E402

@dataclass
class View:
    """One table and one plot of an experiment."""
    bench: str
    metrics: tuple[str, ...]
    series: str            # "config": a column per config; "metric": per metric
    baseline: str          # the config (or metric) every ratio divides by
    ylabel: str            # with its unit
    xlabel: str = ""       # with its unit; "" when the benchmark has no x
    plot: str = ""         # file name stem of the PNG
    x_to_us: bool = False  # x is a time: shown in us (from ns, see xconv())


@dataclass
class Experiment:
    id: str
    title: str
    question: str
    benches: tuple[str, ...]
    configs: tuple[str, ...]
    cpus: tuple[int, ...]
    boots: int
    quick_cpus: tuple[int, ...]
    quick_boots: int
    views: tuple[View, ...]
    cmdline: str = ""      # extra kernel command-line words of its boots


RCU, IPI = "rcu-ipi-vma", "ipi-ipi-vma"
SCALE_RATES = tuple(f"iterations_per_s_{t}" for t in BENCHED)
SCALE_RATIOS = tuple(f"scaling_{t}" for t in BENCHED)
EXPERIMENTS = [
    Experiment(
        "E0", "this kernel against Linux on the same emulated SMP",
        "How do this kernel's page faults, TLB flushes and mmap/munmap "
        "scale from one thread to two, next to Linux's in the same QEMU? "
        "Both run one program, user/bin/scale.c: will-it-scale's shapes "
        "page_fault1 (map 128 MiB, touch every page, unmap), tlb_flush2 "
        "(touch 1 MiB, `MADV_DONTNEED` it) and mmap1 (map and unmap "
        "128 MiB), one thread per vCPU, 2 s timed after 1 s of warm-up; "
        "built with this kernel's libc here and statically with glibc for "
        "Linux, a Debian cloud kernel (`make peer` fetches it into "
        "build/peer/, docs/peer.md) booted with the same QEMU machine, "
        "transparent huge pages off. A first measurement by hand found Linux's page faults "
        "gaining 1.9x from a second CPU where this kernel's gained 1.1x. "
        "Iterations per second, and each system's rate at 2 threads over "
        "its rate at 1; without a fetched Linux kernel, Linux is not "
        "measured. Two controls ask how much of the gap is the host's: "
        "page_fault1 at one thread beside a neighbour on the other vCPU "
        "that shares nothing with it, one that writes its own memory "
        "(`page_fault1_beside_writer`) and one that only adds "
        "(`page_fault1_beside_adder`), each over page_fault1 alone in the "
        "same boot; two faulters can scale no better than twice the "
        "writer's figure (docs/performance.md, finding 22).",
        ("scale",), (PEER, RCU), (2,), 3, (2,), 1,
        (View("scale", SCALE_RATES, "config", PEER,
              "iterations per second (iterations/s)", "threads",
              "E0_iterations_per_s"),
         View("scale", SCALE_RATIOS, "config", PEER,
              "rate at N threads / rate at 1 thread (x)", "threads",
              "E0_scaling")),
        cmdline="scale=2,1,128"),
    Experiment(
        "E1", "walker protection",
        "What does a lockless page-table walker pay to keep the tables it "
        "walks from being freed under it? With `TABLE_FREE=ipi` it turns "
        "interrupts off (the freeing CPU's shootdown IPI then waits for "
        "it); with `rcu` it holds `rcu_read_lock()`. The benchmarks open "
        "each kind of section explicitly, back to back in the same boot, "
        "around a fast-GUP walk of 1, 16 and 512 pages (`gup_section`) and "
        "around a plain 16-page walk (`gup_walk_section`); both "
        "configurations are booted and their boots pooled per metric.",
        ("gup_section", "gup_walk_section"), (RCU, IPI), (1,), 5, (1,), 1,
        (View("gup_section", ("irq_save_restore", "rcu_read_lock"),
              "metric", "irq_save_restore", "cycles per section",
              "pages per section", "E1_gup_section"),
         View("gup_walk_section",
              ("irq_save_restore_walk16", "rcu_read_lock_walk16"),
              "metric", "irq_save_restore_walk16",
              "cycles per 16-page walk section", "", "E1_walk_section"))),
    Experiment(
        "E2", "munmap under walkers",
        "How long does a munmap (16 pages, page tables freed) take on one "
        "CPU while every other CPU runs lockless walk sections of 1 us to "
        "1 ms back to back? Under `TABLE_FREE=ipi` the unmap's shootdown "
        "must wait for each walker to turn interrupts back on, so it grows "
        "with the section; under `rcu` the tables go to `call_rcu` and the "
        "munmap does not wait for readers.",
        ("gup_munmap_latency",), (RCU, IPI), (2,), 5, (2,), 1,
        (View("gup_munmap_latency", ("munmap_16_pages",), "config", IPI,
              "munmap latency (ns)", "walker section length (us)",
              "E2_munmap_latency", x_to_us=True),)),
    Experiment(
        "E3", "page faults",
        "How many page faults per second do the three fault paths take, "
        "each faulting thread on its own pages, alone and with a concurrent "
        "mmap/munmap writer in the same mm? `FAULT=locked` takes "
        "`mmap_lock` for read, so the writer stalls it; `spf` faults "
        "speculatively under a sequence count and aborts to the locked "
        "path when a writer ran; `vma` locks only the faulting VMA, found "
        "under RCU, and falls back when it cannot. The abort/fallback rate "
        "says how often the fast path gave up. The writer's own rate is "
        "shown too: with as many faulters as vCPUs it shares a vCPU with "
        "one of them, and where the faulters never block it, it keeps "
        "more of that vCPU for itself (docs/faults.md).",
        ("pft",), ("rcu-ipi-locked", "rcu-ipi-spf", "rcu-ipi-vma"), (2, 4), 5, (2,), 1,
        (View("pft", ("faults_per_s_own", "faults_per_s_writer"), "config",
              "rcu-ipi-locked", "page faults per second (faults/s)",
              "faulting threads", "E3_faults_per_s"),
         View("pft", ("abort_ppm_own", "abort_ppm_writer"), "config",
              "rcu-ipi-locked",
              "spf aborts / vma fallbacks per million faults (ppm)",
              "faulting threads", "E3_abort_ppm"),
         View("pft", ("writer_rounds_per_s",), "config", "rcu-ipi-locked",
              "the writer's mmap + munmap pairs per second (rounds/s)",
              "faulting threads", "E3_writer_rounds"))),
    Experiment(
        "E4", "shootdown with preempted vCPUs",
        "What does a one-page TLB shootdown cost its initiator as more of "
        "the other vCPUs are preempted by the host, and how many IPIs does "
        "it send? With `SHOOTDOWN=ipi` an IPI to a preempted vCPU waits "
        "until the host runs it again; with `pv` the flush of a preempted "
        "vCPU is left to the host (done at its next entry), so no IPI and "
        "no wait. Under TCG the host is the kernel's model "
        "(kernel/pvmodel.c), which holds x vCPUs out for 10 ms each (`pv_flush_us=`).",
        ("pv_flush",), (RCU, "rcu-pv-vma"), (2, 4), 5, (2,), 1,
        (View("pv_flush", ("initiator_ns",), "config", RCU,
              "initiator latency (ns)", "preempted vCPUs",
              "E4_initiator_latency"),
         View("pv_flush", ("ipis_per_1000_flushes",), "config", RCU,
              "IPIs sent per 1000 flushes (ipis)", "preempted vCPUs",
              "E4_ipis_sent"),
         View("pv_flush", ("ipis_to_preempted_per_1000_flushes",), "config",
              RCU, "IPIs to preempted vCPUs per 1000 flushes (ipis)",
              "preempted vCPUs", "E4_ipis_to_preempted"))),
    Experiment(
        "E5", "safety of the four pairings",
        "Is a lockless walker ever handed a freed page table? The paravirt "
        "shootdown does not interrupt a preempted vCPU, so an IRQs-off "
        "walker there is not waited for: `TABLE_FREE=ipi` with "
        "`SHOOTDOWN=pv` frees the table under it (the unsafe pairing, the "
        "one above zero), while RCU-freed tables (`rcu-*`) and IPI "
        "shootdowns (`*-ipi`) stay safe. Each boot runs the pv suite's "
        "race for 4 s under the host model's preemptions and counts "
        "poisoned (freed) table reads per million walks.",
        ("pv_safety",), (RCU, "rcu-pv-vma", IPI, "ipi-pv-vma"), (2,), 3,
        (2,), 1,
        (View("pv_safety", ("poisoned_per_million_walks",), "config", RCU,
              "poisoned table reads per million walks (ppm)", "",
              "E5_poisoned_ppm"),
         View("pv_safety", ("walks", "preempted_walks"), "config", RCU,
              "walks per boot (count)", "", "E5_walks"))),
    Experiment(
        "E6", "memory waiting for a grace period",
        "How much page-table memory waits for a grace period in a munmap "
        "storm (41 munmaps of 4 MiB, each freeing two PTE tables and "
        "their upper levels)? Under `TABLE_FREE=rcu` the tables wait for "
        "a grace period before they can be reused; under `ipi` only the "
        "VMAs do. Also the munmap's own cost.",
        ("munmap_storm",), (RCU, IPI), (2,), 5, (2,), 1,
        (View("munmap_storm", ("peak_deferred_bytes",), "config", IPI,
              "peak bytes waiting for RCU (bytes)", "", "E6_peak_deferred"),
         View("munmap_storm", ("munmap_4mib",), "config", IPI,
              "munmap of 4 MiB (cycles)", "", "E6_munmap_4mib"))),
    Experiment(
        "E7", "copy-on-write faults and fork",
        "What does a copy-on-write fault cost on each fault path, alone "
        "and while another thread mmaps and munmaps elsewhere in the same "
        "mm, and how does fork's cost grow with the resident size? A COW "
        "fault copies a page, so the copy dominates and the three paths "
        "should be close alone; with the writer, `FAULT=locked` waits for "
        "`mmap_lock` behind it, `spf` copies with no lock and validates "
        "by the sequence (aborting when the writer ran meanwhile), and "
        "`vma` holds only the faulting VMA's lock, which the writer never "
        "takes. Beside either other thread every COW fault also shoots "
        "down that CPU's TLB (a PTE is replaced), so `cow_fault_spinner`, "
        "a thread of the mm that only spins there, is the control: the "
        "IPI without the lock, and `shootdown_wait` what the faulter "
        "waited for the IPIs, per fault (x: 0 beside the spinner, 1 beside "
        "the writer). `cow_fault`: one faulting thread writes each of 512 "
        "pages a forked child still shares (docs/fork.md); "
        "`fork_latency`: `dup_mm()` and the child's exit for 1 to 64 MiB "
        "resident.",
        ("cow_fault", "fork_latency"),
        ("rcu-ipi-locked", "rcu-ipi-spf", "rcu-ipi-vma"), (2,), 5, (2,), 1,
        (View("cow_fault", ("cow_fault_alone", "cow_fault_spinner",
                            "cow_fault_writer"), "config",
              "rcu-ipi-locked", "cycles per COW fault (cycles)",
              "faulting threads", "E7_cow_fault"),
         View("cow_fault", ("shootdown_wait",), "config", "rcu-ipi-locked",
              "TLB shootdown wait per COW fault (cycles)",
              "other thread (0 spinner, 1 writer)", "E7_shootdown_wait"),
         View("fork_latency", ("dup_mm",), "config", "rcu-ipi-locked",
              "fork: dup_mm (cycles)", "resident size (MiB)",
              "E7_fork_latency"))),
]


@dataclass
class Pick:
    """One figure of the headline: bench/metric of a series at x.
    cpus: "timing" takes the largest CPU count not overcommitted (timings
    do not carry over from overcommitted boots), "count" the largest."""
    bench: str
    metric: str
    series: str
    x: float | str = -1        # a number, or "max"
    cpus: str = "timing"


@dataclass
class Headline:
    question: str
    experiment: str
    value: Pick
    baselines: tuple[Pick, ...]
    alt: tuple[Pick, Pick] | None = None   # (value, baseline) if no value


HEADLINES = [
    *(Headline(f"E0: {t}, rate at 2 threads over 1 thread, this kernel "
               f"against Linux", "E0",
               Pick("scale", f"scaling_{t}", RCU, "max"),
               (Pick("scale", f"scaling_{t}", PEER, "max"),))
      for t in SHAPES),
    *(Headline(f"E0: {t}, 1 thread, over page_fault1 alone, this kernel "
               f"against Linux", "E0",
               Pick("scale", f"scaling_{t}", RCU, 1),
               (Pick("scale", f"scaling_{t}", PEER, 1),))
      for t in CONTROLS[:2]),
    Headline("E1: cycles of a fast-GUP section of 16 pages under "
             "rcu_read_lock, against IRQs off", "E1",
             Pick("gup_section", "rcu_read_lock", "rcu_read_lock", 16),
             (Pick("gup_section", "irq_save_restore", "irq_save_restore",
                   16),),
             alt=(Pick("gup_walk_section", "rcu_read_lock_walk16",
                       "rcu_read_lock_walk16"),
                  Pick("gup_walk_section", "irq_save_restore_walk16",
                       "irq_save_restore_walk16"))),
    Headline("E2: munmap latency (ns) with 100 us walker sections, "
             "rcu against ipi", "E2",
             Pick("gup_munmap_latency", "munmap_16_pages", RCU, 100),
             (Pick("gup_munmap_latency", "munmap_16_pages", IPI, 100),)),
    Headline("E3: faults/s of spf with a concurrent writer, 2 threads, "
             "against locked", "E3",
             Pick("pft", "faults_per_s_writer", "rcu-ipi-spf", 2),
             (Pick("pft", "faults_per_s_writer", "rcu-ipi-locked", 2),)),
    Headline("E3: faults/s of vma with a concurrent writer, 2 threads, "
             "against locked", "E3",
             Pick("pft", "faults_per_s_writer", "rcu-ipi-vma", 2),
             (Pick("pft", "faults_per_s_writer", "rcu-ipi-locked", 2),)),
    Headline("E4: shootdown initiator latency (ns), pv against ipi, most "
             "vCPUs preempted", "E4",
             Pick("pv_flush", "initiator_ns", "rcu-pv-vma", "max"),
             (Pick("pv_flush", "initiator_ns", RCU, "max"),)),
    Headline("E4: IPIs sent to preempted vCPUs per 1000 flushes, pv "
             "against ipi, most vCPUs preempted", "E4",
             Pick("pv_flush", "ipis_to_preempted_per_1000_flushes",
                  "rcu-pv-vma", "max", "count"),
             (Pick("pv_flush", "ipis_to_preempted_per_1000_flushes", RCU,
                   "max", "count"),)),
    Headline("E5: poisoned table reads per million walks, ipi-pv (unsafe) "
             "against the three safe pairings", "E5",
             Pick("pv_safety", "poisoned_per_million_walks", "ipi-pv-vma",
                  cpus="count"),
             tuple(Pick("pv_safety", "poisoned_per_million_walks", c,
                        cpus="count")
                   for c in (RCU, "rcu-pv-vma", IPI))),
    *(Headline(f"E7: cycles per COW fault with a concurrent writer, {p} "
               "against locked", "E7",
               Pick("cow_fault", "cow_fault_writer", f"rcu-ipi-{p}", 1),
               (Pick("cow_fault", "cow_fault_writer", "rcu-ipi-locked", 1),))
      for p in ("spf", "vma")),
    Headline("E6: peak page-table bytes waiting for a grace period, rcu "
             "against ipi", "E6",
             Pick("munmap_storm", "peak_deferred_bytes", RCU, cpus="count"),
             (Pick("munmap_storm", "peak_deferred_bytes", IPI,
                   cpus="count"),)),
]


def experiment_of(name: str) -> Experiment | None:
    return next((e for e in EXPERIMENTS if name in e.benches), None)


# ==========================================================================
# Planning and running the boots
# ==========================================================================
