#define _GNU_SOURCE
#include "report.h"
#include "strbuf.h"

#include <errno.h>
#include <libxml/xmlwriter.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static double num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

static int is_hidden(const json_t *t)
{
	return !strcmp(str(t, "visibility"), "hidden");
}

static int passed(const json_t *t)
{
	return !strcmp(str(t, "status"), "passed");
}

/* 7.5, 10, 0.25: no trailing zeros */
static const char *fmt_num(double v, char *buf, size_t size)
{
	snprintf(buf, size, "%.2f", v);
	for (char *p = buf + strlen(buf) - 1; p > buf && strchr(buf, '.'); p--) {
		if (*p == '0')
			*p = '\0';
		else {
			if (*p == '.')
				*p = '\0';
			break;
		}
	}
	return buf;
}

static void isolation_words(const json_t *iso, struct strbuf *sb)
{
	int userns = json_is_true(json_object_get(iso, "userns"));
	int seccomp = json_is_true(json_object_get(iso, "seccomp"));
	const char *cg = str(iso, "cgroup");

	sb_addf(sb, "%s, %s, %s%s", userns ? "user namespace" : "NO user namespace",
		seccomp ? "seccomp" : "NO seccomp", *cg && strcmp(cg, "none") ? "cgroup " : "",
		*cg && strcmp(cg, "none") ? cg : "no cgroup (rlimits only)");
}

/* ---- text ---- */

static int write_text(const json_t *r, const struct report_options *opt, FILE *out)
{
	const char *green = opt->color ? "\033[32m" : "", *red = opt->color ? "\033[31m" : "";
	const char *bold = opt->color ? "\033[1m" : "", *off = opt->color ? "\033[0m" : "";
	const json_t *build = json_object_get(r, "build"), *t, *v;
	double score = 0, max = 0;
	char a[32], b[32];
	struct strbuf iso = { 0 };
	size_t i;
	int hidden = 0;

	fprintf(out, "%s%s%s: %s\n", bold, str(r, "assignment"), off, str(r, "submission"));
	if (strcmp(str(build, "status"), "ok"))
		fprintf(out, "\n%sbuild failed%s; the compiler said:\n%s\n", red, off, str(build, "output"));
	else if (json_is_true(json_object_get(build, "warnings")))
		fprintf(out, "\nthe build gave warnings (not counted against you):\n%s\n",
			str(build, "output"));
	fputc('\n', out);
	json_array_foreach(json_object_get(r, "tests"), i, t) {
		if (is_hidden(t) && !opt->show_hidden) {
			hidden++;
			continue;
		}
		score += num(t, "score");
		max += num(t, "max_score");
		fprintf(out, "%s%s%s  %s/%s  %s%s\n", passed(t) ? green : red, passed(t) ? "PASS" : "FAIL",
			off, fmt_num(num(t, "score"), a, sizeof(a)), fmt_num(num(t, "max_score"), b, sizeof(b)),
			str(t, "name"), is_hidden(t) ? " (hidden)" : "");
		if (!passed(t)) {
			const char *fb = str(t, "feedback");

			while (*fb) {
				size_t len = strcspn(fb, "\n");

				fprintf(out, "        %.*s\n", (int)len, fb);
				fb += len + (fb[len] == '\n');
			}
			if (opt->verbose) {
				size_t k;
				json_t *e;

				fprintf(out, "        timeline:\n");
				json_array_foreach(json_object_get(t, "events"), k, e)
					fprintf(out, "          %6lld ms  %s\n",
						(long long)json_integer_value(json_object_get(e, "t_ms")),
						str(e, "text"));
			}
		}
	}
	json_array_foreach(json_object_get(r, "violations"), i, v)
		fprintf(out, "%sforbidden system call%s: %s by %s\n", red, off, str(v, "detail"),
			str(v, "program"));
	if (hidden)
		fprintf(out, "(%d hidden test%s not shown)\n", hidden, hidden == 1 ? "" : "s");
	fprintf(out, "\nscore: %s/%s\n", fmt_num(score, a, sizeof(a)), fmt_num(max, b, sizeof(b)));
	isolation_words(json_object_get(r, "isolation"), &iso);
	if (!json_is_true(json_object_get(json_object_get(r, "isolation"), "userns")) ||
	    !json_is_true(json_object_get(json_object_get(r, "isolation"), "seccomp")))
		fprintf(out, "%sWARNING: weak isolation: %s%s\n", red, sb_str(&iso), off);
	else
		fprintf(out, "isolation: %s\n", sb_str(&iso));
	sb_release(&iso);
	return ferror(out) ? -1 : 0;
}

