/* produce: the read-produce loop, from standard input to librdkafka, and
 * what happens to the records left when it stops early. */
#ifndef KPROD_PRODUCE_H
#define KPROD_PRODUCE_H

#include <stdbool.h>
#include <stdint.h>

#include "counts.h"
#include "failed.h"
#include "opts.h"
#include "producer.h"
#include "progress.h"
#include "reader.h"
#include "reports.h"

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

/* Reads stdin and produces until end of input, a stop signal or an error,
 * then waits for the deliveries (producer_drain). Records not produced are
 * handed to failed. Returns false when stdin could not be read. */
bool produce_run(struct run *x);
/* The reports reader's wait ends here: true once a stop signal came, or
 * the writer of stdin is gone with nothing written. */
bool produce_stop_waiting(void);

#endif
