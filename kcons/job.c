/* job: run the command after "--" on a pipe, and reap it. */
#include "job.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int job_start(struct job *j, char *const argv[])
{
        *j = (struct job){.pid = -1, .rfd = -1, .wfd = -1};
        int fds[2];
        if (pipe(fds) < 0)
                return errno;
        /* Neither end leaks into the job but as its fd 0. */
        fcntl(fds[0], F_SETFD, FD_CLOEXEC);
        fcntl(fds[1], F_SETFD, FD_CLOEXEC);
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t at;
        sigset_t dfl;
        int e = posix_spawn_file_actions_init(&fa);
        if (e) {
                close(fds[0]);
                close(fds[1]);
                return e;
        }
        /* dup2 clears close-on-exec on the copy: the job keeps only fd 0. */
        e = posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
        if (!e)
                e = posix_spawnattr_init(&at);
        if (!e) {
                /* kcons ignores SIGPIPE; a job expects it to kill, as in a
                 * shell pipeline. */
                sigemptyset(&dfl);
                sigaddset(&dfl, SIGPIPE);
                e = posix_spawnattr_setsigdefault(&at, &dfl);
                if (!e)
                        e = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);
                if (!e)
                        e = posix_spawnp(&j->pid, argv[0], &fa, &at, argv, environ);
                posix_spawnattr_destroy(&at);
        }
        posix_spawn_file_actions_destroy(&fa);
        if (e) {
                close(fds[0]);
                close(fds[1]);
                j->pid = -1;
                return e;
        }
        j->rfd = fds[0];
        j->wfd = fds[1];
        return 0;
}

bool job_poll(struct job *j)
{
        if (j->exited || j->pid < 0)
                return true;
        pid_t p;
        do
                p = waitpid(j->pid, &j->wstatus, WNOHANG);
        while (p < 0 && errno == EINTR);
        if (p == j->pid || (p < 0 && errno == ECHILD)) {
                if (p < 0)
                        j->wstatus = 127 << 8; /* cannot happen: we never reap elsewhere */
                j->exited = true;
        }
        return j->exited;
}

void job_end_input(struct job *j)
{
        if (j->wfd >= 0)
                close(j->wfd);
        j->wfd = -1;
}

void job_terminate(struct job *j)
{
        if (!j->signalled && !job_poll(j))
                kill(j->pid, SIGTERM);
        j->signalled = true;
}

int job_status(const struct job *j)
{
        if (WIFSIGNALED(j->wstatus))
                return 128 + WTERMSIG(j->wstatus);
        return WEXITSTATUS(j->wstatus);
}

void job_free(struct job *j)
{
        job_end_input(j);
        if (j->rfd >= 0)
                close(j->rfd);
        j->rfd = -1;
}
