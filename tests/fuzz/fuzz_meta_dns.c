/* tests/fuzz/fuzz_meta_dns.c: libFuzzer harness for meta_dns_parse().
 *
 * The input is parsed as a UDP payload and as a TCP stream (length prefix).
 * Beyond "no crash, no over-read", the harness traps when a result breaks the
 * contract: counts above the array sizes or strings without their NUL.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "meta_parse.h"

static void check(const struct meta_dns_msg *m)
{
    uint8_t i;

    if (m->n_questions > META_DNS_MAX_QUESTIONS || m->n_answers > META_DNS_MAX_ANSWERS)
        __builtin_trap();
    if (m->n_questions > m->qdcount || m->n_answers > m->ancount)
        __builtin_trap();
    for (i = 0; i < m->n_questions; i++) {
        if (!memchr(m->questions[i].name, '\0', sizeof(m->questions[i].name)))
            __builtin_trap();
    }
    for (i = 0; i < m->n_answers; i++) {
        if (!memchr(m->answers[i].name, '\0', sizeof(m->answers[i].name)) ||
            !memchr(m->answers[i].data, '\0', sizeof(m->answers[i].data)))
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct meta_dns_msg m;

    if (meta_dns_parse(data, size, false, &m) == 0)
        check(&m);
    if (meta_dns_parse(data, size, true, &m) == 0)
        check(&m);
    return 0;
}
