/* sensor/meta_http.c: HTTP/1.x request and status lines for flow metadata.
 *
 * specification: RFC 9112 sections 3 (request line), 4 (status line) and 5
 * (field lines).
 *
 *   request-line = method SP request-target SP "HTTP/1." DIGIT CRLF
 *   field-line   = field-name ":" OWS field-value OWS CRLF
 *   status-line  = "HTTP/1." DIGIT SP 3DIGIT [SP reason] CRLF
 *
 * Only the first segment of a flow is looked at, so the head may be cut
 * anywhere: a request line cut inside the target or the version still counts
 * (fields seen so far are filled), and header parsing stops at the blank line
 * or at the end of the data. Bare LF is accepted as a line end. Values are
 * copied verbatim, truncated to the field size; the JSON writer escapes them.
 * Control bytes inside the request target are kept percent-encoded (%00): the
 * request is still HTTP, and such a URL is worth a rule. Raw control bytes in
 * the target, Host or User-Agent are also flagged in h->ctl (META_HTTP_CTL_*)
 * for the protocol_anomaly analyzer: an encoded %00 is the client's choice, a
 * raw one breaks the grammar.
 */
#include "meta_parse.h"

#include <string.h>
#include <strings.h>

#include "fw_rd.h"
#include "meta_int.h"

/* Methods of RFC 9110 plus WebDAV's common ones; anything else is not HTTP. */
static const char *const meta_http_methods[] = {
    "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH",
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT",
};

/* Method token followed by SP; copies it into h->method. */
static bool http_method(struct fw_rd *rd, struct meta_http *h)
{
    size_t i;

    for (i = 0; i < sizeof(meta_http_methods) / sizeof(meta_http_methods[0]); i++) {
        const char *m = meta_http_methods[i];
        size_t n = strlen(m);

        if (meta_rd_starts(rd, m) && fw_rd_peek(rd, n) == ' ') {
            meta_copy_field(h->method, sizeof(h->method), fw_rd_ptr(rd, n), n);
            fw_rd_skip(rd, 1);
            return true;
        }
    }
    return false;
}

static bool http_is_ctl(uint8_t c)
{
    return c < 0x20 || c == 0x7f;
}

/* Any control byte in p[0..n), HTAB allowed or not; the whole span, also
 * past what the copy keeps. */
static bool http_has_ctl(const uint8_t *p, size_t n, bool tab_ok)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (http_is_ctl(p[i]) && !(tab_ok && p[i] == '\t'))
            return true;
    return false;
}

/* Copy a request target into dst, control bytes percent-encoded: a NUL or
 * another control byte in a URL is an attack (null-byte injection, parser
 * confusion) that rules must be able to see, and a C string cannot hold the
 * NUL itself. Cut at dstlen - 1 bytes, never inside an escape. */
static void http_copy_target(char *dst, size_t dstlen, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        bool ctl = http_is_ctl(p[i]);

        if (o + (ctl ? 3 : 1) > dstlen - 1)
            break;
        if (ctl) {
            dst[o++] = '%';
            dst[o++] = hex[p[i] >> 4];
            dst[o++] = hex[p[i] & 15];
        } else {
            dst[o++] = (char)p[i];
        }
    }
    dst[o] = '\0';
}

/* Request target up to SP/CR/LF; false when empty. */
static bool http_target(struct fw_rd *rd, struct meta_http *h)
{
    size_t n = meta_rd_span_until(rd, ' ', '\r');
    size_t lf = meta_rd_span_until(rd, '\n', '\n');
    const uint8_t *p;

    if (lf < n)
        n = lf;
    p = fw_rd_ptr(rd, n);
    if (n == 0 || !p)
        return false;
    http_copy_target(h->url, sizeof(h->url), p, n);
    if (http_has_ctl(p, n, false))
        h->ctl |= META_HTTP_CTL_URL;
    return true;
}

/* SP "HTTP/1." DIGIT, possibly cut short by the end of the data. */
static bool http_req_version(struct fw_rd *rd)
{
    int d;

    if (fw_rd_left(rd) == 0)
        return true;
    if (!meta_rd_prefix_of(rd, " HTTP/1."))
        return false;
    if (fw_rd_left(rd) <= 8) {
        fw_rd_skip(rd, fw_rd_left(rd));     /* cut inside the version: all seen */
        return true;
    }
    d = fw_rd_peek(rd, 8);
    fw_rd_skip(rd, 9);
    return d >= '0' && d <= '9';
}

