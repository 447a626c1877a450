#define _GNU_SOURCE
#include "scenario.h"
#include "../common/number.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 128

struct token {
	char *text;	/* decoded: quotes removed, escapes applied */
	size_t len;	/* texts may hold NUL bytes (\x00) */
	int quoted;	/* some part was in quotes */
	int eq;		/* offset of the first '=' outside quotes, or -1 */
};

struct parser {
	const char *file;
	int line;
	char *err;
	size_t errsize;
	struct token tok[MAX_TOKENS];
	int ntok;
};

static const char *const known_tags[] = {
	"build", "output", "blocking", "open-order", "eof", "cleanup", "signal",
	"reaping", "fd-hygiene", "concurrency", "interop", "errors", NULL
};

int scenario_known_tag(const char *tag)
{
	for (const char *const *t = known_tags; *t; t++)
		if (!strcmp(*t, tag))
			return 1;
	return 0;
}

static int bad(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errsize, "%s:%d: ", p->file, p->line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < p->errsize)
		vsnprintf(p->err + n, p->errsize - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		fprintf(stderr, "ipcgrade: out of memory\n");
		exit(3);
	}
	return p;
}

static char *xstrndup(const char *s, size_t len)
{
	char *d = xcalloc(len + 1, 1);

	memcpy(d, s, len);
	return d;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void free_tokens(struct parser *p)
{
	for (int i = 0; i < p->ntok; i++)
		free(p->tok[i].text);
	p->ntok = 0;
}

/* split a line into tokens: words, "quoted strings" with C escapes, # comments */
static int tokenize(struct parser *p, const char *s)
{
	free_tokens(p);
	while (*s) {
		struct token *t;
		char *out;

		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (!*s || *s == '#')
			break;
		if (p->ntok == MAX_TOKENS)
			return bad(p, "too many words on one line");
		t = &p->tok[p->ntok++];
		out = t->text = xcalloc(strlen(s) + 1, 1);
		t->len = 0;
		t->quoted = 0;
		t->eq = -1;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') {
			if (*s == '=' && t->eq < 0 && !t->quoted)
				t->eq = (int)t->len;
			if (*s != '"') {
				out[t->len++] = *s++;
				continue;
			}
			t->quoted = 1;
			s++;
			while (*s && *s != '"') {
				int c = (unsigned char)*s++;

				if (c == '\\') {
					switch (*s) {
					case 'n': c = '\n'; break;
					case 't': c = '\t'; break;
					case 'r': c = '\r'; break;
					case '0': c = '\0'; break;
					case '\\': c = '\\'; break;
					case '"': c = '"'; break;
					case 'x':
						if (hexval(s[1]) < 0 || hexval(s[2]) < 0)
							return bad(p, "\\x needs two hex digits");
						c = hexval(s[1]) * 16 + hexval(s[2]);
						s += 2;
						break;
					default:
						return bad(p, "unknown escape '\\%c' in a string", *s ? *s : ' ');
					}
					s++;
				}
				out[t->len++] = (char)c;
			}
			if (*s != '"')
				return bad(p, "a string is not closed (missing '\"')");
			s++;
		}
		out[t->len] = '\0';
	}
	return 0;
}

/* a scenario that waits longer than this is a mistake, not a test */
#define MAX_DURATION_MS (3600.0 * 1000)
/* stdin=random:SIZE is built in memory */
#define MAX_SIZE (256.0 * 1024 * 1024)
#define MAX_POINTS 1000000.0

static int parse_duration(struct parser *p, const char *s, int64_t *ms)
{
	static const struct number_unit units[] = { { "ms", 1 }, { "s", 1000 }, { NULL, 0 } };
	double v;

	if (number_parse(s, units, 0, MAX_DURATION_MS, &v) == 0) {
		*ms = (int64_t)v;
		return 0;
	}
	if (errno == ERANGE)
		return bad(p, "'%s' is too long: a duration is at most 3600s", s);
	return bad(p, "'%s' is not a duration (e.g. 2s, 500ms)", s);
}

static int parse_long(struct parser *p, const char *s, long min, long max, long *out, int base)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, base);
	if (errno || end == s || *end || v < min || v > max)
		return bad(p, "'%s' is not a number from %ld to %ld", s, min, max);
	*out = v;
	return 0;
}

static int parse_signal(struct parser *p, const char *s, int *sig)
{
	const char *name = strncmp(s, "SIG", 3) ? s : s + 3;

	for (int i = 1; i < NSIG; i++) {
		const char *a = sigabbrev_np(i);

		if (a && !strcmp(a, name)) {
			*sig = i;
			return 0;
		}
	}
	return bad(p, "unknown signal '%s'", s);
}

static int parse_size(struct parser *p, const char *s, int64_t *out)
{
	static const struct number_unit units[] = {
		{ "", 1 }, { "K", 1024 }, { "M", 1024 * 1024 }, { NULL, 0 }
	};
	double v;

	if (number_parse(s, units, 0, MAX_SIZE, &v) == 0) {
		*out = (int64_t)v;
		return 0;
	}
	if (errno == ERANGE)
		return bad(p, "'%s' is too large: a size is at most 256M", s);
	return bad(p, "'%s' is not a size (e.g. 2M, 64K, 100)", s);
}

