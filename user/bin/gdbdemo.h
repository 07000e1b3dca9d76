/*
 * user/bin/gdbdemo.h - the constants gdbdemo.c and the kernel suite that
 * drives it (tests/kernel/gdb.c) agree on.  Plain numbers only: included
 * by user and kernel code alike.
 */
#ifndef USER_BIN_GDBDEMO_H
#define USER_BIN_GDBDEMO_H

#define GDBDEMO_RW        0x20000000ul  /* 4 pages, read-write, pinned */
#define GDBDEMO_RW_PAGES  4
#define GDBDEMO_RO        0x20100000ul  /* 2 pages, read-only */
#define GDBDEMO_RO_PAGES  2
#define GDBDEMO_GO_WORD   64            /* word of page 0 the kernel writes; the
					 * device writes words 0 and 1 only */
#define GDBDEMO_GO        0x60d60d60dul

#endif
