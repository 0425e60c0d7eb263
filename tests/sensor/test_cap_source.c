/* tests/sensor/test_cap_source.c: capture sources on the shared captures.
 *
 * Frame counts are compared with /work/shared/pcaps/MANIFEST.md for a few files
 * (pcap, pcapng, Linux SLL/SLL2, NULL, raw IPv6); directory mode must read
 * files in name order and skip non-captures; an unsupported link type and a
 * truncated record are clean errors; every capture under the shared folder,
 * hostile ones included, goes through the decoder with the outcome counters
 * adding up. Tests run from the repo root; FW_SHARED overrides ../shared.
 * Without the shared folder the capture tests are skipped.
 */
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sensor/pkt_test.h"
#include "cap_source.h"
#include "fw_err.h"

static char pcaps[PATH_MAX];

/* Absolute path of the shared captures (symlinks made in /tmp need one). */
static bool have_pcaps(void)
{
    const char *root = getenv("FW_SHARED");
    char rel[1024];

    snprintf(rel, sizeof(rel), "%s/pcaps", root ? root : "../shared");
    return realpath(rel, pcaps) != NULL;
}

static int count_frames(const char *rel, enum pkt_link *link)
{
    char path[PATH_MAX + 128], err[512] = "";
    struct cap_source *s;
    struct cap_frame f;
    int n = 0, rc;

    snprintf(path, sizeof(path), "%s/%s", pcaps, rel);
    s = cap_source_open_offline(path, NULL, err, sizeof(err));
    if (!s)
        fail_msg("%s", err);
    while ((rc = cap_source_next(s, &f)) == 1) {
        *link = f.link;
        assert_true(f.caplen <= f.wire_len || f.wire_len == 0);
        n++;
    }
    assert_int_equal(rc, 0);
    cap_source_close(s);
    return n;
}

static void test_manifest_counts(void **state)
{
    static const struct {
        const char *file;
        int packets;            /* from MANIFEST.md */
        enum pkt_link link;
    } cases[] = {
        { "encap/suricata-decode-sll2-01_input.pcap", 5, PKT_LINK_SLL2 },
        { "encap/suricata-datasets-10-unset_unset.pcap", 40, PKT_LINK_NULL },
        { "encap/tcpdump-ipv6_mobility_1.pcap", 16, PKT_LINK_IPV6 },
        { "ndpi/ndpi-z3950.pcapng", 31, PKT_LINK_ETHERNET },
        { "ndpi/ndpi-tls_heur__vmess-tcp.pcapng", 100, PKT_LINK_SLL },
        { "attacks/ndpi-synscan.pcap", 2011, PKT_LINK_ETHERNET },
    };
    size_t i;

    (void)state;
    if (!have_pcaps())
        skip();
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum pkt_link link = (enum pkt_link)99;

        assert_int_equal(count_frames(cases[i].file, &link), cases[i].packets);
        assert_int_equal(link, cases[i].link);
    }
}

