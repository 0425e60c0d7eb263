/* rules/rule_cli.c: `finwatch rules lint|test|explain`.
 *
 * lint   loads the given paths exactly as the sensor would and prints every
 *        diagnostic; exit 1 when any is an error.
 * test   re-executes this binary as `finwatch sensor -r PCAP --rules RULES
 *        --no-redis --alerts TMP -q` (FW_BIN overrides the binary, for tests),
 *        reads the alert JSON lines back and compares, per (rule, blamed ip),
 *        the number of distinct alert ids with the expectation file.
 * explain finds one alert in an alerts JSON lines file and prints its rule,
 *        what matched, the reason and the score it added.
 * Alert lines are read with fw_json: only the fields needed are picked out, by
 * dotted path; a malformed line yields no fields, so it is skipped, never trusted.
 */
#include "rule_cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fw_alloc.h"
#include "fw_config.h"
#include "fw_json.h"
#include "fw_time.h"
#include "rule_int.h"

#define EXIT_USAGE 2
#define LINE_MAX_LEN (64u << 10)

/* ---- alert JSON lines (fw_json) ---- */

/* A value as text for tallies and display: a string with its escapes kept (a
 * packet's \u001b must reach the terminal as six characters, not as ESC), any
 * other value as written (explain prints evidence objects as they are). False,
 * out "", when it does not fit. */
static bool span_text(const struct fw_json_span *v, char *out, size_t olen)
{
    out[0] = '\0';
    if (v->type == FW_JSON_STRING)
        return fw_json_span_escaped(v, out, olen) == 0;
    if (v->len >= olen)
        return false;
    memcpy(out, v->p, v->len);
    out[v->len] = '\0';
    return true;
}

/* The member at a dotted path ("rule.id") of one alert line as span_text();
 * "" when absent, too long, or the line is not one well-formed JSON object. */
static char *json_str(const char *js, size_t len, const char *path, char *out, size_t olen)
{
    struct fw_json_span v;

    out[0] = '\0';
    if (fw_json_get(js, len, path, &v) == 0)
        span_text(&v, out, olen);
    return out;
}

/* ---- lint ---- */

static const char lint_usage[] =
    "usage: finwatch rules lint [--format text|json] [PATH...]\n"
    "Check rule files (default: rules/detections) and print FILE:LINE:COL diagnostics.\n"
    "Exit 0 when clean or warnings only, 1 on errors, 2 on usage errors.\n";

static int cmd_lint(int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dflt[] = {"rules/detections"}, *const *paths;
    bool json = false;
    struct rule_diags d;
    struct rule_set *rs;
    size_t n;
    int opt;

    optind = 0;     /* GNU: full reinitialisation, callers may have used getopt */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(lint_usage, stdout);
            return 0;
        }
        if (opt != 'f' || (strcmp(optarg, "json") != 0 && strcmp(optarg, "text") != 0)) {
            fputs(lint_usage, stderr);
            return EXIT_USAGE;
        }
        json = strcmp(optarg, "json") == 0;
    }
    paths = optind < argc ? (const char *const *)argv + optind : dflt;
    n = optind < argc ? (size_t)(argc - optind) : 1;
    rule_diags_init(&d);
    rs = rule_set_load(paths, n, fw_time_now_us(), &d);
    if (json) {
        rule_diags_print_json(&d, stdout);
    } else {
        rule_diags_print(&d, stdout);
        printf("%zu rules, %zu errors, %zu warnings\n", rule_set_count(rs), d.errors,
               d.warnings);
    }
    n = d.errors;
    rule_diags_free(&d);
    rule_set_free(rs);
    return n ? 1 : 0;
}

/* ---- test ---- */

struct tally {
    char rule[48];
    char key[FW_IP_STRLEN];
    char **ids;
    size_t n, cap;
    bool expected;              /* an expectation covered it */
};

struct tallies {
    struct tally *v;
    size_t n, cap;
};

