/*
 * user/programs.h - the user programs embedded in the kernel image.
 *
 * user/user.mk builds every user/bin/<name>.c into a static ELF64
 * executable and generates $(BUILD)/user/programs.S, which .incbin's each
 * one (debug info stripped) into .rodata and lists them, in name order, in
 * user_programs[].  Each image starts 16-byte aligned.
 */
#ifndef USER_PROGRAMS_H
#define USER_PROGRAMS_H

#include <stdint.h>

struct user_program {
	const char *name;	/* "hello": the file name without .c */
	const uint8_t *start;	/* the ELF file's first byte */
	uint64_t size;		/* its size in bytes */
};

extern const struct user_program user_programs[];
extern const uint64_t user_programs_count;

/**
 * user_program_find() - look up an embedded program by name.
 * @name: the program's name, e.g. "hello".
 *
 * Context: any.
 * Return: its entry in user_programs[], or NULL if there is none.
 */
const struct user_program *user_program_find(const char *name);

#endif
