/* sensor/fw_main.c: the finwatch entry point and its subcommands.
 *
 * Parses the command line (flags override the config file), then hands over to
 * the pipeline (sensor), the rule tools (rules), the aggregator (aggregate) or
 * prints versions. Usage errors print a short usage and exit 2; runtime errors
 * exit 1.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap_source.h"
#include "dash_cli.h"
#include "fw_alloc.h"
#include "fw_config.h"
#include "fw_err.h"
#include "dpi_ndpi.h"
#include "fw_log.h"
#include "jsonl_record.h"
#include "rdx_export.h"
#include "rule_cli.h"
#include "rule_yaml.h"
#include "spool_file.h"
#include "wrk_pipeline.h"
#include "wrk_worker.h"
#if __has_include("agg_cli.h")
#include "agg_cli.h"
#define FW_HAVE_AGG 1
#endif

#define EXIT_USAGE 2

static const char main_usage[] =
    "usage: finwatch <command> [options]\n"
    "\n"
    "commands:\n"
    "  sensor      capture, classify and analyse traffic (live or from captures)\n"
    "  rules       lint, test and explain detection rules\n"
    "  aggregate   build the global threat map from several sensors' streams\n"
    "  dashboard   serve the live threat map page\n"
    "  version     print the versions of finwatch and its libraries\n"
    "\n"
    "Run 'finwatch <command> --help' for the options of a command.\n";

static const char sensor_usage[] =
    "usage: finwatch sensor (-r PCAP|DIR | -i IFACE) [options]\n"
    "\n"
    "Reads packets, builds flows, names applications with nDPI, runs the behaviour\n"
    "analyzers and rules, and writes flows, alerts and the threat map.\n"
    "\n"
    "input (exactly one):\n"
    "  -r, --read PATH        a pcap/pcapng file, or a directory read in name order\n"
    "  -i, --interface IFACE  live capture (needs CAP_NET_RAW or root)\n"
    "options:\n"
    "  -c, --config FILE      YAML config (default: built-in defaults; see docs/config.md)\n"
    "      --rules PATH       rule file or directory; repeatable; replaces rules.paths\n"
    "  -w, --workers N        worker threads (default: sensor.workers, 1)\n"
    "      --redis URL        redis://[user:pass@]host:port/db or unix:///path\n"
    "      --no-redis         do not write to Redis (files only)\n"
    "      --agent            agent of a central 'finwatch aggregate' (redis.mode: agent)\n"
    "      --flows FILE       flow records as JSON lines, appended ('-' = stdout)\n"
    "      --alerts FILE      alert records as JSON lines, appended ('-' = stdout)\n"
    "      --sensor-id NAME   this sensor's name in records and Redis keys\n"
    "  -f, --filter BPF       capture filter (tcpdump syntax)\n"
    "  -u, --user USER        drop root privileges to USER after opening the capture\n"
    "      --progress         progress bar on a terminal while reading captures\n"
    "      --no-summary       do not print the closing summary line\n"
    "  -v, --verbose          more log output (repeat for debug)\n"
    "  -q, --quiet            errors only\n"
    "      --syslog           also log to syslog\n"
    "  -h, --help             this help\n"
    "\n"
    "Signals: SIGHUP reloads the rules (a broken rule set is refused and the running\n"
    "one kept); SIGINT/SIGTERM flush every flow and alert and exit.\n";

struct sensor_cli {
    const char *config;
    const char **rules;
    size_t nrules;
    const char *read_path, *iface, *redis, *flows, *alerts, *sensor_id, *filter, *user;
    long workers;
    bool no_redis, progress, no_summary, use_syslog, agent;
    int verbosity;              /* relative: -q = -1, -v = +1 */
};

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
    fprintf(stderr, "finwatch: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n\n%s", usage);
    return EXIT_USAGE;
}

enum {
    OPT_RULES = 256, OPT_REDIS, OPT_NO_REDIS, OPT_FLOWS, OPT_ALERTS, OPT_SENSOR_ID,
    OPT_PROGRESS, OPT_NO_SUMMARY, OPT_SYSLOG, OPT_AGENT,
};

