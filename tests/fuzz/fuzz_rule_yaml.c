/* tests/fuzz/fuzz_rule_yaml.c: libFuzzer harness for the YAML tree loader.
 *
 * Any bytes go in; the loader must return 0 or a negative FW_E* code, never
 * crash or leak, and every node it returns must carry a 1-based mark. The
 * walk also exercises the typed helpers on every scalar.
 */
#include <stddef.h>
#include <stdint.h>

#include "rule_yaml.h"

static void walk(const struct rule_ynode *n)
{
    long long v;
    double x;
    bool b;
    size_t i;

    if (!n)
        return;
    if (n->line == 0 || n->col == 0)
        __builtin_trap();
    if (n->kind == RULE_Y_SCALAR) {
        (void)rule_ynode_is_null(n);
        (void)rule_ynode_bool(n, &b);
        (void)rule_ynode_int(n, INT64_MIN, INT64_MAX, &v);
        (void)rule_ynode_double(n, &x);
        return;
    }
    for (i = 0; i < n->npairs; i++) {
        if (n->pairs[i].key->kind != RULE_Y_SCALAR)
            __builtin_trap();
        (void)rule_ynode_map_get(n, n->pairs[i].key->str);
        walk(n->pairs[i].val);
    }
    for (i = 0; i < n->nitems; i++)
        walk(n->items[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rule_diags d;
    struct rule_yfile *f = NULL;
    size_t i;

    rule_diags_init(&d);
    if (rule_yaml_load_buf("fuzz.yaml", (const char *)data, size, &f, &d) > 0)
        __builtin_trap();
    for (i = 0; f && i < f->ndocs; i++)
        walk(f->docs[i]);
    rule_yaml_free(f);
    rule_diags_free(&d);
    return 0;
}
