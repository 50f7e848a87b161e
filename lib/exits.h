/* exits: the exit statuses the three tools share, as their man pages list
 * them. */
#ifndef LIB_EXITS_H
#define LIB_EXITS_H

enum {
        EXIT_OK = 0,
        EXIT_FAIL = 1,        /* kprod: records not delivered; kcons: a cluster or
                                 output error; wsrecv: the server or its output failed */
        EXIT_USAGE = 2,       /* bad options or configuration, or a file an option
                                 names that cannot be opened; nothing was done */
        EXIT_UNREACHABLE = 3, /* kprod, kcons: no broker could be reached at all */
        EXIT_NOT_KEPT = 4,    /* kprod: records neither delivered nor kept in --failed */
        EXIT_ALTERED = 5,     /* kprod: all delivered, but a CreateTime 0 sent as the time
                                 of producing */
        EXIT_SCHEMA = 6,      /* kprod, kcons -s avro: the schema registry could not be
                                 reached, or refused or lacks the schema, or failed a
                                 request: kprod produced nothing, kcons stopped before
                                 the message that needed it */
        EXIT_UNDECODED = 7,   /* kcons -s avro: messages written undecoded (not in the
                                 framing, an unknown schema id, bytes that do not decode) */
        EXIT_CANTRUN = 126,   /* kcons --: the command was found but cannot run */
        EXIT_NOCMD = 127,     /* kcons --: no such command (as a shell says) */
};

#endif
