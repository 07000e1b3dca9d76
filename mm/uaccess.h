/*
 * mm/uaccess.h - copying to and from user space.
 *
 * Every kernel access to user memory goes through these.  A bad user
 * pointer (outside user space, unmapped, or without the needed permission)
 * makes them return -EFAULT; the kernel never oopses on one.  Pages not yet
 * faulted in are faulted in on the way (they may sleep).  User addresses
 * are those of current->mm: a thread without one (a kernel thread, even
 * on a CPU that holds some mm lazily) gets -EFAULT without any access.
 */
#ifndef MM_UACCESS_H
#define MM_UACCESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** access_ok() - does [@addr, @addr + @n) lie entirely in user space? */
bool access_ok(uintptr_t addr, size_t n);

/** copy_from_user() - Return: 0, or -EFAULT. Context: process, may sleep. */
int copy_from_user(void *dst, const void *usrc, size_t n);
/** copy_to_user() - Return: 0, or -EFAULT. */
int copy_to_user(void *udst, const void *src, size_t n);
/**
 * strncpy_from_user() - copy a NUL-terminated string of at most @n - 1 characters.
 * Return: its length, -EFAULT, or -E2BIG if it does not fit in @n bytes.
 */
long strncpy_from_user(char *dst, const char *usrc, size_t n);

/** extable_fixup() - the fixup address for a faulting RIP in a uaccess routine, or 0. */
uintptr_t extable_fixup(uintptr_t rip);

#endif
