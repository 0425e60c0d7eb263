/* dashboard-export/spool_file.c: zlib-compressed, crash-safe, bounded disk spool.
 * The frame layout and the policies are described in spool_file.h. */
#include "spool_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fw_alloc.h"
#include "fw_err.h"
#include "fw_log.h"
#include "fw_rd.h"

#define SPOOL_MAGIC0 0xf5
#define SPOOL_MAGIC1 0x01
#define SPOOL_CLASSES 4
#define SPOOL_SEG_MIN 4096u
#define SPOOL_SEG_MAXSZ (16u * 1024 * 1024)
#define SPOOL_OPEN_MAX (256u * 1024 * 1024)    /* a bigger file is not ours */

struct spool_seg {
    uint64_t seq;                           /* file name number */
    uint64_t bytes;                         /* file size (whole records only) */
    uint64_t records;
    uint64_t by_class[SPOOL_CLASSES];       /* records per severity class */
};

struct spool {
    char dir[512];
    uint64_t max_bytes;
    uint64_t seg_max;                       /* rotate the active segment beyond this */
    struct spool_seg *segs;                 /* oldest first; the last one is active */
    size_t nsegs, cap;
    int wfd;                                /* active segment open for append, or -1 */
    int rfd;                                /* cached read descriptor, or -1 */
    uint64_t rfd_seq;                       /* segment rfd reads */
    /* commit point: always inside segs[0] */
    uint64_t cm_off, cm_recs;
    /* read cursor */
    size_t rd_seg;
    uint64_t rd_off, rd_recs, rd_since_commit;
    uint8_t *zbuf, *rbuf;                   /* compressed frame, decompressed record */
    size_t zcap;
    struct spool_stats st;
};

/* One validated frame inside a segment image. */
struct spool_frame {
    uint8_t sev;
    uint32_t raw_len, z_len;
    const uint8_t *z;                       /* compressed bytes */
    size_t frame_len;                       /* header + z_len */
};

unsigned spool_sev_class(uint8_t severity)
{
    if (severity < 40)
        return 0;
    if (severity < 70)
        return 1;
    if (severity < 90)
        return 2;
    return 3;
}

static uLong frame_crc(const uint8_t *hdr, const uint8_t *z, uint32_t z_len)
{
    uLong crc = crc32(0L, Z_NULL, 0);

    crc = crc32(crc, hdr + 2, 10);
    return crc32(crc, z, z_len);
}

/* Parse the frame at the reader's cursor; false (reader state undefined) when the
 * bytes there are not one whole, intact frame. */
static bool frame_next(struct fw_rd *rd, struct spool_frame *f)
{
    const uint8_t *hdr = fw_rd_ptr(rd, SPOOL_HDR_LEN);
    struct fw_rd h;
    uint32_t crc;

    if (!hdr || hdr[0] != SPOOL_MAGIC0 || hdr[1] != SPOOL_MAGIC1)
        return false;
    fw_rd_init(&h, hdr + 2, SPOOL_HDR_LEN - 2);
    f->sev = fw_rd_u8(&h);
    fw_rd_skip(&h, 1);
    f->raw_len = fw_rd_u32be(&h);
    f->z_len = fw_rd_u32be(&h);
    crc = fw_rd_u32be(&h);
    if (f->raw_len > SPOOL_REC_MAX || f->z_len > compressBound(SPOOL_REC_MAX))
        return false;
    f->z = fw_rd_ptr(rd, f->z_len);
    if (!f->z || frame_crc(hdr, f->z, f->z_len) != crc)
        return false;
    f->frame_len = SPOOL_HDR_LEN + (size_t)f->z_len;
    return true;
}

static bool frame_inflate(const struct spool_frame *f, uint8_t *out)
{
    uLongf n = f->raw_len;

    return uncompress(out, &n, f->z, f->z_len) == Z_OK && n == f->raw_len;
}

size_t spool_seg_scan(const uint8_t *img, size_t len, spool_rec_fn fn, void *ctx,
                      uint64_t *count)
{
    struct fw_rd rd;
    struct spool_frame f;
    uint8_t *out = fn ? fw_malloc(SPOOL_REC_MAX) : NULL;
    size_t good = 0;
    uint64_t n = 0;

    fw_rd_init(&rd, img, len);
    while (fw_rd_left(&rd) > 0 && frame_next(&rd, &f)) {
        if (fn) {
            if (!out || !frame_inflate(&f, out))
                break;
            fn(ctx, f.sev, out, f.raw_len);
        }
        good = fw_rd_off(&rd);
        n++;
    }
    free(out);
    if (count)
        *count = n;
    return good;
}

