/* tests/sensor/test_cap_mmap.c: the in-place reader gives exactly what
 * libpcap gives.
 *
 * libpcap is the reference: every file here is read record by record with
 * pcap_next_ex() and with cap_mmap_next(), and the two must agree on caplen,
 * length, time stamp, bytes, where the file ends and the error text of a
 * damaged rest. Crafted files cover both byte orders, nanosecond stamps,
 * negative stamps, records longer than the snapshot, an oversized caplen,
 * truncated headers and data, and records that cross a mapping window; then
 * every capture under the shared folder (hostile ones included) is compared
 * the same way. Formats the reader leaves to libpcap (pcapng, old versions)
 * must be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cap_mmap.h"
#include "fw_err.h"

static char tmp_path[] = "/tmp/fw-test-cap-mmap.XXXXXX";
static int tmp_fd = -1;
static unsigned compared_files, compared_records;

/* ------------------------------------------------------------ file writer */

struct pw {
    FILE *f;
    bool swap;
};

static uint32_t sw32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

static void put32(struct pw *w, uint32_t v)
{
    v = w->swap ? sw32(v) : v;
    assert_int_equal(fwrite(&v, 4, 1, w->f), 1);
}

static void put16(struct pw *w, uint16_t v)
{
    v = w->swap ? (uint16_t)((v >> 8) | (v << 8)) : v;
    assert_int_equal(fwrite(&v, 2, 1, w->f), 1);
}

static struct pw pw_open_link(bool swap, uint32_t magic, uint16_t minor, uint32_t snaplen,
                              uint32_t linktype)
{
    struct pw w = {fopen(tmp_path, "wb"), swap};

    assert_non_null(w.f);
    put32(&w, magic);
    put16(&w, 2);
    put16(&w, minor);
    put32(&w, 0);
    put32(&w, 0);
    put32(&w, snaplen);
    put32(&w, linktype);
    return w;
}

static struct pw pw_open(bool swap, uint32_t magic, uint16_t minor, uint32_t snaplen)
{
    return pw_open_link(swap, magic, minor, snaplen, 1);       /* Ethernet */
}

/* A record header and caplen bytes of data (a counter pattern). */
static void pw_rec(struct pw *w, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len)
{
    uint32_t i;

    put32(w, sec);
    put32(w, frac);
    put32(w, caplen);
    put32(w, len);
    for (i = 0; i < caplen; i++)
        fputc((int)((i * 7 + sec) & 0xff), w->f);
}

static void pw_raw(struct pw *w, const void *p, size_t n)
{
    assert_int_equal(fwrite(p, 1, n, w->f), n);
}

static void pw_close(struct pw *w)
{
    assert_int_equal(fclose(w->f), 0);
}

/* ------------------------------------------------------------- comparison */

/* Read path with both readers and assert they agree. window 0 keeps the
 * default mapping window. Returns the records read. */
