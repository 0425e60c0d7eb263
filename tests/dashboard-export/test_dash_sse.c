/* tests/dashboard-export/test_dash_sse.c: the SSE hub without Redis: frames,
 * invalid messages, the client cap, and a slow client being dropped while a
 * fast one keeps its stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dash_sse.h"
#include "fw_err.h"

static const char hello_prefix[] = "retry: 3000\n";

static void read_hello(struct dash_client *c)
{
    char buf[256];
    ssize_t n = dash_client_read(c, buf, sizeof(buf), 10);

    assert_true(n > 0);
    assert_memory_equal(buf, hello_prefix, sizeof(hello_prefix) - 1);
}

static void test_frames(void **state)
{
    struct dash_hub *h = dash_hub_create(4, 8);
    struct dash_client *c;
    struct dash_hub_stats st;
    char buf[256];
    ssize_t n;
    const char msg[] = "{\"rule\":\"R1\",\n\"severity\":90}";

    (void)state;
    assert_non_null(h);
    c = dash_hub_join(h);
    assert_non_null(c);
    read_hello(c);
    n = dash_client_read(c, buf, sizeof(buf), 20);       /* nothing yet: keepalive */
    assert_true(n > 0);
    assert_int_equal(buf[0], ':');
    dash_hub_publish(h, msg, strlen(msg));
    dash_hub_publish(h, "not json", 8);                  /* never forwarded */
    dash_hub_publish(h, "[1,2]", 5);                     /* not an object */
    n = dash_client_read(c, buf, sizeof(buf) - 1, 20);
    assert_true(n > 0);
    buf[n] = '\0';
    /* the newline inside the JSON became a space: one data line per event */
    assert_string_equal(buf, "event: alert\ndata: {\"rule\":\"R1\", \"severity\":90}\n\n");
    dash_hub_stats(h, &st);
    assert_int_equal(st.published, 1);
    assert_int_equal(st.invalid, 2);
    assert_int_equal(st.clients, 1);
    dash_hub_leave(c);
    dash_hub_stats(h, &st);
    assert_int_equal(st.clients, 0);
    dash_hub_destroy(h);
}

static void test_partial_reads(void **state)
{
    struct dash_hub *h = dash_hub_create(1, 4);
    struct dash_client *c = dash_hub_join(h);
    char out[128] = "", buf[8];
    size_t len = 0;
    ssize_t n;

    (void)state;
    read_hello(c);
    dash_hub_publish(h, "{\"a\":1}", 7);
    while (len < strlen("event: alert\ndata: {\"a\":1}\n\n")) {
        n = dash_client_read(c, buf, sizeof(buf), 20);   /* 8 bytes at a time */
        assert_true(n > 0 && n <= 8);
        memcpy(out + len, buf, (size_t)n);
        len += (size_t)n;
    }
    assert_string_equal(out, "event: alert\ndata: {\"a\":1}\n\n");
    dash_hub_leave(c);
    dash_hub_destroy(h);
}

static void test_client_cap(void **state)
{
    struct dash_hub *h = dash_hub_create(2, 4);
    struct dash_client *a = dash_hub_join(h), *b = dash_hub_join(h), *c;
    struct dash_hub_stats st;

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    assert_null(dash_hub_join(h));
    dash_hub_stats(h, &st);
    assert_int_equal(st.refused, 1);
    dash_hub_leave(a);
    c = dash_hub_join(h);                                /* the slot is free again */
    assert_non_null(c);
    dash_hub_leave(b);
    dash_hub_leave(c);
    dash_hub_destroy(h);
}

static void test_slow_client_dropped(void **state)
{
    struct dash_hub *h = dash_hub_create(4, 4);
    struct dash_client *slow = dash_hub_join(h), *fast = dash_hub_join(h);
    struct dash_hub_stats st;
    char buf[256];
    int i;

    (void)state;
    read_hello(slow);
    read_hello(fast);
    for (i = 0; i < 10; i++) {
        dash_hub_publish(h, "{\"n\":1}", 7);
        assert_true(dash_client_read(fast, buf, sizeof(buf), 20) > 0);
    }
    /* slow never read: its queue of 4 overflowed and it was dropped */
    assert_int_equal(dash_client_read(slow, buf, sizeof(buf), 20), FW_EFULL);
    dash_hub_stats(h, &st);
    assert_int_equal(st.dropped, 1);
    assert_int_equal(st.published, 10);
    dash_hub_publish(h, "{\"n\":2}", 7);
    assert_true(dash_client_read(fast, buf, sizeof(buf), 20) > 0);
    dash_hub_leave(slow);
    dash_hub_leave(fast);
    dash_hub_destroy(h);
}

static void test_stop_ends_streams(void **state)
{
    struct dash_hub *h = dash_hub_create(2, 4);
    struct dash_client *c = dash_hub_join(h);
    char buf[64];

    (void)state;
    read_hello(c);
    dash_hub_stop(h);
    assert_int_equal(dash_client_read(c, buf, sizeof(buf), 5000), 0);
    assert_null(dash_hub_join(h));
    dash_hub_leave(c);
    dash_hub_destroy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames),
        cmocka_unit_test(test_partial_reads),
        cmocka_unit_test(test_client_cap),
        cmocka_unit_test(test_slow_client_dropped),
        cmocka_unit_test(test_stop_ends_streams),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
