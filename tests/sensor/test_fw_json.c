/* tests/sensor/test_fw_json.c: the dotted-path JSON reader (fw_json): paths,
 * nested objects, arrays skipped, the three ways to read a string, numbers and
 * bools, and every kind of malformed text. Texts are copied into heap buffers
 * of their exact length (no NUL after them), so under ASan a read past the end
 * is caught, not hidden by the terminator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "fw_err.h"
#include "fw_json.h"

/* The text s (without its NUL) in a buffer of exactly that size; caller frees. */
static char *exact(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);

    assert_non_null(p);
    memcpy(p, s, n);
    return p;
}

static int get(const char *s, const char *path, struct fw_json_span *v)
{
    char *p = exact(s, strlen(s));
    int rc = fw_json_get(p, strlen(s), path, v);

    if (rc == 0)        /* repoint into s: p dies here */
        v->p = s + (v->p - p);
    free(p);
    return rc;
}

static void assert_span(const char *s, const char *path, const char *want, enum fw_json_type t)
{
    struct fw_json_span v;

    assert_int_equal(get(s, path, &v), 0);
    assert_int_equal(v.type, t);
    assert_int_equal(v.len, strlen(want));
    assert_memory_equal(v.p, want, v.len);
}

static const char doc[] =
    " {\"@timestamp\":\"2026-06-01T00:00:05Z\",\"event\":{\"id\":\"a1\",\"severity\":80,"
    "\"tags\":[{\"id\":\"no\"},[\"}\",\"]\"],{}],\"reason\":\"x \\\"}{\\\" y\"},"
    "\"source\":{\"ip\":\"10.0.0.1\",\"port\":51000,\"geo\":{\"cc\":\"DE\"}},"
    "\"finwatch\":{\"evidence\":{\"f\":[1, 2]} ,\"score\":10.5,\"ok\":true,\"no\":false,"
    "\"none\":null}}\r\n";

static void test_paths_and_nesting(void **state)
{
    struct fw_json_span v;

    (void)state;
    assert_span(doc, "@timestamp", "\"2026-06-01T00:00:05Z\"", FW_JSON_STRING);
    assert_span(doc, "event.id", "\"a1\"", FW_JSON_STRING);
    assert_span(doc, "source.port", "51000", FW_JSON_NUMBER);
    assert_span(doc, "source.geo.cc", "\"DE\"", FW_JSON_STRING);
    assert_span(doc, "source.geo", "{\"cc\":\"DE\"}", FW_JSON_OBJECT);
    /* an object value as written, inner spaces kept, the space after it not */
    assert_span(doc, "finwatch.evidence", "{\"f\":[1, 2]}", FW_JSON_OBJECT);
    assert_span(doc, "event.tags", "[{\"id\":\"no\"},[\"}\",\"]\"],{}]", FW_JSON_ARRAY);
    assert_span(doc, "finwatch.ok", "true", FW_JSON_BOOL);
    assert_span(doc, "finwatch.none", "null", FW_JSON_NULL);
    /* absent, or through something that is not an object */
    assert_int_equal(get(doc, "event.nope", &v), FW_ENOENT);
    assert_int_equal(v.p, NULL);
    assert_int_equal(get(doc, "nope", &v), FW_ENOENT);
    assert_int_equal(get(doc, "event.id.x", &v), FW_ENOENT);
    assert_int_equal(get(doc, "event.tags.id", &v), FW_ENOENT);     /* arrays not entered */
    assert_int_equal(get(doc, "event.severity.x", &v), FW_ENOENT);
    assert_int_equal(get(doc, "source.geo.cc.x", &v), FW_ENOENT);
    assert_int_equal(get(doc, "even", &v), FW_ENOENT);              /* prefixes do not match */
    assert_int_equal(get(doc, "eventx", &v), FW_ENOENT);
    assert_int_equal(get(doc, "", &v), FW_EINVAL);
    assert_int_equal(fw_json_get(doc, strlen(doc), NULL, &v), FW_EINVAL);
    assert_int_equal(fw_json_get(NULL, 3, "a", &v), FW_EINVAL);
    assert_int_equal(fw_json_get(NULL, 0, "a", &v), FW_EPARSE);
    assert_int_equal(fw_json_get(doc, strlen(doc), "a", NULL), FW_EINVAL);
}

