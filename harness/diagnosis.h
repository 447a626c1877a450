/*
 * diagnosis: what a failed step's feedback says beyond "expected X, got
 * Y": where every process of the box was, who holds which end of every
 * pipe and FIFO, and why a reader never sees end of file.
 *
 * A student whose test failed reads this to find the bug, so it reports
 * facts of the kernel at the moment of the failure, read from /proc, in
 * the scenario's names:
 *
 *   Where the processes were:
 *     pipecat: blocked in waitpid() or wait(), waiting for a child
 *     pipecat's child: blocked in read() on a pipe (fd 0)
 *     the pipe is held by: pipecat fd 4 (write end), pipecat's child fd 0
 *       (read end), pipecat's child fd 4 (write end)
 *     sh had ended: it exited with status 0
 *   cause: pipecat's child is blocked reading a pipe whose write end is
 *     still open in pipecat's child itself (fd 4), so its read() can never
 *     see end of file
 *   fix: Close the ends of the pipe that pipecat's child does not use
 *     (here fd 4), right after fork() or dup2().
 *
 * What it lists:
 *   - every process alive in the box (init's descendants), with its state:
 *     running with its CPU time, blocked in which system call on which
 *     descriptor, stopped, a zombie;
 *   - every pipe and FIFO that some process holds beyond its own 0, 1 and
 *     2 (those are plumbing the harness made, not news), with each holder,
 *     descriptor and end;
 *   - the started processes that had ended, with their verdict;
 *   - the test's cause and fix (run.cause, run.fix; the result's cause
 *     and fix), for the first process blocked in read() on a pipe or
 *     FIFO whose write end is open somewhere: in the reader itself (a
 *     FIFO opened O_RDWR, or the classic missing close() after fork()),
 *     or in another process that is running or blocked and so will
 *     never close it (a writer itself blocked in read() is a different
 *     story and is not blamed); else for a process blocked writing a
 *     full pipe whose read end only processes asleep in something else
 *     than a read hold (a parent in waitpid() before it started the
 *     reader, the writer itself).
 *
 * What the student reads has no pid and no inode: those go to the
 * result's debug text (run.debug), with the same lines.
 *
 * Processes are named as the rest of the feedback names them (procs.c):
 * the scenario's label, "X's child", "X's child, orphaned", or "a
 * process". Nothing here waits: it is one look at the box.
 */
#ifndef HARNESS_DIAGNOSIS_H
#define HARNESS_DIAGNOSIS_H

#include "strbuf.h"

struct run;

/* append "\nWhere the processes were:..." to sb; set r's cause, fix, debug */
void diagnose(struct run *r, struct strbuf *sb);

#endif
