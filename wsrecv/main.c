/* wsrecv: a WebSocket server that writes every message a client sends as one
 * record on stdout.
 *
 *   wsrecv [options]        see man/wsrecv.1
 *
 * Parse and check the options, install the signal handlers, open the
 * server, run the loop, drain in order (stop reading, write out, get the
 * last acks out, close clients with 1001), return the status. */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "budget.h"
#include "clock.h"
#include "conf.h"
#include "exits.h"
#include "log.h"
#include "number.h"
#include "record.h"
#include "server.h"
#include "signals.h"
#include "stdfds.h"

/* How long clients get to answer our close frames at the end. */
#define CLOSE_WAIT_MS 5000

/* The SYNOPSIS of man/wsrecv.1, as mandoc renders it. */
static void usage(FILE *f)
{
        fputs("usage: wsrecv [-0Jqv] [-a addr] [-p port] [--ack] [--ack-from file]\n"
              "              [--ack-wait secs] [--binary=mode] [--cert file --key file]\n"
              "              [--idle secs] [--max-buffer bytes] [--max-conns n]\n"
              "              [--max-message bytes] [--newline=mode] [--origin url]\n"
              "              [--path path] [--ping secs] [--reuseport] [--token-file file]\n"
              "              [--www dir]\n",
              f);
}

