/* Drives lib/outbuf.c alone: a buffer that trims moves its pending bytes
 * to the front without holding both copies in memory (issue 18), and every
 * move keeps the bytes exact. Memory is measured as the process's peak RSS
 * (VmHWM, reset through /proc/self/clear_refs); under ASan, which keeps its
 * own shadow and intercepts memmove, only the bytes are checked. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "outbuf.h"

#define KiB 1024
#define MiB (1024 * 1024)
#define KEEP MiB /* wsrecv's (output.c) */

#if defined(__SANITIZE_ADDRESS__)
#define MEASURE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEASURE 0
#endif
#endif
#ifndef MEASURE
#define MEASURE 1
#endif

/* The byte at position pos of the stream written through a buffer. */
static unsigned char byte_at(uint64_t pos)
{
        return (unsigned char)(pos * 131 + (pos >> 12));
}

/* A field of /proc/self/status in kB ("VmRSS:"), or -1; without stdio,
 * whose buffers would count. */
static long status_kb(const char *field)
{
        char buf[4096];
        int fd = open("/proc/self/status", O_RDONLY);
        if (fd < 0)
                return -1;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return -1;
        buf[n] = '\0';
        char *p = strstr(buf, field);
        return p ? strtol(p + strlen(field), NULL, 10) : -1;
}

/* Starts a new peak: VmHWM becomes VmRSS. Returns 0 or -1. */
static int reset_peak(void)
{
        int fd = open("/proc/self/clear_refs", O_WRONLY);
        if (fd < 0)
                return -1;
        int rc = write(fd, "5", 1) == 1 ? 0 : -1;
        close(fd);
        return rc;
}

/* Appends n bytes of the stream to ob, whose stream is at *pos, in one
 * piece. */
static void put_stream(struct outbuf *ob, uint64_t *pos, size_t n)
{
        unsigned char *piece = malloc(n ? n : 1);
        CHECK(piece != NULL);
        if (!piece)
                return;
        for (size_t i = 0; i < n; i++)
                piece[i] = byte_at(*pos + i);
        CHECK_EQ(outbuf_put(ob, piece, n), 0);
        *pos += n;
        free(piece);
}

/* True when ob's pending bytes are the stream from position from on. */
static int pending_exact(const struct outbuf *ob, uint64_t from)
{
        for (size_t i = 0; i < ob->len; i++)
                if ((unsigned char)ob->data[ob->off + i] != byte_at(from + i))
                        return 0;
        return 1;
}

/* What a write of n bytes (fewer than are pending) does to ob: exact
 * counts, where a pipe would take what it has room for. */
static void taken(struct outbuf *ob, size_t n)
{
        CHECK(n < ob->len);
        ob->off += n;
        ob->len -= n;
}

/* Writes all of ob, whose pending bytes are the stream from position at
 * on, through a pipe read as it goes; checks what comes out. */
