#!/usr/bin/env python3
"""traceparse.py - read the kernel's event trace (kernel/trace/export.c).

Two sources, one result:
  - the binary image the kernel wrote to its trace port (COM2), as QEMU
    saved it (`-serial file:...`; `make trace` does that);
  - a console log with the same image as framed hex lines
    (`@@KTRACE-BEGIN`, `@@KTRACE <hex>`..., `@@KTRACE-END <bytes>`), for a
    user who has only the console (`trace export console`).
The event names, subsystems, kinds (B/E/I) and argument names come from
kernel/trace/events.def, the table the kernel is built from, so the two
never drift apart; the image's header carries the table's version and a
mismatch is refused.

    tr = traceparse.load("trace.bin")       # or a console log
    for e in tr.events: print(e.ts_us, e.cpu, e.name, e.args)

Guarantees: every CPU block is checked (events + lost == claimed, as the
kernel counts them), a short or corrupt image raises TraceError with what
is wrong, nothing is dropped silently.  Python 3 standard library only.
"""

from __future__ import annotations

import dataclasses
import os
import re
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVENTS_DEF = os.path.join(ROOT, "kernel", "trace", "events.def")

HEADER = struct.Struct("<8sIIQIIIIII")        # 48 bytes
CPU_BLOCK = struct.Struct("<IIQQQ")           # 32 bytes
EVENT = struct.Struct("<QHHIQQQ")             # 40 bytes: ts id cpu seq a0 a1 a2
TRAILER = struct.Struct("<8sQ")
MAGIC, END_MAGIC = b"KTRACE01", b"KTRACEND"
FORMAT = 1
POLICIES = {1: "overwrite-oldest"}


class TraceError(Exception):
    """The image or the table is not what it must be."""


@dataclasses.dataclass(frozen=True)
class EventType:
    id: int
    ident: str          # TLB_START
    subsys: str         # tlb
    kind: str           # B, E or I
    name: str           # shootdown
    args: tuple         # argument names ("" = unused)


@dataclasses.dataclass
class EventTable:
    version: int
    subsystems: list    # [(name, description)]
    types: list         # [EventType], index = id

    def by_ident(self, ident: str) -> EventType:
        for t in self.types:
            if t.ident == ident or t.name == ident:
                return t
        raise KeyError(ident)


_SUB = re.compile(r'^TRACE_SUBSYS\(\s*(\w+)\s*,\s*"([^"]*)"\s*\)')
_EV = re.compile(r'^TRACE_EVENT\(\s*(\w+)\s*,\s*(\w+)\s*,\s*([BEI])\s*,\s*"([^"]*)"\s*,'
                 r'\s*"([^"]*)"\s*,\s*"([^"]*)"\s*,\s*"([^"]*)"\s*\)')
_VER = re.compile(r'^#define\s+TRACE_EVENTS_VERSION\s+(\d+)')


def read_table(path: str = EVENTS_DEF) -> EventTable:
    """Parse events.def (the same lines the C preprocessor expands)."""
    version, subs, types = None, [], []
    with open(path) as f:
        for ln in f:
            ln = ln.strip()
            m = _VER.match(ln)
            if m:
                version = int(m.group(1))
            m = _SUB.match(ln)
            if m:
                subs.append((m.group(1), m.group(2)))
            m = _EV.match(ln)
            if m:
                if m.group(2) not in [s for s, _ in subs]:
                    raise TraceError(f"{path}: event {m.group(1)} names subsystem "
                                     f"{m.group(2)!r}, which no TRACE_SUBSYS declares")
                types.append(EventType(len(types), m.group(1), m.group(2), m.group(3),
                                       m.group(4), (m.group(5), m.group(6), m.group(7))))
            elif ln.startswith("TRACE_EVENT("):
                raise TraceError(f"{path}: cannot read {ln!r}")
    if version is None or not types:
        raise TraceError(f"{path}: no TRACE_EVENTS_VERSION or no events")
    return EventTable(version, subs, types)


@dataclasses.dataclass
class Event:
    ts: int             # TSC
    cpu: int
    id: int
    args: tuple
    type: EventType
    ts_us: float = 0.0  # microseconds from the trace's first event

    @property
    def name(self) -> str:
        return self.type.name

    @property
    def subsys(self) -> str:
        return self.type.subsys

    def arg(self, name: str) -> int:
        return self.args[self.type.args.index(name)]


@dataclasses.dataclass
class CpuInfo:
    cpu: int
    events: int
    lost: int
    claimed: int


