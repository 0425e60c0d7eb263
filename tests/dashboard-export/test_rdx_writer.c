/* tests/dashboard-export/test_rdx_writer.c: the writer's one batch in flight
 * against a real redis-server: Redis executes a sent batch before its replies
 * are read, outcomes are matched when the next batch goes, and a batch in
 * flight that is never confirmed (server stuck past the timeout) goes to the
 * retry callback before the queue behind it, in order. The alerts'
 * transaction: a check that times out retries the queue, a marker twice in one
 * queue is added once, a refused transaction (OOM) adds nothing and leaves no
 * marker. */
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
    conn = rdx_conn_create(url, 300000, err, sizeof(err));
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

/* Queue alert entry number i (id "w<i>") on writer w. */
static void queue_alert_on(struct rdx_writer *w, unsigned i)
{
    char id[16];
    const char *argv[4] = {id, "0", "id", id};
    size_t lens[4];
    struct fw_buf b;

    snprintf(id, sizeof(id), "w%u", i);
    lens[0] = lens[3] = strlen(id), lens[1] = 1, lens[2] = 2;
    fw_buf_init(&b);
    rdx_entry_encode(&b, 50, 4, argv, lens);
    assert_int_equal(rdx_writer_alert(w, (const uint8_t *)b.data, b.len, 50), 0);
    fw_buf_free(&b);
}

