/*
 * number: the one parser of the quantities people type, shared by the
 * scenario files (durations, sizes, points) and the command line (`ipcgrade
 * run`'s limits).
 *
 * A number is plain decimal: digits with an optional fraction ("12", "0.5",
 * ".5"), then one of the caller's unit suffixes. Everything else is refused,
 * because strtod() alone accepts far too much for a limit: "nan", "inf",
 * "1e300" (which overflows every int64_t it is later cast to), hex floats,
 * signs, leading blanks and trailing junk.
 *
 * Neither side's private headers are needed: this file uses only libc.
 */
#ifndef COMMON_NUMBER_H
#define COMMON_NUMBER_H

/* a suffix and what one of it is worth; "" is a bare number */
struct number_unit {
	const char *suffix;
	double factor;
};

/*
 * Parse s against units (a list ended by a NULL suffix; NULL units: a bare
 * number only). The value times its unit's factor must be finite and lie
 * in [min, max]. Returns 0 with *out set, or -1 with errno EINVAL (not a
 * number of that form, or an unknown unit) or ERANGE (outside [min, max]);
 * *out is then untouched. Prints nothing.
 */
int number_parse(const char *s, const struct number_unit *units, double min, double max,
		 double *out);

#endif
