/* sensor/wrk_watch.c: fingerprint polling of rule files. */
#include "wrk_watch.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fw_alloc.h"

#define WATCH_MAX_DEPTH 4

struct wrk_watch {
    const char *const *paths;
    size_t npaths;
    uint64_t fingerprint;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
    while (*s)
        h = mix(h, (unsigned char)*s++);
    return h;
}

static uint64_t fingerprint_path(const char *path, uint64_t h, int depth)
{
    struct stat st;
    DIR *d;
    struct dirent *e;

    if (stat(path, &st) < 0)
        return mix(h, 1);
    h = mix_str(h, path);
    h = mix(h, (uint64_t)st.st_size);
    h = mix(h, (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec);
    if (!S_ISDIR(st.st_mode) || depth >= WATCH_MAX_DEPTH)
        return h;
    d = opendir(path);
    if (!d)
        return h;
    /* readdir order is stable for an unchanged directory; a change in it changes
     * the directory's own mtime anyway. */
    while ((e = readdir(d))) {
        char sub[4096];

        if (e->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) >= sizeof(sub))
            continue;
        h = fingerprint_path(sub, h, depth + 1);
    }
    closedir(d);
    return h;
}

static uint64_t fingerprint(const struct wrk_watch *w)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;

    for (i = 0; i < w->npaths; i++)
        h = fingerprint_path(w->paths[i], h, 0);
    return h;
}

struct wrk_watch *wrk_watch_create(const char *const *paths, size_t npaths)
{
    struct wrk_watch *w = fw_calloc(1, sizeof(*w));

    if (!w)
        return NULL;
    w->paths = paths;
    w->npaths = npaths;
    w->fingerprint = fingerprint(w);
    return w;
}

void wrk_watch_destroy(struct wrk_watch *w)
{
    fw_free(w);
}

bool wrk_watch_changed(struct wrk_watch *w)
{
    uint64_t f = fingerprint(w);

    if (f == w->fingerprint)
        return false;
    w->fingerprint = f;
    return true;
}