static struct tally *tally_get(struct tallies *t, const char *rule, const char *key)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->v[i].rule, rule) == 0 && strcmp(t->v[i].key, key) == 0)
            return &t->v[i];
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 32;
        struct tally *v = fw_reallocarray(t->v, cap, sizeof(*v));
        if (!v)
            return NULL;
        t->v = v;
        t->cap = cap;
    }
    memset(&t->v[t->n], 0, sizeof(t->v[0]));
    snprintf(t->v[t->n].rule, sizeof(t->v[0].rule), "%s", rule);
    snprintf(t->v[t->n].key, sizeof(t->v[0].key), "%s", key);
    return &t->v[t->n++];
}

static void tally_add_id(struct tally *t, const char *id)
{
    size_t i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->ids[i], id) == 0)
            return;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 8;
        char **v = fw_reallocarray(t->ids, cap, sizeof(*v));
        if (!v)
            return;
        t->ids = v;
        t->cap = cap;
    }
    if ((t->ids[t->n] = fw_strdup(id)))
        t->n++;
}

static void tallies_free(struct tallies *t)
{
    size_t i, j;

    for (i = 0; i < t->n; i++) {
        for (j = 0; j < t->v[i].n; j++)
            fw_free(t->v[i].ids[j]);
        fw_free(t->v[i].ids);
    }
    fw_free(t->v);
}

/* Rule by id in a loaded set, or NULL. */
static const struct rule *set_find(const struct rule_set *rs, const char *id)
{
    size_t i;

    for (i = 0; rs && i < rs->n; i++)
        if (strcmp(rs->rules[i]->meta.id, id) == 0)
            return rs->rules[i];
    return NULL;
}

/* One alert line into the tallies: (rule id, blamed ip) -> distinct alert ids. */
static void tally_line(struct tallies *t, const struct rule_set *rs, const char *line,
                       size_t len)
{
    char rule[48], id[32], ip[FW_IP_STRLEN];
    const struct rule *r;
    struct tally *x;

    json_str(line, len, "rule.id", rule, sizeof(rule));
    json_str(line, len, "event.id", id, sizeof(id));
    if (!rule[0] || !id[0])
        return;
    /* The record says whom it blamed; older records: the rule's blame. */
    r = set_find(rs, rule);
    json_str(line, len, "finwatch.blame", ip, sizeof(ip));
    bool dst = ip[0] ? strcmp(ip, "destination") == 0 : (r && r->blame == ANZ_BLAME_DST);
    json_str(line, len, dst ? "destination.ip" : "source.ip", ip, sizeof(ip));
    x = tally_get(t, rule, ip[0] ? ip : "-");
    if (x)
        tally_add_id(x, id);
}

static int read_alerts(const char *path, struct tallies *t, const struct rule_set *rs)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    if (!f)
        return -1;
    while ((n = getline(&line, &cap, f)) > 0)
        if ((size_t)n < LINE_MAX_LEN)
            tally_line(t, rs, line, (size_t)n);
    free(line);
    fclose(f);
    return 0;
}

/* Run the sensor on pcap with the rules; alerts into out. Exit status of the sensor. */
static int run_sensor(const char *rules, const char *pcap, const char *config, const char *out)
{
    const char *bin = getenv("FW_BIN") ? getenv("FW_BIN") : "/proc/self/exe";
    const char *args[16] = {"finwatch", "sensor", "-r", pcap, "--rules", rules, "--no-redis",
                            "--alerts", out, "-q"};
    size_t n = 10;
    int st;
    pid_t pid;

    if (config) {
        args[n++] = "-c";
        args[n++] = config;
    }
    args[n] = NULL;
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execv(bin, (char *const *)args);
        _exit(127);
    }
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static size_t count_for(struct tallies *t, const char *rule, const char *key)
{
    size_t i, n = 0;

    for (i = 0; i < t->n; i++) {
        if (strcmp(t->v[i].rule, rule) != 0 || (strcmp(key, "*") && strcmp(t->v[i].key, key)))
            continue;
        t->v[i].expected = true;
        n += t->v[i].n;
    }
    return n;
}

