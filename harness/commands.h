/*
 * commands: list, check and grade. Each returns an exit status: 0 all
 * tests passed, 1 some failed, 2 bad usage or input, 3 the harness failed.
 */
#ifndef HARNESS_COMMANDS_H
#define HARNESS_COMMANDS_H

int cmd_list(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_grade(int argc, char **argv);

#endif
