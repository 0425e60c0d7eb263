/* tests/rules/test_rule_yaml.c: the YAML tree loader (rules/rule_yaml.c).
 *
 * Marks are asserted exactly (line:col, 1-based), because every rule and
 * config message a user sees points through them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fw_err.h"
#include "rule_yaml.h"

/* Parse a NUL-terminated buffer; diags stay in *d for the test to inspect. */
static int load(const char *text, struct rule_yfile **f, struct rule_diags *d)
{
    rule_diags_init(d);
    return rule_yaml_load_buf("t.yaml", text, strlen(text), f, d);
}

static void assert_mark(const struct rule_ynode *n, unsigned line, unsigned col)
{
    assert_non_null(n);
    assert_int_equal(n->line, line);
    assert_int_equal(n->col, col);
}

static void assert_diag(const struct rule_diags *d, size_t i, unsigned line, unsigned col,
                        const char *code, const char *msg_part)
{
    assert_true(i < d->n);
    assert_int_equal(d->v[i].line, line);
    assert_int_equal(d->v[i].col, col);
    assert_string_equal(d->v[i].code, code);
    if (!strstr(d->v[i].msg, msg_part))
        fail_msg("diag '%s' lacks '%s'", d->v[i].msg, msg_part);
}

static void test_nested_marks(void **state)
{
    static const char text[] =
        "a: 1\n"
        "b:\n"
        "  - x\n"
        "  - \"y\"\n"
        "  - {c: d, e: [1, 2]}\n";
    struct rule_yfile *f;
    struct rule_diags d;
    const struct rule_ynode *root, *b, *m, *e;

    (void)state;
    assert_int_equal(load(text, &f, &d), 0);
    assert_int_equal(d.n, 0);
    assert_int_equal(f->ndocs, 1);
    root = f->docs[0];
    assert_int_equal(root->kind, RULE_Y_MAP);
    assert_int_equal(root->npairs, 2);
    assert_mark(root->pairs[0].val, 1, 4);
    b = rule_ynode_map_get(root, "b");
    assert_int_equal(b->kind, RULE_Y_SEQ);
    assert_int_equal(b->nitems, 3);
    assert_mark(b, 3, 3);                       /* the first '-' */
    assert_mark(b->items[1], 4, 5);             /* quoted: the quote */
    assert_string_equal(b->items[1]->str, "y");
    m = b->items[2];
    assert_int_equal(m->kind, RULE_Y_MAP);
    assert_mark(m, 5, 5);                       /* the '{' */
    e = rule_ynode_map_get(m, "e");
    assert_int_equal(e->kind, RULE_Y_SEQ);
    assert_mark(e, 5, 15);
    assert_mark(e->items[1], 5, 19);
    assert_string_equal(e->items[1]->str, "2");
    assert_null(rule_ynode_map_get(m, "zz"));
    assert_null(rule_ynode_map_get(b, "x"));    /* not a map */
    rule_yaml_free(f);
    rule_diags_free(&d);
}

static void test_duplicate_key(void **state)
{
    struct rule_yfile *f;
    struct rule_diags d;
    char buf[256];

    (void)state;
    assert_int_equal(load("a: 1\nb:\n  c: 2\n  c: 3\n'a': 4\n", &f, &d), FW_EPARSE);
    assert_int_equal(d.errors, 2);
    assert_diag(&d, 0, 4, 3, "E002", "duplicate key 'c' (first at line 3)");
    assert_diag(&d, 1, 5, 1, "E002", "duplicate key 'a' (first at line 1)");
    rule_diags_format(&d, buf, sizeof(buf));
    assert_string_equal(buf, "t.yaml:4:3: error: duplicate key 'c' (first at line 3) [E002]\n"
                             "t.yaml:5:1: error: duplicate key 'a' (first at line 1) [E002]\n");
    /* The tree keeps the first value only. */
    assert_non_null(f);
    assert_int_equal(f->docs[0]->npairs, 2);
    assert_string_equal(rule_ynode_map_get(f->docs[0], "a")->str, "1");
    rule_yaml_free(f);
    rule_diags_free(&d);
}