/* ---------------------------------------------------------------- segments */

static void seg_path(const struct spool *sp, uint64_t seq, char *buf, size_t len)
{
    snprintf(buf, len, "%s/seg-%016" PRIu64 ".fws", sp->dir, seq);
}

/* Read a whole file; caller frees *img. 0, FW_EIO or FW_ENOMEM. */
static int file_slurp(const char *path, uint8_t **img, size_t *len)
{
    struct stat stb;
    ssize_t n;
    int fd, rc = 0;

    *img = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return FW_EIO;
    if (fstat(fd, &stb) != 0 || stb.st_size < 0 || (uint64_t)stb.st_size > SPOOL_OPEN_MAX) {
        rc = FW_EIO;
        goto out_close;
    }
    *img = fw_malloc((size_t)stb.st_size + 1);
    if (!*img) {
        rc = FW_ENOMEM;
        goto out_close;
    }
    n = pread(fd, *img, (size_t)stb.st_size, 0);
    if (n != stb.st_size) {
        free(*img);
        *img = NULL;
        rc = FW_EIO;
        goto out_close;
    }
    *len = (size_t)n;
out_close:
    close(fd);
    return rc;
}

/* Recount a segment image's records by class; returns the whole-record length. */
static size_t seg_count(const uint8_t *img, size_t len, struct spool_seg *seg)
{
    struct fw_rd rd;
    struct spool_frame f;
    size_t good = 0;

    memset(seg->by_class, 0, sizeof(seg->by_class));
    seg->records = 0;
    fw_rd_init(&rd, img, len);
    while (fw_rd_left(&rd) > 0 && frame_next(&rd, &f)) {
        seg->by_class[spool_sev_class(f.sev)]++;
        seg->records++;
        good = fw_rd_off(&rd);
    }
    seg->bytes = good;
    return good;
}

static struct spool_seg *seg_push(struct spool *sp, uint64_t seq)
{
    struct spool_seg *s;

    if (sp->nsegs == sp->cap) {
        size_t cap = sp->cap ? sp->cap * 2 : 16;
        s = fw_reallocarray(sp->segs, cap, sizeof(*s));
        if (!s)
            return NULL;
        sp->segs = s;
        sp->cap = cap;
    }
    s = &sp->segs[sp->nsegs++];
    memset(s, 0, sizeof(*s));
    s->seq = seq;
    return s;
}

static void rfd_drop(struct spool *sp);

static void seg_remove(struct spool *sp, size_t i)
{
    char path[600];

    rfd_drop(sp);

    if (i == sp->nsegs - 1 && sp->wfd >= 0) {
        close(sp->wfd);
        sp->wfd = -1;
    }
    seg_path(sp, sp->segs[i].seq, path, sizeof(path));
    unlink(path);
    sp->st.bytes -= sp->segs[i].bytes;
    memmove(&sp->segs[i], &sp->segs[i + 1], (sp->nsegs - i - 1) * sizeof(sp->segs[0]));
    sp->nsegs--;
}

