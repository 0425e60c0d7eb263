/* analyzers/anz_types.c: names used in alert records (finwatch.analyzer). */
#include "anz_types.h"

const char *anz_kind_name(enum anz_kind k)
{
    static const char *const names[ANZ_KIND_COUNT] = {
        [ANZ_SCAN] = "scan",
        [ANZ_FLOOD] = "flood",
        [ANZ_AMPLIFICATION] = "amplification",
        [ANZ_BRUTEFORCE] = "bruteforce",
        [ANZ_DNS_TUNNEL] = "dns_tunnel",
        [ANZ_BEACON] = "beacon",
        [ANZ_EXFIL] = "exfil",
        [ANZ_LATERAL] = "lateral",
        [ANZ_ZONE_POLICY] = "zone_policy",
        [ANZ_THREAT_INTEL] = "threat_intel",
        [ANZ_NDPI_RISK] = "ndpi_risk",
        [ANZ_PROTOCOL_ANOMALY] = "protocol_anomaly",
        [ANZ_NEW_ASSET] = "new_asset",
        [ANZ_RULE] = "rule",
    };
    return (unsigned)k < ANZ_KIND_COUNT ? names[k] : "rule";
}

const char *anz_severity_name(unsigned severity)
{
    if (severity < 40)
        return "low";
    if (severity < 70)
        return "medium";
    if (severity < 90)
        return "high";
    return "critical";
}