/* A big map switches to the hashed key index; duplicates must still be found. */
static void test_duplicate_key_big_map(void **state)
{
    char text[4096];
    size_t off = 0;
    struct rule_yfile *f;
    struct rule_diags d;
    int i;

    (void)state;
    for (i = 0; i < 100; i++)
        off += (size_t)snprintf(text + off, sizeof(text) - off, "k%d: %d\n", i, i);
    snprintf(text + off, sizeof(text) - off, "k37: again\nk99: again\n");
    assert_int_equal(load(text, &f, &d), FW_EPARSE);
    assert_int_equal(d.n, 2);
    assert_diag(&d, 0, 101, 1, "E002", "duplicate key 'k37' (first at line 38)");
    assert_diag(&d, 1, 102, 1, "E002", "duplicate key 'k99' (first at line 100)");
    assert_int_equal(f->docs[0]->npairs, 100);
    rule_yaml_free(f);
    rule_diags_free(&d);
}

static void test_syntax_error(void **state)
{
    struct rule_yfile *f;
    struct rule_diags d;

    (void)state;
    assert_int_equal(load("a: [1, 2\nb: 3\n", &f, &d), FW_EPARSE);
    assert_int_equal(d.errors, 1);
    assert_diag(&d, 0, 2, 2, "E001", "did not find expected ',' or ']'");
    rule_yaml_free(f);
    rule_diags_free(&d);

    assert_int_equal(load("ok: 1\nbad: x\n\tc: 2\n", &f, &d), FW_EPARSE);
    assert_diag(&d, 0, 3, 1, "E001", "tab");
    rule_yaml_free(f);
    rule_diags_free(&d);

    /* Reader errors have no mark, only an offset: still placed right. */
    assert_int_equal(load("a: 1\nb: \"\x01\"\n", &f, &d), FW_EPARSE);
    assert_diag(&d, 0, 2, 5, "E001", "control characters");
    rule_yaml_free(f);
    rule_diags_free(&d);
}

static void test_quoted_vs_plain(void **state)
{
    struct rule_yfile *f;
    struct rule_diags d;
    const struct rule_ynode *r;
    long long v;
    bool b;

    (void)state;
    assert_int_equal(load("p: 12\nq: '12'\nt: !!str true\nn: \"a\\0b\"\nu: yes\n", &f, &d), 0);
    r = f->docs[0];
    assert_true(rule_ynode_map_get(r, "p")->plain);
    assert_false(rule_ynode_map_get(r, "q")->plain);
    assert_int_equal(rule_ynode_int(rule_ynode_map_get(r, "p"), 0, 100, &v), 0);
    assert_int_equal(v, 12);
    assert_int_equal(rule_ynode_int(rule_ynode_map_get(r, "q"), 0, 100, &v), FW_EINVAL);
    assert_int_equal(rule_ynode_bool(rule_ynode_map_get(r, "t"), &b), FW_EINVAL);
    assert_int_equal(rule_ynode_bool(rule_ynode_map_get(r, "u"), &b), 0);
    assert_true(b);
    assert_int_equal(rule_ynode_map_get(r, "n")->len, 3);    /* embedded NUL kept */
    assert_memory_equal(rule_ynode_map_get(r, "n")->str, "a\0b", 3);
    rule_yaml_free(f);
    rule_diags_free(&d);
}

static void test_multi_doc_and_empty(void **state)
{
    struct rule_yfile *f;
    struct rule_diags d;

    (void)state;
    assert_int_equal(load("", &f, &d), 0);
    assert_int_equal(f->ndocs, 0);
    rule_yaml_free(f);
    rule_diags_free(&d);

    assert_int_equal(load("# only a comment\n", &f, &d), 0);
    assert_int_equal(f->ndocs, 0);
    rule_yaml_free(f);
    rule_diags_free(&d);

    assert_int_equal(load("id: A\n---\n---\nid: B\n...\n", &f, &d), 0);
    assert_int_equal(f->ndocs, 3);
    assert_string_equal(rule_ynode_map_get(f->docs[0], "id")->str, "A");
    assert_null(f->docs[1]);                    /* empty document */
    assert_mark(f->docs[2], 4, 1);
    assert_string_equal(rule_ynode_map_get(f->docs[2], "id")->str, "B");
    rule_yaml_free(f);
    rule_diags_free(&d);

    /* Keys may repeat across documents. */
    assert_int_equal(load("a: 1\n---\na: 2\n", &f, &d), 0);
    assert_int_equal(d.n, 0);
    rule_yaml_free(f);
    rule_diags_free(&d);
}

