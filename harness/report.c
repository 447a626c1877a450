/*
 * report: the renderers. Each format is one render_*() function that
 * writes into a memory stream; report_write() and report_write_file() only
 * move the finished bytes. Text that came from a student's program passes
 * through put_clean() before it reaches a terminal, an XML document or a
 * Markdown page (see report.h for what it replaces and why).
 */
#define _GNU_SOURCE
#include "html.h"
#include "report.h"
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <libxml/xmlwriter.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define REPLACEMENT "\xef\xbf\xbd"	/* U+FFFD */
#define HIDDEN_FEEDBACK "hidden test"
#define GRADER_ERROR "the grader itself failed on this test, not the submission; tell your instructor"

/* ---- reading the result: every field optional, see report.h ---- */

/* a string from the result, with its length (it may hold NUL) */
struct str {
	const char *s;
	size_t n;
};

static struct str str_of(const json_t *v)
{
	struct str r = { "", 0 };

	if (json_is_string(v)) {
		r.s = json_string_value(v);
		r.n = json_string_length(v);
	}
	return r;
}

static struct str get_str(const json_t *obj, const char *key)
{
	return str_of(json_object_get(obj, key));
}

static struct str mkstr(const char *s)
{
	struct str r = { s, strlen(s) };

	return r;
}

static int str_is(struct str s, const char *lit)
{
	return s.n == strlen(lit) && !memcmp(s.s, lit, s.n);
}

static double get_num(const json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

static int get_true(const json_t *obj, const char *key)
{
	return json_is_true(json_object_get(obj, key));
}

static int test_passed(const json_t *t)
{
	return str_is(get_str(t, "status"), "passed");
}

static int test_hidden(const json_t *t)
{
	return str_is(get_str(t, "visibility"), "hidden");
}

static int build_failed(const json_t *r)
{
	const json_t *status = json_object_get(json_object_get(r, "build"), "status");

	return status && !str_is(str_of(status), "ok");
}

static int build_warned(const json_t *r)
{
	return !build_failed(r) && get_true(json_object_get(r, "build"), "warnings");
}

/* the result's score or max_score; the sum over its tests if it has none */
static double total(const json_t *r, const char *key)
{
	const json_t *t;
	double sum = 0;
	size_t i;

	if (json_is_number(json_object_get(r, key)))
		return get_num(r, key);
	json_array_foreach(json_object_get(r, "tests"), i, t)
		sum += get_num(t, key);
	return sum;
}

static int all_passed(const json_t *r)
{
	const json_t *t;
	size_t i;

	json_array_foreach(json_object_get(r, "tests"), i, t)
		if (!test_passed(t))
			return 0;
	return !build_failed(r);
}

/* 7.5, 10, 0.25: at most three decimals, no trailing zeros */
static const char *fmt_num(double v, char buf[static 32])
{
	char *end;

	if (!(v > -1e15 && v < 1e15)) {
		snprintf(buf, 32, "%g", v);
		return buf;
	}
	snprintf(buf, 32, "%.3f", v);
	end = buf + strlen(buf);
	while (end[-1] == '0')
		*--end = '\0';
	if (end[-1] == '.')
		*--end = '\0';
	if (!strcmp(buf, "-0"))
		strcpy(buf, "0");
	return buf;
}

/* "2/2" */
static const char *fmt_points(const json_t *t, char buf[static 64])
{
	char a[32], b[32];

	snprintf(buf, 64, "%s/%s", fmt_num(get_num(t, "score"), a), fmt_num(get_num(t, "max_score"), b));
	return buf;
}

/* a test's duration: duration_ms, its real start to end; the time of its
 * last event is not one (a test may wait long after it), so without
 * duration_ms the time is unknown and shown as 0 */
static double test_seconds(const json_t *t)
{
	double ms = get_num(t, "duration_ms");

	return ms > 0 ? ms / 1000 : 0;
}

/* the first line of feedback that has anything on it */
static struct str first_line(struct str s)
{
	while (s.n && s.s[0] == '\n')
		s.s++, s.n--;
	if (memchr(s.s, '\n', s.n))
		s.n = (size_t)((const char *)memchr(s.s, '\n', s.n) - s.s);
	return s;
}

/* ---- text that came from a submission ---- */

/*
 * How put_clean() writes what it keeps. Every mode replaces what could
 * drive a terminal, break an XML document or fool a reader: C0 controls
 * (but tab, newline and, with keep_cr, carriage return) and DEL become
 * \xHH; C1 controls and the bidi overrides that make text read otherwise
 * than it is become \uHHHH; what XML 1.0 has no place for and bytes that
 * are not UTF-8 become U+FFFD.
 */
struct clean_mode {
	int keep_cr;
	const char *nl;		/* what a newline becomes; NULL: itself */
	const char *escape;	/* ASCII to backslash-escape (Markdown), or NULL */
	int html;		/* < > & " as entities (raw HTML in Markdown) */
};

#define MD_SPECIAL "\\`*_[]<>|~&$#!"

static const struct clean_mode term_text = { 0, NULL, NULL, 0 };
static const struct clean_mode term_line = { 0, " ", NULL, 0 };	/* a name, one line */
static const struct clean_mode xml_chars = { 1, NULL, NULL, 0 };
static const struct clean_mode md_cell = { 0, "<br>", MD_SPECIAL, 0 };
static const struct clean_mode md_line = { 0, " ", MD_SPECIAL, 0 };
static const struct clean_mode md_html = { 0, " ", NULL, 1 };

/* a backslash that put_clean() writes itself, escaped where that matters */
static void put_backslash(FILE *f, const struct clean_mode *mode)
{
	fputs(mode->escape ? "\\\\" : "\\", f);
}

static void put_clean(FILE *f, struct str s, const struct clean_mode *mode)
{
	const unsigned char *p = (const unsigned char *)s.s, *end = p + s.n;

	while (p < end) {
		uint32_t cp;
		size_t len = utf8_decode(p, (size_t)(end - p), &cp);

		if (!len) {
			fputs(REPLACEMENT, f);
			len = 1;
		} else if (cp == '\n') {
			fputs(mode->nl ? mode->nl : "\n", f);
		} else if (cp == '\t' || (cp == '\r' && mode->keep_cr)) {
			fputc((int)cp, f);
		} else if (cp < 0x20 || cp == 0x7f) {
			put_backslash(f, mode);
			fprintf(f, "x%02x", (unsigned)cp);
		} else if ((cp >= 0x80 && cp < 0xa0) || (cp >= 0x202a && cp <= 0x202e) ||
			   (cp >= 0x2066 && cp <= 0x2069)) {
			put_backslash(f, mode);
			fprintf(f, "u%04x", (unsigned)cp);
		} else if (cp == 0xfffe || cp == 0xffff) {
			fputs(REPLACEMENT, f);
		} else if (mode->html && (cp == '<' || cp == '>' || cp == '&' || cp == '"')) {
			fputs(cp == '<' ? "&lt;" : cp == '>' ? "&gt;" : cp == '&' ? "&amp;" : "&quot;", f);
		} else if (cp < 0x80 && mode->escape && strchr(mode->escape, (int)cp)) {
			fprintf(f, "\\%c", (int)cp);
		} else {
			fwrite(p, 1, len, f);
		}
		p += len;
	}
}

/* put_clean() into a new NUL-terminated string; NULL (ENOMEM) on failure */
static char *clean_dup(struct str s, const struct clean_mode *mode)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	int bad;

	if (!m)
		return NULL;
	put_clean(m, s, mode);
	bad = ferror(m);
	if (fclose(m) == EOF || bad) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	return buf;
}

/* the lines of s cleaned, the first after first, the others after rest */
static void put_lines(FILE *f, struct str s, const char *first, const char *rest)
{
	const char *prefix = first;

	while (s.n) {
		const char *nl = memchr(s.s, '\n', s.n);
		struct str line = { s.s, nl ? (size_t)(nl - s.s) : s.n };
		size_t plen = strlen(prefix);

		while (!line.n && plen && prefix[plen - 1] == ' ')
			plen--;	/* an empty line gets no trailing blanks */
		fwrite(prefix, 1, plen, f);
		put_clean(f, line, &term_text);
		fputc('\n', f);
		s.s += line.n + !!nl;
		s.n -= line.n + !!nl;
		prefix = rest;
	}
}

static void put_indented(FILE *f, struct str s, const char *indent)
{
	put_lines(f, s, indent, indent);
}

/* ---- isolation, in words: one table for every format ---- */

