/* sensor/wrk_worker.c: the per-worker packet path.
 *
 * For each packet: find or create the flow (FLOW_EVT_START), count it per
 * direction, track TCP teardown, feed nDPI until it decides (then release the
 * nDPI state and emit FLOW_EVT_CLASSIFIED), and run the sensor's own parsers on
 * the payload (DNS every message, HTTP/TLS/SSH on the first payload packets of
 * each direction, FIX on every payload packet of a FIX session). The full
 * struct flow_rec is built only when an event is emitted; between events a
 * flow is a small struct flow_entry plus an optional metadata blob.
 */
#include "wrk_worker.h"

#include <stdio.h>
#include <string.h>

#include "dpi_ndpi.h"
#include "flow_community.h"
#include "flow_table.h"
#include "fw_alloc.h"
#include "fw_err.h"
#include "meta_parse.h"

#define WRK_PROTO_TCP 6
#define WRK_PROTO_UDP 17
#define WRK_DNS_PORT 53
#define WRK_META_PKTS 4                 /* payload packets per direction given to HTTP/TLS/SSH */
#define WRK_EXPIRE_TICK_US 1000000u     /* self-expiry at most once per second of packet time */

struct wrk_worker {
    const struct fw_config *cfg;        /* borrowed, read-only */
    unsigned index;
    struct flow_table *ft;
    struct dpi_module *dpi;
    wrk_emit_fn emit;
    void *emit_ctx;
    uint64_t seq;                       /* record sequence */
    uint64_t last_expire_us;
    struct wrk_stats st;
    struct flow_evt evt;                /* scratch event: too big for the stack */
    struct meta_http http;              /* scratch for the HTTP parser */
};

/* ---- records and events -------------------------------------------------- */

/* snprintf(dst, size, "%s", src) without printf: it runs for every event. */
static void copy_cut(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);

    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void wrk_rec_ndpi(struct wrk_worker *w, const struct flow_entry *e, struct flow_rec *r)
{
    r->ndpi_done = (e->state & FLOW_ST_NDPI_DONE) != 0;
    r->ndpi_master_id = e->ndpi_master;
    r->ndpi_app_id = e->ndpi_app;
    r->ndpi_risk = e->ndpi_risk;
    if (!r->ndpi_done)
        return;
    dpi_proto_name(w->dpi, e->ndpi_master, e->ndpi_app, r->ndpi_proto, sizeof(r->ndpi_proto));
    copy_cut(r->ndpi_category, sizeof(r->ndpi_category),
             dpi_category_name(w->dpi, e->ndpi_category));
}

static uint16_t wrk_be16(const uint8_t *v, size_t len)
{
    return len >= 2 ? (uint16_t)(v[0] << 8 | v[1]) : 0;
}

static void wrk_rec_dns(const struct flow_entry *e, struct flow_rec *r)
{
    size_t len = 0;
    const uint8_t *v;

    r->dns_queries = e->dns_queries;
    r->dns_responses = e->dns_responses;
    if (flow_meta_get_str(e, FLOW_TAG_DNS_QNAME, r->dns_qname, sizeof(r->dns_qname)))
        r->meta |= FLOW_META_DNS;
    if ((v = flow_meta_get(e, FLOW_TAG_DNS_QTYPE, &len)))
        r->dns_qtype = wrk_be16(v, len);
    if ((v = flow_meta_get(e, FLOW_TAG_DNS_RCODE, &len)) && len == 1)
        r->dns_rcode = v[0];
    if (e->dns_queries || e->dns_responses)
        r->meta |= FLOW_META_DNS;
}

