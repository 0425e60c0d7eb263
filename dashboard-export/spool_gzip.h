/* dashboard-export/spool_gzip.h: gzip a finished file (rotated JSON lines).
 *
 * Lives with the spool because only spool_* may include <zlib.h> (STYLE rule
 * 16). Called from the exporter thread after a JSON lines file rotates; it
 * blocks while it compresses, so it is only given closed files.
 */
#ifndef SPOOL_GZIP_H
#define SPOOL_GZIP_H

/* Compress src into dst (written as dst + ".tmp", then renamed, so a reader never
 * sees half a .gz), then unlink src. 0, FW_EIO (errno kept) or FW_ENOMEM. */
int spool_gzip_file(const char *src, const char *dst);

#endif
