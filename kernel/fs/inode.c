/*
 * kernel/fs/inode.c - inodes: their life, tmpfs's space limit, and the tree
 * the kernel starts with (/, /bin, /dev, /tmp).
 *
 * Invariant: an inode is freed exactly when its last reference is put
 * (fs.h lists what holds one).  The decision is the atomic decrement
 * alone, so iput() needs no lock and may be called with fs_lock held:
 * whoever holds fs_lock and finds a name holds, through that name, a
 * reference, so a count it raises (iget) is never zero.
 *
 * Space: every page a file holds in the page cache is charged to one
 * counter, refused past TMPFS_MAX_PAGES (ENOSPC); file size is capped at
 * TMPFS_FILE_MAX (EFBIG, file.c).
 */
#include "kernel/fs/internal.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "mm/kmalloc.h"
#include "lib/string.h"
#include "user/programs.h"

static struct inode *root_inode;
static unsigned long next_ino = 1;
static long pages_used;             /* atomics only */

long tmpfs_pages_used(void)
{
	return READ_ONCE(pages_used);
}

/* address_space->charge for regular files: reserve or give back pages. */
static int tmpfs_charge(long pages)
{
	long now = __atomic_add_fetch(&pages_used, pages, __ATOMIC_RELAXED);
	if (pages > 0 && now > TMPFS_MAX_PAGES) {
		__atomic_sub_fetch(&pages_used, pages, __ATOMIC_RELAXED);
		return -ENOSPC;
	}
	return 0;
}

struct inode *inode_alloc(unsigned mode)
{
	struct inode *ino = kzalloc(sizeof(*ino));
	if (!ino)
		return NULL;
	ino->ino = __atomic_fetch_add(&next_ino, 1, __ATOMIC_RELAXED);
	ino->mode = mode;
	atomic_set(&ino->i_count, 1);
	init_rwsem(&ino->i_rwsem);
	filemap_init(&ino->mapping, tmpfs_charge);
	INIT_LIST_HEAD(&ino->entries);
	return ino;
}

void iput(struct inode *ino)
{
	while (ino && atomic_dec_and_test(&ino->i_count)) {
		/* The last reference: no name, no open file, no working
		 * directory, no mapping (a VMA holds an open file), no child
		 * names it.  A directory is empty (rmdir checked, and entries
		 * hold references). */
		struct inode *parent = ino->parent;
		filemap_destroy(&ino->mapping);
		kfree(ino);
		/* Its ".." was a counted reference (the root's is not):
		 * dropping it may free the parent in turn, iteratively. */
		ino = parent != ino ? parent : NULL;
	}
}

struct inode *fs_root(void)
{
	return root_inode;
}

/* Without a lock: nlink, size and nrpages are racy snapshots (READ_ONCE,
 * beside their writers' WRITE_ONCE), each exact when nothing
 * changes the file meanwhile, as a stat on Linux is. */
void inode_stat(struct inode *ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = 1;
	st->st_ino = ino->ino;
	st->st_mode = ino->mode;
	st->st_nlink = READ_ONCE(ino->nlink);
	st->st_size = (long)READ_ONCE(ino->size);
	st->st_blksize = 4096;
	st->st_blocks = (long)READ_ONCE(ino->mapping.nrpages) * 8;
}

/* A new directory @name in @parent (boot only). */
static struct inode *boot_mkdir(struct inode *parent, const char *name)
{
	struct inode *d = inode_alloc(S_IFDIR | 0755);
	if (!d || dir_add(parent, name, d))
		panic("fs: out of memory at boot");
	d->parent = iget(parent);
	inc_nlink(d);                   /* "." */
	inc_nlink(parent);              /* our ".." */
	iput(d);                        /* the entry keeps it */
	return d;
}

static void boot_node(struct inode *dir, const char *name, struct inode *ino)
{
	if (!ino || dir_add(dir, name, ino))
		panic("fs: out of memory at boot");
	iput(ino);
}

void fs_init(void)
{
	mutex_init(&fs_lock);
	tty_init();
	root_inode = inode_alloc(S_IFDIR | 0755);
	if (!root_inode)
		panic("fs: out of memory at boot");
	root_inode->parent = root_inode;    /* "/.." is "/": not counted */
	WRITE_ONCE(root_inode->nlink, 2);

	struct inode *bin = boot_mkdir(root_inode, "bin");
	for (uint64_t i = 0; i < user_programs_count; i++) {
		struct inode *p = inode_alloc(S_IFREG | 0555);
		if (p) {
			p->program = &user_programs[i];
			p->size = user_programs[i].size;
		}
		boot_node(bin, user_programs[i].name, p);
	}
	bin->readonly = true;

	struct inode *dev = boot_mkdir(root_inode, "dev");
	struct inode *con = inode_alloc(S_IFCHR | 0620);
	if (con)
		con->fops = &console_fops;
	boot_node(dev, "console", con);
	struct inode *null = inode_alloc(S_IFCHR | 0666);
	if (null)
		null->fops = &null_fops;
	boot_node(dev, "null", null);
	dev->readonly = true;

	boot_mkdir(root_inode, "tmp");
}
