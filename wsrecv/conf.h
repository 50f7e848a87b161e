/* conf: what the command line asked for, and the limits every module
 * shares. Filled by main.c, read-only afterwards. */
#ifndef WSRECV_CONF_H
#define WSRECV_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "log.h"

enum newline_mode { NEWLINE_REJECT, NEWLINE_SPACE };
enum binary_mode { BINARY_REFUSE, BINARY_RAW, BINARY_BASE64 };

/* Close code 1013 (IANA registry; lws 4.1.6 has no name for it): a message
 * could not be stored, the client should send it again. */
#define CLOSE_TRY_AGAIN_LATER 1013

/* Room for a peer's name: "[v6 address]:port" and its NUL. */
#define PEER_MAX 56

/* The most a request head (request line and headers) may hold. */
#define HEAD_MAX (16 * 1024)
/* The most header lines and query parameters a request may have (gate.c). */
#define FIELDS_MAX 64

/* What the command line asked for; filled by main.c, read-only afterwards. */
struct conf {
        const char *addr;
        int port;
        const char *path; /* accept upgrades only here, or NULL */
        const char *www;  /* folder served over HTTP, or NULL */
        char *www_real;   /* its real path, for the symlink check */
        bool reuseport;
        const char *cert, *key;
        bool nul;  /* -0 */
        bool json; /* -J */
        enum newline_mode newline;
        enum binary_mode binary;
        bool ack;
        const char *ack_from; /* kprod's delivery reports, or NULL */
        size_t max_message;
        size_t max_buffer;
        unsigned max_conns;
        unsigned idle; /* seconds, 0: never */
        unsigned ping; /* seconds, 0: never */
        unsigned ack_wait; /* seconds an ack may be owed before not ready, 0: never */
        const char **origins;
        size_t norigins;
        char *token; /* from --token-file, or NULL */
        enum verbosity log;
};

#endif
