/* sensor/fw_json.c: the dotted-path JSON reader (RFC 8259, one object per
 * text). Contract in fw_json.h.
 *
 * One recursive-descent pass validates the whole text and, on the way, notes
 * the span of the member the path names. Recursion is bounded by
 * FW_JSON_DEPTH_MAX; every byte is read through struct fw_rd, whose failure is
 * sticky, so a short text ends every loop. Strings are read by one function
 * whose output (a "sink") either drops the bytes, compares them with a path
 * segment or decodes them into a buffer, so keys and values unescape alike.
 */
#include "fw_json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fw_err.h"
#include "fw_rd.h"

_Static_assert(sizeof(long long) == sizeof(int64_t), "strtoll covers int64_t");

/* ------------------------------------------------------------------ sinks */

/* Where decoded string bytes go: out set = into out[0..cap), NUL kept room for;
 * cmp set = compared with cmp[0..cap); neither = dropped. */
struct sink {
    char *out;
    const char *cmp;
    size_t cap;
    size_t n;                   /* bytes written (out) or seen (cmp) */
    bool mismatch;              /* cmp: the decoded bytes differ from cmp */
    bool overflow;              /* out: a byte did not fit */
};

static void sink_put(struct sink *s, uint8_t c)
{
    if (s->out) {
        if (s->cap - s->n < 2) {
            s->overflow = true;
            return;
        }
        s->out[s->n] = (char)c;
    } else if (s->cmp && (s->n >= s->cap || (uint8_t)s->cmp[s->n] != c)) {
        s->mismatch = true;
    }
    s->n++;
}

/* A code point as UTF-8; a lone surrogate becomes U+FFFD. */
static void sink_utf8(struct sink *s, uint32_t cp)
{
    if (cp >= 0xd800 && cp <= 0xdfff)
        cp = 0xfffd;
    if (cp < 0x80) {
        sink_put(s, (uint8_t)cp);
    } else if (cp < 0x800) {
        sink_put(s, (uint8_t)(0xc0 | cp >> 6));
        sink_put(s, (uint8_t)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        sink_put(s, (uint8_t)(0xe0 | cp >> 12));
        sink_put(s, (uint8_t)(0x80 | (cp >> 6 & 0x3f)));
        sink_put(s, (uint8_t)(0x80 | (cp & 0x3f)));
    } else {
        sink_put(s, (uint8_t)(0xf0 | cp >> 18));
        sink_put(s, (uint8_t)(0x80 | (cp >> 12 & 0x3f)));
        sink_put(s, (uint8_t)(0x80 | (cp >> 6 & 0x3f)));
        sink_put(s, (uint8_t)(0x80 | (cp & 0x3f)));
    }
}

/* ---------------------------------------------------------------- lexing */

static void ws(struct fw_rd *rd)
{
    int c;

    while ((c = fw_rd_peek(rd, 0)) == ' ' || c == '\t' || c == '\r' || c == '\n')
        fw_rd_skip(rd, 1);
}

/* Skip whitespace, then take c if it is next. */
static bool accept(struct fw_rd *rd, int c)
{
    ws(rd);
    if (fw_rd_peek(rd, 0) != c)
        return false;
    fw_rd_skip(rd, 1);
    return true;
}

static int hex4(struct fw_rd *rd, uint32_t *v)
{
    int i, c;

    *v = 0;
    for (i = 0; i < 4; i++) {
        c = fw_rd_u8(rd);
        if (fw_rd_failed(rd))
            return FW_EPARSE;
        if (c >= '0' && c <= '9')
            *v = *v << 4 | (uint32_t)(c - '0');
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            *v = *v << 4 | (uint32_t)((c | 0x20) - 'a' + 10);
        else
            return FW_EPARSE;
    }
    return 0;
}

/* After "\u": four hex digits, joined with a following \uDC00-\uDFFF when they
 * are a high surrogate. */
static int read_uescape(struct fw_rd *rd, struct sink *s)
{
    struct fw_rd ahead;
    uint32_t hi, lo;

    if (hex4(rd, &hi) != 0)
        return FW_EPARSE;
    if (hi >= 0xd800 && hi <= 0xdbff && fw_rd_peek(rd, 0) == '\\' && fw_rd_peek(rd, 1) == 'u') {
        ahead = *rd;
        fw_rd_skip(&ahead, 2);
        if (hex4(&ahead, &lo) != 0)
            return FW_EPARSE;
        if (lo >= 0xdc00 && lo <= 0xdfff) {
            *rd = ahead;
            sink_utf8(s, 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00));
            return 0;
        }
    }
    sink_utf8(s, hi);       /* a lone surrogate: U+FFFD; the next escape stays its own */
    return 0;
}

