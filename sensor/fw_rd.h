/* sensor/fw_rd.h: a bounds-checked cursor over untrusted bytes.
 *
 * Packets, DNS/TLS/HTTP/FIX payloads and spool files are read only through
 * struct fw_rd. A short read returns 0 and marks the reader failed; the failure
 * is sticky, so a decoder may read several fields and test fw_rd_failed() once
 * before a value steers a branch. Bounds tests compare what is left
 * (len - off < n), never computed pointers. Header-only; any thread, each
 * reader owned by one thread.
 */
#ifndef FW_RD_H
#define FW_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct fw_rd {
    const uint8_t *base;    /* first byte of the window; never moves */
    size_t len;             /* bytes in the window */
    size_t off;             /* cursor; off <= len always holds */
    bool failed;            /* sticky: set by the first short read */
};

static inline void fw_rd_init(struct fw_rd *rd, const uint8_t *base, size_t len)
{
    rd->base = base;
    rd->len = len;
    rd->off = 0;
    rd->failed = false;
}

static inline bool fw_rd_failed(const struct fw_rd *rd)
{
    return rd->failed;
}

static inline size_t fw_rd_left(const struct fw_rd *rd)
{
    return rd->failed ? 0 : rd->len - rd->off;
}

static inline size_t fw_rd_off(const struct fw_rd *rd)
{
    return rd->off;
}

/* True (and the reader failed) when fewer than n bytes remain. */
static inline bool fw_rd_short(struct fw_rd *rd, size_t n)
{
    if (rd->failed || rd->len - rd->off < n) {
        rd->failed = true;
        return true;
    }
    return false;
}

static inline uint8_t fw_rd_u8(struct fw_rd *rd)
{
    if (fw_rd_short(rd, 1))
        return 0;
    return rd->base[rd->off++];
}

static inline uint16_t fw_rd_u16be(struct fw_rd *rd)
{
    uint16_t v;

    if (fw_rd_short(rd, 2))
        return 0;
    v = (uint16_t)(rd->base[rd->off] << 8 | rd->base[rd->off + 1]);
    rd->off += 2;
    return v;
}

static inline uint16_t fw_rd_u16le(struct fw_rd *rd)
{
    uint16_t v;

    if (fw_rd_short(rd, 2))
        return 0;
    v = (uint16_t)(rd->base[rd->off] | rd->base[rd->off + 1] << 8);
    rd->off += 2;
    return v;
}

static inline uint32_t fw_rd_u32be(struct fw_rd *rd)
{
    uint32_t v;

    if (fw_rd_short(rd, 4))
        return 0;
    v = (uint32_t)rd->base[rd->off] << 24 | (uint32_t)rd->base[rd->off + 1] << 16 |
        (uint32_t)rd->base[rd->off + 2] << 8 | (uint32_t)rd->base[rd->off + 3];
    rd->off += 4;
    return v;
}

static inline uint32_t fw_rd_u32le(struct fw_rd *rd)
{
    uint32_t v;

    if (fw_rd_short(rd, 4))
        return 0;
    v = (uint32_t)rd->base[rd->off] | (uint32_t)rd->base[rd->off + 1] << 8 |
        (uint32_t)rd->base[rd->off + 2] << 16 | (uint32_t)rd->base[rd->off + 3] << 24;
    rd->off += 4;
    return v;
}

/* Copy n bytes to dst; on a short read dst is zeroed and the reader fails. */
static inline void fw_rd_bytes(struct fw_rd *rd, void *dst, size_t n)
{
    if (fw_rd_short(rd, n)) {
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, rd->base + rd->off, n);
    rd->off += n;
}

/* Borrow a pointer to the next n bytes and advance; NULL on a short read.
 * The pointer lives as long as the reader's buffer. */
static inline const uint8_t *fw_rd_ptr(struct fw_rd *rd, size_t n)
{
    const uint8_t *p;

    if (fw_rd_short(rd, n))
        return NULL;
    p = rd->base + rd->off;
    rd->off += n;
    return p;
}

/* Look at the byte at cursor + ahead without moving; -1 when out of range. */
static inline int fw_rd_peek(const struct fw_rd *rd, size_t ahead)
{
    if (rd->failed || rd->len - rd->off <= ahead)
        return -1;
    return rd->base[rd->off + ahead];
}

static inline void fw_rd_skip(struct fw_rd *rd, size_t n)
{
    if (!fw_rd_short(rd, n))
        rd->off += n;
}

/* A sub-reader over the next n bytes (the declared length of a header field),
 * advancing the parent past them. Two lengths, the smaller wins: when fewer than
 * n bytes remain the sub-reader gets what is there and *truncated is set, the
 * parent is not failed (callers decide whether a short body is fatal). */
static inline struct fw_rd fw_rd_sub(struct fw_rd *rd, size_t n, bool *truncated)
{
    struct fw_rd sub;
    size_t left = fw_rd_left(rd);

    if (truncated)
        *truncated = left < n;
    if (left < n)
        n = left;
    fw_rd_init(&sub, rd->base + rd->off, n);
    if (!rd->failed)
        rd->off += n;
    return sub;
}

/* A reader over the rest of the window, parent untouched. */
static inline struct fw_rd fw_rd_rest(const struct fw_rd *rd)
{
    struct fw_rd sub;

    fw_rd_init(&sub, rd->base + rd->off, fw_rd_left(rd));
    return sub;
}

#endif
