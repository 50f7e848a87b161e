/* avropath: a value's path as text. */
#include "avropath.h"

#include <stdio.h>

/* The length of s (n bytes) cut to at most 64, at a character boundary:
 * messages stay valid UTF-8. */
static int cut(const char *s, size_t n)
{
        size_t w = n > 64 ? 64 : n;
        while (w > 0 && w < n && ((unsigned char)s[w] & 0xc0) == 0x80)
                w--;
        return (int)w;
}

size_t av_path_format(const struct av_path *p, char *buf, size_t cap)
{
        size_t len = 0;
        if (cap)
                buf[0] = 0;
        for (int i = 0; i < p->depth && len + 1 < cap; i++) {
                const struct av_step *s = &p->steps[i];
                int w;
                if (s->kind == AV_STEP_FIELD)
                        w = snprintf(buf + len, cap - len, ".%.*s", cut(s->s, s->n), s->s);
                else if (s->kind == AV_STEP_INDEX)
                        w = snprintf(buf + len, cap - len, "[%zu]", s->n);
                else
                        w = snprintf(buf + len, cap - len, "[%.*s]", cut(s->s, s->n), s->s);
                if (w < 0)
                        break;
                len += (size_t)w;
        }
        return len < cap ? len : (cap ? cap - 1 : 0);
}
