/* tests/fuzz/fuzz_meta_tls.c: libFuzzer harness for
 * meta_tls_parse_client_hello(). Traps if the SNI field loses its NUL. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "meta_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct meta_tls t;

    memset(&t, 0, sizeof(t));
    (void)meta_tls_parse_client_hello(data, size, &t);
    if (!memchr(t.server_name, '\0', sizeof(t.server_name)))
        __builtin_trap();
    return 0;
}
