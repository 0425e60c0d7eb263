/* dashboard-export/agg_cli.c: `finwatch aggregate`: options, the consumer
 * group loop, and what each ingest entry turns into. Contract in agg_cli.h;
 * keys in docs/redis.md.
 *
 * Order per batch: alert script (exactly once in <prefix>alerts) -> fold into
 * the map and PUBLISH only when the script added it -> merge the sensor into
 * fw:host:<ip> sensors -> map commands -> XACK. A crash anywhere before XACK
 * leaves the entry pending; whoever claims it finds the marker and neither
 * duplicates the alert nor scores it twice, and the map it would have written
 * is rebuilt from <prefix>alerts at start.
 */
#include "agg_cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agg_ingest.h"
#include "agg_map.h"
#include "fw_buf.h"
#include "fw_config.h"
#include "fw_err.h"
#include "fw_log.h"
#include "fw_time.h"
#include "jsonl_record.h"
#include "rdx_conn.h"
#include "rdx_read.h"
#include "rdx_writer.h"

#define AGG_BLOCK_MS 1000               /* XREADGROUP BLOCK: how soon a signal is seen */
#define AGG_DECAY_US (60ull * FW_USEC_PER_SEC)
#define AGG_REBUILD_N 500               /* entries per XRANGE page at start */
#define AGG_REBUILD_CHUNK "500"
#define AGG_SENSORS_CAP "32"            /* sensors listed per host at most */
#define AGG_FIELDS_MAX (RDX_ENTRY_MAX_ARGS / 2)
#define AGG_ARGS_MAX (8 + 2 * AGG_FIELDS_MAX)
#define AGG_ID_MAX 48                   /* stream entry ids: "<ms>-<seq>" */

/* KEYS[1] host hash; ARGV[1] sensor, ARGV[2] TTL, ARGV[3] cap. Adds the sensor
 * to the hash's `sensors` JSON list (sorted) unless listed; 1 when added. */
static const char agg_sensors_script[] =
    "local cur = redis.call('HGET', KEYS[1], 'sensors')\n"
    "local list = {}\n"
    "if cur then\n"
    "  local ok, v = pcall(cjson.decode, cur)\n"
    "  if ok and type(v) == 'table' then list = v end\n"
    "end\n"
    "for _, s in ipairs(list) do if s == ARGV[1] then return 0 end end\n"
    "if #list >= tonumber(ARGV[3]) then return 0 end\n"
    "table.insert(list, ARGV[1])\n"
    "table.sort(list)\n"
    "redis.call('HSET', KEYS[1], 'sensors', cjson.encode(list))\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[2])\n"
    "return 1\n";

/* GLOBAL: set by the signal handler only. */
static volatile sig_atomic_t agg_stop;

static void on_signal(int sig)
{
    (void)sig;
    agg_stop = 1;
}

struct agg_counts {
    uint64_t entries, added, dup, bad, failed, claimed, rebuilt;
};

struct agg {
    const struct agg_opts *o;
    const struct fw_config *cfg;
    char prefix[32];
    char k_ingest[64], k_alerts[64], k_live[64];
    char maxlen[24], ttl[24], count[16], idle[24];
    char sha_alert[48], sha_sensors[48];
    struct rdx_read *r;
    struct agg_map *map;
    bool ready, rebuilt;
    int emit_rc;                        /* first failure of an emitted map command */
    uint64_t clock_ts, clock_mono;      /* newest alert time and when it was seen */
    uint64_t last_decay, last_claim, claim_every;
    char acks[AGG_COUNT_MAX][AGG_ID_MAX];
    size_t nacks;
    struct fw_buf compact, args;
    struct agg_counts n;
};

/* --------------------------------------------------------------- options */

