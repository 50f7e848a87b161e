/* mockbroker: a Kafka-protocol test cluster on loopback, from librdkafka's
 * mock cluster (rdkafka_mock.h).
 *
 * usage: mockbroker [-n brokers] [-c control-fifo] [-t topic:partitions]...
 *
 * Prints the bootstrap address as its first line on stdout, then serves
 * until SIGINT or SIGTERM. Commands, one per line, are read from the
 * control FIFO and each is answered with "ok LINE" or "error LINE" on stdout:
 *   topic NAME PARTITIONS   create a topic
 *   down ID|all             take a broker down (connections are closed)
 *   up ID|all               bring it back
 *   rtt ID|all MS           add MS of round-trip time to a broker
 *   errors API ERR COUNT    answer the next COUNT requests of API key API (0 is
 *                           Produce) with error code ERR, on any broker */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
        (void)sig;
        stop = 1;
}

/* Creates "name:partitions" (partitions default 1). */
static int create_topic(rd_kafka_mock_cluster_t *mc, const char *spec)
{
        char name[256];
        int parts = 1;
        const char *colon = strrchr(spec, ':');
        size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
        if (n == 0 || n >= sizeof(name))
                return -1;
        memcpy(name, spec, n);
        name[n] = '\0';
        if (colon && (parts = atoi(colon + 1)) <= 0)
                return -1;
        return rd_kafka_mock_topic_create(mc, name, parts, 1) ? -1 : 0;
}

/* Applies fn to broker id, or to every broker for "all". */
static int each_broker(rd_kafka_mock_cluster_t *mc, int nbrokers, const char *id,
                       rd_kafka_resp_err_t (*fn)(rd_kafka_mock_cluster_t *, int32_t))
{
        if (strcmp(id, "all") == 0) {
                for (int i = 1; i <= nbrokers; i++)
                        if (fn(mc, i))
                                return -1;
                return 0;
        }
        int b = atoi(id);
        if (b < 1 || b > nbrokers)
                return -1;
        return fn(mc, b) ? -1 : 0;
}

static int run_command(rd_kafka_mock_cluster_t *mc, int nbrokers, char *line)
{
        char *argv[5] = {0};
        int argc = 0;
        for (char *tok = strtok(line, " \t"); tok && argc < 5; tok = strtok(NULL, " \t"))
                argv[argc++] = tok;
        if (argc == 3 && strcmp(argv[0], "topic") == 0) {
                char spec[300];
                snprintf(spec, sizeof(spec), "%s:%s", argv[1], argv[2]);
                return create_topic(mc, spec);
        }
        if (argc == 2 && strcmp(argv[0], "down") == 0)
                return each_broker(mc, nbrokers, argv[1], rd_kafka_mock_broker_set_down);
        if (argc == 2 && strcmp(argv[0], "up") == 0)
                return each_broker(mc, nbrokers, argv[1], rd_kafka_mock_broker_set_up);
        if (argc == 3 && strcmp(argv[0], "rtt") == 0) {
                int ms = atoi(argv[2]);
                int lo = 1, hi = nbrokers;
                if (strcmp(argv[1], "all") != 0)
                        lo = hi = atoi(argv[1]);
                if (lo < 1 || hi > nbrokers || ms < 0)
                        return -1;
                for (int b = lo; b <= hi; b++)
                        if (rd_kafka_mock_broker_set_rtt(mc, b, ms))
                                return -1;
                return 0;
        }
        if (argc == 4 && strcmp(argv[0], "errors") == 0) {
                int api = atoi(argv[1]), code = atoi(argv[2]), cnt = atoi(argv[3]);
                if (api < 0 || code <= 0 || cnt < 1)
                        return -1;
                for (int i = 0; i < cnt; i++)
                        rd_kafka_mock_push_request_errors(mc, (int16_t)api, 1,
                                                          (rd_kafka_resp_err_t)code);
                return 0;
        }
        return -1;
}

int main(int argc, char **argv)
{
        int nbrokers = 1, opt;
        const char *control = NULL;
        while ((opt = getopt(argc, argv, "n:c:t:")) != -1) {
                if (opt == 'n')
                        nbrokers = atoi(optarg);
                else if (opt == 'c')
                        control = optarg;
                else if (opt != 't')
                        goto usage;
        }
        if (nbrokers < 1 || optind != argc)
                goto usage;

        struct sigaction sa = {0};
        sa.sa_handler = on_stop;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "0", errstr, sizeof(errstr));
        /* conf is owned by rk from here on. */
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mockbroker: %s\n", errstr);
                return 1;
        }
        rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, nbrokers);
        if (!mc) {
                fprintf(stderr, "mockbroker: cannot create the mock cluster\n");
                rd_kafka_destroy(rk);
                return 1;
        }
        optind = 1;
        while ((opt = getopt(argc, argv, "n:c:t:")) != -1) {
                if (opt == 't' && create_topic(mc, optarg) < 0) {
                        fprintf(stderr, "mockbroker: bad topic \"%s\"\n", optarg);
                        goto fail;
                }
        }

        int fd = -1;
        /* O_RDWR keeps the FIFO open for writing too, so it never reads EOF. */
        if (control && (fd = open(control, O_RDWR | O_NONBLOCK)) < 0) {
                fprintf(stderr, "mockbroker: %s: %s\n", control, strerror(errno));
                goto fail;
        }
        printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
        fflush(stdout);

        char buf[4096];
        size_t have = 0;
        while (!stop) {
                struct pollfd pfd = {.fd = fd, .events = POLLIN};
                if (poll(&pfd, fd >= 0 ? 1 : 0, 200) <= 0)
                        continue;
                ssize_t r = read(fd, buf + have, sizeof(buf) - 1 - have);
                if (r <= 0)
                        continue;
                have += (size_t)r;
                char *nl;
                while ((nl = memchr(buf, '\n', have))) {
                        *nl = '\0';
                        char line[4096], copy[4096];
                        snprintf(line, sizeof(line), "%s", buf);
                        snprintf(copy, sizeof(copy), "%s", buf);
                        int rc = run_command(mc, nbrokers, copy);
                        printf("%s %s\n", rc ? "error" : "ok", line);
                        fflush(stdout);
                        have -= (size_t)(nl + 1 - buf);
                        memmove(buf, nl + 1, have);
                }
                if (have == sizeof(buf) - 1)
                        have = 0; /* an absurdly long line: drop it */
        }
        if (fd >= 0)
                close(fd);
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 0;
fail:
        rd_kafka_mock_cluster_destroy(mc);
        rd_kafka_destroy(rk);
        return 1;
usage:
        fprintf(stderr,
                "usage: mockbroker [-n brokers] [-c control-fifo] [-t topic:partitions]...\n");
        return 2;
}
