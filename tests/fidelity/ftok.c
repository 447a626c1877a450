/* ftok on a file of the work directory, then a SysV queue between processes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

struct m { long type; char text[32]; };

int main(void)
{
	int fd = open("keyfile", O_CREAT | O_WRONLY, 0644), q;
	key_t k1, k2;
	struct m m = { 1, "" };

	if (fd < 0)
		return 1;
	close(fd);
	k1 = ftok("keyfile", 'A');
	k2 = ftok("./keyfile", 'A');
	if (k1 == -1) {
		perror("ftok");
		return 1;
	}
	printf("ftok: same key for the same file: %s\n", k1 == k2 ? "yes" : "no");
	q = msgget(k1, IPC_CREAT | IPC_EXCL | 0600);
	if (q < 0) {
		perror("msgget");
		return 1;
	}
	if (fork() == 0) {
		int q2 = msgget(ftok("keyfile", 'A'), 0);

		strcpy(m.text, "found by key");
		_exit(q2 == q && msgsnd(q2, &m, sizeof(m.text), 0) == 0 ? 0 : 1);
	}
	wait(NULL);
	if (msgrcv(q, &m, sizeof(m.text), 1, 0) < 0)
		return 1;
	printf("message: %s\n", m.text);
	msgctl(q, IPC_RMID, NULL);
	unlink("keyfile");
	return 0;
}
