/* tests/dashboard-export/test_rdx_writer.c: the writer's one batch in flight
 * against a real redis-server: Redis executes a sent batch before its replies
 * are read, outcomes are matched when the next batch goes, and a batch in
 * flight that is never confirmed (server stuck past the timeout) goes to the
 * retry callback before the queue behind it, in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dashboard-export/redis_helper.h"
#include "fw_buf.h"
#include "fw_err.h"
#include "fw_time.h"
#include "rdx_conn.h"
#include "rdx_writer.h"

#define RETRY_MAX 64

static struct th_redis srv;
static struct rdx_conn *conn;
static struct rdx_writer *wr;
static unsigned retried[RETRY_MAX];
static size_t nretried;

static int setup(void **state)
{
    char url[64], err[256];

    (void)state;
    if (!th_have_redis())
        return 0;
    memset(&srv, 0, sizeof(srv));
    if (th_redis_start(&srv) != 0)
        return -1;
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", srv.port);
    conn = rdx_conn_create(url, 300000, rdx_alert_batch_script, err, sizeof(err));
    if (!conn || rdx_conn_ensure_now(conn, fw_time_mono_us()) != 0)
        return -1;
    wr = rdx_writer_create(conn, "fw:", 1000);
    nretried = 0;
    return wr ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rdx_writer_destroy(wr);
    rdx_conn_destroy(conn);
    wr = NULL, conn = NULL;
    th_redis_cleanup(&srv);
    return 0;
}

static void need_redis(void)
{
    if (!th_have_redis() || srv.pid <= 0)
        skip();
}

/* Queue alert entry number i (id "w<i>"). */
static void queue_alert(unsigned i)
{
    char id[16];
    const char *argv[4] = {id, "0", "id", id};
    size_t lens[4];
    struct fw_buf b;

    snprintf(id, sizeof(id), "w%u", i);
    lens[0] = lens[3] = strlen(id), lens[1] = 1, lens[2] = 2;
    fw_buf_init(&b);
    rdx_entry_encode(&b, 50, 4, argv, lens);
    assert_int_equal(rdx_writer_alert(wr, (const uint8_t *)b.data, b.len, 50), 0);
    fw_buf_free(&b);
}

/* Records the id number of every entry handed back. */
static void on_retry(void *ctx, const uint8_t *entry, size_t len, uint8_t sev)
{
    struct rdx_entry e;

    (void)ctx, (void)sev;
    assert_int_equal(rdx_entry_decode(entry, len, &e), 0);
    assert_true(nretried < RETRY_MAX);
    retried[nretried++] = (unsigned)strtoul(e.argv[0] + 1, NULL, 10);
}

static long long xlen(void)
{
    return th_int(&srv, "XLEN %s", "fw:alerts");
}

static void test_send_leaves_batch_in_flight(void **state)
{
    struct rdx_flush_res res;
    unsigned i;
    int t;

    (void)state;
    need_redis();
    for (i = 0; i < 10; i++)
        queue_alert(i);
    assert_int_equal(rdx_writer_send(wr, fw_time_mono_us(), on_retry, NULL, &res), 0);
    assert_int_equal(res.scripts, 1);
    assert_int_equal(res.alerts_new, 0);            /* nothing read yet */
    assert_int_equal(rdx_writer_inflight(wr), 10);
    assert_int_equal(rdx_writer_pending(wr), 0);
    for (t = 0; t < 100 && xlen() < 10; t++)        /* Redis runs it meanwhile */
        th_sleep_ms(10);
    assert_int_equal(xlen(), 10);
    for (i = 10; i < 15; i++)
        queue_alert(i);
    queue_alert(3);                                 /* a duplicate of a confirmed one */
    assert_int_equal(rdx_writer_send(wr, fw_time_mono_us(), on_retry, NULL, &res), 0);
    assert_int_equal(res.alerts_new, 10);           /* the previous batch, collected now */
    assert_int_equal(rdx_writer_inflight(wr), 6);
    assert_int_equal(rdx_writer_collect(wr, fw_time_mono_us(), on_retry, NULL, &res), 0);
    assert_int_equal(res.alerts_new, 5);
    assert_int_equal(res.alerts_dup, 1);
    assert_int_equal(rdx_writer_inflight(wr), 0);
    assert_int_equal(nretried, 0);
    assert_int_equal(xlen(), 15);
}

/* Block the server for ~1 s from another connection without waiting. */
static redisContext *block_server(void)
{
    static const char busy[] =
        "local t0 = redis.call('TIME') repeat local t = redis.call('TIME') "
        "until (t[1] - t0[1]) * 1000000 + (t[2] - t0[2]) > 1000000 return 1";
    redisContext *c = th_connect(&srv);
    int done = 0;

    assert_non_null(c);
    assert_int_equal(redisAppendCommand(c, "EVAL %s 0", busy), REDIS_OK);
    while (!done)
        assert_int_equal(redisBufferWrite(c, &done), REDIS_OK);
    th_sleep_ms(100);                   /* the script is running */
    return c;
}

static void test_unconfirmed_in_flight_retried_in_order(void **state)
{
    struct rdx_flush_res res;
    redisContext *blocker;
    unsigned i;
    int t;

    (void)state;
    need_redis();
    blocker = block_server();
    for (i = 0; i < 10; i++)
        queue_alert(i);
    assert_int_equal(rdx_writer_send(wr, fw_time_mono_us(), on_retry, NULL, &res), 0);
    assert_int_equal(rdx_writer_inflight(wr), 10);
    for (i = 10; i < 15; i++)
        queue_alert(i);
    /* collecting times out (300 ms): the batch in flight, then the queue, to the callback */
    assert_int_equal(rdx_writer_send(wr, fw_time_mono_us(), on_retry, NULL, &res), FW_ECONN);
    assert_int_equal(res.alerts_retry, 15);
    assert_int_equal(res.alerts_new, 0);
    assert_int_equal(nretried, 15);
    for (i = 0; i < 15; i++)
        assert_int_equal(retried[i], i);
    assert_int_equal(rdx_writer_inflight(wr), 0);
    assert_int_equal(rdx_writer_pending(wr), 0);
    assert_false(rdx_conn_up(conn));
    redisFree(blocker);
    /* the retries are idempotent: the server may still run the lost batch */
    for (t = 0; t < 100 && !th_ping(&srv); t++)
        th_sleep_ms(20);
    assert_int_equal(rdx_conn_ensure_now(conn, fw_time_mono_us()), 0);
    nretried = 0;
    for (i = 0; i < 15; i++)
        queue_alert(i);
    assert_int_equal(rdx_writer_flush(wr, fw_time_mono_us(), on_retry, NULL, &res), 0);
    assert_int_equal(res.alerts_new + res.alerts_dup, 15);
    assert_int_equal(nretried, 0);
    assert_int_equal(xlen(), 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_send_leaves_batch_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unconfirmed_in_flight_retried_in_order, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
