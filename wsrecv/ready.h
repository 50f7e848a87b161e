/* ready: whether this front door can take messages now, as /healthz says
 * (see ready.c). Owns struct ready: stalled is what the log last said
 * about the acks. */
#ifndef WSRECV_READY_H
#define WSRECV_READY_H

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "reports.h"

struct ready {
        bool stalled;  /* an ack has been owed longer than --ack-wait */
        char why[160]; /* the reason /healthz gives, when not ready */
};

/* What readiness is judged on. */
struct ready_state {
        bool stopping;
        const struct reports *rep; /* with --ack-from */
        int64_t oldest;            /* when the oldest owed ack was noted, or -1 */
};

/* Returns NULL when ready, else why not (valid until the next call). */
const char *ready_reason(struct ready *r, const struct conf *conf, const struct ready_state *st);
/* Runs every tick: notes when acks stop or start flowing. */
void ready_check(struct ready *r, const struct conf *conf, int64_t oldest);

#endif
