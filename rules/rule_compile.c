/* rules/rule_compile.c: "match:" maps into condition lists, compiled once at load.
 *
 * A key reads field|op|modifier... (ndpi.protocol, destination.port|in|not,
 * url.original|re|i). Values are checked against the field's type here, so the
 * matcher never parses text: numbers become doubles, CIDRs prefixes, regexes
 * PCRE2 code with JIT, risk names a bitmap, long |in lists an XXH3 hash set.
 * Every problem is reported at the key or value that causes it, and compiling
 * goes on, so one lint run shows all of them. Called by the loader only.
 */
#include "rule_int.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <pcre2.h>
#include <string.h>
#include <xxhash.h>

#include "fw_alloc.h"
#include "fw_err.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
    const char *name;
    enum rule_op op;
} op_names[] = {
    {"in", RULE_OP_EQ},           {"cidr", RULE_OP_CIDR},   {"contains", RULE_OP_CONTAINS},
    {"startswith", RULE_OP_STARTSWITH}, {"endswith", RULE_OP_ENDSWITH}, {"re", RULE_OP_RE},
    {"gt", RULE_OP_GT},           {"gte", RULE_OP_GTE},     {"lt", RULE_OP_LT},
    {"lte", RULE_OP_LTE},
};

static const char *op_name(enum rule_op op)
{
    size_t i;

    for (i = 0; i < N(op_names); i++)
        if (op_names[i].op == op)
            return op_names[i].name;
    return "eq";
}

/* Which operators make sense for a field type. */
static bool op_applies(enum rule_ftype t, enum rule_op op)
{
    switch (t) {
    case RULE_FT_STR:
    case RULE_FT_RISK:
        return op == RULE_OP_EQ || (op >= RULE_OP_CONTAINS && op <= RULE_OP_RE);
    case RULE_FT_NUM:
    case RULE_FT_CODE:
        return op == RULE_OP_EQ || op >= RULE_OP_GT;
    case RULE_FT_IP:
        return op == RULE_OP_EQ || op == RULE_OP_CIDR;
    }
    return false;
}

static unsigned key_coloff(const struct rule_ynode *key, size_t off)
{
    return (unsigned)off + (key->plain ? 0 : 1);
}

/* Operator and modifier tokens after the field; tok is NUL-terminated. */
static int key_token(struct rule_lctx *lc, const struct rule_ynode *key, const char *tok,
                     size_t off, bool *have_op, struct rule_cond *c)
{
    size_t i;

    if (strcmp(tok, "not") == 0) {
        c->neg = true;
        return 0;
    }
    if (strcmp(tok, "i") == 0) {
        c->icase = true;
        return 0;
    }
    for (i = 0; i < N(op_names); i++) {
        if (strcmp(tok, op_names[i].name) != 0)
            continue;
        if (*have_op) {
            rule_lerr(lc, key, key_coloff(key, off), "E007", "second operator '|%s' in '%s'",
                      tok, key->str);
            return FW_EPARSE;
        }
        *have_op = true;
        c->op = op_names[i].op;
        return 0;
    }
    rule_lerr(lc, key, key_coloff(key, off), "E007",
              "unknown operator '|%s' (in, cidr, contains, startswith, endswith, re, gt, gte, "
              "lt, lte, not, i)", tok);
    return FW_EPARSE;
}

static int key_field(struct rule_lctx *lc, const struct rule_ynode *key, const char *name,
                     struct rule_cond *c)
{
    const char *hint;

    c->field = rule_field_id(name);
    if (c->field >= 0)
        return 0;
    hint = rule_field_suggest(name);
    if (hint)
        rule_lerr(lc, key, 0, "E006", "unknown field '%s'; did you mean '%s'?", name, hint);
    else
        rule_lerr(lc, key, 0, "E006", "unknown field '%s'", name);
    return FW_EPARSE;
}

int rule_key_parse(struct rule_lctx *lc, const struct rule_ynode *key, struct rule_cond *c)
{
    char buf[128], *tok, *bar;
    bool have_op = false;
    int rc;

    memset(c, 0, sizeof(*c));
    c->field = -1;
    if (key->len >= sizeof(buf) || memchr(key->str, '\0', key->len)) {
        rule_lerr(lc, key, 0, "E006", "unknown field '%.40s...'", key->str);
        return FW_EPARSE;
    }
    memcpy(buf, key->str, key->len + 1);
    bar = strchr(buf, '|');
    if (bar)
        *bar = '\0';
    rc = key_field(lc, key, buf, c);
    for (tok = bar ? bar + 1 : NULL; tok; tok = bar ? bar + 1 : NULL) {
        bar = strchr(tok, '|');
        if (bar)
            *bar = '\0';
        if (key_token(lc, key, tok, (size_t)(tok - buf), &have_op, c) < 0)
            rc = FW_EPARSE;
    }
    if (rc == 0 && !op_applies(rule_field_at(c->field)->type, c->op)) {
        rule_lerr(lc, key, 0, "E007", "operator '|%s' does not apply to field '%s'",
                  op_name(c->op), rule_field_at(c->field)->name);
        rc = FW_EPARSE;
    }
    return rc;
}

