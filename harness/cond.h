/*
 * cond: the conditions a `wait` or `expect` step tests (`blocked read`,
 * `exit 0`, `path "f" fifo`, ...), as one table.
 *
 * Each row is everything the project knows about a condition:
 *   NAME    the enum value is COND_NAME
 *   WORD    what a scenario writes
 *   FLAGS   COND_BOX: box-wide, it takes no process (`expect sysv none`);
 *           such a word cannot name a process.
 *           COND_END: `expect` first waits, up to its deadline, for the
 *           process (and the one it is compared with) to end; `wait`
 *           polls either way.
 *           COND_LIVE: a fact of a live process, read from /proc: it fails
 *           once the process has ended, and only these conditions take the
 *           selectors ID.child and ID.all.
 *   PHRASE  the feedback's "expected p ...": "expected p to be blocked"
 *   PARSE   parse_PARSE() in scenario.c reads the words after WORD
 *   EVAL    eval_EVAL() in cond.c decides it in a running test
 *
 * The table is an X-macro so that each side expands only its half: the
 * scenario loader (and its fuzz target) links without the engine, the
 * engine dispatches on the same rows. A new condition is one row here, a
 * parse function and an eval function.
 */
#ifndef HARNESS_COND_H
#define HARNESS_COND_H

#define COND_BOX	1u
#define COND_END	2u
#define COND_LIVE	4u

#define COND_TABLE(X) \
	X(BLOCKED,   "blocked",   COND_LIVE, "to be blocked",            blocked,   blocked)   \
	X(RUNNING,   "running",   0,         "to be running",            none,      running)   \
	X(STOPPED,   "stopped",   COND_LIVE, "to be stopped",            none,      stopped)   \
	X(EXIT,      "exit",      COND_END,  "to exit",                  exit,      ended)     \
	X(KILLED,    "killed",    COND_END,  "to be killed",             killed,    ended)     \
	X(OUTPUT,    "output",    0,         "to print",                 output,    output)    \
	X(HANDLER,   "handler",   COND_LIVE, "to have a handler",        sigmask,   sigmask)   \
	X(SIGBLK,    "sigblk",    COND_LIVE, "to block a signal",        sigmask,   sigmask)   \
	X(SIGPND,    "sigpnd",    COND_LIVE, "to have a signal pending", sigmask,   sigmask)   \
	X(STDOUT,    "stdout",    COND_END,  "stdout",                   match,     match)     \
	X(STDERR,    "stderr",    COND_END,  "stderr",                   match,     match)     \
	X(CPU,       "cpu",       COND_LIVE, "CPU time",                 cpu,       cpu)       \
	X(FDS,       "fds",       COND_LIVE, "descriptors",              fds,       fds)       \
	X(NOWRITER,  "nowriter",  COND_LIVE, "no write end",             none,      nowriter)  \
	X(PATH,      "path",      COND_BOX,  "path",                     path,      path)      \
	X(SYSV,      "sysv",      COND_BOX,  "SysV IPC",                 sysv,      sysv)      \
	X(PROCESSES, "processes", 0,         "processes",                count,     processes) \
	X(ORPHANS,   "orphans",   COND_END,  "children reaped",          count,     orphans)   \
	X(UNWAITED,  "unwaited",  COND_END,  "children waited for",      count,     unwaited)  \
	X(ZOMBIES,   "zombies",   COND_BOX,  "no zombies",               count,     zombies)   \
	X(HELD,      "held",      0,         "children held",            count,     held)

#define COND_ENUM(name, word, flags, phrase, parse, eval) COND_##name,
enum cond_kind { COND_TABLE(COND_ENUM) COND_NKINDS };
#undef COND_ENUM

struct cond_info {
	const char *word;
	unsigned flags;
	const char *phrase;
};

/* the row of a kind (kind < COND_NKINDS) */
const struct cond_info *cond_info(enum cond_kind kind);
/* the kind a scenario's word names; -1 if none */
int cond_lookup(const char *word);

#endif
