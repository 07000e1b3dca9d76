# scripts/gdb/trace.py - `kernel-trace [N]`: the last N events of the
# per-CPU trace rings (kernel/trace/ring.c) of a stopped kernel, merged by
# timestamp, as `trace dump` prints them from the monitor; the way to see
# what led up to a hang or a panic when the monitor cannot answer.
#
# Reads trace_rings[] and trace_ring_slots with gdb's Python API (memory
# only, nothing written); event names and argument names come from
# kernel/trace/events.def through scripts/traceparse.py, the same table
# the kernel and the converters use.  A slot whose commit word does not
# match its index (being written when the CPU stopped, or overwritten) is
# counted, not shown.  kernel.py sources it with the other helpers of
# this directory (make gdb).

import os
import sys

import gdb

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(_HERE))      # scripts/
import traceparse  # noqa: E402

RING_FIELDS = ("head", "start", "ev")


def _read_events(table):
    """(events, lost, torn, cpus) from every allocated ring."""
    rings = gdb.parse_and_eval("trace_rings")
    slots = int(gdb.parse_and_eval("trace_ring_slots"))
    ncpus = int(gdb.parse_and_eval("nr_cpus_possible")) or 1
    inf = gdb.selected_inferior()
    out, lost, torn, cpus = [], 0, 0, 0
    for cpu in range(ncpus):
        r = rings[cpu]
        ev = int(r["ev"])
        if not ev or not slots:
            continue
        cpus += 1
        head, start = int(r["head"]), int(r["start"])
        start = min(start, head)
        first = head - slots if head - start > slots else start
        lost += first - start
        if head == first:
            continue
        # Read the whole ring once; slot i lives at (i mod slots).
        mem = bytes(inf.read_memory(ev, slots * traceparse.EVENT.size))
        for i in range(first, head):
            off = (i % slots) * traceparse.EVENT.size
            ts, eid, ecpu, seq, a0, a1, a2 = traceparse.EVENT.unpack_from(mem, off)
            if seq != ((i + 1) & 0xffffffff) or eid >= len(table.types):
                torn += 1
                continue
            out.append(traceparse.Event(ts, ecpu, eid, (a0, a1, a2), table.types[eid]))
    out.sort(key=lambda e: (e.ts, e.cpu))
    return out, lost, torn, cpus


class KernelTrace(gdb.Command):
    """kernel-trace [N]: the last N (default 20) trace events of all CPUs.

Usage: kernel-trace [N]
Times are microseconds before the newest event shown (TSC / tsc_hz)."""

    def __init__(self):
        super().__init__("kernel-trace", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        arg = arg.strip()
        if arg and (not arg.isdigit() or int(arg) < 1):
            raise gdb.GdbError("usage: kernel-trace [N], N a positive count")
        n = int(arg) if arg else 20
        try:
            table = traceparse.read_table()
        except (OSError, traceparse.TraceError) as e:
            raise gdb.GdbError(f"kernel-trace: cannot read events.def: {e}")
        try:
            events, lost, torn, cpus = _read_events(table)
            hz = int(gdb.parse_and_eval("tsc_hz")) or 1
            mask = int(gdb.parse_and_eval("trace_switch.mask"))
        except gdb.MemoryError:
            raise gdb.GdbError("kernel-trace: cannot read the rings (is the kernel "
                               "past trace_boot()? break kmain, continue first)")
        except gdb.error as e:
            raise gdb.GdbError(f"kernel-trace: {e} (an ELF without the trace?)")
        if not cpus:
            gdb.write("kernel-trace: no rings yet (trace_boot() has not run)\n")
            return
        gdb.write(f"trace: {'on' if mask else 'off'} (mask {mask:#x}), {len(events)} events "
                  f"in {cpus} rings, {lost} overwritten, {torn} half-written or torn\n")
        shown = events[-n:]
        if not shown:
            return
        t_end = shown[-1].ts
        for e in shown:
            us = (e.ts - t_end) * 1e6 / hz
            args = " ".join(f"{name}={v:#x}" for name, v in zip(e.type.args, e.args) if name)
            gdb.write(f"{us:14.3f} us  cpu{e.cpu:<2} {e.name:<20} {args}\n")


KernelTrace()
