/* conn: the WebSocket connections. Assembles messages that arrive in
 * pieces, turns each complete message into a record, sends acks, checks
 * the client's close frame, and closes with the code that says what was
 * wrong. Also the queue of connections waiting for a ticket (budget.c
 * says when one fits) and the pausing of everyone at the high mark. It
 * knows no server: see conn.h for what it is given.
 *
 * Owns struct conn and its message buffer: allocated in assemble(),
 * freed in conn_release() and nowhere else, its bytes counted in the
 * budget (parked, or under a ticket) from the first piece to the release.
 *
 * lws contract notes: RECEIVE delivers a message in pieces of at most the
 * protocol's rx buffer size (2 KiB); lws_is_final_fragment() is true on the
 * last piece of the last frame. Returning -1 from a callback closes the
 * connection at once, with the code set by lws_close_reason() if any; to
 * send an ack first, conn_close() waits for the connection's next
 * WRITEABLE instead. CLOSED comes once, then lws frees the session data:
 * the struct conn lives on while ack entries name it. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "budget.h"
#include "clock.h"
#include "conn.h"
#include "framing.h"
#include "log.h"
#include "record.h"

/* A message kprod refused for what it is, to be told to its client. */
struct refusal {
        uint64_t seq;
        char why[REFUSAL_WHY_MAX + 1];
};

/* One WebSocket connection. Allocated when it is established; lives on
 * after the connection closes while ack entries still name it. */
struct conn {
        struct lws *wsi; /* NULL once closed */
        struct conns *cs;
        lws_dll2_t link;      /* in cs->all while open */
        lws_dll2_t wait_link; /* in cs->waiting, or cs->holders while holding a ticket */
        uint64_t id;
        uint64_t seq;       /* messages of this connection written so far */
        uint64_t ack_due;   /* highest seq known stored (or written) */
        uint64_t ack_sent;  /* highest seq acknowledged to the client */
        uint64_t failed_at; /* first seq Kafka did not store, or 0 */
        unsigned refs;      /* ack entries naming this connection */
        struct refusal *refused; /* refusals not yet sent, oldest first from refused_head */
        size_t nrefused, refused_head, refused_cap;
        int64_t last_rx_ms; /* monotonic time of the last message or pong */
        /* the message being assembled from pieces */
        char *msg;
        size_t msg_len, msg_cap;
        bool in_msg, msg_binary;
        bool ticket;      /* holds a reservation for a message in pieces */
        int64_t ticket_ms; /* monotonic time it was granted */
        bool waiting;     /* in cs->waiting */
        bool paused;      /* reading is stopped (lws rx flow control) */
        bool peer_closed; /* the client sent its close frame */
        int close_code;   /* close with this when next writeable */
        const char *close_reason;
        char close_text[124];
        bool close_started;
        char *meta; /* -J: the request path, a header of every record */
        size_t meta_len;
        char peer[PEER_MAX];
};

static void conn_release(struct conn *c);
static void conn_refuse(struct conn *c, int code, const char *why);

/* Keeps the request path of c, a header of each of its -J records. */
static int copy_path(struct conn *c)
{
        /* The whole path: lws keeps at most a head's worth (HEAD_MAX). */
        int total = lws_hdr_total_length(c->wsi, WSI_TOKEN_GET_URI);
        if (total < 0)
                total = 0;
        c->meta = malloc((size_t)total + 1);
        if (!c->meta)
                return -1;
        int n = total ? lws_hdr_copy(c->wsi, c->meta, total + 1, WSI_TOKEN_GET_URI) : 0;
        c->meta_len = n > 0 ? (size_t)n : 0;
        return 0;
}

/* Creates the state of a connection that was just established. */
static struct conn *conn_new(struct conns *cs, struct lws *wsi)
{
        struct conn *c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        c->wsi = wsi;
        c->cs = cs;
        c->id = cs->next_id++;
        c->last_rx_ms = clock_mono_ms();
        /* Named when accepted: the client may have reset since. */
        snprintf(c->peer, sizeof(c->peer), "%s", peers_name(cs->peers, lws_get_socket_fd(wsi)));
        if (cs->conf->json && copy_path(c) < 0) {
                free(c);
                return NULL;
        }
        lws_dll2_add_tail(&c->link, &cs->all);
        cs->n.open++;
        return c;
}

