/*
 * cli: `ipcgrade run` and `ipcbox`, one command in one box, with its
 * verdict as a line of text on stderr and, on request, as JSON.
 * Returns the exit status: 0 ok, 1 another verdict, 2 bad usage or input,
 * 3 the box itself failed.
 */
#ifndef SANDBOX_CLI_H
#define SANDBOX_CLI_H

int box_cli_run(const char *prog, int argc, char **argv);

#endif
