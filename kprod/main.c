/* kprod: produce records from standard input to a Kafka topic.
 *
 * Reads stdin in large blocks, splits it into records at a delimiter
 * (newline by default), optionally splits each record into key and value,
 * and produces every record as soon as its delimiter has arrived. Records
 * that cannot be delivered are written to --failed FILE, or named on
 * stderr by record number. See kprod(1). */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "counts.h"
#include "exits.h"
#include "failed.h"
#include "framing.h"
#include "kconf.h"
#include "number.h"
#include "list.h"
#include "producer.h"
#include "progress.h"
#include "reader.h"
#include "reports.h"
#include "signals.h"
#include "stdfds.h"
#include "version.h"

#define SYNOPSIS                                                                                   \
        "usage: kprod -t topic [-0JPqvZ] [-b brokers] [-D delim] [-F file] [-H name=value]\n"      \
        "             [-K delim] [-k key] [-p partition] [-X prop=value] [-z codec]\n"             \
        "             [--by-key] [--failed file] [--keep-empty] [--key-field name]\n"              \
        "             [--max-buffer size] [--reports file]\n"                                                          \
        "       kprod -L [-b brokers] [-F file] [-t topic] [-X prop=value]\n"                      \
        "       kprod -V\n"

enum {
        OPT_FAILED = 256,
        OPT_KEEP_EMPTY,
        OPT_HELP,
        OPT_BY_KEY,
        OPT_KEY_FIELD,
        OPT_REPORTS,
        OPT_MAX_BUFFER,
        OPT_VERSION
};

struct options {
        const char *topic;
        const char *brokers;
        const char *failed_path;
        const char *reports_path;
        char delim[64];
        size_t dlen;
        bool default_delim; /* newline, with the CR of CRLF dropped */
        char kdelim[64];
        size_t kdlen;
        const char *key;       /* -k */
        const char *key_field; /* --key-field */
        bool json;             /* -J */
        bool by_key;           /* --by-key */
        bool list;             /* -L */
        int32_t partition;
        struct header *headers;
        size_t nheaders;
        bool keep_empty;
        bool null_empty;
        bool verbose;
        bool quiet;
        size_t max_buffer; /* --max-buffer */
};

/* Everything one run works with. */
struct run {
        const struct options *o;
        struct reader r;
        struct producer p;
        struct failed f;
        struct counts c;
        struct progress pg;
        struct reports rep;
        bool stdin_tty;    /* a terminal: the first signal stops reading */
        uint64_t recno;    /* number of the last record seen, from 1 */
        bool in_part;      /* reading a record too long for the buffer */
        uint64_t part_len; /* its length so far */
        bool told_stop;    /* the first stop was announced on stderr */
};

static void usage(FILE *fp)
{
        fputs(SYNOPSIS, fp);
}

/* --help: the synopsis, every option in a line, and where the manual is. */
static void help(void)
{
        usage(stdout);
        fputs("\n"
              "  -0              records end with NUL instead of a newline\n"
              "  -b brokers      bootstrap brokers (default $KAFKA_BROKERS, else localhost:9092)\n"
              "  -D delim        records end with delim (escapes \\n \\t \\0 \\xHH ...)\n"
              "  -F file         librdkafka properties, one prop=value a line\n"
              "  -H name=value   add a header to every record\n"
              "  -J              each record is a JSON envelope, as kcons -J writes it:\n"
              "                  key, payload, headers, ts and partition kept\n"
              "  -K delim        split the key off at the first delim\n"
              "  -k key          the same key for every record\n"
              "  -L              list brokers, topics, partitions and leaders, then exit\n"
              "  -P              accepted, as kcat's producer mode\n"
              "  -p partition    produce every record to this partition\n"
              "  -q, -v          only errors; progress and a summary\n"
              "  -t topic        the topic to produce to\n"
              "  -V, --version   print the versions and exit\n"
              "  -X prop=value   a librdkafka property; -X list shows them all\n"
              "  -Z              send empty keys and values as NULL\n"
              "  -z codec        compress: none, gzip, snappy, lz4, zstd\n"
              "  --by-key        -J: place records by key, not on the envelope's partition\n"
              "  --failed file   write every record not delivered to file, as read\n"
              "  --keep-empty    produce empty records instead of skipping them\n"
              "  --max-buffer size  stop reading while records held take size (default 64M)\n"
              "  --key-field name  the key is member name of each record's JSON object\n"
              "  --reports file  write delivery reports by record number to file (a FIFO);\n"
              "                  implies --keep-empty\n"
              "  -h, --help      the synopsis; --help also this list\n"
              "\n"
              "Exit status: 0 all delivered, 1 some not, 2 usage, 3 no broker reachable,\n"
              "4 some neither delivered nor kept in --failed, 5 a CreateTime 0 altered.\n"
              "The manual: man kprod (man/kprod.1 in the source).\n",
              stdout);
}

