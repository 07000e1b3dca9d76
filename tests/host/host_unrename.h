/*
 * tests/host/host_unrename.h - undo tests/host/host_rename.h after the lib/
 * headers are declared, so that test code reaches the host libc by the
 * plain names and lib/ by the klib_ names. No include guard on purpose.
 */
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
#undef kstrtoull
#undef parse_size
#undef vcbprintf
#undef vsnprintf
#undef snprintf