/* Validate one segment found at open: cut a torn tail, drop an empty file. */
static int seg_load(struct spool *sp, uint64_t seq)
{
    char path[600];
    struct spool_seg seg = {.seq = seq};
    uint8_t *img;
    size_t len, good;
    int rc;

    seg_path(sp, seq, path, sizeof(path));
    rc = file_slurp(path, &img, &len);
    if (rc != 0) {
        fw_log(FW_LOG_WARN, "spool: %s: unreadable, left aside", path);
        return 0;
    }
    good = seg_count(img, len, &seg);
    free(img);
    if (good < len) {
        fw_log(FW_LOG_WARN, "spool: %s: cut %zu bytes of a torn record", path, len - good);
        sp->st.torn++;
        if (truncate(path, (off_t)good) != 0)
            return FW_EIO;
    }
    if (seg.records == 0) {
        unlink(path);
        return 0;
    }
    if (!seg_push(sp, seq))
        return FW_ENOMEM;
    sp->segs[sp->nsegs - 1] = seg;
    sp->st.bytes += seg.bytes;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Sequence numbers of the segment files in dir, sorted. Caller frees *seqs. */
static int dir_list(const char *dir, uint64_t **seqs, size_t *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t cap = 0;
    uint64_t seq, *v = NULL, *nv;
    char tail[8];

    *n = 0;
    if (!d)
        return FW_EIO;
    while ((e = readdir(d)) != NULL) {
        if (sscanf(e->d_name, "seg-%16" SCNu64 "%7s", &seq, tail) != 2 ||
            strcmp(tail, ".fws") != 0)
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            nv = fw_reallocarray(v, cap, sizeof(*v));
            if (!nv)
                break;
            v = nv;
        }
        v[(*n)++] = seq;
    }
    closedir(d);
    if (*n)
        qsort(v, *n, sizeof(*v), cmp_u64);
    *seqs = v;
    return 0;
}

static int spool_scan_dir(struct spool *sp)
{
    uint64_t *seqs = NULL;
    size_t n, i;
    int rc;

    rc = dir_list(sp->dir, &seqs, &n);
    for (i = 0; rc == 0 && i < n; i++)
        rc = seg_load(sp, seqs[i]);
    free(seqs);
    return rc;
}

/* ------------------------------------------------------------ create/destroy */

