/* tests/sensor/test_meta_dns.c: meta_dns_parse() on valid, truncated, malformed
 * and hostile DNS messages. Messages are assembled with a tiny builder whose
 * calls say what each byte run encodes; a few fixed arrays are spelled out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fw_err.h"
#include "meta_parse.h"

struct bld {
    uint8_t b[2048];
    size_t n;
};

static void put8(struct bld *m, unsigned v)
{
    m->b[m->n++] = (uint8_t)v;
}

static void put16(struct bld *m, unsigned v)
{
    put8(m, v >> 8);
    put8(m, v & 0xff);
}

static void put32(struct bld *m, uint32_t v)
{
    put16(m, v >> 16);
    put16(m, v & 0xffff);
}

static void putraw(struct bld *m, const void *p, size_t n)
{
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

/* Uncompressed name from dotted text (no escapes), ending in the root label. */
static void putname(struct bld *m, const char *dotted)
{
    while (*dotted) {
        const char *dot = strchr(dotted, '.');
        size_t n = dot ? (size_t)(dot - dotted) : strlen(dotted);

        put8(m, (unsigned)n);
        putraw(m, dotted, n);
        dotted += n + (dot ? 1 : 0);
    }
    put8(m, 0);
}

static void putptr(struct bld *m, unsigned off)
{
    put16(m, 0xc000 | off);
}

static void header(struct bld *m, unsigned id, unsigned flags, unsigned qd, unsigned an,
                   unsigned ns, unsigned ar)
{
    m->n = 0;
    put16(m, id);
    put16(m, flags);
    put16(m, qd);
    put16(m, an);
    put16(m, ns);
    put16(m, ar);
}

/* RR header: name as a pointer, type, class IN, ttl, rdlength. */
static void rr(struct bld *m, unsigned name_off, unsigned type, uint32_t ttl, unsigned rdlen)
{
    putptr(m, name_off);
    put16(m, type);
    put16(m, 1);
    put32(m, ttl);
    put16(m, rdlen);
}

/* Response: www.example.com A, with CNAME, A, AAAA, MX, TXT, NS, PTR and SRV
 * answers; names are compressed against the question (offset 12). */
static void build_response(struct bld *m)
{
    static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

    header(m, 0xbeef, 0x8180, 1, 8, 0, 0);
    putname(m, "www.example.com");                  /* 12..28 */
    put16(m, 1);
    put16(m, 1);
    rr(m, 12, 5, 300, 2);                           /* CNAME -> example.com */
    putptr(m, 16);
    rr(m, 16, 1, 60, 4);                            /* A 93.184.216.34 */
    putraw(m, "\x5d\xb8\xd8\x22", 4);
    rr(m, 16, 28, 60, 16);                          /* AAAA 2001:db8::1 */
    putraw(m, v6, 16);
    rr(m, 16, 15, 3600, 9);                         /* MX 10 mail.example.com */
    put16(m, 10);
    put8(m, 4);
    putraw(m, "mail", 4);
    putptr(m, 16);
    rr(m, 16, 16, 30, 13);                          /* TXT "v=spf1" " -all" */
    put8(m, 6);
    putraw(m, "v=spf1", 6);
    put8(m, 5);
    putraw(m, " -all", 5);
    rr(m, 16, 2, 30, 6);                            /* NS ns1.example.com */
    put8(m, 3);
    putraw(m, "ns1", 3);
    putptr(m, 16);
    rr(m, 16, 12, 30, 2);                           /* PTR -> www.example.com */
    putptr(m, 12);
    rr(m, 16, 33, 30, 6);                           /* SRV: left empty */
    putraw(m, "\0\1\0\2\0\3", 6);
}

