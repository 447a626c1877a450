#include "number.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int number_parse(const char *s, const struct number_unit *units, double min, double max,
		 double *out)
{
	static const struct number_unit bare[] = { { "", 1 }, { NULL, 0 } };
	const char *c = s;
	size_t digits = 0, len;
	double v;

	if (!s) {
		errno = EINVAL;
		return -1;
	}
	/* the grammar first: strtod() would take "nan", "0x1p4", " -1e9" */
	while (*c >= '0' && *c <= '9')
		c++, digits++;
	if (*c == '.')
		for (c++; *c >= '0' && *c <= '9'; c++)
			digits++;
	if (!digits) {
		errno = EINVAL;
		return -1;
	}
	len = (size_t)(c - s);
	for (const struct number_unit *u = units ? units : bare; u->suffix; u++) {
		char buf[64];

		if (strcmp(c, u->suffix))
			continue;
		/* a copy: strtod() must not read into the suffix ("1e" of "1em") */
		if (len >= sizeof(buf)) {
			errno = ERANGE;	/* 64 digits: no limit is that large or that fine */
			return -1;
		}
		memcpy(buf, s, len);
		buf[len] = '\0';
		errno = 0;
		v = strtod(buf, NULL) * u->factor;
		if (errno == ERANGE || !isfinite(v) || v < min || v > max) {
			errno = ERANGE;
			return -1;
		}
		*out = v;
		return 0;
	}
	errno = EINVAL;
	return -1;
}