static const struct iso_item {
	const char *key;
	const char *on;		/* said when true; NULL: only its absence is news */
	const char *off;	/* said when not true */
	const char *calm;	/* off, said calmly to a student; NULL: off is calm */
	int required;		/* without it a result cannot be trusted */
} iso_items[] = {
	{ "userns", "user namespace", "NO USER NAMESPACE", "no user namespace", 1 },
	{ "seccomp", "seccomp", "NO SECCOMP FILTER", "no seccomp filter", 1 },
	{ "pidns", NULL, "no pid namespace", NULL, 0 },
	{ "mountns", NULL, "no mount namespace", NULL, 0 },
	{ "ipcns", NULL, "no ipc namespace", NULL, 0 },
	{ "netns", NULL, "no network namespace", NULL, 0 },
	{ "utsns", NULL, "no uts namespace", NULL, 0 },
	{ "cgroupns", NULL, "no cgroup namespace", NULL, 0 },
};

/* the submission ran without what the grading relies on */
static int isolation_weak(const json_t *r)
{
	const json_t *iso = json_object_get(r, "isolation");

	for (size_t i = 0; i < ARRAY_SIZE(iso_items); i++)
		if (iso_items[i].required && !get_true(iso, iso_items[i].key))
			return 1;
	return 0;
}

/* "user namespace, seccomp, cgroup v1" */
static void put_isolation(FILE *f, const json_t *r, const struct clean_mode *mode)
{
	const json_t *iso = json_object_get(r, "isolation");
	struct str cgroup = get_str(iso, "cgroup");
	const char *sep = "";

	if (!json_object_size(iso)) {
		fputs("NOT REPORTED", f);
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(iso_items); i++) {
		const struct iso_item *it = &iso_items[i];
		const char *word = get_true(iso, it->key) ? it->on :
				   it->required || json_is_false(json_object_get(iso, it->key)) ? it->off : NULL;

		if (word) {
			fprintf(f, "%s%s", sep, word);
			sep = ", ";
		}
	}
	if (str_is(cgroup, "none")) {
		fprintf(f, "%sno cgroup (rlimits only)", sep);
	} else if (cgroup.n) {
		fprintf(f, "%scgroup ", sep);
		put_clean(f, cgroup, mode);
	}
}

/* ---- the student's view: grader internals out, each cause said once ---- */

/*
 * The length of a match of pat at s (n bytes), or 0: '#' in pat stands
 * for one or more digits, every other character for itself.
 */
static size_t match_at(const char *s, size_t n, const char *pat)
{
	size_t i = 0;

	for (; *pat; pat++) {
		if (*pat == '#') {
			size_t start = i;

			while (i < n && s[i] >= '0' && s[i] <= '9')
				i++;
			if (i == start)
				return 0;
		} else if (i < n && s[i] == *pat) {
			i++;
		} else {
			return 0;
		}
	}
	return i;
}

/* the length of a scenario's "PATH.scn:LINE" at s (no blank in it), or 0 */
static size_t scn_ref(const char *s, size_t n)
{
	for (size_t i = 1; i < n && !strchr(" \n()", s[i]) && s[i]; i++) {
		size_t m = match_at(s + i, n - i, ".scn:#");

		if (m)
			return i + m;
	}
	return 0;
}

/* "pipe 214118 is held by", "FIFO 38 is held by": an inode means nothing to a student */
static const char *const held_by[] = { "pipe # is held by", "FIFO # is held by" };

/* how many different inodes s names in the held_by[] form (up to 2: one or several) */
static int count_inodes(struct str s)
{
	struct str first = { NULL, 0 };

	for (size_t i = 0; i < s.n; i++) {
		for (size_t k = 0; k < ARRAY_SIZE(held_by); k++) {
			size_t m = match_at(s.s + i, s.n - i, held_by[k]);
			struct str ino = { s.s + i + 5, m ? m - 5 - strlen(" is held by") : 0 };

			if (!m)
				continue;
			if (!first.s)
				first = ino;
			else if (first.n != ino.n || memcmp(first.s, ino.s, ino.n))
				return 2;
		}
	}
	return first.s ? 1 : 0;
}

/*
 * s without what only a grader's author can use: a leading "PATH.scn:LINE: "
 * on a line and a " (PATH.scn:LINE)" (the failing step in the scenario),
 * " (pid N in the box)" and a list ": pid N in the box, pid M in the box",
 * and the inode of "pipe N is held by", which
 * becomes "the pipe" (or "a pipe" when several are named). Everything
 * else is kept byte for byte, NUL included. Appends to out.
 */
static void student_text(struct str s, struct strbuf *out)
{
	int inodes = count_inodes(s), bol = 1;
	size_t i = 0, m;

	while (i < s.n) {
		const char *p = s.s + i;
		size_t n = s.n - i;

		if (bol && (m = scn_ref(p, n)) && match_at(p + m, n - m, ": ")) {
			i += m + 2;
		} else if (match_at(p, n, " (") && (m = scn_ref(p + 2, n - 2)) &&
			   match_at(p + 2 + m, n - 2 - m, ")")) {
			i += m + 3;
		} else if ((m = match_at(p, n, " (pid # in the box)")) || (m = match_at(p, n, ", pid # in the box")) ||
			   (m = match_at(p, n, ": pid # in the box"))) {
			i += m;	/* "has 2 child processes where one was expected: pid 4 in the box, ..." */
		} else if ((m = match_at(p, n, held_by[0])) || (m = match_at(p, n, held_by[1]))) {
			sb_addf(out, "%s %.4s is held by", inodes == 1 ? "the" : "a", p);
			i += m;
		} else {
			sb_add(out, p, 1);
			bol = *p == '\n';
			i++;
			continue;
		}
		bol = 0;
	}
	sb_add(out, "", 0);
}

/* what explains a failed test, as its result says it */
enum cause_kind {
	CAUSE_NONE,
	CAUSE_NOT_RUN,		/* a program did not build: the build log says why */
	CAUSE_NOT_CHECKED,	/* an earlier cause kept the test from its check */
	CAUSE_FIELD,		/* tests[].cause */
	CAUSE_WHY,		/* the "Why: " line of a feedback that has no cause field */
};

struct tinfo {
	const json_t *t;
	int number;		/* its place in tests[], from 1: how reports name it */
	int shown;		/* this report shows it (a hidden test needs --hidden) */
	int failed;		/* shown, failed, and not the grader's fault */
	struct strbuf text;	/* the feedback as this report shows it */
	enum cause_kind kind;
	struct strbuf cause;
	int group;		/* into view.groups, or -1 */
};

struct group {
	struct str cause;	/* its first test's */
	struct str fix;		/* the first fix any of its tests gives */
	int first;		/* its first test, the one that tells the whole story */
	int ntests;
	double lost;		/* the points its tests lost */
	int rank;		/* its place in the summary from 1; 0: not in it */
};

/* the summary names at most this many causes; more would not be a summary */
#define SUMMARY_MAX 3

struct view {
	const struct report_options *opt;
	struct tinfo *tests;
	size_t n;
	struct group *groups;
	int ngroups;
	int nfailed;		/* failed tests shown */
	int nsummary;		/* groups in the summary */
};

/* the program of "PROG did not build" ("not run: " before it or not) at s */
static struct str not_built(struct str s)
{
	struct str prog = { NULL, 0 };
	size_t m = match_at(s.s, s.n, "not run: ");
	const char *end;

	s.s += m;
	s.n -= m;
	end = memchr(s.s, ' ', s.n);
	if (end && end > s.s && match_at(end, s.n - (size_t)(end - s.s), " did not build")) {
		prog.s = s.s;
		prog.n = (size_t)(end - s.s);
	}
	return prog;
}

/* the first line of s that starts with prefix; *at is where it starts */
static struct str line_starting(struct str s, const char *prefix, size_t *at)
{
	size_t i = 0;

	while (i < s.n) {
		const char *nl = memchr(s.s + i, '\n', s.n - i);
		size_t end = nl ? (size_t)(nl - s.s) : s.n;

		if (match_at(s.s + i, end - i, prefix)) {
			*at = i;
			return (struct str){ s.s + i, end - i };
		}
		i = end + 1;
	}
	return (struct str){ NULL, 0 };
}

/* s without the spaces and the full stop it ends with */
static struct str trim_end(struct str s)
{
	while (s.n && (s.s[s.n - 1] == '.' || s.s[s.n - 1] == ' ' || s.s[s.n - 1] == '\n'))
		s.n--;
	return s;
}

/*
 * A failure's text, less what says its cause or fix again: the engine
 * tells the whole story of the step ("We stopped waiting early: <cause>",
 * "Hint: <fix>"), and the report gives cause and fix once, in the summary
 * or right after the text.
 */
static void add_facts(struct strbuf *out, struct str text, struct str cause, struct str fix)
{
	size_t i = 0;

	cause = trim_end(cause);
	fix = trim_end(fix);
	while (i < text.n) {
		const char *nl = memchr(text.s + i, '\n', text.n - i);
		size_t end = nl ? (size_t)(nl - text.s) : text.n;
		struct str line = { text.s + i, end - i }, body = line;

		while (body.n && body.s[0] == ' ')
			body.s++, body.n--;
		i = end + 1;
		if (cause.n > 20 && memmem(line.s, line.n, cause.s, cause.n))
			continue;
		if (fix.n && match_at(body.s, body.n, "Hint: ")) {
			struct str hint = trim_end((struct str){ body.s + 6, body.n - 6 });

			if (hint.n == fix.n && !memcmp(hint.s, fix.s, fix.n))
				continue;
		}
		sb_add(out, line.s, line.n);
		sb_add(out, "\n", 1);
	}
}

