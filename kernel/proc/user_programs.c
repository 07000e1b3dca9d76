/*
 * kernel/proc/user_programs.c - the user programs embedded in the kernel image
 * (user/user.mk builds them and their table).
 */
#include "user/programs.h"
#include "lib/string.h"

const struct user_program *user_program_find(const char *name)
{
	for (uint64_t i = 0; i < user_programs_count; i++)
		if (strcmp(user_programs[i].name, name) == 0)
			return &user_programs[i];
	return NULL;
}