/* ---- Gradescope results.json ---- */

static int write_gradescope(const json_t *r, FILE *out)
{
	json_t *tests = json_array(), *root, *t, *v;
	struct strbuf summary = { 0 };
	size_t i;
	int ret;

	sb_addf(&summary, "build: %s\n", str(json_object_get(r, "build"), "status"));
	if (strcmp(str(json_object_get(r, "build"), "status"), "ok"))
		sb_addf(&summary, "%s\n", str(json_object_get(r, "build"), "output"));
	json_array_foreach(json_object_get(r, "violations"), i, v)
		sb_addf(&summary, "forbidden system call: %s by %s\n", str(v, "detail"), str(v, "program"));
	sb_addf(&summary, "isolation: ");
	isolation_words(json_object_get(r, "isolation"), &summary);
	json_array_foreach(json_object_get(r, "tests"), i, t) {
		json_t *tags = json_object_get(t, "tags");

		json_array_append_new(tests, json_pack("{s:f,s:f,s:s,s:s,s:s,s:O,s:s}",
			"score", num(t, "score"), "max_score", num(t, "max_score"),
			"status", passed(t) ? "passed" : "failed", "name", str(t, "name"),
			"output", passed(t) ? "" : str(t, "feedback"),
			"tags", tags ? tags : json_array(),
			"visibility", is_hidden(t) ? "after_published" : "visible"));
	}
	root = json_pack("{s:f,s:s,s:s,s:o}", "score", num(r, "score"), "output", sb_str(&summary),
			 "stdout_visibility", "hidden", "tests", tests);
	sb_release(&summary);
	ret = root ? json_dumpf(root, out, JSON_INDENT(2)) : -1;
	json_decref(root);
	return ret < 0 || fputc('\n', out) == EOF ? -1 : 0;
}

/* ---- JUnit XML ---- */

/* XML 1.0 has no place for most control characters, which a student's
 * output can hold: U+FFFD stands in for them */
static xmlChar *xml_safe(const char *s)
{
	struct strbuf sb = { 0 };
	xmlChar *copy;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			sb_add(&sb, "\xef\xbf\xbd", 3);
		else
			sb_add(&sb, s, 1);
	}
	copy = xmlCharStrdup(sb_str(&sb));
	sb_release(&sb);
	return copy;
}

static int attr(xmlTextWriterPtr w, const char *name, const char *value)
{
	xmlChar *v = xml_safe(value);
	int ret = xmlTextWriterWriteAttribute(w, BAD_CAST name, v);

	xmlFree(v);
	return ret;
}

static int text(xmlTextWriterPtr w, const char *value)
{
	xmlChar *v = xml_safe(value);
	int ret = xmlTextWriterWriteString(w, v);

	xmlFree(v);
	return ret;
}