static struct str sb_view(const struct strbuf *sb)
{
	return (struct str){ sb->buf ? sb->buf : "", sb->len };
}

/*
 * Why a wait stopped before its deadline is said in full once; a later
 * test says it in a few words ("We stopped waiting after 0.01 s: nothing
 * could change any more."), so that no report repeats the paragraph.
 */
static void shorten_said(struct strbuf *text, int *said)
{
	/* engine.c's words (with or without its clause on the test's CPU load) */
	static const char head[] = "Nothing could change any more (every process left was waiting for another";
	static const char then[] = "), so we stopped waiting after ";
	char *at = text->buf ? strstr(text->buf, head) : NULL, *num, *end;
	struct strbuf out = { 0 };

	if (!at || (at != text->buf && at[-1] != '\n') || !(num = strstr(at, then)) ||
	    memchr(at, '\n', (size_t)(num - at)))
		return;
	if (!*said) {
		*said = 1;
		return;
	}
	num += sizeof(then) - 1;
	end = strchr(num, '\n');
	end = end ? end : num + strlen(num);
	sb_add(&out, text->buf, (size_t)(at - text->buf));
	sb_addf(&out, "We stopped waiting after %.*s s: nothing could change any more.",
		(int)strcspn(num, " "), num);
	sb_add(&out, end, strlen(end));
	sb_release(text);
	*text = out;
}

static void classify(struct tinfo *ti, const struct report_options *opt)
{
	const json_t *nc = json_object_get(ti->t, "not_checked");
	struct str fb = get_str(ti->t, "feedback"), prog = not_built(first_line(fb)), why;
	size_t at;

	if (opt->debug) {
		sb_add(&ti->text, fb.s, fb.n);
		sb_add(&ti->text, "", 0);
	} else {
		student_text(fb, &ti->text);
	}
	why = line_starting(sb_view(&ti->text), "Why: ", &at);
	if (get_str(nc, "cause").n) {
		ti->kind = get_true(nc, "build") ? CAUSE_NOT_RUN : CAUSE_NOT_CHECKED;
		sb_add(&ti->cause, get_str(nc, "cause").s, get_str(nc, "cause").n);
	} else if (prog.n) {
		ti->kind = CAUSE_NOT_RUN;
		sb_addf(&ti->cause, "%.*s did not build", (int)prog.n, prog.s);
	} else if (get_str(ti->t, "cause").n) {
		ti->kind = CAUSE_FIELD;
		sb_add(&ti->cause, get_str(ti->t, "cause").s, get_str(ti->t, "cause").n);
	} else if (why.n > 5) {
		ti->kind = CAUSE_WHY;
		sb_add(&ti->cause, why.s + 5, why.n - 5);
	}
	sb_add(&ti->cause, "", 0);
}

static int same_str(struct str a, struct str b)
{
	return a.n == b.n && !memcmp(a.s, b.s, a.n);
}

/*
 * Two causes that differ only in their numbers are one cause said with
 * other values ("bad message from a child: 18" and "...: 27"): the
 * student has one thing to fix, so the report says it once.
 */
static int same_shape(struct str a, struct str b)
{
	size_t i = 0, j = 0;

	while (i < a.n && j < b.n) {
		int da = a.s[i] >= '0' && a.s[i] <= '9', db = b.s[j] >= '0' && b.s[j] <= '9';

		if (da && db) {
			while (i < a.n && a.s[i] >= '0' && a.s[i] <= '9')
				i++;
			while (j < b.n && b.s[j] >= '0' && b.s[j] <= '9')
				j++;
			continue;
		}
		if (a.s[i] != b.s[j])
			return 0;
		i++, j++;
	}
	return i == a.n && j == b.n;
}

/* the test whose id is id, or -1 */
static int find_test(const struct view *v, struct str id)
{
	for (size_t i = 0; id.n && i < v->n; i++)
		if (same_str(get_str(v->tests[i].t, "id"), id))
			return (int)i;
	return -1;
}

static void join_group(struct view *v, size_t i, int g)
{
	struct tinfo *ti = &v->tests[i];

	if (g < 0) {
		g = v->ngroups++;
		v->groups[g] = (struct group){ .cause = sb_view(&ti->cause), .first = (int)i };
	}
	ti->group = g;
	v->groups[g].ntests++;
	v->groups[g].lost += get_num(ti->t, "max_score") - get_num(ti->t, "score");
	if (!v->groups[g].fix.n)
		v->groups[g].fix = get_str(ti->t, "fix");
}

/*
 * Tests with one cause form a group: the same cause text (numbers aside),
 * or a test not checked because of another test's cause joins that test. Tests that
 * tell their own story go first, so that a group's first test is one.
 */
static void group_tests(struct view *v)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < v->n; i++) {
			struct tinfo *ti = &v->tests[i];
			int g = -1, j;

			if (!ti->failed || ti->kind == CAUSE_NONE || (ti->kind == CAUSE_NOT_CHECKED) != pass)
				continue;
			j = pass ? find_test(v, get_str(json_object_get(ti->t, "not_checked"), "test")) : -1;
			if (j >= 0 && v->tests[j].group >= 0)
				g = v->tests[j].group;
			for (int k = 0; g < 0 && k < v->ngroups; k++)
				if (same_shape(v->groups[k].cause, sb_view(&ti->cause)))
					g = k;
			join_group(v, i, g);
		}
	}
	/*
	 * The summary: the causes that explain the most tests; among equals
	 * those that cost the most points, then the earliest.
	 */
	for (v->nsummary = 0; v->nsummary < SUMMARY_MAX; v->nsummary++) {
		struct group *best = NULL;

		for (int k = 0; k < v->ngroups; k++) {
			const struct group *c = &v->groups[k];

			if (!c->rank && (!best || c->ntests > best->ntests ||
					 (c->ntests == best->ntests && c->lost > best->lost)))
				best = &v->groups[k];
		}
		if (!best)
			break;
		best->rank = v->nsummary + 1;
	}
}

static void view_free(struct view *v)
{
	for (size_t i = 0; i < v->n; i++) {
		sb_release(&v->tests[i].text);
		sb_release(&v->tests[i].cause);
	}
	free(v->tests);
	free(v->groups);
}

static int view_make(struct view *v, const json_t *r, const struct report_options *opt)
{
	const json_t *tests = json_object_get(r, "tests"), *t;
	size_t i;
	int said_stopped = 0;

	memset(v, 0, sizeof(*v));
	v->opt = opt;
	v->n = json_array_size(tests);
	v->tests = calloc(v->n + 1, sizeof(*v->tests));
	v->groups = calloc(v->n + 1, sizeof(*v->groups));
	if (!v->tests || !v->groups) {
		view_free(v);
		errno = ENOMEM;
		return -1;
	}
	json_array_foreach(tests, i, t) {
		struct tinfo *ti = &v->tests[i];

		ti->t = t;
		ti->number = (int)i + 1;
		ti->group = -1;
		ti->shown = !test_hidden(t) || opt->show_hidden;
		ti->failed = ti->shown && !test_passed(t) && !get_true(t, "harness_error");
		v->nfailed += ti->failed;
		classify(ti, opt);
	}
	group_tests(v);
	/* in the order printed, among the tests that tell their whole story */
	for (i = 0; i < v->n && !opt->debug; i++)
		if (v->tests[i].failed && (v->tests[i].group < 0 || v->groups[v->tests[i].group].first == (int)i))
			shorten_said(&v->tests[i].text, &said_stopped);
	return 0;
}

/* "test 3", "tests 1, 4, 5": the tests of group g */
static void put_group_tests(struct strbuf *sb, const struct view *v, int g)
{
	int seen = 0;

	sb_addf(sb, "test%s ", v->groups[g].ntests == 1 ? "" : "s");
	for (size_t i = 0; i < v->n; i++)
		if (v->tests[i].group == g)
			sb_addf(sb, "%s%d", seen++ ? ", " : "", v->tests[i].number);
}

/*
 * The body of a failed, shown test as a student reads it: a cause already
 * given is named in one line (returns 1), or the feedback with its "Why: "
 * referring to the summary or to the test that gave it first (returns 0).
 */
