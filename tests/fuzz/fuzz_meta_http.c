/* tests/fuzz/fuzz_meta_http.c: libFuzzer harness for the HTTP request and
 * response parsers. Traps if a field loses its NUL or a status is out of range. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "meta_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct meta_http h;

    memset(&h, 0, sizeof(h));
    (void)meta_http_parse_request(data, size, &h);
    if (!memchr(h.method, '\0', sizeof(h.method)) || !memchr(h.url, '\0', sizeof(h.url)) ||
        !memchr(h.host, '\0', sizeof(h.host)) ||
        !memchr(h.user_agent, '\0', sizeof(h.user_agent)))
        __builtin_trap();
    if (meta_http_parse_response(data, size, &h) && (h.status < 100 || h.status > 599))
        __builtin_trap();
    return 0;
}