@dataclasses.dataclass
class Trace:
    tsc_hz: int
    ring_slots: int
    policy: str
    cpus: list          # [CpuInfo]
    events: list        # [Event], sorted by timestamp
    table: EventTable

    @property
    def lost(self) -> int:
        return sum(c.lost for c in self.cpus)

    def us(self, cycles: int) -> float:
        return cycles * 1e6 / self.tsc_hz


def parse_image(data: bytes, table: EventTable | None = None) -> Trace:
    """Decode one binary image (export.c's layout)."""
    table = table or read_table()
    if len(data) < HEADER.size:
        raise TraceError(f"image of {len(data)} bytes: shorter than the header")
    (magic, fmt, ver, hz, ncpus, evsize, slots, policy, nevents, _) = HEADER.unpack_from(data, 0)
    if magic != MAGIC:
        raise TraceError(f"bad magic {magic!r} (want {MAGIC!r})")
    if fmt != FORMAT:
        raise TraceError(f"image format {fmt}, this parser reads {FORMAT}")
    if ver != table.version or nevents != len(table.types):
        raise TraceError(f"the kernel's event table is version {ver} with {nevents} events; "
                         f"events.def here is version {table.version} with {len(table.types)}: "
                         "convert with the tree the kernel was built from")
    if evsize != EVENT.size:
        raise TraceError(f"event size {evsize}, expected {EVENT.size}")
    if hz == 0:
        raise TraceError("TSC frequency 0 in the header")
    off, cpus, events = HEADER.size, [], []
    for _ in range(ncpus):
        if off + CPU_BLOCK.size > len(data):
            raise TraceError(f"truncated at CPU block {len(cpus)} (offset {off})")
        cpu, _, n, lost, claimed = CPU_BLOCK.unpack_from(data, off)
        off += CPU_BLOCK.size
        if n + lost > claimed:
            raise TraceError(f"CPU {cpu}: {n} events + {lost} lost > {claimed} claimed")
        if off + n * EVENT.size > len(data):
            raise TraceError(f"CPU {cpu}: {n} events announced, image truncated")
        cpus.append(CpuInfo(cpu, n, lost, claimed))
        for i in range(n):
            ts, eid, ecpu, _seq, a0, a1, a2 = EVENT.unpack_from(data, off + i * EVENT.size)
            if eid >= len(table.types):
                raise TraceError(f"CPU {cpu}: event id {eid} not in the table")
            if ecpu != cpu:
                raise TraceError(f"CPU {cpu}'s ring holds an event of CPU {ecpu}")
            events.append(Event(ts, ecpu, eid, (a0, a1, a2), table.types[eid]))
        off += n * EVENT.size
    if off + TRAILER.size > len(data):
        raise TraceError("no trailer: the image was cut short")
    end, total = TRAILER.unpack_from(data, off)
    if end != END_MAGIC or total != len(events):
        raise TraceError(f"bad trailer ({end!r}, {total} events; read {len(events)})")
    events.sort(key=lambda e: (e.ts, e.cpu))
    t0 = events[0].ts if events else 0
    for e in events:
        e.ts_us = (e.ts - t0) * 1e6 / hz
    return Trace(hz, slots, POLICIES.get(policy, f"policy {policy}"), cpus, events, table)


def extract_console(text: str) -> bytes:
    """The image from the last framed hex block of a console log."""
    blocks, cur = [], None
    for ln in text.splitlines():
        ln = ln.strip("\r")
        if ln.startswith("@@KTRACE-BEGIN"):
            cur = bytearray()
        elif ln.startswith("@@KTRACE-END") and cur is not None:
            want = ln.split()[1] if len(ln.split()) > 1 else ""
            if not want.isdigit() or int(want) != len(cur):
                raise TraceError(f"console trace: END says {want!r} bytes, read {len(cur)}")
            blocks.append(bytes(cur))
            cur = None
        elif ln.startswith("@@KTRACE ") and cur is not None:
            try:
                cur += bytes.fromhex(ln[len("@@KTRACE "):].strip())
            except ValueError as e:
                raise TraceError(f"console trace: bad hex line {ln[:40]!r}: {e}") from None
    if cur is not None:
        raise TraceError("console trace: @@KTRACE-BEGIN without @@KTRACE-END (cut short?)")
    if not blocks:
        raise TraceError("no @@KTRACE block in the log")
    return blocks[-1]


def load(path: str, table: EventTable | None = None) -> Trace:
    """A binary image or a console log, told apart by the magic."""
    with open(path, "rb") as f:
        data = f.read()
    if data.startswith(MAGIC):
        return parse_image(data, table)
    return parse_image(extract_console(data.decode(errors="replace")), table)


