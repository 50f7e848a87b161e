/* stdfds: keep descriptors 0-2 from being reused. */
#include "stdfds.h"

#include <errno.h>
#include <fcntl.h>
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
        return closed;
}
