/* tests/sensor/test_fw_util.c: addresses, CIDRs, durations, sizes, dates, the
 * byte reader and JSON escaping (fw_ip, fw_time, fw_rd, fw_buf). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fw_buf.h"
#include "fw_err.h"
#include "fw_ip.h"
#include "fw_rd.h"
#include "fw_time.h"

static void test_ip_parse_and_print(void **state)
{
    struct fw_ip ip;
    char buf[FW_IP_STRLEN];

    (void)state;
    assert_int_equal(fw_ip_parse("10.1.2.3", &ip), 0);
    assert_int_equal(ip.family, 4);
    assert_string_equal(fw_ip_str(&ip, buf, sizeof(buf)), "10.1.2.3");
    assert_int_equal(fw_ip_parse("2001:db8::1", &ip), 0);
    assert_int_equal(ip.family, 6);
    assert_string_equal(fw_ip_str(&ip, buf, sizeof(buf)), "2001:db8::1");
    assert_int_equal(fw_ip_parse("10.1.2", &ip), FW_EINVAL);
    assert_int_equal(fw_ip_parse("", &ip), FW_EINVAL);
}

static void test_cidr_contains_and_overlap(void **state)
{
    struct fw_cidr a, b;
    struct fw_ip ip;

    (void)state;
    assert_int_equal(fw_cidr_parse("10.10.0.0/16", &a), 0);
    fw_ip_parse("10.10.255.1", &ip);
    assert_true(fw_cidr_contains(&a, &ip));
    fw_ip_parse("10.11.0.1", &ip);
    assert_false(fw_cidr_contains(&a, &ip));
    assert_int_equal(fw_cidr_parse("10.10.3.0/24", &b), 0);
    assert_true(fw_cidr_overlap(&a, &b));
    assert_int_equal(fw_cidr_parse("10.20.0.0/16", &b), 0);
    assert_false(fw_cidr_overlap(&a, &b));
    assert_int_equal(fw_cidr_parse("2001:db8::/32", &b), 0);
    fw_ip_parse("2001:db8:1::5", &ip);
    assert_true(fw_cidr_contains(&b, &ip));
    assert_false(fw_cidr_overlap(&a, &b));
    /* host bits below the prefix, prefix too long, junk */
    assert_int_equal(fw_cidr_parse("10.10.0.1/16", &a), FW_EINVAL);
    assert_int_equal(fw_cidr_parse("10.0.0.0/33", &a), FW_EINVAL);
    assert_int_equal(fw_cidr_parse("10.0.0.0/", &a), FW_EINVAL);
    assert_int_equal(fw_cidr_parse("10.0.0.0/8x", &a), FW_EINVAL);
    assert_int_equal(fw_cidr_parse("10.0.0.7", &a), 0);
    assert_int_equal(a.plen, 32);
}

static void test_durations_sizes_dates(void **state)
{
    uint64_t v;

    (void)state;
    assert_int_equal(fw_duration_parse("300s", &v), 0);
    assert_int_equal(v, 300 * FW_USEC_PER_SEC);
    assert_int_equal(fw_duration_parse("5m", &v), 0);
    assert_int_equal(v, 300 * FW_USEC_PER_SEC);
    assert_int_equal(fw_duration_parse("1h", &v), 0);
    assert_int_equal(v, 3600 * FW_USEC_PER_SEC);
    assert_int_equal(fw_duration_parse("250ms", &v), 0);
    assert_int_equal(v, 250000);
    assert_int_equal(fw_duration_parse("10", &v), 0);
    assert_int_equal(v, 10 * FW_USEC_PER_SEC);
    assert_int_equal(fw_duration_parse("5 m", &v), FW_EINVAL);
    assert_int_equal(fw_duration_parse("-5s", &v), FW_EINVAL);
    assert_int_equal(fw_duration_parse("5y", &v), FW_EINVAL);
    assert_int_equal(fw_duration_parse("99999999999999999999s", &v), FW_EINVAL);
    assert_int_equal(fw_size_parse("1GiB", &v), 0);
    assert_int_equal(v, 1ull << 30);
    assert_int_equal(fw_size_parse("512MB", &v), 0);
    assert_int_equal(v, 512000000ull);
    assert_int_equal(fw_size_parse("1 GiB", &v), FW_EINVAL);
    assert_int_equal(fw_date_parse("2027-03-31", &v), 0);
    assert_int_equal(v / FW_USEC_PER_SEC, 1806451200ull);
    assert_int_equal(fw_date_parse("2027-02-29", &v), FW_EINVAL);
    assert_int_equal(fw_date_parse("2028-02-29", &v), 0);
    assert_int_equal(fw_date_parse("2027-3-31", &v), FW_EINVAL);
}

static void test_time_iso(void **state)
{
    char buf[40];

    (void)state;
    assert_string_equal(fw_time_iso(1806451200ull * FW_USEC_PER_SEC + 42, buf, sizeof(buf)),
                        "2027-03-31T00:00:00.000042Z");
}

