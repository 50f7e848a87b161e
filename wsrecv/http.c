/* http: plain HTTP on the WebSocket port: the checks that accept or refuse
 * an upgrade (RFC 6455 handshake rules, subprotocol, path, origin, token,
 * --max-conns), GET and HEAD /healthz (counters and readiness, from
 * ready.c, as JSON), the --www symlink check, and 426 for anything else
 * when no --www folder is served (lws serves --www files itself, through
 * the mount server.c sets up). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "framing.h"
#include "http.h"
#include "log.h"
#include "outbuf.h"

/* Every plain HTTP answer ends its connection (see http_callback): the
 * header that says so. */
static int add_close(struct lws *wsi, unsigned char **p, unsigned char *end)
{
        return lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION,
                                            (const unsigned char *)"close", 5, p, end);
}

/* Answers with an HTTP/1.1 status, an optional extra header line ("Name:
 * value") and a one-line text body (none for HEAD). Returns 1 (we
 * responded), or -1 to hang up when the answer could not be written. lws's
 * own lws_return_http_status() says HTTP/1.0 before an upgrade is parsed,
 * which WebSocket clients refuse to read. */
static int respond(struct lws *wsi, unsigned code, const char *text, const char *extra,
                   const char *why, bool head)
{
        unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start,
                                           *end = buf + sizeof(buf) - 1;
        char len[16];
        size_t wlen = strlen(why);
        int n = snprintf((char *)p, 64, "HTTP/1.1 %u %s\r\n", code, text);
        p += n;
        if (extra) {
                n = snprintf((char *)p, 128, "%s\r\n", extra);
                p += n;
        }
        n = snprintf(len, sizeof(len), "%zu", wlen + 1);
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                         (const unsigned char *)"text/plain", 10, &p, end) ||
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH,
                                         (const unsigned char *)len, n, &p, end) ||
            add_close(wsi, &p, end) || lws_finalize_http_header(wsi, &p, end) ||
            (size_t)(end - p) < wlen + 1)
                return -1;
        if (!head) {
                memcpy(p, why, wlen);
                p += wlen;
                *p++ = '\n';
        }
        n = (int)(p - start);
        return lws_write(wsi, start, (size_t)n, LWS_WRITE_HTTP) == n ? 1 : -1;
}

/* True when the comma-separated header value holds token (any case). */
static bool has_token(const char *list, const char *token)
{
        size_t tlen = strlen(token);
        for (const char *p = list; *p;) {
                while (*p == ' ' || *p == '\t' || *p == ',')
                        p++;
                const char *e = p;
                while (*e && *e != ',')
                        e++;
                const char *t = e;
                while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
                        t--;
                if ((size_t)(t - p) == tlen && !strncasecmp(p, token, tlen))
                        return true;
                p = e;
        }
        return false;
}

/* True when Sec-WebSocket-Key is the base64 form of 16 bytes (RFC 6455
 * 4.2.1). */
static bool key_ok(struct lws *wsi)
{
        char key[64];
        unsigned char raw[48];
        int n = lws_hdr_copy(wsi, key, sizeof(key), WSI_TOKEN_KEY);
        return n == 24 && base64_decode(key, 24, raw) == 16;
}

/* Copies a header into buf; "" when it is absent or too long. */
static void header(struct lws *wsi, enum lws_token_indexes h, char *buf, int len)
{
        if (lws_hdr_copy(wsi, buf, len, h) < 0)
                buf[0] = '\0';
}

/* The one subprotocol spoken here: the first entry of server.c's table. */
static const char SUBPROTOCOL[] = "wsrecv";

/* Checks Sec-WebSocket-Protocol as lws 4.1.6 will (lws_process_ws_upgrade,
 * with the same tokenizer and buffer sizes): none named, or "wsrecv" among
 * them, is taken. On any other list lws would hang up without a word, so
 * we refuse it first, with a reason in why, and return false. */
static bool subprotocol_ok(struct lws *wsi, char *why, size_t len)
{
        char buf[128], name[64];
        int n = lws_hdr_copy(wsi, buf, sizeof(buf) - 1, WSI_TOKEN_PROTOCOL);
        if (n < 0) {
                snprintf(why, len, "Sec-WebSocket-Protocol is over %zu bytes", sizeof(buf) - 2);
                return false;
        }
        if (n == 0)
                return true; /* lws binds our first protocol: "wsrecv" */
        struct lws_tokenize ts;
        lws_tokenize_init(&ts, buf,
                          LWS_TOKENIZE_F_COMMA_SEP_LIST | LWS_TOKENIZE_F_MINUS_NONTERM |
                              LWS_TOKENIZE_F_DOT_NONTERM | LWS_TOKENIZE_F_RFC7230_DELIMS);
        ts.len = (size_t)n;
        lws_tokenize_elem e;
        do {
                e = lws_tokenize(&ts);
                if (e == LWS_TOKZE_TOKEN) {
                        if (lws_tokenize_cstr(&ts, name, sizeof(name))) {
                                snprintf(why, len, "a subprotocol name over %zu bytes",
                                         sizeof(name) - 1);
                                return false;
                        }
                        if (!strcmp(name, SUBPROTOCOL))
                                return true;
                } else if (e != LWS_TOKZE_DELIMITER && e != LWS_TOKZE_ENDED) {
                        snprintf(why, len, "Sec-WebSocket-Protocol is not a list of tokens: %.80s",
                                 buf);
                        return false;
                }
        } while (e > 0);
        snprintf(why, len, "no subprotocol offered is spoken here (%.80s): offer none, or %s", buf,
                 SUBPROTOCOL);
        return false;
}

