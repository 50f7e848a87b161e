/* server: the lws context and vhost, the protocol table, the callback that
 * routes each lws reason to its file, the once-a-tick housekeeping, and the
 * drain that ends a run. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wsrecv.h"

/* The housekeeping period: idle checks, paused peers, a dead reader. */
#define TICK_US (200 * LWS_US_PER_MS)

static const struct lws_protocols protocols[] = {
    /* WebSocket clients and plain HTTP; the first entry is also the
     * protocol of clients that name none. lws gives each connection an rx
     * buffer of 2 KiB: messages up to that size arrive in one piece, and
     * 10,000 idle clients cost about 40 MB. */
    {"wsrecv", server_callback, sizeof(struct session), 2048, 0, NULL, 0},
    /* Our listening socket and the stdout watcher, adopted as raw files. */
    {"wsrecv-fd", server_callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static const struct lws_extension extensions[] = {
    {"permessage-deflate", lws_extension_callback_pm_deflate,
     "permessage-deflate; client_no_context_takeover; client_max_window_bits"},
    {NULL, NULL, NULL},
};

/* Forwards lws's own (error) log lines to stderr with our prefix. */
static void lws_log(int level, const char *line)
{
        (void)level;
        fprintf(stderr, "wsrecv: lws: %s", line);
}

static int64_t wall_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs every TICK_US: idle timeouts, keeping paused peers valid (their
 * pongs wait unread behind our flow control), and noticing that the reader
 * of stdout went away while nothing was being written. */
static void tick(lws_sorted_usec_list_t *sul)
{
        struct server *srv = lws_container_of(sul, struct server, tick);
        const struct conf *conf = srv->conf;
        srv->now_ms = wall_ms();
        lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&srv->sessions))
        {
                struct session *s = lws_container_of(d, struct session, link);
                if (s->paused) {
                        if (srv->now_ms - s->last_rx_ms >= 1000) {
                                lws_validity_confirmed(s->wsi);
                                s->last_rx_ms = srv->now_ms;
                        }
                } else if (conf->idle && !s->close_code &&
                           srv->now_ms - s->last_rx_ms > (int64_t)conf->idle * 1000) {
                        if (conf->log >= LOG_VERBOSE)
                                fprintf(stderr, "wsrecv: conn %llu from %s: idle for %us\n",
                                        (unsigned long long)s->id, s->peer, conf->idle);
                        session_close(s, LWS_CLOSE_STATUS_GOINGAWAY, "idle timeout");
                }
        }
        lws_end_foreach_dll_safe(d, d1);
        if (srv->listen_paused && srv->listener) {
                srv->listen_paused = false;
                lws_rx_flow_control(srv->listener, 1);
        }
        if (output_reader_gone(&srv->out))
                srv->out.closed = true;
        lws_sul_schedule(srv->context, 0, &srv->tick, tick, TICK_US);
}

/* Adopts fd into lws as a raw file on our fd protocol. */
static struct lws *adopt_fd(struct server *srv, int fd)
{
        lws_sock_file_fd_type desc;
        desc.filefd = fd;
        return lws_adopt_descriptor_vhost(srv->vhost, LWS_ADOPT_RAW_FILE_DESC, desc, "wsrecv-fd",
                                          NULL);
}

int server_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
        struct server *srv = lws_context_user(lws_get_context(wsi));
        switch (reason) {
        case LWS_CALLBACK_RAW_RX_FILE:
                if (wsi == srv->listener && listen_accept(srv) < 0) {
                        /* Out of descriptors: the pending connection stays in the
                         * backlog; stop polling it until the next tick. */
                        lws_rx_flow_control(wsi, 0);
                        srv->listen_paused = true;
                }
                return 0;
        case LWS_CALLBACK_RAW_WRITEABLE_FILE:
                return 0; /* the loop writes after every service turn */
        case LWS_CALLBACK_RAW_CLOSE_FILE:
                if (wsi == srv->listener)
                        srv->listener = NULL;
                if (wsi == srv->out.watch) {
                        srv->out.watch = NULL;
                        if (!srv->draining)
                                srv->out.closed = true;
                }
                return 0;
        case LWS_CALLBACK_RAW_ADOPT_FILE:
        case LWS_CALLBACK_RAW_FILE_BIND_PROTOCOL:
        case LWS_CALLBACK_RAW_FILE_DROP_PROTOCOL:
                return 0;
        case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
                return http_confirm_upgrade(wsi, srv);
        case LWS_CALLBACK_HTTP:
        case LWS_CALLBACK_HTTP_WRITEABLE:
        case LWS_CALLBACK_CLOSED_HTTP:
                return http_callback(wsi, reason, user, in, len);
        default:
                break;
        }
        if (user)
                return session_callback(wsi, reason, user, in, len);
        return lws_callback_http_dummy(wsi, reason, user, in, len);
}