/* The line at the cursor, without its CR LF (or bare LF), as a sub-reader; rd
 * moves past the line end (and fails when the data ends first, which stops
 * the callers' loops). */
static struct fw_rd http_line(struct fw_rd *rd)
{
    size_t n = meta_rd_span_until(rd, '\n', '\n');
    bool cr = n > 0 && fw_rd_peek(rd, n - 1) == '\r';
    struct fw_rd line = fw_rd_sub(rd, cr ? n - 1 : n, NULL);

    fw_rd_skip(rd, cr ? 2 : 1);
    return line;
}

/* Copy the value of a header line (after ':'), trimmed of OWS; ctl_flag goes
 * into *flags when the value holds a control byte other than HTAB. */
static void http_value(struct fw_rd *line, char *dst, size_t dstlen, uint8_t *flags,
                       uint8_t ctl_flag)
{
    size_t n;
    const uint8_t *p;

    while (fw_rd_peek(line, 0) == ' ' || fw_rd_peek(line, 0) == '\t')
        fw_rd_skip(line, 1);
    n = fw_rd_left(line);
    p = fw_rd_ptr(line, n);
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (!p)
        return;
    if (http_has_ctl(p, n, true))
        *flags |= ctl_flag;
    meta_copy_field(dst, dstlen, p, n);
}

/* Header lines until the blank line or the end of the data; the first Host and
 * User-Agent win (a second Host is an evasion trick, not an update). */
static void http_headers(struct fw_rd *rd, struct meta_http *h)
{
    while (fw_rd_left(rd) > 0) {
        struct fw_rd line = http_line(rd);
        size_t colon = meta_rd_span_until(&line, ':', ':');
        const uint8_t *name;

        if (fw_rd_left(&line) == 0)
            return;                 /* blank line: end of the head */
        if (colon == fw_rd_left(&line))
            return;                 /* not a field line: stop, keep what we have */
        name = fw_rd_ptr(&line, colon);
        fw_rd_skip(&line, 1);
        if (colon == 4 && strncasecmp((const char *)name, "host", 4) == 0 && !h->host[0])
            http_value(&line, h->host, sizeof(h->host), &h->ctl, META_HTTP_CTL_HOST);
        else if (colon == 10 && strncasecmp((const char *)name, "user-agent", 10) == 0 &&
                 !h->user_agent[0])
            http_value(&line, h->user_agent, sizeof(h->user_agent), &h->ctl,
                       META_HTTP_CTL_UA);
    }
}

bool meta_http_parse_request(const uint8_t *data, size_t len, struct meta_http *h)
{
    struct fw_rd rd;

    h->method[0] = h->url[0] = h->host[0] = h->user_agent[0] = '\0';
    h->ctl = 0;
    if (!data)
        return false;
    fw_rd_init(&rd, data, len);
    if (!http_method(&rd, h))
        goto not_http;
    if (!http_target(&rd, h) || !http_req_version(&rd))
        goto not_http;
    if (fw_rd_left(&rd) > 0) {
        struct fw_rd rest = http_line(&rd);

        if (fw_rd_left(&rest) != 0)
            goto not_http;          /* junk after the version */
        http_headers(&rd, h);
    }
    return true;

not_http:
    h->method[0] = h->url[0] = '\0';
    h->ctl = 0;
    return false;
}

bool meta_http_parse_response(const uint8_t *data, size_t len, struct meta_http *h)
{
    struct fw_rd rd;
    uint8_t v[13];
    unsigned status;
    int i;

    if (!data)
        return false;
    fw_rd_init(&rd, data, len);
    if (!meta_rd_starts(&rd, "HTTP/1."))
        return false;
    fw_rd_bytes(&rd, v, sizeof(v) - 1);
    if (fw_rd_failed(&rd) || v[7] < '0' || v[7] > '9' || v[8] != ' ')
        return false;
    status = 0;
    for (i = 9; i < 12; i++) {
        if (v[i] < '0' || v[i] > '9')
            return false;
        status = status * 10 + (unsigned)(v[i] - '0');
    }
    i = fw_rd_peek(&rd, 0);
    if ((i != -1 && i != ' ' && i != '\r' && i != '\n') || status < 100 || status > 599)
        return false;
    h->status = (uint16_t)status;
    return true;
}
