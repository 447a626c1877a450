/*
 * reftimes: the reference's time for each step on this machine, measured
 * once and cached (reftimes.h).
 */
#define _GNU_SOURCE
#include "reftimes.h"
#include "engine.h"
#include "files.h"
#include "strbuf.h"
#include "../common/clock.h"
#include "../common/io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* a new format, or a new way of measuring, makes old files a miss */
#define REFTIMES_VERSION "ipcgrade step times 1"

struct known {
	char name[64];
	json_t *times;		/* NULL: none (derivation off or failed) */
	struct reftimes_info info;
	char file[PATH_MAX];
};
static struct known known[16];
static int nknown;

/* "Intel(R) Xeon(R) ... / 2 CPUs / Linux 6.1.0 x86_64": what makes a machine slow or fast */
static void describe_machine(struct strbuf *out)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512], model[256] = "unknown CPU";
	struct utsname u;

	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (colon && !strncmp(line, "model name", 10)) {
			snprintf(model, sizeof(model), "%s", colon + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (f)
		fclose(f);
	sb_addf(out, "%s / %ld CPUs", model, sysconf(_SC_NPROCESSORS_ONLN));
	if (uname(&u) == 0)
		sb_addf(out, " / %s %s %s", u.sysname, u.release, u.machine);
}

/* a directory of ours for the cache, or -1 */
static int usable_dir(const char *dir, int private_only)
{
	struct stat st;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -1;
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return -1;
	/* in a shared /tmp, nobody else may plant our deadlines */
	if (private_only && (st.st_mode & 077))
		return -1;
	return access(dir, W_OK | X_OK);
}

static int cache_dir(char *out, size_t size)
{
	const char *env = getenv("IPCGRADE_CACHE"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME"), *tmp = getenv("TMPDIR");
	char base[PATH_MAX];

	if (env && *env) {
		if (!strcmp(env, "off"))
			return -1;
		snprintf(out, size, "%s", env);
		return usable_dir(out, 0);
	}
	if (xdg && *xdg == '/') {
		snprintf(out, size, "%s/ipcgrade", xdg);
		if (usable_dir(out, 0) == 0)
			return 0;
	}
	if (home && *home == '/') {
		if ((size_t)snprintf(base, sizeof(base), "%s/.cache", home) < sizeof(base) &&
		    (size_t)snprintf(out, size, "%s/.cache/ipcgrade", home) < size &&
		    (mkdir(base, 0700) == 0 || errno == EEXIST) && usable_dir(out, 0) == 0)
			return 0;
	}
	snprintf(out, size, "%s/ipcgrade-cache-%u", tmp && *tmp ? tmp : "/tmp", (unsigned)geteuid());
	return usable_dir(out, 1);
}

/* the reference graded as the submission, each step's time kept */
static json_t *measure(const struct grader *g, const char *refdir)
{
	char bins[PATH_MAX];
	struct engine e = { .grader = g };
	json_t *times = json_object();
	int ok = 0;

	if (make_temp(bins, sizeof(bins), "reftimes") < 0)
		goto out;
	ok = 1;
	for (int side = 0; side < 2; side++) {
		char d[PATH_MAX + 16];

		snprintf(d, sizeof(d), "%s/%s", bins, side ? "reference" : "student");
		mkdir(d, 0755);
		for (char **p = g->programs; *p; p++) {
			char from[PATH_MAX + 300], to[PATH_MAX + 300];

			snprintf(from, sizeof(from), "%s/reference/%s", refdir, *p);
			snprintf(to, sizeof(to), "%s/%s", d, *p);
			if (link_or_copy(from, to) < 0)
				ok = 0;
		}
	}
	e.bin_dir = bins;
	e.student_built = (const char *const *)g->programs;
	e.build_log = "";
	e.violations = json_array();
	e.times = times;
	e.measuring = 1;
	for (int i = 0; ok && i < g->ntests; i++) {
		const struct test *t = &g->tests[i];
		int student = 0;
		json_t *tr;

		/* a test that starts no student program runs the same in every
		 * grading: timing it here would tell nothing new, and its
		 * deadlines stay the scenario's */
		for (int k = 0; k < t->nsteps; k++)
			student |= t->steps[k].kind == STEP_START && t->steps[k].pkind == PROC_STUDENT;
		if (!student)
			continue;
		tr = engine_run_test(&e, t);

		/* a test the harness could not run says nothing of the machine */
		if (json_is_true(json_object_get(tr, "harness_error")))
			ok = 0;
		json_decref(tr);
	}
	json_decref(e.violations);
	json_decref(e.isolation);
	engine_release(&e);	/* the causes of the reference's failed tests */
	rm_tree(bins);
out:
	if (!ok) {
		json_decref(times);
		return NULL;
	}
	return times;
}

static json_t *read_cache(const char *file, const char *key)
{
	json_t *doc = json_load_file(file, 0, NULL), *times;

	if (!doc)
		return NULL;
	times = json_object_get(doc, "times");
	if (strcmp(json_string_value(json_object_get(doc, "key")) ?: "", key) || !json_is_object(times)) {
		json_decref(doc);
		return NULL;
	}
	json_incref(times);
	json_decref(doc);
	return times;
}

/* written whole under another name, then renamed: a reader never sees half */
static void write_cache(const char *file, const char *key, const char *machine,
			const struct grader *g, json_t *times)
{
	char tmp[PATH_MAX + 32];
	json_t *doc = json_pack("{s:s,s:s,s:s,s:s,s:I,s:O}", "format", REFTIMES_VERSION, "key", key,
				"grader", g->name, "machine", machine, "measured_at",
				(json_int_t)time(NULL), "times", times);

	snprintf(tmp, sizeof(tmp), "%s.%d", file, (int)getpid());
	if (doc && json_dump_file(doc, tmp, JSON_COMPACT) == 0 && rename(tmp, file) == 0) {
		json_decref(doc);
		return;
	}
	unlink(tmp);
	json_decref(doc);
}

const json_t *reftimes_get(const struct grader *g, const char *refdir, struct reftimes_info *info)
{
	const char *mode = getenv("IPCGRADE_DEADLINES");
	struct sha256_ctx c;
	uint8_t d[SHA256_DIGEST_SIZE];
	char key[2 * SHA256_DIGEST_SIZE + 1], dir[PATH_MAX - 128];
	struct strbuf machine = { 0 };
	struct known *k;
	int64_t t0;

	for (int i = 0; i < nknown; i++)
		if (!strcmp(known[i].name, g->name)) {
			*info = known[i].info;
			return known[i].times;
		}
	if (nknown == 16) {
		*info = (struct reftimes_info){ .source = "scenario", .why = "too many assignments" };
		return NULL;
	}
	k = &known[nknown++];
	snprintf(k->name, sizeof(k->name), "%s", g->name);
	k->info.source = "scenario";
	if (mode && !strcmp(mode, "scenario")) {
		k->info.why = "IPCGRADE_DEADLINES=scenario";
		*info = k->info;
		return NULL;
	}
	if (mode && *mode && strcmp(mode, "reference"))
		fprintf(stderr, "ipcgrade: IPCGRADE_DEADLINES='%s' is neither 'reference' nor "
			"'scenario': deadlines come from the reference\n", mode);
	describe_machine(&machine);
	sha256_init(&c);
	sha256_update(&c, sizeof(REFTIMES_VERSION), (const uint8_t *)REFTIMES_VERSION);
	sha256_update(&c, machine.len + 1, (const uint8_t *)sb_str(&machine));
	hash_tree(&c, g->dir, "mutants");	/* errors: a key that matches no cache */
	for (char **p = g->programs; *p; p++) {
		char bin[PATH_MAX + 300];

		snprintf(bin, sizeof(bin), "%s/reference/%s", refdir, *p);
		sha256_update(&c, strlen(*p) + 1, (const uint8_t *)*p);
		hash_file(&c, bin);
	}
	sha256_digest(&c, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		snprintf(key + 2 * i, 3, "%02x", d[i]);
	if (cache_dir(dir, sizeof(dir)) == 0) {
		snprintf(k->file, sizeof(k->file), "%s/times-%s-%.16s.json", dir, g->name, key);
		k->times = read_cache(k->file, key);
	}
	if (!k->times) {
		t0 = now_ms();
		k->times = measure(g, refdir);
		k->info.measured_ms = now_ms() - t0;
		if (k->times && k->file[0])
			write_cache(k->file, key, sb_str(&machine), g, k->times);
	}
	if (k->times) {
		k->info.source = "reference";
		k->info.file = k->file[0] ? k->file : NULL;
	} else {
		k->info.why = "the reference could not be timed";
	}
	sb_release(&machine);
	*info = k->info;
	return k->times;
}
