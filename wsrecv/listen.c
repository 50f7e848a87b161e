/* listen: our own listening socket (IPv4 or IPv6, SO_REUSEPORT on request),
 * whose connections are handed to libwebsockets one by one, each peer's
 * name noted as it is accepted (struct peers). lws 4.1.6 sets
 * SO_REUSEPORT only when it runs several service threads, and owning the
 * socket also lets a draining server stop accepting by closing it. */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "wsrecv.h"

/* How many connections one wakeup accepts before serving the others. */
#define ACCEPT_BATCH 64
/* Sockets accepted beyond --max-conns, so that they can be answered 503. */
#define LISTEN_SLACK 64

/* Formats addr:port as "1.2.3.4:80" or "[::1]:80"; v4-mapped as IPv4. */
static void sockaddr_name(const struct sockaddr_storage *ss, char *name, size_t len)
{
        char host[INET6_ADDRSTRLEN] = "?";
        unsigned port = 0;
        if (ss->ss_family == AF_INET) {
                const struct sockaddr_in *a = (const void *)ss;
                inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
                port = ntohs(a->sin_port);
                snprintf(name, len, "%s:%u", host, port);
                return;
        }
        const struct sockaddr_in6 *a = (const void *)ss;
        port = ntohs(a->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
                inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], host, sizeof(host));
                snprintf(name, len, "%s:%u", host, port);
                return;
        }
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
        snprintf(name, len, "[%s]:%u", host, port);
}

/* Notes the name of the peer of the client socket fd, just accepted.
 * Returns 0, or -1 when out of memory. */
static int note_peer(struct server *srv, int fd, const struct sockaddr_storage *ss)
{
        struct peers *p = &srv->peers;
        if ((size_t)fd >= p->n) {
                size_t n = p->n ? p->n : 1024;
                while (n <= (size_t)fd)
                        n *= 2;
                char(*v)[PEER_MAX] = realloc(p->name, n * sizeof(*v));
                if (!v)
                        return -1;
                p->name = v;
                p->n = n;
        }
        sockaddr_name(ss, p->name[fd], PEER_MAX);
        return 0;
}

/* The peer of client socket fd, as -J and the logs show it. */
const char *listen_peer(const struct server *srv, int fd)
{
        if (fd < 0 || (size_t)fd >= srv->peers.n)
                return "?";
        return srv->peers.name[fd];
}

/* Forgets the peers' names (the server is gone). */
void listen_free(struct server *srv)
{
        free(srv->peers.name);
        srv->peers.name = NULL;
        srv->peers.n = 0;
}

/* Opens a listening socket on addr:port. Returns the fd and writes the
 * address actually bound to name, or returns -1 with a message in err. */
int listen_open(const char *addr, int port, bool reuseport, char *name, size_t namelen, char *err,
                size_t errlen)
{
        struct addrinfo hints = {0}, *ai = NULL;
        char portstr[16];
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        snprintf(portstr, sizeof(portstr), "%d", port);
        int rc = getaddrinfo(addr, portstr, &hints, &ai);
        if (rc != 0) {
                snprintf(err, errlen, "address %s: %s", addr, gai_strerror(rc));
                return -1;
        }
        int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
                snprintf(err, errlen, "socket for %s: %s", addr, strerror(errno));
                freeaddrinfo(ai);
                return -1;
        }
        int one = 1, zero = 0;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        /* "::" serves IPv4 too, as the user of a dual-stack host expects. */
        if (ai->ai_family == AF_INET6)
                setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) {
                snprintf(err, errlen, "SO_REUSEPORT: %s", strerror(errno));
                goto fail;
        }
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
                snprintf(err, errlen, "bind %s port %d: %s", addr, port, strerror(errno));
                goto fail;
        }
        if (listen(fd, 4096) < 0) {
                snprintf(err, errlen, "listen on %s port %d: %s", addr, port, strerror(errno));
                goto fail;
        }
        freeaddrinfo(ai);
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
                snprintf(err, errlen, "getsockname: %s", strerror(errno));
                close(fd);
                return -1;
        }
        sockaddr_name(&ss, name, namelen);
        return fd;
fail:
        freeaddrinfo(ai);
        close(fd);
        return -1;
}

/* Hands a client socket to lws as a new HTTP (and maybe TLS) connection,
 * with the bytes of its request head already read (head, len), if any.
 * lws owns fd from then on, and closes it on failure too. Returns 0 or -1. */
int listen_adopt(struct server *srv, int fd, const char *head, size_t len)
{
        struct lws *wsi;
        if (len) {
                wsi = lws_adopt_socket_vhost_readbuf(srv->vhost, fd, head, len);
        } else {
                lws_sock_file_fd_type desc;
                desc.sockfd = fd;
                wsi = lws_adopt_descriptor_vhost(
                    srv->vhost, LWS_ADOPT_SOCKET | LWS_ADOPT_HTTP | LWS_ADOPT_ALLOW_SSL, desc, NULL,
                    NULL);
        }
        /* NULL also when lws answered and closed it at once (a refused
         * handshake): lws reports its own failures. */
        return wsi ? 0 : -1;
}

/* Accepts waiting connections: plain ones go to the gate to read their
 * request head, TLS ones straight to lws. Every socket counts toward
 * --max-conns from here on; far beyond it, new ones are closed at once.
 * Returns 0, or -1 when out of descriptors (the caller stops listening for
 * a moment). */
int listen_accept(struct server *srv)
{
        const struct conf *conf = srv->conf;
        for (int i = 0; i < ACCEPT_BATCH; i++) {
                struct sockaddr_storage ss;
                socklen_t sl = sizeof(ss);
                int fd = accept4(srv->listen_fd, (struct sockaddr *)&ss, &sl,
                                 SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                            errno == ENOMEM)
                                return -1;
                        return 0; /* EAGAIN and the like */
                }
                if (srv->sockets >= (uint64_t)conf->max_conns + LISTEN_SLACK) {
                        srv->n.rejected++;
                        close(fd);
                        continue;
                }
                if (note_peer(srv, fd, &ss) < 0) {
                        close(fd);
                        continue;
                }
                srv->sockets++;
                /* The socket is counted until lws destroys its wsi, or the
                 * gate closes it. */
                if (conf->cert)
                        listen_adopt(srv, fd, NULL, 0);
                else if (gate_add(srv, fd) < 0) {
                        srv->sockets--;
                        close(fd);
                }
        }
        return 0;
}