static char **split_list(const char *s, const char *sep)
{
	size_t n = 1;
	char **list, *copy = xstrndup(s, strlen(s)), *save = NULL, *w;
	int i = 0;

	for (const char *c = s; *c; c++)
		n += strchr(sep, *c) != NULL;
	list = xcalloc(n + 1, sizeof(*list));
	for (w = strtok_r(copy, sep, &save); w; w = strtok_r(NULL, sep, &save))
		list[i++] = xstrndup(w, strlen(w));
	free(copy);
	return list;
}

static void free_list(char **list)
{
	for (char **l = list; l && *l; l++)
		free(*l);
	free(list);
}

static int is_ident(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* key=value options at the end of a line; returns the index of the first */
static int options_start(struct parser *p, int from)
{
	int i = p->ntok;

	while (i > from && p->tok[i - 1].eq > 0)
		i--;
	return i;
}

/* each option once: a second hint= or tags= is a mistake, not an update */
static int options_unique(struct parser *p, int from)
{
	for (int i = from; i < p->ntok; i++)
		for (int k = from; k < i; k++)
			if (p->tok[k].eq == p->tok[i].eq &&
			    !strncmp(p->tok[k].text, p->tok[i].text, (size_t)p->tok[i].eq))
				return bad(p, "option '%.*s' is given twice", p->tok[i].eq, p->tok[i].text);
	return 0;
}

static const char *opt_value(struct token *t, const char *key)
{
	size_t k = strlen(key);

	if (t->eq == (int)k && !strncmp(t->text, key, k))
		return t->text + k + 1;
	return NULL;
}

static int parse_stdin(struct parser *p, struct token *t, struct step *st)
{
	const char *v = t->text + 6;

	if (t->quoted) {
		st->in = IN_TEXT;
		st->in_len = t->len - 6;
		st->in_text = xcalloc(st->in_len + 1, 1);
		memcpy(st->in_text, v, st->in_len);
	} else if (!strcmp(v, "null")) {
		st->in = IN_NULL;
	} else if (!strcmp(v, "hold")) {
		st->in = IN_HOLD;
	} else if (!strncmp(v, "file:", 5) && v[5]) {
		if (strchr(v + 5, '/') || v[5] == '.')
			return bad(p, "stdin=file: takes a file name in the grader's data/ directory");
		st->in = IN_FILE;
		st->in_text = xstrndup(v + 5, strlen(v + 5));
	} else if (!strncmp(v, "random:", 7) || !strncmp(v, "letters:", 8)) {
		int letters = v[0] == 'l';
		char *size = xstrndup(v + 7 + letters, strlen(v + 7 + letters)), *seed = strchr(size, ':');
		long sd = 1;
		int ret;

		if (seed)
			*seed++ = '\0';
		ret = parse_size(p, size, &st->in_size);
		if (ret == 0 && seed)
			ret = parse_long(p, seed, 0, 0x7fffffff, &sd, 10);
		free(size);
		if (ret < 0)
			return -1;
		st->in = IN_RANDOM;
		st->in_seed = (unsigned)sd;
		st->in_letters = letters;
	} else {
		return bad(p, "stdin=%s: expected \"text\", file:NAME, random:SIZE[:SEED], letters:SIZE[:SEED], hold or null", v);
	}
	return 0;
}

static int parse_start(struct parser *p, struct step *st)
{
	int end = p->ntok, n;

	/* start ID = KIND PROGRAM [ARG...] [stdin=...] */
	if (p->ntok < 5 || strcmp(p->tok[2].text, "=") || p->tok[2].quoted)
		return bad(p, "expected: start ID = student|reference|system PROGRAM [ARG...] [stdin=...]");
	if (!strcmp(p->tok[3].text, "student"))
		st->pkind = PROC_STUDENT;
	else if (!strcmp(p->tok[3].text, "reference"))
		st->pkind = PROC_REFERENCE;
	else if (!strcmp(p->tok[3].text, "system"))
		st->pkind = PROC_SYSTEM;
	else
		return bad(p, "'%s': a process is started from student, reference or system",
			   p->tok[3].text);
	if (p->tok[end - 1].eq == 5 && !strncmp(p->tok[end - 1].text, "stdin=", 6)) {
		if (parse_stdin(p, &p->tok[end - 1], st) < 0)
			return -1;
		end--;
	}
	n = end - 4;
	if (n < 1)
		return bad(p, "no program to start");
	st->argv = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++) {
		if (strlen(p->tok[4 + i].text) != p->tok[4 + i].len)
			return bad(p, "an argument cannot hold a NUL byte");
		st->argv[i] = xstrndup(p->tok[4 + i].text, p->tok[4 + i].len);
	}
	return 0;
}