static const char agg_usage[] =
    "usage: finwatch aggregate [options]\n"
    "\n"
    "Reads the alerts of agent sensors from <prefix>ingest (consumer group\n"
    "'" AGG_GROUP "'), writes each alert once to <prefix>alerts, and keeps the\n"
    "global threat map (fw:map:*, fw:host:*, fw:zone:*, fw:live).\n"
    "\n"
    "  --redis URL          redis://[user:pass@]host:port/db or unix:///path\n"
    "                       (default: redis.url of the config)\n"
    "  --prefix P           key prefix (default: redis.prefix, fw:)\n"
    "  -c, --config FILE    YAML config: redis.*, scoring.half_life, sensor.hosts_max\n"
    "  --consumer NAME      consumer name in the group (default: hostname-pid)\n"
    "  --claim-idle MS      take over entries pending this long at a dead\n"
    "                       consumer (default 30000)\n"
    "  --count N            entries per read, 1..10000 (default 100)\n"
    "  --test-stall-after N tests only: after N entries stop acknowledging and wait\n"
    "                       (to be killed)\n"
    "  -v, --verbose        more log output; -q, --quiet: errors only\n"
    "  -h, --help           this help\n"
    "\n"
    "Stops cleanly on SIGINT or SIGTERM (the current batch is finished first).\n";

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
    char *end;
    unsigned long long x;

    if (!s[0] || s[0] < '0' || s[0] > '9')
        return FW_EINVAL;
    x = strtoull(s, &end, 10);
    if (*end || x < lo || x > hi)
        return FW_EINVAL;
    *v = x;
    return 0;
}

static bool name_ok(const char *s, size_t max)
{
    size_t n = strlen(s);

    return n > 0 && n < max && !strpbrk(s, " \t\r\n");
}

static int parse_opt(struct agg_opts *o, int ch, const char *arg, char *err, size_t errlen)
{
    uint64_t v;

    switch (ch) {
    case 'r': o->redis = arg; return 0;
    case 'p': o->prefix = arg; return name_ok(arg, 32) ? 0 : FW_EINVAL;
    case 'c': o->config = arg; return 0;
    case 'v': o->verbosity++; return 0;
    case 'q': o->verbosity--; return 0;
    case 'h': o->help = true; return 0;
    case 'n':
        if (!name_ok(arg, sizeof(o->consumer)))
            break;
        snprintf(o->consumer, sizeof(o->consumer), "%s", arg);
        return 0;
    case 'i': return parse_u64(arg, 1, 86400000ull * 7, &o->claim_idle_ms);
    case 'k':
        if (parse_u64(arg, 1, AGG_COUNT_MAX, &v) != 0)
            break;
        o->count = (unsigned)v;
        return 0;
    case 's': return parse_u64(arg, 1, UINT64_MAX, &o->stall_after);
    default: break;
    }
    (void)err, (void)errlen;
    return FW_EINVAL;
}

static void default_consumer(struct agg_opts *o)
{
    char host[64];

    if (gethostname(host, sizeof(host)) != 0 || !host[0])
        snprintf(host, sizeof(host), "aggregator");
    host[sizeof(host) - 1] = '\0';
    snprintf(o->consumer, sizeof(o->consumer), "%s-%ld", host, (long)getpid());
}

int agg_cli_parse(struct agg_opts *o, int argc, char **argv, char *err, size_t errlen)
{
    static const struct option longopts[] = {
        {"redis", required_argument, NULL, 'r'},    {"prefix", required_argument, NULL, 'p'},
        {"config", required_argument, NULL, 'c'},   {"consumer", required_argument, NULL, 'n'},
        {"claim-idle", required_argument, NULL, 'i'}, {"count", required_argument, NULL, 'k'},
        {"test-stall-after", required_argument, NULL, 's'},
        {"verbose", no_argument, NULL, 'v'},        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    int ch;

    memset(o, 0, sizeof(*o));
    o->claim_idle_ms = AGG_CLAIM_IDLE_MS;
    o->count = AGG_COUNT_DEFAULT;
    default_consumer(o);
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":c:vqh", longopts, NULL)) != -1) {
        if (ch == '?' || ch == ':') {
            snprintf(err, errlen, "%s '%s'", ch == '?' ? "unknown option" :
                     "missing argument for", argv[optind - 1]);
            return FW_EINVAL;
        }
        if (parse_opt(o, ch, optarg, err, errlen) != 0) {
            snprintf(err, errlen, "bad value '%s' for '%s'", optarg ? optarg : "",
                     argv[optind - 1]);
            return FW_EINVAL;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return FW_EINVAL;
    }
    return 0;
}

