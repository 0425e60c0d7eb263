/* sensor/dpi_ndpi.c: nDPI 4.2 glue; the only file that includes <ndpi_api.h>.
 *
 * Detection follows ndpiReader 4.2 (example/reader_util.c, packet_processing):
 *   enough = (UDP and packets > 24) or (TCP and packets > 80)   (before this packet)
 *   proto  = ndpi_detection_process_packet(...)
 *   if enough or app != unknown:
 *       if not enough and ndpi_extra_dissection_possible: keep feeding
 *       else: done; if app == unknown: ndpi_detection_giveup(guess = 1)
 * Flows that end before that are given up (with guessing) at their end, as
 * ndpiReader does for every undetected flow when it exits.
 */
#include "dpi_ndpi.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <ndpi_api.h>

#include "fw_alloc.h"
#include "wrk_worker.h"

#define DPI_IPPROTO_TCP 6
#define DPI_IPPROTO_UDP 17

/* Pool entry: the nDPI flow first, so a struct dpi_flow * is the nDPI struct. */
struct dpi_flow {
    struct ndpi_flow_struct nf;
    struct dpi_flow *next_free;
};

/* Protocol names by (master, app): ndpi_protocol2name() formats with
 * snprintf, and every flow record and event of a classified flow needs one
 * (over 1 000 instructions each, a few per cent of a worker). A flow mix has
 * few distinct pairs, so a small direct-mapped cache answers almost all. */
#define DPI_NAME_SLOTS 256
#define DPI_NAME_MAX 64

struct dpi_name_slot {
    uint32_t key;                   /* master << 16 | app */
    bool used;
    char name[DPI_NAME_MAX];
};

struct dpi_module {
    struct ndpi_detection_module_struct *ndpi;
    struct dpi_flow *free_list;     /* released flows kept for reuse */
    size_t nfree;
    struct dpi_name_slot names[DPI_NAME_SLOTS];
};

/* Released flows kept for reuse beyond this are freed, so a burst of
 * undecided flows does not pin memory forever. */
#define DPI_POOL_KEEP 1024

/* Workers create their modules in their own threads. nDPI 4.2's start-up sets
 * a few globals lazily (the bigram tables of its DGA check: flag first, tables
 * after), so two modules are never built at the same time. */
static pthread_mutex_t init_mu = PTHREAD_MUTEX_INITIALIZER;

struct dpi_module *dpi_module_create(void)
{
    struct dpi_module *m = fw_calloc(1, sizeof(*m));
    NDPI_PROTOCOL_BITMASK all;

    if (!m)
        return NULL;
    pthread_mutex_lock(&init_mu);
    m->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    if (m->ndpi) {
        NDPI_BITMASK_SET_ALL(all);
        ndpi_set_protocol_detection_bitmask2(m->ndpi, &all);
        ndpi_finalize_initialization(m->ndpi);
    }
    pthread_mutex_unlock(&init_mu);
    if (!m->ndpi)
        goto out_free_mod;
    return m;

out_free_mod:
    fw_free(m);
    return NULL;
}

void dpi_module_destroy(struct dpi_module *m)
{
    struct dpi_flow *f, *next;

    if (!m)
        return;
    for (f = m->free_list; f; f = next) {
        next = f->next_free;
        fw_free(f);
    }
    ndpi_exit_detection_module(m->ndpi);
    fw_free(m);
}

struct dpi_flow *dpi_flow_alloc(struct dpi_module *m)
{
    struct dpi_flow *f = m->free_list;

    if (f) {
        m->free_list = f->next_free;
        m->nfree--;
        memset(f, 0, sizeof(*f));
        return f;
    }
    return fw_calloc(1, sizeof(*f));
}

void dpi_flow_release(struct dpi_module *m, struct dpi_flow *f)
{
    if (!f)
        return;
    ndpi_free_flow_data(&f->nf);    /* strings nDPI allocated (URL, certs...) */
    if (m->nfree >= DPI_POOL_KEEP) {
        fw_free(f);
        return;
    }
    f->next_free = m->free_list;
    m->free_list = f;
    m->nfree++;
}

/* nDPI 4.2 leaves the URL checks (XSS, SQL injection) to the application:
 * ndpiReader runs ndpi_validate_url() on the flow's URL when it reports the
 * flow. Do the same, or ndpi.risks and the ndpi_risk detector (FW-RISK-001)
 * never see the attacks ndpiReader shows. */
static uint64_t dpi_url_risk(const struct dpi_flow *f)
{
    ndpi_risk_enum r;

    if (!f->nf.http.url || f->nf.http.url[0] == '\0')
        return 0;
    r = ndpi_validate_url(f->nf.http.url);
    return r > NDPI_NO_RISK && r < 64 ? 1ull << r : 0;
}

static void dpi_result_set(const struct dpi_flow *f, ndpi_protocol p, struct dpi_result *r)
{
    r->master_id = p.master_protocol;
    r->app_id = p.app_protocol;
    r->category = (uint16_t)p.category;
    r->risk = f->nf.risk | dpi_url_risk(f);
}