static int parse_match(struct parser *p, int i, int end, struct cond *c)
{
	const char *op;

	if (i + 2 != end)
		return bad(p, "expected: stdout|stderr = | contains | regex | lines \"text\", or = ID");
	op = p->tok[i].text;
	if (!strcmp(op, "="))
		c->op = p->tok[i + 1].quoted ? MATCH_EQ : MATCH_SAME_AS;
	else if (!strcmp(op, "contains"))
		c->op = MATCH_CONTAINS;
	else if (!strcmp(op, "regex"))
		c->op = MATCH_REGEX;
	else if (!strcmp(op, "lines"))
		c->op = MATCH_LINES;
	else
		return bad(p, "unknown comparison '%s' (=, contains, regex, lines)", op);
	if (c->op == MATCH_SAME_AS) {
		if (!is_ident(p->tok[i + 1].text))
			return bad(p, "'%s' is neither a \"string\" nor a process", p->tok[i + 1].text);
		c->other = xstrndup(p->tok[i + 1].text, p->tok[i + 1].len);
	} else {
		c->text = xcalloc(p->tok[i + 1].len + 1, 1);
		memcpy(c->text, p->tok[i + 1].text, p->tok[i + 1].len);
		if (c->op == MATCH_REGEX || c->op == MATCH_LINES || c->op == MATCH_CONTAINS)
			if (strlen(c->text) != p->tok[i + 1].len)
				return bad(p, "this comparison cannot hold a NUL byte");
		c->number = (int)p->tok[i + 1].len;	/* length of an exact text */
	}
	return 0;
}

static int parse_sysv(struct parser *p, int i, int end, struct cond *c)
{
	c->count = c->nattch = c->value = -1;
	if (i >= end)
		return bad(p, "expected: sysv none, or sysv msg|shm|sem KEY ...");
	if (!strcmp(p->tok[i].text, "none")) {
		c->sysv = SYSV_NONE;
		return i + 1 == end ? 0 : bad(p, "nothing may follow 'sysv none'");
	}
	if (!strcmp(p->tok[i].text, "msg"))
		c->sysv = SYSV_MSG;
	else if (!strcmp(p->tok[i].text, "shm"))
		c->sysv = SYSV_SHM;
	else if (!strcmp(p->tok[i].text, "sem"))
		c->sysv = SYSV_SEM;
	else
		return bad(p, "unknown SysV object '%s' (none, msg, shm, sem)", p->tok[i].text);
	if (i + 1 >= end || parse_long(p, p->tok[i + 1].text, -0x7fffffffL - 1, 0xffffffffL,
				       &c->key, 0) < 0)
		return bad(p, "expected a KEY after '%s'", p->tok[i].text);
	for (i += 2; i < end; i++) {
		const char *w = p->tok[i].text;
		long *field = !strcmp(w, "count") ? &c->count : !strcmp(w, "nattch") ? &c->nattch :
			      !strcmp(w, "value") ? &c->value : NULL;

		if (field == &c->value && c->sysv != SYSV_SEM)
			return bad(p, "only a semaphore set has a value");
		long v;

		if (!strcmp(w, "absent")) {
			c->absent = 1;
		} else if (!strcmp(w, "mode")) {
			if (i + 1 >= end || parse_long(p, p->tok[i + 1].text, 0, 0777, &v, 8) < 0)
				return bad(p, "expected an octal mode after 'mode'");
			c->mode = (int)v;
			i++;
		} else if (field) {
			if (i + 1 >= end || parse_long(p, p->tok[i + 1].text, 0, 1L << 30, field, 10) < 0)
				return bad(p, "expected a number after '%s'", w);
			i++;
		} else {
			return bad(p, "unknown SysV property '%s' (absent, mode, count, nattch, value)", w);
		}
	}
	return 0;
}

/*
 * The parse functions of cond.h's rows: each reads the words i..end-1
 * after the condition's word into c, and all of them, or fails.
 */
static int parse_none(struct parser *p, int i, int end, struct cond *c)
{
	(void)c;
	return i == end ? 0 : bad(p, "unexpected '%s' after the condition", p->tok[i].text);
}

static int parse_blocked(struct parser *p, int i, int end, struct cond *c)
{
	const char *w;

	if (i >= end)
		return bad(p, "expected a system call after 'blocked' (e.g. read, openat)");
	c->syscalls = split_list(p->tok[i++].text, "|");
	if (i == end)
		return 0;
	if (strcmp(p->tok[i].text, "on") || i + 2 != end)
		return bad(p, "expected: blocked SYSCALL [on pipe|fifo|socket|\"path\"]");
	w = p->tok[i + 1].text;
	if (p->tok[i + 1].quoted) {
		c->on = FD_PATH;
		c->path = xstrndup(w, strlen(w));
	} else if (!strcmp(w, "pipe")) {
		c->on = FD_PIPE;
	} else if (!strcmp(w, "fifo")) {
		c->on = FD_FIFO;
	} else if (!strcmp(w, "socket")) {
		c->on = FD_SOCKET;
	} else {
		return bad(p, "'on %s': expected pipe, fifo, socket or a \"path\"", w);
	}
	return 0;
}

/* exit [CODE], or exit = ID2: the same end as ID2's */
static int parse_exit(struct parser *p, int i, int end, struct cond *c)
{
	long v;

	if (i < end && !strcmp(p->tok[i].text, "=") && !p->tok[i].quoted) {
		if (i + 2 != end || p->tok[i + 1].quoted || !is_ident(p->tok[i + 1].text))
			return bad(p, "expected: exit = ID (the process whose exit status to match)");
		c->other = xstrndup(p->tok[i + 1].text, strlen(p->tok[i + 1].text));
		return 0;
	}
	if (i < end) {
		if (parse_long(p, p->tok[i++].text, 0, 255, &v, 10) < 0)
			return -1;
		c->code = (int)v;
	}
	return parse_none(p, i, end, c);
}