/* Exits with a usage error on options that cannot go together. */
static void check_combinations(const struct options *o)
{
        int keys = (o->kdlen > 0) + (o->key != NULL) + (o->key_field != NULL);
        if (keys > 1)
                errx(EXIT_USAGE, "-K, -k and --key-field each set the key: give one of them");
        if (o->json && (keys || o->nheaders || o->null_empty || o->keep_empty))
                errx(EXIT_USAGE, "-J reads key, headers and nulls from each envelope: not with "
                                 "-K, -k, --key-field, -H, -Z or --keep-empty");
        if (o->by_key && !o->json)
                errx(EXIT_USAGE, "--by-key applies to -J envelopes only");
        if (o->key_field && !*o->key_field)
                errx(EXIT_USAGE, "--key-field: the name is empty");
}

/* Checks what librdkafka would accept but kprod cannot keep its promise
 * with; an explicit acks other than all turns idempotence off, saying so. */
static void check_conf(rd_kafka_conf_t *conf, const struct options *o)
{
        char val[64], why[512];
        size_t n = sizeof(val);
        if (rd_kafka_conf_get(conf, "transactional.id", val, &n) == RD_KAFKA_CONF_OK && n > 1)
                errx(EXIT_USAGE, "-X transactional.id: kprod does not produce in transactions "
                                 "(idempotence already keeps each partition free of duplicates)");
        n = sizeof(val);
        if (rd_kafka_conf_get(conf, "acks", val, &n) == RD_KAFKA_CONF_OK && strcmp(val, "-1")) {
                if (kconf_set(conf, "enable.idempotence", "false", why, sizeof(why)) < 0)
                        errx(EXIT_USAGE, "%s", why);
                if (!o->quiet)
                        warnx("acks=%s: idempotence turned off (it needs acks=all): a broker "
                              "failure may now lose, duplicate or reorder records",
                              val);
        }
}

/* Parses the command line into o and conf (-X, -F, -z as they come).
 * Exits on error or -h. */
