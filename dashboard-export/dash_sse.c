/* dashboard-export/dash_sse.c: the fw:live subscriber and per-client queues.
 * Lock order: only h->lock; a client's condvar waits on it. */
#include "dash_sse.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fw_alloc.h"
#include "fw_buf.h"
#include "fw_err.h"
#include "fw_log.h"
#include "jsonl_record.h"
#include "rdx_read.h"

static const char sse_hello[] = "retry: 3000\n: finwatch live alerts\n\n";
static const char sse_ping[] = ": keepalive\n\n";

struct dash_frame {
    char *data;                 /* owned SSE frame */
    size_t len;
};

struct dash_client {
    struct dash_hub *hub;
    pthread_cond_t cond;
    struct dash_frame *q;       /* ring of queue_len frames */
    unsigned head, count;
    size_t off;                 /* bytes of the head frame already sent */
    bool hello_sent;
    bool dropped;               /* queue overflowed: end this stream */
    bool used;                  /* slot taken */
};

struct dash_hub {
    pthread_mutex_t lock;
    struct dash_client *clients;    /* max_clients slots */
    unsigned max_clients, queue_len;
    bool stopping;
    struct dash_hub_stats st;
    /* subscriber */
    pthread_t thread;
    bool thread_running;
    atomic_bool stop;
    struct rdx_sub *sub;
};

struct dash_hub *dash_hub_create(unsigned max_clients, unsigned queue_len)
{
    struct dash_hub *h = fw_calloc(1, sizeof(*h));
    unsigned i;

    if (!h)
        return NULL;
    h->max_clients = max_clients ? max_clients : DASH_SSE_CLIENTS_DEFAULT;
    h->queue_len = queue_len ? queue_len : DASH_SSE_QUEUE;
    h->clients = fw_calloc(h->max_clients, sizeof(*h->clients));
    if (!h->clients) {
        free(h);
        return NULL;
    }
    pthread_mutex_init(&h->lock, NULL);
    for (i = 0; i < h->max_clients; i++) {
        h->clients[i].hub = h;
        pthread_cond_init(&h->clients[i].cond, NULL);
    }
    atomic_init(&h->stop, false);
    return h;
}

static void client_clear(struct dash_client *c)
{
    unsigned i;

    for (i = 0; i < c->count; i++)
        free(c->q[(c->head + i) % c->hub->queue_len].data);
    free(c->q);
    c->q = NULL;
    c->head = c->count = 0;
    c->off = 0;
    c->hello_sent = c->dropped = c->used = false;
}

void dash_hub_destroy(struct dash_hub *h)
{
    unsigned i;

    if (!h)
        return;
    dash_hub_stop(h);
    for (i = 0; i < h->max_clients; i++) {
        if (h->clients[i].used)
            client_clear(&h->clients[i]);
        pthread_cond_destroy(&h->clients[i].cond);
    }
    pthread_mutex_destroy(&h->lock);
    free(h->clients);
    free(h);
}

/* ------------------------------------------------------------------ fan-out */

/* "event: alert\ndata: {...}\n\n"; line breaks inside valid JSON can only be
 * whitespace, so turning them into spaces keeps the frame one data line. */
static char *frame_make(const char *msg, size_t len, size_t *flen)
{
    static const char head[] = "event: alert\ndata: ";
    size_t hl = sizeof(head) - 1, i;
    char *f = malloc(hl + len + 3);

    if (!f)
        return NULL;
    memcpy(f, head, hl);
    for (i = 0; i < len; i++)
        f[hl + i] = (msg[i] == '\n' || msg[i] == '\r') ? ' ' : msg[i];
    memcpy(f + hl + len, "\n\n", 3);
    *flen = hl + len + 2;
    return f;
}

/* Queue one frame copy for c; a full queue drops the client. Hub lock held. */
static void client_push(struct dash_client *c, const char *frame, size_t len)
{
    struct dash_hub *h = c->hub;
    struct dash_frame *slot;

    if (c->dropped)
        return;
    if (c->count == h->queue_len) {
        c->dropped = true;
        h->st.dropped++;
        pthread_cond_signal(&c->cond);
        return;
    }
    slot = &c->q[(c->head + c->count) % h->queue_len];
    slot->data = malloc(len);
    if (!slot->data)
        return;
    memcpy(slot->data, frame, len);
    slot->len = len;
    c->count++;
    pthread_cond_signal(&c->cond);
}

void dash_hub_publish(struct dash_hub *h, const char *msg, size_t len)
{
    size_t flen;
    char *frame;
    unsigned i;

    if (len == 0 || len > DASH_SSE_MSG_MAX || !jsonl_valid_object(msg, len)) {
        pthread_mutex_lock(&h->lock);
        h->st.invalid++;
        pthread_mutex_unlock(&h->lock);
        return;
    }
    frame = frame_make(msg, len, &flen);
    if (!frame)
        return;
    pthread_mutex_lock(&h->lock);
    h->st.published++;
    for (i = 0; i < h->max_clients; i++)
        if (h->clients[i].used)
            client_push(&h->clients[i], frame, flen);
    pthread_mutex_unlock(&h->lock);
    free(frame);
}