static void wrk_rec_app(const struct flow_entry *e, struct flow_rec *r)
{
    size_t len = 0;
    const uint8_t *v;

    if (flow_meta_get_str(e, FLOW_TAG_HTTP_METHOD, r->http.method, sizeof(r->http.method)) |
        flow_meta_get_str(e, FLOW_TAG_HTTP_HOST, r->http.host, sizeof(r->http.host)) |
        flow_meta_get_str(e, FLOW_TAG_HTTP_URL, r->http.url, sizeof(r->http.url)) |
        flow_meta_get_str(e, FLOW_TAG_HTTP_UA, r->http.user_agent, sizeof(r->http.user_agent)))
        r->meta |= FLOW_META_HTTP;
    if ((v = flow_meta_get(e, FLOW_TAG_HTTP_STATUS, &len))) {
        r->http.status = wrk_be16(v, len);
        r->meta |= FLOW_META_HTTP;
    }
    if ((v = flow_meta_get(e, FLOW_TAG_HTTP_CTL, &len)) && len == 1)
        r->http.ctl = v[0];
    if (flow_meta_get_str(e, FLOW_TAG_TLS_SNI, r->tls.server_name, sizeof(r->tls.server_name)) |
        flow_meta_get_str(e, FLOW_TAG_TLS_JA3, r->tls.ja3_client, sizeof(r->tls.ja3_client)))
        r->meta |= FLOW_META_TLS;
    if ((v = flow_meta_get(e, FLOW_TAG_TLS_VERSION, &len)))
        r->tls.version = wrk_be16(v, len);
    if (flow_meta_get_str(e, FLOW_TAG_SSH_CLIENT, r->ssh.client_banner,
                          sizeof(r->ssh.client_banner)) |
        flow_meta_get_str(e, FLOW_TAG_SSH_SERVER, r->ssh.server_banner,
                          sizeof(r->ssh.server_banner)))
        r->meta |= FLOW_META_SSH;
    if ((v = flow_meta_get(e, FLOW_TAG_FIX, &len)) && len == sizeof(r->fix)) {
        memcpy(&r->fix, v, sizeof(r->fix));
        r->meta |= FLOW_META_FIX;
    }
}

/* Snapshot e into r (the whole record is rebuilt for each event). */
static void wrk_rec_fill(struct wrk_worker *w, const struct flow_entry *e, uint8_t end_reason,
                         struct flow_rec *r)
{
    memset(r, 0, sizeof(*r));
    r->id = e->id;
    r->ts_start_us = e->ts_start_us;
    r->ts_end_us = e->ts_last_us;
    r->src = e->src;
    r->dst = e->dst;
    r->sport = e->sport;
    r->dport = e->dport;
    r->proto = e->proto;
    r->end_reason = end_reason;
    r->vlan = e->vlan;
    r->has_vlan = e->has_vlan != 0;
    r->tcp_flags_src = e->tcp_flags_src;
    r->tcp_flags_dst = e->tcp_flags_dst;
    r->src_bytes = e->src_bytes;
    r->dst_bytes = e->dst_bytes;
    r->src_pkts = e->src_pkts;
    r->dst_pkts = e->dst_pkts;
    r->src_payload = e->src_payload;
    r->dst_payload = e->dst_payload;
    /* No community id here: a SHA-1 per flow was 2 % of the worker, and only
     * what is written out needs it (flow_rec_community_id, where written). */
    wrk_rec_ndpi(w, e, r);
    wrk_rec_dns(e, r);
    wrk_rec_app(e, r);
    r->zone_src = r->zone_dst = FLOW_ZONE_UNKNOWN;
}

static void wrk_emit(struct wrk_worker *w, const struct flow_entry *e, enum flow_evt_type type,
                     uint8_t end_reason, uint64_t ts_us)
{
    struct flow_evt *evt = &w->evt;

    evt->type = (uint8_t)type;
    evt->worker = (uint8_t)w->index;
    evt->ts_us = ts_us;
    wrk_rec_fill(w, e, end_reason, &evt->rec);
    if (type != FLOW_EVT_DNS)
        evt->dns_from_src = false;
    w->emit(w->emit_ctx, evt);
}

/* ---- nDPI ---------------------------------------------------------------- */

