/*
 * kernel/fs/namei.c - names: directory entries, path lookup with "." and
 * "..", and the calls that change the namespace (create, mkdir, rmdir,
 * unlink), getcwd and readdir.
 *
 * Invariant: every directory's entry list, every ->nlink and ->parent
 * change under fs_lock, and each entry holds a reference on its inode, so
 * a lookup that finds a name under fs_lock may iget() it safely.  A walk
 * holds a reference on the directory it stands in, not fs_lock's
 * protection alone: it is the same thing here (the whole walk is under
 * fs_lock), but it keeps the code right for a finer-grained lock later.
 * A removed directory (nlink 0) has no entries and accepts none: lookups
 * in it fail with ENOENT, as on Linux.
 */
#include "kernel/fs/internal.h"
#include "kernel/errno.h"
#include "mm/kmalloc.h"
#include "lib/path.h"
#include "lib/string.h"

/* Initialised by fs_init() (mutex_init() has no static form), before any
 * other thread can reach the file system. */
struct mutex fs_lock;

static void fs_lock_take(void)
{
	mutex_lock(&fs_lock);
}

static bool is_dot(const char *n) { return path_is_dot(n); }
static bool is_dotdot(const char *n) { return path_is_dotdot(n); }

int dir_add(struct inode *dir, const char *name, struct inode *ino)
{
	size_t len = strlen(name);
	struct dentry *d = kmalloc(sizeof(*d) + len + 1);
	if (!d)
		return -ENOMEM;
	memcpy(d->name, name, len + 1);
	d->inode = iget(ino);
	inc_nlink(ino);
	list_add_tail(&d->node, &dir->entries);
	return 0;
}

