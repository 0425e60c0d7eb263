/* tests/fuzz/fuzz_spool.c: libFuzzer harness for the spool's readers of
 * untrusted disk bytes: spool_seg_scan() over a segment image (framing, CRC,
 * zlib inflate) and rdx_entry_decode() over every record it yields, which is
 * what a replay after a crash or a damaged disk does. The scan must report a
 * whole-record length within the input, and any decoded entry must point
 * inside the record. A second pass writes the input as a segment file and
 * opens it through spool_create(), reading everything back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rdx_writer.h"
#include "spool_file.h"

static void on_record(void *ctx, uint8_t severity, const uint8_t *data, size_t len)
{
    struct rdx_entry e;
    int i;

    (void)ctx;
    (void)severity;
    if (len > SPOOL_REC_MAX)
        abort();
    if (rdx_entry_decode(data, len, &e) != 0)
        return;
    for (i = 0; i < e.argc; i++)
        if ((const uint8_t *)e.argv[i] < data ||
            (const uint8_t *)e.argv[i] + e.lens[i] > data + len)
            abort();
}

static void via_spool(const uint8_t *data, size_t size)
{
    char dir[64], path[128], err[256];
    const uint8_t *rec;
    struct spool *sp;
    size_t len;
    uint8_t sev;
    FILE *f;

    snprintf(dir, sizeof(dir), "/tmp/fuzz_spool.%ld", (long)getpid());
    snprintf(path, sizeof(path), "%s/seg-0000000000000001.fws", dir);
    sp = spool_create(dir, 1 << 20, err, sizeof(err));
    if (!sp)
        return;
    spool_destroy(sp);
    f = fopen(path, "wb");
    if (!f)
        return;
    fwrite(data, 1, size, f);
    fclose(f);
    sp = spool_create(dir, 1 << 20, err, sizeof(err));
    if (!sp)
        return;
    while (spool_read(sp, &sev, &rec, &len) == 0)
        on_record(NULL, sev, rec, len);
    spool_commit(sp);           /* deletes the segment for the next input */
    spool_destroy(sp);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t n = 0;
    size_t good = spool_seg_scan(data, size, on_record, NULL, &n);

    if (good > size || (n == 0 && good != 0))
        abort();
    via_spool(data, size);
    return 0;
}