enum {
        OPT_ACK = 256,
        OPT_ACK_FROM,
        OPT_ACK_WAIT,
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

/* Reports a bad option value and exits with the usage status. */
static void bad(const char *opt, const char *val)
{
        warnx("invalid %s: %s", opt, val);
        usage(stderr);
        exit(EXIT_USAGE);
}

/* Parses a whole number from 0 to max into *out; exits on a bad one. */
static void uint_arg(const char *opt, const char *val, unsigned max, unsigned *out)
{
        long long v;
        if (number_parse(val, 0, max, &v) < 0)
                bad(opt, val);
        *out = (unsigned)v;
}

/* Reports a bad combination of options and exits with the usage status. */
static void bad_combination(const char *why)
{
        warnx("%s", why);
        usage(stderr);
        exit(EXIT_USAGE);
}

/* Fills conf from the command line; exits on a usage error or --help. */
static void parse_args(int argc, char **argv, struct conf *conf, const char **token_file)
{
        static const struct option longopts[] = {
            {"ack", no_argument, NULL, OPT_ACK},
            {"ack-from", required_argument, NULL, OPT_ACK_FROM},
            {"ack-wait", required_argument, NULL, OPT_ACK_WAIT},
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
        *conf = (struct conf){
            .addr = "127.0.0.1",
            .port = 8443,
            .newline = NEWLINE_REJECT,
            .binary = BINARY_REFUSE,
            .max_message = 1 << 20,
            .max_buffer = 16 << 20,
            .max_conns = 10000,
            .idle = 300,
            .ping = 30,
            .ack_wait = 10,
        };
        conf->origins = calloc((size_t)argc, sizeof(*conf->origins));
        if (!conf->origins)
                err(EXIT_FAIL, "calloc");
        bool binary_set = false;
        unsigned u;
        int c;
        while ((c = getopt_long(argc, argv, "0Jqva:p:h", longopts, NULL)) != -1) {
                switch (c) {
                case '0':
                        conf->nul = true;
                        break;
                case 'J':
                        conf->json = true;
                        break;
                case 'q':
                        conf->log = VERB_QUIET;
                        break;
                case 'v':
                        conf->log = VERB_VERBOSE;
                        break;
                case 'a':
                        conf->addr = optarg;
                        break;
                case 'p':
                        uint_arg("port", optarg, 65535, &u);
                        conf->port = (int)u;
                        break;
                case OPT_ACK:
                        conf->ack = true;
                        break;
                case OPT_ACK_FROM:
                        conf->ack_from = optarg;
                        break;
                case OPT_ACK_WAIT:
                        uint_arg("--ack-wait", optarg, 86400, &conf->ack_wait);
                        break;
                case OPT_BINARY:
                        if (!strcmp(optarg, "refuse"))
                                conf->binary = BINARY_REFUSE;
                        else if (!strcmp(optarg, "raw"))
                                conf->binary = BINARY_RAW;
                        else if (!strcmp(optarg, "base64"))
                                conf->binary = BINARY_BASE64;
                        else
                                bad("--binary (refuse, raw or base64)", optarg);
                        binary_set = true;
                        break;
                case OPT_CERT:
                        conf->cert = optarg;
                        break;
                case OPT_KEY:
                        conf->key = optarg;
                        break;
                case OPT_IDLE:
                        uint_arg("--idle", optarg, 86400 * 365, &conf->idle);
                        break;
                case OPT_MAX_BUFFER:
                        if (number_size(optarg, &conf->max_buffer) < 0 ||
                            conf->max_buffer < 64 * 1024 || conf->max_buffer > (size_t)1 << 40)
                                bad("--max-buffer (64K to 1T)", optarg);
                        break;
                case OPT_MAX_CONNS:
                        uint_arg("--max-conns", optarg, 1000000, &conf->max_conns);
                        if (!conf->max_conns)
                                bad("--max-conns", optarg);
                        break;
                case OPT_MAX_MESSAGE:
                        if (number_size(optarg, &conf->max_message) < 0 || !conf->max_message ||
                            conf->max_message > (size_t)1 << 30)
                                bad("--max-message (1 to 1G)", optarg);
                        break;
                case OPT_NEWLINE:
                        if (!strcmp(optarg, "reject"))
                                conf->newline = NEWLINE_REJECT;
                        else if (!strcmp(optarg, "space"))
                                conf->newline = NEWLINE_SPACE;
                        else
                                bad("--newline (reject or space)", optarg);
                        break;
                case OPT_ORIGIN:
                        conf->origins[conf->norigins++] = optarg;
                        break;
                case OPT_PATH:
                        if (optarg[0] != '/')
                                bad("--path (must start with /)", optarg);
                        conf->path = optarg;
                        break;
                case OPT_PING:
                        uint_arg("--ping (0 to 30000)", optarg, 30000, &conf->ping);
                        break;
                case OPT_REUSEPORT:
                        conf->reuseport = true;
                        break;
                case OPT_TOKEN_FILE:
                        *token_file = optarg;
                        break;
                case OPT_WWW:
                        conf->www = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        exit(EXIT_OK);
                default:
                        usage(stderr);
                        exit(EXIT_USAGE);
                }
        }
        if (optind < argc) {
                warnx("unexpected argument: %s", argv[optind]);
                usage(stderr);
                exit(EXIT_USAGE);
        }
        if (conf->json && !binary_set)
                conf->binary = BINARY_BASE64; /* -J keeps binary messages, as payload_b64 */
}

/* Exits (2) unless path, named by option opt, is a file we can open (or,
 * for --ack-from, a FIFO or file that is there: opening a FIFO now would
 * let its writer start before anyone reads). */
static void check_file(const char *opt, const char *path, bool probe)
{
        struct stat st;
        if (stat(path, &st) < 0)
                err(EXIT_USAGE, "%s %s", opt, path);
        if (S_ISDIR(st.st_mode))
                errx(EXIT_USAGE, "%s %s: a folder, not a file", opt, path);
        if (!probe)
                return;
        int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                err(EXIT_USAGE, "%s %s", opt, path);
        close(fd);
}

/* Checks the combinations of options and what they name; reads the token.
 * Exits (2) on a usage error or a file or folder it cannot read. */
static void check_conf(struct conf *conf, const char *token_file)
{
        if (!conf->cert != !conf->key)
                bad_combination("--cert and --key go together");
        if (conf->nul && conf->newline == NEWLINE_SPACE)
                bad_combination("--newline=space has no use with -0 (records may hold newlines)");
        if (conf->ack_from && !conf->ack)
                bad_combination("--ack-from needs --ack");
        if (conf->ack_from && conf->binary == BINARY_RAW && !conf->json)
                bad_combination("--ack-from with --binary=raw: a binary message may hold the "
                                "delimiter, and kprod would count it as several records");
        size_t need = budget_min(record_bound(conf));
        if (conf->max_buffer < need) {
                char why[200];
                snprintf(why, sizeof(why),
                         "--max-buffer %zuK is too small for --max-message %zuK%s: it needs at "
                         "least %zuK",
                         conf->max_buffer >> 10, conf->max_message >> 10,
                         conf->json ? " with -J" : "", (need + 1023) >> 10);
                bad_combination(why);
        }
        if (conf->cert) {
                check_file("--cert", conf->cert, true);
                check_file("--key", conf->key, true);
        }
        if (conf->ack_from)
                check_file("--ack-from", conf->ack_from, false);
        if (conf->www) {
                struct stat st;
                if (stat(conf->www, &st) < 0)
                        err(EXIT_USAGE, "--www %s", conf->www);
                if (!S_ISDIR(st.st_mode))
                        errx(EXIT_USAGE, "--www %s: not a folder", conf->www);
                conf->www_real = realpath(conf->www, NULL);
                if (!conf->www_real)
                        err(EXIT_USAGE, "--www %s", conf->www);
        }
        if (token_file) {
                char why[256];
                conf->token = auth_read_token(token_file, why, sizeof(why));
                if (!conf->token)
                        errx(EXIT_USAGE, "%s", why);
        }
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

/* Where a run is in its ending. */
enum phase {
        RUNNING,
        WRITING,  /* stopped reading clients; writing out what they sent */
        SETTLING, /* stdout closed; waiting for kprod's last delivery reports */
        CLOSING,  /* closing clients; waiting for their close frames */
};

/* Serves until a signal or the loss of stdout, then drains in order.
 * Returns the exit status. */
static int run(struct server *srv)
{
        const struct conf *conf = srv->conf;
        enum phase phase = RUNNING;
        int status = EXIT_OK;
        int64_t deadline = 0;
        for (;;) {
                if (lws_service(srv->context, 0) < 0) {
                        warnx("event loop failed");
                        return EXIT_FAIL;
                }
                server_pump(srv);
                if (signals_stop_count() >= 2) {
                        warnx("second signal: quitting without writing %zu buffered bytes",
                              sink_pending(&srv->out.sink));
                        return EXIT_FAIL;
                }
                bool lost = srv->out.sink.closed || srv->out.sink.error || srv->rep.broken[0];
                if (lost && phase < CLOSING) {
                        if (srv->rep.broken[0])
                                warnx("%s; closing clients with 1011", srv->rep.broken);
                        else if (srv->out.sink.closed)
                                warnx("stdout closed: closing clients with 1011");
                        else
                                warnx("write to stdout: %s", strerror(srv->out.sink.error));
                        server_drain(srv);
                        server_close_all(srv, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION,
                                         srv->rep.broken[0] ? "acknowledgements unavailable"
                                                            : "output closed");
                        status = EXIT_FAIL;
                        phase = CLOSING;
                        deadline = clock_mono_ms() + CLOSE_WAIT_MS;
                        continue;
                }
                if (phase == RUNNING && signals_stop_count() == 1) {
                        if (conf->log >= VERB_NORMAL)
                                warnx("stopping: writing out what %llu clients sent",
                                      (unsigned long long)server_counters(srv).connections);
                        server_drain(srv);
                        phase = WRITING;
                }
                if (phase == WRITING && sink_pending(&srv->out.sink) == 0) {
                        output_end(&srv->out); /* the next tool sees the end of its input */
                        phase = SETTLING;
                }
                if (phase == SETTLING &&
                    (!acks_pending(&srv->acks) || srv->rep.eof || !conf->ack_from)) {
                        server_close_all(srv, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
                        phase = CLOSING;
                        deadline = clock_mono_ms() + CLOSE_WAIT_MS;
                }
                if (phase == CLOSING &&
                    (server_counters(srv).connections == 0 || clock_mono_ms() > deadline))
                        return status;
        }
}

int main(int argc, char **argv)
{
        /* Before anything opens a descriptor that could take 0-2's place:
         * a listening socket on fd 1 would get the records. */
        int closed = stdfds_guard();
        if (closed < 0)
                err(EXIT_FAIL, "/dev/null");
        if (closed & 2)
                errx(EXIT_USAGE, "stdout is closed: nowhere to write");
        struct conf conf;
        const char *token_file = NULL;
        parse_args(argc, argv, &conf, &token_file);
        check_conf(&conf, token_file);
        log_set(conf.log);

        if (signals_install() < 0)
                err(EXIT_FAIL, "sigaction");
        raise_fd_limit();
        /* Messages assembled from pieces get memory of their own, given back
         * when they are written: glibc would otherwise raise this threshold
         * and keep freed message buffers in the heap, outside the budget. */
        mallopt(M_MMAP_THRESHOLD, 64 * 1024);

        struct server srv;
        char why[512];
        if (server_create(&srv, &conf, why, sizeof(why)) < 0)
                errx(EXIT_FAIL, "%s", why);
        /* Even with -q when the port is 0: the only way to learn it. */
        logx(conf.port == 0 ? VERB_QUIET : VERB_NORMAL, "listening on %s", srv.listen_name);

        int status = run(&srv);
        const struct counters n = server_counters(&srv);
        if (conf.log >= VERB_NORMAL)
                warnx("%llu messages, %llu bytes, %llu rejected", (unsigned long long)n.messages,
                      (unsigned long long)n.bytes, (unsigned long long)n.rejected);
        server_destroy(&srv);
        free(conf.token);
        free(conf.www_real);
        free(conf.origins);
        return status;
}
