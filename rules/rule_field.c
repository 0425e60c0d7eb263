/* rules/rule_field.c: the field registry rules may name in match:, aggregate: and reason.
 *
 * Each field has an ECS-style name, a type that decides which operators apply,
 * and an accessor reading it from a flow event (plus the zone names of the rule
 * context). nDPI risks are matched by name: rules/ does not link nDPI, so the
 * names ndpi_risk2str() prints in nDPI 4.2 are copied below, indexed by
 * ndpi_risk_enum (generated once with a 10-line program against libndpi 4.2).
 * Read-only tables; any thread.
 */
#include "rule_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dpi_risks.h"
#include "flow_community.h"
#include "fw_err.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Risk names come from sensor/dpi_risks.c (nDPI 4.2's ndpi_risk2str list). */

struct code_name {
    const char *name;
    unsigned v;
};

static const struct code_name dns_types[] = {
    {"A", 1},       {"NS", 2},      {"CNAME", 5},   {"SOA", 6},     {"NULL", 10},
    {"PTR", 12},    {"HINFO", 13},  {"MX", 15},     {"TXT", 16},    {"AAAA", 28},
    {"SRV", 33},    {"NAPTR", 35},  {"OPT", 41},    {"DS", 43},     {"RRSIG", 46},
    {"NSEC", 47},   {"DNSKEY", 48}, {"SVCB", 64},   {"HTTPS", 65},  {"AXFR", 252},
    {"ANY", 255},   {"CAA", 257},
};

static const struct code_name dns_rcodes[] = {
    {"NOERROR", 0}, {"FORMERR", 1}, {"SERVFAIL", 2}, {"NXDOMAIN", 3}, {"NOTIMP", 4},
    {"REFUSED", 5}, {"YXDOMAIN", 6}, {"YXRRSET", 7}, {"NXRRSET", 8}, {"NOTAUTH", 9},
    {"NOTZONE", 10},
};

/* ---- accessors ---- */

static bool put_str(struct rule_fval *v, const char *s)
{
    v->s = s;
    return s && s[0];
}

static bool put_num(struct rule_fval *v, double n)
{
    v->n = n;
    return true;
}

#define REC (&evt->rec)
#define GET(fn) static bool fn(const struct flow_evt *evt, const struct rule_ctx *ctx, \
                               struct rule_fval *v)
#define UNUSED_CTX (void)ctx

GET(get_src_ip) { UNUSED_CTX; v->ip = &REC->src; return REC->src.family != 0; }
GET(get_dst_ip) { UNUSED_CTX; v->ip = &REC->dst; return REC->dst.family != 0; }
GET(get_src_port) { UNUSED_CTX; return put_num(v, REC->sport); }
GET(get_dst_port) { UNUSED_CTX; return put_num(v, REC->dport); }
GET(get_src_bytes) { UNUSED_CTX; return put_num(v, (double)REC->src_bytes); }
GET(get_dst_bytes) { UNUSED_CTX; return put_num(v, (double)REC->dst_bytes); }
GET(get_src_pkts) { UNUSED_CTX; return put_num(v, REC->src_pkts); }
GET(get_dst_pkts) { UNUSED_CTX; return put_num(v, REC->dst_pkts); }
GET(get_src_zone) { (void)evt; return ctx && put_str(v, ctx->zone_src); }
GET(get_dst_zone) { (void)evt; return ctx && put_str(v, ctx->zone_dst); }
GET(get_net_iana) { UNUSED_CTX; return put_num(v, REC->proto); }
GET(get_net_vlan) { UNUSED_CTX; v->n = REC->vlan; return REC->has_vlan; }
/* Computed when a rule asks (workers do not: a SHA-1 per flow is costly). */
static bool get_net_cid(const struct flow_evt *evt, const struct rule_ctx *ctx,
                        struct rule_fval *v)
{
    static _Thread_local char buf[FLOW_COMMUNITY_LEN];
    const char *cid = flow_rec_community_id(REC, buf, sizeof(buf));

