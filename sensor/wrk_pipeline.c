/* sensor/wrk_pipeline.c: threads and rings of the running sensor.
 *
 * See wrk_pipeline.h for the picture. Ownership: the capture thread owns the
 * capture source and the decoder; each worker thread owns its wrk_worker; the
 * analyzer thread owns the anz_engine and the current rule set; the exporter
 * thread owns rdx_export. They share only the rings and the stats snapshots,
 * which are copied under a mutex at most a few times a second (never per
 * packet).
 */
#include "wrk_pipeline.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "anz_engine.h"
#include "cap_source.h"
#include "flow_table.h"
#include "fw_alloc.h"
#include "fw_buf.h"
#include "fw_err.h"
#include "fw_log.h"
#include "fw_ring.h"
#include "fw_time.h"
#include "pkt_decode.h"
#include "rdx_export.h"
#include "rule_set.h"
#include "wrk_watch.h"
#include "wrk_worker.h"

#define PKT_RING_BYTES (4u << 20)      /* per worker: capture -> worker */
#define EVT_RING_BYTES (16u << 20)      /* per worker: worker -> analyzer */
#define EXP_RING_BYTES (16u << 20)      /* analyzer -> exporter */
#define TICK_US FW_USEC_PER_SEC         /* packet-time tick: expiry, windows */
#define EVT_EOF_LEN 1                   /* a one-byte record ends a worker's stream */
#define EVT_MARK_LEN 9                  /* 0xfe + packet time: "nothing older will follow" */
#define MERGE_WAIT_US 5000              /* longest wait for a silent worker (live links) */
#define RING_BATCH 32                   /* packets per ring commit */
#define RING_NAP_US 200                 /* capture thread's nap while a ring drains */

enum pipe_msg_kind {
    PIPE_MSG_PKT = 0,
    PIPE_MSG_TICK,
    PIPE_MSG_EOF,
};

/* capture -> worker record; for PIPE_MSG_PKT the IP packet bytes follow. */
struct pipe_msg {
    uint32_t kind;
    uint32_t ip_len;
    uint64_t ts_us;
    uint32_t flow_hash;                 /* flow_table_hash(&pkt): sharded by it, reused */
    struct pkt pkt;                     /* pkt.ip is rebased by the worker */
};

enum exp_msg_kind {
    EXP_MSG_FLOW = 0,
    EXP_MSG_ALERT,
    EXP_MSG_EOF,
};

struct exp_msg {
    uint32_t kind;
    uint32_t pad;
    union {
        struct flow_rec flow;
        struct anz_alert alert;
    } u;
};

struct pipeline;

struct worker_slot {
    struct pipeline *pl;
    unsigned index;
    pthread_t th;
    bool started;
    struct fw_ring *in;                 /* from the capture thread */
    struct fw_ring *out;                /* to the analyzer thread */
    struct wrk_worker *w;
    pthread_mutex_t mu;                 /* guards snap */
    struct wrk_stats snap;
    bool eof_seen;                      /* analyzer side: worker finished */
    bool start_failed;                  /* worker side: no nDPI module (read after join) */
    uint64_t seen_ts;                   /* analyzer side: newest time read from this worker */
    unsigned unpublished;               /* capture side: packets reserved, not committed */
};

struct pipeline {
    const struct fw_config *cfg;
    const struct wrk_pipeline_opts *o;
    unsigned nworkers;
    struct worker_slot *slots;
    struct cap_source *src;
    struct pkt_decoder *dec;
    struct fw_ring *xring;
    struct anz_engine *anz;
    struct rule_set *rules;
    struct rdx_export *rdx;
    struct wrk_watch *watch;
    pthread_t anz_th, exp_th;
    bool anz_started, exp_started;
    _Atomic uint64_t alerts;
    _Atomic uint64_t flows_ended;
    _Atomic uint64_t ring_drops;
    uint64_t start_mono;
    bool live;                          /* reading an interface, not files */
    pthread_mutex_t mu;                 /* guards the snapshots below */
    struct pkt_stats pkt_snap;
    struct cap_stats cap_snap;
    struct anz_stats anz_snap;
    char ruleset_hash[80];
    struct fw_buf rules_json;           /* per-rule counters, rendered by the analyzer */
    /* exporter thread only: its copies of the two above for the heartbeat */
    char exp_hash[80];
    struct fw_buf exp_rules;
};

/* GLOBAL: set by signal handlers only. */
static volatile sig_atomic_t pipe_stop;
static volatile sig_atomic_t pipe_reload;

static void on_stop(int sig)
{
    (void)sig;
    pipe_stop = 1;
}

