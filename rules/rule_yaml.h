/* rules/rule_yaml.h: YAML files as trees with line and column marks.
 *
 * The only module that includes <yaml.h>. It parses a file (or buffer) with
 * libyaml's event API into a small tree of maps, sequences and scalars, each
 * with the 1-based line and column where it starts, and adds what libyaml
 * does not check: duplicate keys in a map are errors, anchors/aliases and
 * non-scalar keys are refused. A file holds one or more documents ("---").
 * The rule loader and the config loader both walk this tree.
 * Trees are owned by the caller (rule_yaml_free); no global state; any thread.
 */
#ifndef RULE_YAML_H
#define RULE_YAML_H

#include <stdbool.h>
#include <stddef.h>

#include "rule_diag.h"

enum rule_ynode_kind {
    RULE_Y_SCALAR = 0,
    RULE_Y_MAP,
    RULE_Y_SEQ,
};

struct rule_ynode;

struct rule_ypair {
    struct rule_ynode *key;         /* always a scalar */
    struct rule_ynode *val;
};

struct rule_ynode {
    enum rule_ynode_kind kind;
    unsigned line, col;             /* 1-based start of the node */
    /* RULE_Y_SCALAR */
    char *str;                      /* NUL-terminated; may hold NUL bytes, see len */
    size_t len;
    bool plain;                     /* unquoted: "null", "true", "12" may be typed */
    /* RULE_Y_MAP */
    struct rule_ypair *pairs;
    size_t npairs;
    /* RULE_Y_SEQ */
    struct rule_ynode **items;
    size_t nitems;
};

struct rule_yfile {
    char *path;                     /* as given */
    struct rule_ynode **docs;       /* one root per document; an empty document is NULL */
    size_t ndocs;
};

/* Parse a file. On a YAML syntax error or duplicate key, adds diagnostics
 * (code E001 syntax, E002 duplicate key, E014 unsupported alias/anchor) and returns
 * FW_EPARSE; *out is still set to what was parsed (may be partial) or NULL.
 * FW_ENOENT/FW_EIO when the file cannot be read (also reported in diags). */
int rule_yaml_load_file(const char *path, struct rule_yfile **out, struct rule_diags *diags);
/* Same over a buffer; path is used in messages only. */
int rule_yaml_load_buf(const char *path, const char *buf, size_t len, struct rule_yfile **out,
                       struct rule_diags *diags);
void rule_yaml_free(struct rule_yfile *f);

/* Helpers for schema walkers. */
struct rule_ynode *rule_ynode_map_get(const struct rule_ynode *map, const char *key);
/* Plain scalar "null", "~" or empty. */
bool rule_ynode_is_null(const struct rule_ynode *n);
/* Plain scalar true/false (also yes/no, on/off per YAML 1.1). 0 or FW_EINVAL. */
int rule_ynode_bool(const struct rule_ynode *n, bool *v);
/* Integer scalar (decimal, optional sign); range-checked. 0 or FW_EINVAL. */
int rule_ynode_int(const struct rule_ynode *n, long long min, long long max, long long *v);
/* Number scalar (integer or decimal). 0 or FW_EINVAL. */
int rule_ynode_double(const struct rule_ynode *n, double *v);
const char *rule_ynode_kind_name(enum rule_ynode_kind k);
/* "libyaml 0.2.5" */
const char *rule_yaml_lib_version(void);

#endif