/* ------------------------------------------------------------------ Redis */

/* Run one command. Transport failures (connection, timeout) are returned and
 * mark the aggregator not ready; an error reply is a success with type ERR. */
static int run_cmd(struct agg *g, struct rdx_val **out, int argc, const char **argv)
{
    int rc = rdx_read_cmd(g->r, out, argc, argv);

    if (rc != 0) {
        if (g->ready)
            fw_log(FW_LOG_WARN, "aggregate: %s", rdx_read_errmsg(g->r));
        g->ready = false;
    }
    return rc;
}

static bool is_err(const struct rdx_val *v, const char *prefix)
{
    return v && v->type == RDX_VAL_ERR && strncmp(v->str, prefix, strlen(prefix)) == 0;
}

/* SCRIPT LOAD text into sha. */
static int load_script(struct agg *g, const char *text, char *sha, size_t shalen)
{
    const char *argv[3] = {"SCRIPT", "LOAD", text};
    struct rdx_val *v;
    int rc = run_cmd(g, &v, 3, argv);

    if (rc != 0)
        return rc;
    rc = v->type == RDX_VAL_STR && v->len < shalen ? 0 : FW_EINVAL;
    if (rc == 0)
        snprintf(sha, shalen, "%s", v->str);
    else
        fw_log(FW_LOG_ERR, "aggregate: SCRIPT LOAD refused: %s", v->str ? v->str : "?");
    rdx_val_free(v);
    return rc;
}

/* EVALSHA, or EVAL when Redis lost the script (restart, SCRIPT FLUSH). argv[0]
 * and argv[1] are overwritten. */
static int eval(struct agg *g, struct rdx_val **out, int argc, const char **argv,
                const char *sha, const char *text)
{
    int rc;

    argv[0] = "EVALSHA", argv[1] = sha;
    rc = run_cmd(g, out, argc, argv);
    if (rc != 0 || !is_err(*out, "NOSCRIPT"))
        return rc;
    rdx_val_free(*out);
    argv[0] = "EVAL", argv[1] = text;
    return run_cmd(g, out, argc, argv);
}

/* An error reply: retriable ones (OOM, LOADING...) stop the batch unacked
 * (FW_EAGAIN); others are logged and the entry is given up (0). */
static int reply_error(struct agg *g, const struct rdx_val *v, const char *what)
{
    if (rdx_err_retriable(v->str, v->len)) {
        fw_log(FW_LOG_WARN, "aggregate: %s: %s (will retry)", what, v->str);
        return FW_EAGAIN;
    }
    g->n.failed++;
    fw_log(FW_LOG_WARN, "aggregate: %s: %s (entry dropped)", what, v->str);
    return 0;
}

/* Write the entry to <prefix>alerts once. *added tells whether this call did. */
static int write_alert(struct agg *g, const struct agg_field *f, size_t n,
                       const struct anz_alert *a, bool *added)
{
    char bucket[96], field[64], ts[40];
    const char *argv[AGG_ARGS_MAX];
    struct rdx_val *v;
    int argc = 0, rc;
    size_t i;

    /* the sensors' marker layout (rdx_writer.c): a hash per UTC day of the
     * alert, field <id>[:u<N>] */
    fw_time_iso(a->ts_us, ts, sizeof(ts));
    snprintf(bucket, sizeof(bucket), "%salerts:seen:%.10s", g->prefix, ts);
    if (a->updates)
        snprintf(field, sizeof(field), "%s:u%u", a->id, a->updates);
    else
        snprintf(field, sizeof(field), "%s", a->id);
    argv[argc++] = "EVALSHA", argv[argc++] = "";
    argv[argc++] = "2", argv[argc++] = g->k_alerts, argv[argc++] = bucket;
    argv[argc++] = g->maxlen, argv[argc++] = g->ttl, argv[argc++] = field;
    for (i = 0; i < n; i++)     /* values are NUL-terminated copies (rdx_val) */
        argv[argc++] = f[i].name, argv[argc++] = f[i].val;
    rc = eval(g, &v, argc, argv, g->sha_alert, rdx_alert_script);
    if (rc != 0)
        return rc;
    *added = v->type == RDX_VAL_STR;
    rc = v->type == RDX_VAL_ERR ? reply_error(g, v, g->k_alerts) : 0;
    rdx_val_free(v);
    return rc;
}

