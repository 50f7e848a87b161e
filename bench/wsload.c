/* wsload: a WebSocket load generator for the benchmarks. Raw non-blocking
 * sockets and epoll in one thread: it opens CONNS connections, does the
 * handshake, and sends masked text frames as fast as the server takes them,
 * then closes each connection and waits for the server's close reply (so
 * the server has read every message when wsload ends). With -i it only
 * holds the connections open, answering pings, for memory measurements.
 *
 *   wsload [-A] [-c conns] [-n messages] [-s size] [-a addr] [-p port] [-P path] [-i secs]
 *          [-r rate] [-w secs]
 *
 * Messages are "c<conn>-<seq>" padded with '.' to size bytes; messages
 * are spread evenly over the connections. With -A (a server run with
 * --ack) it reads the acks, times each message from its send to the ack
 * that covers it, and closes a connection only once all of its messages
 * are acknowledged; with -w SECS the messages sent in the first SECS
 * seconds (a producer's start-up) are acknowledged but not timed, only
 * their longest wait is reported (warm_max_ms). Prints one summary line. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum state { CONNECTING, HANDSHAKE, OPEN, CLOSING, DONE };

struct conn {
        int fd;
        int id;
        enum state st;
        uint64_t sent, target;
        uint64_t acked;    /* -A: messages acknowledged */
        uint64_t *sent_ns; /* -A: when each message was sent */
        char *out;         /* bytes waiting to be written */
        size_t outlen, outoff;
        unsigned char in[4096]; /* unparsed bytes from the server */
        size_t inlen;
};

struct load {
        struct conn *conns;
        int nconns, epfd;
        size_t size;
        const char *path;
        struct sockaddr_in6 addr;
        socklen_t addrlen;
        int family;
        int open, done, connecting, next_to_connect;
        bool idle;
        uint64_t sent_total;
        double rate;      /* messages a second in all; 0: as fast as possible */
        double t_start;   /* when pacing began */
        bool acks;        /* -A */
        uint64_t *lat_ns; /* -A: each message's ack latency */
        uint64_t nlat;
        uint64_t nacked;            /* -A: timed or not */
        unsigned long long warm_ns; /* -w: messages sent before this are not timed */
        uint64_t warm_max_ns;       /* -w: the longest wait of those */
        double t_last_ack;
};

#define BATCH          (64 * 1024)
#define MAX_CONNECTING 500

static double now_s(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
        return x < y ? -1 : x > y;
}

/* The p-th percentile of n sorted nanosecond values, in milliseconds. */
static double pct_ms(const uint64_t *v, uint64_t n, int p)
{
        if (!n)
                return 0;
        uint64_t i = (n * (uint64_t)p + 99) / 100;
        return (double)v[i ? i - 1 : 0] / 1e6;
}

static unsigned long long now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

/* With -r: how many more messages may go now to keep to the rate. */
static uint64_t paced_budget(const struct load *L)
{
        if (L->rate <= 0)
                return UINT64_MAX;
        double allowed = (now_s() - L->t_start) * L->rate;
        return allowed > (double)L->sent_total ? (uint64_t)allowed - L->sent_total : 0;
}

/* Appends one masked client frame with opcode op to p; returns its length. */
static size_t put_frame(unsigned char *p, int op, const char *payload, size_t n)
{
        static const unsigned char mask[4] = {0x37, 0xfa, 0x21, 0x3d};
        size_t h = 0;
        p[h++] = (unsigned char)(0x80 | op);
        if (n < 126) {
                p[h++] = (unsigned char)(0x80 | n);
        } else if (n < 65536) {
                p[h++] = 0x80 | 126;
                p[h++] = (unsigned char)(n >> 8);
                p[h++] = (unsigned char)n;
        } else {
                p[h++] = 0x80 | 127;
                for (int i = 7; i >= 0; i--)
                        p[h++] = (unsigned char)((uint64_t)n >> (8 * i));
        }
        memcpy(p + h, mask, 4);
        h += 4;
        for (size_t i = 0; i < n; i++)
                p[h + i] = (unsigned char)payload[i] ^ mask[i & 3];
        return h + n;
}

static void watch(struct load *L, struct conn *c, uint32_t events, int op)
{
        struct epoll_event ev = {.events = events, .data.ptr = c};
        if (epoll_ctl(L->epfd, op, c->fd, &ev) < 0)
                err(1, "epoll_ctl");
}

