/* sensor/cap_source.c: packet sources on top of libpcap (the only file that
 * includes <pcap.h>).
 *
 * Offline sources read one file or every regular file of a directory in name
 * order as one stream; a file libpcap cannot open is skipped with a warning and
 * counted (bad_files), a file that breaks mid-way (truncated record) ends that
 * file with a warning and is counted (read_errors). Live sources use
 * pcap_create() with immediate mode and a ~100 ms timeout, so
 * cap_source_next() returns FW_EAGAIN regularly and the capture thread can look
 * at its stop flag. Owned by the capture thread; cap_source_break() may be
 * called from a signal handler or another thread.
 */
#include "cap_source.h"

#include <dirent.h>
#include <errno.h>
#include <pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cap_mmap.h"
#include "fw_alloc.h"
#include "fw_err.h"
#include "fw_log.h"

#define CAP_LIVE_TIMEOUT_MS 100
#define CAP_DEFAULT_SNAPLEN 65535
#define CAP_ERRMSG_LEN (PCAP_ERRBUF_SIZE + 512)

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

struct cap_source {
    pcap_t *p;                  /* current handle, NULL between files */
    bool live;
    volatile sig_atomic_t stop; /* set by cap_source_break() */
    char *name;                 /* owned: -r path or -i interface */
    char **files;               /* owned: files to read in order (offline) */
    size_t nfiles, next_file;
    const char *cur_name;       /* borrowed from files[] or name */
    char *bpf;                  /* owned copy of the filter, NULL for none */
    enum pkt_link link;
    uint64_t bytes_total;       /* sum of input file sizes */
    uint64_t bytes_done;        /* sizes of the files already finished */
    struct cap_stats st;
    char *iobuf;                /* owned: stdio buffer of the open capture file */
    struct cap_mmap mm;         /* the open file read in place (when mm_on) */
    bool mm_on;
    bool mm_allowed;            /* FW_CAP_MMAP=0 turns the in-place reader off (A/B runs) */
    char errmsg[CAP_ERRMSG_LEN];
};

/* libpcap reads a file through stdio, 4 KiB at a time by default: at a
 * million packets that is 80 000 read() calls, a sixth of the capture thread.
 * A 1 MiB buffer makes it a few hundred. */
#define CAP_IOBUF_BYTES (1u << 20)

/* libpcap's DLT to our link type; false when we do not decode it. */
static bool cap_link_map(int dlt, enum pkt_link *link)
{
    switch (dlt) {
    case DLT_EN10MB:
        *link = PKT_LINK_ETHERNET;
        return true;
    case DLT_LINUX_SLL:
        *link = PKT_LINK_SLL;
        return true;
    case DLT_LINUX_SLL2:
        *link = PKT_LINK_SLL2;
        return true;
    case DLT_RAW:
        *link = PKT_LINK_RAW;
        return true;
    case DLT_IPV4:
        *link = PKT_LINK_IPV4;
        return true;
    case DLT_IPV6:
        *link = PKT_LINK_IPV6;
        return true;
    case DLT_NULL:
        *link = PKT_LINK_NULL;
        return true;
    case DLT_LOOP:
        *link = PKT_LINK_LOOP;
        return true;
    default:
        return false;
    }
}

/* Link type check and BPF filter for a freshly opened handle. 0 or FW_E*. */
static int cap_handle_setup(struct cap_source *s, pcap_t *p, const char *what)
{
    struct bpf_program prog;
    int dlt = pcap_datalink(p);
    const char *dname = pcap_datalink_val_to_name(dlt);

    if (!cap_link_map(dlt, &s->link)) {
        snprintf(s->errmsg, sizeof(s->errmsg), "%s: unsupported link type %d (%s)", what, dlt,
                 dname ? dname : "unknown");
        return FW_EUNSUPP;
    }
    if (!s->bpf)
        return 0;
    if (pcap_compile(p, &prog, s->bpf, 1, PCAP_NETMASK_UNKNOWN) < 0) {
        snprintf(s->errmsg, sizeof(s->errmsg), "%s: bad BPF filter \"%s\": %s", what, s->bpf,
                 pcap_geterr(p));
        return FW_EINVAL;
    }
    if (pcap_setfilter(p, &prog) < 0) {
        snprintf(s->errmsg, sizeof(s->errmsg), "%s: cannot set BPF filter: %s", what,
                 pcap_geterr(p));
        pcap_freecode(&prog);
        return FW_EINVAL;
    }
    pcap_freecode(&prog);
    return 0;
}