    UNUSED_CTX;
    return cid[0] && put_str(v, cid);
}
GET(get_net_bytes) { UNUSED_CTX; return put_num(v, (double)(REC->src_bytes + REC->dst_bytes)); }
GET(get_net_pkts) { UNUSED_CTX; return put_num(v, (double)REC->src_pkts + REC->dst_pkts); }
GET(get_ndpi_proto) { UNUSED_CTX; return put_str(v, REC->ndpi_proto); }
GET(get_ndpi_cat) { UNUSED_CTX; return put_str(v, REC->ndpi_category); }
GET(get_ndpi_risks) { UNUSED_CTX; v->bits = REC->ndpi_risk; return true; }
GET(get_tls_sni) { UNUSED_CTX; return put_str(v, REC->tls.server_name); }
GET(get_tls_ja3) { UNUSED_CTX; return put_str(v, REC->tls.ja3_client); }
GET(get_http_method) { UNUSED_CTX; return put_str(v, REC->http.method); }
GET(get_http_host) { UNUSED_CTX; return put_str(v, REC->http.host); }
GET(get_url) { UNUSED_CTX; return put_str(v, REC->http.url); }
GET(get_ua) { UNUSED_CTX; return put_str(v, REC->http.user_agent); }
GET(get_http_status) { UNUSED_CTX; v->n = REC->http.status; return REC->http.status != 0; }
GET(get_ssh_client) { UNUSED_CTX; return put_str(v, REC->ssh.client_banner); }
GET(get_ssh_server) { UNUSED_CTX; return put_str(v, REC->ssh.server_banner); }
GET(get_fix_begin) { UNUSED_CTX; return put_str(v, REC->fix.begin_string); }
GET(get_fix_sender) { UNUSED_CTX; return put_str(v, REC->fix.sender_comp_id); }
GET(get_fix_target) { UNUSED_CTX; return put_str(v, REC->fix.target_comp_id); }

GET(get_fix_msgs)
{
    UNUSED_CTX;
    v->n = REC->fix.messages;
    return (REC->meta & FLOW_META_FIX) != 0;
}

GET(get_fix_bad)
{
    UNUSED_CTX;
    v->n = REC->fix.malformed;
    return (REC->meta & FLOW_META_FIX) != 0;
}

GET(get_net_transport)
{
    UNUSED_CTX;
    switch (REC->proto) {
    case 1:   return put_str(v, "icmp");
    case 2:   return put_str(v, "igmp");
    case 6:   return put_str(v, "tcp");
    case 17:  return put_str(v, "udp");
    case 47:  return put_str(v, "gre");
    case 50:  return put_str(v, "esp");
    case 58:  return put_str(v, "ipv6-icmp");
    case 132: return put_str(v, "sctp");
    }
    snprintf(v->buf, sizeof(v->buf), "%u", REC->proto);
    return put_str(v, v->buf);
}

GET(get_end_reason)
{
    UNUSED_CTX;
    return put_str(v, flow_end_reason_name((enum flow_end_reason)REC->end_reason));
}

GET(get_duration)
{
    UNUSED_CTX;
    uint64_t d = REC->ts_end_us > REC->ts_start_us ? REC->ts_end_us - REC->ts_start_us : 0;
    return put_num(v, (double)d / 1e6);
}

/* DNS fields read the message of a dns event, else the flow's first question. */
GET(get_dns_qname)
{
    UNUSED_CTX;
    if (evt->type == FLOW_EVT_DNS)
        return evt->dns.n_questions > 0 && put_str(v, evt->dns.questions[0].name);
    return put_str(v, REC->dns_qname);
}

GET(get_dns_qtype)
{
    UNUSED_CTX;
    if (evt->type == FLOW_EVT_DNS) {
        v->n = evt->dns.n_questions > 0 ? evt->dns.questions[0].qtype : 0;
        return evt->dns.n_questions > 0;
    }
    v->n = REC->dns_qtype;
    return (REC->meta & FLOW_META_DNS) && REC->dns_queries > 0;
}

GET(get_dns_rcode)
{
    UNUSED_CTX;
    if (evt->type == FLOW_EVT_DNS) {
        v->n = evt->dns.rcode;
        return evt->dns.is_response;
    }
    v->n = REC->dns_rcode;
    return (REC->meta & FLOW_META_DNS) && REC->dns_responses > 0;
}

GET(get_dns_answers)
{
    UNUSED_CTX;
    v->n = evt->dns.ancount;
    return evt->type == FLOW_EVT_DNS && evt->dns.is_response;
}