/* Decides whether an upgrade request may become a WebSocket connection:
 * returns 0 to accept, 1 after answering with an error, -1 to hang up. */
int http_confirm_upgrade(struct http *h, struct lws *wsi)
{
        const struct conf *conf = h->conf;
        const char *why = NULL, *text = NULL, *extra = NULL;
        unsigned code = 0;
        char uri[1024], version[8], upgrade[32], connection[256], http[16], sub[160];

        header(wsi, WSI_TOKEN_GET_URI, uri, sizeof(uri));
        header(wsi, WSI_TOKEN_VERSION, version, sizeof(version));
        header(wsi, WSI_TOKEN_UPGRADE, upgrade, sizeof(upgrade));
        header(wsi, WSI_TOKEN_CONNECTION, connection, sizeof(connection));
        header(wsi, WSI_TOKEN_HTTP, http, sizeof(http));
        if (strcasecmp(upgrade, "websocket") != 0) {
                code = 400, text = "Bad Request";
                why = "only WebSocket upgrades are served";
        } else if (!lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI)) {
                code = 400, text = "Bad Request";
                why = "a WebSocket handshake is a GET request";
        } else if (strcmp(http, "HTTP/1.1") != 0) {
                code = 400, text = "Bad Request";
                why = "a WebSocket handshake needs HTTP/1.1";
        } else if (!has_token(connection, "upgrade")) {
                code = 400, text = "Bad Request";
                why = "a WebSocket handshake needs Connection: Upgrade";
        } else if (strcmp(version, "13") != 0) {
                code = 426, text = "Upgrade Required", extra = "Sec-WebSocket-Version: 13";
                why = "only WebSocket version 13 is served";
        } else if (!key_ok(wsi)) {
                code = 400, text = "Bad Request";
                why = "Sec-WebSocket-Key is missing or not 16 bytes of base64";
        } else if (!subprotocol_ok(wsi, sub, sizeof(sub))) {
                code = 400, text = "Bad Request";
                why = sub;
        } else if (h->calls->stopping(h->arg)) {
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
        } else if (h->calls->crowded(h->arg)) {
                code = 503, text = "Service Unavailable";
                why = "too many connections (--max-conns)";
        }
        if (!code)
                return 0;
        h->calls->refused(h->arg);
        logx(VERB_VERBOSE, "refused %s %s: %u %s", peers_name(h->peers, lws_get_socket_fd(wsi)),
             uri, code, why);
        /* The connection closes after the answer: what follows a refused
         * handshake is not HTTP we want to read. */
        respond(wsi, code, text, extra, why, false);
        return -1;
}

/* With --www: refuses paths that lead out of the folder (a symlink to
 * elsewhere), before lws serves them. uri is lws's decoded, cleaned path.
 * Returns 0 to go on, or nonzero when answered (lws closes). */
int http_filter(struct http *h, struct lws *wsi, const char *uri)
{
        const struct conf *conf = h->conf;
        if (!conf->www || !uri || !strcmp(uri, "/healthz"))
                return 0;
        char path[PATH_MAX + 16], real[PATH_MAX];
        size_t ulen = strlen(uri);
        int n = snprintf(path, sizeof(path), "%s%s%s%s", conf->www_real, uri[0] == '/' ? "" : "/",
                         uri, ulen && uri[ulen - 1] == '/' ? "index.html" : "");
        if (n < 0 || (size_t)n >= sizeof(path))
                return respond(wsi, 414, "URI Too Long", NULL, "path too long", false);
        if (!realpath(path, real))
                return 0; /* lws answers 404 */
        size_t rlen = strlen(conf->www_real);
        if (strncmp(real, conf->www_real, rlen) == 0 && (real[rlen] == '/' || real[rlen] == '\0'))
                return 0;
        logx(VERB_VERBOSE, "refused %s: leads out of --www", uri);
        return respond(wsi, 404, "Not Found", NULL, "not found", false);
}

/* The /healthz body into ob: counters, and whether this front door can
 * take messages now (ready.c). Sets *ready. */
