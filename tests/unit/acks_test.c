/* Drives wsrecv/acks.c alone, with fake connections that record what the
 * ack list tells them: acks after write, after kprod's "settled", runs
 * split by kprod, failures, refusals, references, and the ring growing. */
#include <string.h>

#include "acks.h"
#include "check.h"

struct fake {
        unsigned refs;
        uint64_t acked;  /* highest seq acked */
        unsigned acks;   /* on_ack calls */
        uint64_t failed; /* seq of the last on_failed, or 0 */
        unsigned fails;
        char why[64];
        uint64_t refused; /* seq of the last on_refused, or 0 */
        unsigned refusals;
};

static void ref(void *conn)
{
        ((struct fake *)conn)->refs++;
}

static void unref(void *conn)
{
        ((struct fake *)conn)->refs--;
}

static void on_ack(void *conn, uint64_t seq)
{
        struct fake *f = conn;
        CHECK(seq >= f->acked); /* never backwards */
        f->acked = seq;
        f->acks++;
}

static void on_failed(void *conn, uint64_t seq, const char *why)
{
        struct fake *f = conn;
        f->failed = seq;
        f->fails++;
        strncpy(f->why, why, sizeof(f->why) - 1);
}

static void on_refused(void *conn, uint64_t seq, const char *why)
{
        struct fake *f = conn;
        f->refused = seq;
        f->refusals++;
        strncpy(f->why, why, sizeof(f->why) - 1);
}

static const struct acks_owner owner = {ref, unref, on_ack, on_failed, on_refused};

/* Without --ack-from: a run is acked once the output has written past
 * its last record, whole runs only, oldest first. */
static void after_write(void)
{
        struct acks a;
        struct fake x = {0}, y = {0};
        acks_init(&a, &owner);
        CHECK(!acks_pending(&a));
        CHECK_EQ(acks_oldest(&a), -1);
        CHECK_EQ(acks_noted(&a, &x, 1, 10, 1000), 0);
        CHECK_EQ(acks_noted(&a, &x, 2, 20, 1001), 0);
        CHECK_EQ(acks_noted(&a, &x, 3, 30, 1002), 0);
        CHECK_EQ(acks_noted(&a, &y, 1, 40, 1003), 0);
        CHECK_EQ(x.refs, 1); /* one run, one reference */
        CHECK_EQ(y.refs, 1);
        CHECK(acks_pending(&a));
        CHECK_EQ(acks_oldest(&a), 1000);
        CHECK_EQ(acks_bytes(&a), 2 * sizeof(struct ack_entry));
        acks_written(&a, 29); /* x's run is not all written */
        CHECK_EQ(x.acks, 0);
        acks_written(&a, 30);
        CHECK_EQ(x.acked, 3);
        CHECK_EQ(x.refs, 0);
        CHECK_EQ(y.acks, 0);
        CHECK_EQ(acks_oldest(&a), 1003);
        acks_written(&a, 100);
        CHECK_EQ(y.acked, 1);
        CHECK_EQ(y.refs, 0);
        CHECK(!acks_pending(&a));
        acks_free(&a);
}

/* A run ends after 64 records or 100 ms, so acks come that often and the
 * oldest time is never more than 100 ms early. */
static void runs(void)
{
        struct acks a;
        struct fake x = {0};
        acks_init(&a, &owner);
        for (uint64_t s = 1; s <= 65; s++)
                CHECK_EQ(acks_noted(&a, &x, s, s, 0), 0);
        CHECK_EQ(x.refs, 2); /* 64 and 1 */
        CHECK_EQ(acks_noted(&a, &x, 66, 66, 99), 0);
        CHECK_EQ(x.refs, 2);
        CHECK_EQ(acks_noted(&a, &x, 67, 67, 100), 0); /* the second run began at 0 */
        CHECK_EQ(x.refs, 3);
        acks_written(&a, 64);
        CHECK_EQ(x.acked, 64);
        CHECK_EQ(acks_oldest(&a), 0);
        acks_written(&a, 66);
        CHECK_EQ(x.acked, 66);
        CHECK_EQ(acks_oldest(&a), 100);
        acks_free(&a);
        CHECK_EQ(x.refs, 0);
        CHECK_EQ(x.acked, 66); /* freeing acks nothing */
}

/* With --ack-from: kprod's "settled N" acks records 1..N, splitting a run
 * where N falls in it; record numbers count across connections. */
