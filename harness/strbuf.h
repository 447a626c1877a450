/* strbuf: a growable string for feedback text; aborts on out of memory */
#ifndef HARNESS_STRBUF_H
#define HARNESS_STRBUF_H

#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *buf;
	size_t len, cap;
};

void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_add(struct strbuf *sb, const char *s, size_t len);
/* bytes shown safely: printable ASCII as is, the rest as \n, \t, \xHH */
void sb_add_escaped(struct strbuf *sb, const char *s, size_t len, size_t max);
/* s made valid UTF-8, as JSON must be: each byte that does not belong to
 * a well-formed sequence (and NUL) becomes U+FFFD */
void sb_add_utf8(struct strbuf *sb, const char *s, size_t len);
const char *sb_str(struct strbuf *sb);

/* the length of the UTF-8 sequence s (n bytes) starts with, its code point
 * in *cp; 0 if it is not one (overlong, a surrogate, past U+10FFFF) */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
void sb_release(struct strbuf *sb);

#endif
