#!/usr/bin/env python3
"""check-image.py KERNEL.ELF - verify what the two boot paths assume of the
kernel image, so a linker-script change cannot silently break a boot path.

 - the multiboot1 header is in the first 8 KiB, the multiboot2 header in the
   first 32 KiB (8-byte aligned), and their checksums hold;
 - QEMU's multiboot1 loader copies the file from (header offset -
   (header_addr - load_addr)) as one flat block to load_addr: every loaded
   byte's file offset must match its physical address under that mapping;
 - the entry point is a physical address inside the image.
"""
import struct, sys

def fail(msg):
    print("check-image: %s: %s" % (sys.argv[1], msg), file=sys.stderr)
    sys.exit(1)

data = open(sys.argv[1], "rb").read()
if data[:4] != b"\x7fELF" or data[4] != 2:
    fail("not an ELF64 file")
e_entry, e_phoff = struct.unpack_from("<QQ", data, 24)
e_phentsize, e_phnum = struct.unpack_from("<HH", data, 54)

mb1 = data.find(struct.pack("<I", 0x1BADB002), 0, 8192)
if mb1 < 0 or mb1 % 4:
    fail("no multiboot1 header in the first 8 KiB")
magic, flags, csum, hdr, load, load_end, bss_end, entry = struct.unpack_from("<8I", data, mb1)
if (magic + flags + csum) & 0xffffffff:
    fail("multiboot1 checksum")
mb2 = data.find(struct.pack("<I", 0xE85250D6), 0, 32768)
if mb2 < 0 or mb2 % 8:
    fail("no 8-byte aligned multiboot2 header in the first 32 KiB")
m2, arch, hlen, c2 = struct.unpack_from("<4I", data, mb2)
if (m2 + arch + hlen + c2) & 0xffffffff:
    fail("multiboot2 checksum")

base = mb1 - (hdr - load)          # file offset that lands at load_addr
for i in range(e_phnum):
    p_type, p_flags, p_off, p_vaddr, p_paddr, p_filesz, p_memsz, _ = \
        struct.unpack_from("<IIQQQQQQ", data, e_phoff + i * e_phentsize)
    if p_type != 1 or p_filesz == 0:
        continue
    if p_off - base != p_paddr - load:
        fail("PT_LOAD at paddr %#x has file offset %#x, multiboot1 expects %#x"
             % (p_paddr, p_off, base + p_paddr - load))
    if p_paddr + p_filesz > load_end and p_paddr < load_end:
        fail("PT_LOAD at %#x extends past load_end_addr %#x" % (p_paddr, load_end))
if not (load <= entry < load_end) or entry != e_entry - 0xffffffff80000000:
    fail("entry %#x (ELF %#x) not a physical address inside the image" % (entry, e_entry))
if bss_end < load_end:
    fail("bss_end_addr below load_end_addr")
