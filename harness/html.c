/*
 * html: a Markdown report as one self-contained, safe HTML page (html.h).
 */
#define _GNU_SOURCE
#include "html.h"

#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* the report's own tags (it folds each failure): the only raw HTML kept */
static const char *const our_tags[] = { "<details>", "</details>", "<summary>", "</summary>", "<br>" };

/* a raw HTML literal made of our tags and of text without markup */
static int ours(const char *s)
{
	for (const char *p = strchr(s, '<'); p; p = strchr(p, '<')) {
		size_t n = 0;

		for (size_t i = 0; i < sizeof(our_tags) / sizeof(our_tags[0]) && !n; i++)
			if (!strncmp(p, our_tags[i], strlen(our_tags[i])))
				n = strlen(our_tags[i]);
		if (!n)
			return 0;
		p += n;
	}
	return 1;
}

/*
 * A node made harmless. Raw HTML of ours stays; any other becomes the
 * text it is (a code block, or inline text, which a table cell may hold
 * too), which cmark escapes. The report makes no links or images: one
 * that turns up loses its URL, so that no javascript: link is left.
 * 0, or -1 (ENOMEM).
 */
static int tame(cmark_node *node)
{
	cmark_node_type type = cmark_node_get_type(node);
	const char *lit = cmark_node_get_literal(node);
	cmark_node *n;

	if (type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE)
		return cmark_node_set_url(node, "") ? 0 : (errno = ENOMEM, -1);
	if (!lit)
		lit = "";
	if (ours(lit))
		return 0;
	n = cmark_node_new(type == CMARK_NODE_HTML_BLOCK ? CMARK_NODE_CODE_BLOCK : CMARK_NODE_TEXT);
	if (!n || !cmark_node_set_literal(n, lit) || !cmark_node_replace(node, n)) {
		if (n)
			cmark_node_free(n);
		errno = ENOMEM;
		return -1;
	}
	cmark_node_free(node);
	return 0;
}

/* every raw HTML, link and image of doc tamed; the first heading in *heading */
static int tame_all(cmark_node *doc, cmark_node **heading)
{
	cmark_iter *it = cmark_iter_new(doc);
	cmark_node **raw = NULL;
	size_t n = 0, cap = 0;
	cmark_event_type ev;
	int ret = 0;

	*heading = NULL;
	if (!it) {
		errno = ENOMEM;
		return -1;
	}
	/* collected first: replacing nodes under the iterator would lose it */
	while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(it);
		cmark_node_type type = cmark_node_get_type(node);

		if (ev != CMARK_EVENT_ENTER)
			continue;
		if (type == CMARK_NODE_HEADING && !*heading)
			*heading = node;
		if (type != CMARK_NODE_HTML_BLOCK && type != CMARK_NODE_HTML_INLINE &&
		    type != CMARK_NODE_LINK && type != CMARK_NODE_IMAGE)
			continue;
		if (n == cap) {
			cmark_node **more = realloc(raw, (cap = cap ? 2 * cap : 16) * sizeof(*raw));

			if (!more) {
				ret = -1;
				break;
			}
			raw = more;
		}
		raw[n++] = node;
	}
	cmark_iter_free(it);
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = tame(raw[i]);
	free(raw);
	return ret;
}

/* text in an element or an attribute */
static void put_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else if (*s == '&')
			fputs("&amp;", out);
		else if (*s == '"')
			fputs("&quot;", out);
		else if (*s == '\n')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

/* readable on screen and on paper, in light and dark */
static const char style[] =
	":root { color-scheme: light dark; }\n"
	"body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; "
	"padding: 0 1rem; }\n"
	"table { border-collapse: collapse; margin: 1rem 0; }\n"
	"th, td { border: 1px solid #8884; padding: .25rem .6rem; vertical-align: top; }\n"
	"pre { background: #8882; padding: .6rem; overflow-x: auto; white-space: pre-wrap; }\n"
	"code { font: 14px/1.4 ui-monospace, monospace; }\n"
	"details { margin: .6rem 0; border-left: 3px solid #8886; padding-left: .8rem; }\n"
	"summary { cursor: pointer; font-weight: 600; }\n";

int html_page(const char *markdown, size_t len, FILE *out)
{
	cmark_parser *parser;
	cmark_syntax_extension *table;
	cmark_node *doc = NULL, *heading;
	char *body = NULL, *title = NULL;
	int ret = -1;

	cmark_gfm_core_extensions_ensure_registered();
	table = cmark_find_syntax_extension("table");
	/* unsafe, for the report's own raw HTML: tame_all() has left no other */
	parser = cmark_parser_new(CMARK_OPT_UNSAFE);
	if (!parser || !table || !cmark_parser_attach_syntax_extension(parser, table)) {
		errno = ENOMEM;
		goto out;
	}
	cmark_parser_feed(parser, markdown, len);
	doc = cmark_parser_finish(parser);
	if (!doc || tame_all(doc, &heading) < 0)
		goto out;
	body = cmark_render_html(doc, CMARK_OPT_UNSAFE, cmark_parser_get_syntax_extensions(parser));
	title = heading ? cmark_render_plaintext(heading, CMARK_OPT_DEFAULT, 0) : strdup("ipcgrade");
	if (!body || !title) {
		errno = ENOMEM;
		goto out;
	}
	/* no script may run and nothing outside the page may load, whatever it holds */
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", out);
	title[strcspn(title, "\n")] = '\0';
	put_escaped(out, title);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n%s</main>\n</body>\n</html>\n",
		style, body);
	ret = ferror(out) ? -1 : 0;
	if (ret < 0 && !errno)
		errno = EIO;
out:
	free(body);
	free(title);
	if (doc)
		cmark_node_free(doc);
	if (parser)
		cmark_parser_free(parser);
	return ret;
}
