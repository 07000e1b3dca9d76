/*
 * kernel/proc/elf.c - the ELF64 loader.
 *
 * Accepted: ELFCLASS64, little-endian, version 1, ET_EXEC, EM_X86_64, with
 * PT_LOAD segments that lie inside the file (offset + filesz), inside user
 * space (vaddr + memsz, no overflow), do not overlap, have filesz <= memsz
 * and vaddr congruent to offset modulo the page size; the entry point must
 * be inside an executable segment.  Other program headers are ignored, an
 * interpreter (PT_INTERP) or PT_DYNAMIC is refused: only static programs.
 */
#include "kernel/proc/elf.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/proc/uapi/syscall.h"
#include "mm/mm.h"
#include "mm/pmm.h"
#include "mm/uaccess.h"
#include "lib/string.h"
#include "asm/page.h"

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define MAX_PHDRS 32

int elf_check(const uint8_t *data, size_t size, const char **why)
{
	const struct elf64_ehdr *eh = (const void *)data;
#define BAD(msg) do { *why = (msg); return -ENOEXEC; } while (0)
	if (size < sizeof(*eh))
		BAD("file shorter than an ELF header");
	if (memcmp(eh->ident, "\x7f" "ELF", 4) != 0)
		BAD("no ELF magic");
	if (eh->ident[4] != 2)
		BAD("not ELFCLASS64");
	if (eh->ident[5] != 1)
		BAD("not little-endian");
	if (eh->ident[6] != 1 || eh->version != 1)
		BAD("unknown ELF version");
	if (eh->type != 2)
		BAD("not an executable (ET_EXEC)");
	if (eh->machine != 62)
		BAD("not x86-64 (EM_X86_64)");
	if (eh->phentsize != sizeof(struct elf64_phdr))
		BAD("program header size is not 56");
	if (eh->phnum == 0 || eh->phnum > MAX_PHDRS)
		BAD("no program headers, or too many");
	if (eh->phoff > size || (uint64_t)eh->phnum * sizeof(struct elf64_phdr) > size - eh->phoff)
		BAD("program headers outside the file");
	if (eh->phoff % 8)
		BAD("program headers misaligned");

	const struct elf64_phdr *ph = (const void *)(data + eh->phoff);
	bool entry_ok = false;
	int loads = 0;
	for (int i = 0; i < eh->phnum; i++) {
		const struct elf64_phdr *p = &ph[i];
		if (p->type == PT_INTERP || p->type == PT_DYNAMIC)
			BAD("dynamically linked: only static programs run here");
		if (p->type != PT_LOAD)
			continue;
		loads++;
		if (p->filesz > p->memsz)
			BAD("segment filesz larger than memsz");
		if (p->offset > size || p->filesz > size - p->offset)
			BAD("segment contents outside the file");
		if (p->memsz == 0)
			continue;
		if (p->vaddr < USER_BASE || p->vaddr + p->memsz < p->vaddr || p->vaddr + p->memsz > USER_END)
			BAD("segment outside user space");
		if ((p->vaddr - p->offset) % PAGE_SIZE)
			BAD("segment address and file offset not congruent modulo the page size");
		for (int j = 0; j < i; j++) {
			const struct elf64_phdr *q = &ph[j];
			if (q->type != PT_LOAD || q->memsz == 0)
				continue;
			uintptr_t a0 = p->vaddr & PAGE_MASK, a1 = ALIGN_UP(p->vaddr + p->memsz, PAGE_SIZE);
			uintptr_t b0 = q->vaddr & PAGE_MASK, b1 = ALIGN_UP(q->vaddr + q->memsz, PAGE_SIZE);
			if (a0 < b1 && b0 < a1)
				BAD("segments overlap");
		}
		if ((p->flags & PF_X) && eh->entry >= p->vaddr && eh->entry < p->vaddr + p->memsz)
			entry_ok = true;
	}
	if (!loads)
		BAD("no loadable segment");
	if (!entry_ok)
		BAD("entry point not in an executable segment");
#undef BAD
	return 0;
}

/* Map one segment: a VMA, then pages filled from the file (the rest zero). */
static int load_segment(struct mm_struct *mm, const uint8_t *data, const struct elf64_phdr *p)
{
	unsigned vmf = (p->flags & PF_R ? VM_READ : 0) | (p->flags & PF_W ? VM_WRITE : 0) |
		       (p->flags & PF_X ? VM_EXEC : 0);
	uintptr_t start = p->vaddr & PAGE_MASK, end = ALIGN_UP(p->vaddr + p->memsz, PAGE_SIZE);
	struct vm_area_struct *v = vma_alloc(start, end, vmf);
	if (!v || vma_replace_range(mm, start, end, &v, 1))
		return -ENOMEM;
	uint64_t pteflags = user_pte_flags(vmf);
	for (uintptr_t va = start; va < end; va += PAGE_SIZE) {
		struct page *pg = alloc_page();
		if (!pg)
			return -ENOMEM;
		uint8_t *dst = page_address(pg);
		memset(dst, 0, PAGE_SIZE);
		/* The part of [va, va + 4K) that the file supplies. */
		uintptr_t f0 = p->vaddr, f1 = p->vaddr + p->filesz;
		uintptr_t c0 = va > f0 ? va : f0, c1 = va + PAGE_SIZE < f1 ? va + PAGE_SIZE : f1;
		if (c0 < c1)
			memcpy(dst + (c0 - va), data + p->offset + (c0 - p->vaddr), c1 - c0);
		if (install_user_page(mm, va, pg, pteflags)) {
			free_page(pg);
			return -ENOMEM;
		}
	}
	return 0;
}

int elf_load(struct mm_struct *mm, const uint8_t *data, size_t size, uintptr_t *entry)
{
	const char *why;
	if (elf_check(data, size, &why)) {
		pr_err("elf: refusing the program: %s\n", why);
		return -ENOEXEC;
	}
	const struct elf64_ehdr *eh = (const void *)data;
	const struct elf64_phdr *ph = (const void *)(data + eh->phoff);
	mmap_write_lock(mm);
	for (int i = 0; i < eh->phnum; i++) {
		if (ph[i].type != PT_LOAD || ph[i].memsz == 0)
			continue;
		int r = load_segment(mm, data, &ph[i]);
		if (r) {
			mmap_write_unlock(mm);
			return r;
		}
	}
	mmap_write_unlock(mm);
	*entry = eh->entry;
	return 0;
}
