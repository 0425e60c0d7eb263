/* rules/rule_set.c: loading rule paths into a set, and the set's read accessors.
 *
 * Paths are files or directories (their *.yaml / *.yml, sorted, not recursive).
 * Each file is read once, hashed (path and bytes, for the heartbeat's ruleset
 * hash) and parsed by rule_yaml.c; rule_load.c turns documents into rules.
 * Duplicate ids across files are reported at the second one, naming the first.
 * Match rules are indexed by the event types they subscribe to, analyzer rules
 * by detector. The set is immutable once returned (counters aside).
 */
#include "rule_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "fw_alloc.h"
#include "fw_err.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define RULE_FILE_MAX (16u << 20)

struct rule_path_list {
    char **v;
    size_t n, cap;
};

static int paths_add(struct rule_path_list *pl, const char *p)
{
    if (pl->n == pl->cap) {
        size_t cap = pl->cap ? pl->cap * 2 : 16;
        char **v = fw_reallocarray(pl->v, cap, sizeof(*v));
        if (!v)
            return FW_ENOMEM;
        pl->v = v;
        pl->cap = cap;
    }
    pl->v[pl->n] = fw_strdup(p);
    return pl->v[pl->n++] ? 0 : FW_ENOMEM;
}

static void paths_free(struct rule_path_list *pl)
{
    size_t i;

    for (i = 0; i < pl->n; i++)
        fw_free(pl->v[i]);
    fw_free(pl->v);
}

static int is_yaml(const struct dirent *d)
{
    size_t n = strlen(d->d_name);

    if (d->d_name[0] == '.')
        return 0;
    return (n > 5 && strcmp(d->d_name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(d->d_name + n - 4, ".yml") == 0);
}

static void expand_dir(const char *dir, struct rule_path_list *pl, struct rule_diags *d)
{
    struct dirent **ents = NULL;
    char path[4096];
    int n, i;

    n = scandir(dir, &ents, is_yaml, alphasort);
    if (n < 0) {
        rule_diags_add(d, dir, 0, 0, RULE_DIAG_ERROR, "", "cannot read directory: %s",
                       strerror(errno));
        return;
    }
    for (i = 0; i < n; i++) {
        if (snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name) < (int)sizeof(path))
            (void)paths_add(pl, path);
        free(ents[i]);
    }
    free(ents);
}

/* Whole file into a new buffer; diagnostics on failure. */
static int read_file(const char *path, char **buf, size_t *len, struct rule_diags *d)
{
    FILE *f = fopen(path, "rb");
    long sz;

    if (!f) {
        rule_diags_add(d, path, 0, 0, RULE_DIAG_ERROR, "", "cannot open file: %s", strerror(errno));
        return FW_ENOENT;
    }
    if (fseek(f, 0, SEEK_END) < 0 || (sz = ftell(f)) < 0 || sz > (long)RULE_FILE_MAX ||
        fseek(f, 0, SEEK_SET) < 0) {
        fclose(f);
        rule_diags_add(d, path, 0, 0, RULE_DIAG_ERROR, "", "cannot read file (or over 16 MiB)");
        return FW_EIO;
    }
    *buf = fw_malloc((size_t)sz + 1);
    if (!*buf || fread(*buf, 1, (size_t)sz, f) != (size_t)sz) {
        fw_free(*buf);
        fclose(f);
        rule_diags_add(d, path, 0, 0, RULE_DIAG_ERROR, "", "cannot read file");
        return FW_EIO;
    }
    (*buf)[sz] = '\0';
    *len = (size_t)sz;
    fclose(f);
    return 0;
}

static int set_push(struct rule_set *rs, struct rule *r)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 32;
        struct rule **v = fw_reallocarray(rs->rules, cap, sizeof(*v));
        if (!v)
            return FW_ENOMEM;
        rs->rules = v;
        rs->cap = cap;
    }
    rs->rules[rs->n++] = r;
    return 0;
}

static const struct rule *find_id(const struct rule_set *rs, const char *id)
{
    size_t i;

    for (i = 0; i < rs->n; i++)
        if (strcmp(rs->rules[i]->meta.id, id) == 0)
            return rs->rules[i];
    return NULL;
}

static void add_doc(struct rule_set *rs, struct rule_lctx *lc, const struct rule_ynode *doc)
{
    struct rule *r = rule_parse_doc(lc, doc);
    const struct rule *first;

    if (!r)
        return;
    first = find_id(rs, r->meta.id);
    if (first) {
        const struct rule_ynode *idn = rule_ynode_map_get(doc, "id");
        rule_lerr(lc, idn, 0, "E011", "duplicate rule id '%s'; first defined at %s:%u",
                  r->meta.id, first->meta.file, first->meta.line);
        rule_free(r);
        return;
    }
    if (set_push(rs, r) < 0) {
        rule_lerr(lc, doc, 0, "", "out of memory");
        rule_free(r);
    }
}

/* E001 from this file means the tree may be cut short: walking it would only
 * add confusing "missing key" errors. */
static bool syntax_failed(const struct rule_diags *d, size_t from)
{
    size_t i;

    for (i = from; i < d->n; i++)
        if (strcmp(d->v[i].code, "E001") == 0 || d->v[i].line == 0)
            return true;
    return false;
}

static void load_one(struct rule_set *rs, const char *path, uint64_t now_us,
                     struct rule_diags *d, XXH3_state_t *hs)
{
    struct rule_lctx lc = {.file = path, .diags = d, .now_us = now_us};
    struct rule_yfile *yf = NULL;
    size_t len, i, mark = d->n;
    char *buf = NULL;