static void test_query(void **state)
{
    /* id 0x1234, RD, one question: example.com A IN */
    static const uint8_t q[] = {
        0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
        7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
    };
    struct meta_dns_msg msg;

    (void)state;
    assert_int_equal(meta_dns_parse(q, sizeof(q), false, &msg), 0);
    assert_int_equal(msg.id, 0x1234);
    assert_false(msg.is_response);
    assert_int_equal(msg.opcode, 0);
    assert_int_equal(msg.qdcount, 1);
    assert_int_equal(msg.n_questions, 1);
    assert_string_equal(msg.questions[0].name, "example.com");
    assert_int_equal(msg.questions[0].qtype, 1);
    assert_int_equal(msg.questions[0].qclass, 1);
    assert_int_equal(msg.n_answers, 0);
    assert_int_equal(msg.msg_len, sizeof(q));
}

static void test_response_all_types(void **state)
{
    struct bld m;
    struct meta_dns_msg msg;

    (void)state;
    build_response(&m);
    assert_int_equal(meta_dns_parse(m.b, m.n, false, &msg), 0);
    assert_true(msg.is_response);
    assert_int_equal(msg.rcode, 0);
    assert_int_equal(msg.n_answers, 8);
    assert_string_equal(msg.answers[0].name, "www.example.com");
    assert_int_equal(msg.answers[0].rtype, 5);
    assert_int_equal(msg.answers[0].ttl, 300);
    assert_string_equal(msg.answers[0].data, "example.com");
    assert_string_equal(msg.answers[1].data, "93.184.216.34");
    assert_int_equal(msg.answers[1].rdlength, 4);
    assert_string_equal(msg.answers[2].data, "2001:db8::1");
    assert_string_equal(msg.answers[3].data, "mail.example.com");
    assert_string_equal(msg.answers[4].data, "v=spf1 -all");
    assert_string_equal(msg.answers[5].data, "ns1.example.com");
    assert_string_equal(msg.answers[6].data, "www.example.com");
    assert_int_equal(msg.answers[7].rtype, 33);
    assert_string_equal(msg.answers[7].data, "");
}

static void test_tcp_prefix(void **state)
{
    struct bld m;
    uint8_t tcp[2100];
    struct meta_dns_msg msg;

    (void)state;
    build_response(&m);
    tcp[0] = (uint8_t)(m.n >> 8);
    tcp[1] = (uint8_t)m.n;
    memcpy(tcp + 2, m.b, m.n);
    assert_int_equal(meta_dns_parse(tcp, m.n + 2, true, &msg), 0);
    assert_int_equal(msg.n_answers, 8);
    assert_int_equal(msg.msg_len, m.n);
    assert_string_equal(msg.answers[3].data, "mail.example.com");
    /* A prefix shorter than a header is not DNS. */
    tcp[0] = 0;
    tcp[1] = 11;
    assert_int_equal(meta_dns_parse(tcp, m.n + 2, true, &msg), FW_EPARSE);
    /* The prefix narrows the window: only the header and the question fit. */
    tcp[1] = 12 + 17 + 4;
    assert_int_equal(meta_dns_parse(tcp, m.n + 2, true, &msg), 0);
    assert_int_equal(msg.n_questions, 1);
    assert_int_equal(msg.n_answers, 0);
}

