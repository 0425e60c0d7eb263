/* dashboard-export/jsonl_record.c: ECS flow and alert records (DESIGN.md "Records"). */
#include "jsonl_record.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "flow_community.h"
#include "fw_ip.h"
#include "fw_json.h"
#include "fw_rd.h"
#include "fw_time.h"


static const char *(*risk_namer)(unsigned bit);

void jsonl_set_risk_namer(const char *(*fn)(unsigned bit))
{
    risk_namer = fn;
}

/* ------------------------------------------------------------------ names */

static const char *transport_name(uint8_t proto, char *tmp, size_t len)
{
    switch (proto) {
    case 1:   return "icmp";
    case 6:   return "tcp";
    case 17:  return "udp";
    case 47:  return "gre";
    case 58:  return "ipv6-icmp";
    case 132: return "sctp";
    }
    snprintf(tmp, len, "%u", proto);
    return tmp;
}

static const char *zone_name(const struct fw_config *cfg, int zone)
{
    if (zone == FLOW_ZONE_EXTERNAL)
        return "external";
    if (cfg && zone >= 0 && (size_t)zone < cfg->nzones)
        return cfg->zones[zone].name;
    return "unknown";
}

struct technique {
    const char *id;
    const char *name;
};

/* The techniques our detectors and the default pack name; others print their id. */
static const struct technique techniques[] = {
    {"T1018", "Remote System Discovery"},
    {"T1021", "Remote Services"},
    {"T1021.001", "Remote Desktop Protocol"},
    {"T1021.002", "SMB/Windows Admin Shares"},
    {"T1021.004", "SSH"},
    {"T1029", "Scheduled Transfer"},
    {"T1030", "Data Transfer Size Limits"},
    {"T1041", "Exfiltration Over C2 Channel"},
    {"T1046", "Network Service Discovery"},
    {"T1048", "Exfiltration Over Alternative Protocol"},
    {"T1048.003", "Exfiltration Over Unencrypted Non-C2 Protocol"},
    {"T1071", "Application Layer Protocol"},
    {"T1071.001", "Web Protocols"},
    {"T1071.004", "DNS"},
    {"T1090", "Proxy"},
    {"T1105", "Ingress Tool Transfer"},
    {"T1110", "Brute Force"},
    {"T1110.001", "Password Guessing"},
    {"T1110.003", "Password Spraying"},
    {"T1133", "External Remote Services"},
    {"T1135", "Network Share Discovery"},
    {"T1190", "Exploit Public-Facing Application"},
    {"T1210", "Exploitation of Remote Services"},
    {"T1498", "Network Denial of Service"},
    {"T1498.001", "Direct Network Flood"},
    {"T1498.002", "Reflection Amplification"},
    {"T1499", "Endpoint Denial of Service"},
    {"T1557", "Adversary-in-the-Middle"},
    {"T1567", "Exfiltration Over Web Service"},
    {"T1570", "Lateral Tool Transfer"},
    {"T1571", "Non-Standard Port"},
    {"T1572", "Protocol Tunneling"},
    {"T1573", "Encrypted Channel"},
    {"T1595", "Active Scanning"},
    {"T1599", "Network Boundary Bridging"},
};

const char *jsonl_technique_name(const char *id)
{
    size_t i;

    for (i = 0; i < sizeof(techniques) / sizeof(techniques[0]); i++)
        if (strcmp(techniques[i].id, id) == 0)
            return techniques[i].name;
    return NULL;
}

/* ------------------------------------------------------------------ flows */

/* fw_buf_json_kv_u64 without printf: alerts and flows render several per record. */
static void kv_u64(struct fw_buf *b, const char *key, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);

    fw_buf_json_key(b, key);
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    fw_buf_append(b, tmp + i, sizeof(tmp) - i);
}

static void put_time(struct fw_buf *b, const char *key, uint64_t ts_us)
{
    char t[40];

    fw_buf_json_kv_str(b, key, fw_time_iso(ts_us, t, sizeof(t)));
}

static void put_endpoint(struct fw_buf *b, const char *key, const struct fw_ip *ip,
                         uint16_t port, uint64_t bytes, uint64_t pkts)
{
    char s[FW_IP_STRLEN];

    fw_buf_json_key(b, key);
    fw_buf_putc(b, '{');
    fw_buf_json_kv_str(b, "ip", fw_ip_str(ip, s, sizeof(s)));
    kv_u64(b, "port", port);
    kv_u64(b, "bytes", bytes);
    kv_u64(b, "packets", pkts);
    fw_buf_putc(b, '}');
}

