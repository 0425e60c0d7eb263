/* rules/rule_diag.h: diagnostics in gcc style, shared by rules and config.
 *
 * Every problem found in a YAML file (rule or config) is collected here as
 * FILE:LINE:COL: error|warning: text [CODE] so one run reports all of them.
 * Lines and columns are 1-based, as editors count. A list belongs to one thread.
 */
#ifndef RULE_DIAG_H
#define RULE_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum rule_diag_level {
    RULE_DIAG_ERROR = 0,
    RULE_DIAG_WARNING,
};

struct rule_diag {
    char *file;             /* owned */
    unsigned line, col;     /* 1-based; 0 when unknown */
    enum rule_diag_level level;
    char code[8];           /* stable code, e.g. "E003"; "" for none */
    char *msg;              /* owned */
};

struct rule_diags {
    struct rule_diag *v;    /* owned array */
    size_t n, cap;
    size_t errors, warnings;
};

void rule_diags_init(struct rule_diags *d);
void rule_diags_free(struct rule_diags *d);
/* Append one diagnostic; formatting failures are ignored (best effort). */
void rule_diags_add(struct rule_diags *d, const char *file, unsigned line, unsigned col,
                    enum rule_diag_level level, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* "FILE:LINE:COL: error: text [CODE]\n" for each, in order added. */
void rule_diags_print(const struct rule_diags *d, FILE *out);
/* Same lines into buf (truncated to len); returns buf. */
char *rule_diags_format(const struct rule_diags *d, char *buf, size_t len);
/* JSON array of {"file","line","column","severity","code","message"}. */
void rule_diags_print_json(const struct rule_diags *d, FILE *out);

#endif
