/* tests/bench/bench_pcap_loop.c: the ceiling — a bare libpcap read loop that
 * touches every packet's first and last byte and does nothing else.
 *   bench_pcap_loop FILE   ->  "pcap_loop: N packets in S s, P pps"
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    unsigned long long n = 0, sum = 0;
    double t0, t1;
    pcap_t *p;

    if (argc != 2) {
        fprintf(stderr, "usage: bench_pcap_loop FILE\n");
        return 2;
    }
    t0 = now_s();
    p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "bench_pcap_loop: %s\n", err);
        return 1;
    }
    while (pcap_next_ex(p, &h, &data) == 1) {
        if (h->caplen)
            sum += data[0] + data[h->caplen - 1];
        n++;
    }
    pcap_close(p);
    t1 = now_s();
    printf("pcap_loop: %llu packets in %.3f s, %.0f pps (checksum %llu)\n", n, t1 - t0,
           (double)n / (t1 - t0), sum);
    return 0;
}
