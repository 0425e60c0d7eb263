/* tests/fuzz/fuzz_cap_mmap.c: libFuzzer harness, differential: the input is a
 * capture file, read with libpcap (the reference) and with the in-place
 * reader (sensor/cap_mmap.c). Whenever the in-place reader accepts the file,
 * both must give the same records (caplen, length, time stamp, bytes), end at
 * the same record, and a damaged rest must carry libpcap's error text. Any
 * difference aborts. The file lives in a memfd, so mmap sees real pages.
 */
#include <pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cap_mmap.h"
#include "fw_err.h"

static void compare(const char *path)
{
    char eb[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    struct cap_mmap_rec r;
    struct cap_mmap m;
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, eb);
    int rc, mrc;

    if (!p)
        return;
    if (cap_mmap_open(&m, path, (uint32_t)pcap_snapshot(p), pcap_datalink(p)) != 0) {
        pcap_close(p);
        return;
    }
    m.window = 4096;            /* many remaps: records cross windows */
    for (;;) {
        rc = pcap_next_ex(p, &h, &data);
        mrc = cap_mmap_next(&m, &r);
        if (rc != 1)
            break;
        if (mrc != 1 || r.caplen != h->caplen || r.len != h->len ||
            r.ts_us != (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec ||
            memcmp(r.data, data, h->caplen) != 0)
            abort();
    }
    if (rc == PCAP_ERROR_BREAK ? mrc != 0
                               : (mrc != FW_EPARSE || strcmp(m.err, pcap_geterr(p)) != 0))
        abort();
    cap_mmap_close(&m);
    pcap_close(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = memfd_create("fuzz-cap", MFD_CLOEXEC);

    if (fd < 0)
        return 0;
    if (write(fd, data, size) == (ssize_t)size) {
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        compare(path);
    }
    close(fd);
    return 0;
}
