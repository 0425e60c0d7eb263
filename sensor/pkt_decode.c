/* sensor/pkt_decode.c: the decoder object, the per-frame entry point, outcome
 * accounting and the symmetric flow hash.
 *
 * pkt_decode() picks the link-layer decoder, lets the chain run down to the
 * innermost IP packet, then counts the frame exactly once under its outcome:
 * ok, truncated, malformed, unsupported, too_many_layers, or (PKT_FRAGMENT)
 * held for reassembly. Protocol counters (vlan, gre, ipv4, tcp...) count frames
 * that contained the protocol, so a tunnelled frame counts once, not per layer.
 */
#include "pkt_decode.h"

#include <string.h>

#include "fw_alloc.h"
#include "pkt_int.h"

struct pkt_decoder {
    struct pkt_stats st;
    struct pkt_defrag *defrag;  /* owned */
    struct pkt tun;             /* see pkt_decoder_tunnel */
    bool has_tun;
};

/* Encapsulations whose carrier is a flow of its own (ndpiReader 4.2 reports
 * these outer flows and not what they carry). */
#define PKT_TUNNEL_FLOWS (PKT_ENC_GRE | PKT_ENC_ERSPAN | PKT_ENC_VXLAN | PKT_ENC_GENEVE | \
                          PKT_ENC_TEREDO)

struct pkt_decoder *pkt_decoder_create(const struct pkt_decoder_cfg *cfg)
{
    struct pkt_decoder *d = fw_calloc(1, sizeof(*d));

    if (!d)
        return NULL;
    d->defrag = pkt_defrag_create(cfg);
    if (!d->defrag) {
        fw_free(d);
        return NULL;
    }
    return d;
}

void pkt_decoder_destroy(struct pkt_decoder *d)
{
    if (!d)
        return;
    pkt_defrag_destroy(d->defrag);
    fw_free(d);
}

/* The packet as decoded so far is the carrier of the tunnel being entered:
 * keep it. Its UDP payload is already set; GRE's starts at its header. */
static void pkt_keep_carrier(struct pkt_ctx *c)
{
    struct pkt *t = c->tun;

    *t = *c->out;
    if (t->proto != PKT_IPPROTO_UDP) {
        t->payload_off = t->l4_off;
        t->payload_len = t->ip_len > t->l4_off ? t->ip_len - t->l4_off : 0;
    }
    *c->has_tun = t->ip != NULL;
}

bool pkt_encap_enter(struct pkt_ctx *c, uint32_t encap_bit)
{
    if (++c->depth > PKT_MAX_ENCAP) {
        c->too_deep = true;
        return false;
    }
    if ((encap_bit & PKT_TUNNEL_FLOWS) && c->tun && !*c->has_tun)
        pkt_keep_carrier(c);
    c->out->encap |= encap_bit;
    return true;
}

static enum pkt_status pkt_link_dispatch(struct pkt_ctx *c, enum pkt_link link,
                                         struct fw_rd *rd)
{
    switch (link) {
    case PKT_LINK_ETHERNET:
        return pkt_eth_decode(c, rd);
    case PKT_LINK_SLL:
        return pkt_sll_decode(c, rd);
    case PKT_LINK_SLL2:
        return pkt_sll2_decode(c, rd);
    case PKT_LINK_RAW:
        return pkt_raw_decode(c, rd);
    case PKT_LINK_IPV4:
        return pkt_ipv4_decode(c, rd);
    case PKT_LINK_IPV6:
        return pkt_ipv6_decode(c, rd);
    case PKT_LINK_NULL:
        return pkt_null_decode(c, rd, false);
    case PKT_LINK_LOOP:
        return pkt_null_decode(c, rd, true);
    }
    return PKT_UNSUPPORTED;
}

/* Frames that carried each encapsulation, whatever the outcome. */
static void pkt_count_encap(struct pkt_stats *st, uint32_t encap)
{
    st->vlan += (encap & (PKT_ENC_VLAN | PKT_ENC_QINQ)) != 0;
    st->mpls += (encap & PKT_ENC_MPLS) != 0;
    st->pppoe += (encap & PKT_ENC_PPPOE) != 0;
    st->gre += (encap & PKT_ENC_GRE) != 0;
    st->erspan += (encap & PKT_ENC_ERSPAN) != 0;
    st->vxlan += (encap & PKT_ENC_VXLAN) != 0;
    st->geneve += (encap & PKT_ENC_GENEVE) != 0;
}

static void pkt_count_ok(struct pkt_stats *st, const struct pkt *p)
{
    st->ok++;
    if (p->ip_version == 4)
        st->ipv4++;
    else
        st->ipv6++;
    switch (p->proto) {
    case PKT_IPPROTO_TCP:
        st->tcp++;
        break;
    case PKT_IPPROTO_UDP:
        st->udp++;
        break;
    case PKT_IPPROTO_ICMP:
    case PKT_IPPROTO_ICMPV6:
        st->icmp++;
        break;
    case PKT_IPPROTO_SCTP:
        st->sctp++;
        break;
    default:
        st->other_l4++;
        break;
    }
}

/* Exactly one outcome counter per frame; PKT_FRAGMENT frames are accounted by
 * the reassembly counters (held = frag_fragments - frag_reassembled). */
static void pkt_count_outcome(const struct pkt_ctx *c, enum pkt_status s)
{
    struct pkt_stats *st = c->st;

    pkt_count_encap(st, c->out->encap);
    if (c->too_deep) {
        st->too_many_layers++;
        return;
    }
    switch (s) {
    case PKT_OK:
        pkt_count_ok(st, c->out);
        break;
    case PKT_TRUNCATED:
        st->truncated++;
        break;
    case PKT_MALFORMED:
        st->malformed++;
        break;
    case PKT_UNSUPPORTED:
        st->unsupported++;
        break;
    case PKT_FRAGMENT:
        break;
    }
}

enum pkt_status pkt_decode(struct pkt_decoder *d, enum pkt_link link, const uint8_t *frame,
                           uint32_t caplen, uint32_t wire_len, uint64_t ts_us, struct pkt *out)
{
    struct pkt_ctx c = { .out = out, .st = &d->st, .defrag = d->defrag, .tun = &d->tun,
                         .has_tun = &d->has_tun };
    struct fw_rd rd;
    enum pkt_status s;

    d->has_tun = false;
    memset(out, 0, sizeof(*out));
    out->ts_us = ts_us;
    out->wire_len = wire_len;
    d->st.packets++;
    d->st.bytes += wire_len;
    fw_rd_init(&rd, frame, frame ? caplen : 0);
    s = pkt_link_dispatch(&c, link, &rd);
    if (c.too_deep)
        s = PKT_MALFORMED;
    pkt_count_outcome(&c, s);
    return s;
}

const struct pkt *pkt_decoder_tunnel(const struct pkt_decoder *d)
{
    return d->has_tun ? &d->tun : NULL;
}

void pkt_decoder_expire(struct pkt_decoder *d, uint64_t now_us)
{
    pkt_defrag_expire(d->defrag, now_us, &d->st);
}

const struct pkt_stats *pkt_decoder_stats(const struct pkt_decoder *d)
{
    return &d->st;
}
