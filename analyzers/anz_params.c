/* analyzers/anz_params.c: the params schema of every detector.
 * Each detector's table lists exactly what det_<name>.c reads, with the default
 * (parsed by anz_params_defaults, so the table is the only place defaults live)
 * and where the value lands in the detector's params struct. */
#include "anz_params.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "det_amplification.h"
#include "det_beacon.h"
#include "det_bruteforce.h"
#include "det_dns_tunnel.h"
#include "det_exfil.h"
#include "det_flood.h"
#include "det_lateral.h"
#include "det_ndpi_risk.h"
#include "det_new_asset.h"
#include "det_protocol_anomaly.h"
#include "det_scan.h"
#include "det_threat_intel.h"
#include "det_zone_policy.h"
#include "fw_err.h"
#include "fw_time.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define P(st, name, type, dflt, help, conv, field) \
    {name, type, dflt, help, conv, offsetof(struct st, field)}

static const struct anz_param_spec scan_params[] = {
    P(det_scan_params, "window", ANZ_P_DURATION, "60s", "tumbling window for counting",
      ANZ_C_USEC, window_us),
    P(det_scan_params, "min_hosts", ANZ_P_NUMBER, "50",
      "distinct hosts among failed attempts (horizontal scan)", ANZ_C_DOUBLE, min_hosts),
    P(det_scan_params, "min_ports", ANZ_P_NUMBER, "100",
      "distinct ports among failed attempts (vertical scan)", ANZ_C_DOUBLE, min_ports),
    P(det_scan_params, "min_failed", ANZ_P_NUMBER, "20",
      "failed attempts in the window before judging", ANZ_C_DOUBLE, min_failed),
};

static const struct anz_param_spec flood_params[] = {
    P(det_flood_params, "window", ANZ_P_DURATION, "10s", "tumbling window for counting",
      ANZ_C_USEC, window_us),
    P(det_flood_params, "min_flows", ANZ_P_NUMBER, "2000",
      "inbound flow starts (SYN, UDP, ICMP) to one host in the window", ANZ_C_DOUBLE, min_flows),
    P(det_flood_params, "max_ports", ANZ_P_NUMBER, "8",
      "more distinct destination ports than this is a scan", ANZ_C_DOUBLE, max_ports),
    P(det_flood_params, "max_answered", ANZ_P_NUMBER, "0.2",
      "answered fraction above which the host is just busy", ANZ_C_DOUBLE, max_answered),
    P(det_flood_params, "min_pkts", ANZ_P_NUMBER, "50000",
      "single flow: packets one way without replies", ANZ_C_DOUBLE, min_pkts),
    P(det_flood_params, "min_pps", ANZ_P_NUMBER, "5000", "single flow: packets per second",
      ANZ_C_DOUBLE, min_pps),
};

static const struct anz_param_spec amp_params[] = {
    P(det_amplification_params, "window", ANZ_P_DURATION, "60s", "tumbling window",
      ANZ_C_USEC, window_us),
    P(det_amplification_params, "ports", ANZ_P_LIST,
      "[19, 53, 111, 123, 137, 161, 389, 520, 1900, 3702, 5353, 11211]",
      "UDP service ports abused as reflectors", ANZ_C_PORTS, ports),
    P(det_amplification_params, "min_bytes", ANZ_P_NUMBER, "10000000",
      "response bytes to one victim in the window", ANZ_C_DOUBLE, min_bytes),
    P(det_amplification_params, "min_ratio", ANZ_P_NUMBER, "10",
      "response bytes / request bytes", ANZ_C_DOUBLE, min_ratio),
    P(det_amplification_params, "min_reflectors", ANZ_P_NUMBER, "3", "distinct reflectors",
      ANZ_C_DOUBLE, min_reflectors),
};