/* ---- values ---- */

static int alloc_values(struct rule_cond *c, size_t n)
{
    c->n = n;
    c->strs = fw_calloc(n, sizeof(*c->strs));
    c->lens = fw_calloc(n, sizeof(*c->lens));
    c->nums = fw_calloc(n, sizeof(*c->nums));
    if (!c->strs || !c->lens || !c->nums)
        return FW_ENOMEM;
    if (c->op == RULE_OP_RE) {
        c->res = fw_calloc(n, sizeof(*c->res));
        c->mds = fw_calloc(n, sizeof(*c->mds));
        if (!c->res || !c->mds)
            return FW_ENOMEM;
    }
    if (rule_field_at(c->field)->type == RULE_FT_IP) {
        c->cidrs = fw_calloc(n, sizeof(*c->cidrs));
        if (!c->cidrs)
            return FW_ENOMEM;
    }
    return 0;
}

static int compile_re(struct rule_lctx *lc, const struct rule_ynode *v, struct rule_cond *c,
                      size_t i)
{
    int err;
    PCRE2_SIZE off;
    PCRE2_UCHAR msg[128];
    pcre2_code *re;

    re = pcre2_compile((PCRE2_SPTR)v->str, v->len, c->icase ? PCRE2_CASELESS : 0, &err, &off,
                       NULL);
    if (!re) {
        pcre2_get_error_message(err, msg, sizeof(msg));
        rule_lerr(lc, v, (unsigned)off + (v->plain ? 0 : 1), "E008",
                  "bad regular expression at offset %zu: %s", (size_t)off, (char *)msg);
        return FW_EPARSE;
    }
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);    /* interpreter if JIT is absent */
    c->res[i] = re;
    c->mds[i] = pcre2_match_data_create_from_pattern(re, NULL);
    return c->mds[i] ? 0 : FW_ENOMEM;
}

static int compile_risk(struct rule_lctx *lc, const struct rule_ynode *v, struct rule_cond *c)
{
    int bit = rule_risk_bit(v->str);
    const char *hint;

    if (bit >= 0) {
        c->risk_mask |= 1ull << bit;
        return 0;
    }
    hint = rule_risk_suggest(v->str);
    if (hint)
        rule_lerr(lc, v, 0, "E013", "unknown nDPI risk '%s'; did you mean '%s'?", v->str, hint);
    else
        rule_lerr(lc, v, 0, "E013", "unknown nDPI risk '%s'", v->str);
    return FW_EPARSE;
}

/* One scalar value, checked against the field type. */
static int compile_value(struct rule_lctx *lc, const struct rule_ynode *v, struct rule_cond *c,
                         size_t i)
{
    enum rule_ftype t = rule_field_at(c->field)->type;

    if (v->kind != RULE_Y_SCALAR || rule_ynode_is_null(v)) {
        rule_lerr(lc, v, 0, "E004", "expected a value for '%s', found %s",
                  rule_field_at(c->field)->name,
                  v->kind == RULE_Y_SCALAR ? "null" : rule_ynode_kind_name(v->kind));
        return FW_EPARSE;
    }
    c->strs[i] = fw_strndup(v->str, v->len);
    if (!c->strs[i])
        return FW_ENOMEM;
    c->lens[i] = v->len;
    if (c->op == RULE_OP_RE)
        return compile_re(lc, v, c, i);
    if (t == RULE_FT_RISK && c->op == RULE_OP_EQ)
        return compile_risk(lc, v, c);
    if (t == RULE_FT_IP && fw_cidr_parse(c->strs[i], &c->cidrs[i]) < 0) {
        rule_lerr(lc, v, 0, "E009", "bad address or CIDR '%s' (host bits set?)", c->strs[i]);
        return FW_EPARSE;
    }
    if (t == RULE_FT_NUM && rule_ynode_double(v, &c->nums[i]) < 0) {
        rule_lerr(lc, v, 0, "E004", "'%s' is a number field; '%s' is not a number",
                  rule_field_at(c->field)->name, c->strs[i]);
        return FW_EPARSE;
    }
    if (t == RULE_FT_CODE && rule_field_code(c->field, c->strs[i], &c->nums[i]) < 0) {
        rule_lerr(lc, v, 0, "E013", "unknown %s value '%s'", rule_field_at(c->field)->name,
                  c->strs[i]);
        return FW_EPARSE;
    }
    return 0;
}