static void parse_options(int argc, char **argv, struct options *o, rd_kafka_conf_t *conf)
{
        static const struct option longopts[] = {
            {"failed", required_argument, NULL, OPT_FAILED},
            {"keep-empty", no_argument, NULL, OPT_KEEP_EMPTY},
            {"reports", required_argument, NULL, OPT_REPORTS},
            {"max-buffer", required_argument, NULL, OPT_MAX_BUFFER},
            {"help", no_argument, NULL, OPT_HELP},
            {"by-key", no_argument, NULL, OPT_BY_KEY},
            {"key-field", required_argument, NULL, OPT_KEY_FIELD},
            {"version", no_argument, NULL, OPT_VERSION},
            {NULL, 0, NULL, 0},
        };
        char why[512];
        int opt;
        memset(o, 0, sizeof(*o));
        o->delim[0] = '\n';
        o->dlen = 1;
        o->default_delim = true;
        o->partition = RD_KAFKA_PARTITION_UA;
        o->max_buffer = (size_t)64 << 20;
        o->headers = calloc((size_t)argc, sizeof(*o->headers));
        if (!o->headers)
                err(EXIT_FAIL, "calloc");

        opterr = 0; /* our own messages, prefixed like every other */
        while ((opt = getopt_long(argc, argv, ":0b:D:F:hH:JK:k:LPp:qt:VvX:z:Z", longopts, NULL)) !=
               -1) {
                switch (opt) {
                case '0':
                        o->delim[0] = '\0';
                        o->dlen = 1;
                        o->default_delim = false;
                        break;
                case 'b':
                        o->brokers = optarg;
                        break;
                case 'D':
                        o->dlen = delim_arg(opt, optarg, o->delim, sizeof(o->delim));
                        o->default_delim = false;
                        break;
                case 'F':
                        if (kconf_load_file(conf, optarg, why, sizeof(why)) < 0)
                                errx(EXIT_USAGE, "%s", why);
                        break;
                case 'H': {
                        char *eq = strchr(optarg, '=');
                        if (!eq || eq == optarg)
                                errx(EXIT_USAGE, "-H %s: expected name=value", optarg);
                        *eq = '\0'; /* argv strings are ours to change */
                        o->headers[o->nheaders].name = optarg;
                        o->headers[o->nheaders].value = eq + 1;
                        o->nheaders++;
                        break;
                }
                case 'J':
                        o->json = true;
                        break;
                case 'K':
                        o->kdlen = delim_arg(opt, optarg, o->kdelim, sizeof(o->kdelim));
                        break;
                case 'k':
                        o->key = optarg;
                        break;
                case 'L':
                        o->list = true;
                        break;
                case 'P': /* kcat's producer mode: the only mode here */
                        break;
                case 'p': {
                        long long n;
                        if (number_parse(optarg, -1, INT32_MAX, &n) < 0)
                                errx(EXIT_USAGE, "-p %s: not a partition number", optarg);
                        o->partition = (int32_t)n;
                        break;
                }
                case 'q':
                        o->quiet = true;
                        o->verbose = false;
                        break;
                case 't':
                        o->topic = optarg;
                        break;
                case 'v':
                        o->verbose = true;
                        o->quiet = false;
                        break;
                case 'X':
                        if (strcmp(optarg, "list") == 0) {
                                /* kcat's -X list: every property librdkafka has. */
                                rd_kafka_conf_properties_show(stdout);
                                exit(0);
                        }
                        if (kconf_set_pair(conf, optarg, why, sizeof(why)) < 0)
                                errx(EXIT_USAGE, "-X %s: %s", optarg, why);
                        break;
                case 'z':
                        if (kconf_set(conf, "compression.codec", optarg, why, sizeof(why)) < 0)
                                errx(EXIT_USAGE, "-z %s: %s", optarg, why);
                        break;
                case 'Z':
                        o->null_empty = true;
                        break;
                case OPT_FAILED:
                        o->failed_path = optarg;
                        break;
                case OPT_KEEP_EMPTY:
                        o->keep_empty = true;
                        break;
                case OPT_REPORTS:
                        o->reports_path = optarg;
                        break;
                case OPT_MAX_BUFFER:
                        if (number_size(optarg, &o->max_buffer) < 0 ||
                            o->max_buffer < 64 * 1024 || o->max_buffer > (size_t)1 << 40)
                                errx(EXIT_USAGE, "--max-buffer %s: not a size from 64K to 1T",
                                     optarg);
                        break;
                case OPT_BY_KEY:
                        o->by_key = true;
                        break;
                case OPT_KEY_FIELD:
                        o->key_field = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        exit(0);
                case OPT_HELP:
                        help();
                        exit(0);
                case 'V':
                case OPT_VERSION:
                        printf("kprod %s (librdkafka %s)\n", TOOLS_VERSION, rd_kafka_version_str());
                        exit(0);
                case ':':
                        if (optopt > 0 && optopt < OPT_FAILED)
                                warnx("option -%c needs an argument", optopt);
                        else
                                warnx("option %s needs an argument", argv[optind - 1]);
                        usage(stderr);
                        exit(EXIT_USAGE);
                default:
                        if (optopt > 0 && optopt < OPT_FAILED)
                                warnx("unknown option -%c", optopt);
                        else
                                warnx("unknown option %s", argv[optind - 1]);
                        usage(stderr);
                        exit(EXIT_USAGE);
                }
        }
        if (optind != argc) {
                warnx("unexpected argument: %s", argv[optind]);
                usage(stderr);
                exit(EXIT_USAGE);
        }
        if (!o->list && (!o->topic || !*o->topic)) {
                warnx("-t topic is required");
                usage(stderr);
                exit(EXIT_USAGE);
        }
        check_combinations(o);
        /* Each record a --reports reader wrote is a message it will
         * acknowledge as stored: an empty one is stored, not skipped. */
        if (o->reports_path && !o->json)
                o->keep_empty = true;
        /* -b wins; else a bootstrap.servers from -X/-F; else the environment. */
        char cur[16];
        size_t n = sizeof(cur);
        bool set =
            rd_kafka_conf_get(conf, "bootstrap.servers", cur, &n) == RD_KAFKA_CONF_OK && n > 1;
        if ((o->brokers || !set) &&
            kconf_set(conf, "bootstrap.servers", kconf_brokers(o->brokers), why, sizeof(why)) < 0)
                errx(EXIT_USAGE, "-b %s: %s", kconf_brokers(o->brokers), why);
}

