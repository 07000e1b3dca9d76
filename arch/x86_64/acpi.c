/*
 * arch/x86_64/acpi.c - just enough ACPI to find the CPUs and the I/O APIC.
 *
 * RSDP -> RSDT (32-bit pointers) or XSDT (64-bit, ACPI 2.0+) -> "APIC"
 * (the MADT).  Every table's checksum is verified and every length is
 * checked against the table that contains it; anything wrong is reported
 * and the boot goes on with one CPU.  Tables are read through the direct
 * map when they lie in it, else through a temporary uncached ioremap.
 */
#include "asm/acpi.h"
#include "asm/page.h"
#include "kernel/bootinfo.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "mm/paging.h"
#include "mm/pmm.h"
#include "lib/string.h"

struct madt_info acpi_madt;
const void *acpi_madt_table;   /* the firmware's MADT, for tests */
size_t acpi_madt_len;

struct acpi_sdt_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;            /* revision >= 2 */
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

#define ACPI_TABLE_MAX (1u << 20)   /* refuse absurd lengths */

bool acpi_checksum_ok(const void *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + ((const uint8_t *)p)[i]);
	return sum == 0;
}

/* A virtual address for [phys, phys+len): direct map if RAM, else ioremap. */
static const void *acpi_map(uint64_t phys, size_t len)
{
	if (phys + len < phys)
		return NULL;
	if (phys + len <= max_pfn << PAGE_SHIFT)
		return __va(phys);
	return ioremap(phys, len);
}

static bool rsdp_valid(const struct acpi_rsdp *r, size_t avail)
{
	if (memcmp(r->signature, "RSD PTR ", 8) != 0 || !acpi_checksum_ok(r, 20))
		return false;
	if (r->revision >= 2) {
		if (avail < 36 || r->length < 36 || r->length > avail ||
		    !acpi_checksum_ok(r, r->length))
			return false;
	}
	return true;
}

static const struct acpi_rsdp *scan_rsdp(uint64_t start, uint64_t len)
{
	for (uint64_t p = start; p + 20 <= start + len; p += 16) {
		const struct acpi_rsdp *r = __va(p);
		if (memcmp(r->signature, "RSD PTR ", 8) == 0 &&
		    rsdp_valid(r, (size_t)(start + len - p)))
			return r;
	}
	return NULL;
}

static const struct acpi_rsdp *find_rsdp(void)
{
	if (boot_info.have_rsdp) {
		const struct acpi_rsdp *r = (const void *)boot_info.rsdp;
		if (rsdp_valid(r, boot_info.rsdp_len))
			return r;
		pr_warn("acpi: the boot loader's RSDP copy is invalid; scanning memory\n");
	}
	/* The EBDA's segment is at 0x40e in the BIOS data area. */
	uint64_t ebda = (uint64_t)*(const uint16_t *)__va(0x40e) << 4;
	const struct acpi_rsdp *r = NULL;
	if (ebda >= 0x80000 && ebda < 0xa0000)
		r = scan_rsdp(ebda, 1024);
	if (!r)
		r = scan_rsdp(0xe0000, 0x20000);
	return r;
}

/* Map and validate a system description table; NULL after a warning. */
static const struct acpi_sdt_header *get_table(uint64_t phys, const char *what)
{
	const struct acpi_sdt_header *h = acpi_map(phys, sizeof(*h));
	if (!h) {
		pr_warn("acpi: %s at %#llx cannot be mapped\n", what, (unsigned long long)phys);
		return NULL;
	}
	if (h->length < sizeof(*h) || h->length > ACPI_TABLE_MAX) {
		pr_warn("acpi: %s at %#llx has bad length %u\n", what, (unsigned long long)phys, h->length);
		return NULL;
	}
	h = acpi_map(phys, h->length);
	if (!h || !acpi_checksum_ok(h, h->length)) {
		pr_warn("acpi: %s at %#llx fails its checksum\n", what, (unsigned long long)phys);
		return NULL;
	}
	return h;
}