static const struct fw_ip *blamed(const struct anz_alert *a)
{
    const struct fw_ip *who = a->blame == ANZ_BLAME_DST ? &a->dst : &a->src;

    return who->family ? who : NULL;
}

/* fw:host:<ip> sensors += sensor (every entry, added or not: that is how a
 * host seen by two sensors lists both). */
static int merge_sensor(struct agg *g, const struct anz_alert *a, const char *sensor)
{
    char key[96], ip[FW_IP_STRLEN];
    const char *argv[7] = {"EVALSHA", "", "1", key, sensor, NULL, AGG_SENSORS_CAP};
    const struct fw_ip *who = blamed(a);
    struct rdx_val *v;
    int rc;

    if (!who || !sensor[0])
        return 0;
    snprintf(key, sizeof(key), "%shost:%s", g->prefix, fw_ip_str(who, ip, sizeof(ip)));
    argv[5] = g->ttl;
    rc = eval(g, &v, 7, argv, g->sha_sensors, agg_sensors_script);
    if (rc != 0)
        return rc;
    rc = v->type == RDX_VAL_ERR ? reply_error(g, v, key) : 0;
    rdx_val_free(v);
    return rc;
}

/* The map's clock: newest alert time moved on by the wall time since (as in
 * the sensor's exporter). */
static uint64_t map_clock(const struct agg *g)
{
    uint64_t mono = fw_time_mono_us();

    return g->clock_ts + (mono > g->clock_mono ? mono - g->clock_mono : 0);
}

static void fold(struct agg *g, const struct anz_alert *a)
{
    agg_map_alert(g->map, a);
    if (a->ts_us >= g->clock_ts) {
        g->clock_ts = a->ts_us;
        g->clock_mono = fw_time_mono_us();
    }
}

static int publish(struct agg *g, struct anz_alert *a, const char *sensor)
{
    const char *argv[3] = {"PUBLISH", g->k_live, NULL};
    const struct fw_ip *who = blamed(a);
    struct rdx_val *v;
    int rc;

    if (who)                    /* the global score, not the sensor's local one */
        a->host_score = agg_map_host_score(g->map, who, a->ts_us);
    fw_buf_reset(&g->compact);
    jsonl_alert_compact(&g->compact, a, sensor);
    if (g->compact.failed)
        return 0;
    argv[2] = g->compact.data;
    rc = run_cmd(g, &v, 3, argv);
    rdx_val_free(v);
    return rc;
}

/* Fields of an entry's value array (name, value, name, value...). */
static size_t entry_fields(const struct rdx_val *kv, struct agg_field *f)
{
    size_t i, n = 0;

    for (i = 0; i + 1 < kv->n && n < AGG_FIELDS_MAX; i += 2) {
        const struct rdx_val *k = &kv->elem[i], *v = &kv->elem[i + 1];

        if (k->type != RDX_VAL_STR || v->type != RDX_VAL_STR)
            continue;
        f[n++] = (struct agg_field){k->str, k->len, v->str, v->len};
    }
    return n;
}

/* One ingest entry [id, [field, value, ...]]. 0 = done (acknowledge), else
 * stop the batch here and leave the entry pending. */