#undef GET
#undef REC

/* ---- event: alert ---- */

const struct anz_alert *rule_evt_alert(const struct flow_evt *evt)
{
    if (!evt || evt->type != RULE_EVT_ALERT)
        return NULL;
    return ((const struct rule_alert_evt *)(const void *)evt)->alert;
}

#define GETA(fn) static bool fn(const struct flow_evt *evt, const struct rule_ctx *ctx, \
                                struct rule_fval *v)

GETA(get_alert_rule)
{
    const struct anz_alert *a = rule_evt_alert(evt);

    UNUSED_CTX;
    return a && put_str(v, a->rule_id);
}

GETA(get_alert_id)
{
    const struct anz_alert *a = rule_evt_alert(evt);

    UNUSED_CTX;
    return a && put_str(v, a->id);
}

GETA(get_alert_anz)
{
    const struct anz_alert *a = rule_evt_alert(evt);

    UNUSED_CTX;
    return a && put_str(v, anz_kind_name((enum anz_kind)a->analyzer));
}

GETA(get_alert_sev)
{
    const struct anz_alert *a = rule_evt_alert(evt);

    UNUSED_CTX;
    return a && put_num(v, a->severity);
}

GETA(get_alert_score)
{
    const struct anz_alert *a = rule_evt_alert(evt);

    UNUSED_CTX;
    return a && put_num(v, a->score);
}

/* The blamed host: the destination for blame: destination alerts that have one. */
GETA(get_alert_host)
{
    const struct anz_alert *a = rule_evt_alert(evt);

    UNUSED_CTX;
    if (!a)
        return false;
    v->ip = a->blame == ANZ_BLAME_DST && a->dst.family ? &a->dst : &a->src;
    return v->ip->family != 0;
}

#undef GETA