static const struct anz_param_spec brute_params[] = {
    P(det_bruteforce_params, "window", ANZ_P_DURATION, "60s", "tumbling window",
      ANZ_C_USEC, window_us),
    P(det_bruteforce_params, "min_sessions", ANZ_P_NUMBER, "20",
      "short sessions from one source to one service in the window", ANZ_C_DOUBLE,
      min_sessions),
    P(det_bruteforce_params, "max_duration", ANZ_P_DURATION, "30s",
      "longer sessions are not guesses", ANZ_C_USEC, max_duration_us),
    P(det_bruteforce_params, "max_pkts", ANZ_P_NUMBER, "60",
      "sessions where the client sent more packets are not guesses", ANZ_C_DOUBLE, max_pkts),
    P(det_bruteforce_params, "ports", ANZ_P_LIST,
      "[21, 22, 23, 445, 1433, 1521, 3306, 3389, 5432, 5900]", "authentication service ports",
      ANZ_C_PORTS, ports),
    P(det_bruteforce_params, "protocols", ANZ_P_LIST,
      "[SSH, RDP, FTP_CONTROL, SMBv1, SMBv23, MySQL, PostgreSQL, MsSQL-TDS, Oracle, VNC, Telnet]",
      "nDPI protocol names of authentication services", ANZ_C_STRS, protocols),
    P(det_bruteforce_params, "http_login_paths", ANZ_P_LIST, "[login, signin, logon, auth]",
      "URL substrings that make an HTTP request a login attempt", ANZ_C_STRS, http_paths),
};

static const struct anz_param_spec dns_params[] = {
    P(det_dns_tunnel_params, "window", ANZ_P_DURATION, "300s", "tumbling window",
      ANZ_C_USEC, window_us),
    P(det_dns_tunnel_params, "min_unique", ANZ_P_NUMBER, "50",
      "distinct names under one registered domain", ANZ_C_DOUBLE, min_unique),
    P(det_dns_tunnel_params, "hard_unique", ANZ_P_NUMBER, "500",
      "distinct names that alone are enough", ANZ_C_DOUBLE, hard_unique),
    P(det_dns_tunnel_params, "long_label", ANZ_P_NUMBER, "40", "a label this long is long",
      ANZ_C_DOUBLE, long_label),
    P(det_dns_tunnel_params, "min_entropy", ANZ_P_NUMBER, "3.5",
      "Shannon bits per character of the subdomain part", ANZ_C_DOUBLE, min_entropy),
    P(det_dns_tunnel_params, "min_subdomain", ANZ_P_NUMBER, "16",
      "entropy is judged on subdomains at least this long", ANZ_C_DOUBLE, min_subdomain),
    P(det_dns_tunnel_params, "min_ratio", ANZ_P_NUMBER, "0.5",
      "share of long, high-entropy or TXT/NULL queries", ANZ_C_DOUBLE, min_ratio),
    P(det_dns_tunnel_params, "ignore_domains", ANZ_P_LIST, "[in-addr.arpa, ip6.arpa]",
      "registered domains never judged", ANZ_C_STRS, ignore),
};

static const struct anz_param_spec beacon_params[] = {
    P(det_beacon_params, "window", ANZ_P_DURATION, "1h", "one alert per pair per window",
      ANZ_C_USEC, window_us),
    P(det_beacon_params, "min_count", ANZ_P_NUMBER, "12", "intervals observed, at least",
      ANZ_C_DOUBLE, min_count),
    P(det_beacon_params, "max_cv", ANZ_P_NUMBER, "0.1",
      "coefficient of variation of the intervals, at most", ANZ_C_DOUBLE, max_cv),
    P(det_beacon_params, "min_interval", ANZ_P_DURATION, "10s", "shorter gaps are bursts",
      ANZ_C_USEC, min_interval_us),
    P(det_beacon_params, "max_interval", ANZ_P_DURATION, "6h",
      "longer gaps restart the statistics", ANZ_C_USEC, max_interval_us),
    P(det_beacon_params, "ignore_ports", ANZ_P_LIST, "[53, 123]",
      "destination ports never judged (DNS, NTP)", ANZ_C_PORTS, ignore_ports),
    P(det_beacon_params, "external_only", ANZ_P_BOOL, "true",
      "only destinations outside every zone and not private", ANZ_C_BOOL, external_only),
};