static struct cap_source *cap_source_new(const char *name, const struct cap_opts *o)
{
    struct cap_source *s = fw_calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->name = fw_strdup(name);
    if (o && o->bpf && o->bpf[0])
        s->bpf = fw_strdup(o->bpf);
    if (!s->name || (o && o->bpf && o->bpf[0] && !s->bpf)) {
        cap_source_close(s);
        return NULL;
    }
    s->cur_name = s->name;
    s->mm_allowed = !(getenv("FW_CAP_MMAP") && strcmp(getenv("FW_CAP_MMAP"), "0") == 0);
    return s;
}

void cap_source_close(struct cap_source *s)
{
    size_t i;

    if (!s)
        return;
    if (s->mm_on)
        cap_mmap_close(&s->mm);
    if (s->p)
        pcap_close(s->p);
    fw_free(s->iobuf);          /* after pcap_close: the FILE used it until then */
    for (i = 0; i < s->nfiles; i++)
        fw_free(s->files[i]);
    fw_free(s->files);
    fw_free(s->bpf);
    fw_free(s->name);
    fw_free(s);
}

/* ---------------------------------------------------------------- offline */

static uint64_t cap_file_size(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
}

static int cap_name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cap_files_add(struct cap_source *s, const char *dir, const char *entry, size_t *cap)
{
    size_t n = strlen(dir) + strlen(entry) + 2;
    char *path = fw_malloc(n);
    char **grown;

    if (!path)
        return FW_ENOMEM;
    snprintf(path, n, "%s/%s", dir, entry);
    if (s->nfiles == *cap) {
        grown = fw_reallocarray(s->files, *cap ? *cap * 2 : 16, sizeof(*s->files));
        if (!grown) {
            fw_free(path);
            return FW_ENOMEM;
        }
        s->files = grown;
        *cap = *cap ? *cap * 2 : 16;
    }
    s->files[s->nfiles++] = path;
    return 0;
}

/* Every regular file (symlinks followed) in dir, sorted by name. */
static int cap_dir_list(struct cap_source *s, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    struct stat sb;
    size_t cap = 0;
    int rc = 0;
    char path[4096];

    if (!d) {
        snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", dir, strerror(errno));
        return FW_EIO;
    }
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        rc = cap_files_add(s, dir, de->d_name, &cap);
        if (rc == 0)
            s->bytes_total += (uint64_t)sb.st_size;
    }
    closedir(d);
    if (rc == 0 && s->nfiles > 1)
        qsort(s->files, s->nfiles, sizeof(*s->files), cap_name_cmp);
    if (rc)
        snprintf(s->errmsg, sizeof(s->errmsg), "%s: out of memory", dir);
    return rc;
}

/* Open path as the current handle. 0 or FW_E* with errmsg set. */
static int cap_file_open(struct cap_source *s, const char *path)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    FILE *fp = fopen(path, "rb");
    pcap_t *p;
    int rc;

    if (!fp) {
        snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", path, strerror(errno));
        return FW_EIO;
    }
    if (!s->iobuf)
        s->iobuf = fw_malloc(CAP_IOBUF_BYTES);
    if (s->iobuf)
        setvbuf(fp, s->iobuf, _IOFBF, CAP_IOBUF_BYTES);
    p = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, eb);
    if (!p) {
        fclose(fp);             /* libpcap leaves it to the caller on failure */
        snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", path, eb);
        return FW_EIO;
    }
    rc = cap_handle_setup(s, p, path);
    if (rc) {
        pcap_close(p);
        return rc;
    }
    s->p = p;
    s->cur_name = path;
    s->st.files++;
    /* libpcap checked the file; read the records in place when that is exact */
    s->mm_on = s->mm_allowed && !s->bpf &&
               cap_mmap_open(&s->mm, path, (uint32_t)pcap_snapshot(p), pcap_datalink(p)) == 0;
    return 0;
}

