/* tests/fuzz/fuzz_meta_ssh.c: libFuzzer harness for meta_ssh_parse_banner().
 * Traps if an accepted banner is not printable US-ASCII starting "SSH-". */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "meta_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[96];
    size_t i, n;

    if (!meta_ssh_parse_banner(data, size, out, sizeof(out)))
        return 0;
    n = strlen(out);
    if (n < 4 || memcmp(out, "SSH-", 4) != 0)
        __builtin_trap();
    for (i = 0; i < n; i++) {
        if (out[i] < 0x20 || out[i] > 0x7e)
            __builtin_trap();
    }
    return 0;
}