void conns_init(struct conns *cs, const struct conf *conf, struct sink *out, struct acks *acks,
                const struct peers *peers, const struct conns_calls *calls, void *arg)
{
        *cs = (struct conns){.conf = conf, .out = out, .acks = acks, .peers = peers,
                             .calls = calls, .arg = arg, .next_id = 1};
        budget_init(&cs->budget, conf->max_buffer, record_bound(conf), conf->idle);
}

/* Frees c once it is closed and no ack entry names it any more. */
static void conn_unref(struct conn *c)
{
        if (c->refs)
                c->refs--;
        if (!c->wsi && !c->refs) {
                free(c->refused);
                free(c->meta);
                free(c);
        }
}

/* The connection is gone: forget what it was doing. */
static void conn_closed(struct conn *c)
{
        struct conns *cs = c->cs;
        logx(VERB_VERBOSE, "conn %llu from %s: closed after %llu messages",
             (unsigned long long)c->id, c->peer, (unsigned long long)c->seq);
        conn_release(c);
        lws_dll2_remove(&c->link);
        cs->n.open--;
        c->wsi = NULL;
        c->refs++; /* conn_unref frees it now if nothing else names it */
        conn_unref(c);
}

/* Reads from c or stops, as the server's state says: not while draining,
 * not while waiting for a ticket, not while the budget is spent (unless c
 * holds a ticket). A closing connection is read, for its close frame. */
static void conn_update_rx(struct conn *c)
{
        struct conns *cs = c->cs;
        if (!c->wsi)
                return;
        bool want = c->close_code ||
                    (!cs->draining && !c->waiting && (c->ticket || !cs->budget.paused_all));
        if (want == !c->paused)
                return;
        c->paused = !want;
        /* The time a client is held back does not count as idle. */
        c->last_rx_ms = clock_mono_ms();
        lws_rx_flow_control(c->wsi, want);
}

/* What wsrecv holds outside the budget's own counts: records not yet
 * written and the ack list. */
static size_t other_held(const struct conns *cs)
{
        return sink_pending(cs->out) + acks_bytes(cs->acks);
}

/* Stops or resumes reading every connection, as paused_all says. */
static void update_all(struct conns *cs)
{
        lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&cs->all))
        {
                conn_update_rx(lws_container_of(d, struct conn, link));
        }
        lws_end_foreach_dll_safe(d, d1);
}

/* After records were added: stops reading everyone at the high mark. */
static void conns_check(struct conns *cs)
{
        if (budget_check(&cs->budget, other_held(cs)))
                update_all(cs);
}

/* Makes c a ticket holder, newest grant last. */
static void hold(struct conn *c)
{
        struct conns *cs = c->cs;
        budget_hold(&cs->budget);
        c->ticket = true;
        c->ticket_ms = clock_mono_ms();
        lws_dll2_add_tail(&c->wait_link, &cs->holders);
        conn_update_rx(c);
}

/* Gives tickets to waiting connections, oldest first, while they fit. */
static void grant(struct conns *cs)
{
        while (cs->waiting.count) {
                struct conn *c =
                    lws_container_of(lws_dll2_get_head(&cs->waiting), struct conn, wait_link);
                if (!budget_fits(&cs->budget, other_held(cs), c->msg_len))
                        return;
                lws_dll2_remove(&c->wait_link);
                c->waiting = false;
                budget_unpark(&cs->budget, c->msg_len); /* covered by the ticket now */
                hold(c);
        }
}

/* After records were written or tickets given back: tickets first, then
 * everyone else once the low mark is reached. */
void conns_relieve(struct conns *cs)
{
        if (cs->draining)
                return;
        grant(cs);
        if (budget_relieve(&cs->budget, other_held(cs)))
                update_all(cs);
}

/* A ticket for c, whose first piece has len bytes, or a place among those
 * waiting; -1 when the waiting already hold their share (c is refused). */
static int ticket(struct conn *c, size_t len)
{
        struct conns *cs = c->cs;
        if (!cs->waiting.count && budget_fits(&cs->budget, other_held(cs), 0)) {
                hold(c);
                return 0;
        }
        if (!budget_may_park(&cs->budget, len))
                return -1;
        c->waiting = true;
        lws_dll2_add_tail(&c->wait_link, &cs->waiting);
        conn_update_rx(c);
        return 0;
}

