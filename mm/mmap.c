/*
 * mm/mmap.c - mmap, munmap, mprotect and madvise(MADV_DONTNEED) on an mm:
 * argument checks with POSIX's errors, then VMA changes under mmap_lock
 * held for write (madvise: read), then the PTE work (mm/memory.c).
 *
 * Mappings: private anonymous memory; a file (MAP_PRIVATE: copy-on-write
 * from its page cache; MAP_SHARED: the page-cache pages themselves); and
 * shared anonymous memory (a nameless shmem file).  The VMA holds the
 * file (kernel/fs/fmap.c); faults go to mm/filemap_fault.c.
 *
 * Errors: EINVAL for unaligned addresses, zero lengths, unknown bits,
 * unsupported kinds of mapping and kernel addresses; ENOMEM for lengths
 * that do not fit in user space, for ranges not (fully) mapped where a
 * mapping is required, and when memory runs out.
 */
#include "mm/mmap.h"
#include "mm/gup.h"
#include "mm/mm.h"
#include "mm/filemap.h"
#include "kernel/errno.h"
#include "kernel/fs/fs.h"
#include "kernel/proc/uapi/syscall.h"
#include "asm/page.h"

static unsigned prot_to_vm(int prot)
{
	return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) |
	       (prot & PROT_EXEC ? VM_EXEC : 0);
}

/* Common checks of an (addr, len) range that must be page aligned. */
static long check_range(uintptr_t addr, uint64_t len, uint64_t *alen)
{
	if (addr & (PAGE_SIZE - 1))
		return -EINVAL;
	if (len == 0)
		return -EINVAL;
	if (addr >= USER_END)
		return -EINVAL;         /* kernel (or non-canonical) addresses */
	uint64_t l = (len + PAGE_SIZE - 1) & PAGE_MASK;
	if (l < len || addr + l < addr || addr + l > USER_END || addr < USER_BASE)
		return -ENOMEM;
	*alen = l;
	return 0;
}

/* Checks every mapping shares.  Return: 0 or the error; *@alen the length in pages' bytes. */
static long check_mmap(uintptr_t *addr, uint64_t len, int prot, int flags, uint64_t off, uint64_t *alen)
{
	if (len == 0)
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	if (flags & ~(MAP_PRIVATE | MAP_SHARED | MAP_FIXED | MAP_ANONYMOUS | MAP_POPULATE))
		return -EINVAL;
	bool shared = flags & MAP_SHARED;
	if (shared == !!(flags & MAP_PRIVATE))
		return -EINVAL;         /* exactly one of the two */
	if (off & (PAGE_SIZE - 1))
		return -EINVAL;
	*alen = (len + PAGE_SIZE - 1) & PAGE_MASK;
	if (*alen < len || *alen > USER_END - USER_BASE)
		return -ENOMEM;
	/* The file pages [off, off + alen) must be indexable. */
	if (!(flags & MAP_ANONYMOUS) && (off / PAGE_SIZE + *alen / PAGE_SIZE - 1 > FILEMAP_MAX_INDEX))
		return -EOVERFLOW;
	if (flags & MAP_FIXED)
		return check_range(*addr, len, alen);
	if (*addr & (PAGE_SIZE - 1))
		*addr = 0;              /* a hint only: ignore a bad one */
	return 0;
}

/*
 * MAP_POPULATE: fault the new mapping in before mmap returns, as Linux
 * does: write faults for a private writable mapping (no copy-on-write
 * left for the first store), read faults otherwise, nothing for
 * PROT_NONE.  Through the slow GUP (get_user_pages(): mmap_lock for read,
 * a chunk of POPULATE_CHUNK pages at a time, so a writer waits at most one
 * chunk), each page's reference dropped at once: the page table keeps the
 * page.  A failure (out of memory, the range unmapped meanwhile by another
 * thread) stops it quietly: the mapping stands and the rest faults on
 * first touch, as Linux ignores populate's errors too.
 */
