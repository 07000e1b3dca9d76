/*
 * sh - the shell: programs with arguments, `|` pipelines, `<` `>` `>>`
 * redirection, `&` and `wait`, `;`, `cd`, `exit`.  The scope of xv6's
 * shell, written for this kernel's fork/execve/wait4 and descriptors.
 *
 *   sh                 read commands from standard input ("$ " prompt
 *                      when it is the terminal: `run sh` from the monitor)
 *   sh -c 'COMMANDS'   run COMMANDS and exit
 *   sh FILE            run the lines of FILE and exit
 *
 * The exit status is the last command's (as POSIX: 128 + the signal for
 * one killed by a signal), or what `exit N` gives.
 *
 * Words are split at blanks; '...' and "..." quote (no expansion of any
 * kind: no variables, no globbing), a backslash quotes the next byte
 * outside single quotes, '#' starting a word begins a comment.  A line
 * is a list of pipelines separated by ';' or '&' (in the background);
 * a pipeline is commands separated by '|'; each command may have
 * redirections anywhere among its words, applied after the pipe's (so
 * `a > f | b` sends a's output to f, as POSIX says).  A background
 * pipeline reads /dev/null unless it redirects its input (POSIX's rule
 * for a shell without job control), so it never competes with the shell
 * for typed lines.
 *
 * Builtins: `cd [DIR]` (no DIR: "/"; there is no HOME), `exit [N]`,
 * `wait` (every child; what ended badly is reported).  They run in the
 * shell when they are a pipeline of their own in the foreground; inside
 * a pipeline or with `&` they run in the child, as in other shells, where
 * `cd` changes only the child.
 *
 * Invariant: the shell itself keeps only fds 0, 1, 2 (and a script's,
 * close-on-exec) open between commands: every pipe end is closed in the
 * parent right after the fork that needs it, so a reader sees end of
 * file when its writers end.  Input is read a byte at a time, so a
 * command run from a script on standard input reads what follows its own
 * line, not what the shell read ahead.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define LINE_MAX_SH 1024        /* one input line; a -c string may be longer */
#define ARGS_MAX 32             /* words of one command, argv's NULL included */
#define PIPE_MAX 8              /* commands in one pipeline */

enum tok { T_WORD, T_PIPE, T_AMP, T_SEMI, T_IN, T_OUT, T_APPEND, T_END, T_ERROR };

struct cmd {
	char *argv[ARGS_MAX];
	int argc;
	char *in, *out;         /* redirections, NULL if none */
	int append;             /* out opened with O_APPEND */
};

struct pipeline {
	struct cmd cmds[PIPE_MAX];
	int n;
	int background;
};

static int last_status;         /* of the last foreground pipeline */
static int interactive;

/* ---- words and operators ------------------------------------------------ */

/* The scanner: s is the rest of the input; words are copied, unquoted,
 * into the arena (which is as large as the input, so a word always fits). */
struct scanner {
	const char *s;
	char *arena;
	char *word;             /* the last T_WORD */
	const char *err;
};

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static enum tok next_tok(struct scanner *sc)
{
	while (is_blank(*sc->s))
		sc->s++;
	if (*sc->s == '#')              /* a comment: to the end of the line */
		while (*sc->s && *sc->s != '\n')
			sc->s++;
	char c = *sc->s;
	switch (c) {
	case 0:
		return T_END;
	case '\n': case ';':
		sc->s++;
		return T_SEMI;
	case '|':
		sc->s++;
		return T_PIPE;
	case '&':
		sc->s++;
		return T_AMP;
	case '<':
		sc->s++;
		return T_IN;
	case '>':
		sc->s++;
		if (*sc->s == '>') {
			sc->s++;
			return T_APPEND;
		}
		return T_OUT;
	}
	char *w = sc->arena;
	for (;;) {
		c = *sc->s;
		if (!c || is_blank(c) || strchr("\n;|&<>", c))
			break;
		sc->s++;
		if (c == '\'' || c == '"') {
			while (*sc->s && *sc->s != c) {
				if (c == '"' && *sc->s == '\\' && sc->s[1] && strchr("\"\\", sc->s[1]))
					sc->s++;
				*sc->arena++ = *sc->s++;
			}
			if (!*sc->s) {
				sc->err = c == '\'' ? "unterminated '" : "unterminated \"";
				return T_ERROR;
			}
			sc->s++;
		} else if (c == '\\' && *sc->s) {
			*sc->arena++ = *sc->s++;
		} else {
			*sc->arena++ = c;
		}
	}
	*sc->arena++ = 0;
	sc->word = w;
	return T_WORD;
}

static const char *tok_name(enum tok t)
{
	static const char *const names[] = {
		[T_WORD] = "word", [T_PIPE] = "|", [T_AMP] = "&", [T_SEMI] = ";",
		[T_IN] = "<", [T_OUT] = ">", [T_APPEND] = ">>", [T_END] = "end of line",
	};
	return names[t];
}