int acpi_parse_madt(const void *table, size_t len, struct madt_info *out)
{
	const struct acpi_sdt_header *h = table;
	memset(out, 0, sizeof(*out));
	if (len < sizeof(*h) + 8 || h->length > len || h->length < sizeof(*h) + 8) {
		pr_warn("acpi: MADT too short (%zu bytes)\n", len);
		return -EINVAL;
	}
	if (memcmp(h->signature, "APIC", 4) != 0) {
		pr_warn("acpi: MADT has signature '%.4s'\n", h->signature);
		return -EINVAL;
	}
	if (!acpi_checksum_ok(h, h->length)) {
		pr_warn("acpi: MADT checksum fails\n");
		return -EINVAL;
	}
	const uint8_t *base = table;
	out->lapic_address = *(const uint32_t *)(base + 36);
	out->flags = *(const uint32_t *)(base + 40);
	for (size_t off = 44; off < h->length;) {
		if (off + 2 > h->length) {
			pr_warn("acpi: MADT entry header at %zu runs past the table\n", off);
			return -EINVAL;
		}
		uint8_t type = base[off], elen = base[off + 1];
		if (elen < 2 || off + elen > h->length) {
			pr_warn("acpi: MADT entry type %u at %zu has bad length %u\n", type, off, elen);
			return -EINVAL;
		}
		const uint8_t *e = base + off;
		switch (type) {
		case 0:     /* processor local APIC */
		case 9:     /* processor local x2APIC */
			if ((type == 0 && elen < 8) || (type == 9 && elen < 16)) {
				pr_warn("acpi: MADT CPU entry too short (%u)\n", elen);
				return -EINVAL;
			}
			if (out->nr_cpus >= MADT_MAX_CPUS) {
				out->skipped++;
				break;
			}
			struct madt_cpu *c = &out->cpus[out->nr_cpus++];
			uint32_t fl = type == 0 ? *(const uint32_t *)(e + 4) : *(const uint32_t *)(e + 8);
			c->apic_id = type == 0 ? e[3] : *(const uint32_t *)(e + 4);
			c->acpi_uid = type == 0 ? e[2] : *(const uint32_t *)(e + 12);
			c->enabled = fl & 1;
			c->online_capable = (fl >> 1) & 1;
			c->x2apic_entry = type == 9;
			break;
		case 1:     /* I/O APIC */
			if (elen < 12) {
				pr_warn("acpi: MADT I/O APIC entry too short (%u)\n", elen);
				return -EINVAL;
			}
			if (out->nr_ioapics >= MADT_MAX_IOAPICS) {
				out->skipped++;
				break;
			}
			out->ioapics[out->nr_ioapics++] = (struct madt_ioapic){
				.id = e[2], .address = *(const uint32_t *)(e + 4),
				.gsi_base = *(const uint32_t *)(e + 8) };
			break;
		case 2:     /* interrupt source override */
			if (elen < 10) {
				pr_warn("acpi: MADT override entry too short (%u)\n", elen);
				return -EINVAL;
			}
			if (out->nr_overrides >= MADT_MAX_OVERRIDES) {
				out->skipped++;
				break;
			}
			out->overrides[out->nr_overrides++] = (struct madt_override){
				.source = e[3], .gsi = *(const uint32_t *)(e + 4),
				.flags = *(const uint16_t *)(e + 8) };
			break;
		case 5:     /* local APIC address override */
			if (elen >= 12)
				out->lapic_address = *(const uint64_t *)(e + 4);
			break;
		default:
			break;  /* NMI sources, GIC, ...: not needed */
		}
		off += elen;
	}
	return 0;
}

int acpi_init(void)
{
	const struct acpi_rsdp *rsdp = find_rsdp();
	if (!rsdp) {
		pr_warn("acpi: no valid RSDP found\n");
		return -ENOENT;
	}
	bool xsdt = rsdp->revision >= 2 && rsdp->xsdt_address;
	uint64_t root_phys = xsdt ? rsdp->xsdt_address : rsdp->rsdt_address;
	const struct acpi_sdt_header *root = get_table(root_phys, xsdt ? "XSDT" : "RSDT");
	if (!root)
		return -EINVAL;
	if (memcmp(root->signature, xsdt ? "XSDT" : "RSDT", 4) != 0) {
		pr_warn("acpi: root table has signature '%.4s'\n", root->signature);
		return -EINVAL;
	}
	pr_info("acpi: RSDP rev %u, %s at %#llx, OEM '%.6s'\n", rsdp->revision, xsdt ? "XSDT" : "RSDT",
		(unsigned long long)root_phys, root->oem_id);
	size_t esize = xsdt ? 8 : 4;
	size_t n = (root->length - sizeof(*root)) / esize;
	const uint8_t *entries = (const uint8_t *)root + sizeof(*root);
	for (size_t i = 0; i < n; i++) {
		uint64_t p = xsdt ? *(const uint64_t *)(entries + i * 8) : *(const uint32_t *)(entries + i * 4);
		const struct acpi_sdt_header *h = acpi_map(p, sizeof(*h));
		if (!h || memcmp(h->signature, "APIC", 4) != 0)
			continue;
		h = get_table(p, "MADT");
		if (!h)
			return -EINVAL;
		acpi_madt_table = h;
		acpi_madt_len = h->length;
		int r = acpi_parse_madt(h, h->length, &acpi_madt);
		if (r == 0)
			pr_info("acpi: MADT: %d CPU entries, %d I/O APICs, %d overrides, local APIC at %#llx\n",
				acpi_madt.nr_cpus, acpi_madt.nr_ioapics, acpi_madt.nr_overrides,
				(unsigned long long)acpi_madt.lapic_address);
		return r;
	}
	pr_warn("acpi: no MADT\n");
	return -ENOENT;
}
