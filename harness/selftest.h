/*
 * selftest: the graders' own test, references against mutants. Returns
 * 0 when every check passed, 1 when some failed, 2 bad usage, 3 the
 * harness failed.
 */
#ifndef HARNESS_SELFTEST_H
#define HARNESS_SELFTEST_H

int cmd_selftest(int argc, char **argv);

#endif
