/* analyzers/det_ndpi_risk.c: selected nDPI risks, with per-risk severities. */
#include "det_ndpi_risk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fw_err.h"

/* ndpi_risk2str() of nDPI 4.2 (libndpi 4.2 on Debian bookworm), by enum value. */
static const char *const risk_names[] = {
    [1] = "XSS Attack",
    [2] = "SQL Injection",
    [3] = "RCE Injection",
    [4] = "Binary Application Transfer",
    [5] = "Known Protocol on Non Standard Port",
    [6] = "Self-signed Certificate",
    [7] = "Obsolete TLS Version (1.1 or older)",
    [8] = "Weak TLS Cipher",
    [9] = "TLS Expired Certificate",
    [10] = "TLS Certificate Mismatch",
    [11] = "HTTP Suspicious User-Agent",
    [12] = "HTTP Numeric IP Address",
    [13] = "HTTP Suspicious URL",
    [14] = "HTTP Suspicious Header",
    [15] = "TLS (probably) Not Carrying HTTPS",
    [16] = "Suspicious DGA Domain name",
    [17] = "Malformed Packet",
    [18] = "SSH Obsolete Client Version/Cipher",
    [19] = "SSH Obsolete Server Version/Cipher",
    [20] = "SMB Insecure Version",
    [21] = "TLS Suspicious ESNI Usage",
    [22] = "Unsafe Protocol",
    [23] = "Suspicious DNS Traffic",
    [24] = "Missing SNI TLS Extension",
    [25] = "HTTP Suspicious Content",
    [26] = "Risky ASN",
    [27] = "Risky Domain Name",
    [28] = "Possibly Malicious JA3 Fingerprint",
    [29] = "Possibly Malicious SSL Cert. SHA1 Fingerprint",
    [30] = "Desktop/File Sharing Session",
    [31] = "Uncommon TLS ALPN",
    [32] = "TLS Certificate Validity Too Long",
    [33] = "TLS Suspicious Extension",
    [34] = "TLS Fatal Alert",
    [35] = "Suspicious Entropy",
    [36] = "Clear-Text Credentials",
    [37] = "DNS Packet Larger Than 512 bytes",
    [38] = "Fragmented DNS Message",
    [39] = "Text Contains Non-Printable Characters",
    [40] = "Possible Exploit Detected",
    [41] = "TLS Certificate About To Expire",
};

#define NRISK (sizeof(risk_names) / sizeof(risk_names[0]))

const char *det_ndpi_risk_name(unsigned bit)
{
    return bit < NRISK ? risk_names[bit] : NULL;
}

int det_ndpi_risk_bit(const char *name)
{
    char *end;
    unsigned long v;
    size_t i;

    for (i = 1; i < NRISK; i++)
        if (strcasecmp(risk_names[i], name) == 0)
            return (int)i;
    v = strtoul(name, &end, 10);
    if (end != name && *end == '\0' && v > 0 && v < DET_NDPI_RISK_MAX)
        return (int)v;
    return -1;
}

int det_ndpi_risk_prepare(struct det_ndpi_risk_params *p, const char **bad)
{
    char name[DET_STR_LEN], *eq, *end;
    unsigned long sev;
    uint16_t i;
    int bit;

    p->mask = 0;
    memset(p->sev, 0, sizeof(p->sev));
    for (i = 0; i < p->risks.n; i++) {
        snprintf(name, sizeof(name), "%s", p->risks.v[i]);
        sev = 0;
        eq = strrchr(name, '=');
        if (eq) {
            *eq = '\0';
            sev = strtoul(eq + 1, &end, 10);
            if (end == eq + 1 || *end != '\0' || sev > 100)
                goto bad_item;
        }
        bit = det_ndpi_risk_bit(name);
        if (bit < 0)
            goto bad_item;
        p->mask |= 1ull << bit;
        p->sev[bit] = (uint8_t)sev;
    }
    return 0;

bad_item:
    if (bad)
        *bad = p->risks.v[i];
    return FW_EINVAL;
}

static void risk_fill(const struct det_ndpi_risk_params *p, const struct det_ctx *c,
                      uint64_t hits, struct det_hit *hit)
{
    const struct flow_rec *r = &c->evt->rec;
    char names[160] = "";
    size_t off = 0;
    unsigned b;
    struct fw_buf eb;

    det_hit_init(hit, c, ANZ_BLAME_SRC, p->window_us);
    hit->key = det_key("risk", &r->src, sizeof(r->src), &hits, sizeof(hits));
    fw_buf_init(&eb);
    fw_buf_puts(&eb, "{\"risks\":[");
    for (b = 0; b < DET_NDPI_RISK_MAX; b++) {
        if (!(hits & (1ull << b)))
            continue;
        if (p->sev[b] > hit->severity)
            hit->severity = p->sev[b];
        if (off < sizeof(names))
            off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", off ? ", " : "",
                                    det_ndpi_risk_name(b) ? det_ndpi_risk_name(b) : "?");
        if (eb.len > 10)
            fw_buf_putc(&eb, ',');
        fw_buf_json_str(&eb, det_ndpi_risk_name(b) ? det_ndpi_risk_name(b) : "?");
    }
    fw_buf_putc(&eb, ']');
    fw_buf_json_kv_str(&eb, "app", r->ndpi_proto);
    fw_buf_putc(&eb, '}');
    det_hit_evidence(hit, &eb);
    fw_buf_free(&eb);
    snprintf(hit->reason, sizeof(hit->reason), "%s:%u -> %s:%u/%s (%s) carries nDPI risk: %s",
             det_ip(&r->src, 0), r->sport, det_ip(&r->dst, 1), r->dport,
             det_proto_name(r->proto), r->ndpi_proto[0] ? r->ndpi_proto : "Unknown", names);
}

bool det_ndpi_risk_eval(const struct det_ndpi_risk_params *p, struct det_ctx *c, bool update,
                        struct det_hit *hit)
{
    uint64_t hits;

    (void)update;
    if (c->evt->type != FLOW_EVT_CLASSIFIED && c->evt->type != FLOW_EVT_END)
        return false;
    hits = c->evt->rec.ndpi_risk & p->mask;
    if (!hits)
        return false;
    risk_fill(p, c, hits, hit);
    return true;
}