static int told_body(const struct view *v, const struct tinfo *ti, struct strbuf *out)
{
	const struct group *g = ti->group >= 0 ? &v->groups[ti->group] : NULL;
	const struct tinfo *first = g ? &v->tests[g->first] : NULL;
	struct str text = sb_view(&ti->text), why;
	size_t at;

	out->len = 0;
	sb_add(out, "", 0);
	if (!g || v->opt->debug) {
		sb_add(out, text.s, text.n);
		return 0;
	}
	switch (ti->kind) {
	case CAUSE_NOT_RUN:
		sb_addf(out, "not run: %s", ti->cause.buf);
		return 1;
	case CAUSE_NOT_CHECKED:
		/* the cause once: in the summary, or here */
		if (first != ti && g->rank) {
			sb_addf(out, "not checked: it stopped where test %d failed, for the cause given at the top",
				first->number);
			return 1;
		}
		if (first != ti)
			sb_addf(out, "not checked because of test %d: ", first->number);
		else
			sb_addf(out, "not checked: ");
		sb_add(out, ti->cause.buf, ti->cause.len);
		return 1;
	case CAUSE_FIELD:
		if (first != ti && g->rank) {
			sb_addf(out, "same cause as test %d, given at the top", first->number);
			return 1;
		} else if (first != ti) {
			sb_addf(out, "same cause as test %d: ", first->number);
			sb_add(out, ti->cause.buf, ti->cause.len);
			return 1;
		}
		add_facts(out, text, sb_view(&ti->cause), g->fix);
		if (g->rank) {
			sb_addf(out, "%s: see the summary at the top.", g->fix.n ? "Cause and fix" : "Cause");
			return 0;
		}
		sb_add(out, "Cause: ", strlen("Cause: "));
		sb_add(out, ti->cause.buf, ti->cause.len);
		if (g->fix.n) {
			sb_add(out, "\nFix: ", strlen("\nFix: "));
			sb_add(out, g->fix.s, g->fix.n);
		}
		return 0;
	case CAUSE_WHY:
		why = line_starting(text, "Why: ", &at);
		sb_add(out, text.s, at);
		if (g->rank)
			sb_addf(out, "Why: see the summary at the top.");
		else if (first != ti)
			sb_addf(out, "Why: the same as for test %d.", first->number);
		else
			sb_add(out, why.s, why.n);
		sb_add(out, why.s + why.n, text.n - at - why.n);
		return 0;
	case CAUSE_NONE:
		break;
	}
	sb_add(out, text.s, text.n);
	return 0;
}

/* the body, and the compiler's warnings that the grading tied to the test
 * (harness/warnings.c): said once, as a possibility */
static int test_body(const struct view *v, const struct tinfo *ti, struct strbuf *out)
{
	const json_t *list = json_object_get(ti->t, "warnings"), *w;
	int one_line = told_body(v, ti, out);
	size_t i;

	if (!json_array_size(list))
		return one_line;
	if (out->len && out->buf[out->len - 1] != '\n')
		sb_add(out, "\n", 1);
	sb_addf(out, "The compiler warned about this program, which may be why:");
	json_array_foreach(list, i, w)
		sb_addf(out, "\n  %s", json_string_value(w) ?: "");
	return 0;
}

/* ---- prose: wrapped for a reader, safe for Markdown ---- */

#define WRAP_WIDTH 100

static size_t code_points(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += ((unsigned char)s[i] & 0xc0) != 0x80;
	return k;
}

/*
 * A word may start a Markdown line only if it cannot start a list, a
 * heading, a quote or a setext underline there.
 */
static int md_may_start_line(const char *word)
{
	return !strchr("-+=*#>|0123456789", word[0]);
}

/*
 * s (one line, already cleaned for its format) wrapped at WRAP_WIDTH code
 * points: the first line after first, the others after rest. A word longer
 * than a line gets a line of its own.
 */
static void put_wrapped(FILE *f, const char *s, const char *first, const char *rest, int md)
{
	const char *prefix = first;
	size_t col;

	while (*s == ' ')
		s++;
	while (*s) {
		const char *end, *brk = NULL;

		col = code_points(prefix, strlen(prefix));
		for (end = s; *end; end++) {
			if (*end == ' ' && end[1] && end[1] != ' ' && (!md || md_may_start_line(end + 1))) {
				if (col <= WRAP_WIDTH || !brk)
					brk = end;
				if (col > WRAP_WIDTH)
					break;
			}
			col += ((unsigned char)*end & 0xc0) != 0x80;
		}
		if (!*end && (col <= WRAP_WIDTH || !brk))
			brk = end;
		fputs(prefix, f);
		fwrite(s, 1, (size_t)(brk - s), f);
		fputc('\n', f);
		s = brk;
		while (*s == ' ')
			s++;
		prefix = rest;
	}
}

/* ---- what every student format says the same way ---- */

/*
 * How the summary introduces its cause of rank (from 1): 'a' all failures
 * have one cause, 'm' most have, 'l' a plain list.
 */
static int summary_form(const struct view *v)
{
	const struct group *top = NULL;

	for (int k = 0; k < v->ngroups; k++)
		if (v->groups[k].rank == 1)
			top = &v->groups[k];
	if (v->nsummary == 1 && top->ntests == v->nfailed)
		return 'a';
	return top->ntests >= 2 && top->ntests * 2 > v->nfailed ? 'm' : 'l';
}

/* "Most failures (tests 1, 4, 5) have one cause: " and its kin */
static void summary_label(struct strbuf *sb, const struct view *v, int g, int md)
{
	const char *b = md ? "**" : "";
	int rank = v->groups[g].rank, form = summary_form(v);

	if (form == 'l') {
		put_group_tests(sb, v, g);
		sb_add(sb, ": ", 2);
		return;
	}
	sb_addf(sb, "%s%s (", b, form == 'a' && v->nfailed == 1 ? "The failure" : form == 'a' ? "All failures" :
		rank == 1 ? "Most failures" : "Another cause");
	put_group_tests(sb, v, g);
	sb_addf(sb, ")%s%s ", rank == 1 ? (v->nfailed == 1 ? " has one cause:" : " have one cause:") : ":", b);
}

/* a summary paragraph, cleaned for its format: wrapped, a list item's or not */
static void put_para(FILE *f, struct strbuf *sb, int md, int item, int first)
{
	put_wrapped(f, sb_str(sb), item && first ? "- " : item ? "  " : "", item ? "  " : "", md);
	if (md)
		fputc('\n', f);
}

/*
 * The summary: the (at most SUMMARY_MAX) causes that explain the most
 * failed tests, each with its tests and its fix, then the failed tests it
 * leaves to their own feedback. Returns 1 if it wrote anything, -1 on
 * failure.
 */
static int put_summary(FILE *f, const struct view *v, int md)
{
	const struct clean_mode *mode = md ? &md_line : &term_line;
	struct strbuf sb = { 0 };
	int covered = 0, list, others = 0;
	char *s;

	if (!v->nsummary)
		return 0;
	list = summary_form(v) == 'l';
	if (list)
		fputs(md ? "**The causes found:**\n\n" : "The causes found:\n", f);
	for (int rank = 1; rank <= v->nsummary; rank++) {
		int g = 0;

		while (v->groups[g].rank != rank)
			g++;
		sb.len = 0;
		summary_label(&sb, v, g, md);
		if (!(s = clean_dup(v->groups[g].cause, mode)))
			goto fail;
		sb_addf(&sb, "%s", s);
		free(s);
		put_para(f, &sb, md, list, 1);
		if (v->groups[g].fix.n) {
			if (!(s = clean_dup(v->groups[g].fix, mode)))
				goto fail;
			sb.len = 0;
			sb_addf(&sb, "Fix: %s", s);
			free(s);
			if (!list && !md)
				put_wrapped(f, sb_str(&sb), "    ", "    ", md);
			else
				put_para(f, &sb, md, list, 0);
		}
		covered += v->groups[g].ntests;
	}
	if (covered < v->nfailed) {
		sb.len = 0;
		sb_addf(&sb, "Test%s ", v->nfailed - covered == 1 ? "" : "s");
		for (size_t i = 0; i < v->n; i++) {
			const struct tinfo *ti = &v->tests[i];

			if (ti->failed && (ti->group < 0 || !v->groups[ti->group].rank))
				sb_addf(&sb, "%s%d", !others++ ? "" : others == v->nfailed - covered ? " and " : ", ",
					ti->number);
		}
		sb_addf(&sb, " failed for %s, given below.",
			v->nfailed - covered == 1 ? "another reason" : "other reasons");
		put_para(f, &sb, md, 0, 0);
	}
	sb_release(&sb);
	return 1;
fail:
	sb_release(&sb);
	return -1;
}

/* "1 hidden test (1 point) is not run here", for a check that leaves them out */
static int hidden_not_run(const json_t *r, char *buf, size_t size)
{
	const json_t *h = json_object_get(r, "hidden_not_run");
	double count = get_num(h, "count"), points = get_num(h, "points");
	char p[32];

	if (!(count >= 1))
		return 0;
	snprintf(buf, size, "%.0f hidden test%s (%s point%s) %s not run here", count, count == 1 ? "" : "s",
		 fmt_num(points, p), points == 1 ? "" : "s", count == 1 ? "is" : "are");
	return 1;
}

