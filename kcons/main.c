/* kcons: read Kafka topics and write their messages to stdout.
 *
 *   kcons [options] TOPIC...        see man/kcons.1
 *
 * Parse and check the options, install the signal handlers, open the
 * consumer, run the loop, write and commit what was read, close. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "client.h"
#include "consume.h"
#include "format.h"
#include "framing.h"
#include "job.h"
#include "kconf.h"
#include "number.h"
#include "offsets.h"
#include "opts.h"
#include "parts.h"
#include "signals.h"
#include "stdfds.h"
#include "version.h"

/* The delimiter of option -opt into out; exits 2 when it is malformed. */
static size_t delim(int opt, const char *spec, char *out, size_t outcap)
{
        long n = delim_parse(spec, out, outcap);
        if (n < 0)
                errx(EXIT_USAGE, "-%c %s: bad delimiter (" DELIM_SYNTAX ")", opt, spec);
        return (size_t)n;
}

static void usage(FILE *f)
{
        fputs("usage: kcons [-0eJLquVvZ] [--until-now] [-b brokers] [-c count] [-D delim]\n"
              "             [-d contexts] [-F file] [-f format] [-g group] [-K delim] [-o offset]\n"
              "             [-p partition] [-r url] [-s [key=|value=]avro] [-X prop=value]\n"
              "             topic ... [-- command [arg ...]]\n",
              f);
}

/* --help: the synopsis, every option in a line, and where the manual is. */
static void help(void)
{
        usage(stdout);
        fputs("\n"
              "  -0              end each record with NUL instead of a newline\n"
              "  -b brokers      bootstrap brokers (default $KAFKA_BROKERS, else localhost:9092)\n"
              "  -C              accepted, as kcat's consumer mode\n"
              "  -c count        exit after count messages\n"
              "  -D delim        end each record with delim (escapes \\n \\t \\0 \\xHH ...)\n"
              "  -d contexts     librdkafka debug contexts, e.g. cgrp,fetch\n"
              "  -e              exit at the end of every partition\n"
              "  -F file         librdkafka properties, one prop=value a line\n"
              "  -f format       kcat's format tokens: %t %p %o %k %s %T %h %S %K\n"
              "  -G, -g group    join a consumer group; commit only what was written\n"
              "  -J              one JSON envelope a line: topic, partition, offset, ts,\n"
              "                  headers, key, payload (key_b64/payload_b64 for bytes)\n"
              "  -K delim        write the key and delim before each value\n"
              "  -L              list brokers, topics, partitions and leaders, then exit\n"
              "  -o offset       beginning, end, stored, N, -N, s@MS; e@MS stops\n"
              "  -p partition    read only this partition\n"
              "  -q, -v          only errors; a summary and librdkafka's log\n"
              "  -r url          the schema registry for -s avro (schema.registry.url)\n"
              "  -s [key=|value=]avro\n"
              "                  decode Avro in the registry's framing to JSON\n"
              "  -t topic        another topic, as kcat spells it\n"
              "  -u              write each message at once\n"
              "  -V, --version   print the versions and exit\n"
              "  -X prop=value   a librdkafka property; -X list shows them all\n"
              "  -Z              write null keys and values as NULL\n"
              "  --until-now     stop at the end offsets read at start\n"
              "  -- command ...  run command on the messages; with -g commit only\n"
              "                  when it exits 0, and what it read\n"
              "  -h, --help      the synopsis; --help also this list\n"
              "\n"
              "Exit status: 0 done, 1 cluster or output error, 2 usage, 3 no broker reachable,\n"
              "6 the schema registry failed, 7 messages written undecoded;\n"
              "with -- a command that failed gives its status (128+N: killed by signal N).\n"
              "The manual: man kcons (man/kcons.1 in the source).\n",
              stdout);
}