#define POPULATE_CHUNK 32

static void mmap_populate(struct mm_struct *mm, uintptr_t addr, uint64_t alen, int prot, int flags)
{
	if (!(prot & (PROT_READ | PROT_WRITE)))
		return;
	unsigned foll = (prot & PROT_WRITE) && !(flags & MAP_SHARED) ? FOLL_WRITE : 0;
	struct page *pages[POPULATE_CHUNK];
	for (uint64_t done = 0; done < alen;) {
		uint64_t left = (alen - done) / PAGE_SIZE;
		long n = left < POPULATE_CHUNK ? (long)left : POPULATE_CHUNK;
		long got = get_user_pages(mm, addr + done, n, foll, pages);
		if (got <= 0)
			return;
		put_user_pages(pages, got);
		done += (uint64_t)got * PAGE_SIZE;
	}
}

/* Map [addr, addr + alen) backed by @file (its reference moves to the
 * VMA; NULL: private anonymous). */
static long mmap_region(struct mm_struct *mm, uintptr_t addr, uint64_t alen, int prot, int flags,
			struct file *file, uint64_t off)
{
	bool shared = flags & MAP_SHARED;
	unsigned vmf = prot_to_vm(prot) | (file ? VM_FILE : 0) | (shared ? VM_SHARED : 0);
	if (shared && fs_file_writable(file))
		vmf |= VM_MAYWRITE;     /* only shared mappings are asked (mprotect) */

	mmap_write_lock(mm);
	if (!(flags & MAP_FIXED)) {
		addr = vma_get_unmapped_area(mm, addr, alen);
		if (!addr) {
			mmap_write_unlock(mm);
			if (file)
				fput(file);
			return -ENOMEM;
		}
	}
	struct vm_area_struct *v = vma_alloc(addr, addr + alen, vmf);
	if (!v) {
		mmap_write_unlock(mm);
		if (file)
			fput(file);
		return -ENOMEM;
	}
	if (file)
		vma_set_file(v, file, off / PAGE_SIZE);
	/* MAP_FIXED replaces whatever was there: its pages go once the new
	 * table is published (as munmap does), so that a failed replacement
	 * (-ENOMEM) leaves the old mapping whole, pages included. */
	long r = vma_replace_range(mm, addr, addr + alen, &v, 1);
	if (r == 0 && (flags & MAP_FIXED))
		zap_range(mm, addr, addr + alen);
	mmap_write_unlock(mm);
	if (r == 0 && (flags & MAP_POPULATE))
		mmap_populate(mm, addr, alen, prot, flags);
	return r ? r : (long)addr;
}

long do_mmap(struct mm_struct *mm, uintptr_t addr, uint64_t len, int prot, int flags, int fd, uint64_t off)
{
	uint64_t alen;
	long r = check_mmap(&addr, len, prot, flags, off, &alen);
	if (r)
		return r;
	bool anon = flags & MAP_ANONYMOUS;
	if (anon && (fd != -1 || off != 0))
		return -EINVAL;
	/* The backing: none (private anonymous), a file, or a nameless one
	 * (shared anonymous: shmem).  The VMA takes this reference. */
	struct file *file = NULL;
	int err = 0;
	if (!anon)
		file = fs_mmap_file(fd, prot, flags, &err);
	else if (flags & MAP_SHARED)
		file = shmem_file_create(alen, &err);
	if (err)
		return err;
	return mmap_region(mm, addr, alen, prot, flags, file, off);
}

long do_mmap_file(struct mm_struct *mm, uintptr_t addr, uint64_t len, int prot, int flags,
		  struct file *file, uint64_t off)
{
	uint64_t alen;
	long r = check_mmap(&addr, len, prot, flags & ~MAP_ANONYMOUS, off, &alen);
	if (r)
		return r;
	return mmap_region(mm, addr, alen, prot, flags & ~MAP_ANONYMOUS, fget(file), off);
}