/* Forgets c's message in pieces, finished or dropped, and its ticket. */
static void conn_release(struct conn *c)
{
        struct conns *cs = c->cs;
        if (!c->in_msg)
                return;
        if (c->ticket)
                budget_unhold(&cs->budget);
        else
                budget_unpark(&cs->budget, c->msg_len);
        if (c->ticket || c->waiting)
                lws_dll2_remove(&c->wait_link);
        c->ticket = c->waiting = c->in_msg = false;
        /* Freed, not kept for the next message: a buffer kept per
         * connection would be memory outside the budget. */
        free(c->msg);
        c->msg = NULL;
        c->msg_len = c->msg_cap = 0;
        conn_update_rx(c);
        conns_relieve(cs);
}

/* Once a tick: while a connection waits for a ticket, refuses the
 * messages that have held theirs for too long, oldest first (each
 * refusal hands its ticket to the oldest waiting connection). */
static void conns_expire(struct conns *cs, int64_t now)
{
        while (cs->waiting.count && cs->holders.count) {
                struct conn *c =
                    lws_container_of(lws_dll2_get_head(&cs->holders), struct conn, wait_link);
                if (!budget_overdue(&cs->budget, now - c->ticket_ms))
                        return;
                char why[100];
                snprintf(why, sizeof(why),
                         "message not complete within %us while others wait for buffer",
                         cs->budget.secs);
                conn_refuse(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, why);
                if (c->ticket)
                        return; /* not released (cannot happen): never spin */
        }
}

/* Asks lws to close c with code once it can write: after the acks of what
 * was taken from c (which the write or Kafka may still owe). */
static void conn_close(struct conn *c, int code, const char *reason)
{
        if (c->close_code || !c->wsi)
                return;
        c->close_code = code;
        snprintf(c->close_text, sizeof(c->close_text), "%s", reason);
        c->close_reason = c->close_text;
        conn_release(c); /* a message in pieces is not taken */
        conn_update_rx(c);
        lws_callback_on_writable(c->wsi);
}

/* Kafka will never take message seq of c (kprod refused it for what it
 * is): its client is told, before any ack that covers it. A client that
 * reads none of these while REFUSALS_MAX pile up is closed, its acks
 * stopping before the one it was not told of. */
static void conn_refused(struct conn *c, uint64_t seq, const char *why)
{
        if (!c->wsi || c->close_started)
                return; /* no ack will cover it: the client keeps it unacked */
        size_t pending = c->nrefused - c->refused_head;
        if (pending == REFUSALS_MAX) {
                if (!c->failed_at || seq < c->failed_at)
                        c->failed_at = seq;
                conn_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "too many refusals unread");
                return;
        }
        if (c->nrefused == c->refused_cap && c->refused_head) {
                /* Sent ones make room (never memmove from NULL: UB). */
                memmove(c->refused, c->refused + c->refused_head, pending * sizeof(*c->refused));
                c->nrefused = pending;
                c->refused_head = 0;
        }
        if (c->nrefused == c->refused_cap) {
                size_t cap = c->refused_cap ? 2 * c->refused_cap : 8;
                struct refusal *v = realloc(c->refused, cap * sizeof(*v));
                if (!v) { /* it cannot be told: its acks stop before it */
                        if (!c->failed_at || seq < c->failed_at)
                                c->failed_at = seq;
                        conn_close(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
                        return;
                }
                c->refused = v;
                c->refused_cap = cap;
        }
        struct refusal *r = &c->refused[c->nrefused++];
        r->seq = seq;
        snprintf(r->why, sizeof(r->why), "%s", why);
        /* A text frame is UTF-8: what is not becomes '?'. */
        size_t n = strlen(r->why);
        if (!utf8_valid(r->why, n))
                for (size_t i = 0; i < n; i++)
                        if ((unsigned char)r->why[i] >= 0x80)
                                r->why[i] = '?';
        lws_callback_on_writable(c->wsi);
}

