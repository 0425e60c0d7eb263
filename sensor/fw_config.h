/* sensor/fw_config.h: the sensor's configuration (configs/finwatch.yaml).
 *
 * fw_config_load() reads one YAML file through rules/rule_yaml.h, checks every
 * key against the schema (unknown keys, wrong types, duplicate keys, bad
 * durations, sizes and CIDRs, overlapping zones, policy naming unknown zones)
 * and reports the first problems as "FILE:LINE:COL: error: text" in the
 * config's error text. Every key has a default, so an empty file is valid.
 * Command-line flags are applied afterwards by the caller. The loaded config
 * is written once before threads start and then read-only (fw_global.h).
 */
#ifndef FW_CONFIG_H
#define FW_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fw_ip.h"

#define FW_ZONE_NAME_MAX 32
#define FW_CONFIG_ERR_MAX 4096

enum fw_reload_mode {
    FW_RELOAD_WATCH = 0,    /* inotify on rule paths, plus SIGHUP */
    FW_RELOAD_SIGNAL,       /* SIGHUP only */
};

struct fw_zone {
    char name[FW_ZONE_NAME_MAX];
    struct fw_cidr *cidrs;  /* owned */
    size_t ncidrs;
    int criticality;        /* 1..5 */
};

/* One zone CIDR as the inclusive range [lo, hi] of its family's addresses. */
struct fw_zone_range {
    uint8_t family;
    uint8_t lo[16], hi[16];     /* network order; v4 in [0..3] */
    int zone;
};

struct fw_zone_pair {
    int from, to;           /* zone index, or FLOW_ZONE_EXTERNAL (-1) for "external" */
};

struct fw_expected_pair {   /* traffic a detector must not call suspicious (monitoring) */
    struct fw_cidr src, dst;
    uint16_t dport;         /* 0 = any */
};

struct fw_config {
    /* sensor */
    char sensor_id[64];
    int workers;                    /* default 1 */
    uint64_t flows_max;             /* per sensor, split across workers; default 1000000 */
    uint64_t hosts_max;             /* default 500000 */
    /* capture */
    char bpf_filter[512];           /* "" = none */
    uint64_t capture_buffer;        /* libpcap buffer bytes; default 64MiB */
    int snaplen;                    /* default 65535 */
    /* timeouts, microseconds */
    uint64_t tcp_idle_us;           /* default 300s */
    uint64_t tcp_closed_us;         /* default 10s */
    uint64_t udp_idle_us;           /* default 60s */
    /* rules */
    char **rule_paths;              /* owned; default {"rules/detections"} */
    size_t nrule_paths;
    enum fw_reload_mode reload;
    /* redis */
    char redis_url[512];            /* default redis://127.0.0.1:6379/0; "" = no redis */
    char redis_prefix[32];          /* default "fw:" */
    char spool_dir[512];            /* default /var/lib/finwatch/spool */
    uint64_t spool_max;             /* bytes; default 1GiB */
    uint64_t stream_maxlen;         /* fw:alerts MAXLEN ~; default 100000 */
    uint64_t redis_timeout_us;      /* connect and command timeout; default 2s */
    bool redis_agent;               /* redis.mode: agent (alerts to fw:ingest, no map) */
    /* output */
    char flows_path[512];           /* "" = off, "-" = stdout */
    char alerts_path[512];
    uint64_t rotate_size;           /* 0 = no rotation; default 0 */
    uint64_t rotate_interval_us;    /* 0 = no time rotation */
    /* scoring */
    uint64_t half_life_us;          /* default 1h */
    /* zones and policy */
    struct fw_zone *zones;          /* owned */
    size_t nzones;
    struct fw_zone_range *zone_ranges;  /* owned: every zone CIDR as an address range,
                                         * sorted, for fw_config_zone_of (built at load;
                                         * NULL = scan the zones) */
    size_t nzone_ranges;
    struct fw_zone_pair *deny;      /* owned */
    size_t ndeny;
    struct fw_expected_pair *expected;  /* owned; "expected:" list */
    size_t nexpected;
    /* logging */
    int log_level;                  /* FW_LOG_*; default FW_LOG_WARN */
    bool syslog;
    /* where it came from, for messages */
    char path[512];                 /* "" when defaults only */
};

/* Fill cfg with every default. Allocates (rule_paths); pair with fw_config_free. */
int fw_config_defaults(struct fw_config *cfg);
/* Load path over the defaults. On error returns FW_EPARSE (or FW_EIO/FW_ENOENT)
 * and writes "FILE:LINE:COL: error: text" lines (one per problem) into errbuf. */
int fw_config_load(struct fw_config *cfg, const char *path, char *errbuf, size_t errlen);
void fw_config_free(struct fw_config *cfg);
/* (Re)build cfg->zone_ranges from cfg->zones (done by fw_config_load; call it
 * after changing zones by hand). 0 or FW_ENOMEM (then lookups scan the zones). */
int fw_config_index_zones(struct fw_config *cfg);
/* Zone index of ip, or FLOW_ZONE_EXTERNAL; zones do not overlap (checked at load).
 * A binary search over cfg->zone_ranges: it runs twice per flow event, and a
 * bank's zone map has hundreds of CIDRs. */
int fw_config_zone_of(const struct fw_config *cfg, const struct fw_ip *ip);
/* Name of a zone index ("external" for FLOW_ZONE_EXTERNAL). */
const char *fw_config_zone_name(const struct fw_config *cfg, int zone);
int fw_config_zone_criticality(const struct fw_config *cfg, int zone);
/* Index of a zone by name, FLOW_ZONE_EXTERNAL for "external", -2 if unknown. */
int fw_config_zone_find(const struct fw_config *cfg, const char *name);
bool fw_config_denied(const struct fw_config *cfg, int zone_from, int zone_to);

#endif