static unsigned compare(const char *path, size_t window)
{
    char eb[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *h;
    const u_char *data;
    struct cap_mmap m;
    struct cap_mmap_rec r;
    unsigned n = 0;
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, eb);
    int rc, mrc;

    assert_non_null(p);
    assert_int_equal(cap_mmap_open(&m, path, (uint32_t)pcap_snapshot(p), pcap_datalink(p)), 0);
    if (window)
        m.window = window;
    for (;;) {
        rc = pcap_next_ex(p, &h, &data);
        mrc = cap_mmap_next(&m, &r);
        if (rc != 1)
            break;
        assert_int_equal(mrc, 1);
        assert_int_equal(r.caplen, h->caplen);
        assert_int_equal(r.len, h->len);
        assert_int_equal(r.ts_us, (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec);
        assert_memory_equal(r.data, data, h->caplen);
        n++;
    }
    if (rc == PCAP_ERROR_BREAK) {
        assert_int_equal(mrc, 0);
    } else {
        assert_int_equal(rc, PCAP_ERROR);
        assert_int_equal(mrc, FW_EPARSE);
        assert_string_equal(m.err, pcap_geterr(p));
        assert_int_equal(cap_mmap_next(&m, &r), 0);     /* the rest is skipped */
    }
    cap_mmap_close(&m);
    pcap_close(p);
    return n;
}

static int setup(void **state)
{
    (void)state;
    tmp_fd = mkstemp(tmp_path);
    return tmp_fd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    close(tmp_fd);
    unlink(tmp_path);
    return 0;
}

/* ------------------------------------------------------------------ tests */

static void test_plain_both_orders(void **state)
{
    struct pw w;
    int swap;

    (void)state;
    for (swap = 0; swap < 2; swap++) {
        w = pw_open(swap, 0xa1b2c3d4u, 4, 65535);
        pw_rec(&w, 1700000000, 123456, 60, 60);
        pw_rec(&w, 1700000001, 999999, 1514, 1514);
        pw_rec(&w, 1700000002, 0, 0, 0);
        pw_rec(&w, 0xffffff00u, 5, 40, 1500);       /* seconds past 2^31, cut at capture */
        pw_close(&w);
        assert_int_equal(compare(tmp_path, 0), 4);
    }
}

static void test_nanoseconds(void **state)
{
    struct pw w;
    int swap;

    (void)state;
    for (swap = 0; swap < 2; swap++) {
        w = pw_open(swap, 0xa1b23c4du, 4, 65535);
        pw_rec(&w, 1700000000, 999999999, 60, 60);
        pw_rec(&w, 1700000000, 1500, 61, 61);
        pw_rec(&w, 1700000000, 0xfffffff0u, 62, 62);   /* fraction past 2^31, as libpcap */
        pw_close(&w);
        assert_int_equal(compare(tmp_path, 0), 3);
    }
}

static void test_longer_than_snapshot(void **state)
{
    struct pw w = pw_open(false, 0xa1b2c3d4u, 4, 100);

    (void)state;
    pw_rec(&w, 1, 0, 150, 150);     /* cut to 100, the rest skipped */
    pw_rec(&w, 2, 0, 80, 80);
    pw_close(&w);
    assert_int_equal(compare(tmp_path, 0), 2);
}

static void test_oversized_caplen(void **state)
{
    struct pw w = pw_open(false, 0xa1b2c3d4u, 4, 65535);
    uint32_t hdr[4] = {3, 0, 300000, 300000};

    (void)state;
    pw_rec(&w, 1, 0, 60, 60);
    pw_raw(&w, hdr, sizeof(hdr));
    pw_close(&w);
    assert_int_equal(compare(tmp_path, 0), 1);
}

static void test_truncated(void **state)
{
    static const uint8_t part[5] = {1, 2, 3, 4, 5};
    uint32_t hdr[4] = {9, 0, 200, 200};
    struct pw w;

    (void)state;
    /* a partial record header */
    w = pw_open(false, 0xa1b2c3d4u, 4, 65535);
    pw_rec(&w, 1, 0, 60, 60);
    pw_raw(&w, part, sizeof(part));
    pw_close(&w);
    assert_int_equal(compare(tmp_path, 0), 1);
    /* data shorter than caplen */
    w = pw_open(false, 0xa1b2c3d4u, 4, 65535);
    pw_rec(&w, 1, 0, 60, 60);
    pw_raw(&w, hdr, sizeof(hdr));
    pw_raw(&w, part, sizeof(part));
    pw_close(&w);
    assert_int_equal(compare(tmp_path, 0), 1);
    /* caplen over the snapshot: short of the snapshot, then short of caplen */
    for (int extra = 0; extra < 2; extra++) {
        uint8_t body[150] = {0};

        w = pw_open(false, 0xa1b2c3d4u, 4, 100);
        pw_rec(&w, 1, 0, 60, 60);
        pw_raw(&w, hdr, sizeof(hdr));
        pw_raw(&w, body, extra ? 150 : 50);
        pw_close(&w);
        assert_int_equal(compare(tmp_path, 0), 1);
    }
    /* only the file header */
    w = pw_open(false, 0xa1b2c3d4u, 4, 65535);
    pw_close(&w);
    assert_int_equal(compare(tmp_path, 0), 0);
}

static void test_records_cross_windows(void **state)
{
    struct pw w = pw_open(false, 0xa1b2c3d4u, 4, 65535);
    unsigned i;

    (void)state;
    for (i = 0; i < 300; i++)
        pw_rec(&w, i, i, 1 + (i * 37) % 1500, 1600);
    pw_close(&w);
    assert_int_equal(compare(tmp_path, 4096), 300);    /* one page at a time */
    assert_int_equal(compare(tmp_path, 0), 300);
}

static void test_left_to_libpcap(void **state)
{
    struct cap_mmap m;
    struct pw w;
    static const uint8_t pcapng[28] = {0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0,
                                       0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
                                       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                       28, 0, 0, 0};

    (void)state;
    w = pw_open(false, 0xa1b2c3d4u, 3, 65535);          /* version 2.3 */
    pw_rec(&w, 1, 0, 60, 60);
    pw_close(&w);
    assert_int_equal(cap_mmap_open(&m, tmp_path, 65535, DLT_EN10MB), FW_EUNSUPP);
    w = pw_open(false, 0xa1b2cd34u, 4, 65535);          /* the patched format */
    pw_close(&w);
    assert_int_equal(cap_mmap_open(&m, tmp_path, 65535, DLT_EN10MB), FW_EUNSUPP);
    w = pw_open(false, 0, 0, 0);
    pw_close(&w);
    w.f = fopen(tmp_path, "wb");
    pw_raw(&w, pcapng, sizeof(pcapng));
    pw_close(&w);
    assert_int_equal(cap_mmap_open(&m, tmp_path, 65535, DLT_EN10MB), FW_EUNSUPP);
    assert_int_equal(cap_mmap_open(&m, "/nonexistent/x.pcap", 65535, DLT_EN10MB), FW_EIO);
}

/* Link types whose records libpcap changes or bounds differently are left
 * to it: a 300 000-byte record is fine for USBPcap (1 MiB limit) but not for
 * the in-place reader's 256 KiB, and a swapped Linux cooked header gets its
 * CAN id swapped. The plain ones are read in place, in either byte order. */
static void test_link_types_left_to_libpcap(void **state)
{
    static const struct {
        uint32_t linktype;
        bool swap;
        int want;
    } cases[] = {
        {249, false, FW_EUNSUPP},       /* USBPcap */
        {231, false, FW_EUNSUPP},       /* D-Bus */
        {220, false, FW_EUNSUPP},       /* memory-mapped Linux USB */
        {113, true, FW_EUNSUPP},        /* Linux cooked, other byte order */
        {276, true, FW_EUNSUPP},        /* Linux cooked v2, other byte order */
        {113, false, 0},
        {276, false, 0},
        {1, true, 0},
        {101, false, 0},                /* raw IP */
        {0, true, 0},                   /* BSD loopback */
    };
    char eb[PCAP_ERRBUF_SIZE];
    struct cap_mmap m;
    struct pw w;
    pcap_t *p;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        w = pw_open_link(cases[i].swap, 0xa1b2c3d4u, 4, 1u << 20, cases[i].linktype);
        pw_rec(&w, 1, 0, 300000, 300000);
        pw_close(&w);
        p = pcap_open_offline(tmp_path, eb);
        assert_non_null(p);
        assert_int_equal(cap_mmap_open(&m, tmp_path, (uint32_t)pcap_snapshot(p), pcap_datalink(p)),
                         cases[i].want);
        if (cases[i].want == 0) {
            /* read in place: the record is over 256 KiB, an error as in libpcap */
            cap_mmap_close(&m);
            compare(tmp_path, 0);
        }
        pcap_close(p);
    }
    assert_false(cap_mmap_plain_link(249, false));
    assert_true(cap_mmap_plain_link(1, false));
}