long do_munmap(struct mm_struct *mm, uintptr_t addr, uint64_t len)
{
	uint64_t alen;
	long r = check_range(addr, len, &alen);
	if (r)
		return r == -ENOMEM ? -EINVAL : r;
	mmap_write_lock(mm);
	/* Unmapping a range that holds nothing is not an error (POSIX). */
	r = vma_replace_range(mm, addr, addr + alen, NULL, 0);
	if (r) {
		mmap_write_unlock(mm);
		return r;
	}
	/* The VMAs are final: the range is in none of them, so no fault,
	 * GUP or madvise can map into it again.  Zap its pages and free its
	 * tables with mmap_lock held only for read (Linux's munmap does the
	 * same since 4.20): faults of other threads, which fall back to
	 * mmap_lock when the VMA they hit was split here, need not wait for
	 * the zap of the whole range.  unmap_region() frees only tables that
	 * lie wholly in the hole, never one that a fault beside it may be
	 * filling (it already runs beside lock-free faults: mm/memory.c). */
	mmap_write_downgrade(mm);
	unmap_region(mm, addr, addr + alen);
	mmap_read_unlock(mm);
	return 0;
}

long do_mprotect(struct mm_struct *mm, uintptr_t addr, uint64_t len, int prot)
{
	uint64_t alen;
	long r = check_range(addr, len, &alen);
	if (r)
		return r;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	mmap_write_lock(mm);
	if (!vma_range_mapped(mm, addr, addr + alen)) {
		mmap_write_unlock(mm);
		return -ENOMEM;
	}
	/* Keep flags other than the protection (e.g. VM_STACK) per piece:
	 * build one new VMA per old VMA overlapping the range. */
	struct vm_area_struct *pieces[64];
	int n = 0;
	for (uintptr_t a = addr; a < addr + alen && n < 64;) {
		struct vm_area_struct *old = vma_find(mm, a);
		uintptr_t e = old->end < addr + alen ? old->end : addr + alen;
		unsigned f = (old->flags & ~(VM_READ | VM_WRITE | VM_EXEC)) | prot_to_vm(prot);
		if ((prot & PROT_WRITE) && (old->flags & VM_SHARED) && !(old->flags & VM_MAYWRITE)) {
			/* A shared mapping of a file opened read-only. */
			for (int i = 0; i < n; i++)
				vma_free(pieces[i]);
			mmap_write_unlock(mm);
			return -EACCES;
		}
		pieces[n] = vma_alloc_from(old, a, e, f);
		if (!pieces[n]) {
			for (int i = 0; i < n; i++)
				vma_free(pieces[i]);
			mmap_write_unlock(mm);
			return -ENOMEM;
		}
		n++;
		a = e;
	}
	uintptr_t covered = n ? pieces[n - 1]->end : addr;
	if (covered < addr + alen) {
		/* More than 64 VMAs in the range: refuse rather than drop some. */
		for (int i = 0; i < n; i++)
			vma_free(pieces[i]);
		mmap_write_unlock(mm);
		return -ENOMEM;
	}
	r = vma_replace_range(mm, addr, addr + alen, pieces, n);
	if (r == 0)
		change_protection(mm, addr, addr + alen, prot_to_vm(prot));
	mmap_write_unlock(mm);
	return r;
}

long do_madvise(struct mm_struct *mm, uintptr_t addr, uint64_t len, int advice)
{
	uint64_t alen;
	long r = check_range(addr, len, &alen);
	if (r)
		return r;
	if (advice != MADV_DONTNEED)
		return -EINVAL;
	mmap_read_lock(mm);
	if (!vma_range_mapped(mm, addr, addr + alen)) {
		mmap_read_unlock(mm);
		return -ENOMEM;
	}
	/* The VMAs stay; their pages go, and read back as zeroes. */
	zap_range(mm, addr, addr + alen);
	mmap_read_unlock(mm);
	return 0;
}
