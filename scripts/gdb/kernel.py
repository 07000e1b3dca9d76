# scripts/gdb/kernel.py - gdb helpers for this kernel, in the spirit of
# Linux's scripts/gdb (lx-dmesg, lx-cpus, lx-pgtable...).  Loaded by
# scripts/gdb/gdbinit; `help user-defined` lists the commands.
#
#   kernel-log [N]        the printk ring buffer (log_buf), or its last N lines
#   kernel-cpus           percpu_area[0 .. nr_cpus_possible): ids, online,
#                         ticks, IPIs, the current thread
#   kernel-text-hw        make every breakpoint in kernel text a hardware one
#   print-log             alias of kernel-log (named in kernel/printk.c)
#
# and, at its end, sources the helpers of each area from this directory
# (structs.py, what they share, first):
#
#   kernel-pt ADDR [CR3]  pgtable.py: walk the 4-level page table for an address
#   kernel-threads        sched.py: every thread, its state, CPU and mm
#   kernel-rcu            rcu.py: grace period, quiescent states, callbacks
#   kernel-tlb            tlb.py: per CPU loaded mm, generation, lazy, pending
#   kernel-vmas PID       mm.py: a process's VMAs, flags and lock state
#   kernel-page ADDR      mm.py: the struct page behind an address
#
# Also installs a frame filter that ends `bt` at the first frame outside
# kernel text: the entry code is NASM without CFI, and a frame that gdb
# unwinds by guesswork (an exception entry stub) would otherwise lead it
# into stack garbage.
#
# gdb's Python API only, no kernel state is changed.  Works while the
# target is stopped.

import gdb

LOG_BUF_SIZE_DEFAULT = 65536          # LOG_BUF_SIZE in kernel/printk.h
U64 = (1 << 64) - 1


def _u64(v):
    return int(v) & U64


NOT_MAPPED = ("cannot read kernel memory through the selected CPU: its "
              "paging is off or the kernel is not in the higher half yet "
              "(break kmain and continue first; for a CPU still waiting "
              "for its startup IPI, switch to `thread 1`)")


def _sym_value(name):
    """Value of a kernel symbol, or None if it is not in the ELF.

    Scalars are fetched now, so an unreadable address raises gdb.GdbError
    with a hint rather than a bare MemoryError; arrays stay lazy.
    """
    try:
        v = gdb.parse_and_eval(name)
        if v.type.sizeof <= 8:
            v.fetch_lazy()
        return v
    except gdb.MemoryError:
        raise gdb.GdbError(NOT_MAPPED)
    except gdb.error:
        return None


def _addr_of(expr):
    """Integer address for ADDR arguments: numbers, symbols, &x, $rsp..."""
    v = gdb.parse_and_eval(expr)
    code = v.type.strip_typedefs().code
    if code in (gdb.TYPE_CODE_FUNC, gdb.TYPE_CODE_ARRAY, gdb.TYPE_CODE_STRUCT,
                gdb.TYPE_CODE_UNION):
        if v.address is None:
            raise gdb.GdbError("%s has no address" % expr)
        v = v.address
    return _u64(v)


def _text_bounds():
    lo, hi = _sym_value("&__text_start"), _sym_value("&__text_end")
    if lo is None or hi is None:
        return None
    return _u64(lo), _u64(hi)


# --------------------------------------------------------------------------
# kernel-log
# --------------------------------------------------------------------------

def read_log():
    """The printk ring buffer as text, oldest byte first."""
    buf = _sym_value("log_buf")
    head = _sym_value("log_head")
    if buf is None or head is None:
        raise gdb.GdbError("log_buf/log_head not found: is kernel.elf loaded?")
    size = int(buf.type.sizeof) or LOG_BUF_SIZE_DEFAULT
    base = _u64(buf.address)
    head = _u64(head)
    start = head - size if head > size else 0
    inf = gdb.selected_inferior()
    out = bytearray()
    pos = start
    try:
        while pos < head:
            off = pos % size
            n = min(size - off, head - pos)
            out += bytes(inf.read_memory(base + off, n))
            pos += n
    except gdb.MemoryError:
        raise gdb.GdbError(NOT_MAPPED)
    return out.decode("utf-8", errors="replace"), head