static void wrk_dpi_finish(struct wrk_worker *w, struct flow_entry *e, const struct dpi_result *r,
                           uint64_t ts_us)
{
    struct dpi_info info;

    e->ndpi_master = r->master_id;
    e->ndpi_app = r->app_id;
    e->ndpi_category = r->category;
    e->ndpi_risk = r->risk;
    e->state |= FLOW_ST_NDPI_DONE | (r->guessed ? FLOW_ST_NDPI_GUESS : 0);
    if (e->dpi) {
        dpi_flow_info(e->dpi, &info);
        if (info.is_tls) {
            uint8_t ver[2] = { (uint8_t)(info.tls_version >> 8), (uint8_t)info.tls_version };
            if (!flow_meta_get(e, FLOW_TAG_TLS_SNI, &(size_t){ 0 }))
                flow_meta_set_str(w->ft, e, FLOW_TAG_TLS_SNI, info.host);
            flow_meta_set_str(w->ft, e, FLOW_TAG_TLS_JA3, info.ja3_client);
            if (info.tls_version)
                flow_meta_set(w->ft, e, FLOW_TAG_TLS_VERSION, ver, sizeof(ver));
        }
        dpi_flow_release(w->dpi, e->dpi);
        e->dpi = NULL;
        w->st.ndpi_bytes -= dpi_flow_size();
    }
    if (r->gave_up)
        w->st.flows_giveup++;
    if (r->master_id || r->app_id)
        w->st.flows_classified++;
    wrk_emit(w, e, FLOW_EVT_CLASSIFIED, FLOW_END_NONE, ts_us);
}

static void wrk_dpi_packet(struct wrk_worker *w, struct flow_entry *e, const struct pkt *p)
{
    struct dpi_result r;

    if (!e->dpi) {
        e->dpi = dpi_flow_alloc(w->dpi);
        if (!e->dpi) {              /* out of memory: leave the flow unclassified */
            memset(&r, 0, sizeof(r));
            wrk_dpi_finish(w, e, &r, p->ts_us);
            return;
        }
        w->st.ndpi_bytes += dpi_flow_size();
    }
    memset(&r, 0, sizeof(r));
    if (dpi_flow_process(w->dpi, e->dpi, p->ip, p->ip_len, p->ts_us / 1000,
                         e->src_pkts + e->dst_pkts, p->proto, &r) == DPI_DONE)
        wrk_dpi_finish(w, e, &r, p->ts_us);
}

/* ---- metadata ------------------------------------------------------------ */

static bool wrk_is_dns(const struct flow_entry *e, const struct pkt *p)
{
    if (p->proto != WRK_PROTO_UDP && p->proto != WRK_PROTO_TCP)
        return false;
    if (p->sport == WRK_DNS_PORT || p->dport == WRK_DNS_PORT)
        return true;
    return (e->state & FLOW_ST_NDPI_DONE) && dpi_proto_is_dns(e->ndpi_master, e->ndpi_app);
}

static void wrk_dns(struct wrk_worker *w, struct flow_entry *e, const struct pkt *p,
                    const uint8_t *data, size_t len, bool from_src)
{
    struct meta_dns_msg *m = &w->evt.dns;

    if (meta_dns_parse(data, len, p->proto == WRK_PROTO_TCP, m) < 0) {
        w->st.dns_errors++;
        return;
    }
    w->st.dns_messages++;
    if (m->is_response)
        e->dns_responses++;
    else
        e->dns_queries++;
    if (m->n_questions > 0 && !flow_meta_get(e, FLOW_TAG_DNS_QNAME, &(size_t){ 0 })) {
        uint8_t qt[2] = { (uint8_t)(m->questions[0].qtype >> 8), (uint8_t)m->questions[0].qtype };
        flow_meta_set_str(w->ft, e, FLOW_TAG_DNS_QNAME, m->questions[0].name);
        flow_meta_set(w->ft, e, FLOW_TAG_DNS_QTYPE, qt, sizeof(qt));
    }
    if (m->is_response && !flow_meta_get(e, FLOW_TAG_DNS_RCODE, &(size_t){ 0 }))
        flow_meta_set(w->ft, e, FLOW_TAG_DNS_RCODE, &m->rcode, 1);
    w->evt.dns_from_src = from_src;
    wrk_emit(w, e, FLOW_EVT_DNS, FLOW_END_NONE, p->ts_us);
}