static void lower(char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        s[i] = (char)tolower((unsigned char)s[i]);
}

/* Long equality lists: hash set of (lowered when |i) strings. */
static int build_set(struct rule_cond *c)
{
    struct rule_strset *set;
    size_t cap = 16, i, j;

    while (cap < c->n * 2)
        cap *= 2;
    set = fw_calloc(1, sizeof(*set));
    if (!set)
        return FW_ENOMEM;
    c->set = set;
    set->cap = cap;
    set->hashes = fw_calloc(cap, sizeof(*set->hashes));
    set->keys = fw_calloc(cap, sizeof(*set->keys));
    if (!set->hashes || !set->keys)
        return FW_ENOMEM;
    for (i = 0; i < c->n; i++) {
        if (c->icase)
            lower(c->strs[i], c->lens[i]);
        uint64_t h = XXH3_64bits(c->strs[i], c->lens[i]);
        for (j = h & (cap - 1); set->keys[j]; j = (j + 1) & (cap - 1))
            ;
        set->hashes[j] = h;
        set->keys[j] = c->strs[i];
    }
    return 0;
}

static bool wants_list(const struct rule_cond *c)
{
    return c->op == RULE_OP_EQ || c->op == RULE_OP_CIDR || c->op == RULE_OP_CONTAINS ||
           c->op == RULE_OP_STARTSWITH || c->op == RULE_OP_ENDSWITH || c->op == RULE_OP_RE;
}

static int compile_values(struct rule_lctx *lc, const struct rule_ynode *val, struct rule_cond *c)
{
    bool list = val->kind == RULE_Y_SEQ;
    size_t n = list ? val->nitems : 1, i;
    int rc = 0, r;

    if (list && !wants_list(c)) {
        rule_lerr(lc, val, 0, "E004", "'|%s' takes one number, not a list", op_name(c->op));
        return FW_EPARSE;
    }
    if (list && n == 0) {
        rule_lerr(lc, val, 0, "E013", "empty list never matches");
        return FW_EPARSE;
    }
    if (alloc_values(c, n) < 0)
        return FW_ENOMEM;
    for (i = 0; i < n; i++) {
        r = compile_value(lc, list ? val->items[i] : val, c, i);
        if (r == FW_ENOMEM)
            return r;
        if (r < 0)
            rc = r;
    }
    if (rc == 0 && c->op == RULE_OP_EQ && n >= RULE_SET_MIN &&
        rule_field_at(c->field)->type == RULE_FT_STR)
        rc = build_set(c);
    return rc;
}

static void cond_free(struct rule_cond *c)
{
    size_t i;

    for (i = 0; i < c->n; i++) {
        if (c->strs)
            fw_free(c->strs[i]);
        if (c->mds)
            pcre2_match_data_free(c->mds[i]);
        if (c->res)
            pcre2_code_free(c->res[i]);
    }
    fw_free(c->strs);
    fw_free(c->lens);
    fw_free(c->nums);
    fw_free(c->cidrs);
    fw_free(c->res);
    fw_free(c->mds);
    if (c->set) {
        fw_free(c->set->hashes);
        fw_free(c->set->keys);
        fw_free(c->set);
    }
}

void rule_match_free(struct rule_match *m)
{
    size_t i;

    for (i = 0; i < m->n; i++)
        cond_free(&m->v[i]);
    fw_free(m->v);
    m->v = NULL;
    m->n = 0;
}

int rule_match_compile(struct rule_lctx *lc, const struct rule_ynode *map, struct rule_match *m)
{
    size_t i;
    int rc = 0, r;

    memset(m, 0, sizeof(*m));
    if (map->kind != RULE_Y_MAP) {
        rule_lerr(lc, map, 0, "E004", "'match' must be a map of field: value, found %s",
                  rule_ynode_kind_name(map->kind));
        return FW_EPARSE;
    }
    m->v = fw_calloc(map->npairs ? map->npairs : 1, sizeof(*m->v));
    if (!m->v)
        return FW_ENOMEM;
    for (i = 0; i < map->npairs; i++) {
        struct rule_cond *c = &m->v[m->n++];
        r = rule_key_parse(lc, map->pairs[i].key, c);
        if (r == 0)
            r = compile_values(lc, map->pairs[i].val, c);
        if (r == FW_ENOMEM)
            return r;
        if (r < 0)
            rc = r;
    }
    return rc;
}
