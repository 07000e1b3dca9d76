/*
 * tests/host/klib.h - the lib/ API as the host tests see it.
 *
 * Include after the host libc headers: declares every lib/ header with the
 * clashing names prefixed klib_ (see host_rename.h), then restores the
 * plain names to the host libc.
 */
#ifndef TESTS_HOST_KLIB_H
#define TESTS_HOST_KLIB_H

#include "tests/host/host_rename.h"
#include "lib/compiler.h"
#include "lib/string.h"
#include "lib/printf.h"
#include "lib/bitmap.h"
#include "lib/list.h"
#include "lib/cmdline.h"
#include "tests/host/host_unrename.h"

#endif /* TESTS_HOST_KLIB_H */