static const struct anz_param_spec exfil_params[] = {
    P(det_exfil_params, "window", ANZ_P_DURATION, "1h", "one alert per host per window",
      ANZ_C_USEC, window_us),
    P(det_exfil_params, "min_bytes", ANZ_P_NUMBER, "200000000",
      "bytes to external in 5 min at criticality 3 (scaled by 3/crit)", ANZ_C_DOUBLE, min_bytes),
    P(det_exfil_params, "factor", ANZ_P_NUMBER, "10", "times the baseline mean",
      ANZ_C_DOUBLE, factor),
    P(det_exfil_params, "min_z", ANZ_P_NUMBER, "4", "z-score against the baseline",
      ANZ_C_DOUBLE, min_z),
    P(det_exfil_params, "min_intervals", ANZ_P_NUMBER, "6",
      "5-minute baseline intervals before judging", ANZ_C_DOUBLE, min_intervals),
};

static const struct anz_param_spec lateral_params[] = {
    P(det_lateral_params, "window", ANZ_P_DURATION, "10m", "tumbling window",
      ANZ_C_USEC, window_us),
    P(det_lateral_params, "min_hosts", ANZ_P_NUMBER, "10",
      "new internal peers on admin ports in the window", ANZ_C_DOUBLE, min_hosts),
    P(det_lateral_params, "ports", ANZ_P_LIST, "[22, 135, 139, 445, 3389, 5985, 5986]",
      "admin protocol ports (SSH, RPC, SMB, RDP, WinRM)", ANZ_C_PORTS, ports),
    P(det_lateral_params, "learning", ANZ_P_DURATION, "15m",
      "conversations in this first period are the baseline", ANZ_C_USEC, learning_us),
};

static const struct anz_param_spec zone_params[] = {
    P(det_zone_policy_params, "window", ANZ_P_DURATION, "1h",
      "one alert per (zones, source) per window", ANZ_C_USEC, window_us),
};

static const struct anz_param_spec ti_params[] = {
    P(det_threat_intel_params, "window", ANZ_P_DURATION, "1h",
      "one alert per (host, indicator) per window", ANZ_C_USEC, window_us),
    P(det_threat_intel_params, "ip_list", ANZ_P_STRING, "",
      "file of addresses and CIDRs (relative: to the rule file)", ANZ_C_STR, ip_list),
    P(det_threat_intel_params, "domain_list", ANZ_P_STRING, "",
      "file of domain names (matches subdomains too)", ANZ_C_STR, domain_list),
    P(det_threat_intel_params, "max_entries", ANZ_P_NUMBER, "1000000",
      "entries read per list at most", ANZ_C_DOUBLE, max_entries),
};

static const struct anz_param_spec risk_params[] = {
    P(det_ndpi_risk_params, "window", ANZ_P_DURATION, "1h",
      "one alert per (source, risks) per window", ANZ_C_USEC, window_us),
    P(det_ndpi_risk_params, "risks", ANZ_P_LIST,
      "[XSS Attack=75, SQL Injection=75, RCE Injection=80, Possible Exploit Detected=80]",
      "nDPI risk names (or bit numbers) that alert, each optionally =severity",
      ANZ_C_STRS, risks),
};

