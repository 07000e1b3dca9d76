# scripts/gdb/mm.py - kernel-vmas PID and kernel-page ADDR: a process's
# address space (struct mm_struct, its published vma_table) and the struct
# page behind an address (mm/page.h).
#
# Sourced by kernel.py; reads the structs by field name, the VM_*, PG_*,
# RWSEM_* and GUP_PIN_COUNTING_BIAS constants from their headers
# (structs.py), and page tables as physical memory (kernel.py's pt_walk).

import gdb

VMA_FIELDS = ("start", "end", "flags", "vm_lock_seq", "vm_readers",
              "detached")
PAGE_FIELDS = ("flags", "refcount", "order")


def vma_lock_state(v, mm_seq):
    """`write` (marked by the writer holding mmap_lock: vm_lock_seq equals
    the mm's odd sequence), `read xN` (faults holding it), `detached`, or
    `-`."""
    states = []
    if mm_seq & 1 and int(field(v, "vm_lock_seq")) == mm_seq:
        states.append("write")
    readers = int(field(v, "vm_readers"))
    if readers:
        states.append("read x%d" % readers)
    if bool(field(v, "detached")):
        states.append("detached")
    return ",".join(states) if states else "-"


def _size(n):
    for unit, shift in (("G", 30), ("M", 20), ("K", 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return "%d%s" % (n >> shift, unit)
    return str(n)


def vma_rows(mm):
    """(start, end, flags, lock state) of each VMA of @mm (a value)."""
    seq = int(field(field(mm, "seq"), "sequence"))
    table = field(mm, "vmas")
    if not _u64(table):
        return seq, []
    t = table.dereference()
    rows = []
    for i in range(int(field(t, "nr"))):
        v = t["vma"][i].dereference()
        rows.append((_u64(field(v, "start")), _u64(field(v, "end")),
                     int(field(v, "flags")), vma_lock_state(v, seq)))
    return seq, rows


class KernelVmas(KernelCommand):
    """List a process's VMAs with their flags and lock state.

Usage: kernel-vmas PID
The mm of process PID (process_list; `kernel-threads` shows the pids):
its page-table root, users and mmap_lock (count and its RWSEM_* bits; the
sequence count is odd while a writer holds it), then each VMA of the
published table: start, end, size, VM_* flags and lock state: `write`
(write-locked by the mmap_lock writer: FAULT=vma faults must wait),
`read xN` (N per-VMA-lock faults in it), `detached` (unmapped, waiting for
its RCU grace period)."""

    USAGE = "kernel-vmas PID"

    def __init__(self):
        super().__init__("kernel-vmas")

    def run(self, args):
        if len(args) != 1:
            raise gdb.GdbError("usage: " + self.USAGE)
        pid = parse_int_arg(args[0], "kernel-vmas", self.USAGE)
        check_started()
        p = find_process(pid)
        if p is None:
            raise gdb.GdbError("no process with pid %d (kernel-threads "
                               "lists the pids)" % pid)
        if not _u64(field(p, "mm")):
            raise gdb.GdbError("process %d has no mm (exited?)" % pid)
        mm = p["mm"].dereference()
        vm = header_defines("mm/vma.h", "VM_")
        rw = header_defines("kernel/locking/rwsem.h", "RWSEM_")
        seq, rows = vma_rows(mm)
        lock = field(mm, "mmap_lock")
        count = int(field(lock, "count"))
        gdb.write("pid %d %s  mm %#x  pgd %#x  users %d\n" % (
            pid, c_string(p["name"]), _u64(p["mm"]),
            _u64(field(mm, "pgd_phys")),
            int(field(mm, "users")["counter"])))
        readers = count // rw["RWSEM_READER"]
        gdb.write("mmap_lock count %#x (%s, %d reader%s)  seq %d (%s)\n"
                  % (count & (1 << 64) - 1,
                     flag_names(count % rw["RWSEM_READER"], rw, "RWSEM_"),
                     readers, "" if readers == 1 else "s", seq,
                     "writer in" if seq & 1 else "no writer"))
        gdb.write("  %-18s %-18s %6s  %-16s %s\n" % (
            "start", "end", "size", "flags", "lock"))
        for start, end, flags, state in rows:
            gdb.write("  %#-18x %#-18x %6s  %-16s %s\n" % (
                start, end, _size(end - start),
                flag_names(flags, vm, "VM_"), state))


# --------------------------------------------------------------------------
# kernel-page
# --------------------------------------------------------------------------

def _translate(va, root, where):
    """Physical address of @va through the page table at @root."""
    for name, shift, idx, ea, e, leaf in pt_walk(va, root):
        if not e & 1:
            raise gdb.GdbError("%#x is not mapped in %s (not present at %s "
                               "level)" % (va, where, name))
        if leaf:
            return leaf_address(e, shift, va)[1]
    raise gdb.GdbError("page walk of %#x ended without a leaf" % va)


def resolve(args):
    """(physical address, how it was found) for kernel-page's arguments."""
    if args[0] in ("-p", "--phys"):
        if len(args) != 2:
            raise gdb.GdbError("usage: " + KernelPage.USAGE)
        return _addr_of(args[1]), "physical address"
    va = _addr_of(args[0])
    max_pfn = int(need("max_pfn"))
    page_offset, kernel_vma = kernel_layout()
    if len(args) == 2:
        pid = parse_int_arg(args[1], "kernel-page", KernelPage.USAGE)
        p = find_process(pid)
        if p is None or not _u64(p["mm"]):
            raise gdb.GdbError("no process with pid %d and an mm" % pid)
        where = "the mm of pid %d (%s)" % (pid, c_string(p["name"]))
        return _translate(va, _u64(p["mm"]["pgd_phys"]), where), where
    if page_offset <= va < page_offset + (max_pfn << 12):
        return va - page_offset, "direct map"
    if va >= kernel_vma:
        return va - kernel_vma, "kernel image"
    cr3 = _u64(gdb.parse_and_eval("$cr3"))
    owner = ""
    for p in processes():
        if _u64(p["mm"]) and \
                _u64(p["mm"]["pgd_phys"]) == cr3 & PTE_ADDR_MASK:
            owner = "%d %s" % (int(p["pid"]), c_string(p["name"]))
    where = "the current mm (CR3 %#x%s)" % (
        cr3, ", pid " + owner if owner else "")
    return _translate(va, cr3, where), where


class KernelPage(KernelCommand):
    """Show the struct page of an address: references, pins, flags.

Usage: kernel-page ADDR [PID]  |  kernel-page -p PHYS
ADDR is any expression.  A direct-map or kernel-image address is
converted arithmetically; any other address (a user address, a kernel
stack) is walked through the page table of the mm loaded on gdb's
selected CPU ($cr3), or of process PID's mm when PID is given; -p takes a
physical address.  Prints the pfn, the PG_* flags, and ->refcount split
as Linux reads it: pins (each adds GUP_PIN_COUNTING_BIAS, mm/page.h) and
plain references (the mapping, get_user_pages, the owner's)."""

    USAGE = "kernel-page ADDR [PID] | kernel-page -p PHYS"

    def __init__(self):
        super().__init__("kernel-page")

    def run(self, args):
        if not 1 <= len(args) <= 2:
            raise gdb.GdbError("usage: " + self.USAGE)
        check_started()
        pa, how = resolve(args)
        pfn = pa >> 12
        max_pfn = int(need("max_pfn"))
        if pfn >= max_pfn:
            raise gdb.GdbError("pa %#x is beyond the struct page array "
                               "(max_pfn %#x)" % (pa, max_pfn))
        page = need("page_array")[pfn]
        pg = header_defines("mm/page.h", "PG_")
        bias = header_defines("mm/page.h", "GUP_PIN_COUNTING_BIAS")
        bias = bias["GUP_PIN_COUNTING_BIAS"]
        flags = int(field(page, "flags"))
        ref = int(field(page, "refcount")["counter"])
        gdb.write("pa %#x (%s)  pfn %#x  struct page %#x\n" % (
            pa, how, pfn, _u64(page.address)))
        gdb.write("  flags %#x %s  order %d\n" % (
            flags, flag_names(flags, pg, "PG_"),
            int(field(page, "order"))))
        pins, refs = (ref // bias, ref % bias) if ref > 0 else (0, ref)
        gdb.write("  refcount %d = %d pin%s (x%d) + %d reference%s%s\n"
                  % (ref, pins, "" if pins == 1 else "s", bias, refs,
                     "" if refs == 1 else "s",
                     "" if ref else "  (reserved: never counted)"
                     if flags & pg["PG_reserved"] else "  (free)"))


KernelVmas()
KernelPage()
