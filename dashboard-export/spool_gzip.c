/* dashboard-export/spool_gzip.c: gzip helper for rotated JSON lines files. */
#include "spool_gzip.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include <zlib.h>

#include "fw_err.h"

#define GZ_CHUNK 65536

/* Copy every byte of in into gz; 0 or FW_EIO. */
static int gz_copy(FILE *in, gzFile gz)
{
    static __thread unsigned char chunk[GZ_CHUNK];
    size_t n;

    while ((n = fread(chunk, 1, sizeof(chunk), in)) > 0)
        if (gzwrite(gz, chunk, (unsigned)n) != (int)n)
            return FW_EIO;
    return ferror(in) ? FW_EIO : 0;
}

int spool_gzip_file(const char *src, const char *dst)
{
    char tmp[1024];
    FILE *in;
    gzFile gz;
    int rc;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", dst) >= (int)sizeof(tmp))
        return FW_EINVAL;
    in = fopen(src, "rb");
    if (!in)
        return FW_EIO;
    gz = gzopen(tmp, "wb6");
    if (!gz) {
        rc = FW_EIO;
        goto out_close_in;
    }
    rc = gz_copy(in, gz);
    if (gzclose(gz) != Z_OK && rc == 0)
        rc = FW_EIO;
    if (rc == 0 && rename(tmp, dst) != 0)
        rc = FW_EIO;
    if (rc == 0)
        unlink(src);
    else
        unlink(tmp);
out_close_in:
    fclose(in);
    return rc;
}