/* Fills o from the command line; exits with status 2 on a usage error. */
static void parse_args(int argc, char **argv, struct opts *o)
{
        static const struct option longopts[] = {
            {"until-now", no_argument, NULL, 'N'},
            {"help", no_argument, NULL, 'H'},
            {"version", no_argument, NULL, 'V'},
            {NULL, 0, NULL, 0},
        };
        *o = (struct opts){
            .partition = -1, .stop_ts = -1, .max_count = -1, .verbosity = VERB_NORMAL};
        serde_init(&o->serde);
        char why[256];
        o->start.kind = START_BEGINNING;
        o->delim[0] = '\n';
        o->delimlen = 1;
        o->topics = calloc((size_t)argc, sizeof(*o->topics));
        o->confs = calloc((size_t)argc, sizeof(*o->confs));
        if (!o->topics || !o->confs)
                err(EXIT_FAIL, "calloc");
        /* getopt moves the topics before "--" past it: the original order
         * tells which words follow the "--" and make the command. */
        char **given = malloc(((size_t)argc + 1) * sizeof(*given));
        if (!given)
                err(EXIT_FAIL, "malloc");
        memcpy(given, argv, ((size_t)argc + 1) * sizeof(*given));
        const char *brokers = NULL;
        bool delim_given = false;
        long long v;
        int c;
        const char *last_arg = NULL;
        while ((c = getopt_long(argc, argv, "0b:c:CD:d:eF:f:G:g:hJK:Lo:p:qr:s:t:uVvX:Z", longopts,
                                NULL)) != -1) {
                last_arg = optarg;
                switch (c) {
                case '0':
                        o->delim[0] = '\0';
                        o->delimlen = 1;
                        delim_given = true;
                        break;
                case 'b':
                        brokers = optarg;
                        break;
                case 'c':
                        if (number_parse(optarg, 1, INT64_MAX, &v) < 0)
                                errx(EXIT_USAGE, "-c %s: expected a count of messages (1 or more)",
                                     optarg);
                        o->max_count = v;
                        break;
                case 'C': /* kcat's consumer mode: the only mode here */
                        break;
                case 'D':
                        o->delimlen = delim('D', optarg, o->delim, sizeof(o->delim));
                        delim_given = true;
                        break;
                case 'd':
                        o->debug = optarg;
                        break;
                case 'e':
                        o->exit_at_end = true;
                        break;
                case 'X':
                        if (strcmp(optarg, "list") == 0) {
                                /* kcat's -X list: every property librdkafka has. */
                                rd_kafka_conf_properties_show(stdout);
                                exit(EXIT_OK);
                        }
                        /* fall through */
                case 'F':
                        o->confs[o->nconfs++] = (struct conf_arg){(char)c, optarg};
                        break;
                case 'f':
                        o->mode = OUT_FORMAT;
                        o->format = optarg;
                        break;
                case 'G': /* kcat's spelling */
                case 'g':
                        if (!*optarg)
                                errx(EXIT_USAGE, "-g: the group name is empty");
                        o->group = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        exit(EXIT_OK);
                case 'H':
                        help();
                        exit(EXIT_OK);
                case 'L':
                        o->list = true;
                        break;
                case 'V':
                        printf("kcons %s (librdkafka %s)\n", TOOLS_VERSION, rd_kafka_version_str());
                        exit(EXIT_OK);
                case 'J':
                        o->mode = OUT_JSON;
                        break;
                case 'K':
                        o->keydelimlen = delim('K', optarg, o->keydelim, sizeof(o->keydelim));
                        break;
                case 'N':
                        o->until_now = true;
                        break;
                case 'o':
                        if (offsets_parse(optarg, &o->start, &o->stop_ts) < 0)
                                errx(EXIT_USAGE,
                                     "-o %s: expected beginning, end, stored, N, -N, s@MS or e@MS",
                                     optarg);
                        break;
                case 'p':
                        if (number_parse(optarg, 0, INT32_MAX, &v) < 0)
                                errx(EXIT_USAGE, "-p %s: expected a partition number", optarg);
                        o->partition = (int32_t)v;
                        break;
                case 'q':
                        o->verbosity = VERB_QUIET;
                        break;
                case 'r':
                        if (serde_url(&o->serde, optarg, why, sizeof(why)) < 0)
                                errx(EXIT_USAGE, "-r %s: %s", optarg, why);
                        break;
                case 's':
                        if (serde_format(&o->serde, optarg, why, sizeof(why)) < 0)
                                errx(EXIT_USAGE, "%s", why);
                        break;
                case 't': /* kcat's spelling of a topic argument */
                        o->topics[o->ntopics++] = optarg;
                        break;
                case 'u':
                        o->unbuffered = true;
                        break;
                case 'v':
                        o->verbosity = VERB_VERBOSE;
                        break;
                case 'Z':
                        o->null_as_text = true;
                        break;
                default:
                        usage(stderr);
                        exit(EXIT_USAGE);
                }
                optarg = NULL; /* so that last_arg is only an option's argument */
        }
        int end = argc; /* the topics end here, the command starts after "--" */
        if (optind > 1 && strcmp(argv[optind - 1], "--") == 0 && argv[optind - 1] != last_arg) {
                int k = 1;
                while (given[k] != argv[optind - 1])
                        k++;
                if (k + 1 == argc)
                        errx(EXIT_USAGE, "--: no command given after it");
                o->job = given + k + 1; /* argv[argc] is NULL: so is the command's end */
                int njob = argc - (k + 1);
                end = argc - njob; /* getopt left the command's words last, in order */
        }
        o->words = given;
        for (int i = optind; i < end; i++)
                o->topics[o->ntopics++] = argv[i];
        if (o->list) {
                if (o->job)
                        errx(EXIT_USAGE, "-L lists the cluster's metadata: no command to run");
                if (o->group || o->mode != OUT_VALUE || delim_given || o->keydelimlen ||
                    serde_any(&o->serde))
                        errx(EXIT_USAGE, "-L lists the cluster's metadata: not with -g, -J, -f, "
                                         "-D, -0, -K or -s");
                o->brokers = kconf_brokers(brokers);
                return;
        }
        if (o->ntopics == 0) {
                warnx("no topic given");
                usage(stderr);
                exit(EXIT_USAGE);
        }
        for (int i = 0; i < o->ntopics; i++) {
                if (!*o->topics[i])
                        errx(EXIT_USAGE, "a topic name is empty");
                if (o->topics[i][0] == '^' && !o->group)
                        errx(EXIT_USAGE, "%s: a regex topic needs a group (-g)", o->topics[i]);
        }
        if (o->group && o->partition >= 0)
                errx(EXIT_USAGE, "-p cannot be used with -g: the group assigns partitions");
        if (!o->group && o->start.kind == START_STORED)
                errx(EXIT_USAGE, "-o stored needs a group (-g)");
        if (o->mode != OUT_VALUE && (delim_given || o->keydelimlen))
                errx(EXIT_USAGE, "-D, -0 and -K shape the default output; not with -f or -J");
        o->brokers = kconf_brokers(brokers);
}