static void put_network(struct fw_buf *b, const struct flow_rec *r)
{
    char tmp[8], num[8], cidbuf[FLOW_COMMUNITY_LEN];
    const char *cid;

    snprintf(num, sizeof(num), "%u", r->proto);
    fw_buf_json_key(b, "network");
    fw_buf_putc(b, '{');
    fw_buf_json_kv_str(b, "transport", transport_name(r->proto, tmp, sizeof(tmp)));
    fw_buf_json_kv_str(b, "iana_number", num);
    if (r->has_vlan) {
        snprintf(num, sizeof(num), "%u", r->vlan);
        fw_buf_json_key(b, "vlan");
        fw_buf_putc(b, '{');
        fw_buf_json_kv_str(b, "id", num);
        fw_buf_putc(b, '}');
    }
    cid = flow_rec_community_id(r, cidbuf, sizeof(cidbuf));
    if (cid[0])
        fw_buf_json_kv_str(b, "community_id", cid);
    fw_buf_putc(b, '}');
}

static void put_risks(struct fw_buf *b, uint64_t risk)
{
    char dflt[16];
    unsigned bit;

    fw_buf_json_key(b, "risks");
    fw_buf_putc(b, '[');
    for (bit = 0; bit < 64; bit++) {
        const char *name = NULL;

        if (!(risk & (1ull << bit)))
            continue;
        if (risk_namer)
            name = risk_namer(bit);
        if (!name) {
            snprintf(dflt, sizeof(dflt), "risk_%u", bit);
            name = dflt;
        }
        if (b->len && b->data[b->len - 1] != '[')
            fw_buf_putc(b, ',');
        fw_buf_json_str(b, name);
    }
    fw_buf_putc(b, ']');
}

static void put_ndpi(struct fw_buf *b, const struct flow_rec *r)
{
    fw_buf_json_key(b, "ndpi");
    fw_buf_putc(b, '{');
    fw_buf_json_kv_str(b, "protocol", r->ndpi_proto[0] ? r->ndpi_proto : "Unknown");
    fw_buf_json_kv_str(b, "category", r->ndpi_category[0] ? r->ndpi_category : "Unspecified");
    put_risks(b, r->ndpi_risk);
    fw_buf_putc(b, '}');
}

/* FIX session summary: who talks to whom (CompIDs seen from the flow source)
 * and what kind of messages, so a trading desk's flows can be explained. */
static void put_fix(struct fw_buf *b, const struct flow_rec *r)
{
    size_t i;

    fw_buf_puts(b, ",\"fix\":{");
    fw_buf_json_kv_str(b, "begin_string", r->fix.begin_string);
    fw_buf_json_kv_str(b, "sender_comp_id", r->fix.sender_comp_id);
    fw_buf_json_kv_str(b, "target_comp_id", r->fix.target_comp_id);
    kv_u64(b, "messages", r->fix.messages);
    kv_u64(b, "malformed", r->fix.malformed);
    kv_u64(b, "heartbeats", r->fix.heartbeats);
    fw_buf_json_key(b, "msg_types");
    fw_buf_putc(b, '{');
    for (i = 0; i < META_FIX_MSGTYPES && r->fix.msgtypes[i].type[0]; i++)
        kv_u64(b, r->fix.msgtypes[i].type, r->fix.msgtypes[i].count);
    fw_buf_puts(b, "}}");
}

/* Application metadata our own parsers found: TLS, DNS, HTTP, SSH, FIX. */
static void put_app_meta(struct fw_buf *b, const struct flow_rec *r)
{
    if ((r->meta & FLOW_META_TLS) && (r->tls.server_name[0] || r->tls.ja3_client[0])) {
        fw_buf_puts(b, ",\"tls\":{\"client\":{");
        fw_buf_json_kv_str(b, "server_name", r->tls.server_name);
        fw_buf_json_kv_str(b, "ja3", r->tls.ja3_client);
        fw_buf_puts(b, "}}");
    }
    if ((r->meta & FLOW_META_DNS) || r->dns_qname[0]) {
        fw_buf_puts(b, ",\"dns\":{\"question\":{");
        fw_buf_json_kv_str(b, "name", r->dns_qname);
        kv_u64(b, "type", r->dns_qtype);
        fw_buf_putc(b, '}');
        kv_u64(b, "response_code", r->dns_rcode);
        kv_u64(b, "queries", r->dns_queries);
        kv_u64(b, "responses", r->dns_responses);
        fw_buf_putc(b, '}');
    }
    if (r->meta & FLOW_META_HTTP) {
        fw_buf_puts(b, ",\"http\":{\"request\":{");
        fw_buf_json_kv_str(b, "method", r->http.method);
        fw_buf_puts(b, "},\"response\":{");
        kv_u64(b, "status_code", r->http.status);
        fw_buf_puts(b, "}},\"url\":{");
        fw_buf_json_kv_str(b, "domain", r->http.host);
        fw_buf_json_kv_str(b, "original", r->http.url);
        fw_buf_puts(b, "},\"user_agent\":{");
        fw_buf_json_kv_str(b, "original", r->http.user_agent);
        fw_buf_putc(b, '}');
    }
    if (r->meta & FLOW_META_SSH) {
        fw_buf_puts(b, ",\"ssh\":{");
        fw_buf_json_kv_str(b, "client", r->ssh.client_banner);
        fw_buf_json_kv_str(b, "server", r->ssh.server_banner);
        fw_buf_putc(b, '}');
    }
    if (r->meta & FLOW_META_FIX)
        put_fix(b, r);
}

