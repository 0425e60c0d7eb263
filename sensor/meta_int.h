/* sensor/meta_int.h: helpers shared by the meta_* parsers, not for other modules.
 *
 * Small inline helpers over struct fw_rd that the DNS, HTTP, TLS, SSH and FIX
 * parsers all need: copying borrowed wire bytes into fixed-size NUL-terminated
 * fields, and matching literal tokens. Pure, any thread. The FIX entry point
 * with a configurable separator lives here too so unit tests can feed readable
 * '|'-separated messages.
 */
#ifndef META_INT_H
#define META_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fw_rd.h"
#include "meta_types.h"

/* Copy n wire bytes into dst (size dstlen, > 0), truncated to dstlen - 1 and
 * NUL-terminated. Bytes are kept verbatim; a NUL inside ends the C string. */
static inline void meta_copy_field(char *dst, size_t dstlen, const uint8_t *src, size_t n)
{
    if (dstlen == 0)
        return;
    if (n > dstlen - 1)
        n = dstlen - 1;
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

/* True when the next bytes of rd are the literal lit (not consumed). */
static inline bool meta_rd_starts(const struct fw_rd *rd, const char *lit)
{
    size_t n = strlen(lit);

    if (fw_rd_left(rd) < n)
        return false;
    return memcmp(rd->base + rd->off, lit, n) == 0;
}

/* True when the next bytes of rd are the first min(left, strlen(lit)) bytes of
 * lit: the data may have been cut inside the literal. */
static inline bool meta_rd_prefix_of(const struct fw_rd *rd, const char *lit)
{
    size_t n = strlen(lit);
    size_t left = fw_rd_left(rd);

    if (left < n)
        n = left;
    return memcmp(rd->base + rd->off, lit, n) == 0;
}

/* Bytes from the cursor up to (not including) the first byte equal to a or b,
 * or to the end of the window. Does not move the cursor. */
static inline size_t meta_rd_span_until(const struct fw_rd *rd, uint8_t a, uint8_t b)
{
    size_t left = fw_rd_left(rd);
    size_t i;

    for (i = 0; i < left; i++) {
        uint8_t c = rd->base[rd->off + i];

        if (c == a || c == b)
            break;
    }
    return i;
}

/* A reader over [off, end) of parent's window, cursor at off, counted from the
 * window's start so DNS compression offsets keep their meaning. end is clamped
 * to the window; off past end gives a failed reader. */
static inline struct fw_rd meta_rd_window(const struct fw_rd *parent, size_t off, size_t end)
{
    struct fw_rd r;

    fw_rd_init(&r, parent->base, end < parent->len ? end : parent->len);
    fw_rd_skip(&r, off);
    return r;
}

/* meta_fix_parse() with the field separator as a parameter (SOH on the wire;
 * tests pass '|'). Same contract as meta_fix_parse(). */
int meta_fix_parse_sep(const uint8_t *data, size_t len, uint8_t sep, bool from_initiator,
                       struct meta_fix *fix);

#endif