/* ---- TEXT ---- */

struct style {
	const char *pass, *fail, *bold, *loud, *off;
};

static const struct style plain_style = { "", "", "", "", "" };
static const struct style color_style = { "\033[32m", "\033[31m", "\033[1m", "\033[1;31m", "\033[0m" };

static void text_build(FILE *f, const json_t *r, const struct style *st)
{
	struct str output = get_str(json_object_get(r, "build"), "output");

	if (build_failed(r)) {
		fprintf(f, "%sbuild failed%s%s\n", st->fail, st->off,
			output.n ? "; the compiler said:" : " (the compiler said nothing)");
		put_indented(f, output, "    ");
		fputc('\n', f);
	} else if (build_warned(r) && output.n) {
		fprintf(f, "the build gave warnings (they cost no points):\n");
		put_indented(f, output, "    ");
		fputc('\n', f);
	}
}

static void text_timeline(FILE *f, const json_t *t)
{
	const json_t *events = json_object_get(t, "events"), *e;
	size_t i;

	if (!json_array_size(events))
		return;
	fprintf(f, "    timeline:\n");
	json_array_foreach(events, i, e) {
		char ms[32], first[64];

		snprintf(first, sizeof(first), "    %8s ms  ", fmt_num(get_num(e, "t_ms"), ms));
		if (get_str(e, "text").n)
			put_lines(f, get_str(e, "text"), first, "                   ");
		else
			fprintf(f, "%.*s\n", (int)strlen(first) - 2, first);
	}
}

/* --debug: a step in the grader's words, "FILE:LINE TEXT" */
static void text_step(FILE *f, const char *what, const json_t *step)
{
	if (!get_str(step, "file").n && !get_str(step, "text").n)
		return;
	fprintf(f, "    debug: %s ", what);
	put_clean(f, get_str(step, "file"), &term_line);
	if (json_is_number(json_object_get(step, "line")))
		fprintf(f, ":%.0f", get_num(step, "line"));
	fputc(' ', f);
	put_clean(f, get_str(step, "text"), &term_line);
	fputc('\n', f);
}

/* --debug: what the result keeps for the grader's author, field by field */
static void text_debug(FILE *f, const json_t *t)
{
	static const char *const fields[] = { "id", "cause", "fix" };
	const json_t *nc = json_object_get(t, "not_checked");

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		char prefix[32];

		snprintf(prefix, sizeof(prefix), "    debug: %s ", fields[i]);
		put_lines(f, get_str(t, fields[i]), prefix, "        ");
	}
	text_step(f, "step", json_object_get(t, "step"));
	put_lines(f, get_str(nc, "cause"), "    debug: not checked because ", "        ");
	put_lines(f, get_str(nc, "test"), "    debug: not checked because of test ", "        ");
	text_step(f, "step not reached", json_object_get(nc, "step"));
	/* which deadline the failed wait had, and why (docs/scenarios.md, "Deadlines") */
	if (json_is_object(json_object_get(t, "deadline"))) {
		const json_t *dl = json_object_get(t, "deadline");

		fprintf(f, "    debug: deadline %.0f ms (", get_num(dl, "ms"));
		put_clean(f, get_str(dl, "source"), &term_line);
		fprintf(f, "; the scenario's %.0f ms", get_num(dl, "scenario_ms"));
		if (json_is_number(json_object_get(dl, "reference_ms")))
			fprintf(f, ", the reference's time %.0f ms", get_num(dl, "reference_ms"));
		fprintf(f, ")\n");
	}
	put_lines(f, get_str(t, "debug"), "    debug: ", "    debug: ");
}

static void text_test(FILE *f, const struct view *v, const struct tinfo *ti, int width,
		      struct strbuf *body, const struct style *st)
{
	const json_t *t = ti->t;
	int ok = test_passed(t);
	char points[64];

	fprintf(f, "%s%s%s  %*s  %*d. ", ok ? st->pass : st->fail, ok ? "PASS" : "FAIL", st->off,
		width, fmt_points(t, points), v->n >= 10 ? 2 : 1, ti->number);
	put_clean(f, get_str(t, "name"), &term_line);
	fprintf(f, "%s%s", test_hidden(t) ? "  (hidden)" : "",
		get_true(t, "harness_error") ? "  (grader error)" : "");
	/* --repeat: how many of the disturbed runs passed (docs/races.md) */
	if (json_is_object(json_object_get(t, "repeat")))
		fprintf(f, "  (passed %.0f of %.0f runs)", get_num(json_object_get(t, "repeat"), "passed"),
			get_num(json_object_get(t, "repeat"), "runs"));
	fputc('\n', f);
	if (ok && !v->opt->debug)
		return;
	if (get_true(t, "harness_error"))
		fprintf(f, "    %s\n", GRADER_ERROR);
	test_body(v, ti, body);
	put_indented(f, sb_view(body), "    ");
	if (v->opt->debug)
		text_debug(f, t);
	if (!ok && (v->opt->verbose || v->opt->debug))
		text_timeline(f, t);
}

/* the tests this report shows; *hidden counts those it leaves out */
static int shown(const json_t *t, const struct report_options *opt, int *hidden)
{
	if (test_hidden(t) && !opt->show_hidden) {
		++*hidden;
		return 0;
	}
	return 1;
}

/* how wide the points column must be for the tests shown */
static int points_width(const json_t *r, const struct report_options *opt)
{
	const json_t *t;
	int width = 0, hidden = 0;
	size_t i;

	json_array_foreach(json_object_get(r, "tests"), i, t) {
		char points[64];

		if (shown(t, opt, &hidden) && (int)strlen(fmt_points(t, points)) > width)
			width = (int)strlen(points);
	}
	return width;
}

static void text_violations(FILE *f, const json_t *r, const struct style *st)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(r, "violations"), i, v) {
		struct str program = get_str(v, "program"), detail = get_str(v, "detail");

		fprintf(f, "%sforbidden system call%s: ", st->fail, st->off);
		put_clean(f, program.n ? program : mkstr("a program"), &term_line);
		fputs(" called ", f);
		put_clean(f, detail.n ? detail : get_str(v, "syscall"), &term_line);
		fputs(", which this lab does not allow\n", f);
	}
}

static void text_isolation(FILE *f, const json_t *r, const struct style *st)
{
	const json_t *note;
	size_t i;

	if (isolation_weak(r)) {
		/* calm words: the verdicts are as trustworthy as in a box (the
		 * same scenarios, the same observations); what is weaker is how
		 * well the machine was protected from the programs */
		fprintf(f, "%sisolation: weaker than a box: ", st->loud);
		put_isolation(f, r, &term_line);
		fprintf(f, "; graded the same way, but the programs were less contained%s\n",
			st->off);
	} else {
		fputs("isolation: ", f);
		put_isolation(f, r, &term_line);
		fputc('\n', f);
	}
	json_array_foreach(json_object_get(json_object_get(r, "isolation"), "notes"), i, note) {
		fputs("    note: ", f);
		put_clean(f, str_of(note), &term_line);
		fputc('\n', f);
	}
}

static int render_text(const json_t *r, const struct report_options *opt, FILE *f)
{
	const struct style *st = opt->color ? &color_style : &plain_style;
	int width = points_width(r, opt), hidden = 0, ret;
	struct strbuf body = { 0 };
	struct view v;
	char a[32], b[32], line[128];

	if (view_make(&v, r, opt) < 0)
		return -1;
	fputs(st->bold, f);
	put_clean(f, get_str(r, "assignment"), &term_line);
	fputs(": ", f);
	put_clean(f, get_str(r, "submission"), &term_line);
	fprintf(f, "%s\n\n", st->off);
	text_build(f, r, st);
	ret = put_summary(f, &v, 0);
	if (ret > 0)
		fputc('\n', f);
	for (size_t i = 0; ret >= 0 && i < v.n; i++)
		if (shown(v.tests[i].t, opt, &hidden))
			text_test(f, &v, &v.tests[i], width, &body, st);
	if (hidden)
		fprintf(f, "(%d hidden test%s not shown; the score includes %s)\n", hidden,
			hidden == 1 ? "" : "s", hidden == 1 ? "it" : "them");
	if (v.n)
		fputc('\n', f);
	if (json_array_size(json_object_get(r, "violations"))) {
		text_violations(f, r, st);
		fputc('\n', f);
	}
	text_isolation(f, r, st);
	if (hidden_not_run(r, line, sizeof(line)))
		fprintf(f, "%s\n", line);
	fprintf(f, "%sscore: %s/%s%s\n", st->bold, fmt_num(total(r, "score"), a),
		fmt_num(total(r, "max_score"), b), st->off);
	sb_release(&body);
	view_free(&v);
	return ret < 0 ? -1 : 0;
}

