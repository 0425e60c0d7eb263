/* rules/rule_yaml.c: YAML files as trees with line and column marks.
 *
 * libyaml's event API drives a small tree builder. libyaml checks syntax; we
 * add what it lets through silently (duplicate keys) and refuse what a schema
 * walker cannot reason about (anchors, aliases, non-scalar keys). Input is
 * hostile: file size, node count and nesting depth are capped so that a rule
 * or config file can neither exhaust memory nor the stack (tree walkers
 * recurse, so depth matters to them too).
 */
#include "rule_yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "fw_alloc.h"
#include "fw_err.h"

#define RULE_YAML_MAX_DEPTH 64              /* nested maps/lists */
#define RULE_YAML_MAX_NODES 1000000u        /* nodes per file */
#define RULE_YAML_MAX_SIZE (16u << 20)      /* bytes per file */
#define RULE_YAML_HASH_MIN 16               /* maps this big get a key index */

/* One open map or list. */
struct yb_frame {
    struct rule_ynode *node;
    struct rule_ynode *key;     /* map: key waiting for its value; owned until paired */
    bool drop_value;            /* map: next value belongs to a refused key */
    uint32_t *hash;             /* map: pair index + 1 per slot, 0 = empty; NULL while small */
    size_t hcap;                /* slots, a power of two */
};

/* Tree builder state for one file. */
struct yb {
    yaml_parser_t parser;
    const char *path;
    const char *buf;            /* input, to place reader errors */
    size_t len;
    struct rule_diags *diags;
    struct rule_yfile *file;
    struct rule_ynode *root;    /* root of the document being built */
    struct yb_frame stack[RULE_YAML_MAX_DEPTH];
    size_t depth;
    size_t nnodes;
    struct rule_ynode *orphans; /* list holding refused nodes until the end */
    bool bad;                   /* a diagnostic was added; result is FW_EPARSE */
};

/* ------------------------------------------------------------------------ */
/* Nodes                                                                    */

static void ynode_free(struct rule_ynode *n)
{
    size_t i;

    if (!n)
        return;
    for (i = 0; i < n->npairs; i++) {
        ynode_free(n->pairs[i].key);
        ynode_free(n->pairs[i].val);
    }
    for (i = 0; i < n->nitems; i++)
        ynode_free(n->items[i]);
    fw_free(n->pairs);
    fw_free(n->items);
    fw_free(n->str);
    fw_free(n);
}

void rule_yaml_free(struct rule_yfile *f)
{
    size_t i;

    if (!f)
        return;
    for (i = 0; i < f->ndocs; i++)
        ynode_free(f->docs[i]);
    fw_free(f->docs);
    fw_free(f->path);
    fw_free(f);
}

static void yb_error(struct yb *b, unsigned line, unsigned col, const char *code,
                     const char *msg)
{
    rule_diags_add(b->diags, b->path, line, col, RULE_DIAG_ERROR, code, "%s", msg);
    b->bad = true;
}

/* New node at a libyaml mark (0-based) stored 1-based. NULL at the node cap
 * (reported) or on allocation failure. */
static struct rule_ynode *yb_node(struct yb *b, enum rule_ynode_kind kind, yaml_mark_t m)
{
    struct rule_ynode *n;

    if (b->nnodes >= RULE_YAML_MAX_NODES) {
        yb_error(b, (unsigned)m.line + 1, (unsigned)m.column + 1, "E001",
                 "too many YAML nodes (limit 1000000)");
        return NULL;
    }
    n = fw_calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    b->nnodes++;
    n->kind = kind;
    n->line = (unsigned)m.line + 1;
    n->col = (unsigned)m.column + 1;
    return n;
}

static int seq_push(struct rule_ynode *seq, struct rule_ynode *item)
{
    if ((seq->nitems & (seq->nitems - 1)) == 0) {     /* 0, 1, 2, 4...: grow */
        size_t cap = seq->nitems ? seq->nitems * 2 : 1;
        struct rule_ynode **v = fw_reallocarray(seq->items, cap, sizeof(*v));

        if (!v)
            return FW_ENOMEM;
        seq->items = v;
    }
    seq->items[seq->nitems++] = item;
    return 0;
}

static int map_push(struct rule_ynode *map, struct rule_ynode *key, struct rule_ynode *val)
{
    if ((map->npairs & (map->npairs - 1)) == 0) {
        size_t cap = map->npairs ? map->npairs * 2 : 1;
        struct rule_ypair *v = fw_reallocarray(map->pairs, cap, sizeof(*v));

        if (!v)
            return FW_ENOMEM;
        map->pairs = v;
    }
    map->pairs[map->npairs].key = key;
    map->pairs[map->npairs].val = val;
    map->npairs++;
    return 0;
}

