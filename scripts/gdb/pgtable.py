# scripts/gdb/pgtable.py - physical memory and the page-table walk:
# read_phys_u64(), pt_walk() (shared with kernel-page, mm.py) and the
# kernel-pt command.
#
# Sourced by kernel.py.  Page-table frames are read as *physical* memory
# with QEMU's `monitor xp`, so a walk is right whatever CR3 maps, even
# before the direct map exists.

import re

import gdb

PTE_ADDR_MASK = 0x000ffffffffff000    # the frame bits of an entry (x86)


def kernel_layout():
    """(PAGE_OFFSET, KERNEL_VMA): where the direct map and the kernel
    image start, from asm/page.h."""
    hdr = "arch/x86_64/include/asm/page.h"
    return (header_defines(hdr, "PAGE_OFFSET")["PAGE_OFFSET"],
            header_defines(hdr, "KERNEL_VMA")["KERNEL_VMA"])

# --------------------------------------------------------------------------
# Physical memory
# --------------------------------------------------------------------------

_XP_RE = re.compile(r"^\s*[0-9a-fA-F]+:\s+(.*)$")


def read_phys_u64(pa, count=1):
    """Read @count 64-bit words at physical address @pa.

    First choice: QEMU's monitor (`monitor xp`), which reads guest physical
    memory whatever the CPU's paging state.  Fallback (a stub without a
    QEMU monitor): the direct map, or the image alias of the first GiB that
    the boot page tables provide.
    """
    try:
        out = gdb.execute("monitor xp /%dgx %#x" % (count, pa), to_string=True)
        words = []
        for line in out.splitlines():
            m = _XP_RE.match(line)
            if m:
                words += [int(w, 16) for w in m.group(1).split()]
        if len(words) >= count:
            return words[:count]
    except gdb.error:
        pass
    inf = gdb.selected_inferior()
    page_offset, kernel_vma = kernel_layout()
    for base in (page_offset, kernel_vma):
        if base == kernel_vma and pa + 8 * count > (1 << 30):
            continue
        try:
            mem = bytes(inf.read_memory(base + pa, 8 * count))
            return [int.from_bytes(mem[i:i + 8], "little")
                    for i in range(0, len(mem), 8)]
        except gdb.MemoryError:
            continue
    raise gdb.GdbError("cannot read physical address %#x (no QEMU monitor, "
                       "and neither the direct map nor the boot map has it)"
                       % pa)


# --------------------------------------------------------------------------
# kernel-pt
# --------------------------------------------------------------------------

_FLAG_BITS = ((0, "P"), (1, "RW"), (2, "US"), (3, "PWT"), (4, "PCD"),
              (5, "A"), (6, "D"), (7, "PS"), (8, "G"), (63, "NX"))


def decode_flags(e, leaf_pte=False):
    names = []
    for bit, name in _FLAG_BITS:
        if e >> bit & 1:
            # In a 4 KiB PTE, bit 7 is PAT, not a page size.
            names.append("PAT" if bit == 7 and leaf_pte else name)
    return " ".join(names) if names else "-"


PT_LEVELS = (("PGD", 39), ("PUD", 30), ("PMD", 21), ("PTE", 12))


def pt_walk(va, cr3):
    """Walk the 4-level table at @cr3 for @va, reading physical memory.

    Yields (level name, shift, index, entry address, entry, is_leaf) for
    each level visited; stops after a non-present entry or a leaf (a 4 KiB
    PTE or a 2 MiB / 1 GiB page).
    """
    table = cr3 & PTE_ADDR_MASK
    for name, shift in PT_LEVELS:
        idx = va >> shift & 511
        ea = table + 8 * idx
        e = read_phys_u64(ea)[0]
        leaf = bool(name == "PTE" or (e & 1 and e >> 7 & 1))
        yield name, shift, idx, ea, e, leaf
        if not e & 1 or leaf:
            return
        table = e & PTE_ADDR_MASK


def leaf_address(e, shift, va):
    """(page base, physical address of @va) for leaf entry @e at @shift."""
    size = 1 << shift
    # A huge entry's bit 12 is PAT: mask the address to the page.
    base = e & PTE_ADDR_MASK & ~(size - 1)
    return base, base + (va & (size - 1))


class KernelPt(gdb.Command):
    """Walk the 4-level page table for a virtual address.

Usage: kernel-pt ADDR [CR3]
ADDR is any expression (0xffffffff80100000, kmain, &log_buf, $rsp).  The
root is $cr3 of gdb's selected CPU unless CR3 is given.  Prints each
level's index, entry address, raw entry and flags (P RW US PWT PCD A D
PS/PAT G NX), where the walk stops (not present or a 2 MiB / 1 GiB page),
the physical address and the effective rights (writable only if RW at
every level, user only if US at every level, no-execute if NX at any)."""

    def __init__(self):
        super().__init__("kernel-pt", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if not 1 <= len(args) <= 2:
            raise gdb.GdbError("usage: kernel-pt ADDR [CR3]")
        va = _addr_of(args[0])
        if len(args) == 2:
            cr3 = _addr_of(args[1])
        else:
            cr3 = _u64(gdb.parse_and_eval("$cr3"))
        top = va >> 47
        if top not in (0, (1 << 17) - 1):
            raise gdb.GdbError("%#x is not canonical (bits 63..47 must be "
                               "all 0 or all 1)" % va)
        try:
            cr0 = _u64(gdb.parse_and_eval("$cr0"))
            if not cr0 >> 31 & 1:
                gdb.write("note: CR0.PG is 0 on this CPU: paging is off, "
                          "CR3 is not in use yet\n")
        except gdb.error:
            pass
        gdb.write("va %#018x  cr3 %#x  indices %s  offset %#x\n" % (
            va, cr3, "/".join(str(va >> s & 511) for _, s in PT_LEVELS),
            va & 0xfff))
        rw = us = True
        nx = False
        for name, shift, idx, ea, e, leaf in pt_walk(va, cr3):
            gdb.write("  %s[%3d] @ %#014x = %#018x  %s\n" % (
                name, idx, ea, e, decode_flags(e, name == "PTE")))
            if not e & 1:
                gdb.write("  not present at %s level: %#x is not mapped\n"
                          % (name, va))
                return
            rw &= bool(e & 2)
            us &= bool(e & 4)
            nx |= bool(e >> 63 & 1)
            if leaf:
                base, pa = leaf_address(e, shift, va)
                kind = {12: "4 KiB", 21: "2 MiB", 30: "1 GiB"}[shift]
                gdb.write("  => %s page at %#x: va %#x -> pa %#x\n"
                          % (kind, base, va, pa))
                gdb.write("  effective: %s, %s, %s\n" % (
                    "user" if us else "kernel-only",
                    "read-write" if rw else "read-only",
                    "no-execute" if nx else "executable"))
                return


KernelPt()
