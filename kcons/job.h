/* job: the command kcons runs after "--", whose stdin is the message
 * stream.
 *
 * Invariant: while the job runs, kcons holds both ends of the job's stdin
 * pipe: the write end (fed by the sink) until job_end_input, and the read
 * end until job_free, so that the bytes the job left unread stay countable
 * after it exits. The job's exit status is known once job_poll said so. */
#ifndef KCONS_JOB_H
#define KCONS_JOB_H

#include <stdbool.h>
#include <sys/types.h>

struct job {
        pid_t pid;
        int rfd;     /* the read end of its stdin, held to count what it left */
        int wfd;     /* the write end, or -1 once its input ended */
        bool exited; /* wstatus is its exit status */
        int wstatus;
        bool signalled; /* kcons sent it SIGTERM */
};

/* Starts argv[0] (looked up in PATH) with its stdin on a new pipe. Returns
 * 0, or an errno value (ENOENT: no such command). */
int job_start(struct job *j, char *const argv[]);
/* True when the job has exited (without waiting). */
bool job_poll(struct job *j);
/* Ends the job's input: it reads what the pipe holds, then end of file. */
void job_end_input(struct job *j);
/* Sends the job SIGTERM, once. */
void job_terminate(struct job *j);
/* The job's exit status as a shell gives it: its code, or 128 + signal. */
int job_status(const struct job *j);
/* Closes what is left of the pipe. */
void job_free(struct job *j);

#endif
