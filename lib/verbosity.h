/* verbosity: how much a tool says on stderr, as -q and -v choose: the same
 * three levels in every tool. */
#ifndef LIB_VERBOSITY_H
#define LIB_VERBOSITY_H

enum verbosity {
        VERB_QUIET = -1,  /* -q: errors only */
        VERB_NORMAL = 0,  /* what went wrong and what was left undone */
        VERB_VERBOSE = 1, /* -v: each connection, statistics, progress */
};

#endif