/* Keep a refused node alive until the end, so that frames still pointing at
 * it (a refused key that is itself a map) stay valid. */
static int yb_orphan(struct yb *b, struct rule_ynode *n)
{
    if (!b->orphans) {
        b->orphans = fw_calloc(1, sizeof(*b->orphans));
        if (!b->orphans)
            return FW_ENOMEM;
        b->orphans->kind = RULE_Y_SEQ;
    }
    return seq_push(b->orphans, n);
}

/* ------------------------------------------------------------------------ */
/* Duplicate keys: linear scan for small maps, an open-addressing index for  */
/* big ones, so a hostile 500000-key map costs O(n), not O(n^2).             */

static uint32_t key_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    size_t i;

    for (i = 0; i < len; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static bool key_eq(const struct rule_ynode *a, const struct rule_ynode *b)
{
    return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

/* Slot for key in f's index: the slot holding an equal key, or the empty slot
 * where it would go. */
static size_t hash_slot(const struct yb_frame *f, const struct rule_ynode *key)
{
    size_t mask = f->hcap - 1;
    size_t i = key_hash(key->str, key->len) & mask;

    while (f->hash[i] && !key_eq(f->node->pairs[f->hash[i] - 1].key, key))
        i = (i + 1) & mask;
    return i;
}

/* On allocation failure the map just stays unindexed. */
static int hash_rebuild(struct yb_frame *f)
{
    size_t cap = f->hcap ? f->hcap * 2 : 64;
    size_t i;

    fw_free(f->hash);
    f->hash = fw_calloc(cap, sizeof(*f->hash));
    f->hcap = f->hash ? cap : 0;
    if (!f->hash)
        return 0;           /* the linear scan still works, only slower */
    for (i = 0; i < f->node->npairs; i++)
        f->hash[hash_slot(f, f->node->pairs[i].key)] = (uint32_t)i + 1;
    return 0;
}

/* The earlier pair with the same key, or NULL. */
static const struct rule_ypair *map_find_dup(const struct yb_frame *f,
                                             const struct rule_ynode *key)
{
    const struct rule_ynode *map = f->node;
    size_t i;

    if (f->hash) {
        i = hash_slot(f, key);
        return f->hash[i] ? &map->pairs[f->hash[i] - 1] : NULL;
    }
    for (i = 0; i < map->npairs; i++)
        if (key_eq(map->pairs[i].key, key))
            return &map->pairs[i];
    return NULL;
}

/* Append a checked pair and keep the index in step. */
static int frame_add_pair(struct yb_frame *f, struct rule_ynode *val)
{
    int rc = map_push(f->node, f->key, val);

    if (rc < 0)
        return rc;
    f->key = NULL;
    if (f->node->npairs < RULE_YAML_HASH_MIN)
        return 0;
    if (f->node->npairs * 2 > f->hcap)
        return hash_rebuild(f);
    f->hash[hash_slot(f, f->node->pairs[f->node->npairs - 1].key)] =
        (uint32_t)f->node->npairs;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Building                                                                 */

/* n is a key of the map in f: refuse non-scalar and duplicate keys (the value
 * that follows is then dropped too). */
static int frame_take_key(struct yb *b, struct yb_frame *f, struct rule_ynode *n)
{
    const struct rule_ypair *dup;

    if (n->kind != RULE_Y_SCALAR) {
        yb_error(b, n->line, n->col, "E014", "mapping keys must be scalars");
        f->drop_value = true;
        return yb_orphan(b, n);
    }
    dup = map_find_dup(f, n);
    if (dup) {
        rule_diags_add(b->diags, b->path, n->line, n->col, RULE_DIAG_ERROR, "E002",
                       "duplicate key '%s' (first at line %u)", n->str, dup->key->line);
        b->bad = true;
        f->drop_value = true;
        return yb_orphan(b, n);
    }
    f->key = n;
    return 0;
}

/* Hang a new node on the open collection (or make it the document root). The
 * node is owned by the tree from here on, even while it is still being built. */
static int yb_attach(struct yb *b, struct rule_ynode *n)
{
    struct yb_frame *f;

    if (b->depth == 0) {
        b->root = n;
        return 0;
    }
    f = &b->stack[b->depth - 1];
    if (f->node->kind == RULE_Y_SEQ)
        return seq_push(f->node, n);
    if (f->drop_value) {
        f->drop_value = false;
        return yb_orphan(b, n);
    }
    if (!f->key)
        return frame_take_key(b, f, n);
    return frame_add_pair(f, n);
}

static int yb_attach_or_free(struct yb *b, struct rule_ynode *n)
{
    int rc = yb_attach(b, n);

    if (rc < 0)
        ynode_free(n);      /* not linked anywhere: attach failed before storing it */
    return rc;
}

static void yb_check_anchor(struct yb *b, const yaml_char_t *anchor, yaml_mark_t m)
{
    if (anchor)
        yb_error(b, (unsigned)m.line + 1, (unsigned)m.column + 1, "E014",
                 "anchors are not supported");
}

static int yb_scalar(struct yb *b, const yaml_event_t *ev)
{
    struct rule_ynode *n = yb_node(b, RULE_Y_SCALAR, ev->start_mark);

    if (!n)
        return b->bad ? FW_EPARSE : FW_ENOMEM;
    yb_check_anchor(b, ev->data.scalar.anchor, ev->start_mark);
    n->len = ev->data.scalar.length;
    n->str = fw_strndup((const char *)ev->data.scalar.value, n->len);
    /* An explicit tag ("!!str 12") asks for a string, like quotes do. */
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !ev->data.scalar.tag;
    if (!n->str) {
        fw_free(n);
        return FW_ENOMEM;
    }
    return yb_attach_or_free(b, n);
}

/* An alias becomes an empty quoted scalar so that the map/list around it keeps
 * its shape; the error makes the whole file fail anyway. */
static int yb_alias(struct yb *b, const yaml_event_t *ev)
{
    struct rule_ynode *n = yb_node(b, RULE_Y_SCALAR, ev->start_mark);

    if (!n)
        return b->bad ? FW_EPARSE : FW_ENOMEM;
    yb_error(b, n->line, n->col, "E014", "aliases are not supported");
    n->str = fw_strdup("");
    if (!n->str) {
        fw_free(n);
        return FW_ENOMEM;
    }
    return yb_attach_or_free(b, n);
}

static int yb_open(struct yb *b, const yaml_event_t *ev, enum rule_ynode_kind kind,
                   const yaml_char_t *anchor)
{
    struct rule_ynode *n;
    int rc;

    if (b->depth == RULE_YAML_MAX_DEPTH) {
        yb_error(b, (unsigned)ev->start_mark.line + 1, (unsigned)ev->start_mark.column + 1,
                 "E001", "nesting deeper than 64 levels");
        return FW_EPARSE;
    }
    n = yb_node(b, kind, ev->start_mark);
    if (!n)
        return b->bad ? FW_EPARSE : FW_ENOMEM;
    yb_check_anchor(b, anchor, ev->start_mark);
    rc = yb_attach_or_free(b, n);
    if (rc < 0)
        return rc;
    memset(&b->stack[b->depth], 0, sizeof(b->stack[0]));
    b->stack[b->depth++].node = n;
    return 0;
}

static void yb_close(struct yb *b)
{
    struct yb_frame *f;

    if (b->depth == 0)
        return;
    f = &b->stack[--b->depth];
    ynode_free(f->key);     /* only set when the map ended early (parse error) */
    fw_free(f->hash);
    memset(f, 0, sizeof(*f));
}

/* Document done: store its root. An empty document ("---" alone) is NULL. */
static int yb_doc_end(struct yb *b)
{
    struct rule_yfile *f = b->file;
    struct rule_ynode *r = b->root;
    struct rule_ynode **v;

    if (r && r->kind == RULE_Y_SCALAR && r->plain && r->len == 0) {
        ynode_free(r);
        r = NULL;
    }
    b->root = NULL;
    v = fw_reallocarray(f->docs, f->ndocs + 1, sizeof(*v));
    if (!v) {
        ynode_free(r);
        return FW_ENOMEM;
    }
    f->docs = v;
    f->docs[f->ndocs++] = r;
    return 0;
}

static int yb_event(struct yb *b, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return yb_scalar(b, ev);
    case YAML_ALIAS_EVENT:
        return yb_alias(b, ev);
    case YAML_MAPPING_START_EVENT:
        return yb_open(b, ev, RULE_Y_MAP, ev->data.mapping_start.anchor);
    case YAML_SEQUENCE_START_EVENT:
        return yb_open(b, ev, RULE_Y_SEQ, ev->data.sequence_start.anchor);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        yb_close(b);
        return 0;
    case YAML_DOCUMENT_END_EVENT:
        return yb_doc_end(b);
    case YAML_NO_EVENT:
    case YAML_STREAM_START_EVENT:
    case YAML_STREAM_END_EVENT:
    case YAML_DOCUMENT_START_EVENT:
        return 0;
    }
    return 0;
}

/* Reader errors (bad UTF-8, control characters) carry a byte offset, not a
 * mark; count lines up to it so the message still points somewhere useful. */
static void offset_mark(const struct yb *b, size_t off, unsigned *line, unsigned *col)
{
    size_t i;

    *line = 1;
    *col = 1;
    for (i = 0; i < off && i < b->len; i++) {
        if (b->buf[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static int yb_syntax_error(struct yb *b)
{
    const yaml_parser_t *p = &b->parser;
    unsigned line = (unsigned)p->problem_mark.line + 1;
    unsigned col = (unsigned)p->problem_mark.column + 1;

    if (p->error == YAML_MEMORY_ERROR)
        return FW_ENOMEM;
    if (p->error == YAML_READER_ERROR)
        offset_mark(b, p->problem_offset, &line, &col);
    if (p->context)
        rule_diags_add(b->diags, b->path, line, col, RULE_DIAG_ERROR, "E001",
                       "YAML syntax: %s %s started at line %u", p->problem ? p->problem : "error",
                       p->context, (unsigned)p->context_mark.line + 1);
    else
        rule_diags_add(b->diags, b->path, line, col, RULE_DIAG_ERROR, "E001",
                       "YAML syntax: %s", p->problem ? p->problem : "error");
    b->bad = true;
    return FW_EPARSE;
}

static int yb_run(struct yb *b)
{
    yaml_event_t ev;
    bool done;
    int rc;

    for (;;) {
        if (!yaml_parser_parse(&b->parser, &ev))
            return yb_syntax_error(b);
        rc = yb_event(b, &ev);
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (rc < 0)
            return rc;
        if (done)
            return 0;
    }
}

/* After a failure: close open frames and keep the partial document, so the
 * caller can still look at what was read. */
static void yb_finish(struct yb *b)
{
    while (b->depth)
        yb_close(b);
    if (b->root)
        (void)yb_doc_end(b);
    ynode_free(b->orphans);
    b->orphans = NULL;
}

int rule_yaml_load_buf(const char *path, const char *buf, size_t len, struct rule_yfile **out,
                       struct rule_diags *diags)
{
    struct yb *b;
    int rc;

    *out = NULL;
    if (len > RULE_YAML_MAX_SIZE) {
        rule_diags_add(diags, path, 1, 1, RULE_DIAG_ERROR, "E001",
                       "file is larger than 16 MiB");
        return FW_EPARSE;
    }
    b = fw_calloc(1, sizeof(*b));
    if (!b)
        return FW_ENOMEM;
    b->path = path;
    b->buf = buf;
    b->len = len;
    b->diags = diags;
    b->file = fw_calloc(1, sizeof(*b->file));
    if (!b->file || !(b->file->path = fw_strdup(path ? path : "<input>"))) {
        rule_yaml_free(b->file);
        fw_free(b);
        return FW_ENOMEM;
    }
    if (!yaml_parser_initialize(&b->parser)) {
        rc = FW_ENOMEM;
        goto out_free_file;
    }
    yaml_parser_set_input_string(&b->parser, (const unsigned char *)buf, len);
    rc = yb_run(b);
    yaml_parser_delete(&b->parser);
    yb_finish(b);
    if (rc == FW_ENOMEM)
        goto out_free_file;
    if (rc == 0 && b->bad)
        rc = FW_EPARSE;     /* duplicate keys, aliases: parsed to the end, still wrong */
    *out = b->file;
    fw_free(b);
    return rc;

out_free_file:
    yb_finish(b);
    rule_yaml_free(b->file);
    fw_free(b);
    return rc;
}

/* Read all of fd, refusing more than the size cap. */
static int read_all(int fd, char **buf, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *p = fw_malloc(cap), *q;
    ssize_t r;

    while (p) {
        if (n == cap) {
            if (cap > RULE_YAML_MAX_SIZE)
                break;      /* load_buf reports the size */
            cap = cap * 2 > RULE_YAML_MAX_SIZE ? RULE_YAML_MAX_SIZE + 1 : cap * 2;
            q = fw_reallocarray(p, cap, 1);
            if (!q)
                break;
            p = q;
        }
        r = read(fd, p + n, cap - n);
        if (r == 0) {
            *buf = p;
            *len = n;
            return 0;
        }
        if (r < 0 && errno != EINTR) {
            fw_free(p);
            return FW_EIO;
        }
        n += r > 0 ? (size_t)r : 0;
    }
    if (p && n == cap) {
        *buf = p;
        *len = n;
        return 0;
    }
    fw_free(p);
    return FW_ENOMEM;
}

int rule_yaml_load_file(const char *path, struct rule_yfile **out, struct rule_diags *diags)
{
    char *buf = NULL;
    size_t len = 0;
    int fd, rc, err;

    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err = errno;
        rule_diags_add(diags, path, 0, 0, RULE_DIAG_ERROR, "E001", "cannot open: %s",
                       strerror(err));
        return err == ENOENT ? FW_ENOENT : FW_EIO;
    }
    rc = read_all(fd, &buf, &len);
    err = errno;
    close(fd);
    if (rc == FW_EIO)
        rule_diags_add(diags, path, 0, 0, RULE_DIAG_ERROR, "E001", "cannot read: %s",
                       strerror(err));
    if (rc < 0)
        return rc;
    rc = rule_yaml_load_buf(path, buf, len, out, diags);
    fw_free(buf);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Typed access for schema walkers. Only plain scalars are typed: quotes      */
/* (or a tag) make "12" and "true" strings, as in YAML.                        */

struct rule_ynode *rule_ynode_map_get(const struct rule_ynode *map, const char *key)
{
    size_t klen, i;

    if (!map || map->kind != RULE_Y_MAP || !key)
        return NULL;
    klen = strlen(key);
    for (i = 0; i < map->npairs; i++) {
        const struct rule_ynode *k = map->pairs[i].key;

        if (k->len == klen && memcmp(k->str, key, klen) == 0)
            return map->pairs[i].val;
    }
    return NULL;
}

/* s is one of words, compared whole; the scalar must not hide a NUL. */
static bool plain_is(const struct rule_ynode *n, const char *const *words)
{
    if (!n || n->kind != RULE_Y_SCALAR || !n->plain || strlen(n->str) != n->len)
        return false;
    for (; *words; words++)
        if (strcmp(n->str, *words) == 0)
            return true;
    return false;
}

bool rule_ynode_is_null(const struct rule_ynode *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};

    return !n || plain_is(n, nulls);    /* an empty document (NULL root) is null too */
}

int rule_ynode_bool(const struct rule_ynode *n, bool *v)
{
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
                                      "on", "On", "ON", NULL};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO",
                                     "off", "Off", "OFF", NULL};

    if (plain_is(n, yes))
        *v = true;
    else if (plain_is(n, no))
        *v = false;
    else
        return FW_EINVAL;
    return 0;
}

/* Plain scalar made only of characters from set (at least one digit). */
static bool plain_digits(const struct rule_ynode *n, const char *set)
{
    bool digit = false;
    size_t i;

    if (!n || n->kind != RULE_Y_SCALAR || !n->plain || n->len == 0)
        return false;
    for (i = 0; i < n->len; i++) {
        if (n->str[i] >= '0' && n->str[i] <= '9')
            digit = true;
        else if (!n->str[i] || !strchr(set, n->str[i]))
            return false;
    }
    return digit;
}

int rule_ynode_int(const struct rule_ynode *n, long long min, long long max, long long *v)
{
    const char *s;
    long long x;
    char *end;

    if (!plain_digits(n, "+-"))
        return FW_EINVAL;
    s = n->str + (n->str[0] == '+' || n->str[0] == '-');
    /* "012" is octal in YAML 1.1 and decimal in 1.2: refuse the ambiguity. */
    if (!(s[0] >= '0' && s[0] <= '9') || (s[0] == '0' && s[1] != '\0'))
        return FW_EINVAL;
    errno = 0;
    x = strtoll(n->str, &end, 10);
    if (errno == ERANGE || *end != '\0' || x < min || x > max)
        return FW_EINVAL;
    *v = x;
    return 0;
}

int rule_ynode_double(const struct rule_ynode *n, double *v)
{
    double x;
    char *end;

    /* The character set keeps out "nan", "inf" and hex floats. */
    if (!plain_digits(n, "+-.eE"))
        return FW_EINVAL;
    errno = 0;
    x = strtod(n->str, &end);
    if (errno == ERANGE || *end != '\0' || end == n->str)
        return FW_EINVAL;
    *v = x;
    return 0;
}

const char *rule_ynode_kind_name(enum rule_ynode_kind k)
{
    switch (k) {
    case RULE_Y_SCALAR:
        return "scalar";
    case RULE_Y_MAP:
        return "mapping";
    case RULE_Y_SEQ:
        return "list";
    }
    return "?";
}

const char *rule_yaml_lib_version(void)
{
    static char buf[48];

    snprintf(buf, sizeof(buf), "libyaml %s", yaml_get_version_string());
    return buf;
}