static void test_arrays_and_strings_skipped(void **state)
{
    (void)state;
    /* a key-looking string inside an array or a string is not a member */
    assert_span("{\"x\":[{\"a\":9},[1,\"a\",[]],\"\\\"a\\\":\"],\"a\":3}", "a", "3",
                FW_JSON_NUMBER);
    assert_span("{\"s\":\"{\\\"a\\\":1}\",\"a\":[ ]}", "a", "[ ]", FW_JSON_ARRAY);
    assert_span("{\"x\":[[[[]]],{\"y\":[{}]}],\"a\":-0.5e+3}", "a", "-0.5e+3", FW_JSON_NUMBER);
    /* keys compare after unescaping */
    assert_span("{\"\\u0061\":1}", "a", "1", FW_JSON_NUMBER);
    assert_span("{\"s\\/d\":{\"q\\\"\":2}}", "s/d.q\"", "2", FW_JSON_NUMBER);
    assert_span("{\"ab\":1,\"a\":2}", "a", "2", FW_JSON_NUMBER);
}

static void test_duplicate_keys_first_wins(void **state)
{
    struct fw_json_span v;

    (void)state;
    assert_span("{\"a\":1,\"a\":2}", "a", "1", FW_JSON_NUMBER);
    assert_span("{\"a\":{\"b\":1},\"a\":{\"b\":2}}", "a.b", "1", FW_JSON_NUMBER);
    /* the first a has no b: the second is not consulted */
    assert_int_equal(get("{\"a\":{\"c\":1},\"a\":{\"b\":2}}", "a.b", &v), FW_ENOENT);
    assert_int_equal(get("{\"a\":1,\"a\":{\"b\":2}}", "a.b", &v), FW_ENOENT);
    /* later duplicates are still checked */
    assert_int_equal(get("{\"a\":1,\"a\":[}", "a", &v), FW_EPARSE);
}

static const char esc[] =
    "{\"s\":\"a\\\"b\\\\c\\/d\\n\\t\\u001b[31m\\ud83d\\ude00\\ud800x\\udc00\\u00e9\\u20ac\"}";

static void test_string_three_ways(void **state)
{
    struct fw_json_span v;
    char out[128];

    (void)state;
    /* (a) raw span: the bytes as written, quotes included */
    assert_int_equal(get(esc, "s", &v), 0);
    assert_int_equal(v.len, strlen(esc) - 6);
    assert_memory_equal(v.p, esc + 5, v.len);
    /* (b) decoded: a pair joins into one 4-byte sequence, lone halves are U+FFFD */
    assert_int_equal(fw_json_get_str(esc, strlen(esc), "s", out, sizeof(out)), 0);
    assert_string_equal(out, "a\"b\\c/d\n\t\x1b[31m\xf0\x9f\x98\x80\xef\xbf\xbdx\xef\xbf\xbd"
                             "\xc3\xa9\xe2\x82\xac");
    /* (c) escaped: only \" \\ \/ are resolved, no control byte can come out */
    assert_int_equal(fw_json_get_escaped(esc, strlen(esc), "s", out, sizeof(out)), 0);
    assert_string_equal(out, "a\"b\\c/d\\n\\t\\u001b[31m\\ud83d\\ude00\\ud800x\\udc00"
                             "\\u00e9\\u20ac");
    assert_true(strlen(out) <= v.len - 2);
    /* the same through the span functions */
    assert_int_equal(fw_json_span_escaped(&v, out, v.len - 1), 0);
    assert_int_equal(fw_json_span_str(&v, out, sizeof(out)), 0);
    assert_int_equal((unsigned char)out[0], 'a');
}