/*
 * Parse one pipeline from the scanner into @pl.  Return: the token that
 * ended it (T_SEMI, T_AMP or T_END), or T_ERROR after printing why.  An
 * empty pipeline (n == 0) is allowed only when it ends the input or a
 * line: "a ;; b" and "| a" are errors, "a;" is not.
 */
static enum tok parse_pipeline(struct scanner *sc, struct pipeline *pl)
{
	memset(pl, 0, sizeof(*pl));
	struct cmd *c = &pl->cmds[0];
	enum tok t;
	for (;;) {
		t = next_tok(sc);
		switch (t) {
		case T_WORD:
			if (c->argc == ARGS_MAX - 1) {
				fprintf(stderr, "sh: too many arguments (at most %d)\n", ARGS_MAX - 2);
				return T_ERROR;
			}
			c->argv[c->argc++] = sc->word;
			break;
		case T_IN: case T_OUT: case T_APPEND: {
			enum tok f = next_tok(sc);
			if (f != T_WORD) {
				if (f != T_ERROR)
					fprintf(stderr, "sh: syntax error: '%s' needs a file name, not '%s'\n",
						tok_name(t), tok_name(f));
				else
					fprintf(stderr, "sh: syntax error: %s\n", sc->err);
				return T_ERROR;
			}
			if (t == T_IN)
				c->in = sc->word;
			else
				c->out = sc->word, c->append = t == T_APPEND;
			break;
		}
		case T_PIPE:
			if (!c->argc) {
				fprintf(stderr, "sh: syntax error near '|'\n");
				return T_ERROR;
			}
			if (pl->n + 1 == PIPE_MAX) {
				fprintf(stderr, "sh: pipeline too long (at most %d commands)\n", PIPE_MAX);
				return T_ERROR;
			}
			c = &pl->cmds[++pl->n];
			break;
		case T_SEMI: case T_AMP: case T_END:
			if (!c->argc && (pl->n || c->in || c->out || t == T_AMP)) {
				fprintf(stderr, "sh: syntax error near '%s'\n", tok_name(t));
				return T_ERROR;
			}
			if (c->argc)
				pl->n++;
			pl->background = t == T_AMP;
			return t;
		case T_ERROR:
			fprintf(stderr, "sh: syntax error: %s\n", sc->err);
			return T_ERROR;
		}
	}
}

/* ---- running ------------------------------------------------------------ */

/* Say how a child ended badly (a signal); what the shell's status is. */
static int report(pid_t pid, const char *name, int st)
{
	if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);
		fprintf(stderr, "sh: [%d] %s: killed by signal %d (%s)\n", pid, name, sig,
			sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGKILL ? "SIGKILL" :
			sig == SIGTERM ? "SIGTERM" : sig == SIGPIPE ? "SIGPIPE" : "?");
		return 128 + sig;
	}
	return WEXITSTATUS(st);
}

static int builtin_cd(struct cmd *c)
{
	const char *dir = c->argc > 1 ? c->argv[1] : "/";
	if (c->argc > 2) {
		fprintf(stderr, "sh: cd: too many arguments\n");
		return 1;
	}
	if (chdir(dir) < 0) {
		fprintf(stderr, "sh: cd: %s: %s\n", dir, strerror(errno));
		return 1;
	}
	return 0;
}

static int builtin_exit(struct cmd *c)
{
	int code = last_status;
	if (c->argc > 1) {
		char *end;
		long v = strtol(c->argv[1], &end, 10);
		if (!*c->argv[1] || *end) {
			fprintf(stderr, "sh: exit: %s: a number is needed\n", c->argv[1]);
			return 2;
		}
		code = (int)(v & 0xff);
	}
	exit(code);
}

/* Every child: wait for it and report what was killed. */
static int builtin_wait(struct cmd *c)
{
	(void)c;
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, 0)) > 0)
		report(pid, "(background)", st);
	return 0;
}

static int (*find_builtin(const char *name))(struct cmd *)
{
	if (!strcmp(name, "cd"))
		return builtin_cd;
	if (!strcmp(name, "exit"))
		return builtin_exit;
	if (!strcmp(name, "wait"))
		return builtin_wait;
	return NULL;
}

