/* sensor/cap_mmap.c: classic pcap files read in place (see cap_mmap.h).
 *
 * The record checks and their messages follow libpcap 1.10's
 * pcap_next_packet() (sf-pcap.c) for version 2.4 files, so that a damaged
 * file ends at the same record, with the same warning, whichever reader ran.
 */
#include "cap_mmap.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/dlt.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fw_err.h"

#define PCAP_FILE_HDR 24
#define PCAP_REC_HDR 16
#define MAGIC_USEC 0xa1b2c3d4u
#define MAGIC_NSEC 0xa1b23c4du
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

static uint32_t bswap32(uint32_t v)
{
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

static uint32_t rd32(const struct cap_mmap *m, const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
    return m->swapped ? bswap32(v) : v;
}

static uint16_t rd16(const struct cap_mmap *m, const uint8_t *p)
{
    uint16_t v;

    memcpy(&v, p, sizeof(v));
    return m->swapped ? (uint16_t)((v >> 8) | (v << 8)) : v;
}

static void unmap_window(struct cap_mmap *m)
{
    if (m->win)
        munmap((void *)m->win, m->win_len);
    m->win = NULL;
    m->win_len = 0;
}

static inline bool in_window(const struct cap_mmap *m, uint64_t off, size_t need)
{
    return m->win && off >= m->win_off && off + need <= m->win_off + m->win_len;
}

/* Map the window that starts at the page holding off, so that [off, off +
 * need) is readable; need <= what is left of the file. False when mmap fails. */
static bool map_window(struct cap_mmap *m, uint64_t off, size_t need)
{
    static long page;
    uint64_t start;
    size_t len;
    void *p;

    if (!page)
        page = sysconf(_SC_PAGESIZE);
    unmap_window(m);
    start = off - off % (uint64_t)page;
    len = m->size - start < m->window ? (size_t)(m->size - start) : m->window;
    if (len < off - start + need)
        len = (size_t)(off - start + need);
    /* MAP_POPULATE: one pass over the page tables instead of a fault per 64 KiB */
    p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, m->fd, (off_t)start);
    if (p == MAP_FAILED)
        return false;
    madvise(p, len, MADV_SEQUENTIAL);
    m->win = p;
    m->win_off = start;
    m->win_len = len;
    return true;
}

static const uint8_t *at(const struct cap_mmap *m, uint64_t off)
{
    return m->win + (off - m->win_off);
}

bool cap_mmap_plain_link(int dlt, bool swapped)
{
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_NULL:              /* its family word is read in either order by decode */
    case DLT_LOOP:
        return true;
    case DLT_LINUX_SLL:         /* libpcap swaps the CAN id of a swapped file */
    case DLT_LINUX_SLL2:
        return !swapped;
    default:
        return false;
    }
}

/* The file header, already accepted by libpcap: is it the plain kind? */
static int check_header(struct cap_mmap *m, int dlt)
{
    uint32_t magic;

    if (m->size < PCAP_FILE_HDR || !map_window(m, 0, PCAP_FILE_HDR))
        return FW_EUNSUPP;
    memcpy(&magic, m->win, sizeof(magic));
    if (magic == bswap32(MAGIC_USEC) || magic == bswap32(MAGIC_NSEC)) {
        m->swapped = true;
        magic = bswap32(magic);
    }
    if (magic != MAGIC_USEC && magic != MAGIC_NSEC)
        return FW_EUNSUPP;      /* pcapng, or the patched (Kuznetzov) format */
    m->nsec = magic == MAGIC_NSEC;
    /* before 2.4 caplen and len may be swapped: libpcap's business */
    if (rd16(m, m->win + 4) != 2 || rd16(m, m->win + 6) != 4)
        return FW_EUNSUPP;
    if (!cap_mmap_plain_link(dlt, m->swapped))
        return FW_EUNSUPP;
    m->off = PCAP_FILE_HDR;
    return 0;
}

