/* dashboard-export/agg_cli.h: `finwatch aggregate`, the central aggregator of
 * several agent sensors.
 *
 * Agent sensors (redis.mode: agent, --agent) write their alerts to
 * <prefix>ingest. The aggregator reads that stream through the consumer group
 * `aggregators` (XREADGROUP, XACK; entries left pending by a dead consumer are
 * taken over with XAUTOCLAIM after a minimum idle time), writes each alert once
 * to <prefix>alerts with the sensors' idempotent script (the alert id is the
 * same whichever sensor saw it), folds only the alerts that script added into
 * agg_map (the sensor's own in-process map code), publishes them on
 * <prefix>live, records in fw:host:<ip> which sensors saw the host (field
 * `sensors`, a JSON list), writes the map keys and then acknowledges. At start
 * the map is rebuilt from <prefix>alerts, so a restarted aggregator continues
 * where the dead one stopped. It uses Redis through rdx_read (hiredis stays in
 * rdx_*). Main thread only.
 */
#ifndef AGG_CLI_H
#define AGG_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGG_GROUP "aggregators"
#define AGG_CONSUMER_MAX 128
#define AGG_COUNT_DEFAULT 100           /* entries per XREADGROUP / XAUTOCLAIM */
#define AGG_COUNT_MAX 10000
#define AGG_CLAIM_IDLE_MS 30000         /* pending this long: its consumer is presumed dead */

struct agg_opts {
    const char *config;                 /* -c FILE or NULL */
    const char *redis;                  /* --redis URL or NULL (config, then default) */
    const char *prefix;                 /* --prefix or NULL */
    char consumer[AGG_CONSUMER_MAX];    /* --consumer; default "<hostname>-<pid>" */
    uint64_t claim_idle_ms;             /* --claim-idle MS */
    unsigned count;                     /* --count N, 1..10000 */
    uint64_t stall_after;               /* --test-stall-after N: test hook, 0 = off */
    int verbosity;                      /* -v +1, -q -1 */
    bool help;
};

/* Parse argv (argv[0] = "aggregate") into o (defaults first). 0, or
 * FW_EINVAL with a one-line reason in err (a usage error: exit 2). */
int agg_cli_parse(struct agg_opts *o, int argc, char **argv, char *err, size_t errlen);
/* The whole command. Exit status: 0 after SIGINT/SIGTERM or --help, 1 when it
 * cannot start (bad config), 2 on a usage error. */
int agg_main(int argc, char **argv);

#endif
