/* tests/fuzz/fuzz_agg_ingest.c: the aggregator's JSON path reader and ISO time
 * parser on arbitrary bytes (what a hostile writer could put in fw:ingest). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agg_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const paths[] = {"finwatch.blame", "finwatch.zone.source", "a", "event"};
    struct agg_field f[2];
    struct anz_alert a;
    char out[64], sensor[AGG_SENSOR_MAX];
    uint64_t us;
    size_t i;

    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        agg_json_get((const char *)data, size, paths[i], out, sizeof(out));
    agg_iso_parse((const char *)data, size, &us);
    f[0] = (struct agg_field){"json", 4, (const char *)data, size};
    f[1] = (struct agg_field){"ts", 2, (const char *)data, size};
    agg_entry_decode(f, 2, &a, sensor, sizeof(sensor));
    return 0;
}
