/* http: plain HTTP on the WebSocket port: GET /healthz (counters as JSON),
 * the checks that accept or refuse an upgrade (path, origin, token,
 * --max-conns), and 426 for anything else when no --www folder is served
 * (lws serves --www files itself, through the mount server.c sets up). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wsrecv.h"

/* Answers with an HTTP/1.1 status and a one-line text body. Returns 1 (we
 * responded), or -1 to hang up when the answer could not be written. lws's
 * own lws_return_http_status() says HTTP/1.0 before an upgrade is parsed,
 * which WebSocket clients refuse to read. */
static int respond(struct lws *wsi, unsigned code, const char *text, const char *why)
{
        unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start,
                                           *end = buf + sizeof(buf) - 1;
        char len[16];
        size_t wlen = strlen(why);
        int n = snprintf((char *)p, 64, "HTTP/1.1 %u %s\r\n", code, text);
        p += n;
        n = snprintf(len, sizeof(len), "%zu", wlen + 1);
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                         (const unsigned char *)"text/plain", 10, &p, end) ||
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH,
                                         (const unsigned char *)len, n, &p, end) ||
            lws_finalize_http_header(wsi, &p, end) || (size_t)(end - p) < wlen + 1)
                return -1;
        memcpy(p, why, wlen);
        p += wlen;
        *p++ = '\n';
        n = (int)(p - start);
        return lws_write(wsi, start, (size_t)n, LWS_WRITE_HTTP) == n ? 1 : -1;
}

/* Decides whether an upgrade request may become a WebSocket connection. */
int http_confirm_upgrade(struct lws *wsi, struct server *srv)
{
        const struct conf *conf = srv->conf;
        const char *why = NULL;
        unsigned code = 0;
        const char *text = NULL;
        char uri[1024], version[8];

        if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0)
                uri[0] = '\0';
        if (lws_hdr_copy(wsi, version, sizeof(version), WSI_TOKEN_VERSION) < 0)
                version[0] = '\0';
        if (lws_hdr_total_length(wsi, WSI_TOKEN_KEY) <= 0 || strcmp(version, "13") != 0) {
                code = 400, text = "Bad Request";
                why = "not a WebSocket handshake (needs Sec-WebSocket-Key and version 13)";
        } else if (srv->draining) {
                code = 503, text = "Service Unavailable";
                why = "shutting down";
        } else if (conf->path && strcmp(uri, conf->path) != 0) {
                code = 404, text = "Not Found";
                why = "not the --path";
        } else if (!auth_origin_ok(wsi, conf)) {
                code = 403, text = "Forbidden";
                why = "origin not allowed";
        } else if (!auth_token_ok(wsi, conf)) {
                code = 403, text = "Forbidden";
                why = "missing or wrong token";
        } else if (srv->n.connections >= conf->max_conns) {
                code = 503, text = "Service Unavailable";
                why = "too many connections (--max-conns)";
        }
        if (!code)
                return 0;
        srv->n.rejected++;
        if (conf->log >= LOG_VERBOSE) {
                char peer[56];
                peer_name(lws_get_socket_fd(wsi), peer, sizeof(peer));
                fprintf(stderr, "wsrecv: refused %s %s: %u %s\n", peer, uri, code, why);
        }
        return respond(wsi, code, text, why);
}

/* Writes the /healthz body into s->body. */
static int healthz_body(struct server *srv, struct session *s)
{
        char buf[256];
        int n =
            snprintf(buf, sizeof(buf),
                     "{\"connections\":%llu,\"messages\":%llu,\"bytes\":%llu,"
                     "\"rejected\":%llu,\"buffered\":%zu}\n",
                     (unsigned long long)srv->n.connections, (unsigned long long)srv->n.messages,
                     (unsigned long long)srv->n.bytes, (unsigned long long)srv->n.rejected,
                     outbuf_pending(&srv->out.ob) + srv->out.asm_bytes);
        s->body = malloc(LWS_PRE + (size_t)n);
        if (!s->body)
                return -1;
        memcpy(s->body + LWS_PRE, buf, (size_t)n);
        s->body_len = (size_t)n;
        return 0;
}

/* Sends the headers of a 200 JSON answer and asks for the body's turn. */
static int healthz_start(struct lws *wsi, struct server *srv, struct session *s)
{
        unsigned char head[LWS_PRE + 512], *start = head + LWS_PRE, *p = start,
                                           *end = head + sizeof(head) - 1;
        if (healthz_body(srv, s) < 0)
                return -1;
        if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "application/json", s->body_len, &p,
                                        end) ||
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                         (const unsigned char *)"no-store", 8, &p, end) ||
            lws_finalize_write_http_header(wsi, start, &p, end))
                return -1;
        lws_callback_on_writable(wsi);
        return 0;
}

int http_callback(struct lws *wsi, enum lws_callback_reasons reason, struct session *s, void *in,
                  size_t len)
{
        struct server *srv = lws_context_user(lws_get_context(wsi));
        char uri[256];
        int rc;

        switch (reason) {
        case LWS_CALLBACK_HTTP:
                if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0)
                        uri[0] = '\0';
                if (!strcmp(uri, "/healthz"))
                        return s ? healthz_start(wsi, srv, s) : -1;
                if (srv->conf->www)
                        rc = respond(wsi, 404, "Not Found", "not found");
                else /* a browser or curl on the WebSocket port */
                        rc = respond(wsi, 426, "Upgrade Required", "this is a WebSocket endpoint");
                return rc < 0 || lws_http_transaction_completed(wsi) ? -1 : 0;
        case LWS_CALLBACK_HTTP_WRITEABLE:
                if (!s || !s->body)
                        break;
                if (lws_write(wsi, (unsigned char *)s->body + LWS_PRE, s->body_len,
                              LWS_WRITE_HTTP_FINAL) < (int)s->body_len)
                        return -1;
                free(s->body);
                s->body = NULL;
                return lws_http_transaction_completed(wsi) ? -1 : 0;
        case LWS_CALLBACK_CLOSED_HTTP:
                /* A connection that closes before sending a request has no
                 * session data at all. */
                if (s) {
                        free(s->body);
                        s->body = NULL;
                }
                break;
        default:
                break;
        }
        return lws_callback_http_dummy(wsi, reason, s, in, len);
}