static int property(xmlTextWriterPtr w, const char *name, const char *value)
{
	return xmlTextWriterStartElement(w, BAD_CAST "property") < 0 || attr(w, "name", name) < 0 ||
	       attr(w, "value", value) < 0 || xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

static int write_junit(const json_t *r, FILE *out)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	const json_t *tests = json_object_get(r, "tests"), *t;
	char n1[32], n2[32], name[64], count[32];
	int failures = 0, ret = -1;
	double time_s = 0;
	size_t i;

	if (!w)
		goto out;
	json_array_foreach(tests, i, t) {
		json_t *ev = json_array_get(json_object_get(t, "events"),
					    json_array_size(json_object_get(t, "events")) - 1);

		failures += !passed(t);
		time_s += ev ? (double)json_integer_value(json_object_get(ev, "t_ms")) / 1000 : 0;
	}
	xmlTextWriterSetIndent(w, 1);
	if (xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "testsuites") < 0 ||
	    xmlTextWriterStartElement(w, BAD_CAST "testsuite") < 0)
		goto out;
	snprintf(name, sizeof(name), "ipcgrade.%s", str(r, "assignment"));
	snprintf(count, sizeof(count), "%zu", json_array_size(tests));
	attr(w, "name", name);
	attr(w, "tests", count);
	snprintf(count, sizeof(count), "%d", failures);
	attr(w, "failures", count);
	attr(w, "errors", "0");
	snprintf(count, sizeof(count), "%.3f", time_s);
	attr(w, "time", count);
	/* this dialect allows properties on the suite only: the points too */
	xmlTextWriterStartElement(w, BAD_CAST "properties");
	property(w, "submission", str(r, "submission"));
	property(w, "score", fmt_num(num(r, "score"), n1, sizeof(n1)));
	property(w, "max_score", fmt_num(num(r, "max_score"), n1, sizeof(n1)));
	property(w, "isolation.cgroup", str(json_object_get(r, "isolation"), "cgroup"));
	property(w, "isolation.userns", json_is_true(json_object_get(json_object_get(r, "isolation"),
						     "userns")) ? "true" : "false");
	json_array_foreach(tests, i, t) {
		char key[512], value[64];

		snprintf(key, sizeof(key), "points:%s", str(t, "name"));
		snprintf(value, sizeof(value), "%s/%s", fmt_num(num(t, "score"), n1, sizeof(n1)),
			 fmt_num(num(t, "max_score"), n2, sizeof(n2)));
		property(w, key, value);
	}
	xmlTextWriterEndElement(w);
	json_array_foreach(tests, i, t) {
		const char *fb = str(t, "feedback");
		char first[256];

		xmlTextWriterStartElement(w, BAD_CAST "testcase");
		attr(w, "classname", str(r, "assignment"));
		attr(w, "name", str(t, "name"));
		if (!passed(t)) {
			snprintf(first, sizeof(first), "%.*s", (int)strcspn(fb, "\n"), fb);
			xmlTextWriterStartElement(w, BAD_CAST "failure");
			attr(w, "message", first);
			attr(w, "type", "failed");
			text(w, fb);
			xmlTextWriterEndElement(w);
		}
		xmlTextWriterEndElement(w);
	}
	if (strcmp(str(json_object_get(r, "build"), "status"), "ok")) {
		xmlTextWriterStartElement(w, BAD_CAST "system-err");
		text(w, str(json_object_get(r, "build"), "output"));
		xmlTextWriterEndElement(w);
	}
	if (xmlTextWriterEndDocument(w) < 0)
		goto out;
	xmlFreeTextWriter(w);
	w = NULL;
	ret = fwrite(xmlBufferContent(buf), 1, (size_t)xmlBufferLength(buf), out) ==
	      (size_t)xmlBufferLength(buf) ? 0 : -1;
out:
	if (w)
		xmlFreeTextWriter(w);
	if (buf)
		xmlBufferFree(buf);
	return ret;
}

/* ---- Markdown, for a CI job summary ---- */

static void md_cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n')
			fputs("<br>", out);
		else if (*s == '<')
			fputs("&lt;", out);
		else
			fputc(*s, out);
	}
}