/* True once a stop signal came, or the writer of stdin is gone with
 * nothing written: waiting for a --reports reader (most likely that writer)
 * ends. */
static bool stop_waiting(void)
{
        struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
        return signals_stop_count() > 0 ||
               (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) && !(p.revents & POLLIN));
}

/* True when reading input stops: at a second signal, or at the first when
 * the input is a terminal (nobody will end it); and after a fatal error.
 * Otherwise a first signal lets kprod read to the end of its input, which
 * the program writing it (told to stop too) closes after its last record. */
static bool stop_reading(const struct run *x)
{
        int stops = signals_stop_count();
        return stops >= 2 || (stops == 1 && x->stdin_tty) || x->p.fatal;
}

/* Says once that a first stop arrived, whether kprod is still reading or
 * already waiting for deliveries: its writer, stopped by the same signal,
 * may close the input before kprod sees the signal, and whoever sent it
 * must still learn that it counted and that a second one quits. */
static void tell_stop(struct run *x)
{
        if (x->told_stop || signals_stop_count() != 1 || x->o->quiet)
                return;
        long inflight = producer_inflight(&x->p);
        if (!x->r.eof && !stop_reading(x))
                warnx("stopping: reading standard input to its end (a second signal "
                      "stops now)");
        else if (inflight > 0)
                warnx("stopping: waiting for the delivery of %ld records (a second signal "
                      "stops now)",
                      inflight);
        else
                return; /* nothing to wait for: kprod ends at once */
        x->told_stop = true;
}

/* Called while waiting: the stop, progress lines, and the reports so far. */
static void tick(void *arg)
{
        struct run *x = arg;
        tell_stop(x);
        progress_tick(&x->pg, &x->c, producer_inflight(&x->p));
        reports_flush(&x->rep);
}

/* Counts a record that will not be produced and hands it to failed. */
static void reject(struct run *x, const char *why, const char *rec, size_t len)
{
        x->c.rejected++;
        failed_record(&x->f, x->recno, why, rec, len);
}

/* Takes one record or piece from the reader; returns false when there is
 * none. With send false, records are rejected instead of produced (the
 * second stop signal). Returns -1 when producing was cut short. */
static int take(struct run *x, bool send, bool *more)
{
        const char *rec;
        size_t len;
        char why[256];
        int rc;
        *more = true;
        switch (reader_next(&x->r, &rec, &len)) {
        case REC_NONE:
                *more = false;
                return 0;
        case REC_PART: /* too long for the buffer: stream it to --failed */
                /* The batched records before it go first, in --failed too. */
                rc = producer_flush(&x->p);
                if (!x->in_part) {
                        x->in_part = true;
                        x->part_len = 0;
                        failed_begin(&x->f);
                        x->recno++;
                        x->c.read++;
                }
                x->part_len += len;
                failed_bytes(&x->f, rec, len);
                return rc;
        case REC_PART_END:
                rc = producer_flush(&x->p);
                x->in_part = false;
                x->c.rejected++;
                failed_bytes(&x->f, rec, len);
                snprintf(why, sizeof(why),
                         "%" PRIu64 " bytes, too large for message.max.bytes (%ld)",
                         x->part_len + len, x->p.max_bytes);
                failed_end(&x->f, x->recno, why);
                return rc;
        case REC_FULL:
                break;
        }
        x->recno++;
        x->c.read++;
        if (len == 0 && !x->o->keep_empty) {
                x->c.empty++;
                reports_settle(&x->rep, x->recno);
                return 0;
        }
        if (!send) {
                reject(x, "not sent: stopped by a second signal", rec, len);
                return 0;
        }
        /* Cut short, the records not produced are in failed already. */
        return producer_send(&x->p, x->recno, rec, len);
}