static const struct anz_param_spec pa_params[] = {
    P(det_protocol_anomaly_params, "window", ANZ_P_DURATION, "1h",
      "one alert per (flow key, check) per window", ANZ_C_USEC, window_us),
    P(det_protocol_anomaly_params, "ssh_ports", ANZ_P_LIST, "[22]", "ports where SSH belongs",
      ANZ_C_PORTS, ssh_ports),
    P(det_protocol_anomaly_params, "min_criticality", ANZ_P_NUMBER, "4",
      "SSH off its port matters into zones at least this critical", ANZ_C_DOUBLE,
      min_criticality),
    P(det_protocol_anomaly_params, "tls_ports", ANZ_P_LIST, "[443]",
      "ports where only TLS is expected", ANZ_C_PORTS, tls_ports),
    P(det_protocol_anomaly_params, "tls_protocols", ANZ_P_LIST, "[TLS, QUIC, DoH_DoT]",
      "nDPI names acceptable on a TLS port (either part of Master.App)", ANZ_C_STRS,
      tls_protocols),
    P(det_protocol_anomaly_params, "min_payload", ANZ_P_NUMBER, "64",
      "client payload bytes before a TLS port is judged", ANZ_C_DOUBLE, min_payload),
    P(det_protocol_anomaly_params, "known_comp_ids", ANZ_P_LIST, "[]",
      "FIX SenderCompID/TargetCompID allowed; empty = not checked", ANZ_C_STRS,
      known_comp_ids),
    P(det_protocol_anomaly_params, "http_control_bytes", ANZ_P_BOOL, "true",
      "alert on raw control bytes in an HTTP request's target, Host or User-Agent",
      ANZ_C_BOOL, http_control_bytes),
};

static const struct anz_param_spec asset_params[] = {
    P(det_new_asset_params, "window", ANZ_P_DURATION, "24h", "one alert per asset per window",
      ANZ_C_USEC, window_us),
    P(det_new_asset_params, "min_criticality", ANZ_P_NUMBER, "4",
      "zones at least this critical are watched", ANZ_C_DOUBLE, min_criticality),
    P(det_new_asset_params, "learning", ANZ_P_DURATION, "1h",
      "everything seen in this first period is known", ANZ_C_USEC, learning_us),
    P(det_new_asset_params, "services", ANZ_P_BOOL, "true", "also report new services (ip:port)",
      ANZ_C_BOOL, services),
};

static const struct {
    enum anz_kind kind;
    const struct anz_param_spec *v;
    size_t n;
    size_t size;
} tables[] = {
    {ANZ_SCAN, scan_params, N(scan_params), sizeof(struct det_scan_params)},
    {ANZ_FLOOD, flood_params, N(flood_params), sizeof(struct det_flood_params)},
    {ANZ_AMPLIFICATION, amp_params, N(amp_params), sizeof(struct det_amplification_params)},
    {ANZ_BRUTEFORCE, brute_params, N(brute_params), sizeof(struct det_bruteforce_params)},
    {ANZ_DNS_TUNNEL, dns_params, N(dns_params), sizeof(struct det_dns_tunnel_params)},
    {ANZ_BEACON, beacon_params, N(beacon_params), sizeof(struct det_beacon_params)},
    {ANZ_EXFIL, exfil_params, N(exfil_params), sizeof(struct det_exfil_params)},
    {ANZ_LATERAL, lateral_params, N(lateral_params), sizeof(struct det_lateral_params)},
    {ANZ_ZONE_POLICY, zone_params, N(zone_params), sizeof(struct det_zone_policy_params)},
    {ANZ_THREAT_INTEL, ti_params, N(ti_params), sizeof(struct det_threat_intel_params)},
    {ANZ_NDPI_RISK, risk_params, N(risk_params), sizeof(struct det_ndpi_risk_params)},
    {ANZ_PROTOCOL_ANOMALY, pa_params, N(pa_params), sizeof(struct det_protocol_anomaly_params)},
    {ANZ_NEW_ASSET, asset_params, N(asset_params), sizeof(struct det_new_asset_params)},
};

const struct anz_param_spec *anz_params_for(enum anz_kind kind, size_t *n)
{
    size_t i;

    for (i = 0; i < N(tables); i++) {
        if (tables[i].kind == kind) {
            *n = tables[i].n;
            return tables[i].v;
        }
    }
    *n = 0;
    return scan_params;     /* any non-NULL pointer; n is 0 */
}

int anz_kind_from_name(const char *name)
{
    int k;

    for (k = 0; k < ANZ_KIND_COUNT; k++)
        if (strcmp(anz_kind_name((enum anz_kind)k), name) == 0)
            return k;
    return -1;
}