static void test_string_edges(void **state)
{
    static const char nul[] =
        "{\"s\":\"ab\\u0000cd\",\"r\":\"\\udc00\\ud800\",\"h\":\"\\ud800\\u0041\"}";
    static const char fit[] = "{\"s\":\"abc\",\"n\":12}";
    char out[16];

    (void)state;
    /* \u0000 decodes to a NUL byte: the C string ends there */
    assert_int_equal(fw_json_get_str(nul, strlen(nul), "s", out, sizeof(out)), 0);
    assert_string_equal(out, "ab");
    assert_int_equal(fw_json_get_escaped(nul, strlen(nul), "s", out, sizeof(out)), 0);
    assert_string_equal(out, "ab\\u0000cd");
    /* low then high: two lone halves; high then a non-surrogate: U+FFFD and the letter */
    assert_int_equal(fw_json_get_str(nul, strlen(nul), "r", out, sizeof(out)), 0);
    assert_string_equal(out, "\xef\xbf\xbd\xef\xbf\xbd");
    assert_int_equal(fw_json_get_str(nul, strlen(nul), "h", out, sizeof(out)), 0);
    assert_string_equal(out, "\xef\xbf\xbd" "A");
    /* exact fit, one short, and the wrong type; out is "" on every error */
    assert_int_equal(fw_json_get_str(fit, strlen(fit), "s", out, 4), 0);
    assert_string_equal(out, "abc");
    assert_int_equal(fw_json_get_str(fit, strlen(fit), "s", out, 3), FW_ENOMEM);
    assert_string_equal(out, "");
    assert_int_equal(fw_json_get_escaped(fit, strlen(fit), "s", out, 3), FW_ENOMEM);
    assert_string_equal(out, "");
    assert_int_equal(fw_json_get_str(fit, strlen(fit), "s", out, 0), FW_ENOMEM);
    memcpy(out, "junk", 5);
    assert_int_equal(fw_json_get_str(fit, strlen(fit), "n", out, sizeof(out)), FW_EINVAL);
    assert_string_equal(out, "");
    assert_int_equal(fw_json_get_escaped(fit, strlen(fit), "zz", out, sizeof(out)), FW_ENOENT);
    assert_string_equal(out, "");
}

static void test_numbers_and_bools(void **state)
{
    static const char j[] =
        "{\"min\":-9223372036854775808,\"big\":9223372036854775808,"
        "\"umax\":18446744073709551615,\"uover\":18446744073709551616,\"neg\":-1,"
        "\"f\":-0.25e1,\"e\":1e308,\"inf\":1e309,\"t\":true,\"no\":false,\"s\":\"1\",\"z\":0}";
    size_t n = strlen(j);
    int64_t i;
    uint64_t u;
    double d;
    bool b;

    (void)state;
    assert_int_equal(fw_json_get_i64(j, n, "min", &i), 0);
    assert_true(i == INT64_MIN);
    assert_int_equal(fw_json_get_i64(j, n, "big", &i), FW_EINVAL);
    assert_int_equal(fw_json_get_i64(j, n, "neg", &i), 0);
    assert_true(i == -1);
    assert_int_equal(fw_json_get_i64(j, n, "f", &i), FW_EINVAL);     /* not an integer */
    assert_int_equal(fw_json_get_u64(j, n, "umax", &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(fw_json_get_u64(j, n, "uover", &u), FW_EINVAL);
    assert_int_equal(fw_json_get_u64(j, n, "neg", &u), FW_EINVAL);
    assert_int_equal(fw_json_get_u64(j, n, "z", &u), 0);
    assert_true(u == 0);
    assert_int_equal(fw_json_get_double(j, n, "f", &d), 0);
    assert_true(d == -2.5);
    assert_int_equal(fw_json_get_double(j, n, "e", &d), 0);
    assert_true(d == 1e308);
    assert_int_equal(fw_json_get_double(j, n, "inf", &d), FW_EINVAL);
    assert_int_equal(fw_json_get_double(j, n, "s", &d), FW_EINVAL);  /* a string */
    assert_int_equal(fw_json_get_bool(j, n, "t", &b), 0);
    assert_true(b);
    assert_int_equal(fw_json_get_bool(j, n, "no", &b), 0);
    assert_false(b);
    assert_int_equal(fw_json_get_bool(j, n, "z", &b), FW_EINVAL);
    assert_int_equal(fw_json_get_i64(j, n, "t", &i), FW_EINVAL);
    assert_int_equal(fw_json_get_u64(j, n, "nope", &u), FW_ENOENT);
}

static void test_malformed(void **state)
{
    static const char *const bad[] = {
        "", "   ", "{", "}", "[1]", "\"a\"", "1", "{\"a\"", "{\"a\":", "{\"a\":\"x",
        "{\"a\":1", "{\"a\":1,", "{\"a\":1,}", "{,\"a\":1}", "{\"a\" 1}", "{\"a\":1 \"b\":2}",
        "{a:1}", "{'a':1}", "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":1}}",
        "{\"b\":[1,2}", "{\"b\":[1,]}", "{\"b\":[,1]}", "{\"b\":{\"c\"]}",
        /* strings: bad escapes, raw control bytes, truncated \u */
        "{\"a\":\"\\q\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\u12g4\"}", "{\"a\":\"\\\"}",
        "{\"a\":\"x\x01\"}", "{\"a\":\"x\ty\"}", "{\"a\":\"\\ud800\\u12\"}", "{\"a\":\"\\",
        "{\"b\\x\":1,\"a\":1}",
        /* numbers and literals */
        "{\"a\":01}", "{\"a\":+1}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":1e+}",
        "{\"a\":-}", "{\"a\":--1}", "{\"a\":0x10}", "{\"a\":tru}", "{\"a\":truee}",
        "{\"a\":nul}", "{\"a\":False}", "{\"a\":NaN}", "{\"a\":1.5.2}",
    };
    struct fw_json_span v;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = get(bad[i], "a", &v);

        if (rc != FW_EPARSE)
            fail_msg("case %zu '%s': %d", i, bad[i], rc);
        assert_int_equal(v.p, NULL);
    }
    /* the NUL byte is data, not an end: inside and after the object */
    assert_int_equal(fw_json_get("{\"a\":\"x\0\"}", 9, "a", &v), FW_EPARSE);
    assert_int_equal(fw_json_get("{\"a\":1}\0", 8, "a", &v), FW_EPARSE);
    assert_int_equal(fw_json_get("{\"a\":\"\\\0\"}", 10, "a", &v), FW_EPARSE);
    /* a length shorter than the text: nothing past it is looked at */
    assert_int_equal(fw_json_get("{\"a\":\"xyz\"}", 8, "a", &v), FW_EPARSE);
}