static void on_hup(int sig)
{
    (void)sig;
    pipe_reload = 1;
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static void nap_us(long us)
{
    struct timespec ts = {0, us * 1000};

    nanosleep(&ts, NULL);
}

/* Consumers that find their ring empty first yield the core a few times (the
 * producer is usually mid-packet: the next record is a microsecond away, while
 * the shortest nanosleep costs 50-80 us of timer slack), then sleep a little
 * longer each time, up to 1 ms, so an idle sensor costs almost no CPU. Yielding
 * rather than spinning matters on 2 cores shared by 4 threads. Reset as soon as
 * there is work. */
#define IDLE_YIELDS 16

struct idle_backoff {
    unsigned yields;
    long us;
};

static void idle_wait(struct idle_backoff *b)
{
    if (b->yields < IDLE_YIELDS) {
        b->yields++;
        sched_yield();
        return;
    }
    b->us = b->us ? (b->us * 2 < 1000 ? b->us * 2 : 1000) : 20;
    nap_us(b->us);
}

static void idle_reset(struct idle_backoff *b)
{
    b->yields = 0;
    b->us = 0;
}

/* ---------------------------------------------------------------- workers */

/* Worker -> analyzer wire format of an event. struct flow_evt is ~7 KB: the
 * DNS message has fixed arrays of questions and answers, and the record has
 * room for a DNS name and HTTP, TLS, SSH and FIX metadata (1.4 KB) that most
 * flows never fill. Each event went over as at least 1.7 KB, copied by one
 * core and read by the other; a record carries only what is filled in:
 *   the event up to .dns (EVT_HEAD bytes) without the optional parts of the
 *   record (evt_opt) that are all zero;
 *   DNS events: the DNS header fields, n_questions questions, n_answers
 *   answers, msg_len, dns_from_src;
 *   last byte: which optional parts follow (bit i = evt_opt[i]).
 * The first byte is the event type, which marks and the EOF (0xfe, 0xff)
 * never are. evt_decode() rebuilds exactly the struct the worker had. */
#define EVT_HEAD offsetof(struct flow_evt, dns)
#define DNS_HEAD offsetof(struct meta_dns_msg, questions)
#define DNS_Q sizeof(struct meta_dns_question)
#define DNS_A sizeof(struct meta_dns_answer)
#define EVT_OPT(field) {offsetof(struct flow_evt, rec.field), sizeof(((struct flow_rec *)0)->field)}

static const struct {
    size_t off, len;
} evt_opt[] = {EVT_OPT(dns_qname), EVT_OPT(http), EVT_OPT(tls), EVT_OPT(ssh), EVT_OPT(fix)};

#define EVT_NOPT (sizeof(evt_opt) / sizeof(evt_opt[0]))

static bool mem_is_zero(const uint8_t *p, size_t n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Which optional parts of evt's record hold anything. */
static unsigned evt_opt_mask(const struct flow_evt *evt)
{
    const uint8_t *base = (const uint8_t *)evt;
    unsigned i, mask = 0;

    for (i = 0; i < EVT_NOPT; i++)
        if (!mem_is_zero(base + evt_opt[i].off, evt_opt[i].len))
            mask |= 1u << i;
    return mask;
}

static size_t evt_head_len(unsigned mask)
{
    size_t n = EVT_HEAD;
    unsigned i;

    for (i = 0; i < EVT_NOPT; i++)
        if (!(mask & (1u << i)))
            n -= evt_opt[i].len;
    return n;
}

static size_t evt_dns_len(size_t nq, size_t na)
{
    return DNS_HEAD + nq * DNS_Q + na * DNS_A + sizeof(((struct meta_dns_msg *)0)->msg_len) + 1;
}

static size_t evt_wire_len(const struct flow_evt *evt, unsigned mask)
{
    size_t n = evt_head_len(mask) + 1;

    if (evt->type == FLOW_EVT_DNS)
        n += evt_dns_len(evt->dns.n_questions, evt->dns.n_answers);
    return n;
}

static void evt_encode(const struct flow_evt *evt, unsigned mask, uint8_t *dst)
{
    const uint8_t *base = (const uint8_t *)evt;
    const struct meta_dns_msg *m = &evt->dns;
    size_t nq = m->n_questions * DNS_Q, na = m->n_answers * DNS_A, pos = 0;
    unsigned i;

    for (i = 0; i < EVT_NOPT; i++) {
        size_t end = mask & (1u << i) ? evt_opt[i].off + evt_opt[i].len : evt_opt[i].off;

        memcpy(dst, base + pos, end - pos);
        dst += end - pos;
        pos = evt_opt[i].off + evt_opt[i].len;
    }
    memcpy(dst, base + pos, EVT_HEAD - pos);
    dst += EVT_HEAD - pos;
    if (evt->type == FLOW_EVT_DNS) {
        memcpy(dst, m, DNS_HEAD);
        memcpy(dst + DNS_HEAD, m->questions, nq);
        memcpy(dst + DNS_HEAD + nq, m->answers, na);
        memcpy(dst + DNS_HEAD + nq + na, &m->msg_len, sizeof(m->msg_len));
        dst[DNS_HEAD + nq + na + sizeof(m->msg_len)] = evt->dns_from_src;
        dst += evt_dns_len(m->n_questions, m->n_answers);
    }
    *dst = (uint8_t)mask;
}

/* Decoder state: which optional parts of the record and how many DNS
 * question/answer slots of evt hold data of an earlier event and must be
 * cleared (clearing all 7 KB per event was the analyzer's biggest cost). */
struct evt_dirty {
    unsigned nq, na;
    unsigned opt;
};

/* The head of an event (without its absent optional parts) into evt; the
 * parts absent now but filled by an earlier event are cleared. */
static void evt_decode_head(const uint8_t *src, unsigned mask, struct flow_evt *evt,
                            struct evt_dirty *d)
{
    uint8_t *base = (uint8_t *)evt;
    size_t pos = 0;
    unsigned i;

    for (i = 0; i < EVT_NOPT; i++) {
        bool has = mask & (1u << i);
        size_t end = has ? evt_opt[i].off + evt_opt[i].len : evt_opt[i].off;

        memcpy(base + pos, src, end - pos);
        src += end - pos;
        if (!has && (d->opt & (1u << i)))
            memset(base + evt_opt[i].off, 0, evt_opt[i].len);
        pos = evt_opt[i].off + evt_opt[i].len;
    }
    memcpy(base + pos, src, EVT_HEAD - pos);
    d->opt = mask;
}

static bool evt_decode(const uint8_t *src, size_t len, struct flow_evt *evt,
                       struct evt_dirty *d)
{
    struct meta_dns_msg *m = &evt->dns;
    size_t nq = 0, na = 0, head;
    unsigned mask;

    if (len < 1)
        return false;
    mask = src[len - 1];
    head = evt_head_len(mask);
    if (mask >> EVT_NOPT || len < head + 1)
        return false;
    evt_decode_head(src, mask, evt, d);
    if (evt->type == FLOW_EVT_DNS && len >= head + 1 + DNS_HEAD) {
        memcpy(m, src + head, DNS_HEAD);
        nq = m->n_questions <= META_DNS_MAX_QUESTIONS ? m->n_questions : 0;
        na = m->n_answers <= META_DNS_MAX_ANSWERS ? m->n_answers : 0;
        if (len != head + evt_dns_len(nq, na) + 1)
            return false;
        src += head + DNS_HEAD;
        memcpy(m->questions, src, nq * DNS_Q);
        memcpy(m->answers, src + nq * DNS_Q, na * DNS_A);
        memcpy(&m->msg_len, src + nq * DNS_Q + na * DNS_A, sizeof(m->msg_len));
        evt->dns_from_src = src[nq * DNS_Q + na * DNS_A + sizeof(m->msg_len)] != 0;
    } else {
        if (len != head + 1)
            return false;
        memset(m, 0, DNS_HEAD);
        m->msg_len = 0;
        evt->dns_from_src = false;
    }
    if (d->nq > nq)
        memset(&m->questions[nq], 0, (d->nq - nq) * DNS_Q);
    if (d->na > na)
        memset(&m->answers[na], 0, (d->na - na) * DNS_A);
    d->nq = (unsigned)nq;
    d->na = (unsigned)na;
    return true;
}

/* Worker -> analyzer: encode the event into the ring, waiting while it is full. */
static void worker_emit(void *ctx, const struct flow_evt *evt)
{
    struct worker_slot *s = ctx;
    unsigned mask = evt_opt_mask(evt);
    size_t len = evt_wire_len(evt, mask);
    void *dst;

    while (!(dst = fw_ring_reserve(s->out, len)))
        nap_us(50);
    evt_encode(evt, mask, dst);
    fw_ring_commit(s->out);
}

static void worker_publish(struct worker_slot *s)
{
    struct wrk_stats st;

    wrk_worker_stats(s->w, &st);
    pthread_mutex_lock(&s->mu);
    s->snap = st;
    pthread_mutex_unlock(&s->mu);
}

/* After each packet-time tick: the analyzer may now order the other workers'
 * events up to ts even if this worker has none (see analyzer_next). */
static void worker_send_mark(struct worker_slot *s, uint64_t ts_us)
{
    uint8_t *dst;

    while (!(dst = fw_ring_reserve(s->out, EVT_MARK_LEN)))
        nap_us(50);
    dst[0] = 0xfe;
    memcpy(dst + 1, &ts_us, sizeof(ts_us));
    fw_ring_commit(s->out);
}

static void worker_send_eof(struct worker_slot *s)
{
    uint8_t *dst;

    while (!(dst = fw_ring_reserve(s->out, EVT_EOF_LEN)))
        nap_us(50);
    dst[0] = 0xff;
    fw_ring_commit(s->out);
}

/* The worker's own thread builds its nDPI module (overlapping the capture
 * thread's first reads) and tears everything down after its EOF (in parallel
 * with the other workers and while the analyzer drains). Without a module it
 * still consumes its ring to the EOF, so the capture thread never blocks. */
static void *worker_main(void *arg)
{
    struct worker_slot *s = arg;
    uint64_t last_ts = 0, n = 0;
    struct idle_backoff idle = {0};

    if (wrk_worker_start(s->w) != 0) {
        fw_log(FW_LOG_ERR, "worker %u: cannot create the nDPI module", s->index);
        s->start_failed = true;
    }
    for (;;) {
        const struct pipe_msg *m;
        size_t len;

        m = fw_ring_peek(s->in, &len);
        if (!m) {
            idle_wait(&idle);
            continue;
        }
        idle_reset(&idle);
        if (m->kind == PIPE_MSG_EOF) {
            fw_ring_release(s->in);
            break;
        }
        if (s->start_failed) {
            /* dropped: the run fails at the end */
        } else if (m->kind == PIPE_MSG_PKT) {
            struct pkt p = m->pkt;

            p.ip = (const uint8_t *)(m + 1);
            p.ip_len = m->ip_len;
            wrk_worker_packet_hashed(s->w, &p, m->flow_hash);
        } else {
            wrk_worker_expire(s->w, m->ts_us);
        }
        if (m->kind == PIPE_MSG_TICK)
            worker_send_mark(s, m->ts_us);
        last_ts = m->ts_us > last_ts ? m->ts_us : last_ts;
        fw_ring_release(s->in);
        if ((++n & 4095) == 0)
            worker_publish(s);
    }
    if (!s->start_failed)
        wrk_worker_flush(s->w, last_ts);
    worker_publish(s);
    worker_send_eof(s);
    wrk_worker_destroy(s->w);
    s->w = NULL;                        /* teardown skips it; join orders this */
    return NULL;
}

/* ---------------------------------------------------------------- analyzer */

static void exp_push(struct pipeline *pl, uint32_t kind, const void *body, size_t blen)
{
    struct exp_msg *m;
    size_t len = offsetof(struct exp_msg, u) + blen;

    while (!(m = fw_ring_reserve(pl->xring, len)))
        nap_us(50);
    m->kind = kind;
    m->pad = 0;
    if (blen)
        memcpy(&m->u, body, blen);
    fw_ring_commit(pl->xring);
}

static void on_alert(void *ctx, const struct anz_alert *a)
{
    struct pipeline *pl = ctx;

    if (a->shadow)
        return;     /* counted by the engine; shadow rules never reach outputs */
    atomic_fetch_add_explicit(&pl->alerts, 1, memory_order_relaxed);
    exp_push(pl, EXP_MSG_ALERT, a, sizeof(*a));
}

static void rules_reload(struct pipeline *pl, const char *why)
{
    struct rule_diags d;
    struct rule_set *rs;

    rule_diags_init(&d);
    rs = rule_set_load((const char *const *)pl->cfg->rule_paths, pl->cfg->nrule_paths,
                       fw_time_now_us(), &d);
    if (!rs) {
        size_t i;

        fw_log(FW_LOG_ERR, "rule reload (%s) failed; keeping the running rules (%s)", why,
               pl->ruleset_hash);
        for (i = 0; i < d.n; i++)
            fw_log(FW_LOG_ERR, "%s:%u:%u: %s: %s [%s]", d.v[i].file, d.v[i].line, d.v[i].col,
                   d.v[i].level == RULE_DIAG_ERROR ? "error" : "warning", d.v[i].msg,
                   d.v[i].code);
        rule_diags_free(&d);
        return;
    }
    anz_engine_set_rules(pl->anz, rs);
    rule_set_free(pl->rules);
    pl->rules = rs;
    pthread_mutex_lock(&pl->mu);
    snprintf(pl->ruleset_hash, sizeof(pl->ruleset_hash), "%s", rule_set_hash(rs));
    pthread_mutex_unlock(&pl->mu);
    fw_log(FW_LOG_WARN, "rules reloaded (%s): %zu rules, set %s, %zu warnings", why,
           rule_set_count(rs), pl->ruleset_hash, d.warnings);
    rule_diags_free(&d);
}

/* Drain up to max events of one worker; returns how many were handled. */
/* Events reach the analyzer in packet-time order across workers: flows are
 * sharded by 5-tuple, but a beacon's or a scan's flows land on different
 * workers, and detectors and rule windows read time from the events. Each
 * worker's own stream is in time order, so a merge of the heads suffices: take
 * the oldest head, but only once every other worker has shown it is at least
 * that far (a head, or a time mark sent after each tick). Control records
 * (marks, EOF) are consumed as they come. Waiting is bounded: when a worker's
 * ring passes half full (its worker would soon block, and with it the capture
 * thread that feeds the silent one) or, live only, a silent worker stays
 * silent for MERGE_WAIT_US of wall time (a link with no traffic on its shard;
 * a file is never waited on by the clock, so its order does not depend on how
 * the threads were scheduled), the oldest available head goes first. Ties go to the lower worker index, so an
 * offline run orders the same way every time. */
static void analyzer_control(struct worker_slot *s, const uint8_t *p, size_t len)
{
    uint64_t ts;

    if (len == EVT_EOF_LEN) {
        s->eof_seen = true;
    } else {
        memcpy(&ts, p + 1, sizeof(ts));
        if (ts > s->seen_ts)
            s->seen_ts = ts;
    }
}

/* The slot whose head event goes next, or NULL to wait (*silent set when
 * some worker was the reason). */
static struct worker_slot *analyzer_next(struct pipeline *pl, bool force, bool *silent)
{
    struct worker_slot *best = NULL;
    uint64_t best_ts = UINT64_MAX, floor = UINT64_MAX;
    unsigned i;

    *silent = false;
    for (i = 0; i < pl->nworkers; i++) {
        struct worker_slot *s = &pl->slots[i];
        const uint8_t *p = NULL;
        size_t len;
        uint64_t ts;

        while (!s->eof_seen && (p = fw_ring_peek(s->out, &len)) &&
               (len == EVT_EOF_LEN || len == EVT_MARK_LEN)) {
            analyzer_control(s, p, len);
            fw_ring_release(s->out);
        }
        if (s->eof_seen)
            continue;
        if (!p) {
            floor = s->seen_ts < floor ? s->seen_ts : floor;
            continue;
        }
        memcpy(&ts, p + offsetof(struct flow_evt, ts_us), sizeof(ts));
        if (ts < best_ts || !best) {
            best = s, best_ts = ts;
        }
        if (fw_ring_used(s->out) > fw_ring_capacity(s->out) / 2)
            force = true;
    }
    if (best && best_ts > floor && !force) {
        *silent = true;
        return NULL;
    }
    return best;
}

/* Up to max events in merged order; returns how many were handled. */
static unsigned analyzer_merge(struct pipeline *pl, unsigned max, uint64_t *max_ts,
                               uint64_t *wait_since)
{
    static _Thread_local struct flow_evt evt;     /* zero at start: see evt_dirty */
    static _Thread_local struct evt_dirty dirty;
    unsigned n = 0;

    while (n < max) {
        bool force = *wait_since && fw_time_mono_us() - *wait_since >= MERGE_WAIT_US, silent;
        struct worker_slot *s = analyzer_next(pl, force, &silent);
        const void *p;
        size_t len;

        if (!s) {
            if (silent && !*wait_since && pl->live)
                *wait_since = fw_time_mono_us();
            break;
        }
        *wait_since = 0;
        p = fw_ring_peek(s->out, &len);
        if (evt_decode(p, len, &evt, &dirty)) {
            if (evt.ts_us > *max_ts)
                *max_ts = evt.ts_us;
            if (evt.ts_us > s->seen_ts)
                s->seen_ts = evt.ts_us;
            anz_engine_event(pl->anz, &evt);
            if (evt.type == FLOW_EVT_END) {
                atomic_fetch_add_explicit(&pl->flows_ended, 1, memory_order_relaxed);
                /* Only the JSON lines file consumes flow records: without one,
                 * skip the 1 KB copy and the exporter's wake-up. */
                if (pl->cfg->flows_path[0])
                    exp_push(pl, EXP_MSG_FLOW, &evt.rec, sizeof(evt.rec));
            }
        }
        fw_ring_release(s->out);
        n++;
    }
    return n;
}

static void rules_snapshot(struct pipeline *pl)
{
    struct fw_buf b;
    size_t i, n = rule_set_count(pl->rules);

    fw_buf_init(&b);
    fw_buf_putc(&b, '{');
    for (i = 0; i < n; i++) {
        struct rule_counters c;
        const struct rule_meta *m = rule_set_nth(pl->rules, i, &c);

        if (!m)
            continue;
        fw_buf_json_key(&b, m->id);
        fw_buf_putc(&b, '{');
        fw_buf_json_kv_u64(&b, "evaluations", c.evaluations);
        fw_buf_json_kv_u64(&b, "matches", c.matches);
        fw_buf_json_kv_u64(&b, "alerts", c.alerts);
        fw_buf_json_kv_u64(&b, "suppressed", c.suppressed);
        fw_buf_json_kv_u64(&b, "shadow_hits", c.shadow_hits);
        fw_buf_putc(&b, '}');
    }
    fw_buf_putc(&b, '}');
    pthread_mutex_lock(&pl->mu);
    fw_buf_free(&pl->rules_json);
    pl->rules_json = b;
    pthread_mutex_unlock(&pl->mu);
}

static void analyzer_housekeeping(struct pipeline *pl, uint64_t max_ts, uint64_t *last_tick,
                                  uint64_t *last_watch)
{
    uint64_t mono = fw_time_mono_us();

    if (max_ts >= *last_tick + TICK_US) {
        anz_engine_tick(pl->anz, max_ts);
        *last_tick = max_ts;
        pthread_mutex_lock(&pl->mu);
        anz_engine_stats(pl->anz, &pl->anz_snap);
        pthread_mutex_unlock(&pl->mu);
        rules_snapshot(pl);
    }
    if (pipe_reload) {
        pipe_reload = 0;
        rules_reload(pl, "SIGHUP");
    }
    if (pl->watch && mono >= *last_watch + 2 * FW_USEC_PER_SEC) {
        *last_watch = mono;
        if (wrk_watch_changed(pl->watch))
            rules_reload(pl, "rule files changed");
    }
}

static void *analyzer_main(void *arg)
{
    struct pipeline *pl = arg;
    uint64_t max_ts = 0, last_tick = 0, last_watch = fw_time_mono_us(), wait_since = 0;
    unsigned done = 0, i;
    struct idle_backoff idle = {0};

    while (done < pl->nworkers) {
        unsigned n = analyzer_merge(pl, 512, &max_ts, &wait_since);

        done = 0;
        for (i = 0; i < pl->nworkers; i++)
            done += pl->slots[i].eof_seen;
        if (last_tick == 0)
            last_tick = max_ts;
        analyzer_housekeeping(pl, max_ts, &last_tick, &last_watch);
        if (n)
            idle_reset(&idle);
        else
            idle_wait(&idle);
    }
    anz_engine_tick(pl->anz, max_ts);
    pthread_mutex_lock(&pl->mu);
    anz_engine_stats(pl->anz, &pl->anz_snap);
    pthread_mutex_unlock(&pl->mu);
    rules_snapshot(pl);
    exp_push(pl, EXP_MSG_EOF, NULL, 0);
    return NULL;
}

/* ---------------------------------------------------------------- exporter */

static void pipeline_totals(struct pipeline *pl, struct wrk_stats *w, struct pkt_stats *p,
                            struct cap_stats *c, struct anz_stats *a)
{
    unsigned i;

    memset(w, 0, sizeof(*w));
    for (i = 0; i < pl->nworkers; i++) {
        struct worker_slot *s = &pl->slots[i];

        pthread_mutex_lock(&s->mu);
        w->packets += s->snap.packets;
        w->bytes += s->snap.bytes;
        w->flows_created += s->snap.flows_created;
        w->flows_active += s->snap.flows_active;
        w->flows_ended += s->snap.flows_ended;
        w->flows_evicted += s->snap.flows_evicted;
        w->flows_classified += s->snap.flows_classified;
        w->flows_giveup += s->snap.flows_giveup;
        w->ndpi_bytes += s->snap.ndpi_bytes;
        w->dns_messages += s->snap.dns_messages;
        w->dns_errors += s->snap.dns_errors;
        w->flow_mem_bytes += s->snap.flow_mem_bytes;
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_lock(&pl->mu);
    *p = pl->pkt_snap;
    *c = pl->cap_snap;
    *a = pl->anz_snap;
    pthread_mutex_unlock(&pl->mu);
}

static void status_counters(struct pipeline *pl, const struct wrk_stats *w,
                            const struct pkt_stats *p, const struct cap_stats *c,
                            const struct anz_stats *a, char *buf, size_t len)
{
    snprintf(buf, len,
             "{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"decode_ok\":%" PRIu64
             ",\"truncated\":%" PRIu64 ",\"malformed\":%" PRIu64 ",\"unsupported\":%" PRIu64
             ",\"too_many_layers\":%" PRIu64 ",\"frag_reassembled\":%" PRIu64
             ",\"frag_timeouts\":%" PRIu64 ",\"frag_evicted\":%" PRIu64
             ",\"kernel_dropped\":%" PRIu64 ",\"ring_dropped\":%" PRIu64
             ",\"flows_active\":%" PRIu64 ",\"flows_created\":%" PRIu64
             ",\"flows_evicted\":%" PRIu64 ",\"flows_classified\":%" PRIu64
             ",\"flows_giveup\":%" PRIu64 ",\"dns_messages\":%" PRIu64
             ",\"hosts_active\":%" PRIu64 ",\"hosts_evicted\":%" PRIu64
             ",\"alerts\":%" PRIu64 ",\"alerts_shadow\":%" PRIu64 "}",
             p->packets, p->bytes, p->ok, p->truncated, p->malformed, p->unsupported,
             p->too_many_layers, p->frag_reassembled, p->frag_timeouts, p->frag_evicted,
             c->kernel_dropped, atomic_load(&pl->ring_drops), w->flows_active,
             w->flows_created, w->flows_evicted, w->flows_classified, w->flows_giveup,
             w->dns_messages, a->hosts_active, a->hosts_evicted,
             atomic_load(&pl->alerts), a->alerts_shadow);
}

static void exporter_status(struct pipeline *pl, struct rdx_sensor_status *st)
{
    struct wrk_stats w;
    struct pkt_stats p;
    struct cap_stats c;
    struct anz_stats a;
    double secs = (double)(fw_time_mono_us() - pl->start_mono) / 1e6;

    pipeline_totals(pl, &w, &p, &c, &a);
    pthread_mutex_lock(&pl->mu);
    memcpy(pl->exp_hash, pl->ruleset_hash, sizeof(pl->exp_hash));
    fw_buf_reset(&pl->exp_rules);
    if (pl->rules_json.len)
        fw_buf_append(&pl->exp_rules, pl->rules_json.data, pl->rules_json.len);
    pthread_mutex_unlock(&pl->mu);
    memset(st, 0, sizeof(*st));
    st->uptime_s = (uint64_t)secs;
    st->packets = p.packets;
    st->bytes = p.bytes;
    st->pps = secs > 0 ? (double)p.packets / secs : 0;
    st->bps = secs > 0 ? (double)p.bytes * 8 / secs : 0;
    st->drops = c.kernel_dropped + atomic_load(&pl->ring_drops);
    st->flows_active = w.flows_active;
    st->flows_total = w.flows_created;
    st->alerts = atomic_load(&pl->alerts);
    st->ruleset_hash = pl->exp_hash;
    st->rules_json = pl->exp_rules.data;
    status_counters(pl, &w, &p, &c, &a, st->counters_json, sizeof(st->counters_json));
}

static void exporter_tick(struct pipeline *pl, uint64_t *last)
{
    struct rdx_sensor_status st;
    uint64_t mono = fw_time_mono_us();

    if (mono < *last + 100000)
        return;
    *last = mono;
    exporter_status(pl, &st);
    rdx_export_tick(pl->rdx, fw_time_now_us(), &st);
}

static void *exporter_main(void *arg)
{
    struct pipeline *pl = arg;
    uint64_t last = 0;
    bool eof = false;
    struct idle_backoff idle = {0};

    while (!eof) {
        const struct exp_msg *m;
        size_t len;

        exporter_tick(pl, &last);
        m = fw_ring_peek(pl->xring, &len);
        if (!m) {
            idle_wait(&idle);
            continue;
        }
        idle_reset(&idle);
        if (m->kind == EXP_MSG_FLOW)
            rdx_export_flow(pl->rdx, &m->u.flow);
        else if (m->kind == EXP_MSG_ALERT)
            rdx_export_alert(pl->rdx, &m->u.alert);
        else
            eof = true;
        fw_ring_release(pl->xring);
    }
    rdx_export_flush(pl->rdx, 5 * FW_USEC_PER_SEC);
    last = 0;
    exporter_tick(pl, &last);
    return NULL;
}

/* ---------------------------------------------------------------- capture */

/* A file is read faster than a worker classifies it, so the capture thread
 * finds the ring full about half of the time. Waking up as soon as one record
 * fitted meant a sleep and a wake-up every ~200 packets, and more context
 * switches than packets batches; it now sleeps until the worker has emptied
 * half the ring (~4 000 packets, over a millisecond of its work, so it does not
 * run dry meanwhile). */
static void ring_wait_half(const struct fw_ring *r)
{
    do {
        nap_us(RING_NAP_US);
    } while (fw_ring_used(r) > fw_ring_capacity(r) / 2 && !pipe_stop);
}

static void ring_send(struct pipeline *pl, struct worker_slot *s, uint32_t kind,
                      uint64_t ts_us, const struct pkt *p, uint32_t flow_hash)
{
    bool live = pl->src && cap_source_is_live(pl->src);
    size_t ip_len = p ? p->ip_len : 0;
    struct pipe_msg *m;

    while (!(m = fw_ring_reserve(s->in, sizeof(*m) + ip_len))) {
        /* Full: first make sure the worker can see everything we wrote. */
        if (s->unpublished) {
            fw_ring_commit(s->in);
            s->unpublished = 0;
            continue;
        }
        /* A live interface must not stall behind a slow worker: drop and count.
         * A file waits: nothing is lost. Control messages always wait. */
        if (kind == PIPE_MSG_PKT && (live || pipe_stop)) {
            atomic_fetch_add_explicit(&pl->ring_drops, 1, memory_order_relaxed);
            return;
        }
        if (live)
            nap_us(20);             /* a control message: do not leave the link unread */
        else
            ring_wait_half(s->in);
    }
    m->kind = kind;
    m->ip_len = (uint32_t)ip_len;
    m->ts_us = ts_us;
    m->flow_hash = flow_hash;
    if (p) {
        m->pkt = *p;
        m->pkt.ip = NULL;
        memcpy(m + 1, p->ip, ip_len);
    } else {
        memset(&m->pkt, 0, sizeof(m->pkt));
    }
    /* Packets are published in batches; control messages, and any batch when
     * the link goes idle, go out at once (ring_flush). */
    if (kind != PIPE_MSG_PKT || ++s->unpublished >= RING_BATCH) {
        fw_ring_commit(s->in);
        s->unpublished = 0;
    }
}

/* Publish packets still held back in every worker's batch. */
static void ring_flush(struct pipeline *pl)
{
    unsigned i;

    for (i = 0; i < pl->nworkers; i++) {
        if (pl->slots[i].unpublished) {
            fw_ring_commit(pl->slots[i].in);
            pl->slots[i].unpublished = 0;
        }
    }
}

static void broadcast(struct pipeline *pl, uint32_t kind, uint64_t ts_us)
{
    unsigned i;

    for (i = 0; i < pl->nworkers; i++)
        ring_send(pl, &pl->slots[i], kind, ts_us, NULL, 0);
}

static void capture_publish(struct pipeline *pl)
{
    struct cap_stats c;

    cap_source_stats(pl->src, &c);
    pthread_mutex_lock(&pl->mu);
    pl->pkt_snap = *pkt_decoder_stats(pl->dec);
    pl->cap_snap = c;
    pthread_mutex_unlock(&pl->mu);
}

static void progress_draw(struct pipeline *pl, bool final)
{
    uint64_t done = 0, total = 0;
    const struct pkt_stats *ps = pkt_decoder_stats(pl->dec);
    double pct;
    int bar, i;
    char line[160];
    int n;

    cap_source_progress(pl->src, &done, &total);
    pct = total ? 100.0 * (double)done / (double)total : 0;
    if (pct > 100)
        pct = 100;
    bar = (int)(pct / 100 * 30);
    n = snprintf(line, sizeof(line), "\r[");
    for (i = 0; i < 30 && n < (int)sizeof(line) - 1; i++)
        line[n++] = i < bar ? '#' : '.';
    snprintf(line + n, sizeof(line) - (size_t)n, "] %5.1f%% %" PRIu64 " packets, %" PRIu64
             " alerts%s", pct, ps->packets, atomic_load(&pl->alerts), final ? "\n" : "");
    if (write(STDERR_FILENO, line, strlen(line)) < 0)
        return;
}

/* The worker's flow table hash picks the worker (so both directions of an
 * ICMP echo, whose type differs, meet in one worker as in one table entry)
 * and travels with the packet: the worker does not hash again. */
static void dispatch(struct pipeline *pl, uint64_t ts_us, const struct pkt *p)
{
    uint32_t h = flow_table_hash(p);

    /* Multiply-shift spreads the hash evenly over any worker count. */
    ring_send(pl, &pl->slots[((uint64_t)h * pl->nworkers) >> 32], PIPE_MSG_PKT, ts_us, p, h);
}

/* The innermost packet, and a tunnel's carrier as a flow of its own
 * (pkt_decoder_tunnel): an analyst sees the VXLAN or GRE tunnel between two
 * endpoints as well as the conversations inside it. */
static void capture_frame(struct pipeline *pl, const struct cap_frame *f)
{
    enum pkt_status s;
    const struct pkt *tun;
    struct pkt p;

    s = pkt_decode(pl->dec, f->link, f->data, f->caplen, f->wire_len, f->ts_us, &p);
    tun = pkt_decoder_tunnel(pl->dec);
    if (s == PKT_OK)
        dispatch(pl, f->ts_us, &p);
    if (tun)
        dispatch(pl, f->ts_us, tun);
}

static int capture_loop(struct pipeline *pl)
{
    bool progress = pl->o->progress && isatty(STDERR_FILENO);
    uint64_t last_tick = 0, last_draw = 0, last_pub = 0, now_ts = 0, n = 0;
    struct cap_frame f;
    int rc = 0;

    while (!pipe_stop) {
        uint64_t mono;
        bool idle;

        rc = cap_source_next(pl->src, &f);
        if (rc == 0)
            break;
        if (rc == FW_EAGAIN) {
            ring_flush(pl);
            f.ts_us = fw_time_now_us();     /* idle live link: time still passes */
        } else if (rc < 0) {
            fw_log(FW_LOG_ERR, "capture: %s", cap_source_errmsg(pl->src));
            break;
        } else {
            capture_frame(pl, &f);
        }
        idle = rc == FW_EAGAIN;
        rc = 0;
        if (f.ts_us > now_ts)
            now_ts = f.ts_us;
        if (now_ts >= last_tick + TICK_US) {
            pkt_decoder_expire(pl->dec, now_ts);
            broadcast(pl, PIPE_MSG_TICK, now_ts);
            last_tick = now_ts;
        }
        /* The wall clock only paces stats and the progress bar: reading it for
         * every packet cost 3 % of the capture thread. Idle reads always check. */
        if ((++n & 63) != 0 && !idle)
            continue;
        mono = fw_time_mono_us();
        if (mono >= last_pub + 200000) {
            capture_publish(pl);
            last_pub = mono;
            if (progress && mono >= last_draw + 200000) {
                progress_draw(pl, false);
                last_draw = mono;
            }
        }
    }
    capture_publish(pl);
    if (progress)
        progress_draw(pl, true);
    broadcast(pl, PIPE_MSG_EOF, now_ts);
    return rc;
}

/* ---------------------------------------------------------------- setup */

static int drop_privileges(const char *user)
{
    struct passwd *pw;

    if (!user)
        return 0;
    pw = getpwnam(user);
    if (!pw) {
        fw_log(FW_LOG_ERR, "-u %s: no such user", user);
        return FW_EINVAL;
    }
    if (setgroups(0, NULL) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
        int e = errno;

        fw_log(FW_LOG_ERR, "-u %s: cannot drop privileges: %s", user, strerror(e));
        return FW_EIO;
    }
    fw_log(FW_LOG_INFO, "running as %s (uid %u)", user, (unsigned)pw->pw_uid);
    return 0;
}

static int open_source(struct pipeline *pl)
{
    const struct fw_config *cfg = pl->cfg;
    struct cap_opts co = {
        .bpf = cfg->bpf_filter[0] ? cfg->bpf_filter : NULL,
        .buffer_bytes = cfg->capture_buffer,
        .snaplen = cfg->snaplen,
        .promisc = true,
    };
    char err[512] = "";

    if (pl->o->iface)
        pl->src = cap_source_open_live(pl->o->iface, &co, err, sizeof(err));
    else
        pl->src = cap_source_open_offline(pl->o->read_path, &co, err, sizeof(err));
    if (!pl->src) {
        fw_log(FW_LOG_ERR, "%s", err[0] ? err : "cannot open the capture source");
        return FW_EIO;
    }
    pl->live = cap_source_is_live(pl->src);
    return 0;
}

/* A rules path that does not exist is most often a relative default read from
 * another directory: say where it was looked for and how to point elsewhere. */
static void hint_missing_rule_paths(const struct fw_config *cfg)
{
    char cwd[1024];
    size_t i;

    for (i = 0; i < cfg->nrule_paths; i++) {
        if (access(cfg->rule_paths[i], F_OK) == 0)
            continue;
        if (cfg->rule_paths[i][0] != '/' && getcwd(cwd, sizeof(cwd)))
            fw_log(FW_LOG_ERR, "rules path %s not found under %s: give --rules DIR or set "
                   "rules.paths in the config (make install puts the pack in "
                   "PREFIX/share/finwatch/rules)", cfg->rule_paths[i], cwd);
        else
            fw_log(FW_LOG_ERR, "rules path %s not found: give --rules DIR or set rules.paths "
                   "in the config", cfg->rule_paths[i]);
    }
}

static int load_rules(struct pipeline *pl)
{
    struct rule_diags d;

    rule_diags_init(&d);
    pl->rules = rule_set_load((const char *const *)pl->cfg->rule_paths, pl->cfg->nrule_paths,
                              fw_time_now_us(), &d);
    rule_diags_print(&d, stderr);
    rule_diags_free(&d);
    if (!pl->rules) {
        hint_missing_rule_paths(pl->cfg);
        fw_log(FW_LOG_ERR, "rules have errors; not starting");
        return FW_EPARSE;
    }
    snprintf(pl->ruleset_hash, sizeof(pl->ruleset_hash), "%s", rule_set_hash(pl->rules));
    fw_log(FW_LOG_INFO, "%zu rules loaded (set %s)", rule_set_count(pl->rules),
           pl->ruleset_hash);
    if (pl->cfg->reload == FW_RELOAD_WATCH)
        pl->watch = wrk_watch_create((const char *const *)pl->cfg->rule_paths,
                                     pl->cfg->nrule_paths);
    return 0;
}

static int create_workers(struct pipeline *pl)
{
    uint64_t share = pl->cfg->flows_max / pl->nworkers;
    unsigned i;

    pl->slots = fw_calloc(pl->nworkers, sizeof(*pl->slots));
    if (!pl->slots)
        return FW_ENOMEM;
    for (i = 0; i < pl->nworkers; i++) {
        struct worker_slot *s = &pl->slots[i];

        s->pl = pl;
        s->index = i;
        pthread_mutex_init(&s->mu, NULL);
        s->in = fw_ring_create(PKT_RING_BYTES);
        s->out = fw_ring_create(EVT_RING_BYTES);
        s->w = wrk_worker_create_unstarted(pl->cfg, i, share ? share : 1, worker_emit, s);
        if (!s->in || !s->out || !s->w)
            return FW_ENOMEM;
    }
    return 0;
}

static int pipeline_setup(struct pipeline *pl)
{
    char err[512] = "";
    int rc;

    if ((rc = load_rules(pl)) < 0)
        return rc;
    if ((rc = open_source(pl)) < 0)
        return rc;
    if ((rc = drop_privileges(pl->o->drop_user)) < 0)
        return rc;
    pl->dec = pkt_decoder_create(NULL);
    pl->xring = fw_ring_create(EXP_RING_BYTES);
    if (!pl->dec || !pl->xring)
        return FW_ENOMEM;
    if ((rc = create_workers(pl)) < 0)
        return rc;
    pl->anz = anz_engine_create(pl->cfg, pl->rules, on_alert, pl);
    if (!pl->anz)
        return FW_ENOMEM;
    pl->rdx = rdx_export_create(pl->cfg, err, sizeof(err));
    if (!pl->rdx) {
        fw_log(FW_LOG_ERR, "%s", err[0] ? err : "cannot set up outputs");
        return FW_EIO;
    }
    rdx_export_set_agent(pl->rdx, pl->cfg->redis_agent);
    return 0;
}

static int start_threads(struct pipeline *pl)
{
    unsigned i;

    for (i = 0; i < pl->nworkers; i++) {
        if (pthread_create(&pl->slots[i].th, NULL, worker_main, &pl->slots[i]) != 0)
            return FW_ENOMEM;
        pl->slots[i].started = true;
    }
    if (pthread_create(&pl->anz_th, NULL, analyzer_main, pl) != 0)
        return FW_ENOMEM;
    pl->anz_started = true;
    if (pthread_create(&pl->exp_th, NULL, exporter_main, pl) != 0)
        return FW_ENOMEM;
    pl->exp_started = true;
    return 0;
}

/* Join in pipeline order so every stage drains before the next one stops. */
static void join_threads(struct pipeline *pl)
{
    unsigned i;

    for (i = 0; pl->slots && i < pl->nworkers; i++)
        if (pl->slots[i].started)
            pthread_join(pl->slots[i].th, NULL);
    if (pl->anz_started)
        pthread_join(pl->anz_th, NULL);
    if (pl->exp_started)
        pthread_join(pl->exp_th, NULL);
}

static void pipeline_teardown(struct pipeline *pl)
{
    unsigned i;

    rdx_export_destroy(pl->rdx);
    anz_engine_destroy(pl->anz);
    for (i = 0; pl->slots && i < pl->nworkers; i++) {
        wrk_worker_destroy(pl->slots[i].w);
        fw_ring_destroy(pl->slots[i].in);
        fw_ring_destroy(pl->slots[i].out);
        pthread_mutex_destroy(&pl->slots[i].mu);
    }
    fw_free(pl->slots);
    fw_ring_destroy(pl->xring);
    pkt_decoder_destroy(pl->dec);
    cap_source_close(pl->src);
    wrk_watch_destroy(pl->watch);
    rule_set_free(pl->rules);
    fw_buf_free(&pl->rules_json);
    fw_buf_free(&pl->exp_rules);
    pthread_mutex_destroy(&pl->mu);
}

/* Per-rule counters at the end of a run (-v): what fired, what exceptions and
 * shadow mode held back. Rules that never matched are left out. */
static void print_rule_counters(struct pipeline *pl)
{
    size_t i, n = rule_set_count(pl->rules);

    if (fw_log_verbosity < FW_LOG_INFO || !n)
        return;
    fprintf(stderr, "%-22s %12s %10s %8s %10s %8s\n", "rule", "evaluations", "matches",
            "alerts", "suppressed", "shadow");
    for (i = 0; i < n; i++) {
        struct rule_counters c;
        const struct rule_meta *m = rule_set_nth(pl->rules, i, &c);

        if (!m || !c.matches)
            continue;
        fprintf(stderr, "%-22s %12" PRIu64 " %10" PRIu64 " %8" PRIu64 " %10" PRIu64 " %8" PRIu64
                "\n", m->id, c.evaluations, c.matches, c.alerts, c.suppressed, c.shadow_hits);
    }
}

static void print_summary(struct pipeline *pl, struct wrk_pipeline_summary *sum)
{
    struct wrk_stats w;
    struct pkt_stats p;
    struct cap_stats c;
    struct anz_stats a;
    struct rdx_export_stats x;

    pipeline_totals(pl, &w, &p, &c, &a);
    rdx_export_stats(pl->rdx, &x);
    sum->packets = p.packets;
    sum->bytes = p.bytes;
    sum->flows = w.flows_created;
    sum->alerts = atomic_load(&pl->alerts);
    sum->decode_errors = p.truncated + p.malformed;
    sum->drops = c.kernel_dropped + atomic_load(&pl->ring_drops);
    sum->seconds = (double)(fw_time_mono_us() - pl->start_mono) / 1e6;
    sum->pps = sum->seconds > 0 ? (double)p.packets / sum->seconds : 0;
    if (!pl->o->summary)
        return;
    fprintf(stderr,
            "finwatch: %" PRIu64 " packets, %" PRIu64 " bytes, %" PRIu64 " flows, %" PRIu64
            " alerts in %.2f s (%.0f pps); drops %" PRIu64 " (kernel %" PRIu64 ", ring %" PRIu64
            "); skipped: truncated %" PRIu64 ", malformed %" PRIu64 ", unsupported %" PRIu64
            "; damaged files %" PRIu64 "; flows evicted %" PRIu64 ", hosts evicted %" PRIu64
            "; redis %s, spooled %" PRIu64 ", spool dropped %" PRIu64 "\n",
            sum->packets, sum->bytes, sum->flows, sum->alerts, sum->seconds, sum->pps,
            sum->drops, c.kernel_dropped, atomic_load(&pl->ring_drops), p.truncated,
            p.malformed, p.unsupported, c.bad_files + c.read_errors, w.flows_evicted,
            a.hosts_evicted,
            pl->cfg->redis_url[0] ? (x.redis_up ? "up" : "down") : "off", x.spooled,
            x.spool_dropped);
    print_rule_counters(pl);
}

int wrk_pipeline_run(const struct fw_config *cfg, const struct wrk_pipeline_opts *o,
                     struct wrk_pipeline_summary *sum)
{
    struct pipeline pl;
    int rc;

    memset(&pl, 0, sizeof(pl));
    memset(sum, 0, sizeof(*sum));
    pl.cfg = cfg;
    pl.o = o;
    pl.nworkers = cfg->workers > 0 ? (unsigned)cfg->workers : 1;
    pl.start_mono = fw_time_mono_us();
    pthread_mutex_init(&pl.mu, NULL);
    install_signals();
    rc = pipeline_setup(&pl);
    if (rc == 0)
        rc = start_threads(&pl);
    if (rc == 0)
        rc = capture_loop(&pl);
    else if (pl.slots && pl.slots[0].started)
        broadcast(&pl, PIPE_MSG_EOF, 0);    /* let started workers finish */
    join_threads(&pl);
    for (unsigned i = 0; rc == 0 && pl.slots && i < pl.nworkers; i++)
        if (pl.slots[i].start_failed)
            rc = FW_ENOMEM;
    if (pl.rdx)
        print_summary(&pl, sum);
    pipeline_teardown(&pl);
    sum->exit_code = rc < 0 ? 1 : 0;
    return rc;
}