static void md_fence(FILE *out, const char *body)
{
	int longest = 0, run = 0;

	for (const char *s = body; *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	for (int i = 0; i < (longest < 3 ? 3 : longest + 1); i++)
		fputc('`', out);
	fprintf(out, "\n%s\n", body);
	for (int i = 0; i < (longest < 3 ? 3 : longest + 1); i++)
		fputc('`', out);
	fputc('\n', out);
}

static int write_markdown(const json_t *r, const struct report_options *opt, FILE *out)
{
	const json_t *t, *v;
	char a[32], b[32];
	struct strbuf iso = { 0 };
	size_t i;
	int failures = 0;

	fprintf(out, "## ipcgrade: %s, ", str(r, "assignment"));
	md_cell(out, str(r, "submission"));
	fprintf(out, ": %s/%s\n\n", fmt_num(num(r, "score"), a, sizeof(a)),
		fmt_num(num(r, "max_score"), b, sizeof(b)));
	if (strcmp(str(json_object_get(r, "build"), "status"), "ok")) {
		fprintf(out, "**Build failed**\n\n");
		md_fence(out, str(json_object_get(r, "build"), "output"));
		fputc('\n', out);
	}
	fprintf(out, "| test | points | status |\n|---|---|---|\n");
	json_array_foreach(json_object_get(r, "tests"), i, t) {
		if (is_hidden(t) && !opt->show_hidden)
			continue;
		fputs("| ", out);
		md_cell(out, str(t, "name"));
		fprintf(out, " | %s/%s | %s |\n", fmt_num(num(t, "score"), a, sizeof(a)),
			fmt_num(num(t, "max_score"), b, sizeof(b)), passed(t) ? "✅ passed" : "❌ failed");
		failures += !passed(t);
	}
	if (failures) {
		fprintf(out, "\n### Failures\n");
		json_array_foreach(json_object_get(r, "tests"), i, t) {
			if (passed(t) || (is_hidden(t) && !opt->show_hidden))
				continue;
			fprintf(out, "\n**");
			md_cell(out, str(t, "name"));
			fprintf(out, "**\n\n");
			md_fence(out, str(t, "feedback"));
		}
	}
	json_array_foreach(json_object_get(r, "violations"), i, v) {
		fprintf(out, "\n- forbidden system call: `");
		md_cell(out, str(v, "detail"));
		fprintf(out, "` by %s\n", str(v, "program"));
	}
	isolation_words(json_object_get(r, "isolation"), &iso);
	fprintf(out, "\nIsolation: %s\n", sb_str(&iso));
	sb_release(&iso);
	return ferror(out) ? -1 : 0;
}

int report_write(const json_t *result, enum report_format fmt,
		 const struct report_options *opt, FILE *out)
{
	static const struct report_options none;
	int ret;

	if (!opt)
		opt = &none;
	switch (fmt) {
	case REPORT_TEXT: ret = write_text(result, opt, out); break;
	case REPORT_JSON:
		ret = json_dumpf(result, out, JSON_INDENT(2)) < 0 || fputc('\n', out) == EOF ? -1 : 0;
		break;
	case REPORT_GRADESCOPE: ret = write_gradescope(result, out); break;
	case REPORT_JUNIT: ret = write_junit(result, out); break;
	case REPORT_MARKDOWN: ret = write_markdown(result, opt, out); break;
	default: errno = EINVAL; return -1;
	}
	if (fflush(out) == EOF)
		ret = -1;
	return ret;
}

int report_write_file(const json_t *result, enum report_format fmt,
		      const struct report_options *opt, const char *path)
{
	char tmp[4096];
	FILE *f;
	int fd, ret;

	if (!strcmp(path, "-"))
		return report_write(result, fmt, opt, stdout);
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	fchmod(fd, 0644);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	ret = report_write(result, fmt, opt, f);
	if (fclose(f) == EOF)
		ret = -1;
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -1;
	if (ret < 0) {
		int saved = errno;

		unlink(tmp);
		errno = saved;
	}
	return ret;
}
