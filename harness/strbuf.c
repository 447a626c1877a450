#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void grow(struct strbuf *sb, size_t more)
{
	size_t want = sb->len + more + 1;

	if (want <= sb->cap)
		return;
	sb->cap = want < 256 ? 256 : want * 2;
	sb->buf = realloc(sb->buf, sb->cap);
	if (!sb->buf) {
		fprintf(stderr, "ipcgrade: out of memory\n");
		exit(3);
	}
}

void sb_add(struct strbuf *sb, const char *s, size_t len)
{
	grow(sb, len);
	memcpy(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grow(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

void sb_add_escaped(struct strbuf *sb, const char *s, size_t len, size_t max)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == max) {
			sb_addf(sb, "... (%zu bytes more)", len - i);
			return;
		}
		if (c == '\n')
			sb_add(sb, "\\n", 2);
		else if (c == '\t')
			sb_add(sb, "\\t", 2);
		else if (c == '\\')
			sb_add(sb, "\\\\", 2);
		else if (c < 32 || c >= 127)
			sb_addf(sb, "\\x%02x", c);
		else
			sb_add(sb, (const char *)&c, 1);
	}
}

const char *sb_str(struct strbuf *sb)
{
	if (!sb->buf)
		sb_add(sb, "", 0);
	return sb->buf;
}

void sb_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}
