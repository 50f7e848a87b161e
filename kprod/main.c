/* kprod: produce records from standard input to a Kafka topic.
 *
 *   kprod -t TOPIC [options]        see man/kprod.1
 *
 * Parse and check the options, apply the librdkafka properties, install
 * the signal handlers, open --failed and --reports, run the read-produce
 * loop (produce.c), and map what happened to the exit status. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
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
#include "opts.h"
#include "produce.h"
#include "signals.h"
#include "stdfds.h"
#include "version.h"
#include "warm.h"

#define SYNOPSIS                                                                                   \
        "usage: kprod -t topic [-0JPqvZ] [-b brokers] [-D delim] [-d contexts] [-F file]\n"      \
        "             [-H name=value] [-K delim] [-k key] [-p partition] [-r url]\n"             \
        "             [-s [key=|value=]avro] [-X prop=value] [-z codec] [--by-key]\n"            \
        "             [--failed file] [--keep-empty] [--key-field name] [--max-buffer size]\n"    \
        "             [--reports file]\n"                                                         \
        "             [--value-schema file | --value-schema-id id]\n"                             \
        "             [--key-schema file | --key-schema-id id]\n"                                 \
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
        OPT_VALUE_SCHEMA,
        OPT_VALUE_SCHEMA_ID,
        OPT_KEY_SCHEMA,
        OPT_KEY_SCHEMA_ID,
        OPT_VERSION
};

/* The delimiter of option -opt into out; exits 2 when it is malformed. */
static size_t delim(int opt, const char *spec, char *out, size_t outcap)
{
        long n = delim_parse(spec, out, outcap);
        if (n < 0)
                errx(EXIT_USAGE, "-%c %s: bad delimiter (" DELIM_SYNTAX ")", opt, spec);
        return (size_t)n;
}

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
              "  -d contexts     librdkafka's debug contexts (e.g. msg,protocol) to stderr\n"
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
              "  -r url          the schema registry for -s avro (schema.registry.url)\n"
              "  -s [key=|value=]avro  JSON records produced as Avro in the registry's\n"
              "                  framing, with the schema of --value-schema or the registry\n"
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
              "  --value-schema file  -s avro: register file under TOPIC-value, use it\n"
              "  --value-schema-id id  -s avro: use the registry's schema id\n"
              "                  (neither: the subject's latest)\n"
              "  --key-schema file, --key-schema-id id  the same for keys (-s key=avro)\n"
              "  -h, --help      the synopsis; --help also this list\n"
              "\n"
              "Exit status: 0 all delivered, 1 some not, 2 usage, 3 no broker reachable,\n"
              "4 some neither delivered nor kept in --failed, 5 a CreateTime 0 altered,\n"
              "6 the schema registry unreachable or refusing the schema (nothing produced).\n"
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
        const struct serde_opts *s = &o->serde;
        if (s->key == SERDE_AVRO && !o->kdlen && !o->key && !o->json)
                errx(EXIT_USAGE, "-s key=avro: the key's JSON comes from -K, -k or -J");
        const struct kavro_source *srcs[2] = {&o->value_schema, &o->key_schema};
        const enum serde_kind kinds[2] = {s->value, s->key};
        for (int i = 0; i < 2; i++) {
                const char *side = i ? "key" : "value";
                if ((srcs[i]->file || srcs[i]->id >= 0) && kinds[i] != SERDE_AVRO)
                        errx(EXIT_USAGE, "--%s-schema: the %s is not Avro (add -s %s=avro)", side,
                             side, side);
                if (srcs[i]->file && srcs[i]->id >= 0)
                        errx(EXIT_USAGE, "--%s-schema and --%s-schema-id: give one of them", side,
                             side);
        }
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
                if (o->verbosity > VERB_QUIET)
                        warnx("acks=%s: idempotence turned off (it needs acks=all): a broker "
                              "failure may now lose, duplicate or reorder records",
                              val);
        }
}

/* Fills o from the command line; exits with status 2 on a usage error,
 * 0 after -h, --help, -V or -X list. */
