/* analyzers/anz_types.h: alerts as they leave the analyzer stage.
 *
 * The analyzer stage (rules and behaviour detectors) produces struct
 * anz_alert; the exporter stage (dashboard-export/) writes it as the ECS alert
 * record to JSON lines and Redis and feeds the threat map. An alert is a value
 * (copied through rings), never shared.
 */
#ifndef ANZ_TYPES_H
#define ANZ_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "fw_ip.h"

enum anz_kind {
    ANZ_SCAN = 0,
    ANZ_FLOOD,
    ANZ_AMPLIFICATION,
    ANZ_BRUTEFORCE,
    ANZ_DNS_TUNNEL,
    ANZ_BEACON,
    ANZ_EXFIL,
    ANZ_LATERAL,
    ANZ_ZONE_POLICY,
    ANZ_THREAT_INTEL,
    ANZ_NDPI_RISK,
    ANZ_PROTOCOL_ANOMALY,
    ANZ_NEW_ASSET,
    ANZ_RULE,           /* a plain match rule */
    ANZ_KIND_COUNT,
};

enum anz_blame {
    ANZ_BLAME_SRC = 0,  /* the source is the actor (scanner, brute-forcer) */
    ANZ_BLAME_DST,      /* the destination is the one at risk (flood victim) */
};

#define ANZ_MAX_TECHNIQUES 4
#define ANZ_ZONE_NAME_MAX 32

struct anz_alert {
    char id[24];                    /* stable: hex of hash(rule, key, window start) */
    uint64_t ts_us;                 /* time of the event that raised or updated it */
    uint64_t first_us;              /* first time this (rule, key, window) fired */
    uint32_t updates;               /* 0 = new; >0 = same alert updated this many times */
    char rule_id[48];
    char rule_name[128];
    char rule_version[12];
    char ruleset[32];
    uint8_t analyzer;               /* enum anz_kind */
    uint8_t severity;               /* 0..100 */
    uint8_t blame;                  /* enum anz_blame: which host gets the score */
    bool shadow;                    /* mode: shadow (evaluated and counted only) */
    char techniques[ANZ_MAX_TECHNIQUES][16];    /* ATT&CK ids, "" = unused */
    char reason[256];               /* one plain sentence with the numbers */
    struct fw_ip src, dst;          /* dst.family == 0 when there is no single peer */
    uint16_t sport, dport;
    uint8_t proto;
    char zone_src[ANZ_ZONE_NAME_MAX], zone_dst[ANZ_ZONE_NAME_MAX];
    double score;                   /* points this alert adds (after criticality) */
    double host_score;              /* blamed host's decayed score after adding */
    char evidence[512];             /* a JSON object, already rendered */
    char app[48];                   /* ndpi.protocol of the triggering flow, if any */
};

const char *anz_kind_name(enum anz_kind k);
/* "low" < 40 <= "medium" < 70 <= "high" < 90 <= "critical" */
const char *anz_severity_name(unsigned severity);

#endif
