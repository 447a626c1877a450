/*
 * grade: the commands that grade (list, check, grade, selftest): they find
 * the assignment's grader, build the reference once and the submission,
 * run the tests and render the reports. Each returns an exit status: 0 all
 * tests passed, 1 some failed, 2 bad usage or input, 3 the harness failed.
 */
#ifndef HARNESS_GRADE_H
#define HARNESS_GRADE_H

int cmd_list(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_grade(int argc, char **argv);
int cmd_selftest(int argc, char **argv);

/* where graders/ and reference/ are: $IPCGRADE_ROOT, beside the binary
 * (a build tree), or the installed data directory */
const char *root_dir(void);

#endif