/* Produces every record the buffer holds, before the buffer is read into
 * again. Returns -1 when cut short. */
static int send_ready(struct run *x)
{
        bool more = true;
        while (more)
                if (take(x, true, &more) < 0)
                        return -1;
        return producer_flush(&x->p);
}

/* After a stop before the end of input (a second signal, a fatal error, a
 * read error): the whole records left in the buffer go to failed. The
 * bytes of a record whose delimiter was never read are not a record: they
 * are named on stderr and never written to --failed as if they were one
 * (a record too long to send, already being copied there, is cut back
 * out). */
static void fail_rest(struct run *x, const char *why)
{
        bool more = true;
        while (more)
                take(x, false, &more);
        const char *rec;
        size_t len = reader_rest(&x->r, &rec);
        if (x->in_part) { /* it was counted as read at its first piece */
                x->in_part = false;
                failed_cut(&x->f);
                len += x->part_len;
                x->recno--;
                x->c.read--;
        }
        if (len > 0) {
                x->c.unfinished = len;
                warnx("%zu bytes of an unfinished record after record %" PRIu64 " not sent: %s",
                      len, x->recno, why);
        }
}

/* Reads stdin and produces until end of input, a stop signal or an error.
 * Returns false on a read error. */
static bool produce_input(struct run *x)
{
        while (!x->r.eof && !stop_reading(x)) {
                tell_stop(x);
                /* Delivery reports wake the loop too: acks wait on them.
                 * Input waits while the producer is busy (--max-buffer, or
                 * records of a refused batch to produce again first). */
                int in = producer_busy(&x->p) ? -1 : STDIN_FILENO;
                struct pollfd pfd[2] = {{.fd = in, .events = POLLIN},
                                        {.fd = producer_wake_fd(&x->p), .events = POLLIN}};
                if (poll(pfd, 2, 100) > 0 && pfd[0].revents) {
                        long n = reader_fill(&x->r);
                        if (n < 0 && errno != EINTR && errno != EAGAIN) {
                                warn("stdin");
                                fail_rest(x, "standard input could not be read");
                                return false;
                        }
                        if (n > 0)
                                x->c.bytes += (uint64_t)n;
                        /* Input that ends without a delimiter ends with a
                         * record, unless its writer reports on records
                         * (wsrecv ends every one) or was told to stop:
                         * then it died or quit inside the record. */
                        x->r.tail_is_record = !x->o->reports_path && signals_stop_count() == 0;
                        producer_set_time(&x->p);
                        if (send_ready(x) < 0)
                                break;
                }
                producer_poll(&x->p);
                tick(x);
        }
        if (!x->r.eof)
                fail_rest(x, x->p.fatal ? "fatal producer error" : "stopped by a second signal");
        else if (!x->r.tail_is_record)
                fail_rest(x, "its writer stopped before its delimiter");
        return true;
}