static int handle_entry(struct agg *g, const struct rdx_val *kv)
{
    struct agg_field f[AGG_FIELDS_MAX];
    char sensor[AGG_SENSOR_MAX];
    struct anz_alert a;
    bool added = false;
    size_t n;
    int rc;

    g->n.entries++;
    if (!kv || kv->type != RDX_VAL_ARR)
        return 0;               /* deleted from the stream while pending: just ack */
    n = entry_fields(kv, f);
    if (agg_entry_decode(f, n, &a, sensor, sizeof(sensor)) != 0) {
        if (g->n.bad++ == 0)
            fw_log(FW_LOG_WARN, "aggregate: %s: malformed entry skipped", g->k_ingest);
        return 0;
    }
    rc = write_alert(g, f, n, &a, &added);
    if (rc != 0)
        return rc;
    if (added) {
        g->n.added++;
        fold(g, &a);
        rc = publish(g, &a, sensor);
    } else {
        g->n.dup++;
    }
    return rc != 0 ? rc : merge_sensor(g, &a, sensor);
}

/* ------------------------------------------------------------------ batches */

/* agg_map_emit callback: arguments may lack a NUL; copy them into g->args. */
static void emit_cmd(void *ctx, int argc, const char **argv, const size_t *lens)
{
    struct agg *g = ctx;
    const char *args[64];
    size_t offs[64], i;
    struct rdx_val *v;

    if (g->emit_rc != 0 || argc > 64)
        return;
    fw_buf_reset(&g->args);
    for (i = 0; i < (size_t)argc; i++) {
        offs[i] = g->args.len;
        fw_buf_append(&g->args, argv[i], lens[i]);
        fw_buf_append(&g->args, "", 1);
    }
    if (g->args.failed)
        return;
    for (i = 0; i < (size_t)argc; i++)
        args[i] = g->args.data + offs[i];
    g->emit_rc = run_cmd(g, &v, argc, args);
    if (g->emit_rc == 0 && v->type == RDX_VAL_ERR)
        fw_log(FW_LOG_WARN, "aggregate: %s %s: %s", args[0], argc > 1 ? args[1] : "", v->str);
    rdx_val_free(v);
}

/* Map commands for what changed; everything again next time if that failed. */
static int emit_map(struct agg *g)
{
    g->emit_rc = 0;
    agg_map_emit(g->map, emit_cmd, g);
    if (g->emit_rc != 0)
        agg_map_resync(g->map);
    return g->emit_rc;
}

static int ack(struct agg *g)
{
    const char *argv[3 + AGG_COUNT_MAX];
    struct rdx_val *v;
    size_t i;
    int rc;

    if (g->nacks == 0)
        return 0;
    argv[0] = "XACK", argv[1] = g->k_ingest, argv[2] = AGG_GROUP;
    for (i = 0; i < g->nacks; i++)
        argv[3 + i] = g->acks[i];
    rc = run_cmd(g, &v, (int)(3 + g->nacks), argv);
    rdx_val_free(v);
    g->nacks = 0;
    return rc;
}

/* Test hook: a consumer that dies mid-batch (entries written, not acked). */
static void stall(struct agg *g)
{
    struct timespec nap = {.tv_sec = 0, .tv_nsec = 100000000L};

    fw_log(FW_LOG_WARN, "aggregate: test stall after %llu entries",
           (unsigned long long)g->o->stall_after);
    emit_map(g);
    while (!agg_stop)
        nanosleep(&nap, NULL);
    _exit(3);                   /* like a crash: nothing acknowledged */
}

/* Entries [[id, fields], ...]: handle, write the map, acknowledge. Returns the
 * number handled, or a negative error (the rest stays pending). */
static int handle_entries(struct agg *g, const struct rdx_val *list)
{
    int rc = 0, done = 0;
    size_t i;

    for (i = 0; list && list->type == RDX_VAL_ARR && i < list->n; i++) {
        const struct rdx_val *id = rdx_val_at(&list->elem[i], 0);

        if (!id || id->type != RDX_VAL_STR || id->len >= AGG_ID_MAX)
            continue;
        rc = handle_entry(g, rdx_val_at(&list->elem[i], 1));
        if (rc != 0)
            break;
        memcpy(g->acks[g->nacks++], id->str, id->len + 1);
        done++;
        if (g->o->stall_after && g->n.entries == g->o->stall_after)
            stall(g);
    }
    if (emit_map(g) == 0 && rc == 0)
        rc = ack(g);
    else
        g->nacks = 0;           /* not acked: they stay pending and come back */
    return rc != 0 ? rc : done;
}