int server_create(struct server *srv, const struct conf *conf, char *err, size_t errlen)
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
        struct lws_context_creation_info info;

        memset(srv, 0, sizeof(*srv));
        srv->conf = conf;
        srv->listen_fd = -1;
        srv->now_ms = wall_ms();
        srv->next_id = 1;
        if (output_init(&srv->out, conf) < 0) {
                snprintf(err, errlen, "output buffer: %s", strerror(errno));
                return -1;
        }
        lws_set_log_level(conf->log >= LOG_VERBOSE ? LLL_ERR : 0, lws_log);

        srv->listen_fd = listen_open(conf->addr, conf->port, conf->reuseport, srv->listen_name,
                                     sizeof(srv->listen_name), err, errlen);
        if (srv->listen_fd < 0)
                return -1;

        memset(&info, 0, sizeof(info));
        info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
        if (conf->cert)
                info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.user = srv;
        info.pt_serv_buf_size = 64 * 1024;
        /* A handshake must finish within this time, or the peer is dropped. */
        info.timeout_secs = conf->idle && conf->idle < 10 ? conf->idle : 10;
        info.timeout_secs_ah_idle = info.timeout_secs;
        info.max_http_header_pool = 256;
        srv->context = lws_create_context(&info);
        if (!srv->context) {
                snprintf(err, errlen, "cannot create the libwebsockets context");
                return -1;
        }

        /* --ping: lws pings a connection that has not proven alive for ping
         * seconds, and drops it after twice that. */
        retry.secs_since_valid_ping = (uint16_t)(conf->ping ? conf->ping : 60000);
        retry.secs_since_valid_hangup = (uint16_t)(conf->ping ? 2 * conf->ping : 65000);

        info.port = CONTEXT_PORT_NO_LISTEN_SERVER; /* we listen ourselves */
        info.protocols = protocols;
        info.extensions = extensions;
        info.vhost_name = "wsrecv";
        info.server_string = "wsrecv";
        info.retry_and_idle_policy = &retry;
        info.keepalive_timeout = 5;
        if (conf->cert) {
                info.ssl_cert_filepath = conf->cert;
                info.ssl_private_key_filepath = conf->key;
        }
        if (conf->www) {
                /* Files under --www; /healthz stays ours (the longer mount wins). */
                mounts[0].mountpoint = "/";
                mounts[0].mountpoint_len = 1;
                mounts[0].origin = conf->www;
                mounts[0].origin_protocol = LWSMPRO_FILE;
                mounts[0].def = "index.html";
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
        srv->listener = adopt_fd(srv, srv->listen_fd);
        if (!srv->listener) {
                snprintf(err, errlen, "cannot watch the listening socket");
                return -1;
        }
        if (output_watch(srv) < 0) {
                snprintf(err, errlen, "cannot watch stdout: %s", strerror(errno));
                return -1;
        }
        lws_sul_schedule(srv->context, 0, &srv->tick, tick, TICK_US);
        return 0;
}

/* Stops accepting and asks every client to close with code (1001 when
 * stopping, 1011 when stdout went away). */
void server_drain(struct server *srv, int code, const char *reason)
{
        srv->draining = true;
        if (srv->listener) {
                lws_set_timeout(srv->listener, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
                srv->listener = NULL;
        }
        lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&srv->sessions))
        {
                struct session *s = lws_container_of(d, struct session, link);
                session_close(s, code, reason);
        }
        lws_end_foreach_dll_safe(d, d1);
}

void server_destroy(struct server *srv)
{
        if (srv->context) {
                lws_sul_cancel(&srv->tick);
                lws_context_destroy(srv->context);
                srv->context = NULL;
        }
        srv->listener = NULL;
        srv->out.watch = NULL;
}
