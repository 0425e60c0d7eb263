/* tests/sensor/test_meta_ssh.c: meta_ssh_parse_banner() on real-looking,
 * cut, oversized and hostile identification lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "meta_parse.h"

static bool banner(const char *s, char *out, size_t outlen)
{
    return meta_ssh_parse_banner((const uint8_t *)s, strlen(s), out, outlen);
}

static void test_banners(void **state)
{
    char out[96];

    (void)state;
    assert_true(banner("SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n\0\0\0\x0c", out, sizeof(out)));
    assert_string_equal(out, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1");
    assert_true(banner("SSH-1.99-Cisco-1.25\n", out, sizeof(out)));
    assert_string_equal(out, "SSH-1.99-Cisco-1.25");
    assert_true(banner("SSH-2.0-libssh_0.9.6", out, sizeof(out)));  /* cut before CR */
    assert_string_equal(out, "SSH-2.0-libssh_0.9.6");
    assert_true(banner("SSH-2.0-x\r\n", out, 6));                   /* truncated to out */
    assert_string_equal(out, "SSH-2");
}

static void test_not_banners(void **state)
{
    char out[96];
    char big[400];

    (void)state;
    assert_false(banner("HTTP/1.1 200 OK\r\n", out, sizeof(out)));
    assert_false(banner("SSH-2-x\r\n", out, sizeof(out)));
    assert_false(banner("SSH-.0-x\r\n", out, sizeof(out)));
    assert_false(banner("SSH-2.0x\r\n", out, sizeof(out)));
    assert_false(banner("ssh-2.0-x\r\n", out, sizeof(out)));
    assert_false(banner("SSH-2.0-a\x01" "b\r\n", out, sizeof(out)));   /* control byte */
    assert_false(banner("SSH-2.0-caf\xc3\xa9\r\n", out, sizeof(out)));  /* not US-ASCII */
    assert_false(banner("SSH-2.0-x\"y\\z\x7f\r\n", out, sizeof(out)));  /* DEL */
    assert_string_equal(out, "");
    /* 254 bytes without a line end: longer than RFC 4253 allows */
    memcpy(big, "SSH-2.0-", 8);
    memset(big + 8, 'a', 246);
    big[254] = '\0';
    assert_false(banner(big, out, sizeof(out)));
    big[253] = '\0';                                /* 253 + CR LF = 255: fine */
    assert_true(banner(big, out, sizeof(out)));
    assert_int_equal(strlen(out), sizeof(out) - 1);
    assert_false(meta_ssh_parse_banner(NULL, 0, out, sizeof(out)));
    assert_false(banner("SSH-2.0-x", out, 0));
}

static void test_hostile_printable(void **state)
{
    char out[96];

    (void)state;
    assert_true(banner("SSH-2.0-\"quoted\\back\" <script>\r\n", out, sizeof(out)));
    assert_string_equal(out, "SSH-2.0-\"quoted\\back\" <script>");
}

static void test_cut_everywhere(void **state)
{
    static const char full[] = "SSH-2.0-OpenSSH_9.6\r\n";
    size_t n;

    (void)state;
    for (n = 0; n <= sizeof(full) - 1; n++) {
        uint8_t *copy = test_malloc(n ? n : 1);
        char out[96];
        bool ok;

        memcpy(copy, full, n);
        ok = meta_ssh_parse_banner(copy, n, out, sizeof(out));
        test_free(copy);
        assert_int_equal(ok, n >= 8);               /* "SSH-2.0-" */
        if (ok)
            assert_memory_equal(out, full, strlen(out));
        else
            assert_string_equal(out, "");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_banners),
        cmocka_unit_test(test_not_banners),
        cmocka_unit_test(test_hostile_printable),
        cmocka_unit_test(test_cut_everywhere),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
