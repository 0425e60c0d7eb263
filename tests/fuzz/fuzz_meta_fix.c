/* tests/fuzz/fuzz_meta_fix.c: libFuzzer harness for meta_fix_parse().
 *
 * The first input byte picks the direction; the rest is one payload, parsed
 * twice into the same accumulator as consecutive segments of a flow would be.
 * Traps when the counters disagree with the return values or a string loses
 * its NUL.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "meta_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct meta_fix fix;
    uint32_t total = 0;
    int i, rc;

    if (size < 1)
        return 0;
    memset(&fix, 0, sizeof(fix));
    for (i = 0; i < 2; i++) {
        rc = meta_fix_parse(data + 1, size - 1, data[0] & 1, &fix);
        if (rc > 0)
            total += (uint32_t)rc;
    }
    if (fix.messages != total || fix.malformed > fix.messages || fix.heartbeats > fix.messages)
        __builtin_trap();
    if (!memchr(fix.begin_string, '\0', sizeof(fix.begin_string)) ||
        !memchr(fix.sender_comp_id, '\0', sizeof(fix.sender_comp_id)) ||
        !memchr(fix.target_comp_id, '\0', sizeof(fix.target_comp_id)))
        __builtin_trap();
    for (i = 0; i < META_FIX_MSGTYPES; i++) {
        if (!memchr(fix.msgtypes[i].type, '\0', sizeof(fix.msgtypes[i].type)))
            __builtin_trap();
    }
    return 0;
}
