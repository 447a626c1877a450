/* shared by msg_send and msg_recv -- Ana Ruiz */
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#define MAXTEXT 512

struct message {
	long mtype;
	char mtext[MAXTEXT + 1];
};

static key_t parse_key(const char *prog, const char *s)
{
	char *end;
	errno = 0;
	long k = strtol(s, &end, 0);
	if (errno || end == s || *end || k == 0) {
		fprintf(stderr, "%s: KEY '%s' is not a number\n", prog, s);
		exit(1);
	}
	return (key_t)k;
}
