/*
 * string.h - the kernel's freestanding lib/string.h (memcpy ... strstr,
 * strtol), compiled for user mode, plus the few POSIX calls it lacks.
 */
#ifndef _STRING_H
#define _STRING_H

#include "lib/string.h"

char *strcpy(char *dst, const char *src);
char *strcat(char *dst, const char *src);
char *strdup(const char *s);		/* malloc()ed copy; NULL if out of memory */
char *strerror(int errnum);		/* "EINVAL (Invalid argument)" style */

#endif