def converter_args(description: str, out_help: str):
    """The converters' common command line: TRACE -o OUT [--from US --to US]."""
    import argparse
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("trace", help="binary image (COM2) or console log")
    ap.add_argument("-o", "--out", required=True, help=out_help)
    ap.add_argument("--from", dest="t0", type=float, help="window start, us")
    ap.add_argument("--to", dest="t1", type=float, help="window end, us")
    return ap


def load_for(prog: str, path: str) -> Trace | None:
    """load(), or None after printing `prog: why` to stderr."""
    try:
        return load(path)
    except (OSError, TraceError) as e:
        print(f"{prog}: {e}", file=sys.stderr)
        return None


def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description="print a kernel trace as text")
    ap.add_argument("trace", help="binary image (COM2) or console log")
    ap.add_argument("-n", type=int, default=0, help="only the last N events")
    a = ap.parse_args(argv)
    try:
        tr = load(a.trace)
    except (OSError, TraceError) as e:
        print(f"traceparse: {e}", file=sys.stderr)
        return 1
    print(f"# {len(tr.events)} events on {len(tr.cpus)} CPUs, {tr.lost} lost "
          f"({tr.policy}, {tr.ring_slots} slots a CPU), TSC {tr.tsc_hz} Hz")
    for e in tr.events[-a.n if a.n else 0:]:
        args = " ".join(f"{n}={v:#x}" for n, v in zip(e.type.args, e.args) if n)
        print(f"{e.ts_us:12.3f} us  cpu{e.cpu:<2} {e.name:<20} {args}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


# ---------------------------------------------------------------------------
# What the converters share: spans, flows, windows
# ---------------------------------------------------------------------------

@dataclasses.dataclass
class Span:
    cpu: int
    name: str
    subsys: str
    start_us: float
    end_us: float
    begin: Event
    end: Event | None   # None: still open at the end of the trace


def spans(tr: Trace) -> tuple[list, list]:
    """Pair each CPU's B events with the E of the same name (innermost
    first).  Return (spans, instants): an E without its B (it began
    before the trace did) becomes an instant, so no event is left out."""
    stacks, out, inst = {}, [], []
    last = tr.events[-1].ts_us if tr.events else 0.0
    for e in tr.events:
        if e.type.kind == "B":
            stacks.setdefault((e.cpu, e.name), []).append(e)
        elif e.type.kind == "E":
            st = stacks.get((e.cpu, e.name))
            if st:
                b = st.pop()
                out.append(Span(e.cpu, e.name, e.subsys, b.ts_us, e.ts_us, b, e))
            else:
                inst.append(e)
        else:
            inst.append(e)
    for st in stacks.values():
        for b in st:
            out.append(Span(b.cpu, b.name, b.subsys, b.ts_us, last, b, None))
    return out, inst


@dataclasses.dataclass
class Flow:
    kind: str           # "ipi" or "pv"
    src: Event
    dst: Event


def flows(tr: Trace) -> list:
    """Sender -> receiver arrows: each ipi_send to the first ipi_recv of the
    same request on its target after it; each pv_defer to the target's
    next flush_on_entry."""
    out = []
    pending = {}        # (target cpu, sender cpu, request) -> [send events]
    pv = {}             # target cpu -> [defer events]
    for e in tr.events:
        if e.type.ident == "IPI_SEND":
            pending.setdefault((e.args[0], e.cpu, e.args[1]), []).append(e)
        elif e.type.ident == "IPI_RECV":
            q = pending.get((e.cpu, e.args[0], e.args[1]))
            if q:
                out.append(Flow("ipi", q.pop(0), e))
        elif e.type.ident == "PV_DEFER":
            pv.setdefault(e.args[0], []).append(e)
        elif e.type.ident == "PV_FLUSH_ENTRY":
            for d in pv.pop(e.cpu, []):
                out.append(Flow("pv", d, e))
    return out


def window(tr: Trace, focus: str | None, before_us: float, after_us: float,
           nth: int = 0, min_arg: tuple | None = None) -> tuple[float, float]:
    """The time window around the @nth event named @focus (whose argument
    min_arg[0] is at least min_arg[1], if given); the whole trace if focus
    is None or absent."""
    if not tr.events:
        return 0.0, 0.0
    whole = (tr.events[0].ts_us, tr.events[-1].ts_us)
    if not focus:
        return whole
    hits = [e for e in tr.events if (e.type.ident == focus or e.name == focus)
            and (min_arg is None or e.arg(min_arg[0]) >= min_arg[1])]
    if not hits:
        return whole
    t = hits[min(nth, len(hits) - 1)].ts_us
    return max(whole[0], t - before_us), min(whole[1], t + after_us)
