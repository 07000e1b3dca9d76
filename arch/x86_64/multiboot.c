/*
 * arch/x86_64/multiboot.c - read the multiboot1 and multiboot2 boot
 * information into struct boot_info.
 *
 * Multiboot1 (QEMU -kernel): a fixed structure whose flags say which fields
 * are valid; the memory map is a list of entries each preceded by its size.
 * Multiboot2 (GRUB): a list of 8-byte-aligned tags ending with type 0.  We
 * read: command line (1), boot loader name (2), memory map (6), ACPI old
 * and new RSDP copies (14, 15).
 *
 * Runs before the kernel's page tables exist: the loader's structures are
 * reached through the boot identity map, which covers the first 1 GiB, so
 * anything beyond it is refused with a warning.
 */
#include "kernel/bootinfo.h"
#include "kernel/printk.h"
#include "kernel/panic.h"
#include "lib/string.h"

#define MB1_MAGIC 0x2badb002u
#define MB2_MAGIC 0x36d76289u
#define IDENTITY_LIMIT (1ull << 30)

struct boot_info boot_info;

const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case MEM_USABLE: return "usable";
	case MEM_ACPI: return "ACPI data";
	case MEM_NVS: return "ACPI NVS";
	case MEM_BAD: return "bad";
	default: return "reserved";
	}
}

static bool phys_ok(uint64_t addr, uint64_t len)
{
	if (addr + len < addr || addr + len > IDENTITY_LIMIT) {
		pr_warn("boot: loader data at %#llx+%#llx is beyond the boot map; ignored\n",
			(unsigned long long)addr, (unsigned long long)len);
		boot_info.warnings++;
		return false;
	}
	return true;
}

static void add_region(uint64_t base, uint64_t len, uint32_t type)
{
	if (len == 0)
		return;
	if (boot_info.nr_mem >= BOOT_MAX_REGIONS) {
		pr_warn("boot: more than %d memory regions; the rest are ignored\n", BOOT_MAX_REGIONS);
		boot_info.warnings++;
		return;
	}
	if (type < MEM_USABLE || type > MEM_BAD)
		type = MEM_RESERVED;
	boot_info.mem[boot_info.nr_mem++] = (struct mem_region){ base, len, type };
}

static void copy_string(char *dst, size_t size, uint64_t phys)
{
	if (!phys_ok(phys, 1))
		return;
	const char *src = (const char *)(uintptr_t)phys;
	size_t n = strnlen(src, size);
	if (n == size) {
		pr_warn("boot: string at %#llx longer than %zu bytes; truncated\n",
			(unsigned long long)phys, size - 1);
		boot_info.warnings++;
		n = size - 1;
	}
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* QEMU's multiboot1 loader (and GRUB legacy) put the kernel's file name
 * first on the command line, like argv[0]; it is not a key. */
static void strip_image_path(char *line)
{
	size_t n = 0;
	bool path = false;
	for (; line[n] && line[n] != ' ' && line[n] != '\t'; n++)
		path |= line[n] == '/';
	if (!path)
		return;
	while (line[n] == ' ' || line[n] == '\t')
		n++;
	memmove(line, line + n, strlen(line + n) + 1);
}

struct mb1_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));

