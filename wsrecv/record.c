/* record: one message -> the bytes of one record (see record.h). */
#include <libwebsockets.h> /* the close codes (RFC 6455) only */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "envelope.h"
#include "framing.h"
#include "record.h"

size_t record_bound(const struct conf *conf)
{
        size_t m = conf->max_message;
        if (conf->json) {
                /* What envelope_put reserves for put_json's largest record:
                 * a message of m bytes, the longest peer and path. */
                static const char any;
                const struct env_header h[] = {
                    {"conn", 4, &any, 20},
                    {"seq", 3, &any, 20},
                    {"peer", 4, &any, PEER_MAX},
                    {"path", 4, &any, HEAD_MAX},
                };
                const struct envelope e = {
                    .partition = -1,
                    .offset = -1,
                    .tstype = ENV_TS_CREATE,
                    .broker = -1,
                    .headers = h,
                    .nheaders = sizeof(h) / sizeof(h[0]),
                    .payload = &any,
                    .len = m,
                };
                size_t room = envelope_room(&e);
                return room == (size_t)-1 ? room : room + 1; /* and the delimiter */
        }
        if (conf->binary == BINARY_BASE64)
                return (m + 2) / 3 * 4 + 1;
        return m + 1;
}

/* Appends the message as a -J envelope (lib/envelope.h): the message is the
 * payload (payload_b64 when not UTF-8), ts its receive time, and the
 * connection's id, the message's sequence number, the peer and the request
 * path are headers, so that kprod -J keeps them with the record. */
static int put_json(struct outbuf *ob, const struct record_from *from, const void *data,
                    size_t len, const char *delim)
{
        char conn[DEC_MAX], seq[DEC_MAX];
        size_t cl = (size_t)(udec_write(conn, from->conn) - conn);
        size_t sl = (size_t)(udec_write(seq, from->seq) - seq);
        const struct env_header h[] = {
            {"conn", 4, conn, cl},
            {"seq", 3, seq, sl},
            {"peer", 4, from->peer, strlen(from->peer)},
            {"path", 4, from->path, from->path_len},
        };
        const struct envelope e = {
            .partition = -1,
            .offset = -1,
            .tstype = ENV_TS_CREATE,
            .ts = clock_wall_ms(), /* the receive time; a vDSO read, no syscall */
            .broker = -1,
            .headers = h,
            .nheaders = sizeof(h) / sizeof(h[0]),
            .payload = data ? data : "", /* an empty message is not a tombstone */
            .len = len,
        };
        return envelope_put(ob, &e) | outbuf_putc(ob, *delim);
}

/* Appends text with CR and LF turned into spaces, then the delimiter. */
static int put_spaced(struct outbuf *ob, const char *data, size_t len, char delim)
{
        char *o = outbuf_reserve(ob, len + 1);
        if (!o)
                return -1;
        for (size_t i = 0; i < len; i++) {
                char c = data[i];
                o[i] = c == '\n' || c == '\r' ? ' ' : c;
        }
        o[len] = delim;
        ob->len += len + 1;
        return 0;
}

int record_message(const struct conf *conf, struct outbuf *ob, const struct record_from *from,
                   const void *data, size_t len, bool binary, const char **why)
{
        const char *delim = conf->nul ? "" : "\n"; /* "" holds the NUL */
        size_t before = outbuf_pending(ob);
        int rc;

        if (binary && conf->binary == BINARY_REFUSE) {
                *why = "binary messages are refused; see --binary=raw or -J";
                return LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE;
        }
        if (!binary && !utf8_valid(data, len)) {
                *why = "text message is not valid UTF-8";
                return LWS_CLOSE_STATUS_INVALID_PAYLOAD;
        }
        if (conf->json) {
                rc = put_json(ob, from, data, len, delim);
        } else if (binary && conf->binary == BINARY_BASE64) {
                rc = base64_put(ob, data, len) | outbuf_putc(ob, *delim);
        } else if (binary || conf->nul) {
                if (!binary && memchr(data, '\0', len)) {
                        *why = "text message contains NUL; see -J";
                        return LWS_CLOSE_STATUS_INVALID_PAYLOAD;
                }
                rc = record_put(ob, data, len, delim, 1);
        } else if (!memchr(data, '\n', len) && !memchr(data, '\r', len)) {
                rc = record_put(ob, data, len, "\n", 1);
        } else if (conf->newline == NEWLINE_SPACE) {
                rc = put_spaced(ob, data, len, '\n');
        } else {
                *why = "message contains CR or LF; see --newline=space, -0 or -J";
                return LWS_CLOSE_STATUS_INVALID_PAYLOAD;
        }
        if (rc < 0) {
                outbuf_cut(ob, before); /* never a torn record */
                return -1;
        }
        return 0;
}
