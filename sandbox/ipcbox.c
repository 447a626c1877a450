/* ipcbox: the box alone, for debugging and benchmarks */
#include "cli.h"

int main(int argc, char **argv)
{
	return box_cli_run("ipcbox", argc, argv);
}