static void put_flow_finwatch(struct fw_buf *b, const struct flow_rec *r,
                              const struct fw_config *cfg, const char *sensor)
{
    fw_buf_json_key(b, "finwatch");
    fw_buf_putc(b, '{');
    fw_buf_json_kv_str(b, "sensor", sensor ? sensor : "");
    fw_buf_puts(b, ",\"zone\":{");
    fw_buf_json_kv_str(b, "source", zone_name(cfg, r->zone_src));
    fw_buf_json_kv_str(b, "destination", zone_name(cfg, r->zone_dst));
    fw_buf_putc(b, '}');
    fw_buf_json_kv_str(b, "end_reason", flow_end_reason_name(r->end_reason));
    kv_u64(b, "flow_id", r->id);
    fw_buf_putc(b, '}');
}

void jsonl_flow_render(struct fw_buf *b, const struct flow_rec *rec,
                       const struct fw_config *cfg, const char *sensor)
{
    fw_buf_putc(b, '{');
    put_time(b, "@timestamp", rec->ts_end_us);
    fw_buf_puts(b, ",\"event\":{\"kind\":\"event\",\"category\":[\"network\"],"
                   "\"type\":[\"connection\",\"end\"]");
    put_time(b, "start", rec->ts_start_us);
    put_time(b, "end", rec->ts_end_us);
    fw_buf_putc(b, '}');
    put_endpoint(b, "source", &rec->src, rec->sport, rec->src_bytes, rec->src_pkts);
    put_endpoint(b, "destination", &rec->dst, rec->dport, rec->dst_bytes, rec->dst_pkts);
    put_network(b, rec);
    put_ndpi(b, rec);
    put_app_meta(b, rec);
    put_flow_finwatch(b, rec, cfg, sensor);
    fw_buf_putc(b, '}');
}

/* ----------------------------------------------------------------- alerts */

static void put_threat(struct fw_buf *b, const struct anz_alert *a)
{
    char id[sizeof(a->techniques[0]) + 1];
    int i, pass;

    fw_buf_puts(b, ",\"threat\":{\"technique\":{");
    for (pass = 0; pass < 2; pass++) {
        fw_buf_json_key(b, pass == 0 ? "id" : "name");
        fw_buf_putc(b, '[');
        for (i = 0; i < ANZ_MAX_TECHNIQUES; i++) {
            const char *name;

            /* the field is fixed-size and may lack its NUL: copy it bounded */
            memcpy(id, a->techniques[i], sizeof(a->techniques[i]));
            id[sizeof(id) - 1] = '\0';
            if (!id[0])
                continue;
            if (b->data[b->len - 1] != '[')
                fw_buf_putc(b, ',');
            name = pass == 0 ? id : jsonl_technique_name(id);
            fw_buf_json_str(b, name ? name : id);
        }
        fw_buf_putc(b, ']');
    }
    fw_buf_puts(b, "}}");
}

static void put_alert_peer(struct fw_buf *b, const char *key, const struct fw_ip *ip,
                           uint16_t port)
{
    char s[FW_IP_STRLEN];

    fw_buf_json_key(b, key);
    fw_buf_putc(b, '{');
    if (ip->family) {
        fw_buf_json_kv_str(b, "ip", fw_ip_str(ip, s, sizeof(s)));
        if (port)
            kv_u64(b, "port", port);
    }
    fw_buf_putc(b, '}');
}

/* Fixed-size char arrays from another stage: never trust the NUL. */
static void put_field(struct fw_buf *b, const char *key, const char *s, size_t cap)
{
    fw_buf_json_key(b, key);
    fw_buf_json_strn(b, s, strnlen(s, cap));
}

#define PUT_FIELD(b, key, arr) put_field((b), (key), (arr), sizeof(arr))