static int sensor_parse_opt(struct sensor_cli *c, int opt, const char *arg)
{
    char *end;

    switch (opt) {
    case 'r': c->read_path = arg; break;
    case 'i': c->iface = arg; break;
    case 'c': c->config = arg; break;
    case 'w':
        c->workers = strtol(arg, &end, 10);
        if (*end || c->workers < 1 || c->workers > 64)
            return usage_error(sensor_usage, "--workers: expected 1..64, got '%s'", arg);
        break;
    case 'f': c->filter = arg; break;
    case 'u': c->user = arg; break;
    case 'v': c->verbosity++; break;
    case 'q': c->verbosity--; break;
    case OPT_RULES: {
        const char **v = fw_reallocarray(c->rules, c->nrules + 1, sizeof(*v));
        if (!v)
            return 1;
        c->rules = v;
        c->rules[c->nrules++] = arg;
        break;
    }
    case OPT_REDIS: c->redis = arg; break;
    case OPT_NO_REDIS: c->no_redis = true; break;
    case OPT_FLOWS: c->flows = arg; break;
    case OPT_ALERTS: c->alerts = arg; break;
    case OPT_SENSOR_ID: c->sensor_id = arg; break;
    case OPT_PROGRESS: c->progress = true; break;
    case OPT_NO_SUMMARY: c->no_summary = true; break;
    case OPT_SYSLOG: c->use_syslog = true; break;
    case OPT_AGENT: c->agent = true; break;
    default: return EXIT_USAGE;
    }
    return 0;
}

static int sensor_parse(struct sensor_cli *c, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"read", required_argument, NULL, 'r'},
        {"interface", required_argument, NULL, 'i'},
        {"config", required_argument, NULL, 'c'},
        {"workers", required_argument, NULL, 'w'},
        {"filter", required_argument, NULL, 'f'},
        {"user", required_argument, NULL, 'u'},
        {"verbose", no_argument, NULL, 'v'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"rules", required_argument, NULL, OPT_RULES},
        {"redis", required_argument, NULL, OPT_REDIS},
        {"no-redis", no_argument, NULL, OPT_NO_REDIS},
        {"flows", required_argument, NULL, OPT_FLOWS},
        {"alerts", required_argument, NULL, OPT_ALERTS},
        {"sensor-id", required_argument, NULL, OPT_SENSOR_ID},
        {"progress", no_argument, NULL, OPT_PROGRESS},
        {"no-summary", no_argument, NULL, OPT_NO_SUMMARY},
        {"syslog", no_argument, NULL, OPT_SYSLOG},
        {"agent", no_argument, NULL, OPT_AGENT},
        {NULL, 0, NULL, 0},
    };
    int opt, rc;

    opterr = 0;
    optind = 1;
    while ((opt = getopt_long(argc, argv, ":r:i:c:w:f:u:vqh", longopts, NULL)) != -1) {
        if (opt == 'h') {
            fputs(sensor_usage, stdout);
            return -1;
        }
        if (opt == '?')
            return usage_error(sensor_usage, "unknown option '%s'", argv[optind - 1]);
        if (opt == ':')
            return usage_error(sensor_usage, "option '%s' needs an argument",
                               argv[optind - 1]);
        if ((rc = sensor_parse_opt(c, opt, optarg)) != 0)
            return rc;
    }
    if (optind < argc)
        return usage_error(sensor_usage, "unexpected argument '%s'", argv[optind]);
    if (!c->read_path == !c->iface)
        return usage_error(sensor_usage, "%s", "give exactly one of -r PATH or -i IFACE");
    if (c->no_redis && c->redis)
        return usage_error(sensor_usage, "%s", "--redis and --no-redis contradict each other");
    return 0;
}

static void copy_opt(char *dst, size_t len, const char *src)
{
    if (src)
        snprintf(dst, len, "%s", src);
}