int cap_mmap_open(struct cap_mmap *m, const char *path, uint32_t snapshot, int dlt)
{
    struct stat sb;
    int rc;

    memset(m, 0, sizeof(*m));
    m->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (m->fd < 0)
        return FW_EIO;
    if (fstat(m->fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        cap_mmap_close(m);
        return FW_EUNSUPP;      /* a pipe or device cannot be mapped */
    }
    m->size = (uint64_t)sb.st_size;
    m->snapshot = snapshot;
    m->window = CAP_MMAP_WINDOW;
    rc = check_header(m, dlt);
    if (rc != 0)
        cap_mmap_close(m);
    return rc;
}

/* At the mapped end: has the file grown since (still being written)? */
static bool file_grew(struct cap_mmap *m)
{
    struct stat sb;

    if (fstat(m->fd, &sb) != 0 || (uint64_t)sb.st_size <= m->size)
        return false;
    m->size = (uint64_t)sb.st_size;
    return true;
}

static int damaged(struct cap_mmap *m)
{
    m->off = m->size;           /* the rest of the file is skipped */
    return FW_EPARSE;
}

/* [off, off + need) readable through the window, mapping another one when
 * needed; a failed mmap damages the rest of the file, as a read error does in
 * libpcap. */
static bool readable(struct cap_mmap *m, uint64_t off, size_t need)
{
    if (in_window(m, off, need) || map_window(m, off, need))
        return true;
    snprintf(m->err, sizeof(m->err), "error reading dump file: %s", strerror(errno));
    damaged(m);
    return false;
}

int cap_mmap_next(struct cap_mmap *m, struct cap_mmap_rec *r)
{
    uint64_t left = m->size - m->off;
    uint32_t caplen, len, sec, frac;
    const uint8_t *h;
    int64_t s64, f64;

    if (left < PCAP_REC_HDR && file_grew(m))
        left = m->size - m->off;
    if (left == 0)
        return 0;
    if (left < PCAP_REC_HDR) {
        snprintf(m->err, sizeof(m->err),
                 "truncated dump file; tried to read %d header bytes, only got %zu",
                 PCAP_REC_HDR, (size_t)left);
        return damaged(m);
    }
    if (!readable(m, m->off, PCAP_REC_HDR))
        return FW_EPARSE;
    h = at(m, m->off);
    sec = rd32(m, h);
    frac = rd32(m, h + 4);
    caplen = rd32(m, h + 8);
    len = rd32(m, h + 12);
    left -= PCAP_REC_HDR;
    if (caplen > CAP_MMAP_MAX_CAPLEN) {
        if (caplen > m->snapshot)
            snprintf(m->err, sizeof(m->err),
                     "invalid packet capture length %u, bigger than snaplen of %u", caplen,
                     m->snapshot);
        else
            snprintf(m->err, sizeof(m->err),
                     "invalid packet capture length %u, bigger than maximum of %u", caplen,
                     CAP_MMAP_MAX_CAPLEN);
        return damaged(m);
    }
    if (left < caplen) {
        /* libpcap reads min(caplen, snapshot) first and names what it asked for */
        uint32_t asked = caplen > m->snapshot ? m->snapshot : caplen;

        if (left >= asked)
            asked = caplen;
        snprintf(m->err, sizeof(m->err),
                 "truncated dump file; tried to read %u captured bytes, only got %zu", asked,
                 (size_t)left);
        return damaged(m);
    }
    if (!readable(m, m->off, PCAP_REC_HDR + caplen))
        return FW_EPARSE;
    /* exactly as libpcap 1.10: its fields are signed 32-bit, but its byte swap
     * yields unsigned values, so only a swapped file's stamps stay positive */
    if (m->swapped)
        s64 = sec, f64 = frac;
    else
        s64 = (int32_t)sec, f64 = (int32_t)frac;
    if (m->nsec)
        f64 /= 1000;
    r->data = at(m, m->off + PCAP_REC_HDR);
    r->caplen = caplen > m->snapshot ? m->snapshot : caplen;
    r->len = len;
    r->ts_us = (uint64_t)s64 * 1000000u + (uint64_t)f64;
    m->off += PCAP_REC_HDR + (uint64_t)caplen;
    return 1;
}

void cap_mmap_close(struct cap_mmap *m)
{
    unmap_window(m);
    if (m->fd >= 0)
        close(m->fd);
    m->fd = -1;
}
