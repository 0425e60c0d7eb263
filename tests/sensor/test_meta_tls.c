/* tests/sensor/test_meta_tls.c: meta_tls_parse_client_hello() on built
 * ClientHellos, cut and lying lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meta_parse.h"

struct bld {
    uint8_t b[1024];
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

static void putraw(struct bld *m, const void *p, size_t n)
{
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

/* Patch a big-endian length of width bytes at off to cover off+width..end. */
static void patch_len(struct bld *m, size_t off, int width)
{
    size_t v = m->n - off - (size_t)width;
    int i;

    for (i = width - 1; i >= 0; i--, v >>= 8)
        m->b[off + (size_t)i] = (uint8_t)(v & 0xff);
}

/* TLS 1.2 record holding a ClientHello: 32-byte session id, GREASE + two
 * suites, null compression; extensions: GREASE (empty), server_name
 * "example.com", and (if versions) supported_versions {GREASE, 1.3, 1.2}. */
static void build_hello(struct bld *m, const char *sni, bool versions)
{
    size_t rec, hs, ext, e;
    uint8_t zeros[32];

    memset(zeros, 0x11, sizeof(zeros));
    m->n = 0;
    put8(m, 22);                                    /* handshake record */
    put16(m, 0x0301);
    rec = m->n;
    put16(m, 0);
    put8(m, 1);                                     /* ClientHello */
    hs = m->n;
    put8(m, 0);
    put16(m, 0);
    put16(m, 0x0303);                               /* legacy_version TLS 1.2 */
    putraw(m, zeros, 32);                           /* random */
    put8(m, 32);
    putraw(m, zeros, 32);                           /* session id */
    put16(m, 6);
    put16(m, 0x2a2a);
    put16(m, 0x1301);
    put16(m, 0xc02f);
    put8(m, 1);
    put8(m, 0);                                     /* compression: null */
    ext = m->n;
    put16(m, 0);
    put16(m, 0x3a3a);                               /* GREASE extension, empty */
    put16(m, 0);
    put16(m, 0);                                    /* server_name */
    e = m->n;
    put16(m, 0);
    put16(m, (unsigned)strlen(sni) + 3);            /* server_name_list */
    put8(m, 0);                                     /* host_name */
    put16(m, (unsigned)strlen(sni));
    putraw(m, sni, strlen(sni));
    patch_len(m, e, 2);
    if (versions) {
        put16(m, 43);                               /* supported_versions */
        put16(m, 7);
        put8(m, 6);
        put16(m, 0x7a7a);
        put16(m, 0x0304);
        put16(m, 0x0303);
    }
    patch_len(m, ext, 2);
    patch_len(m, hs, 3);
    patch_len(m, rec, 2);
}

static void test_client_hello(void **state)
{
    struct bld m;
    struct meta_tls t;

    (void)state;
    memset(&t, 0, sizeof(t));
    memcpy(t.ja3_client, "abc", 4);
    build_hello(&m, "example.com", true);
    assert_true(meta_tls_parse_client_hello(m.b, m.n, &t));
    assert_string_equal(t.server_name, "example.com");
    assert_int_equal(t.version, 0x0304);
    assert_string_equal(t.ja3_client, "abc");       /* nDPI's field, untouched */
    build_hello(&m, "example.com", false);
    assert_true(meta_tls_parse_client_hello(m.b, m.n, &t));
    assert_int_equal(t.version, 0x0303);
}

static void test_hostile_sni(void **state)
{
    struct bld m;
    struct meta_tls t;
    char longname[300];

    (void)state;
    build_hello(&m, "a\"b\\c\x01\xc3\xa9", true);  /* kept verbatim */
    assert_true(meta_tls_parse_client_hello(m.b, m.n, &t));
    assert_string_equal(t.server_name, "a\"b\\c\x01\xc3\xa9");
    memset(longname, 'z', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    build_hello(&m, longname, true);                /* truncated to the field */
    assert_true(meta_tls_parse_client_hello(m.b, m.n, &t));
    assert_int_equal(strlen(t.server_name), sizeof(t.server_name) - 1);
}

/* Every prefix in an exact-size buffer: no over-read, SNI all or nothing. */
static void test_cut_everywhere(void **state)
{
    struct bld m;
    size_t n;

    (void)state;
    build_hello(&m, "example.com", true);
    for (n = 0; n <= m.n; n++) {
        uint8_t *copy = test_malloc(n ? n : 1);
        struct meta_tls t;
        bool ok;

        memcpy(copy, m.b, n);
        memset(&t, 0, sizeof(t));
        ok = meta_tls_parse_client_hello(copy, n, &t);
        test_free(copy);
        assert_int_equal(ok, n >= 11);              /* 5 record + 4 hs + 2 version */
        if (t.server_name[0])
            assert_string_equal(t.server_name, "example.com");
        assert_true(t.version == 0 || t.version == 0x0303 || t.version == 0x0304);
    }
    assert_int_equal(n, m.n + 1);
}

static void test_lying_lengths(void **state)
{
    struct bld m;
    struct meta_tls t;
    size_t sni_len_off;

    (void)state;
    build_hello(&m, "example.com", true);
    /* host_name length 0xffff: past its list, not copied; versions still read */
    sni_len_off = 5 + 4 + 2 + 32 + 33 + 8 + 2 + 2 + 4 + 4 + 2 + 1;
    assert_int_equal(m.b[sni_len_off + 1], 11);
    m.b[sni_len_off] = 0xff;
    m.b[sni_len_off + 1] = 0xff;
    assert_true(meta_tls_parse_client_hello(m.b, m.n, &t));
    assert_string_equal(t.server_name, "");
    assert_int_equal(t.version, 0x0304);
    /* record length 0xffff: narrowed to what is there, still parsed */
    build_hello(&m, "example.com", true);
    m.b[3] = 0xff;
    m.b[4] = 0xff;
    assert_true(meta_tls_parse_client_hello(m.b, m.n, &t));
    assert_string_equal(t.server_name, "example.com");
    /* session id length 200: runs over everything, no SNI */
    build_hello(&m, "example.com", true);
    m.b[5 + 4 + 2 + 32] = 200;
    assert_true(meta_tls_parse_client_hello(m.b, m.n, &t));
    assert_string_equal(t.server_name, "");
}

static void test_not_client_hello(void **state)
{
    struct bld m;
    struct meta_tls t;

    (void)state;
    build_hello(&m, "example.com", true);
    m.b[0] = 23;                                    /* application data */
    assert_false(meta_tls_parse_client_hello(m.b, m.n, &t));
    build_hello(&m, "example.com", true);
    m.b[5] = 2;                                     /* ServerHello */
    assert_false(meta_tls_parse_client_hello(m.b, m.n, &t));
    build_hello(&m, "example.com", true);
    m.b[1] = 4;                                     /* not SSL3/TLS */
    assert_false(meta_tls_parse_client_hello(m.b, m.n, &t));
    assert_false(meta_tls_parse_client_hello((const uint8_t *)"GET / HTTP/1.1\r\n", 16, &t));
    assert_false(meta_tls_parse_client_hello(NULL, 0, &t));
    assert_string_equal(t.server_name, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_hello),
        cmocka_unit_test(test_hostile_sni),
        cmocka_unit_test(test_cut_everywhere),
        cmocka_unit_test(test_lying_lengths),
        cmocka_unit_test(test_not_client_hello),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