static const struct rule_field fields[] = {
    {"source.ip", RULE_FT_IP, get_src_ip, "address that sent the first packet", RULE_EVS_ALL},
    {"source.port", RULE_FT_NUM, get_src_port, "source port (ICMP: type)", RULE_EVS_ALL},
    {"source.bytes", RULE_FT_NUM, get_src_bytes, "wire bytes sent by source", RULE_EVS_FLOW},
    {"source.packets", RULE_FT_NUM, get_src_pkts, "packets sent by source", RULE_EVS_FLOW},
    {"source.zone", RULE_FT_STR, get_src_zone,
     "zone name of source (\"external\" if none)", RULE_EVS_ALL},
    {"destination.ip", RULE_FT_IP, get_dst_ip, "address of the responder", RULE_EVS_ALL},
    {"destination.port", RULE_FT_NUM, get_dst_port, "destination port (ICMP: code)", RULE_EVS_ALL},
    {"destination.bytes", RULE_FT_NUM, get_dst_bytes,
     "wire bytes sent by destination", RULE_EVS_FLOW},
    {"destination.packets", RULE_FT_NUM, get_dst_pkts,
     "packets sent by destination", RULE_EVS_FLOW},
    {"destination.zone", RULE_FT_STR, get_dst_zone, "zone name of destination", RULE_EVS_ALL},
    {"network.transport", RULE_FT_STR, get_net_transport, "tcp, udp, icmp, ipv6-icmp, sctp...",
     RULE_EVS_ALL},
    {"network.iana_number", RULE_FT_NUM, get_net_iana, "IP protocol number", RULE_EVS_ALL},
    {"network.vlan.id", RULE_FT_NUM, get_net_vlan,
     "outer VLAN id (absent if untagged)", RULE_EVS_FLOW},
    {"network.community_id", RULE_FT_STR, get_net_cid, "Community ID flow hash", RULE_EVS_FLOW},
    {"network.bytes", RULE_FT_NUM, get_net_bytes, "bytes both ways", RULE_EVS_FLOW},
    {"network.packets", RULE_FT_NUM, get_net_pkts, "packets both ways", RULE_EVS_FLOW},
    {"ndpi.protocol", RULE_FT_STR, get_ndpi_proto, "nDPI name, Master.App or App", RULE_EVS_ALL},
    {"ndpi.category", RULE_FT_STR, get_ndpi_cat, "nDPI category", RULE_EVS_FLOW},
    {"ndpi.risks", RULE_FT_RISK, get_ndpi_risks,
     "nDPI risk names (any of them matches)", RULE_EVS_FLOW},
    {"event.end_reason", RULE_FT_STR, get_end_reason, "active, fin, rst, idle, evicted, eof",
     RULE_EVS_FLOW},
    {"event.duration", RULE_FT_NUM, get_duration, "flow duration in seconds", RULE_EVS_FLOW},
    {"tls.client.server_name", RULE_FT_STR, get_tls_sni, "TLS SNI", RULE_EVS_FLOW},
    {"tls.client.ja3", RULE_FT_STR, get_tls_ja3, "JA3 hash of the client hello",
     RULE_EVS_FLOW},
    {"dns.question.name", RULE_FT_STR, get_dns_qname, "queried name, no trailing dot",
     RULE_EVS_FLOW},
    {"dns.question.type", RULE_FT_CODE, get_dns_qtype, "A, AAAA, TXT... or a number",
     RULE_EVS_FLOW},
    {"dns.response_code", RULE_FT_CODE, get_dns_rcode, "NOERROR, NXDOMAIN... or a number",
     RULE_EVS_FLOW},
    {"dns.answers.count", RULE_FT_NUM, get_dns_answers,
     "answer records (dns events)", RULE_EVS_FLOW},
    {"http.request.method", RULE_FT_STR, get_http_method, "GET, POST...", RULE_EVS_FLOW},
    {"http.host", RULE_FT_STR, get_http_host, "Host header", RULE_EVS_FLOW},
    {"url.original", RULE_FT_STR, get_url, "request target as sent", RULE_EVS_FLOW},
    {"http.response.status_code", RULE_FT_NUM, get_http_status,
     "first response status", RULE_EVS_FLOW},
    {"user_agent.original", RULE_FT_STR, get_ua, "User-Agent header", RULE_EVS_FLOW},
    {"ssh.client", RULE_FT_STR, get_ssh_client, "client banner", RULE_EVS_FLOW},
    {"ssh.server", RULE_FT_STR, get_ssh_server, "server banner", RULE_EVS_FLOW},
    {"fix.begin_string", RULE_FT_STR, get_fix_begin, "FIX version (tag 8)", RULE_EVS_FLOW},
    {"fix.sender_comp_id", RULE_FT_STR, get_fix_sender,
     "tag 49 of the first message", RULE_EVS_FLOW},
    {"fix.target_comp_id", RULE_FT_STR, get_fix_target,
     "tag 56 of the first message", RULE_EVS_FLOW},
    {"fix.messages", RULE_FT_NUM, get_fix_msgs, "complete FIX messages", RULE_EVS_FLOW},
    {"fix.malformed", RULE_FT_NUM, get_fix_bad,
     "FIX messages with bad checksum/length", RULE_EVS_FLOW},
    /* event: alert only (rule_alert_evt) */
    {"alert.rule", RULE_FT_STR, get_alert_rule, "rule id of the alert", RULE_EVS_ALERT},
    {"alert.id", RULE_FT_STR, get_alert_id, "id of the alert", RULE_EVS_ALERT},
    {"alert.analyzer", RULE_FT_STR, get_alert_anz, "detector, or \"rule\" for match rules",
     RULE_EVS_ALERT},
    {"alert.severity", RULE_FT_NUM, get_alert_sev, "severity 0..100", RULE_EVS_ALERT},
    {"alert.score", RULE_FT_NUM, get_alert_score, "points the alert added", RULE_EVS_ALERT},
    {"host", RULE_FT_IP, get_alert_host, "the host the alert blames", RULE_EVS_ALERT},
};

