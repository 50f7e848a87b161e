/* client: the librdkafka consumer: configuration, a first metadata
 * request that proves the brokers and topics exist, then the direct
 * assignment (no -g) or the group subscription (-g). */
#ifndef KCONS_CLIENT_H
#define KCONS_CLIENT_H

#include "consume.h"

/* Creates r->rk for r->o and starts reading. Returns EXIT_OK, or the exit
 * status after printing why not (r->rk may be set even then). */
int client_open(struct run *r);
/* -L: prints the metadata of all topics, or of those named, to stdout.
 * Returns an exit status. */
int client_list(struct run *r);
/* Leaves the group (if any) and destroys r->rk. */
void client_close(struct run *r);

#endif
