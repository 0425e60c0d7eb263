/* sensor/fw_ip.h: IPv4/IPv6 addresses and CIDR prefixes.
 *
 * One representation for both families so flow keys, zones, rules and the
 * threat map compare addresses the same way. IPv4 lives in b[0..3] with the
 * rest zero. Pure functions; any thread.
 */
#ifndef FW_IP_H
#define FW_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FW_IP_STRLEN 46     /* INET6_ADDRSTRLEN */

struct fw_ip {
    uint8_t family;         /* 4 or 6; 0 = unset */
    uint8_t b[16];          /* network order; v4 in b[0..3] */
};

struct fw_cidr {
    struct fw_ip ip;        /* masked: host bits are zero */
    uint8_t plen;           /* 0..32 or 0..128 */
};

void fw_ip_set4(struct fw_ip *ip, const uint8_t b[4]);
void fw_ip_set6(struct fw_ip *ip, const uint8_t b[16]);
/* Parse "10.1.2.3" or "2001:db8::1"; 0 or FW_EINVAL. */
int fw_ip_parse(const char *s, struct fw_ip *ip);
/* Text form into buf (>= FW_IP_STRLEN); returns buf. */
char *fw_ip_str(const struct fw_ip *ip, char *buf, size_t len);
int fw_ip_cmp(const struct fw_ip *a, const struct fw_ip *b);
bool fw_ip_equal(const struct fw_ip *a, const struct fw_ip *b);
/* RFC 1918, RFC 4193, loopback, link-local: addresses a bank calls internal. */
bool fw_ip_is_private(const struct fw_ip *ip);

/* Parse "10.0.0.0/8", "2001:db8::/32" or a bare address (full-length prefix).
 * Host bits set below the prefix are an error (FW_EINVAL), as they usually hide a
 * typo. */
int fw_cidr_parse(const char *s, struct fw_cidr *c);
bool fw_cidr_contains(const struct fw_cidr *c, const struct fw_ip *ip);
/* True when the two prefixes share any address. */
bool fw_cidr_overlap(const struct fw_cidr *a, const struct fw_cidr *b);
char *fw_cidr_str(const struct fw_cidr *c, char *buf, size_t len);

#endif