static void put_evidence(struct fw_buf *b, const struct anz_alert *a)
{
    size_t n = strnlen(a->evidence, sizeof(a->evidence));

    fw_buf_json_key(b, "evidence");
    if (n == 0) {
        fw_buf_puts(b, "{}");
    } else if (jsonl_valid_object(a->evidence, n)) {
        fw_buf_append(b, a->evidence, n);
    } else {
        /* a broken analyzer must not break the line: keep its text as a string */
        fw_buf_puts(b, "{\"raw\":");
        fw_buf_json_strn(b, a->evidence, n);
        fw_buf_putc(b, '}');
    }
}

static void put_alert_finwatch(struct fw_buf *b, const struct anz_alert *a, const char *sensor)
{
    fw_buf_puts(b, ",\"finwatch\":{");
    fw_buf_json_kv_str(b, "analyzer", anz_kind_name((enum anz_kind)a->analyzer));
    fw_buf_json_kv_double(b, "score", a->score);
    fw_buf_json_kv_double(b, "host_score", a->host_score);
    put_evidence(b, a);
    fw_buf_puts(b, ",\"zone\":{");
    PUT_FIELD(b, "source", a->zone_src);
    PUT_FIELD(b, "destination", a->zone_dst);
    fw_buf_putc(b, '}');
    fw_buf_json_kv_str(b, "sensor", sensor ? sensor : "");
    fw_buf_json_kv_str(b, "mode", a->shadow ? "shadow" : "enforce");
    fw_buf_json_kv_str(b, "blame", a->blame == ANZ_BLAME_DST ? "destination" : "source");
    kv_u64(b, "updates", a->updates);
    PUT_FIELD(b, "app", a->app);
    fw_buf_putc(b, '}');
}

void jsonl_alert_render(struct fw_buf *b, const struct anz_alert *a, const char *sensor)
{
    char tmp[8];

    fw_buf_putc(b, '{');
    put_time(b, "@timestamp", a->ts_us);
    fw_buf_puts(b, ",\"event\":{\"kind\":\"alert\"");
    PUT_FIELD(b, "id", a->id);
    kv_u64(b, "severity", a->severity);
    PUT_FIELD(b, "reason", a->reason);
    put_time(b, "start", a->first_us ? a->first_us : a->ts_us);
    fw_buf_puts(b, "},\"rule\":{");
    PUT_FIELD(b, "id", a->rule_id);
    PUT_FIELD(b, "name", a->rule_name);
    PUT_FIELD(b, "version", a->rule_version);
    PUT_FIELD(b, "ruleset", a->ruleset);
    fw_buf_putc(b, '}');
    put_threat(b, a);
    put_alert_peer(b, "source", &a->src, a->sport);
    put_alert_peer(b, "destination", &a->dst, a->dport);
    if (a->proto) {
        fw_buf_puts(b, ",\"network\":{");
        fw_buf_json_kv_str(b, "transport", transport_name(a->proto, tmp, sizeof(tmp)));
        fw_buf_putc(b, '}');
    }
    put_alert_finwatch(b, a, sensor);
    fw_buf_putc(b, '}');
}

void jsonl_alert_compact(struct fw_buf *b, const struct anz_alert *a, const char *sensor)
{
    char s[FW_IP_STRLEN];

    fw_buf_putc(b, '{');
    PUT_FIELD(b, "id", a->id);
    kv_u64(b, "ts", a->ts_us / FW_USEC_PER_SEC);
    fw_buf_json_kv_str(b, "sensor", sensor ? sensor : "");
    PUT_FIELD(b, "rule", a->rule_id);
    kv_u64(b, "severity", a->severity);
    fw_buf_json_kv_str(b, "level", anz_severity_name(a->severity));
    fw_buf_json_kv_double(b, "score", a->score);
    fw_buf_json_kv_double(b, "host_score", a->host_score);
    fw_buf_json_kv_str(b, "analyzer", anz_kind_name((enum anz_kind)a->analyzer));
    fw_buf_json_kv_str(b, "src", a->src.family ? fw_ip_str(&a->src, s, sizeof(s)) : "");
    fw_buf_json_kv_str(b, "dst", a->dst.family ? fw_ip_str(&a->dst, s, sizeof(s)) : "");
    PUT_FIELD(b, "zone_src", a->zone_src);
    PUT_FIELD(b, "zone_dst", a->zone_dst);
    PUT_FIELD(b, "reason", a->reason);
    kv_u64(b, "update", a->updates);
    fw_buf_putc(b, '}');
}

/* -------------------------------------------------------------- validator */

bool jsonl_valid(const char *s, size_t n)
{
    return fw_json_valid(s, n);
}

bool jsonl_valid_object(const char *s, size_t n)
{
    size_t i = 0;

    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i < n && s[i] == '{' && fw_json_valid(s, n);
}