void dpi_flow_giveup(struct dpi_module *m, struct dpi_flow *f, struct dpi_result *r)
{
    uint8_t guessed = 0;
    ndpi_protocol p = ndpi_detection_giveup(m->ndpi, &f->nf, 1, &guessed);

    dpi_result_set(f, p, r);
    r->gave_up = true;
    r->guessed = guessed != 0;
}

enum dpi_step dpi_flow_process(struct dpi_module *m, struct dpi_flow *f, const uint8_t *ip,
                               uint32_t len, uint64_t ts_ms, uint32_t pkts_seen,
                               uint8_t l4proto, struct dpi_result *r)
{
    bool enough = (l4proto == DPI_IPPROTO_UDP && pkts_seen > DPI_MAX_UDP_PKTS) ||
                  (l4proto == DPI_IPPROTO_TCP && pkts_seen > DPI_MAX_TCP_PKTS);
    ndpi_protocol p;

    if (len > 0xffff)
        len = 0xffff;               /* nDPI takes an unsigned short */
    p = ndpi_detection_process_packet(m->ndpi, &f->nf, ip, (unsigned short)len, ts_ms);
    if (!enough && p.app_protocol == NDPI_PROTOCOL_UNKNOWN)
        return DPI_MORE;
    if (!enough && ndpi_extra_dissection_possible(m->ndpi, &f->nf))
        return DPI_MORE;            /* e.g. waiting for the TLS certificate */
    if (p.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
        dpi_flow_giveup(m, f, r);
        return DPI_DONE;
    }
    dpi_result_set(f, p, r);
    r->gave_up = false;
    r->guessed = false;
    return DPI_DONE;
}

void dpi_flow_info(const struct dpi_flow *f, struct dpi_info *info)
{
    const struct ndpi_flow_struct *nf = &f->nf;
    uint16_t id = nf->detected_protocol_stack[1] ? nf->detected_protocol_stack[1]
                                                 : nf->detected_protocol_stack[0];

    memset(info, 0, sizeof(*info));
    snprintf(info->host, sizeof(info->host), "%s", nf->host_server_name);
    info->is_tls = id == NDPI_PROTOCOL_TLS || id == NDPI_PROTOCOL_QUIC ||
                   nf->detected_protocol_stack[0] == NDPI_PROTOCOL_TLS ||
                   nf->detected_protocol_stack[0] == NDPI_PROTOCOL_QUIC;
    if (info->is_tls) {
        snprintf(info->ja3_client, sizeof(info->ja3_client), "%s",
                 nf->protos.tls_quic.ja3_client);
        info->tls_version = nf->protos.tls_quic.ssl_version;
    }
}

static char *proto_name_uncached(struct dpi_module *m, uint16_t master_id, uint16_t app_id,
                                 char *buf, size_t len)
{
    ndpi_protocol p = NDPI_PROTOCOL_NULL;

    p.master_protocol = master_id;
    p.app_protocol = app_id;
    if (len > 0xffff)
        len = 0xffff;
    return ndpi_protocol2name(m->ndpi, p, buf, (u_int)len);
}

char *dpi_proto_name(struct dpi_module *m, uint16_t master_id, uint16_t app_id, char *buf,
                     size_t len)
{
    uint32_t key = (uint32_t)master_id << 16 | app_id;
    struct dpi_name_slot *slot = &m->names[(key * 2654435761u) >> 24];
    size_t n;

    if (len == 0)
        return buf;
    if (!slot->used || slot->key != key) {
        proto_name_uncached(m, master_id, app_id, slot->name, sizeof(slot->name));
        /* a name that filled the slot may have been cut: never serve it */
        if (strlen(slot->name) >= sizeof(slot->name) - 1) {
            slot->used = false;
            return proto_name_uncached(m, master_id, app_id, buf, len);
        }
        slot->key = key;
        slot->used = true;
    }
    n = strlen(slot->name);     /* cut as ndpi_protocol2name's snprintf would */
    if (n >= len)
        n = len - 1;
    memcpy(buf, slot->name, n);
    buf[n] = '\0';
    return buf;
}

const char *dpi_category_name(struct dpi_module *m, uint16_t category)
{
    const char *s = ndpi_category_get_name(m->ndpi, (ndpi_protocol_category_t)category);

    return s ? s : "Unspecified";
}

const char *dpi_risk_name(unsigned bit)
{
    if (bit == 0 || bit >= NDPI_MAX_RISK)
        return NULL;
    return ndpi_risk2str((ndpi_risk_enum)bit);
}

unsigned dpi_risk_count(void)
{
    return NDPI_MAX_RISK;
}

bool dpi_proto_is_dns(uint16_t master_id, uint16_t app_id)
{
    return master_id == NDPI_PROTOCOL_DNS || app_id == NDPI_PROTOCOL_DNS;
}

size_t dpi_flow_size(void)
{
    return sizeof(struct dpi_flow);
}

const char *dpi_lib_version(void)
{
    static char buf[64];

    if (!buf[0])
        snprintf(buf, sizeof(buf), "nDPI %s (API %u)", ndpi_revision(),
                 (unsigned)ndpi_get_api_version());
    return buf;
}