/* Open @path onto descriptor @fd.  Return: 0, or -1 after saying why. */
static int redirect(const char *path, int flags, int fd)
{
	int f = open(path, flags, 0644);
	if (f < 0) {
		fprintf(stderr, "sh: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (f != fd) {
		dup2(f, fd);
		close(f);
	}
	return 0;
}

/* In the child: the command's own redirections, then the program. */
static void __attribute__((noreturn)) run_child(struct cmd *c)
{
	if (c->in && redirect(c->in, O_RDONLY, 0) < 0)
		_exit(1);
	if (c->out && redirect(c->out, O_WRONLY | O_CREAT | (c->append ? O_APPEND : O_TRUNC), 1) < 0)
		_exit(1);
	int (*b)(struct cmd *) = find_builtin(c->argv[0]);
	if (b)
		_exit(b(c));
	c->argv[c->argc] = NULL;
	execv(c->argv[0], c->argv);
	if (errno == ENOENT)
		fprintf(stderr, "sh: %s: not found\n", c->argv[0]);
	else
		fprintf(stderr, "sh: %s: cannot run: %s\n", c->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static void run_pipeline(struct pipeline *pl)
{
	if (!pl->n)
		return;
	struct cmd *first = &pl->cmds[0];
	int (*b)(struct cmd *) = find_builtin(first->argv[0]);
	if (pl->n == 1 && !pl->background && b && !first->in && !first->out) {
		last_status = b(first);
		return;
	}
	pid_t pids[PIPE_MAX];
	int started = 0, prev_read = -1;
	for (int i = 0; i < pl->n; i++) {
		int p[2] = { -1, -1 };
		if (i < pl->n - 1 && pipe(p) < 0) {
			fprintf(stderr, "sh: pipe: %s\n", strerror(errno));
			break;
		}
		pid_t pid = fork();
		if (pid == 0) {
			if (prev_read >= 0) {
				dup2(prev_read, 0);
				close(prev_read);
			} else if (pl->background && !pl->cmds[i].in) {
				redirect("/dev/null", O_RDONLY, 0);
			}
			if (p[1] >= 0) {
				dup2(p[1], 1);
				close(p[0]);
				close(p[1]);
			}
			run_child(&pl->cmds[i]);
		}
		/* The parent keeps no pipe end a child needs: only then does
		 * the reader of each pipe see end of file. */
		if (prev_read >= 0)
			close(prev_read);
		if (p[1] >= 0)
			close(p[1]);
		prev_read = p[0];
		if (pid < 0) {
			fprintf(stderr, "sh: fork: %s\n", strerror(errno));
			break;
		}
		pids[started++] = pid;
	}
	if (prev_read >= 0)
		close(prev_read);
	if (pl->background) {
		if (interactive && started)
			fprintf(stderr, "[%d]\n", pids[started - 1]);
		last_status = 0;
		return;
	}
	for (int i = 0; i < started; i++) {
		int st = 0;
		while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
			;
		int s = report(pids[i], pl->cmds[i].argv[0], st);
		if (i == started - 1)
			last_status = s;
	}
	if (started < pl->n)
		last_status = 1;
}

/* Run every pipeline of @text (one line, or a -c string). */
static void run_text(const char *text)
{
	size_t len = strlen(text);
	char *arena = malloc(len + 2);
	if (!arena) {
		fprintf(stderr, "sh: out of memory\n");
		last_status = 1;
		return;
	}
	struct scanner sc = { .s = text, .arena = arena };
	static struct pipeline pl;
	for (;;) {
		enum tok t = parse_pipeline(&sc, &pl);
		if (t == T_ERROR) {
			last_status = 2;
			break;
		}
		run_pipeline(&pl);
		if (t == T_END)
			break;
	}
	free(arena);
	/* Reap background jobs that have ended, so none stays a zombie
	 * while the shell runs (a process has a bounded number of children). */
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		if (WIFSIGNALED(st))
			report(pid, "(background)", st);
}

/* One line from @fd, a byte at a time (see the header).  Return: its
 * length (the '\n' dropped), or -1 at end of input with nothing read. */
static int read_line(int fd, char *buf, int size)
{
	int n = 0, got = 0, too_long = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got = 1;
		if (c == '\n')
			break;
		if (n < size - 1)
			buf[n++] = c;
		else
			too_long = 1;
	}
	buf[n] = 0;
	if (too_long) {
		fprintf(stderr, "sh: line too long (at most %d bytes): ignored\n", size - 1);
		buf[0] = 0;
	}
	return got ? n : -1;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "-c")) {
		if (argc != 3) {
			fprintf(stderr, "usage: sh [-c COMMANDS | FILE]\n");
			return 2;
		}
		run_text(argv[2]);
		return last_status;
	}
	if (argc > 2) {
		fprintf(stderr, "usage: sh [-c COMMANDS | FILE]\n");
		return 2;
	}
	int fd = 0;
	if (argc == 2) {
		fd = open(argv[1], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "sh: %s: %s\n", argv[1], strerror(errno));
			return 127;
		}
	}
	interactive = fd == 0 && isatty(0);
	static char line[LINE_MAX_SH];
	for (;;) {
		if (interactive)
			fputs("$ ", stderr);
		int n = read_line(fd, line, sizeof(line));
		if (n < 0) {
			if (interactive)        /* end the prompt's line, as bash does */
				fputs("exit\n", stderr);
			break;
		}
		run_text(line);
	}
	return last_status;
}