/* XREADGROUP ... STREAMS ingest <from>: ">" for new entries, "0" for our own
 * pending ones (after a reconnect or restart under the same name). */
static int read_group(struct agg *g, const char *from, bool block)
{
    const char *argv[12] = {"XREADGROUP", "GROUP", AGG_GROUP, g->o->consumer, "COUNT",
                            g->count, "STREAMS", g->k_ingest, from};
    const char *blk[12] = {"XREADGROUP", "GROUP", AGG_GROUP, g->o->consumer, "COUNT",
                           g->count, "BLOCK", "1000", "STREAMS", g->k_ingest, from};
    struct rdx_val *v;
    int rc = run_cmd(g, &v, block ? 11 : 9, block ? blk : argv);

    if (rc != 0)
        return rc;
    if (v->type == RDX_VAL_ERR) {
        fw_log(FW_LOG_WARN, "aggregate: XREADGROUP %s: %s", g->k_ingest, v->str);
        rdx_val_free(v);
        return FW_EAGAIN;
    }
    /* [[stream, [entries]]], or nil when BLOCK timed out */
    rc = handle_entries(g, rdx_val_at(rdx_val_at(v, 0), 1));
    rdx_val_free(v);
    return rc;
}

/* Take over entries pending at other (dead) consumers for claim_idle_ms. */
static int claim(struct agg *g)
{
    const char *argv[8] = {"XAUTOCLAIM", g->k_ingest, AGG_GROUP, g->o->consumer, g->idle,
                           NULL, "COUNT", g->count};
    char start[AGG_ID_MAX] = "0-0";
    struct rdx_val *v;
    int rc, loops = 0;

    do {
        argv[5] = start;
        if ((rc = run_cmd(g, &v, 8, argv)) != 0)
            return rc;
        if (v->type == RDX_VAL_ERR) {
            fw_log(FW_LOG_WARN, "aggregate: XAUTOCLAIM %s: %s", g->k_ingest, v->str);
            rdx_val_free(v);
            return FW_EAGAIN;
        }
        rc = handle_entries(g, rdx_val_at(v, 1));
        if (rc > 0)
            g->n.claimed += (uint64_t)rc;
        if (rdx_val_at(v, 0) && rdx_val_at(v, 0)->len < sizeof(start))
            snprintf(start, sizeof(start), "%s", rdx_val_at(v, 0)->str);
        rdx_val_free(v);
    } while (rc >= 0 && strcmp(start, "0-0") != 0 && ++loops < 1000 && !agg_stop);
    return rc < 0 ? rc : 0;
}

/* ------------------------------------------------------------ start, loop */

/* Fold every alert of one XRANGE page; *last gets the last entry id. */
static size_t rebuild_page(struct agg *g, const struct rdx_val *list, char *last, size_t cap)
{
    struct agg_field f[AGG_FIELDS_MAX];
    char sensor[AGG_SENSOR_MAX];
    struct anz_alert a;
    size_t i, n;

    for (i = 0; list && list->type == RDX_VAL_ARR && i < list->n; i++) {
        const struct rdx_val *id = rdx_val_at(&list->elem[i], 0);
        const struct rdx_val *kv = rdx_val_at(&list->elem[i], 1);

        if (!id || id->type != RDX_VAL_STR || id->len >= cap)
            return 0;
        snprintf(last, cap, "%s", id->str);
        if (!kv || kv->type != RDX_VAL_ARR)
            continue;
        n = entry_fields(kv, f);
        if (agg_entry_decode(f, n, &a, sensor, sizeof(sensor)) == 0) {
            fold(g, &a);
            g->n.rebuilt++;
        }
    }
    return list && list->type == RDX_VAL_ARR ? list->n : 0;
}

