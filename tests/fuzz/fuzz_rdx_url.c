/* tests/fuzz/fuzz_rdx_url.c: libFuzzer harness for rdx_url_parse() (the Redis
 * URL from the config file or --redis). Any bytes must give 0 with
 * NUL-terminated, in-range fields, or FW_EINVAL with a reason. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fw_err.h"
#include "rdx_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rdx_url u;
    char err[128], *s = malloc(size + 1);
    int rc;

    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    err[0] = '\0';
    rc = rdx_url_parse(s, &u, err, sizeof(err));
    if (rc == 0) {
        if (strlen(u.host) >= sizeof(u.host) || strlen(u.pass) >= sizeof(u.pass) ||
            u.port < 1 || u.port > 65535 || u.db < 0 || (!u.is_unix && !u.host[0]))
            abort();
    } else if (rc != FW_EINVAL || !err[0]) {
        abort();
    }
    free(s);
    return 0;
}
