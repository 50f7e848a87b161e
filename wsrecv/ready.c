/* ready: whether this front door can take messages now, as /healthz says
 * (200, or 503 with a reason): not while stopping, nor before kprod's
 * delivery reports begin (kprod begins them once the topic's partitions
 * take records, so that a client sent here is acknowledged at once), nor
 * once they ended, nor while kprod reaches no broker, nor while an
 * acknowledgement has been owed longer than --ack-wait (with --ack: the
 * oldest message not yet acknowledged has waited that long, because kprod
 * or the reader of stdout has stopped taking records). A load balancer
 * then sends clients elsewhere; 200 comes back once acks flow again.
 *
 * Owns struct ready: stalled is what the log last said about the acks
 * (reports.c logs kprod's own "down" and "up"). */
#include <stdio.h>

#include "clock.h"
#include "ready.h"

/* How long the oldest owed ack has waited, in ms, or -1 if none is owed
 * or --ack-wait is off. */
static int64_t owed_ms(const struct conf *conf, int64_t since)
{
        if (!conf->ack || !conf->ack_wait || since < 0)
                return -1;
        return clock_mono_ms() - since;
}

/* True when an ack has been owed longer than --ack-wait. */
static bool stalled(const struct conf *conf, int64_t waited)
{
        return waited >= 0 && waited > (int64_t)conf->ack_wait * 1000;
}

/* Says on stderr when acks stop flowing and when they flow again, once
 * each: from the tick, and from a health check that sees it first (so the
 * log never lags an answer). */
static void note(struct ready *r, const struct conf *conf, bool now)
{
        if (now == r->stalled)
                return;
        r->stalled = now;
        if (now)
                logx(VERB_NORMAL,
                     "not ready: a message has waited over --ack-wait %u s for its "
                     "acknowledgement",
                     conf->ack_wait);
        else
                logx(VERB_NORMAL, "ready again: acknowledgements flow");
}

/* Returns NULL when ready, else why not (valid until the next call). */
const char *ready_reason(struct ready *r, const struct conf *conf, const struct ready_state *st)
{
        if (st->stopping)
                return "stopping";
        if (conf->ack_from && st->rep->eof)
                return "kprod's delivery reports ended";
        if (conf->ack_from && !st->rep->agreed)
                return st->rep->broken[0] ? st->rep->broken
                                          : "kprod has not begun its delivery reports (it waits "
                                            "until the topic's partitions take records)";
        if (conf->ack_from && st->rep->brokers_down)
                return st->rep->why;
        int64_t waited = owed_ms(conf, st->oldest);
        bool now = stalled(conf, waited);
        note(r, conf, now);
        if (!now)
                return NULL;
        snprintf(r->why, sizeof(r->why),
                 "no acknowledgement for %lld.%01lld s: the oldest message not yet acknowledged "
                 "has waited over --ack-wait %u",
                 (long long)(waited / 1000), (long long)(waited % 1000 / 100), conf->ack_wait);
        return r->why;
}

/* Runs every tick: notes when acks stop or start flowing. */
void ready_check(struct ready *r, const struct conf *conf, int64_t oldest)
{
        note(r, conf, stalled(conf, owed_ms(conf, oldest)));
}
