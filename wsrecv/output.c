/* output: the stdout buffer, non-blocking writes watched for POLLOUT through
 * lws, the flow control that stops reading clients while the buffer is
 * full, and the acks that follow each write. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signals.h"
#include "wsrecv.h"

int output_init(struct output *out, const struct conf *conf)
{
        memset(out, 0, sizeof(*out));
        /* Reading pauses at half of --max-buffer, so one allocation of three
         * quarters leaves room for the messages that arrive meanwhile and never
         * grows; pages the buffer never reaches cost nothing. */
        out->high = conf->max_buffer / 2;
        out->low = conf->max_buffer / 4;
        return outbuf_init(&out->ob, STDOUT_FILENO, conf->max_buffer / 4 * 3);
}

/* A pipe or socket on stdout is made non-blocking and watched through lws
 * (on a dup, which lws may close); files and terminals are written as is. */
int output_watch(struct server *srv)
{
        struct output *out = &srv->out;
        struct stat st;
        if (fstat(STDOUT_FILENO, &st) < 0)
                return -1;
        if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
                return 0;
        out->saved_flags = fcntl(STDOUT_FILENO, F_GETFL);
        int fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
        if (fd < 0 || out->saved_flags < 0)
                return -1;
        lws_sock_file_fd_type desc;
        desc.filefd = fd; /* lws now owns fd and sets it non-blocking */
        out->watch = lws_adopt_descriptor_vhost(srv->vhost, LWS_ADOPT_RAW_FILE_DESC, desc,
                                                "wsrecv-fd", NULL);
        if (!out->watch) {
                close(fd);
                return -1;
        }
        lws_rx_flow_control(out->watch, 0); /* POLLOUT only, when asked */
        out->nonblocking = true;
        return 0;
}

/* True when held bytes reached the point where reading stops. */
bool output_over(const struct output *out)
{
        return outbuf_pending(&out->ob) + out->asm_bytes >= out->high;
}

/* Stops reading s until the buffer drains. */
void output_pause(struct server *srv, struct session *s)
{
        if (s->paused)
                return;
        s->paused = true;
        lws_rx_flow_control(s->wsi, 0);
        lws_dll2_add_tail(&s->pause_link, &srv->out.paused);
}

/* Drops s from the output's lists (it is closing). */
void output_forget(struct server *srv, struct session *s)
{
        (void)srv;
        lws_dll2_remove(&s->pause_link);
        lws_dll2_remove(&s->ack_link);
        s->paused = false;
}

/* Called after a record of s was appended: remembers where it ends, so the
 * ack can follow its write. */
void output_noted(struct server *srv, struct session *s)
{
        s->last_end = srv->out.appended;
        if (!srv->conf->ack)
                return;
        if (!lws_dll2_is_detached(&s->ack_link))
                return;
        s->ck_seq = s->seq;
        s->ck_end = s->last_end;
        lws_dll2_add_tail(&s->ack_link, &srv->out.awaiting);
}

/* Acks every session whose checkpoint message has been written; a session
 * that received more moves its checkpoint to its newest message, so acks
 * keep coming during a steady stream. */
static void ack_written(struct server *srv)
{
        struct output *out = &srv->out;
        lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&out->awaiting))
        {
                struct session *s = lws_container_of(d, struct session, ack_link);
                if (s->ck_end <= out->written) {
                        s->ack_due = s->ck_seq;
                        if (s->seq > s->ck_seq && s->last_end > out->written) {
                                s->ck_seq = s->seq;
                                s->ck_end = s->last_end;
                        } else {
                                s->ack_due = s->seq;
                                lws_dll2_remove(&s->ack_link);
                        }
                        lws_callback_on_writable(s->wsi);
                }
        }
        lws_end_foreach_dll_safe(d, d1);
}

/* Resumes every paused session. */
static void resume_all(struct server *srv)
{
        lws_start_foreach_dll_safe(struct lws_dll2 *, d, d1, lws_dll2_get_head(&srv->out.paused))
        {
                struct session *s = lws_container_of(d, struct session, pause_link);
                lws_dll2_remove(&s->pause_link);
                s->paused = false;
                s->last_rx_ms = srv->now_ms;
                lws_rx_flow_control(s->wsi, 1);
        }
        lws_end_foreach_dll_safe(d, d1);
}

/* Writes what stdout takes now, then acks, resumes readers, or asks lws to
 * wake us when stdout can take more. Called once per service turn. */
void output_pump(struct server *srv)
{
        struct output *out = &srv->out;
        if (out->closed || out->error || !outbuf_pending(&out->ob))
                return;
        long w = outbuf_write_some(&out->ob);
        if (w < 0) {
                if (errno == EPIPE)
                        out->closed = true;
                else
                        out->error = errno;
                return;
        }
        out->written += (uint64_t)w;
        if (out->awaiting.count)
                ack_written(srv);
        if (out->paused.count && outbuf_pending(&out->ob) + out->asm_bytes <= out->low)
                resume_all(srv);
        if (outbuf_pending(&out->ob) && out->watch)
                lws_callback_on_writable(out->watch);
}

/* True when stdout is a pipe whose reader has exited. */
bool output_reader_gone(const struct output *out)
{
        if (!out->nonblocking)
                return false;
        struct pollfd p = {.fd = out->ob.fd, .events = 0};
        return poll(&p, 1, 0) == 1 && (p.revents & POLLERR);
}

/* Writes everything left, waiting for the reader; a second SIGINT or
 * SIGTERM gives up. Returns 0 or -1 (errno set; EINTR when given up). */
int output_finish(struct output *out)
{
        if (out->closed) {
                errno = EPIPE;
                return -1;
        }
        while (outbuf_pending(&out->ob)) {
                if (outbuf_write_some(&out->ob) < 0)
                        return -1;
                if (!outbuf_pending(&out->ob))
                        break;
                struct pollfd p = {.fd = out->ob.fd, .events = POLLOUT};
                if (poll(&p, 1, -1) < 0 && errno == EINTR && signals_stop_count() >= 2) {
                        errno = EINTR;
                        return -1;
                }
        }
        return 0;
}

void output_free(struct output *out)
{
        /* Whoever shares our stdout after us expects it blocking again. */
        if (out->nonblocking)
                fcntl(STDOUT_FILENO, F_SETFL, out->saved_flags);
        outbuf_free(&out->ob);
}