/* The -v summary on stderr. */
static void summary(const struct run *r, double secs)
{
        size_t nparts = 0;
        for (size_t i = 0; i < r->parts.n; i++)
                nparts += r->parts.v[i].next_offset >= 0;
        fprintf(stderr,
                "kcons: %" PRId64 " messages, %" PRId64 " bytes from %zu partitions in %.3f s "
                "(%.0f msgs/s); %" PRId64 " contained the output delimiter",
                consume_written(r), (int64_t)r->out.written, nparts, secs,
                secs > 0 ? (double)consume_written(r) / secs : 0.0, r->ambiguous);
        if (serde_any(&r->o->serde))
                fprintf(stderr, "; %" PRId64 " written undecoded, %lu schema registry requests",
                        r->dec.undecoded, r->dec.reg ? registry_requests(r->dec.reg) : 0UL);
        fputc('\n', stderr);
}

int main(int argc, char **argv)
{
        /* Before anything opens a descriptor that could take 0-2's place. */
        int closed = stdfds_guard();
        if (closed < 0)
                err(EXIT_FAIL, "/dev/null");
        if (closed & 2)
                errx(EXIT_USAGE, "stdout is closed: nowhere to write");
        struct opts o;
        parse_args(argc, argv, &o);

        struct run r = {.o = &o, .serde = &o.serde};
        char why[256];
        if (format_init(&r.fmt, &o, why, sizeof(why)) < 0)
                errx(EXIT_USAGE, "%s", why);
        if (signals_install() < 0)
                err(EXIT_FAIL, "sigaction");
        /* With a job, stdout is the job's: kcons writes only to its stdin. */
        if (!o.job && sink_open(&r.out, STDOUT_FILENO, 1u << 21) < 0)
                err(EXIT_FAIL, "stdout");
        if (!o.job && o.group)
                sink_track_reader(&r.out, -1);
        parts_init(&r.parts);

        double t0 = (double)clock_mono_ms() / 1000;
        int status = o.list ? client_list(&r) : client_open(&r);
        /* After the -X schema.registry.* settings are all in (client_open). */
        if (status == EXIT_OK && !o.list && decode_init(&r.dec, &o.serde) < 0) {
                warnx("schema registry: %s", r.dec.why);
                status = EXIT_USAGE;
        }
        struct job job;
        if (status == EXIT_OK && o.job) {
                /* Started once the cluster answers: a job given nothing
                 * because no broker was reached would look like success. */
                int e = job_start(&job, o.job);
                if (e) {
                        errno = e;
                        warn("%s", o.job[0]);
                        status = e == ENOENT ? EXIT_NOCMD : EXIT_CANTRUN;
                } else if (sink_open(&r.out, job.wfd, 1u << 21) < 0) {
                        err(EXIT_FAIL, "the job's stdin");
                } else {
                        sink_track_reader(&r.out, job.rfd);
                        r.job = &job;
                }
        }
        if (status == EXIT_OK && !o.list)
                status = consume_run(&r);
        if (status == EXIT_OK && r.dec.undecoded > 0)
                status = EXIT_UNDECODED;
        client_close(&r);
        if (o.verbosity >= VERB_VERBOSE)
                summary(&r, (double)clock_mono_ms() / 1000 - t0);

        parts_free(&r.parts);
        if (r.job)
                job_free(r.job);
        if (!o.job || r.job)
                sink_close(&r.out);
        free(r.marks);
        format_free(&r.fmt);
        decode_free(&r.dec);
        serde_free(&o.serde);
        free(o.topics);
        free(o.confs);
        free(o.words);
        return status;
}
