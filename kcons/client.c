/* client: configure, create and start the consumer. */
#include "clock.h"
#include "client.h"

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kconf.h"
#include "kmeta.h"
#include "offsets.h"
#include "signals.h"

/* How long start-up may wait for the first metadata answer. */
#define CONNECT_TIMEOUT_MS 10000

/* librdkafka errors outside messages: remembered for start-up, reported
 * once per kind while running. */
static void on_client_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
        (void)rk;
        struct run *r = opaque;
        snprintf(r->last_error, sizeof(r->last_error), "%s", reason);
        if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
                r->brokers_down = true;
        if (r->running && r->o->verbosity >= VERB_NORMAL && err != (int)r->last_err) {
                warnx("%s", reason);
                r->last_err = err;
        }
}

/* librdkafka's own log lines: shown with -v or -d only. */
static void on_client_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
        const struct run *r = rd_kafka_opaque(rk);
        (void)level;
        if (r && (r->o->verbosity >= VERB_VERBOSE || r->o->debug))
                warnx("librdkafka: %s: %s", fac, buf);
}

/* Builds the configuration: our defaults, then -F and -X in order, then
 * what the offset-after-write guarantee needs. */
static rd_kafka_conf_t *make_conf(struct run *r)
{
        const struct opts *o = r->o;
        char why[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        const char *reset = o->start.given && o->start.kind == START_END ? "latest" : "earliest";
        /* The end of each partition is an event, for -e and --until-now;
         * a short broker wait at the end makes that event come soon. */
        /* Every partition feeds one queue, whose count librdkafka checks
         * against each partition's queued.min.messages: at the default
         * (100000) all fetching stops there and resumes only after a wait of
         * up to a second. Memory stays bounded by queued.max.messages.kbytes. */
        if (kconf_set(conf, "bootstrap.servers", o->brokers, why, sizeof(why)) < 0 ||
            kconf_set(conf, "client.id", "kcons", why, sizeof(why)) < 0 ||
            kconf_set(conf, "queued.min.messages", "10000000", why, sizeof(why)) < 0 ||
            kconf_set(conf, "enable.partition.eof", "true", why, sizeof(why)) < 0 ||
            kconf_set(conf, "auto.offset.reset", reset, why, sizeof(why)) < 0 ||
            (o->exit_at_end || o->until_now
                 ? kconf_set(conf, "fetch.wait.max.ms", "10", why, sizeof(why))
                 : 0) < 0 ||
            (o->group && kconf_set(conf, "group.id", o->group, why, sizeof(why)) < 0) ||
            (o->debug && kconf_set(conf, "debug", o->debug, why, sizeof(why)) < 0)) {
                warnx("%s", why);
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        for (int i = 0; i < o->nconfs; i++) {
                const struct conf_arg *c = &o->confs[i];
                struct registry_conf *reg = &r->serde->reg;
                int rc = c->opt == 'F' ? kconf_load_file(conf, reg, c->arg, why, sizeof(why))
                                       : kconf_set_pair(conf, reg, c->arg, why, sizeof(why));
                if (rc < 0) {
                        warnx("-%c %s: %s", c->opt, c->arg, why);
                        rd_kafka_conf_destroy(conf);
                        return NULL;
                }
        }
        /* -X schema.registry.url may stand for -r: checked once all are in. */
        if (serde_check(r->serde, why, sizeof(why)) < 0) {
                warnx("%s", why);
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        /* Offsets are stored by kcons after each write to stdout, never by
         * librdkafka when it hands a message over. */
        kconf_set(conf, "enable.auto.offset.store", "false", why, sizeof(why));
        rd_kafka_conf_set_error_cb(conf, on_client_error);
        rd_kafka_conf_set_log_cb(conf, on_client_log);
        if (o->group)
                rd_kafka_conf_set_rebalance_cb(conf, consume_rebalance_cb);
        rd_kafka_conf_set_opaque(conf, r);
        return conf;
}

/* Asks for the metadata of the named topics until the brokers answer and
 * every topic has its leaders. Returns EXIT_OK with *mdp set, or an exit
 * status after printing why. */
static int read_metadata(struct run *r, const struct rd_kafka_metadata **mdp)
{
        const struct opts *o = r->o;
        /* All topics, not just ours: asking for a topic by name lets some
         * brokers create it, and a typo should fail instead. */
        long long deadline = clock_mono_ms() + CONNECT_TIMEOUT_MS;
        int status = EXIT_OK;
        for (;;) {
                const struct rd_kafka_metadata *md = NULL;
                rd_kafka_resp_err_t e = rd_kafka_metadata(r->rk, 1, NULL, &md, 250);
                rd_kafka_poll(r->rk, 0); /* runs on_client_error */
                bool retry = false;
                for (int i = 0; !e && i < md->topic_cnt; i++)
                        retry |= md->topics[i].err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
                if (!e && (!retry || clock_mono_ms() > deadline)) {
                        *mdp = md;
                        break;
                }
                if (md)
                        rd_kafka_metadata_destroy(md);
                if (r->brokers_down || clock_mono_ms() > deadline) {
                        warnx("cannot reach the brokers at %s: %s", o->brokers,
                              r->last_error[0] ? r->last_error : rd_kafka_err2str(e));
                        status = EXIT_UNREACHABLE;
                        break;
                }
                if (signals_stop_count() > 0) {
                        status = EXIT_FAIL;
                        break;
                }
        }
        return status;
}

/* The metadata of one topic, or NULL. */
static const struct rd_kafka_metadata_topic *find_topic(const struct rd_kafka_metadata *md,
                                                        const char *name)
{
        for (int i = 0; i < md->topic_cnt; i++)
                if (strcmp(md->topics[i].topic, name) == 0)
                        return &md->topics[i];
        return NULL;
}

/* Checks every named topic (and -p) against the metadata; without -g adds
 * their partitions to list. Returns EXIT_OK or a status after printing. */
static int check_topics(struct run *r, const struct rd_kafka_metadata *md,
                        rd_kafka_topic_partition_list_t *list)
{
        const struct opts *o = r->o;
        for (int i = 0; i < o->ntopics; i++) {
                const char *name = o->topics[i];
                if (name[0] == '^')
                        continue;
                const struct rd_kafka_metadata_topic *t = find_topic(md, name);
                rd_kafka_resp_err_t e = t ? t->err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
                if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
                        warnx("%s: no such topic", name);
                        return EXIT_FAIL;
                }
                if (e) {
                        warnx("%s: %s", name, rd_kafka_err2str(e));
                        return EXIT_FAIL;
                }
                if (o->partition >= t->partition_cnt) {
                        warnx("%s: no partition %d (the topic has %d)", name, (int)o->partition,
                              t->partition_cnt);
                        return EXIT_FAIL;
                }
                if (!list)
                        continue;
                for (int p = 0; p < t->partition_cnt; p++) {
                        int32_t id = t->partitions[p].id;
                        if (o->partition < 0 || o->partition == id)
                                rd_kafka_topic_partition_list_add(list, name, id);
                }
        }
        return EXIT_OK;
}

/* Without -g: read the chosen partitions directly from where -o says,
 * with the simple consumer: no group, no coordinator, one queue. */
static int assign_direct(struct run *r, rd_kafka_topic_partition_list_t *list)
{
        /* Resolving every start to an absolute offset here (two batched
         * requests) spares librdkafka a lookup per partition, which it retries
         * only after 500 ms when the partition's leader is not known yet. */
        int64_t *ends = calloc(2 * (size_t)list->cnt + 1, sizeof(*ends));
        if (!ends) {
                warnx("out of memory");
                return EXIT_FAIL;
        }
        int64_t *lo = ends, *hi = ends + list->cnt;
        rd_kafka_resp_err_t e = offsets_ends(r->rk, list, lo, hi, CONNECT_TIMEOUT_MS);
        if (!e)
                e = offsets_resolve(r->rk, &r->o->start, list, lo, hi, CONNECT_TIMEOUT_MS);
        if (!e && r->o->start.kind == START_OFFSET)
                offsets_clamp(list, lo, hi, r->o->verbosity == VERB_QUIET);
        if (e) {
                warnx("cannot read the partitions' offsets: %s", rd_kafka_err2str(e));
                free(ends);
                return EXIT_FAIL;
        }
        for (int i = 0; r->o->until_now && i < list->cnt; i++) {
                struct part *p =
                    parts_get(&r->parts, list->elems[i].topic, list->elems[i].partition);
                if (!p) {
                        free(ends);
                        warnx("out of memory");
                        return EXIT_FAIL;
                }
                p->stop_offset = hi[i];
                p->done = hi[i] <= list->elems[i].offset;
        }
        free(ends);
        for (int i = 0; i < list->cnt; i++) {
                const rd_kafka_topic_partition_t *tp = &list->elems[i];
                struct part *p = parts_get(&r->parts, tp->topic, tp->partition);
                if (!p) {
                        warnx("out of memory");
                        return EXIT_FAIL;
                }
                /* The handle is ours until client_close stops and destroys it. */
                p->rkt = rd_kafka_topic_new(r->rk, tp->topic, NULL);
                if (!p->rkt ||
                    rd_kafka_consume_start_queue(p->rkt, tp->partition, tp->offset, r->q) < 0) {
                        warnx("%s [%d]: %s", tp->topic, (int)tp->partition,
                              rd_kafka_err2str(rd_kafka_last_error()));
                        return EXIT_FAIL;
                }
                p->assigned = true;
        }
        r->assigned_once = true;
        return EXIT_OK;
}

/* With -g: join the group; partitions arrive in consume_rebalance_cb. */
static int subscribe(struct run *r)
{
        rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(r->o->ntopics);
        for (int i = 0; i < r->o->ntopics; i++)
                rd_kafka_topic_partition_list_add(list, r->o->topics[i], RD_KAFKA_PARTITION_UA);
        rd_kafka_resp_err_t e = rd_kafka_subscribe(r->rk, list);
        rd_kafka_topic_partition_list_destroy(list);
        if (e) {
                warnx("subscribe: %s", rd_kafka_err2str(e));
                return EXIT_FAIL;
        }
        return EXIT_OK;
}

/* Creates the consumer handle from the options. Returns EXIT_OK or
 * EXIT_USAGE (said on stderr). */
static int new_consumer(struct run *r)
{
        rd_kafka_conf_t *conf = make_conf(r);
        if (!conf)
                return EXIT_USAGE;
        char why[512];
        /* On success rd_kafka_new takes conf; on failure it is still ours. */
        r->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof(why));
        if (!r->rk) {
                rd_kafka_conf_destroy(conf);
                warnx("%s", why);
                return EXIT_USAGE;
        }
        return EXIT_OK;
}

int client_open(struct run *r)
{
        int status = new_consumer(r);
        if (status != EXIT_OK)
                return status;
        const struct rd_kafka_metadata *md = NULL;
        status = read_metadata(r, &md);
        if (status != EXIT_OK)
                return status;
        rd_kafka_topic_partition_list_t *list =
            r->o->group ? NULL : rd_kafka_topic_partition_list_new(64);
        status = check_topics(r, md, list);
        rd_kafka_metadata_destroy(md);
        /* From here on errors and rebalances are served by the consume loop. */
        if (r->o->group) {
                rd_kafka_poll_set_consumer(r->rk);
                r->q = rd_kafka_queue_get_consumer(r->rk);
        } else {
                r->q = rd_kafka_queue_new(r->rk);
                rd_kafka_queue_t *mainq = rd_kafka_queue_get_main(r->rk);
                rd_kafka_queue_forward(mainq, r->q);
                rd_kafka_queue_destroy(mainq);
        }
        r->running = true;
        if (status == EXIT_OK)
                status = list ? assign_direct(r, list) : subscribe(r);
        if (list)
                rd_kafka_topic_partition_list_destroy(list);
        return status;
}

int client_list(struct run *r)
{
        int status = new_consumer(r);
        if (status != EXIT_OK)
                return status;
        char why[512];
        const struct rd_kafka_metadata *md = NULL;
        status = read_metadata(r, &md);
        if (status != EXIT_OK)
                return status;
        if (kmeta_format(md, rd_kafka_controllerid(r->rk, 1000), r->o->topics, r->o->ntopics,
                         &r->out.ob, why, sizeof(why)) < 0) {
                warnx("%s", why);
                status = EXIT_FAIL;
        } else if (sink_drain(&r->out, NULL, NULL) < 0 && r->out.error) {
                errno = r->out.error; /* EPIPE (the reader is done) is not an error */
                warn("stdout");
                status = EXIT_FAIL;
        }
        rd_kafka_metadata_destroy(md);
        return status;
}

void client_close(struct run *r)
{
        if (!r->rk)
                return;
        for (size_t i = 0; i < r->parts.n; i++) {
                struct part *p = &r->parts.v[i];
                if (!p->rkt)
                        continue;
                if (p->assigned)
                        rd_kafka_consume_stop(p->rkt, p->partition);
                rd_kafka_topic_destroy(p->rkt);
                p->rkt = NULL;
        }
        if (r->q) {
                rd_kafka_queue_destroy(r->q);
                r->q = NULL;
        }
        if (!r->o->group) {
                rd_kafka_destroy(r->rk);
        } else if (signals_stop_count() >= 2) {
                /* A second signal: quit now, without leaving the group. */
                rd_kafka_destroy_flags(r->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
        } else {
                rd_kafka_consumer_close(r->rk);
                rd_kafka_destroy(r->rk);
        }
        r->rk = NULL;
}