/* Starts a non-blocking connect for connection i. */
static void start_connect(struct load *L, int i)
{
        struct conn *c = &L->conns[i];
        c->fd = socket(L->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0)
                err(1, "socket (raise ulimit -n?)");
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(c->fd, (struct sockaddr *)&L->addr, L->addrlen) < 0 && errno != EINPROGRESS)
                err(1, "connect");
        c->st = CONNECTING;
        L->connecting++;
        watch(L, c, EPOLLOUT | EPOLLIN, EPOLL_CTL_ADD);
}

/* Queues bytes for c (copied). */
static void queue(struct conn *c, const void *p, size_t n)
{
        char *o = realloc(c->out, c->outlen - c->outoff + n);
        if (!o)
                err(1, "realloc");
        memmove(o, o + c->outoff, c->outlen - c->outoff);
        c->outlen -= c->outoff;
        c->outoff = 0;
        memcpy(o + c->outlen, p, n);
        c->outlen += n;
        c->out = o;
}

/* Fills c's output with the next batch of message frames, or its close. */
static void refill(struct load *L, struct conn *c)
{
        static unsigned char buf[BATCH + 65536];
        char msg[65536];
        size_t len = 0;
        uint64_t budget = paced_budget(L);
        while (c->sent < c->target && len + L->size + 14 <= BATCH && budget > 0) {
                int n = L->rate > 0 ? snprintf(msg, sizeof(msg), "c%d-%llu-t%llu", c->id,
                                               (unsigned long long)(c->sent + 1), now_ns())
                                    : snprintf(msg, sizeof(msg), "c%d-%llu", c->id,
                                               (unsigned long long)(c->sent + 1));
                budget--;
                if ((size_t)n < L->size)
                        memset(msg + n, '.', L->size - (size_t)n);
                len += put_frame(buf + len, 0x1, msg, L->size > (size_t)n ? L->size : (size_t)n);
                if (L->acks)
                        c->sent_ns[c->sent] = now_ns();
                c->sent++;
                L->sent_total++;
        }
        if (c->sent == c->target && len + 8 <= sizeof(buf) && c->st == OPEN &&
            (!L->acks || c->acked == c->target)) {
                len += put_frame(buf + len, 0x8, "\x03\xe8", 2);
                c->st = CLOSING;
        }
        if (len)
                queue(c, buf, len);
}