static void make_tmpdir(char *dir, size_t len)
{
    snprintf(dir, len, "/tmp/fw_cap_test.XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void test_directory_order(void **state)
{
    char dir[64], a[128], b[128], c[128], target[PATH_MAX + 128], err[512];
    struct cap_source *s;
    struct cap_frame f;
    struct cap_stats st;
    uint64_t done, total;
    int n = 0;
    FILE *fp;

    (void)state;
    if (!have_pcaps())
        skip();
    make_tmpdir(dir, sizeof(dir));
    snprintf(a, sizeof(a), "%s/a.pcap", dir);
    snprintf(b, sizeof(b), "%s/b.pcap", dir);
    snprintf(c, sizeof(c), "%s/c.txt", dir);
    /* b (SLL2, 5 frames) is created first; a (NULL, 2 frames) must still come first */
    snprintf(target, sizeof(target), "%s/encap/suricata-decode-sll2-01_input.pcap", pcaps);
    assert_int_equal(symlink(target, b), 0);
    snprintf(target, sizeof(target), "%s/encap/suricata-bug-7552_bug-7552-01_input.pcap", pcaps);
    assert_int_equal(symlink(target, a), 0);
    fp = fopen(c, "w");
    assert_non_null(fp);
    fputs("not a capture\n", fp);
    fclose(fp);
    s = cap_source_open_offline(dir, NULL, err, sizeof(err));
    assert_non_null(s);
    while (cap_source_next(s, &f) == 1) {
        assert_int_equal(f.link, n < 2 ? PKT_LINK_NULL : PKT_LINK_SLL2);
        n++;
    }
    assert_int_equal(n, 7);
    cap_source_stats(s, &st);
    assert_int_equal(st.files, 2);
    assert_int_equal(st.bad_files, 1);
    cap_source_progress(s, &done, &total);
    assert_true(total > 0);
    assert_int_equal(done, total);
    assert_false(cap_source_is_live(s));
    cap_source_close(s);
    unlink(a);
    unlink(b);
    unlink(c);
    rmdir(dir);
}

/* pcap global header, little endian: magic, v2.4, tz 0, sigfigs 0, snaplen 65535,
 * link type patched */
static const uint8_t PCAP_HDR[24] = {
    0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void write_file(const char *path, const uint8_t *a, size_t alen, const uint8_t *b,
                       size_t blen)
{
    FILE *fp = fopen(path, "wb");

    assert_non_null(fp);
    assert_int_equal(fwrite(a, 1, alen, fp), alen);
    if (blen)
        assert_int_equal(fwrite(b, 1, blen, fp), blen);
    fclose(fp);
}

static void test_unsupported_link_type(void **state)
{
    char dir[64], path[128], want[256], err[512] = "";
    uint8_t hdr[24];

    (void)state;
    make_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/user0.pcap", dir);
    memcpy(hdr, PCAP_HDR, sizeof(hdr));
    hdr[20] = 105;                          /* LINKTYPE_IEEE802_11 */
    write_file(path, hdr, sizeof(hdr), NULL, 0);
    assert_null(cap_source_open_offline(path, NULL, err, sizeof(err)));
    snprintf(want, sizeof(want), "%s: unsupported link type 105 (IEEE802_11)", path);
    assert_string_equal(err, want);
    unlink(path);
    assert_null(cap_source_open_offline(path, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "No such file"));
    rmdir(dir);
}

static void test_truncated_record(void **state)
{
    /* one complete record (ts 1.000002, caplen 4, len 60, bytes de ad be ef), then a
     * record header claiming 100 bytes followed by only 3 */
    static const uint8_t recs[] = {
        1, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 60, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef,
        1, 0, 0, 0, 3, 0, 0, 0, 100, 0, 0, 0, 100, 0, 0, 0, 1, 2, 3,
    };
    char dir[64], path[128], err[512] = "";
    struct cap_source *s;
    struct cap_frame f;
    struct cap_stats st;
    uint8_t hdr[24];

    (void)state;
    make_tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/trunc.pcap", dir);
    memcpy(hdr, PCAP_HDR, sizeof(hdr));
    hdr[20] = 1;                            /* Ethernet */
    write_file(path, hdr, sizeof(hdr), recs, sizeof(recs));
    s = cap_source_open_offline(path, NULL, err, sizeof(err));
    assert_non_null(s);
    assert_int_equal(cap_source_next(s, &f), 1);
    assert_int_equal(f.caplen, 4);
    assert_int_equal(f.wire_len, 60);
    assert_int_equal(f.ts_us, 1000002);
    assert_int_equal(cap_source_next(s, &f), 0);
    cap_source_stats(s, &st);
    assert_int_equal(st.read_errors, 1);
    assert_non_null(strstr(cap_source_errmsg(s), path));
    cap_source_close(s);
    unlink(path);
    rmdir(dir);
}

static void test_bpf_and_live_errors(void **state)
{
    struct cap_opts o = { .bpf = "udp port 53" };
    struct cap_opts bad = { .bpf = "this is not bpf" };
    char path[PATH_MAX + 128], err[512] = "";
    struct cap_source *s;
    struct cap_frame f;
    int n = 0;

    (void)state;
    assert_null(cap_source_open_live("fw-no-such-if0", NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "fw-no-such-if0"));
    assert_non_null(strstr(cap_lib_version(), "libpcap"));
    if (!have_pcaps())
        skip();
    snprintf(path, sizeof(path), "%s/attacks/ndpi-dns-tunnel-iodine.pcap", pcaps);
    s = cap_source_open_offline(path, &o, err, sizeof(err));
    assert_non_null(s);
    while (cap_source_next(s, &f) == 1)
        n++;
    assert_true(n > 0 && n <= 438);
    cap_source_close(s);
    assert_null(cap_source_open_offline(path, &bad, err, sizeof(err)));
    assert_non_null(strstr(err, "BPF"));
}

/* ---------------------------------------------------------------- every capture */

static struct {
    uint64_t files, opened, frames;
    struct pkt_stats sum;
} all;

static void add_stats(const struct pkt_stats *st)
{
    all.sum.packets += st->packets;
    all.sum.ok += st->ok;
    all.sum.frag_reassembled += st->frag_reassembled;
    all.sum.too_many_layers += st->too_many_layers;
}

static int decode_file(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    char err[512];
    struct cap_source *s;
    struct pkt_decoder *d;
    const struct pkt_stats *st;
    struct cap_frame f;
    struct pkt p;

    (void)sb;
    (void)ftw;
    if (type != FTW_F || !strstr(path, ".pcap"))
        return 0;
    all.files++;
    s = cap_source_open_offline(path, NULL, err, sizeof(err));
    if (!s)
        return 0;                           /* unreadable or unsupported: a clean error */
    all.opened++;
    d = pkt_decoder_create(NULL);
    assert_non_null(d);
    while (cap_source_next(s, &f) == 1) {
        if (pkt_decode(d, f.link, f.data, f.caplen, f.wire_len, f.ts_us, &p) == PKT_OK) {
            assert_non_null(p.ip);
            assert_true(p.payload_off <= p.ip_len);
            assert_true(p.payload_off + p.payload_len <= p.ip_len);
        }
        all.frames++;
    }
    st = pkt_decoder_stats(d);
    assert_int_equal(st->packets, st->ok + st->truncated + st->malformed + st->unsupported +
                                  st->too_many_layers + st->frag_fragments -
                                  st->frag_reassembled);
    add_stats(st);
    pkt_decoder_destroy(d);
    cap_source_close(s);
    return 0;
}

static void test_decode_every_capture(void **state)
{
    (void)state;
    if (!have_pcaps())
        skip();
    memset(&all, 0, sizeof(all));
    assert_int_equal(nftw(pcaps, decode_file, 16, FTW_PHYS), 0);
    print_message("# %llu files, %llu opened, %llu frames, %llu ok, %llu reassembled, "
                  "%llu too deep\n", (unsigned long long)all.files,
                  (unsigned long long)all.opened, (unsigned long long)all.frames,
                  (unsigned long long)all.sum.ok, (unsigned long long)all.sum.frag_reassembled,
                  (unsigned long long)all.sum.too_many_layers);
    assert_true(all.files > 800);
    assert_true(all.opened > all.files - 20);
    assert_int_equal(all.sum.packets, all.frames);
    assert_true(all.sum.ok > all.frames * 9 / 10);
    assert_true(all.sum.frag_reassembled > 0);
    assert_true(all.sum.too_many_layers > 0);   /* suricata-decode-too-many-layers */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_counts),
        cmocka_unit_test(test_directory_order),
        cmocka_unit_test(test_unsupported_link_type),
        cmocka_unit_test(test_truncated_record),
        cmocka_unit_test(test_bpf_and_live_errors),
        cmocka_unit_test(test_decode_every_capture),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