static void wrk_http(struct wrk_worker *w, struct flow_entry *e, const uint8_t *data,
                     size_t len, bool from_src)
{
    struct meta_http *h = &w->http;

    memset(h, 0, sizeof(*h));
    if (from_src && !flow_meta_get(e, FLOW_TAG_HTTP_METHOD, &(size_t){ 0 }) &&
        meta_http_parse_request(data, len, h)) {
        flow_meta_set_str(w->ft, e, FLOW_TAG_HTTP_METHOD, h->method);
        flow_meta_set_str(w->ft, e, FLOW_TAG_HTTP_HOST, h->host);
        flow_meta_set_str(w->ft, e, FLOW_TAG_HTTP_URL, h->url);
        flow_meta_set_str(w->ft, e, FLOW_TAG_HTTP_UA, h->user_agent);
        if (h->ctl)
            flow_meta_set(w->ft, e, FLOW_TAG_HTTP_CTL, &h->ctl, 1);
    } else if (!from_src && !flow_meta_get(e, FLOW_TAG_HTTP_STATUS, &(size_t){ 0 }) &&
               meta_http_parse_response(data, len, h) && h->status) {
        uint8_t st[2] = { (uint8_t)(h->status >> 8), (uint8_t)h->status };
        flow_meta_set(w->ft, e, FLOW_TAG_HTTP_STATUS, st, sizeof(st));
    }
}

static void wrk_tls_ssh(struct wrk_worker *w, struct flow_entry *e, const uint8_t *data,
                        size_t len, bool from_src)
{
    struct meta_tls t;
    char banner[sizeof(((struct meta_ssh *)0)->client_banner)];
    enum flow_meta_tag tag = from_src ? FLOW_TAG_SSH_CLIENT : FLOW_TAG_SSH_SERVER;

    if (from_src && len > 5 && data[0] == 0x16 &&
        !flow_meta_get(e, FLOW_TAG_TLS_SNI, &(size_t){ 0 })) {
        memset(&t, 0, sizeof(t));
        if (meta_tls_parse_client_hello(data, len, &t)) {
            uint8_t ver[2] = { (uint8_t)(t.version >> 8), (uint8_t)t.version };
            flow_meta_set_str(w->ft, e, FLOW_TAG_TLS_SNI, t.server_name);
            if (t.version)
                flow_meta_set(w->ft, e, FLOW_TAG_TLS_VERSION, ver, sizeof(ver));
        }
    }
    if (len >= 4 && memcmp(data, "SSH-", 4) == 0 && !flow_meta_get(e, tag, &(size_t){ 0 }) &&
        meta_ssh_parse_banner(data, len, banner, sizeof(banner)))
        flow_meta_set_str(w->ft, e, tag, banner);
}

static void wrk_fix(struct wrk_worker *w, struct flow_entry *e, const uint8_t *data, size_t len,
                    bool from_src)
{
    struct meta_fix fix;
    size_t vlen = 0;
    const uint8_t *v = flow_meta_get(e, FLOW_TAG_FIX, &vlen);

    if (!v && !meta_fix_looks_like(data, len))
        return;
    memset(&fix, 0, sizeof(fix));
    if (v && vlen == sizeof(fix))
        memcpy(&fix, v, sizeof(fix));
    if (meta_fix_parse(data, len, from_src, &fix) < 0 && !v)
        return;
    flow_meta_set(w->ft, e, FLOW_TAG_FIX, &fix, sizeof(fix));
}

static void wrk_meta(struct wrk_worker *w, struct flow_entry *e, const struct pkt *p,
                     bool from_src)
{
    const uint8_t *data;
    size_t len = p->payload_len;
    uint32_t npl = from_src ? e->src_pkts : e->dst_pkts;

    if (p->payload_off > p->ip_len)
        return;
    if (len > p->ip_len - p->payload_off)
        len = p->ip_len - p->payload_off;   /* the decoder's window is the bound */
    if (len == 0)
        return;
    data = p->ip + p->payload_off;
    if (wrk_is_dns(e, p)) {
        wrk_dns(w, e, p, data, len, from_src);
        return;
    }
    if (p->proto != WRK_PROTO_TCP)
        return;
    if (npl <= WRK_META_PKTS + 2) {     /* + SYN and ACK of the handshake */
        wrk_http(w, e, data, len, from_src);
        wrk_tls_ssh(w, e, data, len, from_src);
    }
    wrk_fix(w, e, data, len, from_src);
}