int rule_field_id(const char *name)
{
    size_t i;

    for (i = 0; i < N(fields); i++)
        if (strcmp(fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

const struct rule_field *rule_field_at(int id)
{
    if (id < 0 || (size_t)id >= N(fields))
        return NULL;
    return &fields[id];
}

size_t rule_field_count(void)
{
    return N(fields);
}

unsigned rule_edit_distance(const char *a, const char *b)
{
    unsigned row[64], prev, cur;
    size_t la = strlen(a), lb = strlen(b), i, j;

    if (la >= N(row) || lb >= N(row))
        return 255;
    for (j = 0; j <= lb; j++)
        row[j] = (unsigned)j;
    for (i = 1; i <= la; i++) {
        prev = row[0];
        row[0] = (unsigned)i;
        for (j = 1; j <= lb; j++) {
            unsigned del = row[j] + 1, ins = row[j - 1] + 1;
            unsigned sub = prev + (a[i - 1] != b[j - 1]);
            cur = del < ins ? del : ins;
            cur = cur < sub ? cur : sub;
            prev = row[j];
            row[j] = cur;
        }
    }
    return row[lb];
}

/* Best of names[] within a third of the word's length (at least 2 edits). */
static const char *suggest(const char *name, const char *const *names, size_t n, size_t stride)
{
    const char *best = NULL;
    unsigned bestd = 255, limit = (unsigned)strlen(name) / 3;
    size_t i;

    if (limit < 2)
        limit = 2;
    for (i = 0; i < n; i++) {
        const char *cand = *(const char *const *)((const char *)names + i * stride);
        unsigned d = rule_edit_distance(name, cand);
        if (d < bestd) {
            bestd = d;
            best = cand;
        }
    }
    return bestd <= limit ? best : NULL;
}

const char *rule_field_suggest(const char *name)
{
    return suggest(name, &fields[0].name, N(fields), sizeof(fields[0]));
}

const char *rule_risk_suggest(const char *name)
{
    const char *names[DPI_RISK_MAX];
    unsigned i, n = 0;

    for (i = 1; i < dpi_risks_count() && n < DPI_RISK_MAX; i++)
        names[n++] = dpi_risks_name(i);
    return suggest(name, names, n, sizeof(names[0]));
}

int rule_risk_bit(const char *name)
{
    return dpi_risks_bit(name);
}

const char *rule_risk_name(unsigned bit)
{
    return dpi_risks_name(bit);
}

static const struct code_name *codes_of(int id, size_t *n)
{
    const struct rule_field *f = rule_field_at(id);

    if (f && strcmp(f->name, "dns.question.type") == 0) {
        *n = N(dns_types);
        return dns_types;
    }
    *n = N(dns_rcodes);
    return dns_rcodes;
}

int rule_field_code(int id, const char *name, double *out)
{
    const struct code_name *t;
    size_t n, i;
    char *end;
    unsigned long v;

    t = codes_of(id, &n);
    for (i = 0; i < n; i++) {
        if (strcasecmp(t[i].name, name) == 0) {
            *out = t[i].v;
            return 0;
        }
    }
    v = strtoul(name, &end, 10);
    if (end == name || *end || v > 65535)
        return FW_EINVAL;
    *out = (double)v;
    return 0;
}

static void format_risks(uint64_t bits, char *buf, size_t len)
{
    size_t off = 0, i;

    buf[0] = '\0';
    for (i = 1; i < dpi_risks_count() && i < DPI_RISK_MAX && off < len; i++) {
        if (!(bits & (1ull << i)))
            continue;
        int w = snprintf(buf + off, len - off, "%s%s", off ? "," : "", dpi_risks_name((unsigned)i));
        if (w < 0)
            break;
        off += (size_t)w;
    }
}

char *rule_field_format(int id, const struct rule_fval *v, char *buf, size_t len)
{
    const struct rule_field *f = rule_field_at(id);
    const struct code_name *t;
    size_t n, i;

    if (!len)
        return buf;
    buf[0] = '\0';
    switch (f ? f->type : RULE_FT_STR) {
    case RULE_FT_STR:
        snprintf(buf, len, "%s", v->s ? v->s : "");
        break;
    case RULE_FT_NUM:
        snprintf(buf, len, "%.15g", v->n);
        break;
    case RULE_FT_IP:
        fw_ip_str(v->ip, buf, len);
        break;
    case RULE_FT_RISK:
        format_risks(v->bits, buf, len);
        break;
    case RULE_FT_CODE:
        t = codes_of(id, &n);
        for (i = 0; i < n; i++)
            if ((double)t[i].v == v->n)
                break;
        if (i < n)
            snprintf(buf, len, "%s", t[i].name);
        else
            snprintf(buf, len, "%.0f", v->n);
        break;
    }
    return buf;
}
