/* log: one line per call on stderr, in one write (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static enum verbosity chosen = VERB_NORMAL;

void log_set(enum verbosity level)
{
        chosen = level;
}

int log_on(enum verbosity level)
{
        return chosen >= level;
}

/* "wsrecv: " and the message and a newline into buf (of size len), or
 * into a buffer made for it when buf is short. Returns the line (buf, or
 * one the caller frees) and its length, or NULL. */
static char *format(char *buf, size_t size, size_t *len, const char *fmt, va_list ap)
{
        static const char prefix[] = "wsrecv: ";
        size_t p = sizeof(prefix) - 1;
        va_list again;
        va_copy(again, ap);
        int k = vsnprintf(buf + p, size - p, fmt, ap);
        char *line = buf;
        if (k >= 0 && (size_t)k + 1 >= size - p) { /* no room for it and the newline */
                line = malloc(p + (size_t)k + 2);
                if (line)
                        vsnprintf(line + p, (size_t)k + 1, fmt, again);
        }
        va_end(again);
        if (k < 0 || !line)
                return NULL;
        memcpy(line, prefix, p);
        line[p + (size_t)k] = '\n';
        *len = p + (size_t)k + 1;
        return line;
}

void logx(enum verbosity level, const char *fmt, ...)
{
        if (chosen < level)
                return;
        char buf[1024];
        size_t len;
        va_list ap;
        va_start(ap, fmt);
        char *line = format(buf, sizeof(buf), &len, fmt, ap);
        va_end(ap);
        if (!line)
                return;
        /* One write: nowhere to say that it failed. */
        ssize_t w = write(STDERR_FILENO, line, len);
        (void)w;
        if (line != buf)
                free(line);
}
