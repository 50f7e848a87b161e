/* Drives wsrecv/budget.c alone: the high and low marks, the tickets'
 * half, the parked share, the ticket's time, with exact numbers. */
#include "budget.h"
#include "check.h"

#define KiB 1024
#define MiB (1024 * 1024)
#define SLACK (64 * KiB) /* budget.c's */

/* The least budget: one ticket in its half, as much again for records. */
static void least(void)
{
        CHECK_EQ(budget_min(1000), 2 * 1000 + 2 * SLACK);
}

/* A ticket's time is 10 s, or --idle when shorter. */
static void ticket_time(void)
{
        struct budget b;
        budget_init(&b, MiB, 100 * KiB, 0);
        CHECK_EQ(b.secs, 10);
        CHECK_EQ(b.pieces, MiB / 2);
        CHECK(!budget_overdue(&b, 9999));
        CHECK(budget_overdue(&b, 10000));
        budget_init(&b, MiB, 100 * KiB, 3);
        CHECK_EQ(b.secs, 3);
        CHECK(!budget_overdue(&b, 2999));
        CHECK(budget_overdue(&b, 3000));
        budget_init(&b, MiB, 100 * KiB, 20);
        CHECK_EQ(b.secs, 10);
}

/* Records stop everyone at the high mark (budget less slack and a ticket)
 * and free them at half of it; once each. */
static void marks(void)
{
        struct budget b;
        budget_init(&b, MiB, 100 * KiB, 0);
        size_t high = MiB - SLACK - 100 * KiB;
        CHECK(!budget_check(&b, high - 1));
        CHECK(!b.paused_all);
        CHECK(!budget_relieve(&b, 0)); /* not paused: nothing to free */
        CHECK(budget_check(&b, high));
        CHECK(b.paused_all);
        CHECK(!budget_check(&b, high + 1)); /* paused already */
        CHECK(!budget_relieve(&b, high / 2 + 1));
        CHECK(b.paused_all);
        CHECK(budget_relieve(&b, high / 2));
        CHECK(!b.paused_all);

        /* Parked first pieces count as records; tickets do not. */
        budget_park(&b, 1000);
        CHECK(!budget_check(&b, high - 1001));
        CHECK(budget_check(&b, high - 1000));
        CHECK(budget_relieve(&b, high / 2 - 1000));
        budget_unpark(&b, 1000);
        CHECK_EQ(budget_held(&b, 5), 5);

        /* Tickets beyond one lower the high mark by what they reserve. */
        budget_hold(&b);
        CHECK(!budget_check(&b, high - 1)); /* one ticket: the same mark */
        budget_hold(&b);
        size_t high2 = MiB - SLACK - 200 * KiB;
        CHECK_EQ(budget_held(&b, 7), 7 + 200 * KiB);
        CHECK(!budget_check(&b, high2 - 1));
        CHECK(budget_check(&b, high2));
        CHECK(!budget_relieve(&b, high2 / 2 + 1));
        CHECK(budget_relieve(&b, high2 / 2));
}

/* Tickets take at most half the budget, and only while everything held
 * stays within it. */
static void tickets(void)
{
        struct budget b;
        budget_init(&b, MiB, 100 * KiB, 0);
        for (int i = 0; i < 5; i++) { /* 5 * 100 KiB <= 512 KiB */
                CHECK(budget_fits(&b, 0, 0));
                budget_hold(&b);
        }
        CHECK_EQ(b.reserved, 500 * KiB);
        CHECK(!budget_fits(&b, 0, 0)); /* a sixth exceeds the half */
        budget_unhold(&b);
        CHECK(budget_fits(&b, 0, 0));
        while (b.reserved)
                budget_unhold(&b);

        /* Within the budget: what is held and the ticket. */
        size_t room = MiB - 100 * KiB;
        CHECK(budget_fits(&b, room, 0));
        CHECK(!budget_fits(&b, room + 1, 0));
        /* A parked first piece moves under its ticket: not counted twice. */
        budget_park(&b, 2000);
        CHECK(!budget_fits(&b, room - 1999, 0));
        CHECK(budget_fits(&b, room, 2000));
        CHECK(!budget_fits(&b, room + 1, 2000));
}

/* First pieces waiting for a ticket hold at most an eighth of the budget. */
static void parked(void)
{
        struct budget b;
        budget_init(&b, MiB, 100 * KiB, 0);
        CHECK(budget_may_park(&b, MiB / 8));
        CHECK(!budget_may_park(&b, MiB / 8 + 1));
        budget_park(&b, MiB / 8 - 100);
        CHECK(budget_may_park(&b, 100));
        CHECK(!budget_may_park(&b, 101));
        CHECK_EQ(budget_held(&b, 0), MiB / 8 - 100);
        budget_unpark(&b, MiB / 8 - 100);
        CHECK_EQ(b.parked, 0);
}

int main(void)
{
        least();
        ticket_time();
        marks();
        tickets();
        parked();
        return check_report("budget_test");
}