static int healthz_body(struct http *h, struct outbuf *ob, bool *ready)
{
        struct health st;
        h->calls->health(h->arg, &st);
        const char *reason = st.not_ready;
        *ready = reason == NULL;
        char head[320];
        int n = snprintf(head, sizeof(head),
                         "{\"connections\":%llu,\"messages\":%llu,\"bytes\":%llu,"
                         "\"rejected\":%llu,\"buffered\":%zu,\"ready\":%s",
                         (unsigned long long)st.connections, (unsigned long long)st.messages,
                         (unsigned long long)st.bytes, (unsigned long long)st.rejected,
                         st.buffered, *ready ? "true" : "false");
        int rc = outbuf_put(ob, head, (size_t)n);
        if (reason) {
                rc |= outbuf_putc(ob, ',');
                rc |= json_put_field(ob, "reason", reason, strlen(reason));
        }
        const char *paused = st.paused;
        rc |= outbuf_putc(ob, ',');
        rc |= paused ? json_put_field(ob, "paused", paused, strlen(paused))
                     : outbuf_put(ob, "\"paused\":false", 14);
        rc |= outbuf_put(ob, "}\n", 2);
        return rc ? -1 : 0;
}

/* The /healthz answer (200, or 503 when not ready), headers and body in
 * one write: lws may read a pipelined request before a later turn to
 * write would come. Returns -1 to hang up. */
static int healthz(struct http *h, struct lws *wsi, bool head)
{
        struct outbuf body;
        if (outbuf_init(&body, -1, 512) < 0)
                return -1;
        bool ready;
        size_t cap = 0;
        unsigned char *buf = NULL;
        int rc = -1;
        if (healthz_body(h, &body, &ready) < 0)
                goto out;
        cap = LWS_PRE + 512 + body.len;
        buf = malloc(cap);
        if (!buf)
                goto out;
        unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + cap - body.len;
        unsigned status = ready ? HTTP_STATUS_OK : HTTP_STATUS_SERVICE_UNAVAILABLE;
        if (lws_add_http_common_headers(wsi, status, "application/json", body.len, &p, end) ||
            lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                         (const unsigned char *)"no-store", 8, &p, end) ||
            add_close(wsi, &p, end) || lws_finalize_http_header(wsi, &p, end))
                goto out;
        if (!head) {
                memcpy(p, body.data, body.len);
                p += body.len;
        }
        int n = (int)(p - start);
        if (lws_write(wsi, start, (size_t)n, LWS_WRITE_HTTP_FINAL) == n)
                rc = 0;
out:
        free(buf);
        outbuf_free(&body);
        return rc;
}

/* One request per connection: when an answer is complete, lws rebinds
 * the connection to wait for another request, which it would read and
 * parse itself, past the gate and its head limit (gate.c). Refusing that
 * rebind closes the connection instead, so every request, whatever
 * answered it (us, or lws for --www files and its own errors), comes on a
 * connection of its own through the gate. lws 4.1.6 names the rebind by
 * its function. */
static const char REBIND[] = "lws_http_transaction_completed";

int http_callback(struct http *h, struct lws *wsi, enum lws_callback_reasons reason, void *user,
                  void *in, size_t len)
{
        char *uri = NULL;
        int ulen = 0, rc;

        switch (reason) {
        case LWS_CALLBACK_HTTP: {
                int method = lws_http_get_uri_and_method(wsi, &uri, &ulen);
                bool head = method == LWSHUMETH_HEAD;
                if (uri && ulen == 8 && !strncmp(uri, "/healthz", 8)) {
                        if (method == LWSHUMETH_GET || head)
                                return healthz(h, wsi, head) < 0 ||
                                               lws_http_transaction_completed(wsi)
                                           ? -1
                                           : 0;
                        rc = respond(wsi, 405, "Method Not Allowed", "Allow: GET, HEAD",
                                     "use GET or HEAD", false);
                } else if (h->conf->www) {
                        rc = respond(wsi, 404, "Not Found", NULL, "not found", head);
                } else { /* a browser or curl on the WebSocket port */
                        rc = respond(wsi, 426, "Upgrade Required", "Upgrade: websocket",
                                     "this is a WebSocket endpoint", head);
                }
                return rc < 0 || lws_http_transaction_completed(wsi) ? -1 : 0;
        }
        case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
                if (in && !strcmp(in, REBIND))
                        h->done = wsi;
                break;
        case LWS_CALLBACK_HTTP_BIND_PROTOCOL:
                if (wsi == h->done) {
                        h->done = NULL;
                        return 1; /* lws closes the connection */
                }
                break;
        case LWS_CALLBACK_ADD_HEADERS: { /* a --www file, or a 101 */
                struct lws_process_html_args *args = in;
                if (lws_hdr_total_length(wsi, WSI_TOKEN_UPGRADE))
                        break; /* the WebSocket stays */
                unsigned char *p = (unsigned char *)args->p;
                if (add_close(wsi, &p, p + args->max_len))
                        return -1;
                args->max_len -= (int)((char *)p - args->p);
                args->p = (char *)p;
                return 0;
        }
        case LWS_CALLBACK_CLOSED_HTTP:
                if (wsi == h->done)
                        h->done = NULL;
                break;
        default:
                break;
        }
        return lws_callback_http_dummy(wsi, reason, user, in, len);
}