/* Every proper prefix of a valid text is malformed, and none is read past. */
static void test_every_truncation(void **state)
{
    struct fw_json_span v;
    size_t n = strlen(doc) - 2, i;     /* without the trailing \r\n: a prefix must fail */
    char *p;

    (void)state;
    for (i = 0; i < n; i++) {
        p = exact(doc, i);
        assert_int_equal(fw_json_get(p, i, "finwatch.none", &v), FW_EPARSE);
        free(p);
    }
    p = exact(doc, n);
    assert_int_equal(fw_json_get(p, n, "finwatch.none", &v), 0);
    free(p);
}

/* {"z": then depth-1 more containers around a 0: depth counts the outer object. */
static int nested(size_t depth, bool objects)
{
    char j[512], *p;
    struct fw_json_span v;
    size_t i, n = 0;
    int rc;

    n += (size_t)snprintf(j + n, sizeof(j) - n, "{\"z\":");
    for (i = 1; i < depth; i++)
        n += (size_t)snprintf(j + n, sizeof(j) - n, "%s", objects ? "{\"y\":" : "[");
    j[n++] = '0';
    for (i = 1; i < depth; i++)
        j[n++] = objects ? '}' : ']';
    j[n++] = '}';
    p = exact(j, n);
    rc = fw_json_get(p, n, "z", &v);
    free(p);
    return rc;
}

static void test_depth_capped(void **state)
{
    (void)state;
    assert_int_equal(nested(FW_JSON_DEPTH_MAX, false), 0);
    assert_int_equal(nested(FW_JSON_DEPTH_MAX + 1, false), FW_EPARSE);
    assert_int_equal(nested(FW_JSON_DEPTH_MAX, true), 0);
    assert_int_equal(nested(FW_JSON_DEPTH_MAX + 1, true), FW_EPARSE);
    assert_int_equal(nested(90, false), FW_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths_and_nesting),
        cmocka_unit_test(test_arrays_and_strings_skipped),
        cmocka_unit_test(test_duplicate_keys_first_wins),
        cmocka_unit_test(test_string_three_ways),
        cmocka_unit_test(test_string_edges),
        cmocka_unit_test(test_numbers_and_bools),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_depth_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