struct mb1_mmap_entry {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

static void parse_mb1(uint32_t info)
{
	if (!phys_ok(info, sizeof(struct mb1_info)))
		return;
	const struct mb1_info *mbi = (const void *)(uintptr_t)info;
	boot_info.protocol = "multiboot1";
	if (mbi->flags & (1u << 2)) {
		copy_string(boot_info.cmdline, sizeof(boot_info.cmdline), mbi->cmdline);
		strip_image_path(boot_info.cmdline);
	}
	if (mbi->flags & (1u << 9))
		copy_string(boot_info.loader, sizeof(boot_info.loader), mbi->boot_loader_name);
	if ((mbi->flags & (1u << 6)) && phys_ok(mbi->mmap_addr, mbi->mmap_length)) {
		uint64_t p = mbi->mmap_addr, end = p + mbi->mmap_length;
		while (p + sizeof(struct mb1_mmap_entry) <= end) {
			const struct mb1_mmap_entry *e = (const void *)(uintptr_t)p;
			if (e->size < 20) {
				pr_warn("boot: multiboot1 mmap entry with size %u; map ends here\n", e->size);
				boot_info.warnings++;
				break;
			}
			add_region(e->addr, e->len, e->type);
			p += e->size + 4;
		}
	} else if (mbi->flags & 1u) {
		/* No map: the basic lower/upper memory sizes (KiB). */
		add_region(0, (uint64_t)mbi->mem_lower * 1024, MEM_USABLE);
		add_region(1ull << 20, (uint64_t)mbi->mem_upper * 1024, MEM_USABLE);
	}
}

struct mb2_tag { uint32_t type, size; };

static void parse_mb2(uint32_t info)
{
	if (!phys_ok(info, 8))
		return;
	uint32_t total = *(const uint32_t *)(uintptr_t)info;
	if (total < 16 || !phys_ok(info, total)) {
		pr_warn("boot: multiboot2 info has bad total size %u\n", total);
		boot_info.warnings++;
		return;
	}
	boot_info.protocol = "multiboot2";
	uint64_t p = info + 8, end = (uint64_t)info + total;
	while (p + 8 <= end) {
		const struct mb2_tag *t = (const void *)(uintptr_t)p;
		if (t->type == 0)
			break;
		if (t->size < 8 || p + t->size > end) {
			pr_warn("boot: multiboot2 tag %u has bad size %u; stopping\n", t->type, t->size);
			boot_info.warnings++;
			break;
		}
		const uint8_t *body = (const uint8_t *)t + 8;
		uint32_t blen = t->size - 8;
		switch (t->type) {
		case 1:
		case 2: {
			char *dst = t->type == 1 ? boot_info.cmdline : boot_info.loader;
			size_t cap = t->type == 1 ? sizeof(boot_info.cmdline) : sizeof(boot_info.loader);
			size_t n = strnlen((const char *)body, blen);
			if (n >= cap) {
				pr_warn("boot: multiboot2 string tag %u truncated\n", t->type);
				boot_info.warnings++;
				n = cap - 1;
			}
			memcpy(dst, body, n);
			dst[n] = 0;
			break;
		}
		case 6: {
			/* entry_size and entry_version first: 8 bytes, checked before reading. */
			uint32_t esize = blen >= 8 ? *(const uint32_t *)body : 0;
			if (esize < 24) {
				pr_warn("boot: multiboot2 mmap entry size %u invalid\n", esize);
				boot_info.warnings++;
				break;
			}
			for (uint32_t off = 8; off + esize <= blen; off += esize) {
				const uint8_t *e = body + off;
				add_region(*(const uint64_t *)e, *(const uint64_t *)(e + 8),
					   *(const uint32_t *)(e + 16));
			}
			break;
		}
		case 14:
		case 15: {
			size_t want = t->type == 14 ? 20 : 36;
			/* Prefer the ACPI 2.0+ copy when both are given. */
			if (blen >= want && (!boot_info.have_rsdp || t->type == 15)) {
				memcpy(boot_info.rsdp, body, want);
				boot_info.rsdp_len = want;
				boot_info.have_rsdp = true;
			}
			break;
		}
		default:
			break;
		}
		p += (t->size + 7) & ~7u;
	}
}

void bootinfo_parse(uint32_t magic, uint32_t info)
{
	if (magic == MB1_MAGIC)
		parse_mb1(info);
	else if (magic == MB2_MAGIC)
		parse_mb2(info);
	else
		panic("boot: unknown boot protocol (magic %#x); use GRUB (multiboot2) or QEMU -kernel (multiboot1)",
		      magic);
	if (boot_info.nr_mem == 0)
		panic("boot: the loader gave no memory map; cannot continue");
}
