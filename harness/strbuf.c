#include "strbuf.h"

#include <stdarg.h>
#include <stdint.h>
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

/* the length of the UTF-8 sequence s starts with, or 0 if it is not one */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, *cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, *cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, *cp = s[0] & 0x07;
	else
		return 0;
	/* no overlong forms, no surrogates, nothing past U+10FFFF */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	return len;
}

void sb_add_utf8(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	grow(sb, len);
	while (p < end) {
		uint32_t cp;
		size_t n = utf8_decode(p, (size_t)(end - p), &cp);

		if (n && cp) {
			sb_add(sb, (const char *)p, n);
			p += n;
		} else {
			sb_add(sb, "\xef\xbf\xbd", 3);	/* U+FFFD */
			p++;
		}
	}
}
