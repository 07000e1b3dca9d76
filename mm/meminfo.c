/*
 * mm/meminfo.c - the monitor's `mem` command: frames and heap in use.
 */
#include "kernel/monitor.h"
#include "kernel/errno.h"
#include "mm/pmm.h"
#include "mm/kmalloc.h"

static int cmd_mem(int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		mon_printf("error: mem takes no arguments\n");
		return -EINVAL;
	}
	uint64_t total = pmm_total_frames(), free = pmm_free_frames();
	mon_printf("frames: %llu total, %llu free, %llu used (%llu MiB free)\n",
		   (unsigned long long)total, (unsigned long long)free,
		   (unsigned long long)(total - free), (unsigned long long)(free >> 8));
	mon_printf("free blocks by order:");
	for (unsigned o = 0; o < MAX_ORDER; o++)
		mon_printf(" %u:%llu", o, (unsigned long long)pmm_free_blocks(o));
	mon_printf("\n");
	struct kmalloc_stats s;
	kmalloc_get_stats(&s);
	mon_printf("heap: %llu bytes in use, %llu bytes free in per-CPU caches, %llu large allocations "
		   "(%llu pages), %llu empty slab pages kept, %llu bad frees\n",
		   (unsigned long long)s.bytes_in_use, (unsigned long long)s.cpu_cached_bytes,
		   (unsigned long long)s.large_allocs,
		   (unsigned long long)s.large_pages, (unsigned long long)s.empty_slab_pages,
		   (unsigned long long)s.bad_frees);
	for (unsigned c = 0; c < KMALLOC_CLASSES; c++)
		if (s.slab_pages[c])
			mon_printf("  %5llu-byte objects: %llu in use, %llu cached, %llu slab pages\n",
				   (unsigned long long)s.class_size[c],
				   (unsigned long long)s.objects_in_use[c],
				   (unsigned long long)s.cpu_cached[c],
				   (unsigned long long)s.slab_pages[c]);
	return 0;
}
MONITOR_COMMAND(mem, "mem", "", "free frames, free blocks per order, heap use", cmd_mem);
