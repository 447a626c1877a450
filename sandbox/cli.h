/*
 * cli: `ipcgrade run` and `ipcbox`, one command in one box, with its
 * verdict as a line of text on stderr and, on request, as JSON.
 * Returns the exit status: 0 ok, 1 another verdict, 2 bad usage or input,
 * 3 the box itself failed.
 */
#ifndef SANDBOX_CLI_H
#define SANDBOX_CLI_H

#include <jansson.h>

int box_cli_run(const char *prog, int argc, char **argv);

/* the verdict's "isolation" object (docs/run-contract.md) */
struct box_isolation;
json_t *box_isolation_json(const struct box_isolation *iso);

#endif
