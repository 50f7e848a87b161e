/* reports: kprod's delivery reports (--ack-from FILE), read without
 * blocking; each report about records is handed to the callbacks given to
 * reports_open, in the order kprod sent them. Invariant: no report about
 * records is handed on before kprod has named the delimiter it splits
 * records at and it is wsrecv's (agreed); otherwise broken says why. */
#ifndef WSRECV_REPORTS_H
#define WSRECV_REPORTS_H

#include <libwebsockets.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct reports_calls {
        /* Records 1..upto are settled: stored, or reported failed before. */
        void (*settled)(void *arg, uint64_t upto);
        /* Record rec was not stored (it may be sent again). */
        void (*failed)(void *arg, uint64_t rec, const char *why);
        /* Record rec will never be stored, for what it is. */
        void (*refused)(void *arg, uint64_t rec, const char *why);
};

struct reports {
        const struct reports_calls *calls;
        void *arg;
        bool nul; /* wsrecv ends records with NUL (-0), not newline */
        int fd;
        struct lws *watch;
        char buf[4096];
        size_t len;
        bool eof;          /* kprod closed its end */
        bool brokers_down; /* kprod cannot reach any broker */
        char why[256];     /* kprod's words for that */
        bool agreed;       /* kprod splits records where wsrecv ends them */
        char broken[300];  /* why its reports cannot be trusted, or "" */
};

/* Opens path (a FIFO, or /dev/fd/N) and watches it in vh's loop. */
int reports_open(struct reports *r, struct lws_vhost *vh, const char *path, bool nul,
                 const struct reports_calls *calls, void *arg, char *err, size_t errlen);
/* Reads what kprod has sent and acts on each whole line. */
void reports_read(struct reports *r);
/* kprod closed its end (the watcher was closed). */
void reports_ended(struct reports *r);
void reports_close(struct reports *r);

#endif