/* ---- flow life ----------------------------------------------------------- */

static void wrk_flow_end(struct wrk_worker *w, struct flow_entry *e, enum flow_end_reason why,
                         uint64_t ts_us)
{
    if (!(e->state & FLOW_ST_NDPI_DONE)) {
        struct dpi_result r;

        memset(&r, 0, sizeof(r));
        if (e->dpi)
            dpi_flow_giveup(w->dpi, e->dpi, &r);
        wrk_dpi_finish(w, e, &r, ts_us);
    }
    wrk_emit(w, e, FLOW_EVT_END, (uint8_t)why, ts_us);
    w->st.flows_ended++;
    if (why == FLOW_END_EVICTED)
        w->st.flows_evicted++;
    flow_table_remove(w->ft, e);
}

static struct flow_entry *wrk_flow_new(struct wrk_worker *w, const struct pkt *p, uint32_t hash)
{
    struct flow_entry *e = flow_table_insert(w->ft, p, hash);

    if (!e && flow_table_count(w->ft) >= flow_table_capacity(w->ft)) {
        struct flow_entry *old = flow_table_oldest_any(w->ft);
        if (old)
            wrk_flow_end(w, old, FLOW_END_EVICTED, p->ts_us);
        e = flow_table_insert(w->ft, p, hash);
    }
    if (!e)
        return NULL;
    e->id = (uint64_t)w->index << 56 | (++w->seq & ((1ull << 56) - 1));
    w->st.flows_created++;
    return e;
}

static void wrk_count(struct flow_entry *e, const struct pkt *p, bool from_src)
{
    uint64_t payload = p->payload_len;

    if (from_src) {
        e->src_pkts++;
        e->src_bytes += p->wire_len;
        e->src_payload += payload;
        e->tcp_flags_src |= p->tcp_flags;
        if (p->tcp_flags & PKT_TCP_FIN)
            e->state |= FLOW_ST_FIN_SRC;
    } else {
        e->dst_pkts++;
        e->dst_bytes += p->wire_len;
        e->dst_payload += payload;
        e->tcp_flags_dst |= p->tcp_flags;
        if (p->tcp_flags & PKT_TCP_FIN)
            e->state |= FLOW_ST_FIN_DST;
    }
    if (p->tcp_flags & PKT_TCP_RST)
        e->state |= FLOW_ST_RST;
    if (p->ts_us > e->ts_last_us)
        e->ts_last_us = p->ts_us;
}

static enum flow_lru wrk_lru_of(const struct flow_entry *e)
{
    if (e->proto != WRK_PROTO_TCP)
        return FLOW_LRU_UDP;
    if ((e->state & FLOW_ST_RST) ||
        (e->state & (FLOW_ST_FIN_SRC | FLOW_ST_FIN_DST)) == (FLOW_ST_FIN_SRC | FLOW_ST_FIN_DST))
        return FLOW_LRU_CLOSED;
    return FLOW_LRU_TCP;
}

/* ---- public API ---------------------------------------------------------- */

struct wrk_worker *wrk_worker_create_unstarted(const struct fw_config *cfg, unsigned index,
                                               uint64_t flows_max, wrk_emit_fn emit,
                                               void *emit_ctx)
{
    struct wrk_worker *w;

    if (!cfg || !emit || index > 255)
        return NULL;
    w = fw_calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->cfg = cfg;
    w->index = index;
    w->emit = emit;
    w->emit_ctx = emit_ctx;
    flow_community_init();          /* before threads: libgcrypt wants it once */
    w->ft = flow_table_create(flows_max);
    if (!w->ft) {
        fw_free(w);
        return NULL;
    }
    return w;
}

int wrk_worker_start(struct wrk_worker *w)
{
    if (!w->dpi)
        w->dpi = dpi_module_create();
    return w->dpi ? 0 : FW_ENOMEM;
}

