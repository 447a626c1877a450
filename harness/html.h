/*
 * html: a Markdown report (report.h's MARKDOWN) made into one HTML page
 * that needs nothing else: a <meta charset>, a little inline CSS, no
 * script, no link to anything outside it.
 *
 * It is rendered with cmark-gfm, GitHub's CommonMark with its table
 * extension (the report's test table is a GitHub table). The only raw
 * HTML kept is the report's own: a raw HTML node made of nothing but
 * <details>, </details>, <summary>, </summary> and <br> tags and text
 * without markup. Any other raw HTML (a program's output that slipped out
 * of its code block, were the Markdown ever to let it) is shown as the
 * text it is, escaped, and a link or image (the report makes none) loses
 * its URL. So no text of a student's reaches the page as markup, whatever
 * the Markdown does; and the page's Content-Security-Policy runs no
 * script and loads nothing in any case.
 *
 * The page's title is the Markdown's first heading, as plain text.
 */
#ifndef HARNESS_HTML_H
#define HARNESS_HTML_H

#include <stddef.h>
#include <stdio.h>

/* 0, or -1 with errno (ENOMEM, or the failed write's) */
int html_page(const char *markdown, size_t len, FILE *out);

#endif