/* Compare expectations line by line; returns mismatches. */
static int compare(FILE *exp, struct tallies *t, const struct rule_set *rs, FILE *out)
{
    char line[512], rule[64], key[64];
    unsigned long want;
    size_t got, i;
    int bad = 0;

    fprintf(out, "--- expected\n+++ actual\n");
    while (fgets(line, sizeof(line), exp)) {
        if (line[0] == '#' || sscanf(line, "%63s %63s %lu", rule, key, &want) != 3)
            continue;
        got = count_for(t, rule, key);
        if (got == want) {
            fprintf(out, " %s %s %lu\n", rule, key, want);
            continue;
        }
        fprintf(out, "-%s %s %lu\n+%s %s %zu\n", rule, key, want, rule, key, got);
        bad++;
    }
    for (i = 0; i < t->n; i++) {
        if (t->v[i].expected)
            continue;
        if (!set_find(rs, t->v[i].rule)) {
            fprintf(out, "# ignored (rule not in the tested set): %s %s %zu\n", t->v[i].rule,
                    t->v[i].key, t->v[i].n);
            continue;
        }
        fprintf(out, "+%s %s %zu\n", t->v[i].rule, t->v[i].key, t->v[i].n);
        bad++;
    }
    return bad;
}

static const char test_usage[] =
    "usage: finwatch rules test RULES --pcap FILE --expect FILE [--config FILE]\n"
    "Run the sensor on FILE with the rules at RULES and compare its alerts with the\n"
    "expectations: one line per \"RULE_ID KEY COUNT\" (KEY = blamed ip or *, COUNT =\n"
    "distinct alert ids; \"RULE_ID * 0\" = must not fire; '#' starts a comment).\n"
    "Prints a diff (- expected, + actual); exit 0 match, 1 mismatch, 2 usage.\n";

static int test_run(const char *rules, const char *pcap, const char *expect,
                    const char *config)
{
    char tmp[] = "/tmp/fw-rules-test.XXXXXX";
    struct tallies t = {0};
    struct rule_diags d;
    struct rule_set *rs;
    FILE *exp;
    int fd, rc = 1, st;

    rule_diags_init(&d);
    rs = rule_set_load(&rules, 1, fw_time_now_us(), &d);
    rule_diags_print(&d, stderr);
    rule_diags_free(&d);
    if (!rs)
        return 1;
    exp = fopen(expect, "r");
    fd = mkstemp(tmp);
    if (!exp || fd < 0) {
        fprintf(stderr, "finwatch rules test: cannot open %s\n", !exp ? expect : tmp);
        goto out;
    }
    close(fd);
    st = run_sensor(rules, pcap, config, tmp);
    if (st != 0) {
        fprintf(stderr, "finwatch rules test: sensor failed on %s (status %d)\n", pcap, st);
    } else if (read_alerts(tmp, &t, rs) == 0) {
        int bad = compare(exp, &t, rs, stdout);
        printf("%s: %d mismatch%s\n", bad ? "FAIL" : "ok", bad, bad == 1 ? "" : "es");
        rc = bad ? 1 : 0;
    }
    unlink(tmp);
out:
    if (exp)
        fclose(exp);
    tallies_free(&t);
    rule_set_free(rs);
    return rc;
}