/* Flags win over the file. */
static int sensor_apply_flags(struct fw_config *cfg, const struct sensor_cli *c)
{
    if (c->nrules) {
        char **paths = fw_calloc(c->nrules, sizeof(*paths));
        size_t i;

        if (!paths)
            return FW_ENOMEM;
        for (i = 0; i < c->nrules; i++)
            if (!(paths[i] = fw_strdup(c->rules[i])))
                return FW_ENOMEM;
        for (i = 0; i < cfg->nrule_paths; i++)
            fw_free(cfg->rule_paths[i]);
        fw_free(cfg->rule_paths);
        cfg->rule_paths = paths;
        cfg->nrule_paths = c->nrules;
    }
    if (c->workers)
        cfg->workers = (int)c->workers;
    copy_opt(cfg->redis_url, sizeof(cfg->redis_url), c->redis);
    if (c->no_redis)
        cfg->redis_url[0] = '\0';
    copy_opt(cfg->flows_path, sizeof(cfg->flows_path), c->flows);
    copy_opt(cfg->alerts_path, sizeof(cfg->alerts_path), c->alerts);
    copy_opt(cfg->sensor_id, sizeof(cfg->sensor_id), c->sensor_id);
    copy_opt(cfg->bpf_filter, sizeof(cfg->bpf_filter), c->filter);
    cfg->log_level += c->verbosity;
    if (c->use_syslog)
        cfg->syslog = true;
    if (c->agent)
        cfg->redis_agent = true;
    return 0;
}

static int load_config(struct fw_config *cfg, const char *path)
{
    char err[FW_CONFIG_ERR_MAX];
    int rc;

    if ((rc = fw_config_defaults(cfg)) < 0) {
        fprintf(stderr, "finwatch: %s\n", fw_strerror(rc));
        return rc;
    }
    if (!path)
        return 0;
    err[0] = '\0';
    rc = fw_config_load(cfg, path, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "%s", err[0] ? err : fw_strerror(rc));
        if (!err[0] || err[strlen(err) - 1] != '\n')
            fputc('\n', stderr);
        fprintf(stderr, "finwatch: config %s has errors; not starting\n", path);
    }
    return rc;
}

static int cmd_sensor(int argc, char **argv)
{
    struct sensor_cli c;
    struct fw_config cfg;
    struct wrk_pipeline_opts o;
    struct wrk_pipeline_summary sum;
    int rc;

    memset(&c, 0, sizeof(c));
    rc = sensor_parse(&c, argc, argv);
    if (rc) {
        fw_free(c.rules);
        return rc < 0 ? 0 : rc;
    }
    if (load_config(&cfg, c.config) < 0) {
        fw_config_free(&cfg);
        fw_free(c.rules);
        return 1;
    }
    rc = sensor_apply_flags(&cfg, &c);
    fw_log_init(cfg.log_level, cfg.syslog, "finwatch");
    memset(&o, 0, sizeof(o));
    o.read_path = c.read_path;
    o.iface = c.iface;
    o.progress = c.progress;
    o.summary = !c.no_summary;
    o.drop_user = c.user;
    if (rc == 0)
        rc = wrk_pipeline_run(&cfg, &o, &sum);
    fw_config_free(&cfg);
    fw_free(c.rules);
    fw_log_close();
    return rc < 0 ? 1 : sum.exit_code;
}

static int cmd_version(void)
{
    printf("finwatch %s\n", FW_VERSION);
    printf("  %s\n", dpi_lib_version());
    printf("  %s\n", cap_lib_version());
    printf("  %s\n", rdx_lib_version());
    printf("  %s\n", rule_yaml_lib_version());
    printf("  %s\n", spool_lib_version());
    return 0;
}

static int cmd_aggregate(int argc, char **argv)
{
#ifdef FW_HAVE_AGG
    return agg_main(argc, argv);
#else
    (void)argc;
    (void)argv;
    fprintf(stderr, "finwatch aggregate: not available in this build yet "
                    "(the sensor runs the aggregator in-process)\n");
    return 1;
#endif
}

static int cmd_dashboard(int argc, char **argv)
{
    return dash_main(argc, argv);
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : NULL;

    /* Records name nDPI risks as ndpiReader does; only dpi_* may ask nDPI. */
    jsonl_set_risk_namer(dpi_risk_name);

    if (!cmd) {
        fputs(main_usage, stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(main_usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "sensor"))
        return cmd_sensor(argc - 1, argv + 1);
    if (!strcmp(cmd, "rules"))
        return rule_cli_main(argc - 2, argv + 2);
    if (!strcmp(cmd, "aggregate"))
        return cmd_aggregate(argc - 1, argv + 1);
    if (!strcmp(cmd, "dashboard"))
        return cmd_dashboard(argc - 1, argv + 1);
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version"))
        return cmd_version();
    fprintf(stderr, "finwatch: unknown command '%s'\n\n%s", cmd, main_usage);
    return EXIT_USAGE;
}
