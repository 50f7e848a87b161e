/* server: the lws context and vhost, the protocol table, the callback that
 * routes each lws reason to its file, the once-a-tick housekeeping, and the
 * drain that ends a run; and the glue between the modules, which know
 * nothing of each other: the callbacks that turn what one says (a record
 * was written, a report arrived, a head is in, a socket was accepted) into
 * what another does. The only file that calls every module. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"
#include "fdwatch.h"
#include "log.h"
#include "server.h"

/* The housekeeping period: idle checks, paused peers, handshake timeouts. */
#define TICK_US (200 * LWS_US_PER_MS)
/* How many sockets beyond --max-conns are accepted, to answer them 503. */
#define CONNS_SLACK 64

static const struct lws_protocols protocols[] = {
    /* WebSocket clients and plain HTTP; the first entry is also the
     * protocol of clients that name none. lws gives each connection an rx
     * buffer of 2 KiB: messages up to that size arrive in one piece, and
     * 10,000 idle clients cost 36 MB (bench/connmem.sh). */
    {"wsrecv", server_callback, sizeof(struct session), 2048, 0, NULL, 0},
    {fdwatch_protocol, server_callback, 0, 0, 0, NULL, 0}, /* fdwatch.h */
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* No extensions: permessage-deflate is not offered. lws 4.1.6 aborts or
 * alters messages when inflating under flow control (see wsrecv(1)). */
static const struct lws_extension no_extensions[] = {{NULL, NULL, NULL}};

/* Forwards lws's own (error) log lines to stderr with our prefix. */
static void lws_log(int level, const char *line)
{
        (void)level;
        /* lws 4.1.6 logs every adoption with a request already read (the
         * gate's) at error level: not an error. */
        if (strstr(line, "adopt_socket_readbuf: calling service"))
                return;
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n')
                n--; /* logx ends the line */
        logx(VERB_QUIET, "lws: %.*s", (int)n, line);
}

unsigned handshake_secs(const struct conf *conf)
{
        return conf->idle && conf->idle < 10 ? conf->idle : 10;
}

/* Runs every TICK_US: idle timeouts, keeping paused peers valid (their
 * pongs wait unread behind our flow control), messages in pieces that hold
 * their ticket too long while others wait, handshakes that take too
 * long, saying when acks stop or start flowing, accepting again after
 * running out of descriptors, and noticing that the reader of stdout went
 * away while nothing was being written. */
static void tick(lws_sorted_usec_list_t *sul)
{
        struct server *srv = lws_container_of(sul, struct server, tick);
        conns_tick(&srv->conns, clock_mono_ms());
        gate_expire(&srv->gate);
        ready_check(&srv->ready, srv->conf, acks_oldest(&srv->acks));
        if (srv->listen_paused && srv->listener) {
                srv->listen_paused = false;
                lws_rx_flow_control(srv->listener, 1);
        }
        if (!sink_pending(&srv->out.sink) && !srv->out.ended)
                sink_reader_gone(&srv->out.sink);
        lws_sul_schedule(srv->context, 0, &srv->tick, tick, TICK_US);
}

/* What /healthz shows, now. */
static void health(void *arg, struct health *h)
{
        struct server *srv = arg;
        const struct ready_state st = {srv->draining, &srv->rep, acks_oldest(&srv->acks)};
        h->not_ready = ready_reason(&srv->ready, srv->conf, &st);
        const struct counters n = server_counters(srv);
        h->connections = n.connections;
        h->messages = n.messages;
        h->bytes = n.bytes;
        h->rejected = n.rejected;
        h->buffered = conns_held(&srv->conns);
        if (srv->draining)
                h->paused = "stopping";
        else if (srv->conns.budget.paused_all)
                h->paused = "output is slower than the clients: --max-buffer is full";
        else
                h->paused = NULL;
}

static bool stopping(void *arg)
{
        return ((struct server *)arg)->draining;
}

static bool crowded(void *arg)
{
        struct server *srv = arg;
        /* sockets counts this one, and every handshake in progress */
        return srv->sockets > srv->conf->max_conns;
}

static void http_refused(void *arg)
{
        ((struct server *)arg)->rejected++;
}

static const struct http_calls http_calls = {health, stopping, crowded, http_refused};

/* A socket the gate closed is no longer counted. */
static void gate_closed(void *arg, int fd)
{
        struct server *srv = arg;
        (void)fd;
        if (srv->sockets)
                srv->sockets--;
}

/* The gate answered a client with an HTTP error. */
static void gate_refused(void *arg, int fd, unsigned code, const char *why)
{
        struct server *srv = arg;
        srv->rejected++;
        logx(VERB_VERBOSE, "refused %s: %u %s", peers_name(&srv->peers, fd), code, why);
}

/* A client's request head is in: lws takes it from here. */
static void gate_head(void *arg, int fd, const char *head, size_t len)
{
        struct server *srv = arg;
        listen_adopt(srv->vhost, fd, head, len);
}

static const struct gate_calls gate_calls = {gate_head, gate_refused, gate_closed};

/* A connection just accepted: plain ones go to the gate to read their
 * request head, TLS ones straight to lws. Every socket counts toward
 * --max-conns from here on; far beyond it, new ones are closed at once. */
static void accepted(void *arg, int fd, const struct sockaddr_storage *ss)
{
        struct server *srv = arg;
        if (srv->sockets >= (uint64_t)srv->conf->max_conns + CONNS_SLACK) {
                srv->rejected++;
                close(fd);
                return;
        }
        if (peers_note(&srv->peers, fd, ss) < 0) {
                close(fd);
                return;
        }
        srv->sockets++;
        /* The socket is counted until lws destroys its wsi, or the gate
         * closes it. */
        if (srv->conf->cert)
                listen_adopt(srv->vhost, fd, NULL, 0);
        else if (gate_add(&srv->gate, fd) < 0) {
                srv->sockets--;
                close(fd);
        }
}

/* Our raw descriptors: readable or closed. */
static int fd_callback(struct server *srv, struct lws *wsi, enum lws_callback_reasons reason)
{
        switch (reason) {
        case LWS_CALLBACK_RAW_RX_FILE:
                if (wsi == srv->listener && listen_accept(srv->listen_fd, accepted, srv) < 0) {
                        /* Out of descriptors: the pending connection stays in the
                         * backlog; stop polling it until the next tick. */
                        lws_rx_flow_control(wsi, 0);
                        srv->listen_paused = true;
                } else if (wsi == srv->gate.watch) {
                        gate_service(&srv->gate);
                } else if (wsi == srv->rep.watch) {
                        reports_read(&srv->rep);
                        /* The acks gave back memory: clients may read again. */
                        conns_relieve(&srv->conns);
                }
                return 0;
        case LWS_CALLBACK_RAW_CLOSE_FILE:
                if (wsi == srv->listener)
                        srv->listener = NULL;
                if (wsi == srv->gate.watch)
                        srv->gate.watch = NULL;
                if (wsi == srv->rep.watch) /* kprod closed its end */
                        reports_ended(&srv->rep);
                if (wsi == srv->out.watch) {
                        srv->out.watch = NULL;
                        if (!srv->out.ended)
                                srv->out.sink.closed = true;
                }
                return 0;
        default:
                return 0; /* WRITEABLE: the loop writes after every service turn */
        }
}

int server_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
        struct server *srv = lws_context_user(lws_get_context(wsi));
        switch (reason) {
        case LWS_CALLBACK_WSI_DESTROY:
                /* Every client socket ends here, handshake or not. */
                if (!fdwatch_is(wsi) && srv->sockets)
                        srv->sockets--;
                return 0;
        case LWS_CALLBACK_RAW_RX_FILE:
        case LWS_CALLBACK_RAW_WRITEABLE_FILE:
        case LWS_CALLBACK_RAW_CLOSE_FILE:
                return fd_callback(srv, wsi, reason);
        case LWS_CALLBACK_RAW_ADOPT_FILE:
        case LWS_CALLBACK_RAW_FILE_BIND_PROTOCOL:
        case LWS_CALLBACK_RAW_FILE_DROP_PROTOCOL:
                return 0;
        case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
                return http_confirm_upgrade(&srv->http, wsi);
        case LWS_CALLBACK_FILTER_HTTP_CONNECTION:
                return http_filter(&srv->http, wsi, in);
        case LWS_CALLBACK_HTTP:
        case LWS_CALLBACK_HTTP_WRITEABLE:
        case LWS_CALLBACK_CLOSED_HTTP:
        case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        case LWS_CALLBACK_HTTP_BIND_PROTOCOL:
        case LWS_CALLBACK_ADD_HEADERS:
                return http_callback(&srv->http, wsi, reason, user, in, len);
        default:
                break;
        }
        if (user)
                return conn_callback(&srv->conns, wsi, reason, user, in, len);
        return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* Creates the lws context: no listener of its own (listen.c owns it). */
static int create_context(struct server *srv, char *err, size_t errlen)
{
        const struct conf *conf = srv->conf;
        struct lws_context_creation_info info;
        memset(&info, 0, sizeof(info));
        info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
        if (conf->cert)
                info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.user = srv;
        info.pt_serv_buf_size = 64 * 1024;
        /* A handshake (TLS and HTTP) must finish within this time. */
        info.timeout_secs = handshake_secs(conf);
        info.timeout_secs_ah_idle = info.timeout_secs;
        /* One header table per handshake in progress: as many as the
         * connections allowed, so that clients that never finish their
         * handshake cannot make others wait. Each is allocated only while
         * in use. */
        unsigned pool = conf->max_conns + CONNS_SLACK;
        info.max_http_header_pool = (unsigned short)(pool > 65535 ? 65535 : pool);
        /* Room for what the gate lets through: lws keeps the values of
         * the headers it knows and the names and values of others, with 8
         * bytes more each, so HEAD_MAX bytes in FIELDS_MAX fields always
         * fit. (Over TLS this is the limit: a longer head is closed.) */
        info.max_http_header_data = HEAD_MAX + 1024;
        srv->context = lws_create_context(&info);
        if (!srv->context) {
                snprintf(err, errlen, "cannot create the libwebsockets context");
                return -1;
        }
        return 0;
}

/* Creates the vhost: protocols, TLS (HTTP/1.1 only), ping policy, files. */
static int create_vhost(struct server *srv, char *err, size_t errlen)
{
        static lws_retry_bo_t retry;
        static struct lws_http_mount mounts[2];
        /* Types lws does not know, for pages and the records they fetch. */
        static const struct lws_protocol_vhost_options mime[] = {
            {&mime[1], NULL, ".jsonl", "application/x-ndjson"},
            {&mime[2], NULL, ".ndjson", "application/x-ndjson"},
            {&mime[3], NULL, ".json", "application/json"},
            {&mime[4], NULL, ".mjs", "text/javascript"},
            {&mime[5], NULL, ".map", "application/json"},
            {NULL, NULL, ".wasm", "application/wasm"},
        };
        const struct conf *conf = srv->conf;
        struct lws_context_creation_info info;
        memset(&info, 0, sizeof(info));
        /* --ping: lws pings a connection that has not proven alive for ping
         * seconds, and drops it after twice that; with 0 (both 0) it sets
         * no validity timer at all. */
        retry.secs_since_valid_ping = (uint16_t)conf->ping;
        retry.secs_since_valid_hangup = (uint16_t)(2 * conf->ping);

        info.port = CONTEXT_PORT_NO_LISTEN_SERVER; /* we listen ourselves */
        info.protocols = protocols;
        info.extensions = no_extensions;
        info.vhost_name = "wsrecv";
        info.server_string = "wsrecv";
        info.retry_and_idle_policy = &retry;
        info.keepalive_timeout = 5;
        if (conf->cert) {
                info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT; /* TLS on this vhost */
                info.ssl_cert_filepath = conf->cert;
                info.ssl_private_key_filepath = conf->key;
                /* HTTP/1.1 only: a WebSocket over HTTP/2 (RFC 8441) would
                 * bypass the upgrade checks and our flow control. */
                info.alpn = "http/1.1";
        }
        if (conf->www) {
                /* Files under --www; /healthz stays ours (the longer mount wins). */
                mounts[0].mountpoint = "/";
                mounts[0].mountpoint_len = 1;
                mounts[0].origin = conf->www;
                mounts[0].origin_protocol = LWSMPRO_FILE;
                mounts[0].def = "index.html";
                mounts[0].protocol = "wsrecv"; /* so that http.c adds its headers */
                mounts[0].extra_mimetypes = mime;
                mounts[0].mount_next = &mounts[1];
                mounts[1].mountpoint = "/healthz";
                mounts[1].mountpoint_len = 8;
                mounts[1].origin = "wsrecv";
                mounts[1].origin_protocol = LWSMPRO_CALLBACK;
                info.mounts = mounts;
        }
        srv->vhost = lws_create_vhost(srv->context, &info);
        if (!srv->vhost) {
                snprintf(err, errlen, "cannot create the server%s",
                         conf->cert ? " (check --cert and --key)" : "");
                return -1;
        }
        return 0;
}

/* kprod's reports about records go to the ack list. */
static void reports_settled(void *acks, uint64_t upto)
{
        acks_settled(acks, upto);
}

static void reports_failed(void *acks, uint64_t rec, const char *why)
{
        acks_failed(acks, rec, why);
}

static void reports_refused(void *acks, uint64_t rec, const char *why)
{
        acks_refused(acks, rec, why);
}

static const struct reports_calls report_calls = {reports_settled, reports_failed,
                                                  reports_refused};

/* No ack that is owed can come any more: stdout is gone, or kprod's
 * reports ended. */
static bool acks_stopped(void *arg)
{
        struct server *srv = arg;
        return srv->out.sink.closed || srv->out.sink.error || (srv->conf->ack_from && srv->rep.eof);
}

static const struct conns_calls conns_calls = {acks_stopped};

int server_create(struct server *srv, const struct conf *conf, char *err, size_t errlen)
{
        memset(srv, 0, sizeof(*srv));
        srv->conf = conf;
        srv->listen_fd = -1;
        srv->gate.epfd = -1;
        srv->rep.fd = -1;
        acks_init(&srv->acks, &conn_acks);
        conns_init(&srv->conns, conf, &srv->out.sink, &srv->acks, &srv->peers, &conns_calls, srv);
        srv->http = (struct http){conf, &srv->peers, &http_calls, srv, NULL};
        lws_set_log_level(conf->log >= VERB_VERBOSE ? LLL_ERR : 0, lws_log);

        srv->listen_fd = listen_open(conf->addr, conf->port, conf->reuseport, srv->listen_name,
                                     sizeof(srv->listen_name), err, errlen);
        if (srv->listen_fd < 0)
                return -1;
        if (create_context(srv, err, errlen) < 0 || create_vhost(srv, err, errlen) < 0)
                return -1;
        srv->listener = fdwatch_add(srv->vhost, srv->listen_fd);
        if (!srv->listener) {
                snprintf(err, errlen, "cannot watch the listening socket");
                return -1;
        }
        if (!conf->cert && gate_open(&srv->gate, srv->vhost, conf->max_buffer / 2,
                                     handshake_secs(conf), &gate_calls, srv) < 0) {
                snprintf(err, errlen, "cannot watch new connections: %s", strerror(errno));
                return -1;
        }
        if (output_open(&srv->out, srv->vhost, srv->conns.budget.max) < 0) {
                snprintf(err, errlen, "cannot watch stdout: %s", strerror(errno));
                return -1;
        }
        if (conf->ack_from && reports_open(&srv->rep, srv->vhost, conf->ack_from, conf->nul,
                                           &report_calls, &srv->acks, err, errlen) < 0)
                return -1;
        lws_sul_schedule(srv->context, 0, &srv->tick, tick, TICK_US);
        return 0;
}

/* Writes to stdout what it takes now; what was written moves the acks
 * (without --ack-from, an ack means written) and gives back budget. */
void server_pump(struct server *srv)
{
        if (!output_pump(&srv->out))
                return;
        if (!srv->conf->ack_from)
                acks_written(&srv->acks, srv->out.sink.written);
        conns_relieve(&srv->conns);
}

/* Starts the end of a run: no new connections, no more reading from
 * clients (what they send from now on is not taken, so not acknowledged).
 * Messages only partly received are dropped. */
void server_drain(struct server *srv)
{
        if (srv->draining)
                return;
        srv->draining = true;
        if (srv->listener) {
                lws_set_timeout(srv->listener, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
                srv->listener = NULL;
        }
        gate_close(&srv->gate);
        conns_drain(&srv->conns);
}

/* Asks every client to close with code, once its last ack is out. */
void server_close_all(struct server *srv, int code, const char *reason)
{
        conns_close_all(&srv->conns, code, reason);
}

struct counters server_counters(const struct server *srv)
{
        const struct conns_counts *n = &srv->conns.n;
        return (struct counters){n->open, n->messages, n->bytes, n->rejected + srv->rejected};
}

void server_destroy(struct server *srv)
{
        gate_close(&srv->gate);
        if (srv->context) {
                lws_sul_cancel(&srv->tick);
                lws_context_destroy(srv->context);
                srv->context = NULL;
        }
        srv->listener = NULL;
        srv->out.watch = NULL;
        srv->rep.watch = NULL;
        srv->gate.watch = NULL;
        if (srv->gate.epfd >= 0)
                srv->gate.epfd = -1; /* closed by lws with its watcher */
        reports_close(&srv->rep);
        acks_free(&srv->acks);
        sink_close(&srv->out.sink);
        peers_free(&srv->peers);
}
