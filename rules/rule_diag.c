/* rules/rule_diag.c: collecting and printing gcc-style diagnostics. */
#include "rule_diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fw_alloc.h"
#include "fw_buf.h"

void rule_diags_init(struct rule_diags *d)
{
    memset(d, 0, sizeof(*d));
}

void rule_diags_free(struct rule_diags *d)
{
    size_t i;

    for (i = 0; i < d->n; i++) {
        fw_free(d->v[i].file);
        fw_free(d->v[i].msg);
    }
    fw_free(d->v);
    rule_diags_init(d);
}

void rule_diags_add(struct rule_diags *d, const char *file, unsigned line, unsigned col,
                    enum rule_diag_level level, const char *code, const char *fmt, ...)
{
    struct rule_diag *x;
    char msg[1024];
    va_list ap;

    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        struct rule_diag *v = fw_reallocarray(d->v, cap, sizeof(*v));
        if (!v)
            return;
        d->v = v;
        d->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    x = &d->v[d->n];
    memset(x, 0, sizeof(*x));
    x->file = fw_strdup(file ? file : "<input>");
    x->msg = fw_strdup(msg);
    if (!x->file || !x->msg) {
        fw_free(x->file);
        fw_free(x->msg);
        return;
    }
    x->line = line;
    x->col = col;
    x->level = level;
    snprintf(x->code, sizeof(x->code), "%s", code ? code : "");
    d->n++;
    if (level == RULE_DIAG_ERROR)
        d->errors++;
    else
        d->warnings++;
}

static void diag_line(const struct rule_diag *x, struct fw_buf *b)
{
    fw_buf_printf(b, "%s:%u:%u: %s: %s", x->file, x->line, x->col,
                  x->level == RULE_DIAG_ERROR ? "error" : "warning", x->msg);
    if (x->code[0])
        fw_buf_printf(b, " [%s]", x->code);
    fw_buf_putc(b, '\n');
}

void rule_diags_print(const struct rule_diags *d, FILE *out)
{
    struct fw_buf b;
    size_t i;

    fw_buf_init(&b);
    for (i = 0; i < d->n; i++)
        diag_line(&d->v[i], &b);
    if (b.len)
        fwrite(b.data, 1, b.len, out);
    fw_buf_free(&b);
}

char *rule_diags_format(const struct rule_diags *d, char *buf, size_t len)
{
    struct fw_buf b;
    size_t i;

    if (!len)
        return buf;
    fw_buf_init(&b);
    for (i = 0; i < d->n; i++)
        diag_line(&d->v[i], &b);
    snprintf(buf, len, "%s", b.data ? b.data : "");
    fw_buf_free(&b);
    return buf;
}

void rule_diags_print_json(const struct rule_diags *d, FILE *out)
{
    struct fw_buf b;
    size_t i;

    fw_buf_init(&b);
    fw_buf_putc(&b, '[');
    for (i = 0; i < d->n; i++) {
        const struct rule_diag *x = &d->v[i];

        if (i)
            fw_buf_putc(&b, ',');
        fw_buf_putc(&b, '{');
        fw_buf_json_kv_str(&b, "file", x->file);
        fw_buf_json_kv_u64(&b, "line", x->line);
        fw_buf_json_kv_u64(&b, "column", x->col);
        fw_buf_json_kv_str(&b, "severity", x->level == RULE_DIAG_ERROR ? "error" : "warning");
        fw_buf_json_kv_str(&b, "code", x->code);
        fw_buf_json_kv_str(&b, "message", x->msg);
        fw_buf_putc(&b, '}');
    }
    fw_buf_puts(&b, "]\n");
    fwrite(b.data, 1, b.len, out);
    fw_buf_free(&b);
}
