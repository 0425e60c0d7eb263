/* dashboard-export/dash_cli.c: option parsing and the serve loop. */
#include "dash_cli.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dash_api.h"
#include "dash_server.h"
#include "dash_sse.h"
#include "fw_config.h"
#include "fw_err.h"

#define DASH_DEFAULT_REDIS "redis://127.0.0.1:6379/0"
#define DASH_DEFAULT_LISTEN "127.0.0.1:8080"

/* GLOBAL: set by the signal handler only. */
static volatile sig_atomic_t dash_stop;

static void on_signal(int sig)
{
    (void)sig;
    dash_stop = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: finwatch dashboard [options]\n"
            "Serve the live threat map (page, JSON API, live alert stream) from Redis.\n"
            "\n"
            "  --redis URL        Redis to read: redis://[user:pass@]host:port/db or\n"
            "                     unix:///path/to/socket (default " DASH_DEFAULT_REDIS ")\n"
            "  --prefix P         key prefix written by the sensor (default fw:)\n"
            "  --listen ADDR:PORT address to serve on (default " DASH_DEFAULT_LISTEN ";\n"
            "                     IPv6 as [ADDR]:PORT). Beyond loopback a token is required.\n"
            "  --token T          bearer token for /api and /events (default: env\n"
            "                     FINWATCH_DASHBOARD_TOKEN); open the page as /?token=T\n"
            "  --max-clients N    live streams served at once (default %d, max 1024)\n"
            "  -c FILE            take the Redis URL and prefix from this config file;\n"
            "                     --redis and --prefix still win\n"
            "  -h, --help         this text\n"
            "\n"
            "Stops cleanly on SIGINT or SIGTERM.\n",
            DASH_SSE_CLIENTS_DEFAULT);
}

struct dash_args {
    const char *redis, *prefix, *listen, *token, *config;
    unsigned max_clients;
    bool help;
};

/* 0, or 2 on a usage error (message printed). */
static int parse_args(int argc, char **argv, struct dash_args *a)
{
    static const struct option longopts[] = {
        {"redis", required_argument, NULL, 'r'},  {"prefix", required_argument, NULL, 'p'},
        {"listen", required_argument, NULL, 'l'}, {"token", required_argument, NULL, 't'},
        {"max-clients", required_argument, NULL, 'm'},
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;

    optind = 1;
    opterr = 1;
    while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'r': a->redis = optarg; break;
        case 'p': a->prefix = optarg; break;
        case 'l': a->listen = optarg; break;
        case 't': a->token = optarg; break;
        case 'c': a->config = optarg; break;
        case 'h': a->help = true; break;
        case 'm':
            if (dash_parse_count(optarg, 0, 1024, &a->max_clients) != 0) {
                fprintf(stderr, "finwatch dashboard: --max-clients %s: expected 1..1024\n",
                        optarg);
                return 2;
            }
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "finwatch dashboard: unexpected argument '%s'\n", argv[optind]);
        return 2;
    }
    return 0;
}

static bool prefix_ok(const char *p)
{
    size_t n = strlen(p);

    return n > 0 && n < 32 && !strpbrk(p, " \t\r\n");
}

static void serve(struct dash_server *s)
{
    struct timespec nap = {.tv_sec = 0, .tv_nsec = 200000000L};

    while (!dash_stop)
        nanosleep(&nap, NULL);
    (void)s;
}

static int run(const struct dash_args *a, const char *redis, const char *prefix)
{
    struct dash_opts o = {
        .listen = a->listen ? a->listen : DASH_DEFAULT_LISTEN,
        .token = a->token ? a->token : getenv("FINWATCH_DASHBOARD_TOKEN"),
        .redis_url = redis,
        .prefix = prefix,
        .max_clients = a->max_clients,
    };
    struct sigaction sa;
    struct dash_server *s;
    char err[512];

    if (!prefix_ok(prefix)) {
        fprintf(stderr, "finwatch dashboard: --prefix '%s': 1..31 bytes, no spaces\n", prefix);
        return 2;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    s = dash_server_create(&o, err, sizeof(err));
    if (!s) {
        fprintf(stderr, "finwatch dashboard: %s\n", err);
        return 1;
    }
    fprintf(stderr, "finwatch dashboard: serving http://%s/ (port %u) from %s\n", o.listen,
            (unsigned)dash_server_port(s), redis);
    serve(s);
    fprintf(stderr, "finwatch dashboard: stopping\n");
    dash_server_destroy(s);
    return 0;
}

int dash_main(int argc, char **argv)
{
    struct dash_args a = {0};
    struct fw_config cfg;
    char err[FW_CONFIG_ERR_MAX];
    int rc;

    rc = parse_args(argc, argv, &a);
    if (rc != 0 || a.help) {
        if (a.help)
            usage(stdout);
        return rc;
    }
    dash_stop = 0;
    if (fw_config_defaults(&cfg) != 0) {
        fprintf(stderr, "finwatch dashboard: out of memory\n");
        return 1;
    }
    if (a.config && fw_config_load(&cfg, a.config, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s", err);
        fw_config_free(&cfg);
        return 1;
    }
    rc = run(&a, a.redis ? a.redis : a.config && cfg.redis_url[0] ? cfg.redis_url
                                                                  : DASH_DEFAULT_REDIS,
             a.prefix ? a.prefix : a.config && cfg.redis_prefix[0] ? cfg.redis_prefix : "fw:");
    fw_config_free(&cfg);
    return rc;
}
