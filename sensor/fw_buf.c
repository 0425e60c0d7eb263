/* sensor/fw_buf.c: growable buffer and JSON escaping. */
#include "fw_buf.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fw_buf_init(struct fw_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void fw_buf_free(struct fw_buf *b)
{
    free(b->data);
    fw_buf_init(b);
}

void fw_buf_reset(struct fw_buf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->data)
        b->data[0] = '\0';
}

static bool buf_reserve(struct fw_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (b->failed)
        return false;
    if (extra > SIZE_MAX - b->len - 1)
        goto fail;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            goto fail;
        cap *= 2;
    }
    p = realloc(b->data, cap);
    if (!p)
        goto fail;
    b->data = p;
    b->cap = cap;
    return true;
fail:
    b->failed = true;
    return false;
}

void fw_buf_append(struct fw_buf *b, const void *p, size_t n)
{
    if (!buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void fw_buf_puts(struct fw_buf *b, const char *s)
{
    fw_buf_append(b, s, strlen(s));
}

void fw_buf_putc(struct fw_buf *b, char c)
{
    fw_buf_append(b, &c, 1);
}

void fw_buf_printf(struct fw_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    size_t len, i;
    uint32_t cp;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and out-of-range code points are not UTF-8. */
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return len;
}

/* Bytes a JSON string may hold as they are: printable ASCII but '"' and '\\'.
 * Runs of them are copied at once; alert and flow JSON is mostly such runs. */
static bool json_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

void fw_buf_json_strn(struct fw_buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    fw_buf_putc(b, '"');
    while (i < n) {
        unsigned char c = u[i];
        size_t sl, run;

        for (run = i; run < n && json_plain(u[run]); run++)
            ;
        if (run > i) {
            fw_buf_append(b, u + i, run - i);
            i = run;
            continue;
        }
        if (c == '"' || c == '\\') {
            char esc[2] = {'\\', (char)c};
            fw_buf_append(b, esc, 2);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            fw_buf_printf(b, "\\u%04x", c);
            i++;
        } else if ((sl = utf8_seq_len(u + i, n - i)) == 0) {
            fw_buf_printf(b, "\\u%04x", c);     /* a stray byte, shown as Latin-1 */
            i++;
        } else if (sl == 3 && c == 0xe2 && u[i + 1] == 0x80 && (u[i + 2] & 0xfe) == 0xa8) {
            /* U+2028/U+2029 are valid JSON but end a line in JavaScript: a dashboard
             * that evals or inlines a record must not be split by a packet's bytes */
            fw_buf_printf(b, "\\u%04x", 0x2028 + (u[i + 2] & 1));
            i += 3;
        } else {
            fw_buf_append(b, u + i, sl);
            i += sl;
        }
    }
    fw_buf_putc(b, '"');
}

void fw_buf_json_str(struct fw_buf *b, const char *s)
{
    fw_buf_json_strn(b, s ? s : "", s ? strlen(s) : 0);
}

void fw_buf_json_key(struct fw_buf *b, const char *key)
{
    char tmp[64];
    size_t n = strlen(key), i;

    if (b->len && b->data[b->len - 1] != '{' && b->data[b->len - 1] != '[')
        fw_buf_putc(b, ',');
    /* keys are the program's own names: one copy of ",\"key\":" when plain */
    for (i = 0; i < n && json_plain((unsigned char)key[i]); i++)
        ;
    if (i == n && n + 3 <= sizeof(tmp)) {
        tmp[0] = '"';
        memcpy(tmp + 1, key, n);
        tmp[n + 1] = '"';
        tmp[n + 2] = ':';
        fw_buf_append(b, tmp, n + 3);
        return;
    }
    fw_buf_json_str(b, key);
    fw_buf_putc(b, ':');
}

void fw_buf_json_kv_str(struct fw_buf *b, const char *key, const char *val)
{
    fw_buf_json_key(b, key);
    fw_buf_json_str(b, val);
}

/* Decimal digits of v, without printf: every record has a dozen integers. */
static void put_u64(struct fw_buf *b, uint64_t v, bool neg)
{
    char tmp[24];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (neg)
        tmp[--i] = '-';
    fw_buf_append(b, tmp + i, sizeof(tmp) - i);
}

void fw_buf_json_kv_u64(struct fw_buf *b, const char *key, uint64_t val)
{
    fw_buf_json_key(b, key);
    put_u64(b, val, false);
}

void fw_buf_json_kv_i64(struct fw_buf *b, const char *key, int64_t val)
{
    fw_buf_json_key(b, key);
    /* magnitude in unsigned arithmetic: -INT64_MIN overflows int64_t */
    put_u64(b, val < 0 ? 0 - (uint64_t)val : (uint64_t)val, val < 0);
}

void fw_buf_json_kv_double(struct fw_buf *b, const char *key, double val)
{
    fw_buf_json_key(b, key);
    if (!isfinite(val))
        val = 0;
    fw_buf_printf(b, "%.6g", val);
}

void fw_buf_json_kv_bool(struct fw_buf *b, const char *key, bool val)
{
    fw_buf_json_key(b, key);
    fw_buf_puts(b, val ? "true" : "false");
}