/* Move to the next readable file of the list: 1 when one is open, 0 when the
 * list is done. Unreadable files are warned about and counted. */
static int cap_next_file(struct cap_source *s)
{
    while (s->next_file < s->nfiles) {
        const char *path = s->files[s->next_file++];

        if (cap_file_open(s, path) == 0)
            return 1;
        s->st.bad_files++;
        s->bytes_done += cap_file_size(path);
        fw_log(FW_LOG_WARN, "skipping %s", s->errmsg);
    }
    return 0;
}

static void cap_file_done(struct cap_source *s)
{
    if (s->mm_on)
        cap_mmap_close(&s->mm);
    s->mm_on = false;
    s->bytes_done += cap_file_size(s->cur_name);
    pcap_close(s->p);
    s->p = NULL;
}

struct cap_source *cap_source_open_offline(const char *path, const struct cap_opts *o,
                                           char *errbuf, size_t errlen)
{
    struct cap_source *s = cap_source_new(path, o);
    struct stat sb;

    if (!s) {
        snprintf(errbuf, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (stat(path, &sb) != 0) {
        snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
        goto out_close;
    }
    if (S_ISDIR(sb.st_mode)) {
        if (cap_dir_list(s, path) != 0)
            goto out_errmsg;
        cap_next_file(s);           /* an empty or all-bad directory is an empty stream */
        return s;
    }
    s->bytes_total = (uint64_t)sb.st_size;
    if (cap_file_open(s, path) != 0)
        goto out_errmsg;
    return s;

out_errmsg:
    snprintf(errbuf, errlen, "%s", s->errmsg);
out_close:
    cap_source_close(s);
    return NULL;
}

/* ---------------------------------------------------------------- live */

static int cap_live_configure(struct cap_source *s, pcap_t *p, const struct cap_opts *o)
{
    int snap = o && o->snaplen > 0 ? o->snaplen : CAP_DEFAULT_SNAPLEN;
    int rc;

    pcap_set_snaplen(p, snap);
    pcap_set_promisc(p, o && o->promisc);
    pcap_set_timeout(p, CAP_LIVE_TIMEOUT_MS);
    pcap_set_immediate_mode(p, 1);
    if (o && o->buffer_bytes)
        pcap_set_buffer_size(p, o->buffer_bytes > INT32_MAX ? INT32_MAX : (int)o->buffer_bytes);
    rc = pcap_activate(p);
    if (rc < 0) {
        snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s (%s)", s->name, pcap_statustostr(rc),
                 pcap_geterr(p));
        return rc == PCAP_ERROR_NO_SUCH_DEVICE ? FW_ENOENT : FW_EIO;
    }
    if (rc > 0)
        fw_log(FW_LOG_WARN, "%s: %s (%s)", s->name, pcap_statustostr(rc), pcap_geterr(p));
    /* Non-blocking reads plus our own poll(): libpcap's TPACKET_V3 wait retries
     * after EINTR and may sit in poll() long after a shutdown was asked for, so the
     * capture thread owns the wait and its timeout. */
    if (pcap_setnonblock(p, 1, s->errmsg) < 0 || pcap_get_selectable_fd(p) < 0) {
        snprintf(s->errmsg, sizeof(s->errmsg), "%s: cannot poll the capture handle", s->name);
        return FW_EIO;
    }
    return cap_handle_setup(s, p, s->name);
}

struct cap_source *cap_source_open_live(const char *iface, const struct cap_opts *o,
                                        char *errbuf, size_t errlen)
{
    struct cap_source *s = cap_source_new(iface, o);
    char eb[PCAP_ERRBUF_SIZE] = "";

    if (!s) {
        snprintf(errbuf, errlen, "%s: out of memory", iface);
        return NULL;
    }
    s->live = true;
    s->p = pcap_create(iface, eb);
    if (!s->p) {
        snprintf(errbuf, errlen, "%s: %s", iface, eb);
        goto out_close;
    }
    if (cap_live_configure(s, s->p, o) != 0) {
        snprintf(errbuf, errlen, "%s", s->errmsg);
        goto out_close;
    }
    return s;

out_close:
    cap_source_close(s);
    return NULL;
}

/* ---------------------------------------------------------------- reading */

static void cap_frame_fill(const struct cap_source *s, const struct pcap_pkthdr *h,
                           const u_char *data, struct cap_frame *f)
{
    f->data = data;
    f->caplen = h->caplen;
    f->wire_len = h->len;
    f->ts_us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    f->link = s->link;
}

/* A record libpcap could not read ends the file: warn, count, go on. */
static void cap_file_damaged(struct cap_source *s)
{
    snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", s->cur_name, pcap_geterr(s->p));
    fw_log(FW_LOG_WARN, "%s (rest of file skipped)", s->errmsg);
    s->st.read_errors++;
}

/* A record of the file read in place; a damaged rest ends the file as
 * cap_file_damaged does. 1 or 0 (file done). */
static int cap_next_mapped(struct cap_source *s, struct cap_frame *f)
{
    struct cap_mmap_rec r;
    int rc = cap_mmap_next(&s->mm, &r);

    if (rc == 1) {
        f->data = r.data;
        f->caplen = r.caplen;
        f->wire_len = r.len;
        f->ts_us = r.ts_us;
        f->link = s->link;
        return 1;
    }
    if (rc < 0) {
        snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", s->cur_name, s->mm.err);
        fw_log(FW_LOG_WARN, "%s (rest of file skipped)", s->errmsg);
        s->st.read_errors++;
    }
    return 0;
}

static int cap_next_live(struct cap_source *s, struct cap_frame *f)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(s->p, &h, &data);

    if (rc == 1) {
        cap_frame_fill(s, h, data, f);
        return 1;
    }
    if (rc == 0) {
        struct pollfd pfd = {.fd = pcap_get_selectable_fd(s->p), .events = POLLIN};

        if (poll(&pfd, 1, CAP_LIVE_TIMEOUT_MS) < 0 && errno != EINTR) {
            snprintf(s->errmsg, sizeof(s->errmsg), "%s: poll: %s", s->name, strerror(errno));
            return FW_EIO;
        }
        return FW_EAGAIN;
    }
    if (rc == PCAP_ERROR_BREAK || s->stop)
        return 0;
    snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", s->name, pcap_geterr(s->p));
    return FW_EIO;
}

