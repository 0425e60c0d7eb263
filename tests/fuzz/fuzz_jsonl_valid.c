/* tests/fuzz/fuzz_jsonl_valid.c: libFuzzer harness for the JSON validator
 * (jsonl_valid) that guards analyzers' pre-rendered evidence, and for the
 * escaping that every record relies on: any bytes rendered as a JSON string
 * by fw_buf_json_strn() must validate. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fw_buf.h"
#include "jsonl_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fw_buf b;

    (void)jsonl_valid((const char *)data, size);
    (void)jsonl_valid_object((const char *)data, size);
    fw_buf_init(&b);
    fw_buf_json_strn(&b, (const char *)data, size);
    if (!b.failed && !jsonl_valid(b.data, b.len))
        abort();
    fw_buf_free(&b);
    return 0;
}