class KernelLog(gdb.Command):
    """Print the kernel log ring buffer (printk's log_buf).

Usage: kernel-log [N]
Prints log_buf[log_head - LOG_BUF_SIZE .. log_head), the same text as the
monitor's `log` command, or only its last N lines.  Useful after a hang,
when the serial console shows nothing more."""

    def __init__(self, name="kernel-log"):
        super().__init__(name, gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        text, head = read_log()
        if args:
            try:
                n = int(args[0])
            except ValueError:
                raise gdb.GdbError("usage: kernel-log [N]")
            lines = text.splitlines(keepends=True)
            text = "".join(lines[-n:]) if n > 0 else ""
        if head == 0:
            gdb.write("(log_buf is empty: log_head == 0)\n")
            return
        gdb.write(text)
        if text and not text.endswith("\n"):
            gdb.write("\n")


class PrintLog(KernelLog):
    """Alias of kernel-log: print the kernel log ring buffer.

Usage: print-log [N]"""

    def __init__(self):
        super().__init__("print-log")


# --------------------------------------------------------------------------
# kernel-cpus
# --------------------------------------------------------------------------

def _field(struct, name):
    try:
        return struct[name]
    except gdb.error:
        return None


# struct percpu's fields that kernel-cpus shows (kernel/percpu.h), in
# column order, and struct thread's (kernel/sched/thread.h) for the current
# thread.  The gdb test (scripts/tests/test_gdb.py) checks that the ELF's
# types still have them: a renamed field would otherwise show as `?`.
PERCPU_FIELDS = ("cpu_id", "apic_id", "online", "ticks", "ipis_sent",
                 "ipis_received", "preempt_count", "irq_nesting", "curr")
THREAD_FIELDS = ("tid", "name")


def _thread_str(t):
    """`tid NAME` of a struct thread *, or its address if unreadable."""
    addr = _u64(t)
    if addr == 0:
        return "-"
    try:
        th = t.dereference()
        name = th["name"].string(errors="replace", length=-1)
        return "%d %s" % (int(th["tid"]), name.split("\0", 1)[0])
    except (gdb.error, gdb.MemoryError):
        return "%#x" % addr


class KernelCpus(gdb.Command):
    """List the per-CPU areas: percpu_area[0 .. nr_cpus_possible).

Usage: kernel-cpus
Columns: logical id, APIC id, online flag, timer ticks, IPIs sent and
received, preempt_count, IRQ nesting and the current thread (percpu.curr:
its tid and name, as the monitor's `ps` shows them; `-` for none yet).
`*` marks the CPU of gdb's selected thread (matched by its GS base; in
QEMU, gdb thread N is CPU N-1: `thread N` switches)."""

    def __init__(self):
        super().__init__("kernel-cpus", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        area = _sym_value("percpu_area")
        nr = _sym_value("nr_cpus_possible")
        if area is None or nr is None:
            raise gdb.GdbError("percpu_area/nr_cpus_possible not found")
        nr = int(nr)
        cap = area.type.strip_typedefs().range()[1] + 1
        if not 0 < nr <= cap:
            gdb.write("nr_cpus_possible = %d looks wrong; showing CPU 0\n" % nr)
            nr = 1
        try:
            gs = _u64(gdb.parse_and_eval("$gs_base"))
        except gdb.error:
            gs = None
        gdb.write("  CPU  APIC  online        ticks  ipis_sent  ipis_recv"
                  "  preempt  irq  current (tid name)\n")
        try:
            for i in range(nr):
                p = area[i]
                v = {c: _field(p, c) for c in PERCPU_FIELDS}
                mark = "*" if gs is not None and gs == _u64(p.address) else " "

                def num(c, fmt="%d"):
                    return fmt % int(v[c]) if v[c] is not None else "?"
                cur = v["curr"]
                gdb.write("%s %4s  %4s  %6s  %11s  %9s  %9s  %7s  %3s  %s\n" % (
                    mark, num("cpu_id"), num("apic_id"),
                    "?" if v["online"] is None else
                    ("yes" if bool(v["online"]) else "no"),
                    num("ticks"), num("ipis_sent"), num("ipis_received"),
                    num("preempt_count"), num("irq_nesting"),
                    "?" if cur is None else _thread_str(cur)))
        except gdb.MemoryError:
            raise gdb.GdbError(NOT_MAPPED)


# --------------------------------------------------------------------------
# Hardware breakpoints in kernel text
# --------------------------------------------------------------------------

class KernelTextHw(gdb.Command):
    """Make every breakpoint in kernel text a hardware breakpoint.

Usage: kernel-text-hw
Declares [__text_start, __text_end) a read-only memory region in gdb's
memory map (other addresses stay accessible).  gdb then plants every
breakpoint there, its own internal ones for next/finish included, as a
hardware breakpoint (`set breakpoint auto-hw on`, the default).  That is
what lets `break kmain` be set while the CPU is still in real mode with
paging off: a software breakpoint must be written into memory at a
higher-half address that does not exist yet (under KVM: "Cannot insert
breakpoint ... Cannot access memory").  Under TCG, QEMU has no limit on
hardware breakpoints; under KVM they are the 4 debug registers."""

    def __init__(self):
        super().__init__("kernel-text-hw", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        b = _text_bounds()
        if b is None:
            raise gdb.GdbError("__text_start/__text_end not found")
        gdb.execute("set mem inaccessible-by-default off", to_string=True)
        gdb.execute("set breakpoint auto-hw on", to_string=True)
        gdb.execute("mem %#x %#x ro" % b, to_string=True)


def report_accel():
    """After `target remote`: say whether QEMU runs under KVM or TCG."""
    try:
        out = gdb.execute("monitor info kvm", to_string=True)
    except gdb.error:
        return
    if "enabled" in out:
        gdb.write("kernel.py: QEMU runs under KVM: at most 4 breakpoints "
                  "(debug registers), GRUB boots slowly; ACCEL=tcg is the "
                  "better choice for debugging.\n")


# --------------------------------------------------------------------------
# Backtraces: stop at the first frame outside kernel text
# --------------------------------------------------------------------------

class KernelFrameFilter:
    """End `bt` at the first frame (after #0) whose pc is not kernel text.

    The NASM entry code has no CFI, so gdb unwinds it by guesswork.
    Above long_mode_high (boot.asm) it finds the zero return address the
    stub leaves there and would show `0x0 in ?? ()`; above an exception
    entry stub or ap_entry it would read stack garbage.
    """

    def __init__(self):
        self.name = "kernel-text"
        self.priority = 100
        self.enabled = True
        gdb.frame_filters[self.name] = self

    def filter(self, frame_iter):
        return self._gen(frame_iter)

    @staticmethod
    def _gen(frame_iter):
        bounds = _text_bounds()
        first = True
        for fd in frame_iter:
            if not first and bounds is not None:
                pc = _u64(fd.address())
                if not bounds[0] <= pc < bounds[1]:
                    return
            first = False
            yield fd


KernelLog()
PrintLog()
KernelCpus()
KernelTextHw()
KernelFrameFilter()


def _load_area_helpers():
    """Source the helpers of each area from this directory: structs.py
    (what they share) first, then every other *.py but this file, sorted,
    into the same namespace (they use the functions above)."""
    import glob
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    first = os.path.join(here, "structs.py")
    rest = sorted(f for f in glob.glob(os.path.join(here, "*.py"))
                  if os.path.basename(f) not in ("kernel.py", "structs.py"))
    for f in [first] + rest:
        gdb.execute("source " + f)


_load_area_helpers()
