/* analyzers/det_dns_tunnel.h: data tunnelled through DNS queries.
 *
 * Per client (FLOW_EVT_DNS queries it sent) and tumbling window, follows the
 * registered domain the client queries most (a one-counter Misra-Gries
 * majority): distinct names under it, long labels, high Shannon entropy of the
 * subdomain part, TXT/NULL query types and bytes. Many unique subdomains of one
 * domain that mostly look like encoded data: a tunnel (iodine, dnscat2...).
 * Borrows everything; analyzer thread.
 */
#ifndef DET_DNS_TUNNEL_H
#define DET_DNS_TUNNEL_H

#include <stddef.h>

#include "det_common.h"

struct det_dns_tunnel_params {
    uint64_t window_us;
    double min_unique;          /* distinct names under one domain */
    double hard_unique;         /* ... that alone is enough */
    double long_label;          /* a label this long counts as long */
    double min_entropy;         /* bits per character of the subdomain part */
    double min_subdomain;       /* entropy only judged on subdomains this long */
    double min_ratio;           /* share of long / entropic / TXT-NULL queries */
    struct det_strs ignore;     /* registered domains never judged (in-addr.arpa...) */
};

/* Shannon entropy in bits per byte of s[0..n). */
double det_dns_tunnel_entropy(const char *s, size_t n);
/* Offset in name where the registered domain starts ("a.b.example.co.uk" -> 4). */
size_t det_dns_tunnel_regdom(const char *name);
bool det_dns_tunnel_eval(const struct det_dns_tunnel_params *p, struct det_ctx *c, bool update,
                         struct det_hit *hit);

#endif
