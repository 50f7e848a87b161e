/* stdfds: keep descriptors 0-2 from being reused; whole lines on stderr. */
#include "stdfds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int stdfds_guard(void)
{
        int closed = 0;
        for (int fd = 0; fd <= 2; fd++) {
                if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
                        continue;
                /* open() returns the lowest free number: this one. */
                int got = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
                if (got < 0)
                        return -1;
                if (got != fd) {
                        close(got);
                        errno = EBADF;
                        return -1;
                }
                closed |= 1 << fd;
        }
        /* warnx() writes its prefix and its message apart on an unbuffered
         * stderr: two tools of one pipeline sharing a terminal or a log
         * would cut into each other's lines. */
        if (setvbuf(stderr, NULL, _IOLBF, 0) != 0)
                return -1;
        return closed;
}