/* The map is derived from <prefix>alerts (which this aggregator owns): a
 * restart reads it back, so nothing a dead aggregator folded in is lost. */
static int rebuild(struct agg *g)
{
    char start[AGG_ID_MAX + 1] = "-", last[AGG_ID_MAX] = "";
    const char *argv[6] = {"XRANGE", g->k_alerts, start, "+", "COUNT", AGG_REBUILD_CHUNK};
    struct rdx_val *v;
    size_t got;
    int rc;

    do {
        if ((rc = run_cmd(g, &v, 6, argv)) != 0)
            return rc;
        got = rebuild_page(g, v, last, sizeof(last));
        rdx_val_free(v);
        snprintf(start, sizeof(start), "(%s", last);    /* exclusive: Redis >= 6.2 */
    } while (got == AGG_REBUILD_N && !agg_stop);
    agg_map_resync(g->map);
    return 0;
}

/* Group, scripts, (first time) the map, then our own pending entries. */
static int setup(struct agg *g)
{
    const char *argv[6] = {"XGROUP", "CREATE", g->k_ingest, AGG_GROUP, "0", "MKSTREAM"};
    struct rdx_val *v;
    int rc;

    if ((rc = run_cmd(g, &v, 6, argv)) != 0)
        return rc;
    if (v->type == RDX_VAL_ERR && !is_err(v, "BUSYGROUP")) {
        fw_log(FW_LOG_ERR, "aggregate: XGROUP CREATE %s: %s", g->k_ingest, v->str);
        rc = FW_EAGAIN;
    }
    rdx_val_free(v);
    if (rc != 0 || (rc = load_script(g, rdx_alert_script, g->sha_alert,
                                     sizeof(g->sha_alert))) != 0 ||
        (rc = load_script(g, agg_sensors_script, g->sha_sensors, sizeof(g->sha_sensors))) != 0)
        return rc;
    g->ready = true;
    if (!g->rebuilt) {
        if ((rc = rebuild(g)) != 0)
            return rc;
        g->rebuilt = true;
        fw_log(FW_LOG_INFO, "aggregate: map rebuilt from %llu alerts in %s",
               (unsigned long long)g->n.rebuilt, g->k_alerts);
    } else {
        agg_map_resync(g->map);         /* whatever was lost while down */
    }
    while ((rc = read_group(g, "0", false)) > 0 && !agg_stop)
        ;
    return rc < 0 ? rc : 0;
}

static void nap_ms(unsigned ms)
{
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

    nanosleep(&t, NULL);
}

/* One turn: claim when due, read new entries (blocking up to a second), decay. */
static int step(struct agg *g)
{
    uint64_t mono = fw_time_mono_us();
    int rc;

    if (mono - g->last_claim >= g->claim_every) {
        g->last_claim = mono;
        if ((rc = claim(g)) < 0)
            return rc;
    }
    if ((rc = read_group(g, ">", true)) < 0)
        return rc;
    mono = fw_time_mono_us();
    if (g->clock_ts && mono - g->last_decay >= AGG_DECAY_US) {
        g->last_decay = mono;
        agg_map_decay(g->map, map_clock(g));
        return emit_map(g);
    }
    return 0;
}

static void serve(struct agg *g)
{
    unsigned backoff = 250;
    int rc;

    while (!agg_stop) {
        rc = g->ready ? step(g) : setup(g);
        if (rc >= 0 && g->ready) {
            backoff = 250;
            continue;
        }
        if (!g->ready && backoff == 250)
            fw_log(FW_LOG_WARN, "aggregate: %s; retrying", rdx_read_errmsg(g->r));
        nap_ms(backoff);
        backoff = backoff < 16000 ? backoff * 2 : 30000;
    }
}

