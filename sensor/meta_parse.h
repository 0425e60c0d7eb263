/* sensor/meta_parse.h: the sensor's own application parsers.
 *
 * Where nDPI 4.2 falls short (every DNS question and answer, HTTP request and
 * response lines, SSH banners, FIX tags) these parsers read the L4 payload
 * through struct fw_rd (see STYLE.md rules 6-8). They are pure functions over
 * borrowed bytes: no allocation, no global state, any thread. Implemented in
 * meta_dns.c, meta_http.c, meta_tls.c, meta_ssh.c, meta_fix.c.
 */
#ifndef META_PARSE_H
#define META_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "meta_types.h"

/* DNS message (RFC 1035). over_tcp: data starts with the 2-byte length prefix.
 * Name compression pointers are followed with a loop/depth cap. Returns 0 with
 * *msg filled (as many questions/answers as fit), or a negative FW_E* when the
 * bytes are not a plausible DNS message. */
int meta_dns_parse(const uint8_t *data, size_t len, bool over_tcp, struct meta_dns_msg *msg);

/* HTTP/1.x request head: method, URL, Host, User-Agent. True if it looked like a
 * request line (fields seen are filled; absent ones stay ""). */
bool meta_http_parse_request(const uint8_t *data, size_t len, struct meta_http *h);
/* HTTP/1.x status line: sets h->status. */
bool meta_http_parse_response(const uint8_t *data, size_t len, struct meta_http *h);

/* TLS ClientHello in one record: SNI and version (JA3 comes from nDPI). */
bool meta_tls_parse_client_hello(const uint8_t *data, size_t len, struct meta_tls *t);

/* "SSH-2.0-..." banner line into out (without CR/LF). */
bool meta_ssh_parse_banner(const uint8_t *data, size_t len, char *out, size_t outlen);

/* FIX messages (8=...|9=...|35=...|...|10=NNN|) in one TCP payload. Updates *fix
 * (counts, first Begin/Sender/Target ids as seen from_initiator or not).
 * Returns the number of complete messages parsed, or a negative FW_E* when the
 * payload is not FIX at all. */
int meta_fix_parse(const uint8_t *data, size_t len, bool from_initiator, struct meta_fix *fix);
/* Cheap test: payload starts with "8=FIX". */
bool meta_fix_looks_like(const uint8_t *data, size_t len);

#endif
