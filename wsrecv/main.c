/* wsrecv: a WebSocket server that writes every message a client sends as one
 * record on stdout. See man/wsrecv.1. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "signals.h"
#include "wsrecv.h"

/* How long clients get to answer our close frame when draining. */
#define DRAIN_MS 5000

/* The SYNOPSIS of man/wsrecv.1, as mandoc renders it. */
static void usage(FILE *f)
{
        fputs("usage: wsrecv [-0Jqv] [-a addr] [-p port] [--ack] [--binary=mode]\n"
              "              [--cert file --key file] [--idle secs] [--max-buffer bytes]\n"
              "              [--max-conns n] [--max-message bytes] [--newline=mode]\n"
              "              [--origin url] [--path path] [--ping secs] [--reuseport]\n"
              "              [--token-file file] [--www dir]\n",
              f);
}

enum {
        OPT_ACK = 256,
        OPT_BINARY,
        OPT_CERT,
        OPT_KEY,
        OPT_IDLE,
        OPT_MAX_BUFFER,
        OPT_MAX_CONNS,
        OPT_MAX_MESSAGE,
        OPT_NEWLINE,
        OPT_ORIGIN,
        OPT_PATH,
        OPT_PING,
        OPT_REUSEPORT,
        OPT_TOKEN_FILE,
        OPT_WWW,
};