static void set_keys(struct agg *g)
{
    const struct fw_config *c = g->cfg;
    uint64_t every = g->o->claim_idle_ms * 1000 / 2;

    snprintf(g->prefix, sizeof(g->prefix), "%.31s",
             g->o->prefix ? g->o->prefix : c->redis_prefix[0] ? c->redis_prefix : "fw:");
    snprintf(g->k_ingest, sizeof(g->k_ingest), "%singest", g->prefix);
    snprintf(g->k_alerts, sizeof(g->k_alerts), "%salerts", g->prefix);
    snprintf(g->k_live, sizeof(g->k_live), "%slive", g->prefix);
    snprintf(g->maxlen, sizeof(g->maxlen), "%llu", (unsigned long long)c->stream_maxlen);
    snprintf(g->ttl, sizeof(g->ttl), "%d", RDX_ALERT_TTL_S);
    snprintf(g->count, sizeof(g->count), "%u", g->o->count);
    snprintf(g->idle, sizeof(g->idle), "%llu", (unsigned long long)g->o->claim_idle_ms);
    /* look for dead consumers' entries twice per idle period, 100 ms .. 30 s */
    g->claim_every = every < 100000 ? 100000 : every > 30000000 ? 30000000 : every;
}

static int agg_run(const struct agg_opts *o, const struct fw_config *cfg)
{
    const char *url = o->redis ? o->redis : cfg->redis_url[0] ? cfg->redis_url
                                                              : "redis://127.0.0.1:6379/0";
    struct agg *g = calloc(1, sizeof(*g));
    char err[512];
    int rc = 1;

    if (!g)
        return 1;
    g->o = o;
    g->cfg = cfg;
    set_keys(g);
    fw_buf_init(&g->compact);
    fw_buf_init(&g->args);
    /* reads block up to a second on top of the command timeout */
    g->r = rdx_read_create(url, cfg->redis_timeout_us + 1000000ull * AGG_BLOCK_MS / 1000, err,
                           sizeof(err));
    g->map = agg_map_create(g->prefix, cfg->half_life_us,
                            cfg->hosts_max < 65536 ? cfg->hosts_max : 65536);
    if (!g->r || !g->map) {
        fprintf(stderr, "finwatch aggregate: %s\n", g->r ? "out of memory" : err);
        goto out;
    }
    g->last_decay = g->last_claim = fw_time_mono_us();  /* first decay pass a minute in */
    g->last_claim -= g->claim_every;                    /* ... but claim at once */
    fw_log(FW_LOG_INFO, "aggregate: consumer %s of %s on %s", o->consumer, g->k_ingest,
           rdx_read_url(g->r));
    serve(g);
    fw_log(FW_LOG_INFO, "aggregate: stopping: %llu entries, %llu alerts added, %llu duplicates, "
           "%llu claimed, %llu malformed, %llu failed",
           (unsigned long long)g->n.entries, (unsigned long long)g->n.added,
           (unsigned long long)g->n.dup, (unsigned long long)g->n.claimed,
           (unsigned long long)g->n.bad, (unsigned long long)g->n.failed);
    rc = 0;
out:
    rdx_read_destroy(g->r);
    agg_map_destroy(g->map);
    fw_buf_free(&g->compact);
    fw_buf_free(&g->args);
    free(g);
    return rc;
}

int agg_main(int argc, char **argv)
{
    struct agg_opts o;
    struct fw_config cfg;
    struct sigaction sa;
    char err[FW_CONFIG_ERR_MAX];
    int rc;

    if (agg_cli_parse(&o, argc, argv, err, sizeof(err)) != 0) {
        fprintf(stderr, "finwatch aggregate: %s\n\n%s", err, agg_usage);
        return 2;
    }
    if (o.help) {
        fputs(agg_usage, stdout);
        return 0;
    }
    if (fw_config_defaults(&cfg) != 0)
        return 1;
    err[0] = '\0';
    if (o.config && fw_config_load(&cfg, o.config, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s", err[0] ? err : "finwatch aggregate: cannot load config\n");
        fw_config_free(&cfg);
        return 1;
    }
    fw_log_init(cfg.log_level + o.verbosity, cfg.syslog, "finwatch-aggregate");
    agg_stop = 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = agg_run(&o, &cfg);
    fw_config_free(&cfg);
    return rc;
}
