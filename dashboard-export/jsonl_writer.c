/* dashboard-export/jsonl_writer.c: JSON lines files, size/time rotation, gzip. */
#include "jsonl_writer.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fw_alloc.h"
#include "fw_err.h"
#include "fw_log.h"
#include "fw_time.h"
#include "spool_gzip.h"

struct jsonl_writer {
    char path[512];
    FILE *f;
    bool is_stdout;
    uint64_t rotate_size, rotate_interval_us;
    uint64_t size;              /* bytes in the current file */
    uint64_t opened_us;         /* wall time the current file was opened */
    uint64_t lines, rotations, errors;
};

static int writer_open(struct jsonl_writer *w, uint64_t now_us)
{
    struct stat stb;

    w->f = fopen(w->path, "a");
    if (!w->f)
        return FW_EIO;
    w->size = fstat(fileno(w->f), &stb) == 0 ? (uint64_t)stb.st_size : 0;
    w->opened_us = now_us;
    return 0;
}

struct jsonl_writer *jsonl_writer_create(const char *path, uint64_t rotate_size,
                                         uint64_t rotate_interval_us, uint64_t now_us,
                                         char *errbuf, size_t errlen)
{
    struct jsonl_writer *w = fw_calloc(1, sizeof(*w));

    if (!w) {
        snprintf(errbuf, errlen, "out of memory");
        return NULL;
    }
    snprintf(w->path, sizeof(w->path), "%s", path);
    w->rotate_size = rotate_size;
    w->rotate_interval_us = rotate_interval_us;
    if (strcmp(path, "-") == 0) {
        w->f = stdout;
        w->is_stdout = true;
        return w;
    }
    if (writer_open(w, now_us) != 0) {
        snprintf(errbuf, errlen, "cannot open %s: %s", path, strerror(errno));
        free(w);
        return NULL;
    }
    return w;
}

void jsonl_writer_destroy(struct jsonl_writer *w)
{
    if (!w)
        return;
    if (w->is_stdout)
        fflush(stdout);
    else if (w->f)
        fclose(w->f);
    free(w);
}

/* PATH.20261123T192517Z, or PATH.20261123T192517Z-N when taken. */
static void rotated_name(const struct jsonl_writer *w, uint64_t now_us, char *buf, size_t len)
{
    time_t sec = (time_t)(now_us / FW_USEC_PER_SEC);
    struct tm tm;
    char stamp[32], gz[620];
    int n;

    gmtime_r(&sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    snprintf(buf, len, "%s.%s", w->path, stamp);
    for (n = 1; n < 1000; n++) {
        snprintf(gz, sizeof(gz), "%s.gz", buf);
        if (access(buf, F_OK) != 0 && access(gz, F_OK) != 0)
            return;
        snprintf(buf, len, "%s.%s-%d", w->path, stamp, n);
    }
}

static void writer_rotate(struct jsonl_writer *w, uint64_t now_us)
{
    char old[600], gz[610];

    if (w->f)
        fclose(w->f);
    w->f = NULL;
    rotated_name(w, now_us, old, sizeof(old));
    if (rename(w->path, old) == 0) {
        snprintf(gz, sizeof(gz), "%s.gz", old);
        /* a failed gzip leaves the plain rotated file: nothing is lost */
        if (spool_gzip_file(old, gz) != 0)
            fw_log(FW_LOG_WARN, "jsonl: cannot gzip %s: %s", old, strerror(errno));
        w->rotations++;
    } else {
        fw_log(FW_LOG_WARN, "jsonl: cannot rotate %s: %s", w->path, strerror(errno));
    }
    if (writer_open(w, now_us) != 0)
        fw_log(FW_LOG_ERR, "jsonl: cannot reopen %s: %s", w->path, strerror(errno));
}

static bool rotate_due(const struct jsonl_writer *w, size_t add, uint64_t now_us)
{
    if (w->is_stdout || w->size == 0)
        return false;
    if (w->rotate_size && w->size + add > w->rotate_size)
        return true;
    return w->rotate_interval_us && now_us >= w->opened_us + w->rotate_interval_us;
}

int jsonl_writer_write(struct jsonl_writer *w, const char *line, size_t len, uint64_t now_us)
{
    if (rotate_due(w, len + 1, now_us))
        writer_rotate(w, now_us);
    if (!w->f || fwrite(line, 1, len, w->f) != len || fputc('\n', w->f) == EOF) {
        if (w->errors++ == 0)
            fw_log(FW_LOG_ERR, "jsonl: write to %s failed: %s", w->path, strerror(errno));
        return FW_EIO;
    }
    w->size += len + 1;
    w->lines++;
    return 0;
}

void jsonl_writer_tick(struct jsonl_writer *w, uint64_t now_us)
{
    if (rotate_due(w, 0, now_us))
        writer_rotate(w, now_us);
}

int jsonl_writer_flush(struct jsonl_writer *w)
{
    return w->f && fflush(w->f) == 0 ? 0 : FW_EIO;
}

uint64_t jsonl_writer_lines(const struct jsonl_writer *w)
{
    return w->lines;
}

uint64_t jsonl_writer_rotations(const struct jsonl_writer *w)
{
    return w->rotations;
}

uint64_t jsonl_writer_errors(const struct jsonl_writer *w)
{
    return w->errors;
}