static void settled(void)
{
        struct acks a;
        struct fake x = {0}, y = {0};
        acks_init(&a, &owner);
        for (uint64_t s = 11; s <= 15; s++) /* records 1..5: x's 11..15 */
                CHECK_EQ(acks_noted(&a, &x, s, s, 0), 0);
        CHECK_EQ(acks_noted(&a, &y, 1, 0, 0), 0); /* records 6, 7: y's 1, 2 */
        CHECK_EQ(acks_noted(&a, &y, 2, 0, 0), 0);
        acks_settled(&a, 3);
        CHECK_EQ(x.acked, 13);
        CHECK_EQ(x.refs, 1); /* still names 14, 15 */
        acks_settled(&a, 3); /* again: nothing new */
        CHECK_EQ(x.acks, 1);
        acks_settled(&a, 6);
        CHECK_EQ(x.acked, 15);
        CHECK_EQ(x.refs, 0);
        CHECK_EQ(y.acked, 1);
        CHECK_EQ(y.refs, 1);
        acks_settled(&a, 7);
        CHECK_EQ(y.acked, 2);
        CHECK_EQ(y.refs, 0);
        CHECK(!acks_pending(&a));
        acks_free(&a);
}

/* kprod's "failed N WHY" names the connection's message; records already
 * settled, or not yet noted, name none. */
static void failed(void)
{
        struct acks a;
        struct fake x = {0}, y = {0};
        acks_init(&a, &owner);
        for (uint64_t s = 11; s <= 15; s++) /* records 1..5 */
                CHECK_EQ(acks_noted(&a, &x, s, 0, 0), 0);
        CHECK_EQ(acks_noted(&a, &y, 1, 0, 0), 0); /* record 6 */
        acks_settled(&a, 2);
        acks_failed(&a, 2, "settled already");
        CHECK_EQ(x.fails, 0);
        acks_failed(&a, 4, "Broker: Message size too large");
        CHECK_EQ(x.fails, 1);
        CHECK_EQ(x.failed, 14);
        CHECK(strcmp(x.why, "Broker: Message size too large") == 0);
        acks_failed(&a, 6, "down");
        CHECK_EQ(y.fails, 1);
        CHECK_EQ(y.failed, 1);
        acks_failed(&a, 7, "never noted");
        CHECK_EQ(x.fails + y.fails, 2);
        /* A failure does not drop the entry: "settled" still comes for it. */
        CHECK_EQ(x.refs, 1);
        acks_settled(&a, 6);
        CHECK_EQ(x.acked, 15);
        CHECK_EQ(x.refs, 0);
        CHECK_EQ(y.refs, 0);
        acks_free(&a);
}

/* kprod's "refused N WHY" names the connection's message and does not
 * stop its acks: "settled" covers it and what follows. */
static void refused(void)
{
        struct acks a;
        struct fake x = {0}, y = {0};
        acks_init(&a, &owner);
        for (uint64_t s = 1; s <= 3; s++) /* records 1..3 */
                CHECK_EQ(acks_noted(&a, &x, s, 0, 0), 0);
        CHECK_EQ(acks_noted(&a, &y, 7, 0, 0), 0); /* record 4 */
        acks_refused(&a, 2, "does not match the schema");
        CHECK_EQ(x.refusals, 1);
        CHECK_EQ(x.refused, 2);
        CHECK(strcmp(x.why, "does not match the schema") == 0);
        CHECK_EQ(x.fails, 0);
        acks_refused(&a, 4, "too large");
        CHECK_EQ(y.refused, 7);
        acks_refused(&a, 5, "never noted");
        CHECK_EQ(x.refusals + y.refusals, 2);
        acks_settled(&a, 4);
        CHECK_EQ(x.acked, 3);
        CHECK_EQ(y.acked, 7);
        acks_refused(&a, 2, "settled already");
        CHECK_EQ(x.refusals, 1);
        CHECK_EQ(x.refs + y.refs, 0);
        acks_free(&a);
}

/* The ring grows past its first 256 entries and keeps their order. */
static void ring(void)
{
        struct acks a;
        struct fake f[2] = {{0}, {0}};
        acks_init(&a, &owner);
        for (uint64_t i = 0; i < 1000; i++) /* alternating: one entry each */
                CHECK_EQ(acks_noted(&a, &f[i % 2], i / 2 + 1, i + 1, 0), 0);
        CHECK_EQ(f[0].refs + f[1].refs, 1000);
        CHECK_EQ(acks_bytes(&a), 1000 * sizeof(struct ack_entry));
        acks_written(&a, 501); /* records 1..501 */
        CHECK_EQ(f[0].acked, 251);
        CHECK_EQ(f[1].acked, 250);
        acks_settled(&a, 1000); /* the rest, by number */
        CHECK_EQ(f[0].acked, 500);
        CHECK_EQ(f[1].acked, 500);
        CHECK_EQ(f[0].acks + f[1].acks, 1000);
        CHECK_EQ(f[0].refs + f[1].refs, 0);
        CHECK(!acks_pending(&a));
        acks_free(&a);
}

int main(void)
{
        after_write();
        runs();
        settled();
        failed();
        refused();
        ring();
        return check_report("acks_test");
}