static void test_reader_is_sticky(void **state)
{
    /* 0x0102 0x03040506, then one byte short of another u32 */
    static const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};
    struct fw_rd rd, sub;
    bool trunc;

    (void)state;
    fw_rd_init(&rd, b, sizeof(b));
    assert_int_equal(fw_rd_u16be(&rd), 0x0102);
    assert_int_equal(fw_rd_u32be(&rd), 0x03040506);
    assert_false(fw_rd_failed(&rd));
    assert_int_equal(fw_rd_u32be(&rd), 0);
    assert_true(fw_rd_failed(&rd));
    assert_int_equal(fw_rd_u8(&rd), 0);     /* stays failed */
    assert_int_equal(fw_rd_left(&rd), 0);
    fw_rd_init(&rd, b, sizeof(b));
    fw_rd_skip(&rd, 2);
    sub = fw_rd_sub(&rd, 100, &trunc);      /* declared length larger than data */
    assert_true(trunc);
    assert_int_equal(fw_rd_left(&sub), 7);
    assert_false(fw_rd_failed(&rd));
}

static void test_json_escapes_hostile_bytes(void **state)
{
    /* quote, backslash, newline, NUL, DEL, a lone 0xff, valid UTF-8 e-acute */
    static const char in[] = "a\"b\\c\nd\0e\x7f\xff\xc3\xa9";
    struct fw_buf b;

    (void)state;
    fw_buf_init(&b);
    fw_buf_json_strn(&b, in, sizeof(in) - 1);
    assert_string_equal(b.data,
                        "\"a\\\"b\\\\c\\u000ad\\u0000e\\u007f\\u00ff\xc3\xa9\"");
    fw_buf_reset(&b);
    fw_buf_putc(&b, '{');
    fw_buf_json_kv_u64(&b, "n", 5);
    fw_buf_json_kv_str(&b, "s", "x");
    fw_buf_putc(&b, '}');
    assert_string_equal(b.data, "{\"n\":5,\"s\":\"x\"}");
    fw_buf_free(&b);
}

/* U+2028/U+2029 are legal inside JSON strings but end a line in JavaScript; a
 * DNS name carrying them must not reach a dashboard raw. Other UTF-8 stays. */
static void test_json_escapes_line_separators(void **state)
{
    static const char in[] = "a\xe2\x80\xa8" "b\xe2\x80\xa9" "c\xe2\x80\xa7\xe2\x80";
    struct fw_buf b;

    (void)state;
    fw_buf_init(&b);
    fw_buf_json_strn(&b, in, sizeof(in) - 1);
    assert_string_equal(b.data, "\"a\\u2028b\\u2029c\xe2\x80\xa7\\u00e2\\u0080\"");
    fw_buf_free(&b);
}

/* The printf-free formatters against the libc ones they replaced, on values
 * from all over their range (days before 1970 are not formatted: uint64_t). */
static void test_fast_formatters_match_libc(void **state)
{
    char got[40], want[96];
    unsigned seed = 12345;
    struct fw_ip ip;
    struct fw_buf b;
    int i;

    (void)state;
    fw_buf_init(&b);
    for (i = 0; i < 200000; i++) {
        uint64_t us = i == 1 ? 0 : ((uint64_t)rand_r(&seed) << 31 | (uint64_t)rand_r(&seed)) %
                                       (253402300800ull * 1000000ull);   /* to 9999-12-31 */
        time_t sec = (time_t)(us / 1000000);
        struct tm tm;
        uint8_t a[4] = {(uint8_t)rand_r(&seed), (uint8_t)rand_r(&seed), (uint8_t)(i & 0xff),
                        (uint8_t)(i >> 8)};
        int64_t v = (int64_t)((uint64_t)rand_r(&seed) << 33 ^ (uint64_t)rand_r(&seed)) >> (i % 60);

        gmtime_r(&sec, &tm);
        snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (unsigned)(us % 1000000));
        assert_string_equal(fw_time_iso(us, got, sizeof(got)), want);
        fw_ip_set4(&ip, a);
        inet_ntop(AF_INET, a, want, sizeof(want));
        assert_string_equal(fw_ip_str(&ip, got, sizeof(got)), want);
        fw_buf_reset(&b);
        fw_buf_json_kv_i64(&b, "v", i % 7 == 0 ? INT64_MIN : v);
        snprintf(want, sizeof(want), "\"v\":%" PRId64, i % 7 == 0 ? INT64_MIN : v);
        assert_string_equal(b.data, want);
    }
    /* a short buffer truncates like snprintf did */
    assert_string_equal(fw_time_iso(0, got, 5), "1970");
    fw_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip_parse_and_print),
        cmocka_unit_test(test_cidr_contains_and_overlap),
        cmocka_unit_test(test_durations_sizes_dates),
        cmocka_unit_test(test_time_iso),
        cmocka_unit_test(test_fast_formatters_match_libc),
        cmocka_unit_test(test_reader_is_sticky),
        cmocka_unit_test(test_json_escapes_hostile_bytes),
        cmocka_unit_test(test_json_escapes_line_separators),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