static struct dentry *dir_find(struct inode *dir, const char *name)
{
	struct dentry *d;
	list_for_each_entry(d, &dir->entries, node)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

/* One step of a walk: @name in @dir, referenced.  fs_lock held. */
static int dir_step(struct inode *dir, const char *name, struct inode **out)
{
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (is_dot(name) || is_dotdot(name)) {
		*out = iget(is_dot(name) ? dir : dir->parent);
		return 0;
	}
	struct dentry *d = dir->nlink ? dir_find(dir, name) : NULL;
	if (!d)
		return -ENOENT;
	*out = iget(d->inode);
	return 0;
}

/* The next component of *@pp into @name (NAME_MAX + 1 bytes).
 * Return: its length (0: none left), -ENAMETOOLONG. */
static int next_component(const char **pp, char *name)
{
	int n = path_next(pp, name, NAME_MAX + 1);
	return n < 0 ? -ENAMETOOLONG : n;
}

/*
 * Walk @path to the directory holding its last component: *@dir
 * (referenced) and @last (the component; "." for "/" itself), and
 * *@slash whether a slash followed it.  fs_lock held.
 */
static int walk_parent(struct inode *cwd, const char *path, struct inode **dir, char *last,
		       bool *slash)
{
	if (!path[0])
		return -ENOENT;
	struct inode *d = iget(path[0] == '/' ? fs_root() : cwd);
	const char *p = path;
	int n = next_component(&p, last);
	if (n == 0) {                   /* "/" (or "///") */
		strlcpy(last, ".", NAME_MAX + 1);
		*slash = true;
		*dir = d;
		return 0;
	}
	for (;;) {
		if (n < 0)
			goto fail;
		if (path_at_end(p)) {   /* @last is the last component */
			if (!S_ISDIR(d->mode)) {
				n = -ENOTDIR;
				goto fail;
			}
			*slash = *p == '/';
			*dir = d;
			return 0;
		}
		struct inode *next;
		n = dir_step(d, last, &next);
		if (n < 0)
			goto fail;
		iput(d);
		d = next;
		n = next_component(&p, last);
	}
fail:
	iput(d);
	return n;
}

/* path_lookup() with fs_lock held. */
static int lookup_locked(struct inode *cwd, const char *path, struct inode **out)
{
	struct inode *dir, *ino;
	char last[NAME_MAX + 1];
	bool slash;
	int r = walk_parent(cwd, path, &dir, last, &slash);
	if (r)
		return r;
	r = dir_step(dir, last, &ino);
	iput(dir);
	if (r)
		return r;
	if (slash && !S_ISDIR(ino->mode)) {
		iput(ino);
		return -ENOTDIR;
	}
	*out = ino;
	return 0;
}

int path_lookup(struct inode *cwd, const char *path, struct inode **out)
{
	fs_lock_take();
	int r = lookup_locked(cwd, path, out);
	mutex_unlock(&fs_lock);
	return r;
}

/* Can @dir take a new entry?  fs_lock held. */
static int may_create(struct inode *dir)
{
	if (!dir->nlink)
		return -ENOENT;         /* removed while we stood in it */
	return dir->readonly ? -EROFS : 0;
}

int fs_open_inode(struct inode *cwd, const char *path, unsigned flags, unsigned mode,
		  struct inode **out)
{
	struct inode *dir, *ino = NULL;
	char last[NAME_MAX + 1];
	bool slash;
	fs_lock_take();
	int r = walk_parent(cwd, path, &dir, last, &slash);
	if (r)
		goto out;
	r = dir_step(dir, last, &ino);
	if (r == 0) {
		if ((flags & O_CREAT) && (flags & O_EXCL))
			r = -EEXIST;
		else if (slash && !S_ISDIR(ino->mode))
			r = -ENOTDIR;
		if (r) {
			iput(ino);
			ino = NULL;
		}
	} else if (r == -ENOENT && (flags & O_CREAT)) {
		r = slash ? -EISDIR : may_create(dir);
		if (!r) {
			ino = inode_alloc(S_IFREG | (mode & 0777));
			r = ino ? dir_add(dir, last, ino) : -ENOMEM;
			if (r) {
				iput(ino);
				ino = NULL;
			}
		}
	}
	iput(dir);
out:
	mutex_unlock(&fs_lock);
	*out = ino;
	return r;
}

int fs_mkdir(struct inode *cwd, const char *path, unsigned mode)
{
	struct inode *dir, *ino;
	char last[NAME_MAX + 1];
	bool slash;
	fs_lock_take();
	int r = walk_parent(cwd, path, &dir, last, &slash);
	if (r)
		goto out;
	if (is_dot(last) || is_dotdot(last) || (dir->nlink && dir_find(dir, last)))
		r = -EEXIST;
	else
		r = may_create(dir);
	if (!r) {
		ino = inode_alloc(S_IFDIR | (mode & 0777));
		r = ino ? dir_add(dir, last, ino) : -ENOMEM;
		if (!r) {
			ino->parent = iget(dir);    /* ".." */
			inc_nlink(ino);             /* "." */
			inc_nlink(dir);             /* the child's ".." */
		}
		iput(ino);                      /* the entry holds it (or it goes) */
	}
	iput(dir);
out:
	mutex_unlock(&fs_lock);
	return r;
}

/* Remove entry @d of @dir.  fs_lock held. */
static void dir_remove(struct inode *dir, struct dentry *d)
{
	struct inode *ino = d->inode;
	list_del(&d->node);
	kfree(d);
	if (S_ISDIR(ino->mode)) {
		clear_nlink(ino);       /* its name and its "." */
		drop_nlink(dir);        /* its ".." (the reference stays until it is freed) */
	} else {
		drop_nlink(ino);
	}
	iput(ino);                      /* the entry's reference: open files keep it */
}

/* Why @d (NULL: no such name) in @dir may not be removed by rmdir
 * (@want_dir) or unlink; 0 if it may.  fs_lock held. */
static int may_remove(struct inode *dir, const char *last, bool slash, struct dentry *d,
		      bool want_dir, const char *path)
{
	if (want_dir) {
		if (dir == fs_root() && is_dot(last) && path[0] == '/' && slash)
			return -EBUSY;          /* "/" */
		if (is_dot(last))
			return -EINVAL;
		if (is_dotdot(last))
			return -ENOTEMPTY;
	} else if (is_dot(last) || is_dotdot(last)) {
		return -EISDIR;
	}
	if (!d)
		return -ENOENT;
	if (want_dir && !S_ISDIR(d->inode->mode))
		return -ENOTDIR;
	if (want_dir && !list_empty(&d->inode->entries))
		return -ENOTEMPTY;
	if (!want_dir && S_ISDIR(d->inode->mode))
		return -EISDIR;
	if (!want_dir && slash)
		return -ENOTDIR;
	return dir->readonly || d->inode->readonly ? -EROFS : 0;
}

/* rmdir (@want_dir) or unlink. */
static int fs_remove(struct inode *cwd, const char *path, bool want_dir)
{
	struct inode *dir;
	char last[NAME_MAX + 1];
	bool slash;
	fs_lock_take();
	int r = walk_parent(cwd, path, &dir, last, &slash);
	if (!r) {
		bool dots = is_dot(last) || is_dotdot(last);
		struct dentry *d = dir->nlink && !dots ? dir_find(dir, last) : NULL;
		r = may_remove(dir, last, slash, d, want_dir, path);
		if (!r)
			dir_remove(dir, d);
		iput(dir);
	}
	mutex_unlock(&fs_lock);
	return r;
}

int fs_rmdir(struct inode *cwd, const char *path)
{
	return fs_remove(cwd, path, true);
}

int fs_unlink(struct inode *cwd, const char *path)
{
	return fs_remove(cwd, path, false);
}

long fs_getcwd(struct inode *dir, char *buf, size_t size)
{
	char tmp[FS_PATH_MAX];
	size_t at = sizeof(tmp) - 1;
	long r = 0;
	tmp[at] = 0;
	fs_lock_take();
	for (struct inode *d = dir; d != fs_root(); d = d->parent) {
		if (!d->nlink) {
			r = -ENOENT;    /* removed: no path names it */
			break;
		}
		struct dentry *e, *found = NULL;
		list_for_each_entry(e, &d->parent->entries, node)
			if (e->inode == d)
				found = e;
		size_t n = found ? strlen(found->name) : 0;
		if (!found || n + 1 > at) {
			r = found ? -ENAMETOOLONG : -ENOENT;
			break;
		}
		at -= n;
		memcpy(tmp + at, found->name, n);
		tmp[--at] = '/';
	}
	mutex_unlock(&fs_lock);
	if (r)
		return r;
	if (at == sizeof(tmp) - 1)
		tmp[--at] = '/';        /* the root itself */
	size_t len = sizeof(tmp) - at;  /* with the NUL */
	if (len > size)
		return -ERANGE;
	memcpy(buf, tmp + at, len);
	return (long)len;
}

/* Append one record to @buf (@cap bytes at @used). Return: false if it does not fit. */
static bool put_dirent(char *buf, size_t cap, size_t *used, struct inode *ino, const char *name,
		       uint64_t next)
{
	size_t n = strlen(name);
	size_t reclen = (__builtin_offsetof(struct linux_dirent64, d_name) + n + 1 + 7) & ~7ul;
	if (*used + reclen > cap)
		return false;
	struct linux_dirent64 *de = (struct linux_dirent64 *)(buf + *used);
	memset(de, 0, reclen);
	de->d_ino = ino->ino;
	de->d_off = (long)next;
	de->d_reclen = (unsigned short)reclen;
	unsigned t = ino->mode & S_IFMT;
	de->d_type = t == S_IFDIR ? DT_DIR : t == S_IFREG ? DT_REG : t == S_IFCHR ? DT_CHR :
		     t == S_IFIFO ? DT_FIFO : DT_UNKNOWN;
	memcpy(de->d_name, name, n + 1);
	*used += reclen;
	return true;
}

long fs_readdir(struct inode *dir, const struct iobuf *io, uint64_t *pos)
{
	size_t cap = io->len < 4096 ? io->len : 4096;
	char *buf = kmalloc(cap ? cap : 1);
	if (!buf)
		return -ENOMEM;
	size_t used = 0;
	uint64_t i = *pos;
	bool full = false;              /* an entry was left that did not fit */
	/* Built under fs_lock into a kernel buffer, copied out after: a copy
	 * to user memory may fault, and no fault path should wait on fs_lock. */
	fs_lock_take();
	if (i == 0 && !(full = !put_dirent(buf, cap, &used, dir, ".", 1)))
		i = 1;
	if (i == 1 && !full && !(full = !put_dirent(buf, cap, &used, dir->parent, "..", 2)))
		i = 2;
	if (i >= 2 && !full && dir->nlink) {
		uint64_t k = 2;
		struct dentry *d;
		list_for_each_entry(d, &dir->entries, node) {
			if (k++ < i)
				continue;
			if (!put_dirent(buf, cap, &used, d->inode, d->name, i + 1)) {
				full = true;
				break;
			}
			i++;
		}
	}
	mutex_unlock(&fs_lock);
	long r = (long)used;
	if (!used && full)
		r = -EINVAL;            /* not even one record fits */
	if (r > 0 && iobuf_copy_out(io, 0, buf, used))
		r = -EFAULT;
	else
		*pos = i;
	kfree(buf);
	return r;
}

int fs_lookup_program(struct inode *cwd, const char *path, const struct user_program **out)
{
	struct inode *ino;
	int r = path_lookup(cwd, path, &ino);
	if (r)
		return r;
	r = ino->program ? 0 : -EACCES;
	if (!r)
		*out = ino->program;    /* in the kernel image: outlives the inode */
	iput(ino);
	return r;
}