/* Every shared capture the reader accepts reads exactly as with libpcap. */
static int compare_shared(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    char eb[PCAP_ERRBUF_SIZE];
    struct cap_mmap m;
    pcap_t *p;

    (void)sb, (void)ftw;
    if (type != FTW_F)
        return 0;
    p = pcap_open_offline(path, eb);
    if (!p)
        return 0;               /* not a capture libpcap opens: nothing to compare */
    if (cap_mmap_open(&m, path, (uint32_t)pcap_snapshot(p), pcap_datalink(p)) == 0) {
        cap_mmap_close(&m);
        compared_records += compare(path, 0);
        compared_files++;
    }
    pcap_close(p);
    return 0;
}

static void test_shared_captures(void **state)
{
    const char *root = getenv("FW_SHARED");
    char dir[PATH_MAX];

    (void)state;
    snprintf(dir, sizeof(dir), "%s/pcaps", root ? root : "../shared");
    if (access(dir, R_OK) != 0)
        skip();
    assert_int_equal(nftw(dir, compare_shared, 16, FTW_PHYS), 0);
    print_message("compared %u shared captures, %u records\n", compared_files,
                  compared_records);
    assert_true(compared_files > 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_both_orders),
        cmocka_unit_test(test_link_types_left_to_libpcap),
        cmocka_unit_test(test_nanoseconds),
        cmocka_unit_test(test_longer_than_snapshot),
        cmocka_unit_test(test_oversized_caplen),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_records_cross_windows),
        cmocka_unit_test(test_left_to_libpcap),
        cmocka_unit_test(test_shared_captures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