static void parse_args(int argc, char **argv, struct options *o)
{
        static const struct option longopts[] = {
            {"failed", required_argument, NULL, OPT_FAILED},
            {"keep-empty", no_argument, NULL, OPT_KEEP_EMPTY},
            {"reports", required_argument, NULL, OPT_REPORTS},
            {"max-buffer", required_argument, NULL, OPT_MAX_BUFFER},
            {"help", no_argument, NULL, OPT_HELP},
            {"by-key", no_argument, NULL, OPT_BY_KEY},
            {"key-field", required_argument, NULL, OPT_KEY_FIELD},
            {"value-schema", required_argument, NULL, OPT_VALUE_SCHEMA},
            {"value-schema-id", required_argument, NULL, OPT_VALUE_SCHEMA_ID},
            {"key-schema", required_argument, NULL, OPT_KEY_SCHEMA},
            {"key-schema-id", required_argument, NULL, OPT_KEY_SCHEMA_ID},
            {"version", no_argument, NULL, OPT_VERSION},
            {NULL, 0, NULL, 0},
        };
        int opt;
        memset(o, 0, sizeof(*o));
        o->delim[0] = '\n';
        o->dlen = 1;
        o->default_delim = true;
        o->partition = RD_KAFKA_PARTITION_UA;
        o->max_buffer = (size_t)64 << 20;
        serde_init(&o->serde);
        o->value_schema.id = o->key_schema.id = -1;
        char why[512];
        long long id;
        o->headers = calloc((size_t)argc, sizeof(*o->headers));
        o->confs = calloc((size_t)argc, sizeof(*o->confs));
        if (!o->headers || !o->confs)
                err(EXIT_FAIL, "calloc");

        opterr = 0; /* our own messages, prefixed like every other */
        const char *shorts = ":0b:D:d:F:hH:JK:k:LPp:qr:s:t:VvX:z:Z";
        while ((opt = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
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
                        o->dlen = delim(opt, optarg, o->delim, sizeof(o->delim));
                        o->default_delim = false;
                        break;
                case 'd':
                case 'F':
                case 'z':
                        o->confs[o->nconfs++] = (struct conf_arg){(char)opt, optarg};
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
                        o->kdlen = delim(opt, optarg, o->kdelim, sizeof(o->kdelim));
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
                        o->verbosity = VERB_QUIET;
                        break;
                case 'r':
                        if (serde_url(&o->serde, optarg, why, sizeof(why)) < 0)
                                errx(EXIT_USAGE, "-r %s", why);
                        break;
                case 's':
                        if (serde_format(&o->serde, optarg, why, sizeof(why)) < 0)
                                errx(EXIT_USAGE, "%s", why);
                        break;
                case 't':
                        o->topic = optarg;
                        break;
                case 'v':
                        o->verbosity = VERB_VERBOSE;
                        break;
                case 'X':
                        if (strcmp(optarg, "list") == 0) {
                                /* kcat's -X list: every property librdkafka has. */
                                rd_kafka_conf_properties_show(stdout);
                                exit(EXIT_OK);
                        }
                        o->confs[o->nconfs++] = (struct conf_arg){(char)opt, optarg};
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
                case OPT_VALUE_SCHEMA:
                        o->value_schema.file = optarg;
                        break;
                case OPT_KEY_SCHEMA:
                        o->key_schema.file = optarg;
                        break;
                case OPT_VALUE_SCHEMA_ID:
                case OPT_KEY_SCHEMA_ID:
                        if (number_parse(optarg, 1, INT32_MAX, &id) < 0)
                                errx(EXIT_USAGE, "--%s-schema-id %s: not a schema id",
                                     opt == OPT_KEY_SCHEMA_ID ? "key" : "value", optarg);
                        (opt == OPT_KEY_SCHEMA_ID ? &o->key_schema : &o->value_schema)->id = id;
                        break;
                case OPT_KEY_FIELD:
                        o->key_field = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        exit(EXIT_OK);
                case OPT_HELP:
                        help();
                        exit(EXIT_OK);
                case 'V':
                case OPT_VERSION:
                        printf("kprod %s (librdkafka %s)\n", TOOLS_VERSION, rd_kafka_version_str());
                        exit(EXIT_OK);
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
}

/* Applies kprod's defaults, then -F, -X, -d and -z in command-line order
 * (the schema registry's properties into reg), then the brokers: -b wins;
 * else a bootstrap.servers from -X/-F; else the environment. Exits with
 * status 2 on a property librdkafka or the registry refuses. */
static void apply_conf(rd_kafka_conf_t *conf, struct registry_conf *reg, const struct options *o)
{
        char why[512];
        if (producer_defaults(conf, why, sizeof(why)) < 0)
                errx(EXIT_USAGE, "%s", why);
        for (int i = 0; i < o->nconfs; i++) {
                const struct conf_arg *c = &o->confs[i];
                if (c->opt == 'F' && kconf_load_file(conf, reg, c->arg, why, sizeof(why)) < 0)
                        errx(EXIT_USAGE, "%s", why);
                if (c->opt == 'X' && kconf_set_pair(conf, reg, c->arg, why, sizeof(why)) < 0)
                        errx(EXIT_USAGE, "-X %s: %s", c->arg, why);
                if (c->opt == 'd' && kconf_set(conf, "debug", c->arg, why, sizeof(why)) < 0)
                        errx(EXIT_USAGE, "-d %s: %s", c->arg, why);
                if (c->opt == 'z' &&
                    kconf_set(conf, "compression.codec", c->arg, why, sizeof(why)) < 0)
                        errx(EXIT_USAGE, "-z %s: %s", c->arg, why);
        }
        char cur[16];
        size_t n = sizeof(cur);
        bool set =
            rd_kafka_conf_get(conf, "bootstrap.servers", cur, &n) == RD_KAFKA_CONF_OK && n > 1;
        if ((o->brokers || !set) &&
            kconf_set(conf, "bootstrap.servers", kconf_brokers(o->brokers), why, sizeof(why)) < 0)
                errx(EXIT_USAGE, "-b %s: %s", kconf_brokers(o->brokers), why);
}

/* How a run ended, beside its counts. */
struct outcome {
        bool read_ok; /* stdin could be read to its end (or the stop) */
        bool kept;    /* --failed was written and closed */
        int errnum;   /* why it was not */
        bool reached; /* some broker took records or answered */
};

/* How long --reports waits for the topic's partitions to take records. */
#define WARM_MS 10000

/* warm_wait's stop: a stop signal, the input gone, or no broker reachable. */
static bool warm_stop(void *p)
{
        return produce_stop_waiting() || ((struct producer *)p)->down;
}

/* Waits until the topic's partition leaders answer (warm.h), and says so
 * when they do not within WARM_MS: records are produced all the same. */
static void warm_up(struct producer *p, const char *topic)
{
        char why[256];
        if (warm_wait(p->rk, p->rkt, WARM_MS, warm_stop, p, why, sizeof(why)) ==
                WARM_TIMEOUT &&
            p->verbosity > VERB_QUIET)
                warnx("%s: %s, %d s after asking its leaders first; producing anyway", topic, why,
                      WARM_MS / 1000);
}

/* Says on stderr what did not go as asked, once the run is over and
 * --failed closed. */
static void report(const struct run *x, const struct outcome *out)
{
        const struct options *o = x->o;
        long inflight = producer_inflight(&x->p);
        uint64_t failed = x->c.rejected + x->c.dr_failed;
        if (inflight > 0)
                warnx("%ld records still in flight when giving up: delivery unknown", inflight);
        if (!out->kept && x->f.lost > 0)
                warnx("%s: %" PRIu64 " records neither delivered nor kept (the first: "
                      "record %" PRIu64 "); the file holds %" PRIu64 " whole records%s: %s",
                      o->failed_path, x->f.lost, x->f.first_lost, x->f.kept,
                      x->f.torn ? " and a piece of one it could not cut off" : "",
                      strerror(out->errnum));
        else if (!out->kept)
                warnx("%s: %s", o->failed_path, strerror(out->errnum));
        else if (failed > 0 && o->failed_path)
                warnx("%" PRIu64 " records not delivered, written to %s", failed, o->failed_path);
        if (o->verbosity >= VERB_VERBOSE)
                progress_summary(&x->pg, &x->c, inflight);
        if (x->c.dr_failed > 0 && !out->reached)
                warnx("could not reach any broker of %s", x->p.brokers);
        if (x->c.ts_now > 0)
                warnx("%" PRIu64 " records with CreateTime 0 (the first: record %" PRIu64
                      ") sent with the time of producing: librdkafka cannot send 0",
                      x->c.ts_now, x->c.ts_now_first);
}

/* The exit status, as kprod(1) lists them. */
static int exit_status(const struct run *x, const struct outcome *out)
{
        if (!out->kept && x->f.lost > 0)
                return EXIT_NOT_KEPT; /* neither delivered nor kept: wins over 1 and 3 */
        if (x->c.dr_failed > 0 && !out->reached)
                return EXIT_UNREACHABLE; /* no broker could be reached at all */
        if (!out->read_ok || !out->kept || x->c.rejected + x->c.dr_failed > 0 ||
            producer_inflight(&x->p) > 0 || x->c.unfinished > 0)
                return EXIT_FAIL; /* some records not delivered */
        if (x->c.ts_now > 0)
                return EXIT_ALTERED; /* all delivered, a CreateTime 0 sent as now */
        return EXIT_OK;
}

/* The producer's settings from the options (o outlives the producer). */
static struct producer_opts producer_opts(const struct options *o)
{
        return (struct producer_opts){
            .topic = o->topic,
            .partition = o->partition,
            .headers = o->headers,
            .nheaders = o->nheaders,
            .mode = o->json        ? SHAPE_JSON
                    : o->kdlen     ? SHAPE_SPLIT
                    : o->key       ? SHAPE_FIXED
                    : o->key_field ? SHAPE_FIELD
                                   : SHAPE_VALUE,
            .kdelim = o->kdlen ? o->kdelim : NULL,
            .kdlen = o->kdlen,
            .key = o->key,
            .key_field = o->key_field,
            .by_key = o->by_key,
            .null_empty = o->null_empty,
            .verbosity = o->verbosity,
            .max_buffer = o->max_buffer,
        };
}

int main(int argc, char **argv)
{
        /* Before anything opens a descriptor that could take 0-2's place. */
        int closed = stdfds_guard();
        if (closed < 0)
                err(EXIT_FAIL, "/dev/null");
        struct options o;
        parse_args(argc, argv, &o);
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        apply_conf(conf, &o.serde.reg, &o);
        char why[512];
        if (serde_check(&o.serde, why, sizeof(why)) < 0)
                errx(EXIT_USAGE, "%s", why);
        if (o.list) {
                int status = list_metadata(conf, o.topic); /* conf is its own */
                free(o.headers);
                free(o.confs);
                return status;
        }
        if (closed & 1)
                errx(EXIT_USAGE, "stdin is closed: nothing to read");
        check_conf(conf, &o);
        if (signals_install() < 0)
                err(EXIT_FAIL, "sigaction");

        struct run x = {.o = &o, .stdin_tty = isatty(STDIN_FILENO)};
        /* The schemas first: nothing is produced without them. */
        struct kavro avro;
        int arc = kavro_open(&avro, &o.serde, o.topic, &o.value_schema, &o.key_schema, why,
                             sizeof(why));
        if (arc < 0)
                errx(arc == KAVRO_EFILE ? EXIT_USAGE : EXIT_SCHEMA, "%s", why);
        if (failed_open(&x.f, o.failed_path, o.delim, o.dlen, o.kdlen ? o.kdelim : NULL, o.kdlen) <
            0)
                err(EXIT_USAGE, "%s", o.failed_path);
        if (reports_open(&x.rep, o.reports_path, o.delim, o.dlen, produce_stop_waiting, why,
                         sizeof(why)) < 0)
                errx(EXIT_USAGE, "%s", why);
        x.f.rep = &x.rep;
        struct producer_opts po = producer_opts(&o);
        if (serde_any(&o.serde))
                po.avro = &avro;
        /* conf is owned by the producer from here on. */
        if (producer_new(&x.p, conf, &po, &x.f, &x.c, &x.rep, why, sizeof(why)) < 0)
                errx(EXIT_USAGE, "%s", why);
        /* --reports: its reader hears that we have begun once the topic's
         * partitions take records (warm.h), ten seconds at most. */
        if (o.reports_path)
                warm_up(&x.p, o.topic);
        reports_begin(&x.rep);
        /* -J: a CR is JSON whitespace, kept so that --failed gets the line as read. */
        if (reader_init(&x.r, STDIN_FILENO, o.delim, o.dlen, o.default_delim && !o.json,
                        (size_t)x.p.max_bytes) < 0)
                err(EXIT_FAIL, "reader");
        progress_init(&x.pg, o.verbosity >= VERB_VERBOSE);

        struct outcome out = {.read_ok = produce_run(&x)};
        out.kept = failed_close(&x.f) == 0;
        out.errnum = errno;
        uint64_t delivered = x.c.produced - x.c.dr_failed - (uint64_t)producer_inflight(&x.p);
        out.reached = delivered > 0 || producer_reached(&x.p);
        report(&x, &out);
        int status = exit_status(&x, &out);

        reports_close(&x.rep);
        reader_free(&x.r);
        producer_close(&x.p);
        kavro_close(&avro);
        serde_free(&o.serde);
        free(o.headers);
        free(o.confs);
        return status;
}