static void drain_exact(struct outbuf *ob, uint64_t at)
{
        static unsigned char got[64 * KiB];
        uint64_t want = at + ob->len;
        int p[2], exact = 1;
        CHECK_EQ(pipe(p), 0);
        CHECK_EQ(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
        ob->fd = p[1];
        while (outbuf_pending(ob)) {
                long w = outbuf_write_some(ob);
                CHECK(w > 0);
                if (w <= 0)
                        break;
                while (w > 0) {
                        ssize_t r = read(p[0], got, sizeof(got));
                        CHECK(r > 0);
                        if (r <= 0)
                                break;
                        for (ssize_t i = 0; i < r; i++)
                                exact &= got[i] == byte_at(at + (uint64_t)i);
                        at += (uint64_t)r;
                        w -= r;
                }
        }
        CHECK(exact);
        CHECK_EQ(at, want);
        CHECK_EQ(ob->off, 0);
        close(p[0]);
        close(p[1]);
        ob->fd = -1;
}

/* A buffer of cap bytes filled, `written` of them taken, trimmed as
 * wsrecv trims it, then given one more piece that does not fit: the
 * pending bytes move to the front, or (over themselves) the buffer grows.
 * Either way the peak rises by less than max_rise_kb over what the buffer
 * held before (not by the copy), and the bytes are exact. */
static void room_after(size_t cap, size_t written, long max_rise_kb)
{
        struct outbuf ob;
        uint64_t pos = 0;
        CHECK_EQ(outbuf_init(&ob, -1, cap), 0);
        put_stream(&ob, &pos, cap);
        taken(&ob, written);
        outbuf_trim(&ob, KEEP);
        long before = status_kb("VmRSS:");
        CHECK(before > 0);
        CHECK_EQ(reset_peak(), 0);
        put_stream(&ob, &pos, 64 * KiB); /* does not fit */
        long peak = status_kb("VmHWM:");
        if (written >= cap - written) { /* moved out of its own way */
                CHECK_EQ(ob.off, 0);
                CHECK_EQ(ob.cap, cap);
        } else { /* grown */
                CHECK_EQ(ob.off, written);
                CHECK_EQ(ob.cap, 2 * cap);
        }
        CHECK_EQ(ob.len, cap - written + 64 * KiB);
        CHECK(pending_exact(&ob, written));
        if (MEASURE && peak - before >= max_rise_kb)
                fprintf(stderr, "%zu bytes pending from %zu: peak %ld kB over %ld kB\n", ob.len,
                        written, peak - before, before);
        CHECK(!MEASURE || peak - before < max_rise_kb);
        drain_exact(&ob, written);
        outbuf_free(&ob);
}

/* Fills ob up to its capacity and one byte more: what does not fit. */
static void overfill(struct outbuf *ob, uint64_t *pos, size_t more)
{
        put_stream(ob, pos, ob->cap - ob->off - ob->len + more);
}

/* A buffer never trimmed moves with a plain memmove, out of its own way
 * and over itself; a trimmed one moves exact also when it holds less than
 * it keeps, and from an offset that is not page-aligned, in chunks. */
static void moves_exact(void)
{
        struct outbuf ob;
        uint64_t pos = 0, at = 0;
        CHECK_EQ(outbuf_init(&ob, -1, 3 * MiB), 0);
        put_stream(&ob, &pos, 3 * MiB);
        taken(&ob, 2 * MiB + 100);
        at += 2 * MiB + 100;
        overfill(&ob, &pos, 1);
        CHECK_EQ(ob.off, 0);
        CHECK(pending_exact(&ob, at));
        put_stream(&ob, &pos, 2 * MiB);
        taken(&ob, MiB);
        at += MiB;
        CHECK(ob.off < ob.len);
        overfill(&ob, &pos, 200);
        CHECK_EQ(ob.off, 0);
        CHECK_EQ(ob.cap, 3 * MiB);
        CHECK(pending_exact(&ob, at));

        /* Trimmed: 10 bytes pending. */
        at += ob.len - 10;
        taken(&ob, ob.len - 10);
        outbuf_trim(&ob, KEEP);
        CHECK_EQ(ob.keep, KEEP);
        size_t piece = ob.cap - ob.off - ob.len + 1;
        put_stream(&ob, &pos, piece);
        CHECK_EQ(ob.off, 0);
        CHECK_EQ(ob.len, 10 + piece);
        CHECK(pending_exact(&ob, at));

        /* Trimmed: 1.4 MiB pending from an odd offset, out of its own way. */
        put_stream(&ob, &pos, 29 * MiB / 10 - ob.len);
        taken(&ob, 3 * MiB / 2 + 12345);
        at += 3 * MiB / 2 + 12345;
        outbuf_trim(&ob, KEEP);
        CHECK(ob.off >= ob.len);
        overfill(&ob, &pos, 777);
        CHECK_EQ(ob.off, 0);
        CHECK_EQ(ob.cap, 3 * MiB);
        CHECK(pending_exact(&ob, at));
        drain_exact(&ob, at);
        outbuf_free(&ob);
}

int main(void)
{
        /* 16 MiB pending moved 16 MiB down, out of its own way: a single
         * memmove rose 15 MiB (the copy); chunks rise by one, and the
         * piece appended. 24 MiB pending 8 MiB from the front: a memmove
         * over itself rose 7 MiB; growing rises by the piece appended.
         * A transparent huge page (2 MiB) fits in the 4 MiB allowed. */
        room_after(32 * MiB, 16 * MiB, 4 * 1024);
        room_after(32 * MiB, 20 * MiB, 4 * 1024);
        room_after(32 * MiB, 8 * MiB, 4 * 1024);
        moves_exact();
        return check_report("outbuf_test");
}
