/* strbuf: a growable string for feedback text; aborts on out of memory */
#ifndef HARNESS_STRBUF_H
#define HARNESS_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len, cap;
};

void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_add(struct strbuf *sb, const char *s, size_t len);
/* bytes shown safely: printable ASCII as is, the rest as \n, \t, \xHH */
void sb_add_escaped(struct strbuf *sb, const char *s, size_t len, size_t max);
const char *sb_str(struct strbuf *sb);
void sb_release(struct strbuf *sb);

#endif