static const struct option longopts[] = {
    {"ack", no_argument, NULL, OPT_ACK},
    {"binary", required_argument, NULL, OPT_BINARY},
    {"cert", required_argument, NULL, OPT_CERT},
    {"key", required_argument, NULL, OPT_KEY},
    {"idle", required_argument, NULL, OPT_IDLE},
    {"max-buffer", required_argument, NULL, OPT_MAX_BUFFER},
    {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
    {"max-message", required_argument, NULL, OPT_MAX_MESSAGE},
    {"newline", required_argument, NULL, OPT_NEWLINE},
    {"origin", required_argument, NULL, OPT_ORIGIN},
    {"path", required_argument, NULL, OPT_PATH},
    {"ping", required_argument, NULL, OPT_PING},
    {"reuseport", no_argument, NULL, OPT_REUSEPORT},
    {"token-file", required_argument, NULL, OPT_TOKEN_FILE},
    {"www", required_argument, NULL, OPT_WWW},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Reports a bad option value and exits with the usage status. */
static void bad(const char *opt, const char *val)
{
        warnx("invalid %s: %s", opt, val);
        usage(stderr);
        exit(2);
}

/* Milliseconds on a clock that only moves forward. */
static int64_t mono_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Lets one process hold as many connections as the hard limit allows. */
static void raise_fd_limit(void)
{
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
}

int main(int argc, char **argv)
{
        struct conf conf = {
            .addr = "127.0.0.1",
            .port = 8443,
            .newline = NEWLINE_REJECT,
            .binary = BINARY_REFUSE,
            .max_message = 1 << 20,
            .max_buffer = 16 << 20,
            .max_conns = 10000,
            .idle = 300,
            .ping = 30,
        };
        bool binary_set = false;
        const char *token_file = NULL;
        unsigned u;
        int c;

        conf.origins = calloc((size_t)argc, sizeof(*conf.origins));
        if (!conf.origins)
                err(1, "calloc");
        while ((c = getopt_long(argc, argv, "0Jqva:p:h", longopts, NULL)) != -1) {
                switch (c) {
                case '0':
                        conf.nul = true;
                        break;
                case 'J':
                        conf.json = true;
                        break;
                case 'q':
                        conf.log = LOG_QUIET;
                        break;
                case 'v':
                        conf.log = LOG_VERBOSE;
                        break;
                case 'a':
                        conf.addr = optarg;
                        break;
                case 'p':
                        if (opt_uint(optarg, 65535, &u) < 0)
                                bad("port", optarg);
                        conf.port = (int)u;
                        break;
                case OPT_ACK:
                        conf.ack = true;
                        break;
                case OPT_BINARY:
                        if (!strcmp(optarg, "refuse"))
                                conf.binary = BINARY_REFUSE;
                        else if (!strcmp(optarg, "raw"))
                                conf.binary = BINARY_RAW;
                        else if (!strcmp(optarg, "base64"))
                                conf.binary = BINARY_BASE64;
                        else
                                bad("--binary (refuse, raw or base64)", optarg);
                        binary_set = true;
                        break;
                case OPT_CERT:
                        conf.cert = optarg;
                        break;
                case OPT_KEY:
                        conf.key = optarg;
                        break;
                case OPT_IDLE:
                        if (opt_uint(optarg, 86400 * 365, &conf.idle) < 0)
                                bad("--idle", optarg);
                        break;
                case OPT_MAX_BUFFER:
                        if (opt_size(optarg, &conf.max_buffer) < 0 || conf.max_buffer < 4096)
                                bad("--max-buffer (at least 4K)", optarg);
                        break;
                case OPT_MAX_CONNS:
                        if (opt_uint(optarg, 1000000, &conf.max_conns) < 0 || !conf.max_conns)
                                bad("--max-conns", optarg);
                        break;
                case OPT_MAX_MESSAGE:
                        if (opt_size(optarg, &conf.max_message) < 0 || !conf.max_message ||
                            conf.max_message > (size_t)1 << 30)
                                bad("--max-message (1 to 1G)", optarg);
                        break;
                case OPT_NEWLINE:
                        if (!strcmp(optarg, "reject"))
                                conf.newline = NEWLINE_REJECT;
                        else if (!strcmp(optarg, "space"))
                                conf.newline = NEWLINE_SPACE;
                        else
                                bad("--newline (reject or space)", optarg);
                        break;
                case OPT_ORIGIN:
                        conf.origins[conf.norigins++] = optarg;
                        break;
                case OPT_PATH:
                        if (optarg[0] != '/')
                                bad("--path (must start with /)", optarg);
                        conf.path = optarg;
                        break;
                case OPT_PING:
                        if (opt_uint(optarg, 30000, &conf.ping) < 0)
                                bad("--ping (0 to 30000)", optarg);
                        break;
                case OPT_REUSEPORT:
                        conf.reuseport = true;
                        break;
                case OPT_TOKEN_FILE:
                        token_file = optarg;
                        break;
                case OPT_WWW:
                        conf.www = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        free(conf.origins);
                        return 0;
                default:
                        usage(stderr);
                        free(conf.origins);
                        return 2;
                }
        }
        if (optind < argc) {
                warnx("unexpected argument: %s", argv[optind]);
                usage(stderr);
                free(conf.origins);
                return 2;
        }
        if (!conf.cert != !conf.key) {
                warnx("--cert and --key go together");
                usage(stderr);
                free(conf.origins);
                return 2;
        }
        if (conf.json && !binary_set)
                conf.binary = BINARY_BASE64; /* -J keeps binary messages, as data_b64 */
        if (conf.nul && conf.newline == NEWLINE_SPACE) {
                warnx("--newline=space has no use with -0 (records may hold newlines)");
                usage(stderr);
                free(conf.origins);
                return 2;
        }
        struct stat st;
        if (conf.www && stat(conf.www, &st) < 0)
                err(1, "--www %s", conf.www);
        if (conf.www && !S_ISDIR(st.st_mode))
                errx(1, "--www %s: not a folder", conf.www);
        if (token_file) {
                char why[256];
                conf.token = auth_read_token(token_file, why, sizeof(why));
                if (!conf.token)
                        errx(1, "%s", why);
        }

        if (signals_install() < 0)
                err(1, "sigaction");
        raise_fd_limit();

        struct server srv;
        char why[256];
        if (server_create(&srv, &conf, why, sizeof(why)) < 0)
                errx(1, "%s", why);
        if (conf.log >= LOG_NORMAL || conf.port == 0)
                fprintf(stderr, "wsrecv: listening on %s\n", srv.listen_name);

        /* The loop: serve, write what arrived, react to signals and to the
         * reader of stdout going away. */
        int status = 0;
        int64_t deadline = 0;
        for (;;) {
                if (lws_service(srv.context, 0) < 0) {
                        warnx("event loop failed");
                        status = 1;
                        break;
                }
                output_pump(&srv);
                int stops = signals_stop_count();
                if (stops >= 2) {
                        warnx("second signal: quitting without writing %zu buffered bytes",
                              outbuf_pending(&srv.out.ob));
                        status = 1;
                        break;
                }
                if (!srv.draining && (srv.out.closed || srv.out.error)) {
                        if (srv.out.closed)
                                warnx("stdout closed: closing clients with 1011");
                        else
                                warnx("write to stdout: %s", strerror(srv.out.error));
                        server_drain(&srv, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, "output closed");
                        status = 1;
                        deadline = mono_ms() + DRAIN_MS;
                } else if (!srv.draining && stops == 1) {
                        if (conf.log >= LOG_NORMAL)
                                warnx("stopping: closing %llu clients with 1001",
                                      (unsigned long long)srv.n.connections);
                        server_drain(&srv, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
                        deadline = mono_ms() + DRAIN_MS;
                }
                if (srv.draining && (srv.n.connections == 0 || mono_ms() > deadline))
                        break;
        }

        server_destroy(&srv);
        if (status == 0 && output_finish(&srv.out) < 0) {
                if (errno == EINTR)
                        warnx("second signal: quitting without writing %zu buffered bytes",
                              outbuf_pending(&srv.out.ob));
                else if (errno == EPIPE)
                        warnx("stdout closed: %zu bytes not written", outbuf_pending(&srv.out.ob));
                else
                        warn("write to stdout");
                status = 1;
        }
        if (conf.log >= LOG_NORMAL)
                warnx("%llu messages, %llu bytes, %llu rejected",
                      (unsigned long long)srv.n.messages, (unsigned long long)srv.n.bytes,
                      (unsigned long long)srv.n.rejected);
        output_free(&srv.out);
        free(conf.token);
        free(conf.origins);
        return status;
}