/* ---- JSON ---- */

static int render_json(const json_t *r, const struct report_options *opt, FILE *f)
{
	(void)opt;
	if (json_dumpf(r, f, JSON_INDENT(2)) < 0 || fputc('\n', f) == EOF) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* ---- GRADESCOPE ---- */

/* json_object_set_new() that also fails for a value that could not be made */
static int set(json_t *obj, const char *key, json_t *value)
{
	return value ? json_object_set_new(obj, key, value) : -1;
}

/* a copy of a number in the result, 0 if it has none */
static json_t *num_copy(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_number(v) ? json_copy(v) : json_integer(0);
}

static json_t *jstr(struct str s)
{
	return json_stringn(s.s, s.n);
}

static json_t *gs_tags(const json_t *t)
{
	json_t *tags = json_array(), *tag;
	size_t i;

	json_array_foreach(json_object_get(t, "tags"), i, tag)
		if (tags && json_is_string(tag) && json_array_append_new(tags, json_copy(tag)) < 0) {
			json_decref(tags);
			return NULL;
		}
	return tags;
}

/* the feedback a Gradescope test shows */
static json_t *gs_output(const struct view *v, const struct tinfo *ti, struct strbuf *body)
{
	struct strbuf out = { 0 };
	json_t *o;

	if (!ti->shown)
		return json_string(HIDDEN_FEEDBACK);
	if (test_passed(ti->t))
		return jstr(get_str(ti->t, "feedback"));
	if (get_true(ti->t, "harness_error"))
		sb_addf(&out, "%s\n", GRADER_ERROR);
	test_body(v, ti, body);
	sb_add(&out, body->buf, body->len);
	o = json_stringn(out.buf ? out.buf : "", out.len);
	sb_release(&out);
	return o;
}

static json_t *gs_test(const struct view *v, const struct tinfo *ti, struct strbuf *body)
{
	const json_t *t = ti->t;
	json_t *o = json_object();
	char number[32];
	int err = !o;

	snprintf(number, sizeof(number), "%d", ti->number);
	err = err || set(o, "number", json_string(number)) < 0;
	err = err || set(o, "name", jstr(get_str(t, "name"))) < 0;
	err = err || set(o, "score", num_copy(t, "score")) < 0;
	err = err || set(o, "max_score", num_copy(t, "max_score")) < 0;
	err = err || set(o, "status", json_string(test_passed(t) ? "passed" : "failed")) < 0;
	err = err || set(o, "output", gs_output(v, ti, body)) < 0;
	err = err || (json_is_array(json_object_get(t, "tags")) && set(o, "tags", gs_tags(t)) < 0);
	err = err || set(o, "visibility", json_string(test_hidden(t) ? "after_published" : "visible")) < 0;
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * The top-level output: what is true of the whole submission. No score
 * (Gradescope shows its own, and one here would count the tests it hides)
 * and no isolation, which is the course staff's business, not a student's.
 */
static json_t *gs_summary(const json_t *r, const struct view *v)
{
	char *buf = NULL, line[128];
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	json_t *out = NULL;
	int bad;

	if (!m)
		return NULL;
	if (build_failed(r) || build_warned(r))
		text_build(m, r, &plain_style);
	else
		fputs("build: ok\n", m);
	bad = put_summary(m, v, 0) < 0;
	if (hidden_not_run(r, line, sizeof(line)))
		fprintf(m, "%s\n", line);
	text_violations(m, r, &plain_style);
	bad |= ferror(m);
	if (fclose(m) == 0 && !bad)
		out = json_stringn(buf, len);
	free(buf);
	return out;
}

static int render_gradescope(const json_t *r, const struct report_options *opt, FILE *f)
{
	json_t *root = json_object(), *tests = json_array();
	struct strbuf body = { 0 };
	struct view v;
	int ret = -1;

	if (view_make(&v, r, opt) < 0)
		return -1;
	if (!root || !tests)
		goto out;
	for (size_t i = 0; i < v.n; i++)
		if (json_array_append_new(tests, gs_test(&v, &v.tests[i], &body)) < 0)
			goto out;
	if (set(root, "score", json_is_number(json_object_get(r, "score")) ? num_copy(r, "score") :
				json_real(total(r, "score"))) < 0 ||
	    set(root, "output", gs_summary(r, &v)) < 0 ||
	    set(root, "output_format", json_string("text")) < 0 ||
	    set(root, "test_output_format", json_string("text")) < 0 ||
	    set(root, "stdout_visibility", json_string("hidden")) < 0 ||
	    json_object_set(root, "tests", tests) < 0)
		goto out;
	if (json_dumpf(root, f, JSON_INDENT(2)) < 0 || fputc('\n', f) == EOF)
		goto out;
	ret = 0;
out:
	json_decref(tests);
	json_decref(root);
	sb_release(&body);
	view_free(&v);
	if (ret < 0)
		errno = ENOMEM;
	return ret;
}

/* ---- JUNIT ---- */

static int xml_attr(xmlTextWriterPtr w, const char *name, struct str value)
{
	char *clean = clean_dup(value, &xml_chars);
	int ret = clean ? xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST clean) : -1;

	free(clean);
	return ret;
}

static int xml_text(xmlTextWriterPtr w, struct str value)
{
	char *clean = clean_dup(value, &xml_chars);
	int ret = clean ? xmlTextWriterWriteString(w, BAD_CAST clean) : -1;

	free(clean);
	return ret;
}

/* <name attr="value">text</name>, attr and text optional */
static int xml_element(xmlTextWriterPtr w, const char *name, const char *attr, struct str value,
		       const struct str *text)
{
	if (xmlTextWriterStartElement(w, BAD_CAST name) < 0 ||
	    (attr && xml_attr(w, attr, value) < 0) ||
	    (text && xml_text(w, *text) < 0))
		return -1;
	return xmlTextWriterEndElement(w);
}

static int xml_property(xmlTextWriterPtr w, struct str name, struct str value)
{
	return xmlTextWriterStartElement(w, BAD_CAST "property") < 0 ||
	       xml_attr(w, "name", name) < 0 || xml_attr(w, "value", value) < 0 ||
	       xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

/* a property named prefix followed by key */
static int xml_property_at(xmlTextWriterPtr w, const char *prefix, struct str key, struct str value)
{
	char *name;
	int ret;

	if (asprintf(&name, "%s%.*s", prefix, (int)key.n, key.s) < 0)
		return -1;
	ret = xml_property(w, mkstr(name), value);
	free(name);
	return ret;
}

/* one property for a scalar, nothing for anything else */
static int junit_scalar(xmlTextWriterPtr w, const char *name, const json_t *v)
{
	char buf[32];

	if (json_is_string(v))
		return xml_property(w, mkstr(name), str_of(v));
	if (json_is_number(v))
		return xml_property(w, mkstr(name), mkstr(fmt_num(json_number_value(v), buf)));
	if (json_is_boolean(v))
		return xml_property(w, mkstr(name), mkstr(json_is_true(v) ? "true" : "false"));
	return 0;
}

/* isolation.userns = true, isolation.notes.0 = ...: every scalar, flattened */
static int junit_flatten(xmlTextWriterPtr w, const char *prefix, json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;
	int ret = 0;

	json_object_foreach(v, key, item) {
		char *name;

		if (asprintf(&name, "%s.%s", prefix, key) < 0)
			return -1;
		ret = junit_flatten(w, name, item);
		free(name);
		if (ret < 0)
			return -1;
	}
	json_array_foreach(v, i, item) {
		char *name;

		if (asprintf(&name, "%s.%zu", prefix, i) < 0)
			return -1;
		ret = junit_flatten(w, name, item);
		free(name);
		if (ret < 0)
			return -1;
	}
	return junit_scalar(w, prefix, v);
}

/* this dialect allows properties on the suite only: the points go there too */
static int junit_properties(xmlTextWriterPtr w, const json_t *r)
{
	const json_t *t, *v;
	char a[32], b[64];
	size_t i;

	if (xmlTextWriterStartElement(w, BAD_CAST "properties") < 0 ||
	    xml_property(w, mkstr("submission"), get_str(r, "submission")) < 0 ||
	    xml_property(w, mkstr("score"), mkstr(fmt_num(total(r, "score"), a))) < 0 ||
	    xml_property(w, mkstr("max_score"), mkstr(fmt_num(total(r, "max_score"), a))) < 0 ||
	    xml_property(w, mkstr("build.status"), mkstr(build_failed(r) ? "failed" : "ok")) < 0 ||
	    junit_flatten(w, "isolation", json_object_get(r, "isolation")) < 0)
		return -1;
	json_array_foreach(json_object_get(r, "tests"), i, t)
		if (xml_property_at(w, "points:", get_str(t, "name"), mkstr(fmt_points(t, b))) < 0)
			return -1;
	json_array_foreach(json_object_get(r, "violations"), i, v) {
		char *name, *value;
		struct str program = get_str(v, "program"), detail = get_str(v, "detail");
		int ret;

		if (!detail.n)
			detail = get_str(v, "syscall");
		if (asprintf(&name, "violation.%zu", i) < 0)
			return -1;
		ret = asprintf(&value, "%.*s: %.*s", (int)program.n, program.s, (int)detail.n, detail.s);
		if (ret >= 0) {
			ret = xml_property(w, mkstr(name), mkstr(value));
			free(value);
		}
		free(name);
		if (ret < 0)
			return -1;
	}
	return xmlTextWriterEndElement(w);
}

static int junit_verdict(xmlTextWriterPtr w, const json_t *t, const struct report_options *opt)
{
	int grader = get_true(t, "harness_error");
	struct str body = get_str(t, "feedback"), message;

	if (test_hidden(t) && !opt->show_hidden)
		body = mkstr(HIDDEN_FEEDBACK);
	message = first_line(body);
	if (!message.n)
		message = mkstr(grader ? GRADER_ERROR : "failed");
	return xml_element(w, grader ? "error" : "failure", "message", message, &body);
}

static int junit_testcase(xmlTextWriterPtr w, const json_t *r, const json_t *t,
			  const struct report_options *opt)
{
	char time[32];

	snprintf(time, sizeof(time), "%.3f", test_seconds(t));
	if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ||
	    xml_attr(w, "classname", get_str(r, "assignment")) < 0 ||
	    xml_attr(w, "name", get_str(t, "name")) < 0 ||
	    xml_attr(w, "time", mkstr(time)) < 0 ||
	    (!test_passed(t) && junit_verdict(w, t, opt) < 0))
		return -1;
	return xmlTextWriterEndElement(w);
}

/* a failed build with no tests still fails the suite: a test named build */
static int junit_build_case(xmlTextWriterPtr w, const json_t *r)
{
	struct str output = get_str(json_object_get(r, "build"), "output");

	if (xmlTextWriterStartElement(w, BAD_CAST "testcase") < 0 ||
	    xml_attr(w, "classname", get_str(r, "assignment")) < 0 ||
	    xml_attr(w, "name", mkstr("build")) < 0 ||
	    xml_attr(w, "time", mkstr("0.000")) < 0 ||
	    xml_element(w, "failure", "message", mkstr("the build failed"), &output) < 0)
		return -1;
	return xmlTextWriterEndElement(w);
}

static int junit_suite_attrs(xmlTextWriterPtr w, const json_t *r, int synthetic)
{
	const json_t *tests = json_object_get(r, "tests"), *t;
	int failures = synthetic, errors = 0;
	char *name, count[32], nfail[32], nerr[32], time[32];
	struct str assignment = get_str(r, "assignment");
	double seconds = 0;
	size_t i;
	int ret;

	json_array_foreach(tests, i, t) {
		errors += !test_passed(t) && get_true(t, "harness_error");
		failures += !test_passed(t) && !get_true(t, "harness_error");
		seconds += test_seconds(t);
	}
	snprintf(count, sizeof(count), "%zu", json_array_size(tests) + (size_t)synthetic);
	snprintf(nfail, sizeof(nfail), "%d", failures);
	snprintf(nerr, sizeof(nerr), "%d", errors);
	snprintf(time, sizeof(time), "%.3f", seconds);
	if (asprintf(&name, "ipcgrade.%.*s", (int)assignment.n, assignment.s) < 0)
		return -1;
	ret = xml_attr(w, "name", mkstr(name)) < 0 || xml_attr(w, "tests", mkstr(count)) < 0 ||
	      xml_attr(w, "failures", mkstr(nfail)) < 0 || xml_attr(w, "errors", mkstr(nerr)) < 0 ||
	      xml_attr(w, "time", mkstr(time)) < 0 ? -1 : 0;
	free(name);
	return ret;
}

static int junit_suite(xmlTextWriterPtr w, const json_t *r, const struct report_options *opt)
{
	const json_t *tests = json_object_get(r, "tests"), *t;
	struct str output = get_str(json_object_get(r, "build"), "output");
	int synthetic = build_failed(r) && !json_array_size(tests);
	size_t i;

	if (xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0 ||
	    junit_suite_attrs(w, r, synthetic) < 0 || junit_properties(w, r) < 0)
		return -1;
	json_array_foreach(tests, i, t)
		if (junit_testcase(w, r, t, opt) < 0)
			return -1;
	if ((synthetic && junit_build_case(w, r) < 0) ||
	    (build_failed(r) && xml_element(w, "system-err", NULL, output, &output) < 0) ||
	    (build_warned(r) && output.n && xml_element(w, "system-out", NULL, output, &output) < 0))
		return -1;
	return xmlTextWriterEndElement(w);
}

static int render_junit(const json_t *r, const struct report_options *opt, FILE *f)
{
	xmlOutputBufferPtr out = xmlOutputBufferCreateFile(f, NULL);
	xmlTextWriterPtr w = out ? xmlNewTextWriter(out) : NULL;
	int ret = -1;

	if (!w) {
		xmlOutputBufferClose(out);	/* xmlNewTextWriter() did not take it */
		goto out;
	}
	if (xmlTextWriterSetIndent(w, 1) < 0 || xmlTextWriterSetIndentString(w, BAD_CAST "  ") < 0 ||
	    xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	    junit_suite(w, r, opt) < 0 || xmlTextWriterEndDocument(w) < 0)
		goto out;
	ret = 0;
out:
	xmlFreeTextWriter(w);	/* closes out, which leaves f open */
	if (ret < 0)
		errno = ENOMEM;
	return ret;
}

/* ---- MARKDOWN ---- */

/* a fenced block that no run of backticks inside can close */
static void md_fence(FILE *f, struct str s)
{
	size_t longest = 2, run = 0;

	/* put_clean() neither makes nor removes a backtick: count them here */
	for (size_t i = 0; i < s.n; i++) {
		run = s.s[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	for (size_t i = 0; i <= longest; i++)
		fputc('`', f);
	fputc('\n', f);
	put_clean(f, s, &term_text);
	if (s.n && s.s[s.n - 1] != '\n')
		fputc('\n', f);
	for (size_t i = 0; i <= longest; i++)
		fputc('`', f);
	fputs("\n\n", f);
}

/* one calm line when the run was less isolated than grading runs are */
static void md_isolation_note(FILE *f, const json_t *r)
{
	const json_t *iso = json_object_get(r, "isolation");
	struct strbuf sb = { 0 };
	const char *sep = "";

	if (!json_object_size(iso)) {
		sb_addf(&sb, "_Note: this run did not report how it was isolated, so its result may differ "
			"from your instructor's._");
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(iso_items); i++) {
			const struct iso_item *it = &iso_items[i];

			if (it->required ? !get_true(iso, it->key) : json_is_false(json_object_get(iso, it->key))) {
				sb_addf(&sb, "%s%s", sep, it->calm ? it->calm : it->off);
				sep = ", ";
			}
		}
		if (str_is(get_str(iso, "cgroup"), "none")) {
			sb_addf(&sb, "%sno cgroup", sep);
			sep = ", ";
		}
		if (*sep) {
			char *list = strdup(sb_str(&sb));

			sb.len = 0;
			sb_addf(&sb, "_Note: this run was less isolated than a grading run (%s), so its result "
				"may differ from your instructor's._", list ? list : "");
			free(list);
		}
	}
	if (sb.len) {
		put_wrapped(f, sb_str(&sb), "", "", 1);
		fputc('\n', f);
	}
	sb_release(&sb);
}

static void md_heading(FILE *f, const json_t *r)
{
	char a[32], b[32], line[128];

	fprintf(f, "## %s ", all_passed(r) ? "✅" : "❌");
	put_clean(f, get_str(r, "assignment"), &md_line);
	fputs(": ", f);
	put_clean(f, get_str(r, "submission"), &md_line);
	fprintf(f, " — %s/%s\n\n", fmt_num(total(r, "score"), a), fmt_num(total(r, "max_score"), b));
	if (hidden_not_run(r, line, sizeof(line)))
		fprintf(f, "_%s._\n\n", line);
	md_isolation_note(f, r);
}

static void md_build(FILE *f, const json_t *r)
{
	struct str output = get_str(json_object_get(r, "build"), "output");

	if (build_failed(r)) {
		fputs("### Build failed\n\n", f);
		if (output.n)
			md_fence(f, output);
	} else if (build_warned(r) && output.n) {
		fputs("<details><summary>Build warnings (they cost no points)</summary>\n\n", f);
		md_fence(f, output);
		fputs("</details>\n\n", f);
	}
}

static const char *md_status(const json_t *t)
{
	if (test_passed(t))
		return "✅ passed";
	return get_true(t, "harness_error") ? "⚠️ grader error" : "❌ failed";
}

/* the table; returns how many failed tests it shows */
static int md_table(FILE *f, const struct view *v)
{
	int hidden = 0, failed = 0, rows = 0;

	for (size_t i = 0; i < v->n; i++) {
		const json_t *t = v->tests[i].t, *tag;
		char points[64];
		size_t k;

		if (!shown(t, v->opt, &hidden))
			continue;
		if (!rows++)
			fputs("| # | test | tags | points | status |\n| ---: | --- | --- | ---: | --- |\n", f);
		fprintf(f, "| %d | ", v->tests[i].number);
		put_clean(f, get_str(t, "name"), &md_cell);
		fprintf(f, "%s | ", test_hidden(t) ? " (hidden)" : "");
		json_array_foreach(json_object_get(t, "tags"), k, tag) {
			fputs(k ? ", " : "", f);
			put_clean(f, str_of(tag), &md_cell);
		}
		fprintf(f, " | %s | %s |\n", fmt_points(t, points), md_status(t));
		failed += !test_passed(t);
	}
	fputs(rows ? "\n" : "No tests to show.\n\n", f);
	if (hidden)
		fprintf(f, "_%d hidden test%s not shown; the score includes %s._\n\n", hidden,
			hidden == 1 ? "" : "s", hidden == 1 ? "it" : "them");
	return failed;
}

/* each failure folded: its number, name and points; its story inside */
static int md_failures(FILE *f, const struct view *v)
{
	struct strbuf body = { 0 };
	int hidden = 0;

	fputs("### Failures\n\n", f);
	for (size_t i = 0; i < v->n; i++) {
		const struct tinfo *ti = &v->tests[i];
		char points[64], *name;
		int one_line;

		if (test_passed(ti->t) || !shown(ti->t, v->opt, &hidden))
			continue;
		/* an HTML block until the next blank line: its lines may wrap anywhere */
		if (!(name = clean_dup(get_str(ti->t, "name"), &md_html))) {
			sb_release(&body);
			return -1;
		}
		body.len = 0;
		sb_addf(&body, "<details><summary>%d. %s%s — %s</summary>", ti->number, name,
			test_hidden(ti->t) ? " (hidden)" : "", fmt_points(ti->t, points));
		free(name);
		put_wrapped(f, sb_str(&body), "", "", 0);
		fputc('\n', f);
		if (get_true(ti->t, "harness_error"))
			fprintf(f, "%s.\n\n", GRADER_ERROR);
		one_line = test_body(v, ti, &body);
		if (one_line) {
			char *s = clean_dup(sb_view(&body), &md_line);

			if (!s) {
				sb_release(&body);
				return -1;
			}
			put_wrapped(f, s, "", "", 1);
			fputc('\n', f);
			free(s);
		} else if (body.len) {
			md_fence(f, sb_view(&body));
		}
		fputs("</details>\n\n", f);
	}
	sb_release(&body);
	return 0;
}

static int md_violations(FILE *f, const json_t *r)
{
	const json_t *v;
	size_t i;

	if (!json_array_size(json_object_get(r, "violations")))
		return 0;
	fputs("### Forbidden system calls\n\n", f);
	json_array_foreach(json_object_get(r, "violations"), i, v) {
		struct str program = get_str(v, "program"), detail = get_str(v, "detail");
		char *p = clean_dup(program.n ? program : mkstr("a program"), &md_line);
		char *d = clean_dup(detail.n ? detail : get_str(v, "syscall"), &md_line);
		struct strbuf sb = { 0 };

		if (p && d) {
			sb_addf(&sb, "**%s** called %s, which this lab does not allow", p, d);
			put_wrapped(f, sb_str(&sb), "- ", "  ", 1);
		}
		free(p);
		free(d);
		sb_release(&sb);
		if (!p || !d)
			return -1;
	}
	fputc('\n', f);
	return 0;
}

static int render_markdown(const json_t *r, const struct report_options *opt, FILE *f)
{
	struct view v;
	int ret;

	if (view_make(&v, r, opt) < 0)
		return -1;
	md_heading(f, r);
	md_build(f, r);
	ret = put_summary(f, &v, 1);
	if (ret >= 0 && md_table(f, &v))
		ret = md_failures(f, &v);
	if (ret >= 0)
		ret = md_violations(f, r);
	view_free(&v);
	return ret < 0 ? -1 : 0;
}

/* ---- writing ---- */

static int render_html(const json_t *r, const struct report_options *opt, FILE *f);

static int (*const renderers[])(const json_t *r, const struct report_options *opt, FILE *f) = {
	[REPORT_TEXT] = render_text,
	[REPORT_JSON] = render_json,
	[REPORT_GRADESCOPE] = render_gradescope,
	[REPORT_JUNIT] = render_junit,
	[REPORT_MARKDOWN] = render_markdown,
	[REPORT_HTML] = render_html,
};

/* the whole report in *buf (malloc'd, *len bytes) */
static int render(const json_t *r, enum report_format fmt, const struct report_options *opt,
		  char **buf, size_t *len)
{
	static const struct report_options defaults;
	FILE *m;
	int ret, bad;

	*buf = NULL;
	if (!json_is_object(r) || (unsigned)fmt >= ARRAY_SIZE(renderers) || !renderers[fmt]) {
		errno = EINVAL;
		return -1;
	}
	m = open_memstream(buf, len);
	if (!m)
		return -1;
	ret = renderers[fmt](r, opt ? opt : &defaults, m);
	bad = ferror(m);
	if ((fclose(m) == EOF || bad) && ret == 0) {
		errno = ENOMEM;
		ret = -1;
	}
	if (ret < 0) {
		int saved = errno;

		free(*buf);
		*buf = NULL;
		errno = saved;
	}
	return ret;
}

/* HTML: the Markdown report made a page (html.h) */
static int render_html(const json_t *r, const struct report_options *opt, FILE *f)
{
	char *md;
	size_t len;
	int ret = render(r, REPORT_MARKDOWN, opt, &md, &len);

	if (ret == 0)
		ret = html_page(md, len, f);
	free(md);
	return ret;
}

int report_write(const json_t *result, enum report_format fmt,
		 const struct report_options *opt, FILE *out)
{
	char *buf;
	size_t len;
	int ret = -1;

	if (render(result, fmt, opt, &buf, &len) < 0)
		return -1;
	if (fwrite(buf, 1, len, out) == len && fflush(out) == 0)
		ret = 0;
	free(buf);
	return ret;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* the umask, which cannot be read without setting it but from /proc */
static mode_t current_umask(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned mask = 022;

	if (!f)
		return 022;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Umask: %o", &mask) == 1)
			break;
	fclose(f);
	return (mode_t)(mask & 0777);
}

/* a device, a FIFO, /dev/stdout: written in place, never replaced */
static int write_in_place(const char *path, const char *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	int ret = -1, saved;

	if (fd < 0)
		return -1;
	if (write_all(fd, buf, len) == 0)
		ret = 0;
	saved = errno;
	if (close(fd) < 0 && ret == 0)
		return -1;
	errno = saved;
	return ret;
}

/* "dir/.name.XXXXXX" beside path, for mkostemp() */
static char *temp_name(const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char *tmp;

	if (!*base) {
		errno = EISDIR;
		return NULL;
	}
	if (asprintf(&tmp, "%.*s.%s.XXXXXX", (int)(base - path), path, base) < 0)
		return NULL;
	return tmp;
}

static int write_replacing(const char *path, const char *buf, size_t len, mode_t mode)
{
	char *tmp = temp_name(path);
	int fd, created, ret = -1, saved;

	if (!tmp)
		return -1;
	fd = mkostemp(tmp, O_CLOEXEC);
	created = fd >= 0;
	if (!created)
		goto out;
	if (write_all(fd, buf, len) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0)
		goto out;
	ret = close(fd);
	fd = -1;
	if (ret == 0)
		ret = rename(tmp, path);
out:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (ret < 0 && created)
		unlink(tmp);
	free(tmp);
	errno = saved;
	return ret;
}

int report_write_file(const json_t *result, enum report_format fmt,
		      const struct report_options *opt, const char *path)
{
	struct stat st;
	char *buf;
	size_t len;
	int ret, saved;

	if (!path) {
		errno = EINVAL;
		return -1;
	}
	if (!strcmp(path, "-"))
		return report_write(result, fmt, opt, stdout);
	if (render(result, fmt, opt, &buf, &len) < 0)
		return -1;
	if (stat(path, &st) < 0)
		ret = write_replacing(path, buf, len, 0666 & ~current_umask());
	else if (S_ISREG(st.st_mode))
		ret = write_replacing(path, buf, len, st.st_mode & 0777);
	else
		ret = write_in_place(path, buf, len);
	saved = errno;
	free(buf);
	errno = saved;
	return ret;
}
