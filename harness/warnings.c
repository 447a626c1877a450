/*
 * warnings: a compiler warning that may explain a failed test, tied to it.
 *
 * A warning costs no points and the report shows the build log once, at
 * the top, where a student skims past it. But "unused variable 'type'" in
 * msg_recv.c is often the very bug that failed the type-selection test:
 * the program read TYPE and never passed it on. So a warning of a kind
 * that usually means a logic error is also named under the first failed
 * test that ran the program it was found in (a shown test before a hidden
 * one), as a possibility, never as the cause: the cause is what the test
 * observed.
 *
 * Which program a warning belongs to is read from its file's name:
 * msg_recv.c is msg_recv's. A warning in a shared helper file is left in
 * the build log: naming a test for it would be a guess.
 */
#define _GNU_SOURCE
#include "warnings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the kinds that point at a bug rather than at style (gcc's -W names) */
static const char *const telling[] = {
	"unused-variable", "unused-but-set-variable", "unused-function", "unused-value",
	"uninitialized", "maybe-uninitialized", "implicit-function-declaration",
	"return-type", "int-conversion", "incompatible-pointer-types", "format=",
	"format", "format-overflow=", "format-truncation=", "parentheses",
	"sizeof-pointer-memaccess", "sizeof-pointer-div", "array-bounds",
	"stringop-overflow=", "misleading-indentation", "overflow",
	"int-to-pointer-cast", "pointer-to-int-cast", "builtin-declaration-mismatch",
	NULL
};

static int is_telling(const char *flag, size_t n)
{
	for (const char *const *k = telling; *k; k++)
		if (strlen(*k) == n && !memcmp(*k, flag, n))
			return 1;
	return 0;
}

/* the test runs the student's program PROG */
static int runs(const struct test *t, const char *prog)
{
	for (int i = 0; i < t->nsteps; i++)
		if (t->steps[i].kind == STEP_START && t->steps[i].pkind == PROC_STUDENT &&
		    !strcmp(t->steps[i].argv[0], prog))
			return 1;
	return 0;
}

static json_t *result_of(json_t *tests, const char *id)
{
	size_t i;
	json_t *tr;

	json_array_foreach(tests, i, tr)
		if (!strcmp(json_string_value(json_object_get(tr, "id")) ?: "", id))
			return tr;
	return NULL;
}

/* the failed test, shown ones first, that ran PROG; NULL if none */
static json_t *first_failed(json_t *tests, const struct grader *g, const char *prog)
{
	for (int hidden = 0; hidden <= 1; hidden++)
		for (int i = 0; i < g->ntests; i++) {
			json_t *tr;

			if (g->tests[i].hidden != hidden || !runs(&g->tests[i], prog))
				continue;
			tr = result_of(tests, g->tests[i].id);
			if (tr && !strcmp(json_string_value(json_object_get(tr, "status")) ?: "", "failed"))
				return tr;
		}
	return NULL;
}

/*
 * One line of gcc's log: "FILE.c:LINE:COL: warning: MESSAGE [-WFLAG]". On
 * a match, *prog is FILE's stem and *said "FILE.c:LINE: MESSAGE"; both
 * are the caller's to free.
 */
static int parse(const char *line, size_t n, char **prog, char **said)
{
	const char *w = memmem(line, n, ": warning: ", 11), *msg, *flag, *c1, *c2;
	size_t fn;

	if (!w || n < 5 || line[n - 1] != ']')
		return 0;
	flag = memmem(w, (size_t)(line + n - w), " [-W", 4);
	if (!flag || !is_telling(flag + 4, (size_t)(line + n - 1 - (flag + 4))))
		return 0;
	c1 = memchr(line, ':', (size_t)(w - line));
	if (!c1 || c1 - line < 3 || memcmp(c1 - 2, ".c", 2))
		return 0;
	c2 = memchr(c1 + 1, ':', (size_t)(w - c1 - 1));
	fn = (size_t)(c1 - line);
	for (size_t i = 0; i < fn; i++)
		if (line[i] == '/')	/* a file in a subdirectory: not a program's own */
			return 0;
	msg = w + 11;
	*prog = strndup(line, fn - 2);
	if (asprintf(said, "%.*s: %.*s", (int)((c2 ? c2 : w) - line), line,
		     (int)(flag - msg), msg) < 0)
		*said = NULL;
	if (!*prog || !*said) {
		free(*prog);
		free(*said);
		return 0;
	}
	return 1;
}

void warnings_tie(json_t *tests, const struct grader *g, const char *log)
{
	const char *p = log;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *prog, *said;
		json_t *tr, *list;

		if (parse(p, n, &prog, &said)) {
			tr = first_failed(tests, g, prog);
			if (tr) {
				list = json_object_get(tr, "warnings");
				if (!list) {
					list = json_array();
					json_object_set_new(tr, "warnings", list);
				}
				if (json_array_size(list) < 5)
					json_array_append_new(list, json_string(said));
			}
			free(prog);
			free(said);
		}
		p = nl ? nl + 1 : NULL;
	}
}