/* After a backslash. */
static int read_escape(struct fw_rd *rd, struct sink *s)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    uint8_t c = fw_rd_u8(rd);
    const char *p;

    if (fw_rd_failed(rd))
        return FW_EPARSE;
    if (c == 'u')
        return read_uescape(rd, s);
    p = memchr(from, c, sizeof(from) - 1);
    if (!p)
        return FW_EPARSE;
    sink_put(s, (uint8_t)to[p - from]);
    return 0;
}

/* A string; rd sits on its opening quote. Raw bytes >= 0x20 pass as they are
 * (UTF-8 is not checked: the writer already made it valid). */
static int read_string(struct fw_rd *rd, struct sink *s)
{
    uint8_t c = fw_rd_u8(rd);

    if (fw_rd_failed(rd) || c != '"')
        return FW_EPARSE;
    for (;;) {
        c = fw_rd_u8(rd);
        if (fw_rd_failed(rd) || c < 0x20)
            return FW_EPARSE;
        if (c == '"')
            return 0;
        if (c != '\\')
            sink_put(s, c);
        else if (read_escape(rd, s) != 0)
            return FW_EPARSE;
    }
}

static size_t skip_digits(struct fw_rd *rd)
{
    size_t n = 0;
    int c;

    while ((c = fw_rd_peek(rd, 0)) >= '0' && c <= '9') {
        fw_rd_skip(rd, 1);
        n++;
    }
    return n;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int read_number(struct fw_rd *rd)
{
    int c;

    if (fw_rd_peek(rd, 0) == '-')
        fw_rd_skip(rd, 1);
    if (fw_rd_peek(rd, 0) == '0')
        fw_rd_skip(rd, 1);
    else if (skip_digits(rd) == 0)
        return FW_EPARSE;
    if (fw_rd_peek(rd, 0) == '.') {
        fw_rd_skip(rd, 1);
        if (skip_digits(rd) == 0)
            return FW_EPARSE;
    }
    c = fw_rd_peek(rd, 0);
    if (c == 'e' || c == 'E') {
        fw_rd_skip(rd, 1);
        c = fw_rd_peek(rd, 0);
        if (c == '+' || c == '-')
            fw_rd_skip(rd, 1);
        if (skip_digits(rd) == 0)
            return FW_EPARSE;
    }
    return 0;
}

static int read_literal(struct fw_rd *rd, const char *word)
{
    size_t n = strlen(word);
    const uint8_t *p = fw_rd_ptr(rd, n);

    return p && memcmp(p, word, n) == 0 ? 0 : FW_EPARSE;
}

/* --------------------------------------------------------------- parsing */

static int parse_object(struct fw_rd *rd, int depth, const char *path, struct fw_json_span *hit);

static int parse_array(struct fw_rd *rd, int depth);

/* Any value; path (or NULL) is passed on to an object, other values ignore it. */
static int parse_value(struct fw_rd *rd, int depth, const char *path, struct fw_json_span *hit)
{
    struct sink drop = {0};

    ws(rd);
    switch (fw_rd_peek(rd, 0)) {
    case '{': return parse_object(rd, depth + 1, path, hit);
    case '[': return parse_array(rd, depth + 1);
    case '"': return read_string(rd, &drop);
    case 't': return read_literal(rd, "true");
    case 'f': return read_literal(rd, "false");
    case 'n': return read_literal(rd, "null");
    default:  return read_number(rd);       /* also the end of the text: no digit */
    }
}

static enum fw_json_type type_of(uint8_t c)
{
    switch (c) {
    case '"': return FW_JSON_STRING;
    case '{': return FW_JSON_OBJECT;
    case '[': return FW_JSON_ARRAY;
    case 't':
    case 'f': return FW_JSON_BOOL;
    case 'n': return FW_JSON_NULL;
    default:  return FW_JSON_NUMBER;
    }
}

/* The value of a member; rest is what is left of the path after this key:
 * NULL (not on the path), "" (this is the value wanted) or ".more". */
static int parse_member(struct fw_rd *rd, int depth, const char *rest, struct fw_json_span *hit)
{
    size_t start;
    int rc;

    if (!rest || *rest == '.')
        return parse_value(rd, depth, rest ? rest + 1 : NULL, hit);
    ws(rd);
    start = fw_rd_off(rd);
    rc = parse_value(rd, depth, NULL, hit);
    if (rc == 0) {
        hit->p = (const char *)rd->base + start;
        hit->len = fw_rd_off(rd) - start;
        hit->type = type_of(rd->base[start]);
    }
    return rc;
}

static size_t seg_len(const char *path)
{
    const char *dot = strchr(path, '.');

    return dot ? (size_t)(dot - path) : strlen(path);
}

/* An object; rd sits on '{'. With a path, the first member whose key equals the
 * path's first segment is followed; every member is checked either way. */
static int parse_object(struct fw_rd *rd, int depth, const char *path, struct fw_json_span *hit)
{
    size_t seg = path ? seg_len(path) : 0;
    bool taken = false, same;
    struct sink key;

    if (depth > FW_JSON_DEPTH_MAX)
        return FW_EPARSE;
    fw_rd_skip(rd, 1);
    if (accept(rd, '}'))
        return 0;
    do {
        key = (struct sink){.cmp = path, .cap = seg};
        ws(rd);
        if (read_string(rd, &key) != 0 || !accept(rd, ':'))
            return FW_EPARSE;
        same = path && !taken && !key.mismatch && key.n == seg;
        taken = taken || same;                  /* duplicate keys: the first wins */
        if (parse_member(rd, depth, same ? path + seg : NULL, hit) != 0)
            return FW_EPARSE;
    } while (accept(rd, ','));
    return accept(rd, '}') ? 0 : FW_EPARSE;
}

/* An array; rd sits on '['. Paths never enter arrays. */
static int parse_array(struct fw_rd *rd, int depth)
{
    if (depth > FW_JSON_DEPTH_MAX)
        return FW_EPARSE;
    fw_rd_skip(rd, 1);
    if (accept(rd, ']'))
        return 0;
    do {
        if (parse_value(rd, depth, NULL, NULL) != 0)
            return FW_EPARSE;
    } while (accept(rd, ','));
    return accept(rd, ']') ? 0 : FW_EPARSE;
}

int fw_json_get(const char *json, size_t len, const char *path, struct fw_json_span *v)
{
    struct fw_rd rd;
    int rc;

    if (!v)
        return FW_EINVAL;
    memset(v, 0, sizeof(*v));
    if ((!json && len) || !path || !*path)
        return FW_EINVAL;
    fw_rd_init(&rd, (const uint8_t *)json, len);
    ws(&rd);
    rc = fw_rd_peek(&rd, 0) == '{' ? parse_object(&rd, 1, path, v) : FW_EPARSE;
    ws(&rd);
    if (rc != 0 || fw_rd_left(&rd) != 0) {
        memset(v, 0, sizeof(*v));
        return FW_EPARSE;
    }
    return v->p ? 0 : FW_ENOENT;
}

bool fw_json_valid(const char *json, size_t len)
{
    struct fw_rd rd;

    if (!json && len)
        return false;
    fw_rd_init(&rd, (const uint8_t *)json, len);
    if (parse_value(&rd, 0, NULL, NULL) != 0)
        return false;
    ws(&rd);
    return !fw_rd_failed(&rd) && fw_rd_left(&rd) == 0;
}

/* ----------------------------------------------------------------- spans */

/* out = "" and the sanity checks every string function shares. */
static int str_start(const struct fw_json_span *v, char *out, size_t outlen, struct fw_rd *rd)
{
    if (!out || outlen == 0)
        return FW_ENOMEM;
    out[0] = '\0';
    if (!v || v->type != FW_JSON_STRING || !v->p)
        return FW_EINVAL;
    fw_rd_init(rd, (const uint8_t *)v->p, v->len);
    return 0;
}

/* Close a string written through s: NUL-terminate, or "" and the error. */
static int str_finish(struct sink *s, int rc)
{
    if (rc == 0 && s->overflow)
        rc = FW_ENOMEM;
    s->out[rc == 0 ? s->n : 0] = '\0';
    return rc;
}

int fw_json_span_str(const struct fw_json_span *v, char *out, size_t outlen)
{
    struct sink s = {.out = out, .cap = outlen};
    struct fw_rd rd;
    int rc = str_start(v, out, outlen, &rd);

    if (rc != 0)
        return rc;
    return str_finish(&s, read_string(&rd, &s));
}

int fw_json_span_escaped(const struct fw_json_span *v, char *out, size_t outlen)
{
    struct sink s = {.out = out, .cap = outlen};
    struct fw_rd rd;
    uint8_t c, e;
    int rc = str_start(v, out, outlen, &rd);

    if (rc != 0 || fw_rd_u8(&rd) != '"')
        return rc != 0 ? rc : FW_EPARSE;
    while ((c = fw_rd_u8(&rd)) != '"' && !fw_rd_failed(&rd) && c >= 0x20) {
        if (c != '\\') {
            sink_put(&s, c);
            continue;
        }
        e = fw_rd_u8(&rd);
        if (e != '"' && e != '\\' && e != '/')
            sink_put(&s, '\\');                 /* kept: it names a control or code point */
        sink_put(&s, e);
    }
    return str_finish(&s, c == '"' && !fw_rd_failed(&rd) ? 0 : FW_EPARSE);
}

/* A number's text, NUL-terminated, for the strto*() family. */
static int number_text(const struct fw_json_span *v, char *buf, size_t cap)
{
    if (!v || v->type != FW_JSON_NUMBER || !v->p || v->len == 0 || v->len >= cap)
        return FW_EINVAL;
    memcpy(buf, v->p, v->len);
    buf[v->len] = '\0';
    return 0;
}

int fw_json_span_i64(const struct fw_json_span *v, int64_t *out)
{
    char buf[32], *end;
    long long x;

    if (number_text(v, buf, sizeof(buf)) != 0)
        return FW_EINVAL;
    errno = 0;
    x = strtoll(buf, &end, 10);         /* a fraction or exponent leaves *end set */
    if (errno != 0 || *end)
        return FW_EINVAL;
    *out = (int64_t)x;
    return 0;
}

int fw_json_span_u64(const struct fw_json_span *v, uint64_t *out)
{
    char buf[32], *end;
    unsigned long long x;

    if (number_text(v, buf, sizeof(buf)) != 0 || buf[0] == '-')
        return FW_EINVAL;
    errno = 0;
    x = strtoull(buf, &end, 10);
    if (errno != 0 || *end)
        return FW_EINVAL;
    *out = (uint64_t)x;
    return 0;
}

int fw_json_span_double(const struct fw_json_span *v, double *out)
{
    char buf[128], *end;
    double x;

    if (number_text(v, buf, sizeof(buf)) != 0)
        return FW_EINVAL;
    x = strtod(buf, &end);
    if (*end || !isfinite(x))
        return FW_EINVAL;
    *out = x;
    return 0;
}

int fw_json_span_bool(const struct fw_json_span *v, bool *out)
{
    if (!v || v->type != FW_JSON_BOOL || !v->p || v->len == 0)
        return FW_EINVAL;
    *out = v->p[0] == 't';
    return 0;
}

/* ------------------------------------------------------ path + conversion */

int fw_json_get_str(const char *json, size_t len, const char *path, char *out, size_t outlen)
{
    struct fw_json_span v;
    int rc = fw_json_get(json, len, path, &v);

    if (rc != 0) {
        if (out && outlen)
            out[0] = '\0';
        return rc;
    }
    return fw_json_span_str(&v, out, outlen);
}

int fw_json_get_escaped(const char *json, size_t len, const char *path, char *out,
                        size_t outlen)
{
    struct fw_json_span v;
    int rc = fw_json_get(json, len, path, &v);

    if (rc != 0) {
        if (out && outlen)
            out[0] = '\0';
        return rc;
    }
    return fw_json_span_escaped(&v, out, outlen);
}

int fw_json_get_i64(const char *json, size_t len, const char *path, int64_t *out)
{
    struct fw_json_span v;
    int rc = fw_json_get(json, len, path, &v);

    return rc != 0 ? rc : fw_json_span_i64(&v, out);
}

int fw_json_get_u64(const char *json, size_t len, const char *path, uint64_t *out)
{
    struct fw_json_span v;
    int rc = fw_json_get(json, len, path, &v);

    return rc != 0 ? rc : fw_json_span_u64(&v, out);
}

int fw_json_get_double(const char *json, size_t len, const char *path, double *out)
{
    struct fw_json_span v;
    int rc = fw_json_get(json, len, path, &v);

    return rc != 0 ? rc : fw_json_span_double(&v, out);
}

int fw_json_get_bool(const char *json, size_t len, const char *path, bool *out)
{
    struct fw_json_span v;
    int rc = fw_json_get(json, len, path, &v);

    return rc != 0 ? rc : fw_json_span_bool(&v, out);
}
