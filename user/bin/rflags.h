/*
 * user/bin/rflags.h - read and write RFLAGS from user mode (POPF at CPL 3
 * changes the arithmetic flags, DF, TF, NT, AC and ID; IF and IOPL are the
 * kernel's and stay as they are), for the programs that try flags on the
 * kernel: nt_syscall, ac_flag.
 */
#ifndef USER_BIN_RFLAGS_H
#define USER_BIN_RFLAGS_H

#define RFLAGS_NT (1ul << 14)
#define RFLAGS_AC (1ul << 18)

static inline unsigned long read_rflags(void)
{
	unsigned long f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

static inline void write_rflags(unsigned long f)
{
	__asm__ volatile("pushq %0; popfq" :: "r"(f) : "cc", "memory");
}

#endif