static void test_deep_nesting_refused(void **state)
{
    char text[300];
    struct rule_yfile *f;
    struct rule_diags d;

    (void)state;
    memset(text, '[', 100);
    memset(text + 100, ']', 100);
    text[200] = '\0';
    assert_int_equal(load(text, &f, &d), FW_EPARSE);
    assert_int_equal(d.errors, 1);
    assert_diag(&d, 0, 1, 65, "E001", "nesting deeper than 64");
    rule_yaml_free(f);
    rule_diags_free(&d);

    /* 64 levels exactly are fine. */
    memset(text, '[', 64);
    memset(text + 64, ']', 64);
    text[128] = '\0';
    assert_int_equal(load(text, &f, &d), 0);
    rule_yaml_free(f);
    rule_diags_free(&d);
}

static void test_anchor_alias_refused(void **state)
{
    struct rule_yfile *f;
    struct rule_diags d;

    (void)state;
    assert_int_equal(load("a: &x [1]\nb: *x\nc: ok\n", &f, &d), FW_EPARSE);
    assert_int_equal(d.errors, 2);
    assert_diag(&d, 0, 1, 4, "E014", "anchors");
    assert_diag(&d, 1, 2, 4, "E014", "aliases");
    assert_string_equal(rule_ynode_map_get(f->docs[0], "c")->str, "ok");
    rule_yaml_free(f);
    rule_diags_free(&d);
}

static void test_non_scalar_key(void **state)
{
    struct rule_yfile *f;
    struct rule_diags d;

    (void)state;
    assert_int_equal(load("? [k]\n: v\nz: {[1]: 2}\n", &f, &d), FW_EPARSE);
    assert_int_equal(d.errors, 2);
    assert_diag(&d, 0, 1, 3, "E014", "mapping keys must be scalars");
    assert_diag(&d, 1, 3, 5, "E014", "mapping keys must be scalars");
    assert_int_equal(f->docs[0]->npairs, 1);
    assert_int_equal(rule_ynode_map_get(f->docs[0], "z")->npairs, 0);
    rule_yaml_free(f);
    rule_diags_free(&d);
}

static void test_size_limit(void **state)
{
    size_t len = (16u << 20) + 1;
    char *big = calloc(1, len);
    struct rule_yfile *f;
    struct rule_diags d;

    (void)state;
    assert_non_null(big);
    memset(big, '#', len);
    rule_diags_init(&d);
    assert_int_equal(rule_yaml_load_buf("big.yaml", big, len, &f, &d), FW_EPARSE);
    assert_null(f);
    assert_diag(&d, 0, 1, 1, "E001", "larger than 16 MiB");
    rule_diags_free(&d);
    free(big);
}

/* One flat list of a million and one items: refused, no matter how flat. */
static void test_node_limit(void **state)
{
    size_t n = 1000001, len = 2 * n + 2, i;
    char *text = malloc(len + 1);
    struct rule_yfile *f;
    struct rule_diags d;

    (void)state;
    assert_non_null(text);
    text[0] = '[';
    for (i = 0; i < n; i++) {
        text[1 + 2 * i] = '0';
        text[2 + 2 * i] = ',';
    }
    text[len - 1] = ']';
    text[len] = '\0';
    assert_int_equal(load(text, &f, &d), FW_EPARSE);
    assert_int_equal(d.errors, 1);
    assert_diag(&d, 0, 1, 2 * 999999 + 2, "E001", "too many YAML nodes");
    rule_yaml_free(f);
    rule_diags_free(&d);
    free(text);
}