/* mkdir -p: the default /var/lib/finwatch/spool may not exist on a new box. */
static int mkdir_p(const char *dir)
{
    char tmp[512];
    size_t i;

    if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
        return -1;
    for (i = 1; tmp[i]; i++) {
        if (tmp[i] != '/')
            continue;
        tmp[i] = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return -1;
        tmp[i] = '/';
    }
    return mkdir(tmp, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

struct spool *spool_create(const char *dir, uint64_t max_bytes, char *errbuf, size_t errlen)
{
    struct spool *sp;
    uint64_t i;

    if (mkdir_p(dir) != 0) {
        snprintf(errbuf, errlen, "spool: cannot create %s: %s", dir, strerror(errno));
        return NULL;
    }
    sp = fw_calloc(1, sizeof(*sp));
    if (!sp)
        goto out_nomem;
    sp->wfd = -1;
    sp->rfd = -1;
    snprintf(sp->dir, sizeof(sp->dir), "%s", dir);
    sp->max_bytes = max_bytes ? max_bytes : (1ull << 30);
    sp->seg_max = sp->max_bytes / 16;
    sp->seg_max = sp->seg_max < SPOOL_SEG_MIN ? SPOOL_SEG_MIN : sp->seg_max;
    sp->seg_max = sp->seg_max > SPOOL_SEG_MAXSZ ? SPOOL_SEG_MAXSZ : sp->seg_max;
    sp->zcap = SPOOL_HDR_LEN + compressBound(SPOOL_REC_MAX);
    sp->zbuf = fw_malloc(sp->zcap);
    sp->rbuf = fw_malloc(SPOOL_REC_MAX);
    if (!sp->zbuf || !sp->rbuf)
        goto out_nomem;
    if (spool_scan_dir(sp) != 0) {
        snprintf(errbuf, errlen, "spool: cannot read %s: %s", dir, strerror(errno));
        spool_destroy(sp);
        return NULL;
    }
    for (i = 0; i < sp->nsegs; i++)
        sp->st.records += sp->segs[i].records;
    return sp;

out_nomem:
    snprintf(errbuf, errlen, "spool: out of memory");
    spool_destroy(sp);
    return NULL;
}

void spool_destroy(struct spool *sp)
{
    if (!sp)
        return;
    if (sp->wfd >= 0)
        close(sp->wfd);
    if (sp->rfd >= 0)
        close(sp->rfd);
    free(sp->segs);
    free(sp->zbuf);
    free(sp->rbuf);
    free(sp);
}

/* ------------------------------------------------------------------ reading */

/* Open (or reuse) a read descriptor on segment seq. */
static int rfd_get(struct spool *sp, uint64_t seq)
{
    char path[600];

    if (sp->rfd >= 0 && sp->rfd_seq == seq)
        return sp->rfd;
    if (sp->rfd >= 0)
        close(sp->rfd);
    seg_path(sp, seq, path, sizeof(path));
    sp->rfd = open(path, O_RDONLY | O_CLOEXEC);
    sp->rfd_seq = seq;
    return sp->rfd;
}

/* Read the frame at (seg, off) into rbuf; false at the end of the segment's whole
 * records (or on a bad frame, which open-time validation makes unexpected). */
static bool read_frame_at(struct spool *sp, const struct spool_seg *seg, uint64_t off,
                          struct spool_frame *f)
{
    struct fw_rd rd;
    uint32_t z_len;
    int fd;

    if (off >= seg->bytes || seg->bytes - off < SPOOL_HDR_LEN)
        return false;
    fd = rfd_get(sp, seg->seq);
    if (fd < 0 || pread(fd, sp->zbuf, SPOOL_HDR_LEN, (off_t)off) != SPOOL_HDR_LEN)
        return false;
    fw_rd_init(&rd, sp->zbuf + 8, 4);
    z_len = fw_rd_u32be(&rd);
    if (z_len > sp->zcap - SPOOL_HDR_LEN || seg->bytes - off - SPOOL_HDR_LEN < z_len)
        return false;
    if (pread(fd, sp->zbuf + SPOOL_HDR_LEN, z_len, (off_t)(off + SPOOL_HDR_LEN)) !=
        (ssize_t)z_len)
        return false;
    fw_rd_init(&rd, sp->zbuf, SPOOL_HDR_LEN + (size_t)z_len);
    return frame_next(&rd, f) && frame_inflate(f, sp->rbuf);
}

static void rfd_drop(struct spool *sp)
{
    if (sp->rfd >= 0)
        close(sp->rfd);
    sp->rfd = -1;
}

int spool_read(struct spool *sp, uint8_t *severity, const uint8_t **data, size_t *len)
{
    struct spool_frame f;

    while (sp->rd_seg < sp->nsegs) {
        const struct spool_seg *seg = &sp->segs[sp->rd_seg];

        if (read_frame_at(sp, seg, sp->rd_off, &f)) {
            sp->rd_off += f.frame_len;
            sp->rd_recs++;
            sp->rd_since_commit++;
            *severity = f.sev;
            *data = sp->rbuf;
            *len = f.raw_len;
            return 0;
        }
        if (sp->rd_seg + 1 >= sp->nsegs)
            break;
        sp->rd_seg++;
        sp->rd_off = 0;
        sp->rd_recs = 0;
    }
    return FW_ENOENT;
}

void spool_commit(struct spool *sp)
{
    size_t done = sp->rd_seg;

    if (sp->rd_seg < sp->nsegs && sp->rd_off >= sp->segs[sp->rd_seg].bytes)
        done++;                 /* the cursor's segment is fully read too */
    sp->st.replayed += sp->rd_since_commit;
    sp->st.records -= sp->rd_since_commit;
    if (done > sp->rd_seg) {
        sp->cm_off = 0;
        sp->cm_recs = 0;
    } else {
        sp->cm_off = sp->rd_off;
        sp->cm_recs = sp->rd_recs;
    }
    while (done-- > 0 && sp->nsegs > 0)
        seg_remove(sp, 0);
    spool_rewind(sp);
}

void spool_rewind(struct spool *sp)
{
    sp->rd_seg = 0;
    sp->rd_off = sp->cm_off;
    sp->rd_recs = sp->cm_recs;
    sp->rd_since_commit = 0;
}

bool spool_empty(const struct spool *sp)
{
    return sp->st.records == 0;
}

/* ------------------------------------------------------------------ writing */

static int seg_write_file(const char *path, const uint8_t *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int rc = 0;

    if (fd < 0)
        return FW_EIO;
    if (write(fd, data, len) != (ssize_t)len || fdatasync(fd) != 0)
        rc = FW_EIO;
    close(fd);
    return rc;
}

/* Keep the frames of img[start..len) whose class is above lvl; out gets them.
 * Returns the number of frames left out. */
static uint64_t frames_filter(const uint8_t *img, size_t len, size_t start, unsigned lvl,
                              uint8_t *out, size_t *out_len)
{
    struct fw_rd rd;
    struct spool_frame f;
    uint64_t dropped = 0;
    size_t at = start;

    *out_len = 0;
    fw_rd_init(&rd, img, len);
    fw_rd_skip(&rd, start);
    while (fw_rd_left(&rd) > 0 && frame_next(&rd, &f)) {
        if (spool_sev_class(f.sev) > lvl) {
            memcpy(out + *out_len, img + at, f.frame_len);
            *out_len += f.frame_len;
        } else {
            dropped++;
        }
        at = fw_rd_off(&rd);
    }
    return dropped;
}

/* Rewrite segment i without its records of class <= lvl (and without records
 * already committed). 0 or a negative FW_E*. */
static int seg_compact(struct spool *sp, size_t i, unsigned lvl)
{
    char path[600], tmp[610];
    struct spool_seg *seg = &sp->segs[i];
    size_t len, out_len, start = i == 0 ? (size_t)sp->cm_off : 0;
    uint8_t *img, *out;
    bool active = i == sp->nsegs - 1;
    uint64_t waiting = seg->records - (i == 0 ? sp->cm_recs : 0);
    int rc;

    seg_path(sp, seg->seq, path, sizeof(path));
    rc = file_slurp(path, &img, &len);
    if (rc != 0)
        return rc;
    out = fw_malloc(len + 1);
    if (!out) {
        free(img);
        return FW_ENOMEM;
    }
    sp->st.dropped += frames_filter(img, len, start, lvl, out, &out_len);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    rc = seg_write_file(tmp, out, out_len);
    if (rc == 0 && rename(tmp, path) != 0)
        rc = FW_EIO;
    if (rc == 0) {
        if (active && sp->wfd >= 0) {
            close(sp->wfd);     /* the old inode is gone; reopen on next append */
            sp->wfd = -1;
        }
        rfd_drop(sp);
        if (i == 0)
            sp->cm_off = sp->cm_recs = 0;   /* committed records went with the rest */
        sp->st.bytes -= seg->bytes;
        sp->st.records -= waiting;
        seg_count(out, out_len, seg);
        sp->st.bytes += seg->bytes;
        sp->st.records += seg->records;
        if (seg->records == 0)
            seg_remove(sp, i);
    } else {
        unlink(tmp);
    }
    free(out);
    free(img);
    return rc;
}

static bool spool_fits(const struct spool *sp, size_t need)
{
    return sp->st.bytes + need <= sp->max_bytes;
}

/* A record the spool cannot keep is lost: say so, but only on drops 1, 2, 4, 8...
 * so a long outage with a full disk cannot flood the log in turn. */
static void spool_warn_drop(const struct spool *sp, const char *why)
{
    uint64_t n = sp->st.dropped;

    if ((n & (n - 1)) == 0)
        fw_log(FW_LOG_WARN, "spool: %s: %s; record dropped (%" PRIu64 " dropped so far)",
               sp->dir, why, n);
}

/* spool_make_room dropped older records (d0 -> now): the same 1, 2, 4, 8... rule. */
static void spool_warn_evicted(const struct spool *sp, uint64_t d0)
{
    uint64_t n = sp->st.dropped;

    if (n > d0 && (n ^ d0) > d0)
        fw_log(FW_LOG_WARN, "spool: %s: full (spool_max reached); %" PRIu64
               " older or less severe records dropped (%" PRIu64 " dropped so far)",
               sp->dir, n - d0, n);
}

/* Make room for need bytes, dropping classes up to cls, oldest segment first. */
static bool spool_make_room(struct spool *sp, size_t need, unsigned cls)
{
    uint64_t d0 = sp->st.dropped;
    unsigned lvl, c;
    size_t i;

    spool_rewind(sp);
    for (lvl = 0; lvl <= cls; lvl++) {
        for (i = 0; i < sp->nsegs && !spool_fits(sp, need);) {
            uint64_t victims = 0;

            for (c = 0; c <= lvl; c++)
                victims += sp->segs[i].by_class[c];
            size_t before = sp->nsegs;
            if (victims == 0 || seg_compact(sp, i, lvl) != 0 || sp->nsegs == before)
                i++;            /* a removed segment shifts the next one into i */
        }
        if (spool_fits(sp, need)) {
            spool_warn_evicted(sp, d0);
            return true;
        }
    }
    spool_warn_evicted(sp, d0);
    return false;
}

static int seg_open_active(struct spool *sp)
{
    char path[600];
    struct spool_seg *seg;
    uint64_t seq;

    if (sp->nsegs > 0 && sp->segs[sp->nsegs - 1].bytes < sp->seg_max) {
        seg = &sp->segs[sp->nsegs - 1];
    } else {
        seq = sp->nsegs ? sp->segs[sp->nsegs - 1].seq + 1 : 1;
        seg = seg_push(sp, seq);
        if (!seg)
            return FW_ENOMEM;
    }
    seg_path(sp, seg->seq, path, sizeof(path));
    sp->wfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (sp->wfd < 0) {
        if (seg->records == 0)
            sp->nsegs--;
        return FW_EIO;
    }
    return 0;
}

/* Frame (header + compressed data) into sp->zbuf; returns its length or 0. */
static size_t frame_build(struct spool *sp, uint8_t severity, const void *data, size_t len)
{
    uLongf zlen = sp->zcap - SPOOL_HDR_LEN;
    uint8_t *h = sp->zbuf;
    uLong crc;

    if (compress2(h + SPOOL_HDR_LEN, &zlen, data, len, 1) != Z_OK)
        return 0;
    h[0] = SPOOL_MAGIC0;
    h[1] = SPOOL_MAGIC1;
    h[2] = severity;
    h[3] = 0;
    h[4] = (uint8_t)(len >> 24), h[5] = (uint8_t)(len >> 16);
    h[6] = (uint8_t)(len >> 8), h[7] = (uint8_t)len;
    h[8] = (uint8_t)(zlen >> 24), h[9] = (uint8_t)(zlen >> 16);
    h[10] = (uint8_t)(zlen >> 8), h[11] = (uint8_t)zlen;
    crc = frame_crc(h, h + SPOOL_HDR_LEN, (uint32_t)zlen);
    h[12] = (uint8_t)(crc >> 24), h[13] = (uint8_t)(crc >> 16);
    h[14] = (uint8_t)(crc >> 8), h[15] = (uint8_t)crc;
    return SPOOL_HDR_LEN + (size_t)zlen;
}

int spool_append(struct spool *sp, uint8_t severity, const void *data, size_t len)
{
    struct spool_seg *seg;
    size_t flen;
    ssize_t n;
    int e;

    flen = len <= SPOOL_REC_MAX ? frame_build(sp, severity, data, len) : 0;
    if (flen == 0 || flen > sp->max_bytes ||
        (!spool_fits(sp, flen) && !spool_make_room(sp, flen, spool_sev_class(severity)))) {
        sp->st.dropped++;
        spool_warn_drop(sp, "full (spool_max reached)");
        return FW_EFULL;
    }
    if (sp->wfd >= 0 && sp->segs[sp->nsegs - 1].bytes >= sp->seg_max) {
        close(sp->wfd);
        sp->wfd = -1;
    }
    if (sp->wfd < 0 && seg_open_active(sp) != 0) {
        e = errno;
        goto out_drop;
    }
    seg = &sp->segs[sp->nsegs - 1];
    n = write(sp->wfd, sp->zbuf, flen);
    if (n != (ssize_t)flen) {
        e = n < 0 ? errno : ENOSPC;     /* a short write is the disk filling up */
        /* disk full or I/O error: cut back so the segment stays whole records */
        if (n > 0 && ftruncate(sp->wfd, (off_t)seg->bytes) != 0)
            fw_log(FW_LOG_ERR, "spool: %s: cannot cut a short write", sp->dir);
        goto out_drop;
    }
    seg->bytes += flen;
    seg->records++;
    seg->by_class[spool_sev_class(severity)]++;
    sp->st.bytes += flen;
    sp->st.records++;
    sp->st.appended++;
    return 0;

out_drop:
    sp->st.dropped++;
    spool_warn_drop(sp, e == ENOSPC ? "disk full" : strerror(e));
    return FW_EIO;
}

void spool_sync(struct spool *sp)
{
    if (sp->wfd >= 0)
        fdatasync(sp->wfd);
}

void spool_stats(const struct spool *sp, struct spool_stats *st)
{
    *st = sp->st;
    st->segments = sp->nsegs;
}

const char *spool_lib_version(void)
{
    static char buf[32];

    snprintf(buf, sizeof(buf), "zlib %s", zlibVersion());
    return buf;
}
