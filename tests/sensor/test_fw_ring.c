/* tests/sensor/test_fw_ring.c: SPSC ring of variable-size records. */
#include <pthread.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fw_ring.h"

static void test_empty_ring_has_nothing(void **state)
{
    struct fw_ring *r = fw_ring_create(4096);
    size_t len = 99;

    (void)state;
    assert_non_null(r);
    assert_null(fw_ring_peek(r, &len));
    assert_int_equal(fw_ring_used(r), 0);
    fw_ring_destroy(r);
}

static void test_records_come_out_in_order(void **state)
{
    struct fw_ring *r = fw_ring_create(4096);
    char msg[32];
    int i;

    (void)state;
    for (i = 0; i < 10; i++) {
        char *p = fw_ring_reserve(r, (size_t)i + 1);
        assert_non_null(p);
        memset(p, 'a' + i, (size_t)i + 1);
        fw_ring_commit(r);
    }
    for (i = 0; i < 10; i++) {
        size_t len;
        const char *p = fw_ring_peek(r, &len);
        assert_non_null(p);
        assert_int_equal(len, (size_t)i + 1);
        memset(msg, 'a' + i, sizeof(msg));
        assert_memory_equal(p, msg, len);
        fw_ring_release(r);
    }
    assert_null(fw_ring_peek(r, &(size_t){0}));
    fw_ring_destroy(r);
}

static void test_full_ring_refuses_then_accepts_after_release(void **state)
{
    struct fw_ring *r = fw_ring_create(4096);
    int n = 0;
    size_t len;

    (void)state;
    while (fw_ring_reserve(r, 100)) {
        fw_ring_commit(r);
        n++;
    }
    /* 100 bytes + 8 header rounds to 112 per record. */
    assert_int_equal(n, 4096 / 112);
    assert_non_null(fw_ring_peek(r, &len));
    fw_ring_release(r);
    assert_non_null(fw_ring_reserve(r, 100));
    fw_ring_commit(r);
    /* Oversized records can never fit. */
    assert_null(fw_ring_reserve(r, 4096));
    fw_ring_destroy(r);
}

static void test_wraparound_keeps_records_whole(void **state)
{
    struct fw_ring *r = fw_ring_create(4096);
    unsigned i;

    (void)state;
    for (i = 0; i < 1000; i++) {
        size_t want = 1 + (i * 37) % 700, len;
        uint8_t *p = fw_ring_reserve(r, want);
        const uint8_t *q;

        assert_non_null(p);
        memset(p, (int)(i & 0xff), want);
        fw_ring_commit(r);
        q = fw_ring_peek(r, &len);
        assert_non_null(q);
        assert_int_equal(len, want);
        assert_int_equal(q[0], i & 0xff);
        assert_int_equal(q[len - 1], i & 0xff);
        fw_ring_release(r);
    }
    fw_ring_destroy(r);
}

#define THREAD_RECORDS 200000u

static void *producer(void *arg)
{
    struct fw_ring *r = arg;
    uint32_t i;

    for (i = 0; i < THREAD_RECORDS; i++) {
        size_t len = sizeof(uint32_t) * (1 + i % 13);
        uint32_t *p;

        while (!(p = fw_ring_reserve(r, len)))
            ;
        for (size_t k = 0; k < len / sizeof(uint32_t); k++)
            p[k] = i;
        fw_ring_commit(r);
    }
    return NULL;
}

static void test_two_threads_lose_nothing(void **state)
{
    struct fw_ring *r = fw_ring_create(8192);
    pthread_t th;
    uint32_t expect = 0;
    bool ok = true;

    (void)state;
    assert_int_equal(pthread_create(&th, NULL, producer, r), 0);
    while (expect < THREAD_RECORDS) {
        size_t len;
        const uint32_t *p = fw_ring_peek(r, &len);

        if (!p)
            continue;
        if (len != sizeof(uint32_t) * (1 + expect % 13) || p[0] != expect ||
            p[len / sizeof(uint32_t) - 1] != expect)
            ok = false;
        fw_ring_release(r);
        expect++;
    }
    pthread_join(th, NULL);
    assert_true(ok);
    assert_int_equal(fw_ring_used(r), 0);
    fw_ring_destroy(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_ring_has_nothing),
        cmocka_unit_test(test_records_come_out_in_order),
        cmocka_unit_test(test_full_ring_refuses_then_accepts_after_release),
        cmocka_unit_test(test_wraparound_keeps_records_whole),
        cmocka_unit_test(test_two_threads_lose_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