static void test_load_file(void **state)
{
    char path[] = "/tmp/test_rule_yaml.XXXXXX";
    struct rule_yfile *f;
    struct rule_diags d;
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x: [a, b]\n", 10), 10);
    close(fd);
    rule_diags_init(&d);
    assert_int_equal(rule_yaml_load_file(path, &f, &d), 0);
    assert_string_equal(f->path, path);
    assert_int_equal(rule_ynode_map_get(f->docs[0], "x")->nitems, 2);
    rule_yaml_free(f);
    unlink(path);
    assert_int_equal(rule_yaml_load_file(path, &f, &d), FW_ENOENT);
    assert_null(f);
    assert_int_equal(d.errors, 1);
    assert_non_null(strstr(d.v[0].msg, "cannot open"));
    rule_diags_free(&d);
}

static void test_scalar_helpers(void **state)
{
    struct rule_yfile *f;
    struct rule_diags d;
    const struct rule_ynode *r;
    long long v;
    double x;
    bool b;

    (void)state;
    assert_int_equal(load("n1: null\nn2: ~\nn3:\nn4: 'null'\nb: Off\ni1: -42\ni2: 012\n"
                          "i3: 99999999999999999999\ni4: 1.5\nd1: 2.5e3\nd2: .nan\nd3: 7\n",
                          &f, &d), 0);
    r = f->docs[0];
    assert_true(rule_ynode_is_null(rule_ynode_map_get(r, "n1")));
    assert_true(rule_ynode_is_null(rule_ynode_map_get(r, "n2")));
    assert_true(rule_ynode_is_null(rule_ynode_map_get(r, "n3")));
    assert_false(rule_ynode_is_null(rule_ynode_map_get(r, "n4")));
    assert_false(rule_ynode_is_null(rule_ynode_map_get(r, "b")));
    assert_int_equal(rule_ynode_bool(rule_ynode_map_get(r, "b"), &b), 0);
    assert_false(b);
    assert_int_equal(rule_ynode_bool(rule_ynode_map_get(r, "i1"), &b), FW_EINVAL);
    assert_int_equal(rule_ynode_int(rule_ynode_map_get(r, "i1"), -100, 100, &v), 0);
    assert_int_equal(v, -42);
    assert_int_equal(rule_ynode_int(rule_ynode_map_get(r, "i1"), 0, 100, &v), FW_EINVAL);
    assert_int_equal(rule_ynode_int(rule_ynode_map_get(r, "i2"), 0, 100, &v), FW_EINVAL);
    assert_int_equal(rule_ynode_int(rule_ynode_map_get(r, "i3"), 0, INT64_MAX, &v), FW_EINVAL);
    assert_int_equal(rule_ynode_int(rule_ynode_map_get(r, "i4"), 0, 100, &v), FW_EINVAL);
    assert_int_equal(rule_ynode_int(r, 0, 100, &v), FW_EINVAL);         /* a map */
    assert_int_equal(rule_ynode_double(rule_ynode_map_get(r, "d1"), &x), 0);
    assert_true(x == 2500.0);
    assert_int_equal(rule_ynode_double(rule_ynode_map_get(r, "d3"), &x), 0);
    assert_true(x == 7.0);
    assert_int_equal(rule_ynode_double(rule_ynode_map_get(r, "d2"), &x), FW_EINVAL);
    assert_string_equal(rule_ynode_kind_name(RULE_Y_MAP), "mapping");
    assert_string_equal(rule_ynode_kind_name(RULE_Y_SEQ), "list");
    rule_yaml_free(f);
    rule_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nested_marks),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_duplicate_key_big_map),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_quoted_vs_plain),
        cmocka_unit_test(test_multi_doc_and_empty),
        cmocka_unit_test(test_deep_nesting_refused),
        cmocka_unit_test(test_anchor_alias_refused),
        cmocka_unit_test(test_non_scalar_key),
        cmocka_unit_test(test_size_limit),
        cmocka_unit_test(test_node_limit),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_scalar_helpers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
