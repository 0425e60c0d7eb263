/* tests/tools/fwcat.c: builds a large throughput capture for benchmarks.
 *
 *   fwcat OUT.pcap PACKETS IN.pcap...
 *
 * Appends the Ethernet captures given, again and again, until PACKETS packets
 * are written. Each pass shifts timestamps past every idle timeout, so flows of
 * one pass end before the next pass starts them again: the result behaves like a
 * long capture of a busy link instead of one flow table filling forever.
 * Captures of other link types are skipped. Test tool: uses libpcap directly.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASS_GAP_US (3600ull * 1000000ull)  /* > every idle timeout */

static uint64_t tv_us(const struct timeval *tv)
{
    return (uint64_t)tv->tv_sec * 1000000ull + (uint64_t)tv->tv_usec;
}

/* Copy one file into the dumper; returns packets written or -1 on error. */
static long copy_file(const char *path, pcap_dumper_t *d, uint64_t offset, uint64_t *base,
                      uint64_t *last, unsigned long long left)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    pcap_t *p = pcap_open_offline(path, err);
    long n = 0;

    if (!p)
        return -1;
    if (pcap_datalink(p) != DLT_EN10MB) {
        pcap_close(p);
        return 0;
    }
    while (left > (unsigned long long)n && pcap_next_ex(p, &h, &data) == 1) {
        struct pcap_pkthdr out = *h;
        uint64_t t = tv_us(&h->ts);

        if (*base == 0)
            *base = t;
        /* Files are laid end to end in time: each starts right after the last. */
        t = (t >= *base ? t - *base : 0) + offset;
        if (t < *last)
            t = *last;
        *last = t;
        out.ts.tv_sec = (time_t)(t / 1000000ull);
        out.ts.tv_usec = (suseconds_t)(t % 1000000ull);
        pcap_dump((u_char *)d, &out, data);
        n++;
    }
    pcap_close(p);
    return n;
}

int main(int argc, char **argv)
{
    unsigned long long want, done = 0;
    uint64_t offset = 1700000000ull * 1000000ull, last = 0;
    pcap_dumper_t *d;
    pcap_t *dead;
    int i, pass = 0;

    if (argc < 4) {
        fprintf(stderr, "usage: fwcat OUT.pcap PACKETS IN.pcap...\n");
        return 2;
    }
    want = strtoull(argv[2], NULL, 10);
    dead = pcap_open_dead(DLT_EN10MB, 65535);
    d = pcap_dump_open(dead, argv[1]);
    if (!d) {
        fprintf(stderr, "fwcat: %s: %s\n", argv[1], pcap_geterr(dead));
        return 1;
    }
    while (done < want) {
        unsigned long long before = done;

        for (i = 3; i < argc && done < want; i++) {
            uint64_t base = 0;
            long n = copy_file(argv[i], d, offset, &base, &last, want - done);

            if (n > 0)
                done += (unsigned long long)n;
            offset = last + 1000;
        }
        if (done == before) {
            fprintf(stderr, "fwcat: no Ethernet packets in the inputs\n");
            return 1;
        }
        offset = last + PASS_GAP_US;
        pass++;
    }
    pcap_dump_close(d);
    pcap_close(dead);
    fprintf(stderr, "fwcat: %llu packets in %d passes\n", done, pass);
    return 0;
}
