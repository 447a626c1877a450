/*
 * A libFuzzer target over the scenario loader (`make fuzz`): each input is
 * one .scn file, loaded as a grader and freed. Any crash, leak or undefined
 * behaviour the sanitizers see is a bug of the parser: a bad grader file
 * must always end in "FILE:LINE: message".
 */
#define _GNU_SOURCE
#include "../../harness/scenario.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], file[96];

static void cleanup(void)
{
	unlink(file);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct grader g;
	char err[1024];
	FILE *f;

	if (!dir[0]) {
		/* scenario_load() reads a directory: one of our own, for all inputs */
		snprintf(dir, sizeof(dir), "/tmp/ipcgrade-fuzz.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(file, sizeof(file), "%s/t.scn", dir);
		atexit(cleanup);
	}
	f = fopen(file, "we");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	if (scenario_load(dir, "t", &g, err, sizeof(err)) == 0)
		scenario_free(&g);
	else if (!err[0])
		abort();	/* a refusal must say why */
	return 0;
}

#ifdef STANDALONE
/* without libFuzzer (tests/scenario.t, under gcc's sanitizers): each
 * argument is one input */
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		static uint8_t buf[1 << 20];
		FILE *f = fopen(argv[i], "re");
		size_t n;

		if (!f) {
			perror(argv[i]);
			return 2;
		}
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	return 0;
}
#endif