struct wrk_worker *wrk_worker_create(const struct fw_config *cfg, unsigned index,
                                     uint64_t flows_max, wrk_emit_fn emit, void *emit_ctx)
{
    struct wrk_worker *w = wrk_worker_create_unstarted(cfg, index, flows_max, emit, emit_ctx);

    if (w && wrk_worker_start(w) != 0) {
        wrk_worker_destroy(w);
        return NULL;
    }
    return w;
}

void wrk_worker_destroy(struct wrk_worker *w)
{
    struct flow_entry *e;
    int i;

    if (!w)
        return;
    for (i = 0; i < FLOW_LRU_N; i++) {      /* release nDPI state without emitting */
        while ((e = flow_table_oldest(w->ft, (enum flow_lru)i))) {
            if (w->dpi)             /* no module (never started): no flow has state */
                dpi_flow_release(w->dpi, e->dpi);
            e->dpi = NULL;
            flow_table_remove(w->ft, e);
        }
    }
    dpi_module_destroy(w->dpi);
    flow_table_destroy(w->ft);
    fw_free(w);
}

void wrk_worker_packet(struct wrk_worker *w, const struct pkt *p)
{
    wrk_worker_packet_hashed(w, p, flow_table_hash(p));
}

void wrk_worker_packet_hashed(struct wrk_worker *w, const struct pkt *p, uint32_t hash)
{
    bool from_src = true;
    struct flow_entry *e;

    w->st.packets++;
    w->st.bytes += p->wire_len;
    if (p->ts_us >= w->last_expire_us + WRK_EXPIRE_TICK_US)
        wrk_worker_expire(w, p->ts_us);
    e = flow_table_lookup(w->ft, p, hash, &from_src);
    if (!e) {
        e = wrk_flow_new(w, p, hash);
        if (!e)
            return;                 /* chunk allocation failed: counted as not created */
        /* count before emitting: flow_start carries its first packet (TCP flags, size),
         * which the flood and scan detectors need to tell a bare SYN from other starts */
        wrk_count(e, p, true);
        wrk_emit(w, e, FLOW_EVT_START, FLOW_END_NONE, p->ts_us);
    } else {
        wrk_count(e, p, from_src);
    }
    if (!(e->state & FLOW_ST_NDPI_DONE))
        wrk_dpi_packet(w, e, p);
    if (p->payload_len)
        wrk_meta(w, e, p, from_src);
    flow_table_touch(w->ft, e, wrk_lru_of(e));
}

/* End flows of one list idle for more than timeout; the list is ordered by
 * last packet, so the walk stops at the first live flow. */
static void wrk_expire_list(struct wrk_worker *w, enum flow_lru lru, uint64_t timeout,
                            uint64_t now_us)
{
    struct flow_entry *e;

    while ((e = flow_table_oldest(w->ft, lru)) && e->ts_last_us < now_us &&
           now_us - e->ts_last_us > timeout) {
        enum flow_end_reason why = FLOW_END_IDLE;
        if (lru == FLOW_LRU_CLOSED)
            why = (e->state & FLOW_ST_RST) ? FLOW_END_RST : FLOW_END_FIN;
        wrk_flow_end(w, e, why, now_us);
    }
}

void wrk_worker_expire(struct wrk_worker *w, uint64_t now_us)
{
    w->last_expire_us = now_us;
    wrk_expire_list(w, FLOW_LRU_CLOSED, w->cfg->tcp_closed_us, now_us);
    wrk_expire_list(w, FLOW_LRU_TCP, w->cfg->tcp_idle_us, now_us);
    wrk_expire_list(w, FLOW_LRU_UDP, w->cfg->udp_idle_us, now_us);
}

void wrk_worker_flush(struct wrk_worker *w, uint64_t now_us)
{
    struct flow_entry *e;

    while ((e = flow_table_oldest_any(w->ft)))
        wrk_flow_end(w, e, FLOW_END_EOF, now_us > e->ts_last_us ? now_us : e->ts_last_us);
}

void wrk_worker_stats(const struct wrk_worker *w, struct wrk_stats *st)
{
    *st = w->st;
    st->flows_active = flow_table_count(w->ft);
    st->flow_mem_bytes = flow_table_mem(w->ft);
}
