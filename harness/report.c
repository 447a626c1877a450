/*
 * report: the renderers. Each format is one render_*() function that
 * writes into a memory stream; report_write() and report_write_file() only
 * move the finished bytes. Text that came from a student's program passes
 * through put_clean() before it reaches a terminal, an XML document or a
 * Markdown page (see report.h for what it replaces and why).
 */
#define _GNU_SOURCE
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
};

#define MD_SPECIAL "\\`*_[]<>|~&$#!"

static const struct clean_mode term_text = { 0, NULL, NULL };
static const struct clean_mode term_line = { 0, " ", NULL };	/* a name, one line */
static const struct clean_mode xml_chars = { 1, NULL, NULL };
static const struct clean_mode md_cell = { 0, "<br>", MD_SPECIAL };
static const struct clean_mode md_line = { 0, " ", MD_SPECIAL };

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
	int required;		/* without it a result cannot be trusted */
} iso_items[] = {
	{ "userns", "user namespace", "NO USER NAMESPACE", 1 },
	{ "seccomp", "seccomp", "NO SECCOMP FILTER", 1 },
	{ "pidns", NULL, "no pid namespace", 0 },
	{ "mountns", NULL, "no mount namespace", 0 },
	{ "ipcns", NULL, "no ipc namespace", 0 },
	{ "netns", NULL, "no network namespace", 0 },
	{ "utsns", NULL, "no uts namespace", 0 },
	{ "cgroupns", NULL, "no cgroup namespace", 0 },
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

static void text_test(FILE *f, const json_t *t, int width, const struct report_options *opt,
		      const struct style *st)
{
	int ok = test_passed(t);
	char points[64];

	fprintf(f, "%s%s%s  %*s  ", ok ? st->pass : st->fail, ok ? "PASS" : "FAIL", st->off, width,
		fmt_points(t, points));
	put_clean(f, get_str(t, "name"), &term_line);
	fprintf(f, "%s%s\n", test_hidden(t) ? "  (hidden)" : "",
		get_true(t, "harness_error") ? "  (grader error)" : "");
	if (ok)
		return;
	if (get_true(t, "harness_error"))
		fprintf(f, "    %s\n", GRADER_ERROR);
	put_indented(f, get_str(t, "feedback"), "    ");
	if (opt->verbose)
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
		fprintf(f, "%sisolation: WARNING: ", st->loud);
		put_isolation(f, r, &term_line);
		fprintf(f, "; DO NOT TRUST THIS RESULT%s\n", st->off);
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
	int width = points_width(r, opt), hidden = 0;
	const json_t *t;
	char a[32], b[32];
	size_t i;

	fputs(st->bold, f);
	put_clean(f, get_str(r, "assignment"), &term_line);
	fputs(": ", f);
	put_clean(f, get_str(r, "submission"), &term_line);
	fprintf(f, "%s\n\n", st->off);
	text_build(f, r, st);
	json_array_foreach(json_object_get(r, "tests"), i, t)
		if (shown(t, opt, &hidden))
			text_test(f, t, width, opt, st);
	if (hidden)
		fprintf(f, "(%d hidden test%s not shown; the score includes %s)\n", hidden,
			hidden == 1 ? "" : "s", hidden == 1 ? "it" : "them");
	if (json_array_size(json_object_get(r, "tests")))
		fputc('\n', f);
	if (json_array_size(json_object_get(r, "violations"))) {
		text_violations(f, r, st);
		fputc('\n', f);
	}
	text_isolation(f, r, st);
	fprintf(f, "%sscore: %s/%s%s\n", st->bold, fmt_num(total(r, "score"), a),
		fmt_num(total(r, "max_score"), b), st->off);
	return 0;
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
static json_t *gs_output(const json_t *t, const struct report_options *opt)
{
	struct str fb = get_str(t, "feedback");
	char *s;
	json_t *v;

	if (test_hidden(t) && !opt->show_hidden)
		return json_string(HIDDEN_FEEDBACK);
	if (!get_true(t, "harness_error"))
		return jstr(fb);
	if (asprintf(&s, "%s\n%.*s", GRADER_ERROR, (int)fb.n, fb.s) < 0)
		return NULL;
	v = json_string(s);
	free(s);
	return v;
}

static json_t *gs_test(const json_t *t, const struct report_options *opt)
{
	json_t *o = json_object();
	int err = !o;

	err = err || set(o, "name", jstr(get_str(t, "name"))) < 0;
	err = err || set(o, "score", num_copy(t, "score")) < 0;
	err = err || set(o, "max_score", num_copy(t, "max_score")) < 0;
	err = err || set(o, "status", json_string(test_passed(t) ? "passed" : "failed")) < 0;
	err = err || set(o, "output", gs_output(t, opt)) < 0;
	err = err || (json_is_array(json_object_get(t, "tags")) && set(o, "tags", gs_tags(t)) < 0);
	err = err || set(o, "visibility", json_string(test_hidden(t) ? "after_published" : "visible")) < 0;
	if (err) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* the top-level output: what is true of the whole submission */
static json_t *gs_summary(const json_t *r)
{
	char *buf = NULL, a[32], b[32];
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	json_t *v = NULL;
	int bad;

	if (!m)
		return NULL;
	fprintf(m, "score: %s/%s\n", fmt_num(total(r, "score"), a), fmt_num(total(r, "max_score"), b));
	if (build_failed(r) || build_warned(r))
		text_build(m, r, &plain_style);
	else
		fputs("build: ok\n", m);
	text_violations(m, r, &plain_style);
	text_isolation(m, r, &plain_style);
	bad = ferror(m);
	if (fclose(m) == 0 && !bad)
		v = json_stringn(buf, len);
	free(buf);
	return v;
}

static int render_gradescope(const json_t *r, const struct report_options *opt, FILE *f)
{
	json_t *root = json_object(), *tests = json_array(), *t;
	int ret = -1;
	size_t i;

	if (!root || !tests)
		goto out;
	json_array_foreach(json_object_get(r, "tests"), i, t)
		if (json_array_append_new(tests, gs_test(t, opt)) < 0)
			goto out;
	if (set(root, "score", json_is_number(json_object_get(r, "score")) ? num_copy(r, "score") :
				json_real(total(r, "score"))) < 0 ||
	    set(root, "output", gs_summary(r)) < 0 ||
	    set(root, "stdout_visibility", json_string("hidden")) < 0 ||
	    json_object_set(root, "tests", tests) < 0)
		goto out;
	if (json_dumpf(root, f, JSON_INDENT(2)) < 0 || fputc('\n', f) == EOF)
		goto out;
	ret = 0;
out:
	json_decref(tests);
	json_decref(root);
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

/* the first line of feedback that has anything on it */
static struct str first_line(struct str s)
{
	while (s.n && s.s[0] == '\n')
		s.s++, s.n--;
	if (memchr(s.s, '\n', s.n))
		s.n = (size_t)((const char *)memchr(s.s, '\n', s.n) - s.s);
	return s;
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

static void md_heading(FILE *f, const json_t *r)
{
	char a[32], b[32];

	fprintf(f, "## %s ", all_passed(r) ? "✅" : "❌");
	put_clean(f, get_str(r, "assignment"), &md_line);
	fputs(": ", f);
	put_clean(f, get_str(r, "submission"), &md_line);
	fprintf(f, " — %s/%s\n\n", fmt_num(total(r, "score"), a), fmt_num(total(r, "max_score"), b));
	if (isolation_weak(r)) {
		fputs("> [!WARNING]\n> **Do not trust this result: isolation was weaker than required.** ", f);
		put_isolation(f, r, &md_line);
		fputs("\n\n", f);
	}
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
static int md_table(FILE *f, const json_t *r, const struct report_options *opt)
{
	const json_t *t;
	int hidden = 0, failed = 0, rows = 0;
	size_t i;

	json_array_foreach(json_object_get(r, "tests"), i, t) {
		char points[64];

		if (!shown(t, opt, &hidden))
			continue;
		if (!rows++)
			fputs("| test | points | status |\n| --- | ---: | --- |\n", f);
		fputs("| ", f);
		put_clean(f, get_str(t, "name"), &md_cell);
		fprintf(f, "%s | %s | %s |\n", test_hidden(t) ? " (hidden)" : "", fmt_points(t, points),
			md_status(t));
		failed += !test_passed(t);
	}
	fputs(rows ? "\n" : "No tests to show.\n\n", f);
	if (hidden)
		fprintf(f, "_%d hidden test%s not shown; the score includes %s._\n\n", hidden,
			hidden == 1 ? "" : "s", hidden == 1 ? "it" : "them");
	return failed;
}

static void md_failures(FILE *f, const json_t *r, const struct report_options *opt)
{
	const json_t *t;
	int hidden = 0;
	size_t i;

	fputs("### Failures\n\n", f);
	json_array_foreach(json_object_get(r, "tests"), i, t) {
		struct str fb = get_str(t, "feedback");

		if (test_passed(t) || !shown(t, opt, &hidden))
			continue;
		fputs("#### ", f);
		put_clean(f, get_str(t, "name"), &md_line);
		fputs("\n\n", f);
		if (get_true(t, "harness_error"))
			fprintf(f, "%s.\n\n", GRADER_ERROR);
		if (fb.n)
			md_fence(f, fb);
	}
}

static void md_violations(FILE *f, const json_t *r)
{
	const json_t *v;
	size_t i;

	if (!json_array_size(json_object_get(r, "violations")))
		return;
	fputs("### Forbidden system calls\n\n", f);
	json_array_foreach(json_object_get(r, "violations"), i, v) {
		struct str program = get_str(v, "program"), detail = get_str(v, "detail");

		fputs("- **", f);
		put_clean(f, program.n ? program : mkstr("a program"), &md_line);
		fputs("** called ", f);
		put_clean(f, detail.n ? detail : get_str(v, "syscall"), &md_line);
		fputs(", which this lab does not allow\n", f);
	}
	fputc('\n', f);
}

static void md_isolation(FILE *f, const json_t *r)
{
	const json_t *note;
	size_t i;

	fprintf(f, "### Isolation\n\n%s", isolation_weak(r) ? "**WARNING:** " : "");
	put_isolation(f, r, &md_line);
	fputs("\n\n", f);
	json_array_foreach(json_object_get(json_object_get(r, "isolation"), "notes"), i, note) {
		fputs("- ", f);
		put_clean(f, str_of(note), &md_line);
		fputc('\n', f);
	}
}

static int render_markdown(const json_t *r, const struct report_options *opt, FILE *f)
{
	md_heading(f, r);
	md_build(f, r);
	if (md_table(f, r, opt))
		md_failures(f, r, opt);
	md_violations(f, r);
	md_isolation(f, r);
	return 0;
}

/* ---- writing ---- */

static int (*const renderers[])(const json_t *r, const struct report_options *opt, FILE *f) = {
	[REPORT_TEXT] = render_text,
	[REPORT_JSON] = render_json,
	[REPORT_GRADESCOPE] = render_gradescope,
	[REPORT_JUNIT] = render_junit,
	[REPORT_MARKDOWN] = render_markdown,
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
