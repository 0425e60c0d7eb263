/* tests/fuzz/fuzz_rules.c: libFuzzer harness for the rule loader, compiler and matcher.
 *
 * Any bytes are parsed as a rule file (rule_yaml_load_buf), every document goes
 * through the schema walker and compiler (rule_parse_doc), and every rule that
 * compiles is evaluated on a fixed flow event, with and without aggregation
 * state, and on a fixed alert (the event of "event: alert" rules). Nothing may
 * crash, leak or read out of bounds; every diagnostic must carry a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "rule_int.h"

static void check_diags(const struct rule_diags *d)
{
    size_t i;

    for (i = 0; i < d->n; i++)
        if (!d->v[i].msg)
            __builtin_trap();
}

static void sink(void *ctx, const struct anz_alert *a)
{
    if (a->id[16] != '\0' || strnlen(a->evidence, sizeof(a->evidence)) == sizeof(a->evidence))
        __builtin_trap();
    (*(size_t *)ctx)++;
}

/* The alert event rule_set_eval_alert builds, around an alert of the flow e. */
static void eval_alert(const struct rule *r, struct rule_state *st, const struct flow_evt *e)
{
    static struct rule_alert_evt ae;
    static struct anz_alert a;
    struct rule_ctx ctx = {"branch", "swift", "s1"};
    size_t n = 0;

    memset(&a, 0, sizeof(a));
    memcpy(a.id, "00000000000000a1", 17);
    memcpy(a.rule_id, "FW-A", 5);
    a.severity = 80;
    a.src = e->rec.src;
    a.dst = e->rec.dst;
    a.dport = 22;
    memset(&ae, 0, sizeof(ae));
    ae.alert = &a;
    ae.evt.type = RULE_EVT_ALERT;
    ae.evt.ts_us = 99000000ull;
    ae.evt.rec.src = a.src;
    ae.evt.rec.dst = a.dst;
    ae.evt.rec.dport = 22;
    if (r->type == RULE_T_MATCH)
        rule_eval_one(r, st, &ae.evt, &ctx, sink, &n);
}

static void eval(const struct rule *r, struct rule_state *st)
{
    static const uint8_t s[4] = {10, 20, 0, 1}, d[4] = {10, 10, 0, 9};
    static struct flow_evt e;
    struct rule_ctx ctx = {"branch", "core-banking", "s1"};
    size_t n = 0;
    int k;

    memset(&e, 0, sizeof(e));
    fw_ip_set4(&e.rec.src, s);
    fw_ip_set4(&e.rec.dst, d);
    e.rec.dport = 22;
    e.rec.proto = 6;
    e.rec.ndpi_risk = ~0ull;
    memcpy(e.rec.ndpi_proto, "SSH", 4);
    memcpy(e.rec.tls.server_name, "a.example.com", 14);
    for (k = 0; k < 4; k++) {
        e.type = (uint8_t)k;
        e.ts_us = 1000000ull * (uint64_t)(k * 17);
        if (r->type == RULE_T_MATCH)
            rule_eval_one(r, st, &e, &ctx, sink, &n);
        (void)rule_accepts(r, &e, &ctx);
        (void)rule_excepted(r, &e, &ctx);
    }
    eval_alert(r, st, &e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rule_lctx lc = {.file = "fuzz.yaml", .now_us = 1780272000000000ull};
    struct rule_yfile *yf = NULL;
    struct rule_state *st = rule_state_create(8);
    struct rule_diags d;
    size_t i;

    rule_diags_init(&d);
    lc.diags = &d;
    (void)rule_yaml_load_buf("fuzz.yaml", (const char *)data, size, &yf, &d);
    for (i = 0; yf && i < yf->ndocs; i++) {
        struct rule *r;
        if (!yf->docs[i])
            continue;
        r = rule_parse_doc(&lc, yf->docs[i]);
        if (r)
            eval(r, st);
        rule_free(r);
    }
    check_diags(&d);
    rule_yaml_free(yf);
    rule_diags_free(&d);
    rule_state_destroy(st);
    return 0;
}