/* -A: an ack {"ack":N}: times messages up to N; closes once all are. */
static void on_ack(struct load *L, struct conn *c, const unsigned char *p, size_t n)
{
        char buf[64];
        if (n >= sizeof(buf) || n < 8 || memcmp(p, "{\"ack\":", 7) != 0)
                return;
        memcpy(buf, p, n);
        buf[n] = '\0';
        uint64_t upto = strtoull(buf + 7, NULL, 10), t = now_ns();
        if (upto > c->sent)
                errx(1, "conn %d: ack %llu of %llu sent", c->id, (unsigned long long)upto,
                     (unsigned long long)c->sent);
        for (; c->acked < upto; c->acked++, L->nacked++) {
                uint64_t lat = t - c->sent_ns[c->acked];
                if (c->sent_ns[c->acked] >= L->warm_ns)
                        L->lat_ns[L->nlat++] = lat;
                else if (lat > L->warm_max_ns)
                        L->warm_max_ns = lat;
        }
        L->t_last_ack = now_s();
        if (c->acked == c->target && c->st == OPEN) {
                refill(L, c); /* the close */
                watch(L, c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
        }
}

static void finish(struct load *L, struct conn *c)
{
        if (c->st == DONE)
                return;
        if (c->st == OPEN || c->st == CLOSING)
                L->open--;
        c->st = DONE;
        L->done++;
        epoll_ctl(L->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        free(c->out);
        c->out = NULL;
}

/* Parses server frames: pings get pongs, a close ends the connection. */
static void parse_frames(struct load *L, struct conn *c)
{
        size_t off = 0;
        while (c->inlen - off >= 2) {
                unsigned char *p = c->in + off;
                size_t n = p[1] & 0x7f, h = 2;
                if (n == 126) {
                        if (c->inlen - off < 4)
                                break;
                        n = (size_t)p[2] << 8 | p[3];
                        h = 4;
                } else if (n == 127) {
                        errx(1, "conn %d: unexpected huge frame from the server", c->id);
                }
                if (c->inlen - off < h + n)
                        break;
                int op = p[0] & 0x0f;
                if (op == 0x9) {
                        unsigned char pong[256];
                        size_t m = put_frame(pong, 0xA, (char *)p + h, n < 125 ? n : 125);
                        queue(c, pong, m);
                        watch(L, c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
                } else if (op == 0x8) {
                        finish(L, c);
                        return;
                } else if (op == 0x1 && L->acks) {
                        on_ack(L, c, p + h, n);
                }
                off += h + n;
        }
        memmove(c->in, c->in + off, c->inlen - off);
        c->inlen -= off;
}

static void on_readable(struct load *L, struct conn *c)
{
        for (;;) {
                ssize_t r = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
                if (r == 0) {
                        if (c->st != CLOSING && c->st != DONE)
                                warnx("conn %d: server closed the connection", c->id);
                        finish(L, c);
                        return;
                }
                if (r < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return;
                        warn("conn %d: read", c->id);
                        finish(L, c);
                        return;
                }
                c->inlen += (size_t)r;
                if (c->st == HANDSHAKE) {
                        unsigned char *end = memmem(c->in, c->inlen, "\r\n\r\n", 4);
                        if (!end) {
                                if (c->inlen == sizeof(c->in))
                                        errx(1, "conn %d: handshake answer too long", c->id);
                                continue;
                        }
                        if (memcmp(c->in, "HTTP/1.1 101", 12) != 0)
                                errx(1, "conn %d: handshake refused: %.*s", c->id, 40, c->in);
                        size_t used = (size_t)(end + 4 - c->in);
                        memmove(c->in, c->in + used, c->inlen - used);
                        c->inlen -= used;
                        c->st = OPEN;
                        L->open++;
                        L->connecting--;
                        if (!L->idle) {
                                refill(L, c);
                                watch(L, c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
                        }
                }
                parse_frames(L, c);
                if (c->st == DONE)
                        return;
        }
}

static void on_writable(struct load *L, struct conn *c)
{
        if (c->st == CONNECTING) {
                int e = 0;
                socklen_t el = sizeof(e);
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &e, &el);
                if (e)
                        errx(1, "conn %d: connect: %s", c->id, strerror(e));
                char req[512];
                int n = snprintf(
                    req, sizeof(req),
                    "GET %s HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\n",
                    L->path);
                queue(c, req, (size_t)n);
                c->st = HANDSHAKE;
        }
        while (c->outoff < c->outlen) {
                ssize_t w = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
                if (w < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return;
                        warn("conn %d: write", c->id);
                        finish(L, c);
                        return;
                }
                c->outoff += (size_t)w;
                if (c->outoff == c->outlen && !L->idle && c->st == OPEN)
                        refill(L, c);
        }
        /* Paced: the main loop refills and asks for EPOLLOUT again. */
        watch(L, c, EPOLLIN, EPOLL_CTL_MOD);
}

static void usage(void)
{
        fprintf(stderr, "usage: wsload [-A] [-c conns] [-n messages] [-s size] [-a addr] [-p port] "
                        "[-P path] [-i secs]\n"
                        "              [-r rate] [-w secs]\n");
        exit(2);
}

int main(int argc, char **argv)
{
        struct load L = {.size = 100, .path = "/"};
        const char *addr = "127.0.0.1";
        int port = 8443, c;
        long long messages = 1000000;
        double idle_secs = 0, warm_secs = 0;
        L.nconns = 1;
        while ((c = getopt(argc, argv, "Ac:n:s:a:p:P:i:r:w:")) != -1) {
                switch (c) {
                case 'A':
                        L.acks = true;
                        break;
                case 'c':
                        L.nconns = atoi(optarg);
                        break;
                case 'n':
                        messages = atoll(optarg);
                        break;
                case 's':
                        L.size = (size_t)atol(optarg);
                        break;
                case 'a':
                        addr = optarg;
                        break;
                case 'p':
                        port = atoi(optarg);
                        break;
                case 'P':
                        L.path = optarg;
                        break;
                case 'i':
                        idle_secs = atof(optarg);
                        L.idle = true;
                        break;
                case 'r':
                        L.rate = atof(optarg);
                        break;
                case 'w':
                        warm_secs = atof(optarg);
                        break;
                default:
                        usage();
                }
        }
        if (L.nconns < 1 || messages < 0 || L.size < 1 || L.size > 60000 || port < 1 ||
            L.rate < 0 || warm_secs < 0)
                usage();

        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
        }
        memset(&L.addr, 0, sizeof(L.addr));
        struct sockaddr_in *a4 = (struct sockaddr_in *)&L.addr;
        if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
                a4->sin_family = AF_INET;
                a4->sin_port = htons((uint16_t)port);
                L.addrlen = sizeof(*a4);
                L.family = AF_INET;
        } else if (inet_pton(AF_INET6, addr, &L.addr.sin6_addr) == 1) {
                L.addr.sin6_family = AF_INET6;
                L.addr.sin6_port = htons((uint16_t)port);
                L.addrlen = sizeof(L.addr);
                L.family = AF_INET6;
        } else {
                errx(2, "not a numeric address: %s", addr);
        }

        L.conns = calloc((size_t)L.nconns, sizeof(*L.conns));
        L.epfd = epoll_create1(EPOLL_CLOEXEC);
        if (!L.conns || L.epfd < 0)
                err(1, "setup");
        for (int i = 0; i < L.nconns; i++) {
                L.conns[i].id = i + 1;
                L.conns[i].target =
                    (uint64_t)(messages / L.nconns + (i < messages % L.nconns ? 1 : 0));
                if (L.acks && !(L.conns[i].sent_ns =
                                    malloc((L.conns[i].target + 1) * sizeof(*L.conns[i].sent_ns))))
                        err(1, "malloc");
        }
        if (L.acks && !(L.lat_ns = malloc(((size_t)messages + 1) * sizeof(*L.lat_ns))))
                err(1, "malloc");

        double t0 = now_s(), t_open = 0, t_idle_end = 0;
        L.t_start = t0;
        L.warm_ns = now_ns() + (unsigned long long)(warm_secs * 1e9);
        struct epoll_event evs[256];
        while (L.done < L.nconns) {
                while (L.next_to_connect < L.nconns && L.connecting < MAX_CONNECTING)
                        start_connect(&L, L.next_to_connect++);
                if (L.idle && !t_open && L.open == L.nconns) {
                        t_open = now_s();
                        printf("open %d\n", L.open);
                        fflush(stdout);
                        t_idle_end = t_open + idle_secs;
                }
                if (L.idle && t_open && now_s() >= t_idle_end) {
                        for (int i = 0; i < L.nconns; i++)
                                finish(&L, &L.conns[i]);
                        break;
                }
                if (L.rate > 0) /* top up every open connection whose output has drained */
                        for (int i = 0; i < L.nconns; i++) {
                                struct conn *cn = &L.conns[i];
                                if (cn->st == OPEN && cn->outoff == cn->outlen) {
                                        refill(&L, cn);
                                        if (cn->outoff < cn->outlen)
                                                watch(&L, cn, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
                                }
                        }
                int n = epoll_wait(L.epfd, evs, 256, L.rate > 0 ? 1 : 100);
                if (n < 0 && errno != EINTR)
                        err(1, "epoll_wait");
                for (int i = 0; i < n; i++) {
                        struct conn *cn = evs[i].data.ptr;
                        if (cn->st == DONE)
                                continue;
                        if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                                on_readable(&L, cn);
                        if (cn->st != DONE && (evs[i].events & EPOLLOUT))
                                on_writable(&L, cn);
                }
        }
        double secs = now_s() - t0;
        if (!L.idle && !L.acks)
                printf("conns=%d messages=%llu size=%zu seconds=%.3f rate=%.0f\n", L.nconns,
                       (unsigned long long)L.sent_total, L.size, secs,
                       secs > 0 ? (double)L.sent_total / secs : 0.0);
        if (L.acks) {
                /* The rate counts until the last ack: messages stored per second. */
                double asecs = L.t_last_ack - t0;
                qsort(L.lat_ns, L.nlat, sizeof(*L.lat_ns), cmp_u64);
                printf("conns=%d messages=%llu acked=%llu size=%zu seconds=%.3f rate=%.0f "
                       "ack_p50_ms=%.2f ack_p99_ms=%.2f ack_max_ms=%.2f warm_max_ms=%.2f\n",
                       L.nconns, (unsigned long long)L.sent_total, (unsigned long long)L.nacked,
                       L.size, asecs, asecs > 0 ? (double)L.nacked / asecs : 0.0,
                       pct_ms(L.lat_ns, L.nlat, 50), pct_ms(L.lat_ns, L.nlat, 99),
                       L.nlat ? (double)L.lat_ns[L.nlat - 1] / 1e6 : 0.0,
                       (double)L.warm_max_ns / 1e6);
                for (int i = 0; i < L.nconns; i++)
                        free(L.conns[i].sent_ns);
                free(L.lat_ns);
        }
        free(L.conns);
        return L.acks && L.nacked != L.sent_total ? 1 : 0;
}