    if (read_file(path, &buf, &len, d) < 0)
        return;
    XXH3_64bits_update(hs, path, strlen(path) + 1);
    XXH3_64bits_update(hs, buf, len);
    (void)rule_yaml_load_buf(path, buf, len, &yf, d);
    if (yf && !syntax_failed(d, mark))
        for (i = 0; i < yf->ndocs; i++)
            if (yf->docs[i])
                add_doc(rs, &lc, yf->docs[i]);
    rule_yaml_free(yf);
    fw_free(buf);
}

static int index_rules(struct rule_set *rs)
{
    size_t i, e;

    for (e = 0; e < N(rs->by_evt); e++) {
        rs->by_evt[e] = fw_calloc(rs->n + 1, sizeof(size_t));
        if (!rs->by_evt[e])
            return FW_ENOMEM;
    }
    for (e = 0; e < ANZ_KIND_COUNT; e++) {
        rs->anz[e] = fw_calloc(rs->n + 1, sizeof(*rs->anz[e]));
        if (!rs->anz[e])
            return FW_ENOMEM;
    }
    for (i = 0; i < rs->n; i++) {
        const struct rule *r = rs->rules[i];
        if (r->type == RULE_T_ANALYZER) {
            rs->anz[r->meta.analyzer][rs->nanz[r->meta.analyzer]++] = r;
            continue;
        }
        for (e = 0; e < N(rs->by_evt); e++)
            if (r->events & (1u << e))
                rs->by_evt[e][rs->nby_evt[e]++] = i;
    }
    return 0;
}

struct rule_set *rule_set_load(const char *const *paths, size_t npaths, uint64_t now_us,
                               struct rule_diags *diags)
{
    struct rule_path_list pl = {0};
    struct rule_set *rs = fw_calloc(1, sizeof(*rs));
    XXH3_state_t *hs = XXH3_createState();
    size_t errors0 = diags->errors, i;
    struct stat sb;

    if (!rs || !hs)
        goto fail;
    XXH3_64bits_reset(hs);
    for (i = 0; i < npaths; i++) {
        if (stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode))
            expand_dir(paths[i], &pl, diags);
        else
            (void)paths_add(&pl, paths[i]);
    }
    for (i = 0; i < pl.n; i++)
        load_one(rs, pl.v[i], now_us, diags, hs);
    snprintf(rs->hash, sizeof(rs->hash), "%016llx", (unsigned long long)XXH3_64bits_digest(hs));
    if (diags->errors != errors0 || index_rules(rs) < 0)
        goto fail;
    paths_free(&pl);
    XXH3_freeState(hs);
    return rs;
fail:
    if (diags->errors == errors0)
        rule_diags_add(diags, "", 0, 0, RULE_DIAG_ERROR, "", "out of memory loading rules");
    paths_free(&pl);
    XXH3_freeState(hs);
    rule_set_free(rs);
    return NULL;
}

void rule_set_free(struct rule_set *rs)
{
    size_t i;

    if (!rs)
        return;
    for (i = 0; i < rs->n; i++)
        rule_free(rs->rules[i]);
    fw_free(rs->rules);
    for (i = 0; i < N(rs->by_evt); i++)
        fw_free(rs->by_evt[i]);
    for (i = 0; i < ANZ_KIND_COUNT; i++)
        fw_free(rs->anz[i]);
    fw_free(rs);
}

size_t rule_set_count(const struct rule_set *rs)
{
    return rs ? rs->n : 0;
}

const char *rule_set_hash(const struct rule_set *rs)
{
    return rs ? rs->hash : "";
}

size_t rule_set_analyzer_rules(const struct rule_set *rs, enum anz_kind kind,
                               const struct rule *const **out)
{
    if (!rs || (unsigned)kind >= ANZ_KIND_COUNT) {
        *out = NULL;
        return 0;
    }
    *out = rs->anz[kind];
    return rs->nanz[kind];
}

const struct rule_meta *rule_meta_of(const struct rule *r)
{
    return &r->meta;
}

const struct rule_meta *rule_set_nth(const struct rule_set *rs, size_t i,
                                     struct rule_counters *c)
{
    if (!rs || i >= rs->n)
        return NULL;
    if (c)
        *c = *rs->rules[i]->cnt;
    return &rs->rules[i]->meta;
}

/* ---- params ---- */

static const struct rule_param *param_find(const struct rule *r, const char *key)
{
    size_t i;

    for (i = 0; r && i < r->nparams; i++)
        if (strcmp(r->params[i].key, key) == 0)
            return &r->params[i];
    return NULL;
}

double rule_param_double(const struct rule *r, const char *key, double dflt)
{
    const struct rule_param *p = param_find(r, key);

    if (!p)
        return dflt;
    switch (p->type) {
    case ANZ_P_NUMBER:   return p->num;
    case ANZ_P_DURATION: return (double)p->dur_us / 1e6;
    case ANZ_P_BOOL:     return p->b ? 1.0 : 0.0;
    default:             return dflt;
    }
}

uint64_t rule_param_duration(const struct rule *r, const char *key, uint64_t dflt)
{
    const struct rule_param *p = param_find(r, key);

    if (!p)
        return dflt;
    if (p->type == ANZ_P_DURATION)
        return p->dur_us;
    if (p->type == ANZ_P_NUMBER && p->num >= 0)
        return (uint64_t)(p->num * 1e6);    /* a bare number is seconds */
    return dflt;
}

const char *rule_param_str(const struct rule *r, const char *key, const char *dflt)
{
    const struct rule_param *p = param_find(r, key);

    return p && p->str ? p->str : dflt;
}

size_t rule_param_list(const struct rule *r, const char *key, const char *const **items)
{
    const struct rule_param *p = param_find(r, key);

    if (!p || p->type != ANZ_P_LIST) {
        *items = NULL;
        return 0;
    }
    *items = (const char *const *)p->items;
    return p->nitems;
}
