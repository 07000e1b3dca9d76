/*
 * lib/path.h - splitting a path into its components (pure logic, no
 * kernel state; host-tested in tests/host/test_path.c).
 *
 * A path is components separated by one or more slashes; a leading slash
 * makes it absolute, trailing slashes are allowed.  "." and ".." are
 * ordinary components here: what they mean is the file system's
 * business (kernel/fs/namei.c).
 */
#ifndef LIB_PATH_H
#define LIB_PATH_H

#include <stdbool.h>
#include <stddef.h>

/**
 * path_next() - the next component of *@pp, slashes before it skipped.
 * @pp: where to start; advanced past the component.
 * @name: gets the component, NUL-terminated (@cap bytes).
 * Return: its length; 0 if no component is left; -1 if it is longer than
 * @cap - 1 (then *@pp and @name are not changed).
 */
int path_next(const char **pp, char *name, size_t cap);

/** path_at_end() - is nothing but slashes left at @p? */
bool path_at_end(const char *p);

/** path_is_dot() / path_is_dotdot() - is the component "." / ".."? */
bool path_is_dot(const char *name);
bool path_is_dotdot(const char *name);

#endif
