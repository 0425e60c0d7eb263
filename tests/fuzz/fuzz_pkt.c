/* tests/fuzz/fuzz_pkt.c: libFuzzer harness for the decoder chain.
 *
 * The first input byte picks the link type, the rest is the frame. One decoder
 * lives for the whole run so the reassembly table fills, evicts and times out
 * across inputs (the timestamp advances by one second per input). Every frame
 * must be counted under exactly one outcome; a PKT_OK packet must stay inside
 * its IP window. Build: clang -fsanitize=fuzzer,address -Isensor ... -lxxhash
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pkt_decode.h"

static struct pkt_decoder *dec;
static uint64_t now_us;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct pkt_stats *st;
    const struct pkt *t;
    struct pkt p;
    enum pkt_link link;

    if (size < 1 || size > 70000)
        return 0;
    if (!dec) {
        struct pkt_decoder_cfg cfg = { .frag_max_datagrams = 64, .frag_max_bytes = 256 * 1024,
                                       .frag_timeout_us = 5000000 };

        dec = pkt_decoder_create(&cfg);
        if (!dec)
            abort();
    }
    link = (enum pkt_link)(data[0] % (PKT_LINK_LOOP + 1));
    now_us += 1000000;
    if (pkt_decode(dec, link, data + 1, (uint32_t)(size - 1), (uint32_t)(size - 1), now_us,
                   &p) == PKT_OK) {
        if (!p.ip || p.payload_off > p.ip_len || p.payload_len > p.ip_len - p.payload_off)
            abort();
    }
    /* a tunnel's carrier is a packet of its own: the same bounds, and its L4
     * header inside it (the worker reads the IP packet it describes) */
    t = pkt_decoder_tunnel(dec);
    if (t && (!t->ip || t->l4_off > t->ip_len || t->payload_off > t->ip_len ||
              t->payload_len > t->ip_len - t->payload_off || t->payload_off < t->l4_off))
        abort();
    pkt_decoder_expire(dec, now_us);
    st = pkt_decoder_stats(dec);
    if (st->packets != st->ok + st->truncated + st->malformed + st->unsupported +
                       st->too_many_layers + st->frag_fragments - st->frag_reassembled)
        abort();
    return 0;
}