static void queue_alert(unsigned i)
{
    queue_alert_on(wr, i);
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
    assert_int_equal(res.txs, 1);
    /* WATCH + HMGET of the one bucket, MULTI + EXEC, 10 XADD, HSET + EXPIRE */
    assert_int_equal(res.alert_cmds, 2 + 2 + 10 + 2);
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

/* Run a command on a fresh connection and expect +OK. */
static void cmd_ok(const char *fmt, const char *arg)
{
    redisReply *rep = th_cmd(&srv, fmt, arg);

    assert_non_null(rep);
    assert_int_equal(rep->type, REDIS_REPLY_STATUS);
    freeReplyObject(rep);
}

static void assert_retried_in_order(size_t n)
{
    size_t i;

    assert_int_equal(nretried, n);
    for (i = 0; i < n; i++)
        assert_int_equal(retried[i], i);
}

/* The connection gave up: alerts 0..n-1 went to the callback in order and
 * nothing is left queued or in flight. */
static void assert_all_handed_back(size_t n)
{
    assert_retried_in_order(n);
    assert_int_equal(rdx_writer_inflight(wr), 0);
    assert_int_equal(rdx_writer_pending(wr), 0);
    assert_false(rdx_conn_up(conn));
}

/* Wait until the server answers again, reconnect, and flush alerts 0..n-1
 * once more: each is in the stream once, whatever the lost batch did. */
static void reflush_idempotent(unsigned n)
{
    struct rdx_flush_res res;
    unsigned i;
    int t;

    for (t = 0; t < 100 && !th_ping(&srv); t++)
        th_sleep_ms(20);
    assert_int_equal(rdx_conn_ensure_now(conn, fw_time_mono_us()), 0);
    nretried = 0;
    for (i = 0; i < n; i++)
        queue_alert(i);
    assert_int_equal(rdx_writer_flush(wr, fw_time_mono_us(), on_retry, NULL, &res), 0);
    assert_int_equal(res.alerts_new + res.alerts_dup, n);
    assert_int_equal(nretried, 0);
    assert_int_equal(xlen(), n);
}

/* CLIENT PAUSE ... WRITE (Redis >= 6.2) holds the transaction's writes while
 * the check's reads (WATCH, MGET) still run: the send passes the check and
 * leaves a transaction in flight that Redis does not confirm in time. */
static void test_unconfirmed_in_flight_retried_in_order(void **state)
{
    struct rdx_flush_res res;
    uint64_t t0;
    unsigned i;

    (void)state;
    need_redis();
    t0 = fw_time_mono_us();
    cmd_ok("CLIENT PAUSE %s WRITE", "1500");
    for (i = 0; i < 10; i++)
        queue_alert(i);
    assert_int_equal(rdx_writer_send(wr, fw_time_mono_us(), on_retry, NULL, &res), 0);
    assert_int_equal(res.txs, 1);
    assert_int_equal(rdx_writer_inflight(wr), 10);
    for (i = 10; i < 15; i++)
        queue_alert(i);
    /* collecting times out (300 ms): the batch in flight, then the queue, to the callback */
    assert_int_equal(rdx_writer_send(wr, fw_time_mono_us(), on_retry, NULL, &res), FW_ECONN);
    assert_true(fw_time_mono_us() - t0 < 1500000);      /* it was the pause, not its end */
    assert_int_equal(res.alerts_retry, 15);
    assert_int_equal(res.alerts_new, 0);
    assert_all_handed_back(15);
    while (fw_time_mono_us() - t0 < 1700000)          /* the pause is over */
        th_sleep_ms(20);
    /* the retries are idempotent: the server may still run the lost batch */
    reflush_idempotent(15);
}

/* The check waits for its replies: a server that does not answer in time
 * (busy script) makes the send give up on the whole queue, in order, with
 * nothing left in flight. */
static void test_check_timeout_retries_queue(void **state)
{
    struct rdx_flush_res res;
    redisContext *blocker;
    unsigned i;

    (void)state;
    need_redis();
    blocker = block_server();
    for (i = 0; i < 10; i++)
        queue_alert(i);
    assert_int_equal(rdx_writer_send(wr, fw_time_mono_us(), on_retry, NULL, &res), FW_ECONN);
    assert_int_equal(res.alerts_retry, 10);
    assert_int_equal(res.txs, 0);
    assert_all_handed_back(10);
    redisFree(blocker);
    reflush_idempotent(10);
}

/* The same alert twice in one queue is added once. */
static void test_duplicate_in_one_queue_added_once(void **state)
{
    struct rdx_flush_res res;

    (void)state;
    need_redis();
    queue_alert(0);
    queue_alert(1);
    queue_alert(0);
    queue_alert(1);
    queue_alert(2);
    assert_int_equal(rdx_writer_flush(wr, fw_time_mono_us(), on_retry, NULL, &res), 0);
    assert_int_equal(res.alerts_new, 3);
    assert_int_equal(res.alerts_dup, 2);
    assert_int_equal(res.txs, 1);
    assert_int_equal(nretried, 0);
    assert_int_equal(xlen(), 3);
    /* all known now: no transaction, UNWATCH instead */
    queue_alert(2);
    queue_alert(0);
    assert_int_equal(rdx_writer_flush(wr, fw_time_mono_us(), on_retry, NULL, &res), 0);
    assert_int_equal(res.alerts_dup, 2);
    assert_int_equal(res.txs, 0);
    assert_int_equal(res.alert_cmds, 3);                /* WATCH, MGET, UNWATCH */
    assert_int_equal(xlen(), 3);
}

/* A transaction Redis refuses for memory runs nothing: every alert goes back
 * for a retry, in order, and no marker is left to make it look done. */
static void test_oom_refusal_adds_nothing(void **state)
{
    struct rdx_flush_res res;
    unsigned i;

    (void)state;
    need_redis();
    cmd_ok("CONFIG SET maxmemory-policy %s", "noeviction");
    cmd_ok("CONFIG SET maxmemory %s", "1");
    for (i = 0; i < 5; i++)
        queue_alert(i);
    assert_int_equal(rdx_writer_flush(wr, fw_time_mono_us(), on_retry, NULL, &res), FW_ECONN);
    assert_int_equal(res.alerts_retry, 5);
    assert_int_equal(res.alerts_new, 0);
    assert_retried_in_order(5);
    assert_int_equal(xlen(), 0);
    assert_int_equal(th_int(&srv, "HEXISTS fw:alerts:seen:undated %s", "w0"), 0);
    cmd_ok("CONFIG SET maxmemory %s", "0");
    reflush_idempotent(5);
    assert_int_equal(th_int(&srv, "HEXISTS fw:alerts:seen:undated %s", "w0"), 1);
}

/* A second writer on the test server (its own connection). */
static struct rdx_writer *second_writer(struct rdx_conn **c2)
{
    char url[64], err[256];
    struct rdx_writer *w2;

    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", srv.port);
    *c2 = rdx_conn_create(url, 300000, err, sizeof(err));
    assert_non_null(*c2);
    assert_int_equal(rdx_conn_ensure_now(*c2, fw_time_mono_us()), 0);
    w2 = rdx_writer_create(*c2, "fw:", 1000);
    assert_non_null(w2);
    return w2;
}

/* With writes paused (800 ms), queue alerts 0..4 on wr and base2..base2+4 on
 * w2 and send both: both checks run, both transactions wait. Returns when the
 * pause is over and both EXECs have run; res is w2's send. */
static void send_both_paused(struct rdx_writer *w2, unsigned base2, struct rdx_flush_res *res)
{
    uint64_t t0 = fw_time_mono_us();
    unsigned i;

    cmd_ok("CLIENT PAUSE %s WRITE", "800");
    for (i = 0; i < 5; i++) {
        queue_alert(i);
        queue_alert_on(w2, base2 + i);
    }
    assert_int_equal(rdx_writer_send(wr, fw_time_mono_us(), on_retry, NULL, res), 0);
    assert_int_equal(rdx_writer_send(w2, fw_time_mono_us(), on_retry, NULL, res), 0);
    while (fw_time_mono_us() - t0 < 1000000)
        th_sleep_ms(20);
}

/* Two writers pass the check for the same alerts before either writes (the
 * pause holds both transactions; this is also what a batch of ours that timed
 * out and still runs late looks like to its retry). The first EXEC adds them;
 * it changed the stream both watch, so the second EXEC runs nothing and its
 * writer retries, finding them there: each alert once. */
static void test_concurrent_writers_add_once(void **state)
{
    struct rdx_flush_res res;
    struct rdx_conn *c2;
    struct rdx_writer *w2;
    unsigned i;

    (void)state;
    need_redis();
    w2 = second_writer(&c2);
    send_both_paused(w2, 0, &res);
    assert_int_equal(res.txs, 1);                   /* w2's check found nothing either */
    assert_int_equal(rdx_writer_collect(wr, fw_time_mono_us(), on_retry, NULL, &res), 0);
    assert_int_equal(res.alerts_new, 5);
    assert_int_equal(nretried, 0);
    rdx_writer_collect(w2, fw_time_mono_us(), on_retry, NULL, &res);
    assert_int_equal(res.alerts_new, 0);
    assert_int_equal(res.alerts_retry, 5);          /* aborted, handed back in order */
    assert_retried_in_order(5);
    assert_int_equal(xlen(), 5);
    /* the retry: every marker is there now */
    assert_int_equal(rdx_conn_ensure_now(c2, fw_time_mono_us()), 0);
    for (i = 0; i < 5; i++)
        queue_alert_on(w2, i);
    assert_int_equal(rdx_writer_flush(w2, fw_time_mono_us(), on_retry, NULL, &res), 0);
    assert_int_equal(res.alerts_dup, 5);
    assert_int_equal(xlen(), 5);
    rdx_writer_destroy(w2);
    rdx_conn_destroy(c2);
}

/* Agents share the ingest stream but each watches a guard of its own: two
 * sensors' transactions that overlap do not abort each other. */
static void test_agents_do_not_abort_each_other(void **state)
{
    struct rdx_flush_res res;
    struct rdx_conn *c2;
    struct rdx_writer *w2;

    (void)state;
    need_redis();
    w2 = second_writer(&c2);
    rdx_writer_set_stream(wr, true, "s1");
    rdx_writer_set_stream(w2, true, "s2");
    send_both_paused(w2, 10, &res);
    assert_int_equal(rdx_writer_collect(wr, fw_time_mono_us(), on_retry, NULL, &res), 0);
    assert_int_equal(res.alerts_new, 5);
    assert_int_equal(rdx_writer_collect(w2, fw_time_mono_us(), on_retry, NULL, &res), 0);
    assert_int_equal(res.alerts_new, 5);
    assert_int_equal(nretried, 0);
    assert_int_equal(th_int(&srv, "XLEN %s", "fw:ingest"), 10);
    assert_int_equal(th_int(&srv, "EXISTS %s", "fw:ingest:s1:guard"), 1);
    assert_int_equal(th_int(&srv, "EXISTS %s", "fw:ingest:s2:guard"), 1);
    rdx_writer_destroy(w2);
    rdx_conn_destroy(c2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_send_leaves_batch_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unconfirmed_in_flight_retried_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_check_timeout_retries_queue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_in_one_queue_added_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_oom_refusal_adds_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers_add_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_agents_do_not_abort_each_other, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
