/*
 * kernel/proc/exec.h - the program loader: a new address space built from an
 * embedded ELF program, its arguments and environment on the stack.  Both
 * execve() and spawn (process_spawn(), the monitor's `run`) load through
 * exec_prepare(); only what follows differs (a new process's first thread,
 * or the caller's own address space replaced).
 */
#ifndef KERNEL_PROC_EXEC_H
#define KERNEL_PROC_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mm_struct;

#define EXEC_PATH_MAX     64        /* bytes of a path, its NUL included */
#define EXEC_MAX_STRINGS  64        /* argv and envp entries together */
#define EXEC_STRINGS_MAX  3072      /* their bytes, NULs included: with the
				     * pointers they fit the stack's top page */

/*
 * The argument and environment strings, copied into the kernel before the
 * new address space is built (the caller's memory may go away with the old
 * one).  strv[0..argc-1] are argv, strv[argc..argc+envc-1] envp, each
 * pointing into buf.
 */
struct exec_args {
	int argc, envc;
	size_t used;                    /* bytes of buf in use */
	char *strv[EXEC_MAX_STRINGS];
	char buf[EXEC_STRINGS_MAX];
};

/* What exec_prepare() built: nobody else sees it until it is installed. */
struct exec_image {
	struct mm_struct *mm;           /* the new address space (one reference) */
	uintptr_t entry, sp;            /* where its first thread starts */
	const char *name;               /* the program's name (static) */
};

/** exec_args_alloc() - an empty argument set (kfree() it). Return: it, or NULL. */
struct exec_args *exec_args_alloc(void);

/**
 * exec_args_add() - append kernel string @s to @a's argv (@env false; only
 * before any environment string) or envp (@env true).
 * Return: 0, or -E2BIG (too many strings or bytes).
 */
int exec_args_add(struct exec_args *a, const char *s, bool env);

/**
 * exec_args_copy_user() - append the NULL-terminated user vector @uvec (of
 * string pointers; 0 stands for an empty one) to @a's argv or envp.  Every
 * pointer may be bad: the vector and each string are read with the
 * uaccess routines.  Return: 0, -EFAULT, or -E2BIG.  Context: may sleep.
 */
int exec_args_copy_user(struct exec_args *a, uintptr_t uvec, bool env);

/**
 * exec_copy_from_user() - step 1 of execve() (and of spawn): user path
 * @upath into @path (EXEC_PATH_MAX bytes), the user vectors @uargv and
 * @uenvp (0: empty) into a new exec_args, *@out (kfree() it).
 * Return: 0, -EFAULT, -E2BIG, -ENAMETOOLONG, or -ENOMEM.  Context: may sleep.
 */
int exec_copy_from_user(uintptr_t upath, uintptr_t uargv, uintptr_t uenvp, char *path,
			struct exec_args **out);

/**
 * exec_find_program() - the embedded program that @path names: "/bin/NAME"
 * or a bare "NAME".  Return: its image, *@size its size, or NULL.
 */
const uint8_t *exec_find_program(const char *path, size_t *size, const char **name);

/**
 * exec_prepare() - build a new address space running program @path with
 * @args: the ELF loaded and the stack set up (argc, argv, NULL, envp,
 * NULL, an empty auxiliary vector).  Nothing of the caller is touched, so
 * on failure the caller goes on as before.
 * Return: 0 and *@img, or -ENOENT (no such program), -ENOEXEC (a bad ELF
 * image: the loader says why), -E2BIG, -ENOMEM.  Context: may sleep.
 */
int exec_prepare(const char *path, const struct exec_args *args, struct exec_image *img);

/** exec_load() - exec_prepare() of ELF image @data (@size bytes) named @name. */
int exec_load(const uint8_t *data, size_t size, const char *name, const struct exec_args *args,
	      struct exec_image *img);

#endif
