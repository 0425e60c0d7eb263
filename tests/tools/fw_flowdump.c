/* tests/tools/fw_flowdump.c: run capture -> decode -> one worker on capture
 * files and print one line per flow, in the layout of ndpiReader's flow list
 * as used by ../shared/pcaps/ndpi-expected.tsv:
 *   transport <TAB> src:port <TAB> dst:port <TAB> ndpi.protocol <TAB> category
 * followed by end reason, packets and the community id. Timeouts are infinite
 * by default (ndpiReader never expires flows when reading a file); -t uses the
 * configured defaults instead (300 s TCP, 60 s UDP, 10 s closed).
 *
 *   fw_flowdump [-t] FILE...
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cap_source.h"
#include "fw_config.h"
#include "flow_community.h"
#include "fw_ip.h"
#include "pkt_decode.h"
#include "wrk_worker.h"

#define DUMP_SEC 1000000ull

static const char *dump_transport(uint8_t proto, char *buf, size_t len)
{
    switch (proto) {            /* ndpiReader's ipProto2Name() */
    case 6:   return "TCP";
    case 17:  return "UDP";
    case 1:   return "ICMP";
    case 58:  return "ICMPV6";
    case 2:   return "IGMP";
    case 112: return "VRRP";
    }
    snprintf(buf, len, "%u", proto);
    return buf;
}

static void dump_endpoint(const struct fw_ip *ip, uint16_t port, uint8_t proto, char *out,
                          size_t len)
{
    char a[FW_IP_STRLEN];
    bool ports = proto == 6 || proto == 17;

    fw_ip_str(ip, a, sizeof(a));
    snprintf(out, len, ip->family == 6 ? "[%s]:%u" : "%s:%u", a, ports ? port : 0);
}

static void dump_emit(void *ctx, const struct flow_evt *evt)
{
    const struct flow_rec *r = &evt->rec;
    char t[8], s[64], d[64], cid[FLOW_COMMUNITY_LEN];

    (void)ctx;
    if (evt->type != FLOW_EVT_END)
        return;
    dump_endpoint(&r->src, r->sport, r->proto, s, sizeof(s));
    dump_endpoint(&r->dst, r->dport, r->proto, d, sizeof(d));
    printf("%s\t%s\t%s\t%s\t%s\t%s\t%" PRIu32 "\t%s\n", dump_transport(r->proto, t, sizeof(t)),
           s, d, r->ndpi_proto, r->ndpi_category,
           flow_end_reason_name((enum flow_end_reason)r->end_reason),
           r->src_pkts + r->dst_pkts, flow_rec_community_id(r, cid, sizeof(cid)));
}

static int dump_file(const char *path, const struct fw_config *cfg)
{
    char err[512] = "";
    struct cap_opts o = { 0 };
    struct cap_source *src = cap_source_open_offline(path, &o, err, sizeof(err));
    struct pkt_decoder *dec = pkt_decoder_create(NULL);
    struct wrk_worker *w = wrk_worker_create(cfg, 0, 1u << 20, dump_emit, NULL);
    struct cap_frame f;
    struct pkt p;
    uint64_t last = 0;
    int rc = 1;

    if (!src || !dec || !w) {
        fprintf(stderr, "fw_flowdump: %s: %s\n", path, src ? "out of memory" : err);
        goto out;
    }
    while ((rc = cap_source_next(src, &f)) == 1) {
        last = f.ts_us > last ? f.ts_us : last;
        if (pkt_decode(dec, f.link, f.data, f.caplen, f.wire_len, f.ts_us, &p) == PKT_OK)
            wrk_worker_packet(w, &p);
        if (pkt_decoder_tunnel(dec))        /* as the sensor: the carrier too */
            wrk_worker_packet(w, pkt_decoder_tunnel(dec));
    }
    if (rc < 0)
        fprintf(stderr, "fw_flowdump: %s: %s\n", path, cap_source_errmsg(src));
    wrk_worker_flush(w, last);
    rc = 0;
out:
    wrk_worker_destroy(w);
    pkt_decoder_destroy(dec);
    cap_source_close(src);
    return rc;
}

int main(int argc, char **argv)
{
    struct fw_config cfg;
    int i = 1, rc = 0;

    memset(&cfg, 0, sizeof(cfg));
    cfg.tcp_idle_us = cfg.tcp_closed_us = cfg.udp_idle_us = UINT64_MAX / 4;
    if (i < argc && strcmp(argv[i], "-t") == 0) {
        cfg.tcp_idle_us = 300 * DUMP_SEC;
        cfg.tcp_closed_us = 10 * DUMP_SEC;
        cfg.udp_idle_us = 60 * DUMP_SEC;
        i++;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: fw_flowdump [-t] FILE...\n");
        return 2;
    }
    for (; i < argc; i++)
        rc |= dump_file(argv[i], &cfg);
    return rc;
}
