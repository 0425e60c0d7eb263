/* tests/fuzz/fuzz_wrk_worker.c: libFuzzer harness for the flow path.
 *
 * The input is a sequence of records: len(2, big-endian) | dt_ms(1) | bytes.
 * Each record is decoded as a raw IP packet (pkt_decode, PKT_LINK_RAW) and, when
 * it decodes, handed to one worker with a tiny table (4 flows, so eviction runs)
 * and short timeouts; the worker feeds nDPI and the DNS/HTTP/TLS/SSH/FIX
 * parsers. Each input ends with a flush, so every flow's state is released; the
 * worker itself (an nDPI module takes ~0.2 s to build) lives across inputs.
 * Looks for memory errors and leaks in flow_table, dpi_ndpi and wrk_worker.
 * Build (the lead wires `make fuzz`):
 *   clang -fsanitize=fuzzer,address,undefined -Isensor tests/fuzz/fuzz_wrk_worker.c \
 *         sensor/...c $(pkg-config --cflags --libs libndpi libgcrypt libxxhash)
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fw_config.h"
#include "pkt_decode.h"
#include "wrk_worker.h"

static uint64_t fuzz_events;

static void fuzz_emit(void *ctx, const struct flow_evt *evt)
{
    (void)ctx;
    fuzz_events += evt->rec.src_pkts + evt->type;   /* touch the record */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fw_config cfg;
    static struct wrk_worker *w;
    struct pkt_decoder *dec = pkt_decoder_create(NULL);
    uint64_t ts = 1000000;
    size_t off = 0;
    struct pkt p;

    if (!w) {
        cfg.tcp_idle_us = 5000000;
        cfg.tcp_closed_us = 1000000;
        cfg.udp_idle_us = 2000000;
        w = wrk_worker_create(&cfg, 0, 4, fuzz_emit, NULL);
    }
    if (!dec || !w)
        goto out;
    while (size - off >= 3) {
        size_t len = (size_t)data[off] << 8 | data[off + 1];
        ts += (uint64_t)data[off + 2] * 1000;
        off += 3;
        if (len > size - off)
            len = size - off;
        if (pkt_decode(dec, PKT_LINK_RAW, data + off, (uint32_t)len, (uint32_t)len, ts, &p) ==
            PKT_OK)
            wrk_worker_packet(w, &p);
        off += len;
    }
    wrk_worker_flush(w, ts);
out:
    pkt_decoder_destroy(dec);
    return 0;
}
