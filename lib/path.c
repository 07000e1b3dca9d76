/*
 * lib/path.c - path components (see path.h).  Invariant: nothing is ever
 * written past @cap bytes of @name, and a refused component leaves the
 * caller's state as it was.
 */
#include "lib/path.h"

int path_next(const char **pp, char *name, size_t cap)
{
	const char *p = *pp;
	while (*p == '/')
		p++;
	size_t n = 0;
	while (p[n] && p[n] != '/')
		n++;
	if (n + 1 > cap)
		return -1;
	for (size_t i = 0; i < n; i++)
		name[i] = p[i];
	name[n] = 0;
	*pp = p + n;
	return (int)n;
}

bool path_at_end(const char *p)
{
	while (*p == '/')
		p++;
	return !*p;
}

bool path_is_dot(const char *name)
{
	return name[0] == '.' && !name[1];
}

bool path_is_dotdot(const char *name)
{
	return name[0] == '.' && name[1] == '.' && !name[2];
}