static int parse_killed(struct parser *p, int i, int end, struct cond *c)
{
	if (i >= end || parse_signal(p, p->tok[i++].text, &c->code) < 0)
		return bad(p, "expected a signal after 'killed'");
	return parse_none(p, i, end, c);
}

static int parse_output(struct parser *p, int i, int end, struct cond *c)
{
	if (i >= end || !p->tok[i].quoted)
		return bad(p, "expected a \"string\" after 'output'");
	c->text = xstrndup(p->tok[i].text, p->tok[i].len);
	return parse_none(p, i + 1, end, c);
}

/* handler, sigblk, sigpnd SIGNAME */
static int parse_sigmask(struct parser *p, int i, int end, struct cond *c)
{
	if (i >= end || parse_signal(p, p->tok[i++].text, &c->signal) < 0)
		return -1;
	return parse_none(p, i, end, c);
}

static int parse_cpu(struct parser *p, int i, int end, struct cond *c)
{
	if (i + 2 != end || strcmp(p->tok[i].text, "<") ||
	    parse_duration(p, p->tok[i + 1].text, &c->limit_ms) < 0)
		return bad(p, "expected: cpu < DURATION");
	return 0;
}

static int parse_fds(struct parser *p, int i, int end, struct cond *c)
{
	if (i >= end || strcmp(p->tok[i++].text, "std"))
		return bad(p, "expected: fds std");
	return parse_none(p, i, end, c);
}

static int parse_path(struct parser *p, int i, int end, struct cond *c)
{
	static const char *const types[] = { "absent", "fifo", "socket", "file", "dir", "empty",
					     "listening", NULL };
	int ok = 0;
	long v;

	if (i + 2 > end || !p->tok[i].quoted)
		return bad(p, "expected: path \"PATH\" absent|fifo|socket|file|dir|empty|listening [mode 0NNN]");
	c->path = xstrndup(p->tok[i].text, p->tok[i].len);
	for (const char *const *t = types; *t; t++)
		ok |= !strcmp(*t, p->tok[i + 1].text);
	if (!ok)
		return bad(p, "'%s': a path is absent, fifo, socket, file, dir, empty or listening",
			   p->tok[i + 1].text);
	c->type = xstrndup(p->tok[i + 1].text, p->tok[i + 1].len);
	i += 2;
	if (i < end) {
		if (strcmp(p->tok[i].text, "mode") || i + 2 != end ||
		    parse_long(p, p->tok[i + 1].text, 0, 07777, &v, 8) < 0)
			return bad(p, "expected: mode 0NNN");
		c->mode = (int)v;
	}
	return 0;
}

/* processes, orphans, unwaited, zombies, held N */
static int parse_count(struct parser *p, int i, int end, struct cond *c)
{
	long v;

	if (i >= end || parse_long(p, p->tok[i].text, 0, 100000, &v, 10) < 0)
		return bad(p, "expected a number after '%s'", p->tok[i - 1].text);
	c->number = (int)v;
	return parse_none(p, i + 1, end, c);
}