void dash_hub_stats(struct dash_hub *h, struct dash_hub_stats *st)
{
    pthread_mutex_lock(&h->lock);
    *st = h->st;
    pthread_mutex_unlock(&h->lock);
}

/* ------------------------------------------------------------------ clients */

struct dash_client *dash_hub_join(struct dash_hub *h)
{
    struct dash_client *c = NULL;
    unsigned i;

    pthread_mutex_lock(&h->lock);
    for (i = 0; !h->stopping && i < h->max_clients; i++) {
        if (h->clients[i].used)
            continue;
        h->clients[i].q = calloc(h->queue_len, sizeof(*h->clients[i].q));
        if (h->clients[i].q) {
            c = &h->clients[i];
            c->used = true;
            h->st.clients++;
        }
        break;
    }
    if (!c)
        h->st.refused++;
    pthread_mutex_unlock(&h->lock);
    return c;
}

void dash_hub_leave(struct dash_client *c)
{
    struct dash_hub *h;

    if (!c)
        return;
    h = c->hub;
    pthread_mutex_lock(&h->lock);
    client_clear(c);
    h->st.clients--;
    pthread_mutex_unlock(&h->lock);
}

static size_t copy_out(char *buf, size_t max, const char *src, size_t len)
{
    size_t n = len < max ? len : max;

    memcpy(buf, src, n);
    return n;
}

/* Copy the head frame (or what fits of it). Hub lock held. */
static size_t client_take(struct dash_client *c, char *buf, size_t max)
{
    struct dash_frame *f = &c->q[c->head];
    size_t n = copy_out(buf, max, f->data + c->off, f->len - c->off);

    c->off += n;
    if (c->off == f->len) {
        free(f->data);
        f->data = NULL;
        c->off = 0;
        c->head = (c->head + 1) % c->hub->queue_len;
        c->count--;
    }
    return n;
}

static void deadline_after(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

ssize_t dash_client_read(struct dash_client *c, char *buf, size_t max, int wait_ms)
{
    struct dash_hub *h = c->hub;
    struct timespec until;
    ssize_t n = 0;

    pthread_mutex_lock(&h->lock);
    if (!c->hello_sent) {
        c->hello_sent = true;
        n = (ssize_t)copy_out(buf, max, sse_hello, sizeof(sse_hello) - 1);
        goto out;
    }
    deadline_after(&until, wait_ms);
    while (!h->stopping && !c->dropped && c->count == 0)
        if (pthread_cond_timedwait(&c->cond, &h->lock, &until) != 0)
            break;
    if (c->dropped)
        n = FW_EFULL;
    else if (h->stopping)
        n = 0;
    else if (c->count)
        n = (ssize_t)client_take(c, buf, max);
    else
        n = (ssize_t)copy_out(buf, max, sse_ping, sizeof(sse_ping) - 1);
out:
    pthread_mutex_unlock(&h->lock);
    return n;
}

/* --------------------------------------------------------------- subscriber */

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static void *subscriber_main(void *arg)
{
    struct dash_hub *h = arg;
    struct fw_buf msg;
    bool warned = false;
    int rc, i;

    fw_buf_init(&msg);
    while (!atomic_load(&h->stop)) {
        rc = rdx_sub_next(h->sub, &msg, 250);
        if (rc == 0) {
            warned = false;
            dash_hub_publish(h, msg.data, msg.len);
        } else if (rc == FW_ECONN) {
            if (!warned)    /* once per outage, not once per retry */
                fw_log(FW_LOG_WARN, "dashboard: live feed: %s; retrying",
                       rdx_sub_errmsg(h->sub));
            warned = true;
            for (i = 0; i < 4 && !atomic_load(&h->stop); i++)
                sleep_ms(250);
        }
    }
    fw_buf_free(&msg);
    return NULL;
}

int dash_hub_start(struct dash_hub *h, const char *url, const char *channel, char *err,
                   size_t errlen)
{
    h->sub = rdx_sub_create(url, channel, 2000000, err, errlen);
    if (!h->sub)
        return FW_EINVAL;
    if (pthread_create(&h->thread, NULL, subscriber_main, h) != 0) {
        snprintf(err, errlen, "cannot start the live feed thread");
        rdx_sub_destroy(h->sub);
        h->sub = NULL;
        return FW_EIO;
    }
    h->thread_running = true;
    return 0;
}

void dash_hub_stop(struct dash_hub *h)
{
    unsigned i;

    pthread_mutex_lock(&h->lock);
    h->stopping = true;
    for (i = 0; i < h->max_clients; i++)
        pthread_cond_signal(&h->clients[i].cond);
    pthread_mutex_unlock(&h->lock);
    atomic_store(&h->stop, true);
    if (h->thread_running) {
        pthread_join(h->thread, NULL);
        h->thread_running = false;
    }
    rdx_sub_destroy(h->sub);
    h->sub = NULL;
}