/* Every prefix parses without harm; what parsed only grows with the length. */
static void test_truncated_everywhere(void **state)
{
    struct bld m;
    struct meta_dns_msg msg;
    uint8_t prev_answers = 0;
    size_t n;

    (void)state;
    build_response(&m);
    for (n = 0; n <= m.n; n++) {
        int rc = meta_dns_parse(m.b, n, false, &msg);

        if (n < 12) {
            assert_int_equal(rc, FW_EPARSE);
            continue;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(msg.n_questions, n >= 12 + 17 + 4 ? 1 : 0);
        assert_true(msg.n_answers >= prev_answers);
        assert_true(msg.n_answers <= 8);
        if (msg.n_answers > 0)
            assert_string_equal(msg.answers[0].data, "example.com");
        prev_answers = msg.n_answers;
    }
    assert_int_equal(prev_answers, 8);
}

/* A truncated copy must not be read past its length: copy each prefix into an
 * exact-size buffer so ASan sees any over-read. */
static void test_truncated_exact_buffers(void **state)
{
    struct bld m;
    struct meta_dns_msg msg;
    size_t n;

    (void)state;
    build_response(&m);
    for (n = 0; n <= m.n; n++) {
        uint8_t *copy = test_malloc(n ? n : 1);

        memcpy(copy, m.b, n);
        (void)meta_dns_parse(copy, n, false, &msg);
        (void)meta_dns_parse(copy, n, true, &msg);
        test_free(copy);
    }
}

static void test_many_questions_skipped(void **state)
{
    struct bld m;
    struct meta_dns_msg msg;
    static const char *names[] = { "a.q", "b.q", "c.q", "d.q", "e.q", "f.q" };
    size_t i;

    (void)state;
    header(&m, 1, 0x8180, 6, 1, 0, 0);
    for (i = 0; i < 6; i++) {
        putname(&m, names[i]);                      /* 5 + 1 bytes each */
        put16(&m, 16);
        put16(&m, 1);
    }
    rr(&m, 12, 1, 5, 4);                            /* A 10.0.0.1 for a.q */
    putraw(&m, "\x0a\0\0\x01", 4);
    assert_int_equal(meta_dns_parse(m.b, m.n, false, &msg), 0);
    assert_int_equal(msg.n_questions, META_DNS_MAX_QUESTIONS);
    assert_string_equal(msg.questions[3].name, "d.q");
    assert_int_equal(msg.questions[3].qtype, 16);
    assert_int_equal(msg.n_answers, 1);
    assert_string_equal(msg.answers[0].name, "a.q");
    assert_string_equal(msg.answers[0].data, "10.0.0.1");
}

static void test_implausible(void **state)
{
    /* qdcount 65: random bytes, not DNS */
    static const uint8_t qd65[] = { 0, 1, 0, 0, 0, 65, 0, 0, 0, 0, 0, 0, 0 };
    /* opcode 3 (unassigned), one root question */
    static const uint8_t op3[] = { 0, 1, 0x18, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1 };
    /* every count zero */
    static const uint8_t empty[] = { 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
    /* 11 bytes: shorter than a header */
    static const uint8_t shorty[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0 };
    /* ancount 0xffff: more RRs than 64 KiB can hold */
    static const uint8_t many[] = { 0, 1, 0x81, 0x80, 0, 1, 0xff, 0xff, 0, 0, 0, 0 };
    struct meta_dns_msg msg;

    (void)state;
    assert_int_equal(meta_dns_parse(qd65, sizeof(qd65), false, &msg), FW_EPARSE);
    assert_int_equal(meta_dns_parse(op3, sizeof(op3), false, &msg), FW_EPARSE);
    assert_int_equal(meta_dns_parse(empty, sizeof(empty), false, &msg), FW_EPARSE);
    assert_int_equal(meta_dns_parse(shorty, sizeof(shorty), false, &msg), FW_EPARSE);
    assert_int_equal(meta_dns_parse(many, sizeof(many), false, &msg), FW_EPARSE);
    assert_int_equal(meta_dns_parse(NULL, 0, false, &msg), FW_EINVAL);
}

static void test_compression_loops(void **state)
{
    /* question name is a pointer to itself (offset 12) */
    static const uint8_t self[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 };
    /* question name points forward, to offset 14 */
    static const uint8_t fwd[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 14, 1, 'a', 0,
                                   0, 1, 0, 1 };
    /* "a" then a pointer back to its own start: a -> a -> ... */
    static const uint8_t back[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 12,
                                    0, 1, 0, 1 };
    /* label type 0x40 (extended, obsolete) */
    static const uint8_t ext[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 'a', 0, 0, 1,
                                   0, 1 };
    /* two questions: "a" A IN, then a name pointing to itself (offset 19) */
    static const uint8_t second[] = { 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 0, 1,
                                      0, 1, 0xc0, 19, 0, 1, 0, 1 };
    struct meta_dns_msg msg;

    (void)state;
    assert_int_equal(meta_dns_parse(second, sizeof(second), false, &msg), 0);
    assert_int_equal(msg.n_questions, 1);
    assert_string_equal(msg.questions[0].name, "a");
    assert_string_equal(msg.questions[1].name, "");
    assert_int_equal(meta_dns_parse(self, sizeof(self), false, &msg), FW_EPARSE);
    assert_int_equal(meta_dns_parse(fwd, sizeof(fwd), false, &msg), FW_EPARSE);
    assert_int_equal(meta_dns_parse(back, sizeof(back), false, &msg), FW_EPARSE);
    assert_int_equal(meta_dns_parse(ext, sizeof(ext), false, &msg), FW_EPARSE);
}

/* A chain of n pointers, each to the previous, inside the RDATA of a first
 * answer; a second answer's owner name enters the chain at its end. */
static void build_chain(struct bld *m, unsigned n)
{
    unsigned i, first;

    header(m, 7, 0x8180, 1, 2, 0, 0);
    putname(m, "a");                                /* 12..14 */
    put16(m, 1);
    put16(m, 1);
    rr(m, 12, 99, 0, 2 * n);                        /* unknown type: the chain */
    first = (unsigned)m->n;
    putptr(m, 12);
    for (i = 1; i < n; i++)
        putptr(m, first + 2 * (i - 1));
    rr(m, first + 2 * (n - 1), 1, 0, 4);            /* A 1.2.3.4, owner = chain end */
    putraw(m, "\1\2\3\4", 4);
}

static void test_hop_cap(void **state)
{
    struct bld m;
    struct meta_dns_msg msg;

    (void)state;
    build_chain(&m, 10);                            /* 11 hops: fine */
    assert_int_equal(meta_dns_parse(m.b, m.n, false, &msg), 0);
    assert_int_equal(msg.n_answers, 2);
    assert_string_equal(msg.answers[1].name, "a");
    assert_string_equal(msg.answers[1].data, "1.2.3.4");
    build_chain(&m, 20);                            /* 21 hops: refused, keep the first */
    assert_int_equal(meta_dns_parse(m.b, m.n, false, &msg), 0);
    assert_int_equal(msg.n_answers, 1);
    assert_int_equal(msg.answers[1].name[0], '\0');
}

static void test_label_past_end(void **state)
{
    /* label length 63 but only "abc" captured */
    static const uint8_t q[] = { 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63, 'a', 'b', 'c' };
    struct meta_dns_msg msg;

    (void)state;
    assert_int_equal(meta_dns_parse(q, sizeof(q), false, &msg), 0);
    assert_int_equal(msg.n_questions, 0);
    assert_string_equal(msg.questions[0].name, "");
}

static void test_name_too_long(void **state)
{
    struct bld m;
    struct meta_dns_msg msg;
    char lab[64];
    int i;

    (void)state;
    memset(lab, 'x', 63);
    header(&m, 1, 0, 1, 0, 0, 0);
    for (i = 0; i < 4; i++) {                       /* 4 * 64 + 1 = 257 wire bytes */
        put8(&m, 63);
        putraw(&m, lab, 63);
    }
    put8(&m, 0);
    put16(&m, 1);
    put16(&m, 1);
    assert_int_equal(meta_dns_parse(m.b, m.n, false, &msg), FW_EPARSE);
    /* 3 labels of 63 and one of 61: 255 bytes exactly, accepted */
    header(&m, 1, 0, 1, 0, 0, 0);
    for (i = 0; i < 3; i++) {
        put8(&m, 63);
        putraw(&m, lab, 63);
    }
    put8(&m, 61);
    putraw(&m, lab, 61);
    put8(&m, 0);
    put16(&m, 1);
    put16(&m, 1);
    assert_int_equal(meta_dns_parse(m.b, m.n, false, &msg), 0);
    assert_int_equal(strlen(msg.questions[0].name), 63 * 3 + 61 + 3);
}

static void test_hostile_label_bytes(void **state)
{
    /* one label: quote, backslash, 0x01, UTF-8 e-acute, 0xff, '.', NUL, "x";
     * then label "com" */
    static const uint8_t q[] = {
        0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
        9, '"', '\\', 0x01, 0xc3, 0xa9, 0xff, '.', 0x00, 'x', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1,
    };
    struct meta_dns_msg msg;

    (void)state;
    assert_int_equal(meta_dns_parse(q, sizeof(q), false, &msg), 0);
    assert_string_equal(msg.questions[0].name, "\"\\\\\x01\xc3\xa9\xff\\.\\000x.com");
}

static void test_root_and_escaped_overflow(void **state)
{
    struct bld m;
    struct meta_dns_msg msg;
    uint8_t nul[63];
    int i;

    (void)state;
    header(&m, 1, 0, 1, 0, 0, 0);                   /* root name question */
    put8(&m, 0);
    put16(&m, 2);
    put16(&m, 1);
    assert_int_equal(meta_dns_parse(m.b, m.n, false, &msg), 0);
    assert_string_equal(msg.questions[0].name, "");
    /* 3 labels of 63 NULs: 756 escaped chars cannot fit 255; whole escapes only */
    memset(nul, 0, sizeof(nul));
    header(&m, 1, 0, 1, 0, 0, 0);
    for (i = 0; i < 3; i++) {
        put8(&m, 63);
        putraw(&m, nul, 63);
    }
    put8(&m, 0);
    put16(&m, 1);
    put16(&m, 1);
    assert_int_equal(meta_dns_parse(m.b, m.n, false, &msg), 0);
    assert_int_equal(strlen(msg.questions[0].name) % 4, 0);
    assert_true(strlen(msg.questions[0].name) >= 248);
}

static void test_txt_and_bad_rdata(void **state)
{
    struct bld m;
    struct meta_dns_msg msg;

    (void)state;
    header(&m, 1, 0x8180, 1, 3, 0, 0);
    putname(&m, "t");                               /* 12..14 */
    put16(&m, 16);
    put16(&m, 1);
    rr(&m, 12, 16, 0, 8);                           /* TXT "a\"b\\" + string cut by rdlen */
    put8(&m, 4);
    putraw(&m, "a\"b\\", 4);
    put8(&m, 9);
    putraw(&m, "zz", 2);
    rr(&m, 12, 1, 0, 3);                            /* A with 3 bytes: data empty */
    putraw(&m, "\1\2\3", 3);
    rr(&m, 12, 5, 0, 2);                            /* CNAME pointing to itself */
    put16(&m, 0xc000 | (unsigned)m.n);
    assert_int_equal(meta_dns_parse(m.b, m.n, false, &msg), 0);
    assert_int_equal(msg.n_answers, 3);
    assert_string_equal(msg.answers[0].data, "a\"b\\");
    assert_string_equal(msg.answers[1].data, "");
    assert_string_equal(msg.answers[2].data, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query),
        cmocka_unit_test(test_response_all_types),
        cmocka_unit_test(test_tcp_prefix),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_truncated_exact_buffers),
        cmocka_unit_test(test_many_questions_skipped),
        cmocka_unit_test(test_implausible),
        cmocka_unit_test(test_compression_loops),
        cmocka_unit_test(test_hop_cap),
        cmocka_unit_test(test_label_past_end),
        cmocka_unit_test(test_name_too_long),
        cmocka_unit_test(test_hostile_label_bytes),
        cmocka_unit_test(test_root_and_escaped_overflow),
        cmocka_unit_test(test_txt_and_bad_rdata),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
