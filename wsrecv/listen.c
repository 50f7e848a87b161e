/* listen: our own listening socket (IPv4 or IPv6, SO_REUSEPORT on request),
 * whose connections are handed on one by one, each peer's name noted as it
 * is accepted (struct peers; see listen.h for its invariant). lws 4.1.6 sets
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

#include "listen.h"

/* How many connections one wakeup accepts before serving the others. */
#define ACCEPT_BATCH 64

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

int peers_note(struct peers *p, int fd, const struct sockaddr_storage *ss)
{
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

const char *peers_name(const struct peers *p, int fd)
{
        if (fd < 0 || (size_t)fd >= p->n)
                return "?";
        return p->name[fd];
}

void peers_free(struct peers *p)
{
        free(p->name);
        p->name = NULL;
        p->n = 0;
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

int listen_adopt(struct lws_vhost *vh, int fd, const char *head, size_t len)
{
        struct lws *wsi;
        if (len) {
                wsi = lws_adopt_socket_vhost_readbuf(vh, fd, head, len);
        } else {
                lws_sock_file_fd_type desc;
                desc.sockfd = fd;
                wsi = lws_adopt_descriptor_vhost(
                    vh, LWS_ADOPT_SOCKET | LWS_ADOPT_HTTP | LWS_ADOPT_ALLOW_SSL, desc, NULL,
                    NULL);
        }
        /* NULL also when lws answered and closed it at once (a refused
         * handshake): lws reports its own failures. */
        return wsi ? 0 : -1;
}

int listen_accept(int lfd, void (*on_accept)(void *arg, int fd, const struct sockaddr_storage *ss),
                  void *arg)
{
        for (int i = 0; i < ACCEPT_BATCH; i++) {
                struct sockaddr_storage ss;
                socklen_t sl = sizeof(ss);
                int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (fd < 0) {
                        if (errno == EINTR || errno == ECONNABORTED)
                                continue;
                        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                            errno == ENOMEM)
                                return -1;
                        return 0; /* EAGAIN and the like */
                }
                on_accept(arg, fd, &ss);
        }
        return 0;
}