/* Sends the oldest refusal not yet sent. Returns 0 or -1. */
static int send_refusal(struct conn *c)
{
        const struct refusal *r = &c->refused[c->refused_head];
        unsigned char buf[LWS_PRE + 48 + 6 * REFUSAL_WHY_MAX + 2];
        char *o = (char *)buf + LWS_PRE;
        o += snprintf(o, 48, "{\"refused\":%llu,\"why\":", (unsigned long long)r->seq);
        o = json_write_string(o, r->why, strlen(r->why));
        *o++ = '}';
        size_t n = (size_t)(o - (char *)buf - LWS_PRE);
        if (lws_write(c->wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n)
                return -1;
        if (++c->refused_head == c->nrefused)
                c->refused_head = c->nrefused = 0;
        lws_callback_on_writable(c->wsi); /* the next refusal, or the ack */
        return 0;
}

/* Refuses what c sent (or is sending): counts it and closes with code. */
static void conn_refuse(struct conn *c, int code, const char *why)
{
        struct conns *cs = c->cs;
        cs->n.rejected++;
        logx(VERB_VERBOSE, "conn %llu from %s: closed with %d: %s", (unsigned long long)c->id,
             c->peer, code, why);
        conn_close(c, code, why);
}

/* conn_refuse, for a callback that then goes on: returns 0. */
static int refuse(struct conn *c, int code, const char *why)
{
        conn_refuse(c, code, why);
        return 0;
}

/* True when c sent nothing at all (no message, no part of one, no ping,
 * no pong) for --idle seconds. Messages and pongs are seen here; the rest
 * is what the kernel counts as data received on the socket. */
static bool conn_idle(struct conn *c, int64_t now)
{
        int64_t idle_ms = (int64_t)c->cs->conf->idle * 1000;
        if (now - c->last_rx_ms <= idle_ms)
                return false;
        struct tcp_info ti;
        socklen_t sl = sizeof(ti);
        if (getsockopt(lws_get_socket_fd(c->wsi), IPPROTO_TCP, TCP_INFO, &ti, &sl) == 0 &&
            (int64_t)ti.tcpi_last_data_recv <= idle_ms) {
                c->last_rx_ms = now - ti.tcpi_last_data_recv;
                return false;
        }
        return true;
}

/* Appends a piece to the message being assembled. Returns 0 or -1. */
static int assemble(struct conn *c, const void *in, size_t len)
{
        if (!len)
                return 0;
        if (c->msg_len + len > c->msg_cap) {
                size_t cap = c->msg_cap ? c->msg_cap : 4096;
                while (cap < c->msg_len + len)
                        cap *= 2;
                if (cap > c->cs->conf->max_message)
                        cap = c->cs->conf->max_message;
                char *p = realloc(c->msg, cap);
                if (!p)
                        return -1;
                c->msg = p;
                c->msg_cap = cap;
        }
        memcpy(c->msg + c->msg_len, in, len);
        c->msg_len += len;
        if (!c->ticket)
                budget_park(&c->cs->budget, len); /* waiting for a ticket */
        return 0;
}

/* Turns a complete message of c into a record, counts it, and notes it
 * for its ack. Returns as record_message does. */
static int take(struct conn *c, const void *data, size_t len, const char **why)
{
        struct conns *cs = c->cs;
        const struct record_from from = {c->id, c->seq + 1, c->peer, c->meta, c->meta_len};
        int rc = record_message(cs->conf, &cs->out->ob, &from, data, len, c->msg_binary, why);
        if (rc)
                return rc;
        c->seq++;
        cs->n.messages++;
        cs->n.bytes += len;
        /* The time is a vDSO read, no syscall. */
        if (cs->conf->ack &&
            acks_noted(cs->acks, c, c->seq, sink_appended(cs->out), clock_mono_ms()) < 0)
                return -1;
        return 0;
}

/* Handles one piece of a message. Returns 0 or -1 to close at once. */
static int receive(struct conn *c, const void *in, size_t len)
{
        struct conns *cs = c->cs;
        size_t max = cs->conf->max_message;
        bool final = lws_is_final_fragment(c->wsi);
        const char *why = NULL;
        int rc;

        /* What comes after a close (ours or the client's) is not taken. */
        if (c->close_code || c->peer_closed || cs->draining)
                return 0;
        if (!in)
                in = ""; /* an empty piece */
        c->last_rx_ms = clock_mono_ms();
        if (!c->in_msg) {
                c->msg_binary = lws_frame_is_binary(c->wsi);
                if (len + lws_remaining_packet_payload(c->wsi) > max)
                        return refuse(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                                      "message too big; see --max-message");
                if (final) {
                        /* The usual case: the whole message in one piece. */
                        rc = take(c, in, len, &why);
                        goto done;
                }
                c->in_msg = true;
                /* A ticket, or wait for one holding this piece. */
                if (ticket(c, len) < 0)
                        return refuse(c, CLOSE_TRY_AGAIN_LATER,
                                      "too many messages waiting for buffer; try again later");
        }
        if (c->msg_len + len > max)
                return refuse(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                              "message too big; see --max-message");
        if (assemble(c, in, len) < 0)
                return refuse(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        if (!final)
                return 0;
        /* Empty pieces only: no buffer was ever made. */
        rc = take(c, c->msg ? c->msg : "", c->msg_len, &why);
        conn_release(c);
done:
        if (rc < 0)
                return refuse(c, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "out of memory");
        if (rc > 0)
                return refuse(c, rc, why);
        conns_check(cs);
        return 0;
}

/* The close codes a client may send (RFC 6455 7.4, and IANA's registry). */
static bool close_code_ok(unsigned code)
{
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
               (code >= 3000 && code <= 4999);
}

/* The client sent its close frame: nothing it sends from now on is taken.
 * lws echoes the frame unless it is malformed, which we answer with 1002
 * (or 1007 for a reason that is not UTF-8). Returns 0 or -1 to close. */
static int peer_close(struct conn *c, const unsigned char *in, size_t len)
{
        c->peer_closed = true;
        conn_release(c);
        const char *why = NULL;
        int code = 0;
        if (len == 1) {
                code = LWS_CLOSE_STATUS_PROTOCOL_ERR;
                why = "close frame of one byte";
        } else if (len >= 2 && !close_code_ok((unsigned)in[0] << 8 | in[1])) {
                code = LWS_CLOSE_STATUS_PROTOCOL_ERR;
                why = "invalid close code";
        } else if (len > 2 && !utf8_valid(in + 2, len - 2)) {
                code = LWS_CLOSE_STATUS_INVALID_PAYLOAD;
                why = "close reason is not UTF-8";
        }
        if (!code)
                return 0;
        c->cs->n.rejected++;
        lws_close_reason(c->wsi, (enum lws_close_status)code, (unsigned char *)why, strlen(why));
        return -1;
}

/* Sends what is due when c can write: refusals, an ack, then a requested
 * close. */
static int writeable(struct conn *c)
{
        struct conns *cs = c->cs;
        if (c->refused_head < c->nrefused && !c->close_started)
                return send_refusal(c);
        uint64_t due = c->ack_due;
        if (c->failed_at && due >= c->failed_at)
                due = c->failed_at - 1;
        if (due > c->ack_sent && !c->close_started) {
                unsigned char buf[LWS_PRE + 32];
                int n =
                    snprintf((char *)buf + LWS_PRE, 32, "{\"ack\":%llu}", (unsigned long long)due);
                if (lws_write(c->wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n)
                        return -1;
                c->ack_sent = due;
                if (c->close_code)
                        lws_callback_on_writable(c->wsi);
                return 0;
        }
        if (!c->close_code || c->close_started)
                return 0;
        /* Ack what is still being written or stored first; that wakes us. */
        if (c->refs && !cs->calls->acks_stopped(cs->arg))
                return 0;
        /* lws sends the close frame and waits for the peer's; it may call
         * us writeable again meanwhile, which must not kill it. */
        c->close_started = true;
        lws_close_reason(c->wsi, (enum lws_close_status)c->close_code,
                         (unsigned char *)c->close_reason, strlen(c->close_reason));
        return -1;
}

/* The ack list's callbacks (acks.h): an entry names c, or no longer. */
static void ack_ref(void *conn)
{
        struct conn *c = conn;
        c->refs++;
}

static void ack_unref(void *conn)
{
        conn_unref(conn);
}

/* c's messages 1..seq are stored: ack them when c can write (unless a
 * failure caps them, see writeable). */
static void ack_due(void *conn, uint64_t seq)
{
        struct conn *c = conn;
        if (seq <= c->ack_due)
                return;
        c->ack_due = seq;
        if (c->wsi)
                lws_callback_on_writable(c->wsi);
}

/* c's message seq was not stored: its acks stop before it, and c is
 * closed with 1013 so that the client sends it again. */
static void ack_failed(void *conn, uint64_t seq, const char *why)
{
        struct conn *c = conn;
        if (c->failed_at && c->failed_at <= seq)
                return;
        c->failed_at = seq;
        logx(VERB_VERBOSE, "conn %llu from %s: message %llu not stored: %s",
             (unsigned long long)c->id, c->peer, (unsigned long long)seq, why);
        char reason[124];
        snprintf(reason, sizeof(reason), "message %llu was not stored; send it again",
                 (unsigned long long)seq);
        conn_close(c, CLOSE_TRY_AGAIN_LATER, reason);
}

/* c's message seq will never be stored: its client is told, and the acks
 * after it go on. */
static void ack_refused(void *conn, uint64_t seq, const char *why)
{
        struct conn *c = conn;
        logx(VERB_VERBOSE, "conn %llu from %s: message %llu refused: %s", (unsigned long long)c->id,
             c->peer, (unsigned long long)seq, why);
        conn_refused(c, seq, why);
}

const struct acks_owner conn_acks = {ack_ref, ack_unref, ack_due, ack_failed, ack_refused};

int conn_callback(struct conns *cs, struct lws *wsi, enum lws_callback_reasons reason,
                  struct session *ss, void *in, size_t len)
{
        struct conn *c = ss->conn;
        switch (reason) {
        case LWS_CALLBACK_ESTABLISHED:
                c = ss->conn = conn_new(cs, wsi);
                if (!c)
                        return -1;
                logx(VERB_VERBOSE, "conn %llu from %s: open", (unsigned long long)c->id, c->peer);
                conn_update_rx(c);
                return 0;
        case LWS_CALLBACK_RECEIVE:
                return c ? receive(c, in, len) : -1;
        case LWS_CALLBACK_RECEIVE_PONG:
                if (c)
                        c->last_rx_ms = clock_mono_ms();
                return 0;
        case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
                return c ? peer_close(c, in, len) : 0;
        case LWS_CALLBACK_SERVER_WRITEABLE:
                return c ? writeable(c) : 0;
        case LWS_CALLBACK_CLOSED:
                if (c) {
                        ss->conn = NULL;
                        conn_closed(c);
                }
                return 0;
        default:
                return lws_callback_http_dummy(wsi, reason, ss, in, len);
        }
}

void conns_tick(struct conns *cs, int64_t now)
{
        unsigned idle = cs->conf->idle;
        lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&cs->all))
        {
                struct conn *c = lws_container_of(d, struct conn, link);
                if (c->paused) {
                        /* Held back by us: lws must not hang up on it. */
                        if (now - c->last_rx_ms >= 1000) {
                                lws_validity_confirmed(c->wsi);
                                c->last_rx_ms = now;
                        }
                } else if (idle && !c->close_code && conn_idle(c, now)) {
                        logx(VERB_VERBOSE, "conn %llu from %s: idle for %us",
                             (unsigned long long)c->id, c->peer, idle);
                        conn_close(c, LWS_CLOSE_STATUS_GOINGAWAY, "idle timeout");
                }
        }
        lws_end_foreach_dll_safe(d, d1);
        conns_expire(cs, now);
}

void conns_drain(struct conns *cs)
{
        cs->draining = true;
        lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&cs->all))
        {
                struct conn *c = lws_container_of(d, struct conn, link);
                conn_release(c);
                conn_update_rx(c);
        }
        lws_end_foreach_dll_safe(d, d1);
}

void conns_close_all(struct conns *cs, int code, const char *reason)
{
        lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&cs->all))
        {
                conn_close(lws_container_of(d, struct conn, link), code, reason);
        }
        lws_end_foreach_dll_safe(d, d1);
}

size_t conns_held(const struct conns *cs)
{
        return budget_held(&cs->budget, other_held(cs));
}