size_t anz_params_size(enum anz_kind kind)
{
    size_t i;

    for (i = 0; i < N(tables); i++)
        if (tables[i].kind == kind)
            return tables[i].size;
    return 0;
}

static int set_scalar(const struct anz_param_spec *s, void *field, const char *v)
{
    char *end;
    double d;

    switch (s->conv) {
    case ANZ_C_DOUBLE:
        d = strtod(v, &end);
        if (end == v || *end != '\0')
            return FW_EINVAL;
        *(double *)field = d;
        return 0;
    case ANZ_C_USEC:
        return fw_duration_parse(v, (uint64_t *)field) == 0 ? 0 : FW_EINVAL;
    case ANZ_C_BOOL:
        if (strcmp(v, "true") && strcmp(v, "false") && strcmp(v, "yes") && strcmp(v, "no"))
            return FW_EINVAL;
        *(bool *)field = v[0] == 't' || v[0] == 'y';
        return 0;
    case ANZ_C_STR:
        if (strlen(v) >= 256)
            return FW_EINVAL;
        snprintf((char *)field, 256, "%s", v);
        return 0;
    default:
        return FW_EINVAL;
    }
}

static int set_list(const struct anz_param_spec *s, void *field, const char *const *items,
                    size_t n)
{
    struct det_ports *pp = field;
    struct det_strs *ss = field;
    unsigned long v;
    char *end;
    size_t i;

    if (s->conv == ANZ_C_PORTS) {
        if (n > DET_PORTS_MAX)
            return FW_EINVAL;
        for (i = 0; i < n; i++) {
            v = strtoul(items[i], &end, 10);
            if (end == items[i] || *end != '\0' || v > 65535)
                return FW_EINVAL;
            pp->v[i] = (uint16_t)v;
        }
        pp->n = (uint16_t)n;
        return 0;
    }
    if (n > DET_STRS_MAX)
        return FW_EINVAL;
    for (i = 0; i < n; i++) {
        if (strlen(items[i]) >= DET_STR_LEN)
            return FW_EINVAL;
        snprintf(ss->v[i], DET_STR_LEN, "%s", items[i]);
    }
    ss->n = (uint16_t)n;
    return 0;
}

int anz_params_set(const struct anz_param_spec *s, void *p, const char *const *items, size_t n)
{
    void *field = (char *)p + s->off;

    if (s->conv == ANZ_C_PORTS || s->conv == ANZ_C_STRS)
        return set_list(s, field, items, n);
    if (n != 1)
        return FW_EINVAL;
    return set_scalar(s, field, items[0]);
}

/* "[a, b, c]" into items (pointers into buf); returns the count or -1. */
static int split_list(const char *text, char *buf, size_t len, const char **items, int max)
{
    char *s, *e;
    int n = 0;

    snprintf(buf, len, "%s", text[0] == '[' ? text + 1 : text);
    e = strrchr(buf, ']');
    if (e)
        *e = '\0';
    s = buf;
    while (*s) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        if (n == max)
            return -1;
        items[n++] = s;
        e = strchr(s, ',');
        if (!e)
            break;
        *e = '\0';
        s = e + 1;
    }
    return n;
}

int anz_params_defaults(enum anz_kind kind, void *p)
{
    const char *items[DET_STRS_MAX > DET_PORTS_MAX ? DET_STRS_MAX : DET_PORTS_MAX];
    const struct anz_param_spec *v;
    char buf[1024];
    size_t n, i;
    int cnt;

    memset(p, 0, anz_params_size(kind));
    v = anz_params_for(kind, &n);
    for (i = 0; i < n; i++) {
        if (v[i].conv == ANZ_C_PORTS || v[i].conv == ANZ_C_STRS) {
            cnt = split_list(v[i].dflt, buf, sizeof(buf), items, (int)N(items));
            if (cnt < 0 || anz_params_set(&v[i], p, items, (size_t)cnt) != 0)
                return FW_EINVAL;
        } else if (anz_params_set(&v[i], p, &v[i].dflt, 1) != 0) {
            return FW_EINVAL;
        }
    }
    return 0;
}