int main(int argc, char **argv)
{
        struct options o;
        char errstr[512];
        /* Before anything opens a descriptor that could take 0-2's place. */
        int closed = stdfds_guard();
        if (closed < 0)
                err(EXIT_FAIL, "/dev/null");
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (producer_defaults(conf, errstr, sizeof(errstr)) < 0)
                errx(EXIT_USAGE, "%s", errstr);
        parse_options(argc, argv, &o, conf);
        if (o.list) {
                free(o.headers);
                return list_metadata(conf, o.topic); /* conf is its own */
        }
        if (closed & 1)
                errx(EXIT_USAGE, "stdin is closed: nothing to read");
        check_conf(conf, &o);

        if (signals_install() < 0)
                err(EXIT_FAIL, "sigaction");

        struct run x = {.o = &o, .stdin_tty = isatty(STDIN_FILENO)};
        if (failed_open(&x.f, o.failed_path, o.delim, o.dlen, o.kdlen ? o.kdelim : NULL, o.kdlen) <
            0)
                err(EXIT_USAGE, "%s", o.failed_path);
        if (reports_open(&x.rep, o.reports_path, o.delim, o.dlen, stop_waiting, errstr,
                         sizeof(errstr)) < 0)
                errx(EXIT_USAGE, "%s", errstr);
        x.f.rep = &x.rep;
        struct producer_opts po = {
            .topic = o.topic,
            .partition = o.partition,
            .headers = o.headers,
            .nheaders = o.nheaders,
            .mode = o.json        ? SHAPE_JSON
                    : o.kdlen     ? SHAPE_SPLIT
                    : o.key       ? SHAPE_FIXED
                    : o.key_field ? SHAPE_FIELD
                                  : SHAPE_VALUE,
            .kdelim = o.kdlen ? o.kdelim : NULL,
            .kdlen = o.kdlen,
            .key = o.key,
            .key_field = o.key_field,
            .by_key = o.by_key,
            .null_empty = o.null_empty,
            .quiet = o.quiet,
            .verbose = o.verbose,
            .max_buffer = o.max_buffer,
        };
        /* conf is owned by the producer from here on. */
        if (producer_new(&x.p, conf, &po, &x.f, &x.c, &x.rep, errstr, sizeof(errstr)) < 0)
                errx(EXIT_USAGE, "%s", errstr);
        /* -J: a CR is JSON whitespace, kept so that --failed gets the line as read. */
        if (reader_init(&x.r, STDIN_FILENO, o.delim, o.dlen, o.default_delim && !o.json,
                        (size_t)x.p.max_bytes) < 0)
                err(EXIT_FAIL, "reader");
        progress_init(&x.pg, o.verbose);

        int status = 0;
        if (!produce_input(&x))
                status = EXIT_FAIL;
        producer_drain(&x.p, tick, &x);

        long inflight = producer_inflight(&x.p);
        uint64_t failed = x.c.rejected + x.c.dr_failed;
        uint64_t delivered = x.c.produced - x.c.dr_failed - (uint64_t)inflight;
        bool reached = delivered > 0 || producer_reached(&x.p);
        if (inflight > 0)
                warnx("%ld records still in flight when giving up: delivery unknown", inflight);
        bool not_kept = false;
        if (failed_close(&x.f) < 0) {
                not_kept = x.f.lost > 0;
                if (not_kept)
                        warn("%s: %" PRIu64 " records neither delivered nor kept (the first: "
                             "record %" PRIu64 "); the file holds %" PRIu64 " whole records%s",
                             o.failed_path, x.f.lost, x.f.first_lost, x.f.kept,
                             x.f.torn ? " and a piece of one it could not cut off" : "");
                else
                        warn("%s", o.failed_path);
                status = EXIT_FAIL;
        } else if (failed > 0 && o.failed_path) {
                warnx("%" PRIu64 " records not delivered, written to %s", failed, o.failed_path);
        }
        if (o.verbose)
                progress_summary(&x.pg, &x.c, inflight);
        if (failed > 0 || inflight > 0 || x.c.unfinished > 0)
                status = EXIT_FAIL;
        if (x.c.dr_failed > 0 && !reached) {
                warnx("could not reach any broker of %s", x.p.brokers);
                status = EXIT_UNREACHABLE;
        }
        if (not_kept)
                status = EXIT_NOT_KEPT;
        if (x.c.ts_now > 0) {
                warnx("%" PRIu64 " records with CreateTime 0 (the first: record %" PRIu64
                      ") sent with the time of producing: librdkafka cannot send 0",
                      x.c.ts_now, x.c.ts_now_first);
                if (status == 0)
                        status = EXIT_ALTERED;
        }

        reports_close(&x.rep);
        reader_free(&x.r);
        producer_close(&x.p);
        free(o.headers);
        return status;
}