int cap_source_next(struct cap_source *s, struct cap_frame *f)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;

    if (s->stop)
        return 0;
    if (s->live)
        return cap_next_live(s, f);
    while (s->p || cap_next_file(s)) {
        if (s->mm_on) {
            rc = cap_next_mapped(s, f);
            if (rc == 1)
                return 1;
            cap_file_done(s);
            continue;
        }
        rc = pcap_next_ex(s->p, &h, &data);
        if (rc == 1) {
            cap_frame_fill(s, h, data, f);
            return 1;
        }
        if (rc == PCAP_ERROR_BREAK && s->stop)
            return 0;
        if (rc != PCAP_ERROR_BREAK)
            cap_file_damaged(s);
        cap_file_done(s);
    }
    return 0;
}

void cap_source_break(struct cap_source *s)
{
    s->stop = 1;
    if (s->p)
        pcap_breakloop(s->p);
}

bool cap_source_is_live(const struct cap_source *s)
{
    return s->live;
}

void cap_source_progress(const struct cap_source *s, uint64_t *done, uint64_t *total)
{
    long pos = -1;

    *total = s->live ? 0 : s->bytes_total;
    *done = s->live ? 0 : s->bytes_done;
    if (!s->live && s->mm_on)
        pos = (long)s->mm.off;
    else if (!s->live && s->p && pcap_file(s->p))
        pos = ftell(pcap_file(s->p));
    if (pos > 0)
        *done += (uint64_t)pos;
}

void cap_source_stats(struct cap_source *s, struct cap_stats *st)
{
    struct pcap_stat ps;

    if (s->live && s->p && pcap_stats(s->p, &ps) == 0) {
        s->st.kernel_received = ps.ps_recv;
        s->st.kernel_dropped = (uint64_t)ps.ps_drop + ps.ps_ifdrop;
    }
    *st = s->st;
}

const char *cap_source_errmsg(const struct cap_source *s)
{
    return s->errmsg;
}

const char *cap_lib_version(void)
{
    return pcap_lib_version();
}
