/* session: one WebSocket connection. Assembles fragmented messages, turns
 * each complete message into a record, pauses reading when the output is
 * full, sends acks, and closes with the code that says what was wrong.
 *
 * lws contract notes: RECEIVE delivers a message in pieces of at most the
 * protocol's rx buffer size; lws_is_final_fragment() is true on the last
 * piece of the last frame. Returning -1 from a callback closes the
 * connection, with the code and reason set by lws_close_reason() if any. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wsrecv.h"

/* Asks lws to close s with code once it can write (used from outside its
 * own callbacks: drains, idle timeouts). */
void session_close(struct session *s, int code, const char *reason)
{
        if (s->close_code)
                return;
        s->close_code = code;
        s->close_reason = reason;
        if (s->paused) {
                /* Stop holding it back: lws only writes to connections it
                 * services, and the drain wants what it already sent. */
                output_forget(s->srv, s);
                lws_rx_flow_control(s->wsi, 1);
        }
        lws_callback_on_writable(s->wsi);
}

/* Closes s now from inside its callback: returns -1 for lws. */
static int refuse(struct session *s, int code, const char *why)
{
        struct server *srv = s->srv;
        srv->n.rejected++;
        if (srv->conf->log >= LOG_VERBOSE)
                fprintf(stderr, "wsrecv: conn %llu from %s: closed with %d: %s\n",
                        (unsigned long long)s->id, s->peer, code, why);
        lws_close_reason(s->wsi, (enum lws_close_status)code, (unsigned char *)why, strlen(why));
        return -1;
}

/* Keeps the request path (without its query) for the -J records of s. */
static int make_meta(struct session *s)
{
        char path[1024];
        int n = lws_hdr_copy(s->wsi, path, sizeof(path), WSI_TOKEN_GET_URI);
        if (n < 0)
                n = 0;
        s->meta = malloc((size_t)n + 1);
        if (!s->meta)
                return -1;
        memcpy(s->meta, path, (size_t)n);
        s->meta_len = (size_t)n;
        return 0;
}

/* Appends a piece to the message being assembled. Returns 0 or -1. */
static int assemble(struct session *s, const void *in, size_t len)
{
        if (s->msg_len + len > s->msg_cap) {
                size_t cap = s->msg_cap ? s->msg_cap : 4096;
                while (cap < s->msg_len + len)
                        cap *= 2;
                char *p = realloc(s->msg, cap);
                if (!p)
                        return -1;
                s->msg = p;
                s->msg_cap = cap;
        }
        memcpy(s->msg + s->msg_len, in, len);
        s->msg_len += len;
        s->srv->out.asm_bytes += len;
        return 0;
}

/* Forgets the assembled message; keeps a small buffer for the next one, so
 * that a client of 3 KB messages does not cost a malloc per message. */
static void assembly_reset(struct session *s, bool keep)
{
        s->srv->out.asm_bytes -= s->msg_len;
        s->msg_len = 0;
        s->in_msg = false;
        if (!keep || s->msg_cap > 16384) {
                free(s->msg);
                s->msg = NULL;
                s->msg_cap = 0;
        }
}

/* Handles one piece of a message. Returns 0 or -1 to close. */
static int receive(struct session *s, const void *in, size_t len)
{
        struct server *srv = s->srv;
        size_t max = srv->conf->max_message;
        bool final = lws_is_final_fragment(s->wsi);
        const char *why = NULL;
        int rc;

        if (!in)
                in = ""; /* an empty piece */
        s->last_rx_ms = srv->now_ms;
        if (s->close_code)
                return 0; /* closing: what comes now is not taken */
        if (!s->in_msg) {
                s->msg_binary = lws_frame_is_binary(s->wsi);
                if (len + lws_remaining_packet_payload(s->wsi) > max)
                        return refuse(s, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                                      "message too big; see --max-message");
                if (final) {
                        /* The usual case: the whole message in one piece. */
                        rc = record_message(srv, s, in, len, s->msg_binary, &why);
                        goto done;
                }
                s->in_msg = true;
        }
        if (s->msg_len + len > max) {
                assembly_reset(s, false);
                return refuse(s, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                              "message too big; see --max-message");
        }
        if (assemble(s, in, len) < 0)
                return refuse(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        if (!final)
                return 0;
        rc = record_message(srv, s, s->msg, s->msg_len, s->msg_binary, &why);
        assembly_reset(s, true);
done:
        if (rc < 0)
                return refuse(s, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        if (rc > 0)
                return refuse(s, rc, why);
        if (output_over(&srv->out))
                output_pause(srv, s);
        return 0;
}

/* Sends what is due when s can write: an ack, then a requested close. */
static int writeable(struct session *s)
{
        struct server *srv = s->srv;
        if (s->ack_due > s->ack_sent && !s->close_started) {
                unsigned char buf[LWS_PRE + 32];
                int n = snprintf((char *)buf + LWS_PRE, 32, "{\"ack\":%llu}",
                                 (unsigned long long)s->ack_due);
                if (lws_write(s->wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n)
                        return -1;
                s->ack_sent = s->ack_due;
                if (s->close_code)
                        lws_callback_on_writable(s->wsi);
                return 0;
        }
        if (s->close_code && !s->close_started && srv->conf->ack &&
            s->last_end > srv->out.written && !srv->out.closed && !srv->out.error)
                return 0; /* ack what is still being written first; the write wakes us */
        if (s->close_code && !s->close_started) {
                /* lws sends the close frame and waits for the peer's; it may
                 * call us writeable again meanwhile, which must not kill it. */
                s->close_started = true;
                lws_close_reason(s->wsi, (enum lws_close_status)s->close_code,
                                 (unsigned char *)s->close_reason, strlen(s->close_reason));
                return -1;
        }
        return 0;
}

int session_callback(struct lws *wsi, enum lws_callback_reasons reason, struct session *s, void *in,
                     size_t len)
{
        struct server *srv = lws_context_user(lws_get_context(wsi));
        switch (reason) {
        case LWS_CALLBACK_ESTABLISHED:
                s->wsi = wsi;
                s->srv = srv;
                s->id = srv->next_id++;
                s->last_rx_ms = srv->now_ms;
                peer_name(lws_get_socket_fd(wsi), s->peer, sizeof(s->peer));
                if (srv->conf->json && make_meta(s) < 0)
                        return -1;
                s->established = true;
                lws_dll2_add_tail(&s->link, &srv->sessions);
                srv->n.connections++;
                if (srv->conf->log >= LOG_VERBOSE)
                        fprintf(stderr, "wsrecv: conn %llu from %s: open\n",
                                (unsigned long long)s->id, s->peer);
                if (srv->draining)
                        session_close(s, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
                return 0;
        case LWS_CALLBACK_RECEIVE:
                return receive(s, in, len);
        case LWS_CALLBACK_SERVER_WRITEABLE:
                return writeable(s);
        case LWS_CALLBACK_CLOSED:
                if (!s->established)
                        return 0;
                if (srv->conf->log >= LOG_VERBOSE)
                        fprintf(stderr, "wsrecv: conn %llu from %s: closed after %llu messages\n",
                                (unsigned long long)s->id, s->peer, (unsigned long long)s->seq);
                output_forget(srv, s);
                assembly_reset(s, false);
                lws_dll2_remove(&s->link);
                srv->n.connections--;
                free(s->meta);
                s->meta = NULL;
                s->established = false;
                return 0;
        default:
                return lws_callback_http_dummy(wsi, reason, s, in, len);
        }
}
