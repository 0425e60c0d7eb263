/* tests/fuzz/fuzz_fw_json.c: libFuzzer harness for the dotted-path JSON reader
 * (fw_json), which reads alert lines and fw:ingest entries, both untrusted.
 * Input: an optional path (up to 32 bytes, ended by '\n') then the JSON text;
 * fixed paths are tried on the whole input too. Besides ASan/UBSan, it aborts
 * when a result breaks the contract: a span outside the input or of the wrong
 * shape, an error code not in the list, strings not NUL-terminated in their
 * buffer, an escaped copy longer than its span or holding a control byte. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fw_err.h"
#include "fw_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_span(const char *json, size_t len, const struct fw_json_span *v)
{
    static const char open[] = {
        [FW_JSON_STRING] = '"', [FW_JSON_OBJECT] = '{', [FW_JSON_ARRAY] = '[',
    };
    size_t off;

    if (!v->p || v->len == 0 || v->p < json || (size_t)(v->p - json) > len)
        abort();
    off = (size_t)(v->p - json);
    if (v->len > len - off)
        abort();
    if (v->type <= FW_JSON_ARRAY && open[v->type] && v->p[0] != open[v->type])
        abort();
}

static void check_strings(const struct fw_json_span *v)
{
    char out[256], small[4];
    size_t i, n;
    int rc;

    rc = fw_json_span_escaped(v, out, sizeof(out));
    if (rc == 0) {
        n = strlen(out);
        if (n > v->len - 2)
            abort();
        for (i = 0; i < n; i++)
            if ((unsigned char)out[i] < 0x20)
                abort();
    } else if ((rc != FW_ENOMEM && rc != FW_EINVAL) || out[0]) {
        abort();
    }
    rc = fw_json_span_str(v, out, sizeof(out));
    if (rc != 0 && (out[0] || (rc != FW_ENOMEM && rc != FW_EINVAL)))
        abort();
    rc = fw_json_span_str(v, small, sizeof(small));
    if (memchr(small, '\0', sizeof(small)) == NULL || (rc != 0 && small[0]))
        abort();
}

static void probe(const char *json, size_t len, const char *path)
{
    struct fw_json_span v;
    int64_t i;
    uint64_t u;
    double d;
    bool b;
    int rc = fw_json_get(json, len, path, &v);

    if (rc != 0) {
        if ((rc != FW_ENOENT && rc != FW_EPARSE && rc != FW_EINVAL) || v.p || v.len)
            abort();
        return;
    }
    check_span(json, len, &v);
    check_strings(&v);
    (void)fw_json_span_i64(&v, &i);
    (void)fw_json_span_u64(&v, &u);
    (void)fw_json_span_double(&v, &d);
    (void)fw_json_span_bool(&v, &b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {
        "a", "a.b", "event.reason", "finwatch.evidence", "finwatch.zone.source", "rule.id",
    };
    const char *json = (const char *)data;
    const uint8_t *nl = memchr(data, '\n', size < 33 ? size : 33);
    char path[34];
    size_t i;

    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        probe(json, size, paths[i]);
    if (nl) {
        memcpy(path, data, (size_t)(nl - data));
        path[nl - data] = '\0';
        probe(json + (nl - data) + 1, size - (size_t)(nl - data) - 1, path);
    }
    return 0;
}