static int cmd_test(int argc, char **argv)
{
    static const struct option opts[] = {
        {"pcap", required_argument, NULL, 'p'}, {"expect", required_argument, NULL, 'e'},
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *pcap = NULL, *expect = NULL, *config = NULL;
    int opt;

    optind = 0;     /* GNU: full reinitialisation, callers may have used getopt */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "p:e:c:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'h': fputs(test_usage, stdout); return 0;
        case 'p': pcap = optarg; break;
        case 'e': expect = optarg; break;
        case 'c': config = optarg; break;
        default:  fputs(test_usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || !pcap || !expect) {
        fputs(test_usage, stderr);
        return EXIT_USAGE;
    }
    return test_run(argv[optind], pcap, expect, config);
}

/* ---- explain ---- */

static const char explain_usage[] =
    "usage: finwatch rules explain ALERT_ID|--last [--alerts FILE] [--config FILE]\n"
    "                              [--rules PATH]\n"
    "Show why an alert fired: the rule (id, title, file:line), what matched, the\n"
    "reason, the score it added and the blamed host's score contributions. The alerts\n"
    "file defaults to output.alerts of the config (configs/finwatch.yaml).\n";

struct explain_opts {
    const char *id;             /* NULL with --last */
    const char *alerts, *config, *rules;
};

/* The last well-formed line of path whose event.id is id (or that has one);
 * caller frees. */
static char *find_alert(const char *path, const char *id)
{
    FILE *f = fopen(path, "r");
    char *line = NULL, *best = NULL, got[32];
    size_t cap = 0;
    ssize_t n;

    if (!f)
        return NULL;
    while ((n = getline(&line, &cap, f)) > 0) {
        if ((size_t)n >= LINE_MAX_LEN || line[0] != '{')
            continue;
        json_str(line, (size_t)n, "event.id", got, sizeof(got));
        if (!got[0] || (id && strcmp(got, id) != 0))   /* "": not a whole alert line */
            continue;
        fw_free(best);
        best = fw_strdup(line);
    }
    free(line);
    fclose(f);
    return best;
}

/* Sized from the span: a span_text() is never longer than the value as written. */
static void print_field(const char *label, const char *line, const char *path)
{
    struct fw_json_span v;
    char *s;

    if (fw_json_get(line, strlen(line), path, &v) != 0 || !(s = fw_malloc(v.len + 1)))
        return;
    if (span_text(&v, s, v.len + 1) && s[0])
        printf("%-10s %s\n", label, s);
    fw_free(s);
}

/* Other alerts in the file that blamed the same host: its score contributions.
 * Only new alerts add points (updates of a running alert add none), so update
 * lines are left out; points are as added, before decay. */
static void print_contributions(const char *path, const char *ip)
{
    FILE *f = fopen(path, "r");
    char *line = NULL, who[FW_IP_STRLEN], rule[48], score[32], ts[40], upd[16], blame[16];
    size_t cap = 0, shown = 0;
    ssize_t n;

    if (!f)
        return;
    printf("contributions to %s (new alerts in this file, points before decay):\n", ip);
    while ((n = getline(&line, &cap, f)) > 0) {
        if ((size_t)n >= LINE_MAX_LEN)
            continue;
        json_str(line, (size_t)n, "finwatch.updates", upd, sizeof(upd));
        if (upd[0] && strcmp(upd, "0") != 0)
            continue;
        json_str(line, (size_t)n, "finwatch.blame", blame, sizeof(blame));
        json_str(line, (size_t)n,
                 strcmp(blame, "destination") == 0 ? "destination.ip" : "source.ip", who,
                 sizeof(who));
        if (strcmp(who, ip) != 0)
            continue;
        json_str(line, (size_t)n, "rule.id", rule, sizeof(rule));
        json_str(line, (size_t)n, "finwatch.score", score, sizeof(score));
        json_str(line, (size_t)n, "@timestamp", ts, sizeof(ts));
        printf("  %s  %-20s +%s\n", ts, rule, score[0] ? score : "?");
        shown++;
    }
    if (!shown)
        printf("  (none)\n");
    free(line);
    fclose(f);
}

static void print_rule(const struct explain_opts *o, const char *rule_id)
{
    const char *dflt[] = {"rules/detections"};
    const char *const *paths = o->rules ? &o->rules : dflt;
    struct rule_diags d;
    struct rule_set *rs;
    const struct rule *r;

    rule_diags_init(&d);
    rs = rule_set_load(paths, 1, fw_time_now_us(), &d);
    r = set_find(rs, rule_id);
    if (r) {
        printf("rule       %s \"%s\" (%s:%u)\n", r->meta.id, r->meta.title, r->meta.file,
               r->meta.line);
        if (r->meta.description[0])
            printf("about      %s\n", r->meta.description);
    } else {
        printf("rule       %s (not found in %s)\n", rule_id, paths[0]);
    }
    rule_diags_free(&d);
    rule_set_free(rs);
}

static int explain_run(const struct explain_opts *o, const char *alerts)
{
    char rule[48], ip[FW_IP_STRLEN];
    char *line = find_alert(alerts, o->id);

    if (!line) {
        fprintf(stderr, "finwatch rules explain: %s not found in %s\n",
                o->id ? o->id : "an alert", alerts);
        return 1;
    }
    print_field("alert", line, "event.id");
    print_field("time", line, "@timestamp");
    json_str(line, strlen(line), "rule.id", rule, sizeof(rule));
    print_rule(o, rule);
    print_field("analyzer", line, "finwatch.analyzer");
    print_field("severity", line, "event.severity");
    print_field("mode", line, "finwatch.mode");
    print_field("reason", line, "event.reason");
    print_field("source", line, "source.ip");
    print_field("dest", line, "destination.ip");
    print_field("matched", line, "finwatch.evidence");
    print_field("score", line, "finwatch.score");
    print_field("host score", line, "finwatch.host_score");
    json_str(line, strlen(line), "finwatch.blame", rule, sizeof(rule));
    json_str(line, strlen(line), strcmp(rule, "destination") == 0 ? "destination.ip"
                                                                  : "source.ip", ip, sizeof(ip));
    if (ip[0])
        print_contributions(alerts, ip);
    fw_free(line);
    return 0;
}

/* Alerts path: --alerts, else output.alerts of the config. */
static int explain_alerts_path(const struct explain_opts *o, char *out, size_t len)
{
    struct fw_config cfg;
    char err[1024];
    const char *path = o->config ? o->config : "configs/finwatch.yaml";
    int rc = 0;

    if (o->alerts) {
        snprintf(out, len, "%s", o->alerts);
        return 0;
    }
    if (fw_config_defaults(&cfg) < 0)
        return -1;
    if ((o->config || access(path, R_OK) == 0) &&
        fw_config_load(&cfg, path, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s", err);
        rc = -1;
    } else if (!cfg.alerts_path[0] || strcmp(cfg.alerts_path, "-") == 0) {
        fprintf(stderr, "finwatch rules explain: no output.alerts file in %s; use --alerts\n",
                path);
        rc = -1;
    } else {
        snprintf(out, len, "%s", cfg.alerts_path);
    }
    fw_config_free(&cfg);
    return rc;
}

static int cmd_explain(int argc, char **argv)
{
    static const struct option opts[] = {
        {"last", no_argument, NULL, 'l'},       {"alerts", required_argument, NULL, 'a'},
        {"config", required_argument, NULL, 'c'}, {"rules", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    struct explain_opts o = {0};
    bool last = false;
    char alerts[512];
    int opt;

    optind = 0;     /* GNU: full reinitialisation, callers may have used getopt */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "la:c:r:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'h': fputs(explain_usage, stdout); return 0;
        case 'l': last = true; break;
        case 'a': o.alerts = optarg; break;
        case 'c': o.config = optarg; break;
        case 'r': o.rules = optarg; break;
        default:  fputs(explain_usage, stderr); return EXIT_USAGE;
        }
    }
    if (last == (optind < argc) || optind + 1 < argc) {
        fputs(explain_usage, stderr);
        return EXIT_USAGE;
    }
    o.id = last ? NULL : argv[optind];
    if (explain_alerts_path(&o, alerts, sizeof(alerts)) < 0)
        return 1;
    return explain_run(&o, alerts);
}

static const char rules_usage[] =
    "usage: finwatch rules lint|test|explain [--help]\n"
    "  lint [--format text|json] [PATH...]     check rule files\n"
    "  test RULES --pcap FILE --expect FILE    run rules on a capture, compare alerts\n"
    "  explain ALERT_ID|--last [--alerts FILE] why an alert fired\n";

int rule_cli_main(int argc, char **argv)
{
    if (argc < 1 || !argv[0]) {
        fputs(rules_usage, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0) {
        fputs(rules_usage, stdout);
        return 0;
    }
    if (strcmp(argv[0], "lint") == 0)
        return cmd_lint(argc, argv);
    if (strcmp(argv[0], "test") == 0)
        return cmd_test(argc, argv);
    if (strcmp(argv[0], "explain") == 0)
        return cmd_explain(argc, argv);
    fprintf(stderr, "finwatch rules: unknown subcommand '%s'\n%s", argv[0], rules_usage);
    return EXIT_USAGE;
}
