/*
 * tests/host/host_rename.h - give lib/ symbols that clash with the host libc
 * a klib_ prefix when lib/ is built for the host unit tests.
 *
 * It is force-included (-include) into every lib/ source compiled for the
 * host, and included by tests/host/klib.h around the lib/ headers, so the
 * tests call klib_memcpy, klib_snprintf, ... while memcpy, snprintf, ...
 * stay the host libc's (the oracle the tests compare against). Symbols that
 * cannot clash (bitmap_*, cmdline_*, list_*) keep their names.
 * Keep this list and tests/host/host_unrename.h in step.
 */
#ifndef TESTS_HOST_HOST_RENAME_H
#define TESTS_HOST_HOST_RENAME_H

/* A fortified libc may have made some of these macros already. */
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strrchr
#undef strncpy
#undef strlcpy
#undef strstr
#undef strtol
#undef strtoul
#undef vsnprintf
#undef snprintf

#define memcpy		klib_memcpy
#define memmove		klib_memmove
#define memset		klib_memset
#define memcmp		klib_memcmp
#define strlen		klib_strlen
#define strnlen		klib_strnlen
#define strcmp		klib_strcmp
#define strncmp		klib_strncmp
#define strchr		klib_strchr
#define strrchr		klib_strrchr
#define strncpy		klib_strncpy
#define strlcpy		klib_strlcpy
#define strstr		klib_strstr
#define strtol		klib_strtol
#define strtoul		klib_strtoul
#define kstrtoull	klib_kstrtoull
#define parse_size	klib_parse_size
#define vcbprintf	klib_vcbprintf
#define vsnprintf	klib_vsnprintf
#define snprintf	klib_snprintf

#endif /* TESTS_HOST_HOST_RENAME_H */
