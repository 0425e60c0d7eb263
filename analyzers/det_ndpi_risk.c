/* analyzers/det_ndpi_risk.c: selected nDPI risks, with per-risk severities. */
#include "det_ndpi_risk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dpi_risks.h"
#include "fw_err.h"

/* Risk names: sensor/dpi_risks.c, nDPI 4.2's ndpi_risk2str list. */

const char *det_ndpi_risk_name(unsigned bit)
{
    return dpi_risks_name(bit);
}

int det_ndpi_risk_bit(const char *name)
{
    char *end;
    unsigned long v;
    int bit = dpi_risks_bit(name);

    if (bit > 0)
        return bit;
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