#define COND_ROW(name, word, flags, phrase, parse, eval) \
	[COND_##name] = { { word, flags, phrase }, parse_##parse },
static const struct {
	struct cond_info info;
	int (*parse)(struct parser *p, int i, int end, struct cond *c);
} cond_rows[] = { COND_TABLE(COND_ROW) };
#undef COND_ROW

const struct cond_info *cond_info(enum cond_kind kind)
{
	return &cond_rows[kind].info;
}

int cond_lookup(const char *word)
{
	for (int k = 0; k < COND_NKINDS; k++)
		if (!strcmp(cond_rows[k].info.word, word))
			return k;
	return -1;
}

/* conditions about the whole box take no process */
static int box_wide(const char *w)
{
	int k = cond_lookup(w);

	return k >= 0 && (cond_rows[k].info.flags & COND_BOX);
}

static int parse_cond(struct parser *p, int i, int end, struct step *st)
{
	struct cond *c = &st->cond;
	int k;

	c->mode = -1;
	c->code = -1;
	if (i >= end)
		return bad(p, "expected a condition after the process");
	k = cond_lookup(p->tok[i].text);
	if (k < 0)
		return bad(p, "unknown condition '%s'", p->tok[i].text);
	c->kind = (enum cond_kind)k;
	if (st->sel != SEL_SELF && !(cond_rows[k].info.flags & COND_LIVE))
		return bad(p, "'%s' is not a fact of a live process, so it cannot be asked of %s.%s",
			   p->tok[i].text, st->proc, st->sel == SEL_CHILD ? "child" : "all");
	return cond_rows[k].parse(p, i + 1, end, c);
}

/* ID, ID.child or ID.all */
static int parse_proc_ref(struct parser *p, const char *w, struct step *st)
{
	const char *dot = strchr(w, '.');

	st->sel = SEL_SELF;
	if (dot && (!strcmp(dot, ".child") || !strcmp(dot, ".all"))) {
		st->proc = xstrndup(w, (size_t)(dot - w));
		st->sel = dot[1] == 'c' ? SEL_CHILD : SEL_ALL;
	} else {
		st->proc = xstrndup(w, strlen(w));
	}
	if (!is_ident(st->proc))
		return bad(p, "'%s' is not a process name", w);
	return 0;
}

static void free_step(struct step *st);
static int parse_step(struct parser *p, struct test *t, struct step *st);

/*
 * when="[not] [ID] COND [and [not] [ID] COND]...": a hint's premise, in
 * the words of a wait or expect step (each condition's own line, without
 * options), read by a parser of its own so that the step's tokens stay
 * as they are. Conditions joined by "and" hang one below the other:
 * st->when is the first, st->when->when the second, and each step's
 * when_not turns round the condition below it.
 */
/* the first " and " (or " or ") of text outside a quoted text, or NULL */
static const char *joiner(const char *text, const char *word)
{
	size_t n = strlen(word);
	int quoted = 0;

	for (const char *c = text; *c; c++) {
		if (*c == '\\' && c[1])
			c++;
		else if (*c == '"')
			quoted = !quoted;
		else if (!quoted && !strncmp(c, word, n))
			return c;
	}
	return NULL;
}

static int parse_when_chain(struct parser *p, const char *text, struct step *st, const char *word)
{
	struct parser sub = { .file = p->file, .line = p->line, .err = p->err, .errsize = p->errsize };
	struct step *w;
	int ret, neg = !strncmp(text, "not ", 4), depth = 0;
	const char *at = joiner(text, word), *rest = at ? at + strlen(word) : NULL;
	size_t len = at ? (size_t)(at - text) : strlen(text), wl = strlen(word) - 2;
	char *line;

	/* word is " and " or " or ": wl is the length of "and" or "or" */
	if ((rest && (!*rest || len == 0)) || !strncmp(text, word + 1, wl + 1) ||
	    (len > wl && text[len - wl - 1] == ' ' && !strncmp(text + len - wl, word + 1, wl)))
		return bad(p, "when=\"%s\": \"%.*s\" joins two conditions, and one is missing", text, (int)wl,
			   word + 1);
	w = xcalloc(1, sizeof(*w));
	line = xcalloc(len + 16, 1);
	snprintf(line, len + 16, "expect %.*s", (int)len - (neg ? 4 : 0), text + (neg ? 4 : 0));
	ret = tokenize(&sub, line);
	free(line);
	if (ret == 0 && (sub.ntok < 2 || options_start(&sub, 1) != sub.ntok))
		ret = bad(p, "when=\"%s\": expected a condition, as a wait or expect step writes it "
			  "(\"ID COND\", or a box-wide COND), without options", text);
	if (ret == 0)
		ret = parse_step(&sub, &(struct test){ 0 }, w);
	free_tokens(&sub);
	if (ret == 0 && rest)
		ret = parse_when_chain(p, rest, w, word);
	for (const struct step *c = w; ret == 0 && c; c = c->when)
		if (++depth > MAX_WHEN)
			ret = bad(p, "when=\"%s\": at most %d conditions", text, MAX_WHEN);
	if (ret < 0) {
		free_step(w);
		free(w);
		return -1;
	}
	st->when = w;
	st->when_not = neg;
	return 0;
}

/*
 * when="[not] [ID] COND", or conditions all joined by "and" (all must
 * hold) or all by "or" (one must): a premise that needs both would need
 * brackets, and is better written as two facts that one cause gives
 */
static int parse_when(struct parser *p, const char *text, struct step *st)
{
	size_t n = strlen(text);
	/* "or" anywhere as a word outside quotes, even with a side missing */
	int any = joiner(text, " or ") || !strncmp(text, "or ", 3) || (n >= 3 && !strcmp(text + n - 3, " or"));

	if (any && joiner(text, " and "))
		return bad(p, "when=\"%s\": the conditions are joined all by \"and\" or all by \"or\", not both",
			   text);
	if (parse_when_chain(p, text, st, any ? " or " : " and ") < 0)
		return -1;
	st->when_any = any;
	return 0;
}

static int parse_step(struct parser *p, struct test *t, struct step *st)
{
	const char *verb = p->tok[0].text;
	int end = options_start(p, 1);

	st->line = p->line;
	st->within_ms = 2000;
	if (options_unique(p, end) < 0)
		return -1;
	for (int i = end; i < p->ntok; i++) {
		const char *v;

		if ((v = opt_value(&p->tok[i], "within"))) {
			if (parse_duration(p, v, &st->within_ms) < 0)
				return -1;
		} else if ((v = opt_value(&p->tok[i], "hint"))) {
			st->hint = xstrndup(v, strlen(v));
		} else if ((v = opt_value(&p->tok[i], "when"))) {
			if (parse_when(p, v, st) < 0)
				return -1;
		} else if ((v = opt_value(&p->tok[i], "common"))) {
			st->common = xstrndup(v, strlen(v));
		} else if (!strcmp(verb, "start") && opt_value(&p->tok[i], "stdin")) {
			if (i != end) {
				struct token tmp = p->tok[end];

				p->tok[end] = p->tok[i];	/* parse_start() takes it last */
				p->tok[i] = tmp;
			}
			end++;
		} else if (!strcmp(verb, "start") && (v = opt_value(&p->tok[i], "stdout"))) {
			if (strcmp(v, "hold") && strcmp(v, "frozen"))
				return bad(p, "stdout=%s: the choices are stdout=hold and stdout=frozen", v);
			st->hold_stdout = 1;
			st->full_stdout = !strcmp(v, "frozen");
		} else if (!strcmp(verb, "start") && (v = opt_value(&p->tok[i], "children"))) {
			if (strcmp(v, "held"))
				return bad(p, "children=%s: the choice is children=held", v);
			st->hold_children = 1;
		} else if (!strcmp(verb, "start") && (v = opt_value(&p->tok[i], "role"))) {
			if (strcmp(v, "load"))
				return bad(p, "role=%s: the choice is role=load", v);
			st->load = 1;
		} else {
			return bad(p, "unknown option '%.*s'", p->tok[i].eq, p->tok[i].text);
		}
	}
	/* the options are done: their tokens go now, not at the next line,
	 * which would free only the ones below ntok */
	for (int i = end; i < p->ntok; i++)
		free(p->tok[i].text);
	p->ntok = end;
	if ((st->hint || st->when || st->common) && strcmp(verb, "wait") && strcmp(verb, "expect"))
		return bad(p, "only wait and expect steps take hint=, when= and common=");
	if (st->when && !st->hint)
		return bad(p, "when= is the premise of a hint=, and this step has none");
	if (!strcmp(verb, "start")) {
		st->kind = STEP_START;
		if (p->ntok < 2 || !is_ident(p->tok[1].text))
			return bad(p, "expected a process name after 'start'");
		if (box_wide(p->tok[1].text))
			return bad(p, "'%s' cannot name a process: 'wait %s ...' and 'expect %s ...' "
				   "are the box-wide condition", p->tok[1].text, p->tok[1].text,
				   p->tok[1].text);
		st->proc = xstrndup(p->tok[1].text, strlen(p->tok[1].text));
		for (int k = 0; k < t->nsteps; k++)
			if (t->steps[k].kind == STEP_START && !strcmp(t->steps[k].proc, st->proc))
				return bad(p, "process '%s' is started twice", st->proc);
		if (parse_start(p, st) < 0)
			return -1;
		/* a promise only the grader's own command can keep */
		if (st->load && st->pkind != PROC_SYSTEM)
			return bad(p, "role=load is for a system command that only burns CPU, not a %s program",
				   st->pkind == PROC_STUDENT ? "student" : "reference");
		return 0;
	}
	if (p->ntok < 2)
		return bad(p, "'%s' needs a process", verb);
	if (!strcmp(verb, "write")) {
		st->kind = STEP_WRITE;
		if (p->ntok != 3 || !p->tok[2].quoted)
			return bad(p, "expected: write ID \"text\"");
		st->text_len = p->tok[2].len;
		st->text = xcalloc(st->text_len + 1, 1);
		memcpy(st->text, p->tok[2].text, st->text_len);
	} else if (!strcmp(verb, "close") || !strcmp(verb, "hold") || !strcmp(verb, "release")) {
		st->kind = verb[0] == 'c' ? STEP_CLOSE : verb[0] == 'h' ? STEP_HOLD : STEP_RELEASE;
		if (p->ntok != 2)
			return bad(p, "expected: %s ID", verb);
	} else if (!strcmp(verb, "signal")) {
		st->kind = STEP_SIGNAL;
		if (p->ntok != 3 || parse_signal(p, p->tok[2].text, &st->signal) < 0)
			return bad(p, "expected: signal ID SIGNAME");
	} else if (!strcmp(verb, "wait") || !strcmp(verb, "expect")) {
		st->kind = verb[0] == 'w' ? STEP_WAIT : STEP_EXPECT;
		if (box_wide(p->tok[1].text))
			return parse_cond(p, 1, p->ntok, st);
		if (parse_proc_ref(p, p->tok[1].text, st) < 0)
			return -1;
		return parse_cond(p, 2, p->ntok, st);
	} else {
		return bad(p, "unknown step '%s'", verb);
	}
	if (parse_proc_ref(p, p->tok[1].text, st) < 0)
		return -1;
	/* stdin and stdout belong to the started process; a signal may go to
	 * its only child */
	if (st->sel == SEL_ALL || (st->sel == SEL_CHILD && st->kind != STEP_SIGNAL))
		return bad(p, "'%s %s': %s takes a started process", verb, p->tok[1].text, verb);
	return 0;
}

static int parse_test_line(struct parser *p, struct grader *g, const char *file)
{
	struct test *t;
	int end = options_start(p, 1);

	if (p->ntok < 3 || !is_ident(p->tok[1].text) || !p->tok[2].quoted || end < 3)
		return bad(p, "expected: test ID \"title\" points=N tags=a,b [visibility=hidden]");
	for (int i = 0; i < g->ntests; i++)
		if (!strcmp(g->tests[i].id, p->tok[1].text))
			return bad(p, "test '%s' is defined twice", p->tok[1].text);
	g->tests = realloc(g->tests, sizeof(*g->tests) * (size_t)(g->ntests + 1));
	if (!g->tests)
		return bad(p, "out of memory");
	t = &g->tests[g->ntests++];
	memset(t, 0, sizeof(*t));
	t->id = xstrndup(p->tok[1].text, strlen(p->tok[1].text));
	t->title = xstrndup(p->tok[2].text, strlen(p->tok[2].text));
	t->file = xstrndup(file, strlen(file));
	t->line = p->line;
	t->points = -1;
	if (end != 3)
		return bad(p, "unexpected '%s' after the title", p->tok[3].text);
	if (options_unique(p, end) < 0)
		return -1;
	for (int i = end; i < p->ntok; i++) {
		const char *v;

		if ((v = opt_value(&p->tok[i], "points"))) {
			if (number_parse(v, NULL, 0, MAX_POINTS, &t->points) < 0)
				return bad(p, "points=%s is not a number from 0 to %.0f", v, MAX_POINTS);
		} else if ((v = opt_value(&p->tok[i], "tags"))) {
			t->tags = split_list(v, ",");
			for (char **tag = t->tags; *tag; tag++)
				if (!scenario_known_tag(*tag))
					return bad(p, "unknown tag '%s' (the tags are build, output, "
						   "blocking, open-order, eof, cleanup, signal, reaping, "
						   "fd-hygiene, concurrency, interop, errors)", *tag);
		} else if ((v = opt_value(&p->tok[i], "visibility"))) {
			if (strcmp(v, "visible") && strcmp(v, "hidden"))
				return bad(p, "visibility is visible or hidden, not '%s'", v);
			t->hidden = !strcmp(v, "hidden");
		} else {
			return bad(p, "unknown option '%.*s'", p->tok[i].eq, p->tok[i].text);
		}
	}
	if (t->points < 0)
		return bad(p, "test '%s' has no points=", t->id);
	if (!t->tags)
		return bad(p, "test '%s' has no tags=", t->id);
	return 0;
}

static int parse_header(struct parser *p, struct grader *g)
{
	const char *w = p->tok[0].text;
	char ***list = !strcmp(w, "programs") ? &g->programs : !strcmp(w, "allow") ? &g->allow :
		       !strcmp(w, "deny") ? &g->deny : NULL;

	if (list) {
		int n = 0, ntok = p->ntok;
		const char *reason = NULL;

		/* deny CALL... reason="...": the feedback quotes it when a call is denied */
		if (list == &g->deny && ntok >= 2 && (reason = opt_value(&p->tok[ntok - 1], "reason")))
			ntok--;
		if (ntok < 2)
			return bad(p, "'%s' needs at least one name", w);
		while (*list && (*list)[n])
			n++;
		*list = realloc(*list, sizeof(char *) * (size_t)(n + ntok));
		if (!*list)
			return bad(p, "out of memory");
		if (list == &g->deny) {	/* as long as deny: one reason, or NULL, per call */
			g->deny_reason = realloc(g->deny_reason, sizeof(char *) * (size_t)(n + ntok));
			if (!g->deny_reason)
				return bad(p, "out of memory");
			memset(g->deny_reason + n, 0, sizeof(char *) * (size_t)ntok);
		}
		/* terminated after every name: a bad one returns mid-way, and
		 * scenario_free() walks the list to its NULL */
		(*list)[n] = NULL;
		for (int i = 1; i < ntok; i++) {
			if (opt_value(&p->tok[i], "reason"))
				return bad(p, list == &g->deny ? "reason=\"...\" comes last, after the calls" :
					   "only a deny line takes a reason=");
			if (!is_ident(p->tok[i].text))
				return bad(p, "'%s' is not a name", p->tok[i].text);
			if (list == &g->deny && reason)
				g->deny_reason[n] = xstrndup(reason, strlen(reason));
			(*list)[n++] = xstrndup(p->tok[i].text, strlen(p->tok[i].text));
			(*list)[n] = NULL;
		}
		return 0;
	}
	if (!strcmp(w, "timeout")) {
		if (p->ntok != 2)
			return bad(p, "expected: timeout DURATION");
		return parse_duration(p, p->tok[1].text, &g->wall_ms);
	}
	return bad(p, "unknown line '%s' (before the first test: programs, allow, deny, timeout)", w);
}

static int check_test(struct parser *p, struct test *t)
{
	/* every process named in a step was started by an earlier step */
	for (int i = 0; i < t->nsteps; i++) {
		struct step *st = &t->steps[i];
		/* a hint's premise may name the processes started so far too */
		const char *names[2 + 2 * MAX_WHEN] = { st->kind == STEP_START ? NULL : st->proc, st->cond.other };
		int nnames = 2;

		for (const struct step *w = st->when; w && nnames < 2 + 2 * MAX_WHEN; w = w->when) {
			names[nnames++] = w->proc;
			names[nnames++] = w->cond.other;
		}
		for (int k = 0; k < nnames; k++) {
			const struct step *start = NULL;

			if (!names[k])
				continue;
			for (int j = 0; j < i; j++)
				if (t->steps[j].kind == STEP_START && !strcmp(t->steps[j].proc, names[k]))
					start = &t->steps[j];
			/* the step's line for a message only: the loader goes on
			 * counting from p->line (it is checking at a later line) */
			if (!start) {
				p->line = st->line;
				return bad(p, "process '%s' has not been started", names[k]);
			}
			if (!k && (st->kind == STEP_WAIT || st->kind == STEP_EXPECT) &&
			    st->cond.kind == COND_HELD && !start->hold_children) {
				p->line = st->line;
				return bad(p, "'held' counts the children of a process started with "
					   "children=held, and '%s' was not", names[k]);
			}
		}
	}
	if (t->nsteps == 0) {
		p->line = t->line;
		return bad(p, "test '%s' has no steps", t->id);
	}
	return 0;
}

static int load_file(struct parser *p, struct grader *g, const char *path, const char *shown)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	struct test *cur = NULL;
	int ret = 0;

	p->file = shown;
	p->line = 0;
	if (!f) {
		snprintf(p->err, p->errsize, "cannot open '%s': %s", shown, strerror(errno));
		return -1;
	}
	while (ret == 0 && getline(&line, &cap, f) > 0) {
		p->line++;
		if (tokenize(p, line) < 0) {
			ret = -1;
			break;
		}
		if (p->ntok == 0)
			continue;
		if (!strcmp(p->tok[0].text, "test")) {
			if (cur && check_test(p, cur) < 0) {
				ret = -1;
				break;
			}
			ret = parse_test_line(p, g, shown);
			cur = ret == 0 ? &g->tests[g->ntests - 1] : NULL;
		} else if (!cur) {
			ret = parse_header(p, g);
		} else {
			cur->steps = realloc(cur->steps, sizeof(*cur->steps) * (size_t)(cur->nsteps + 1));
			if (!cur->steps) {
				ret = bad(p, "out of memory");
				break;
			}
			memset(&cur->steps[cur->nsteps], 0, sizeof(struct step));
			/* as written, for the result's step.text */
			{
				const char *src = line + strspn(line, " \t");

				cur->steps[cur->nsteps].source = xstrndup(src, strcspn(src, "\r\n"));
			}
			ret = parse_step(p, cur, &cur->steps[cur->nsteps]);
			cur->nsteps++;
		}
	}
	if (ret == 0 && cur)
		ret = check_test(p, cur);
	free_tokens(p);
	free(line);
	fclose(f);
	return ret;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int scenario_load(const char *dir, const char *name, struct grader *g, char *err, size_t errsize)
{
	struct parser p = { .err = err, .errsize = errsize };
	DIR *d = opendir(dir);
	struct dirent *de;
	char **files = NULL;
	int n = 0, ret = 0;

	memset(g, 0, sizeof(*g));
	g->name = xstrndup(name, strlen(name));
	g->dir = xstrndup(dir, strlen(dir));
	if (!d) {
		snprintf(err, errsize, "cannot open '%s': %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > 4 && !strcmp(de->d_name + len - 4, ".scn")) {
			files = realloc(files, sizeof(char *) * (size_t)(n + 1));
			files[n++] = xstrndup(de->d_name, len);
		}
	}
	closedir(d);
	qsort(files, (size_t)n, sizeof(char *), by_name);
	for (int i = 0; i < n; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (ret == 0)
			ret = load_file(&p, g, path, path);
		free(files[i]);
	}
	free(files);
	if (ret == 0 && n == 0) {
		snprintf(err, errsize, "'%s' holds no scenario (*.scn)", dir);
		ret = -1;
	}
	if (ret == 0 && !g->programs) {
		snprintf(err, errsize, "%s: no 'programs' line names the programs to build", dir);
		ret = -1;
	}
	if (ret < 0)
		scenario_free(g);
	return ret;
}

static void free_step(struct step *st)
{
	free(st->proc);
	free_list(st->argv);
	free(st->in_text);
	free(st->text);
	free(st->hint);
	free(st->common);
	free(st->source);
	if (st->when) {
		free_step(st->when);
		free(st->when);
	}
	free_list(st->cond.syscalls);
	free(st->cond.path);
	free(st->cond.text);
	free(st->cond.other);
	free(st->cond.type);
}

void scenario_free(struct grader *g)
{
	for (int i = 0; i < g->ntests; i++) {
		struct test *t = &g->tests[i];

		for (int k = 0; k < t->nsteps; k++)
			free_step(&t->steps[k]);
		free(t->steps);
		free(t->id);
		free(t->title);
		free(t->file);
		free_list(t->tags);
	}
	free(g->tests);
	free(g->name);
	free(g->dir);
	free_list(g->programs);
	free_list(g->allow);
	for (int i = 0; g->deny && g->deny[i]; i++)
		free(g->deny_reason[i]);
	free(g->deny_reason);
	free_list(g->deny);
	memset(g, 0, sizeof(*g));
}

double grader_max_score(const struct grader *g, int hidden_too)
{
	double sum = 0;

	for (int i = 0; i < g->ntests; i++)
		if (hidden_too || !g->tests[i].hidden)
			sum += g->tests[i].points;
	return sum;
}
