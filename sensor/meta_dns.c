/* sensor/meta_dns.c: DNS message parser for the sensor's own metadata.
 *
 * specification: RFC 1035 sections 4.1 (message) and 4.2.2 (TCP length
 * prefix); RFC 3596 (AAAA); RFC 4343 (presentation of odd label bytes).
 *
 *    0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  |                      ID                       |
 *  |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
 *  |                    QDCOUNT                    |
 *  |                    ANCOUNT                    |
 *  |                    NSCOUNT                    |
 *  |                    ARCOUNT                    |
 *  +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *  question: QNAME QTYPE(16) QCLASS(16)
 *  RR:       NAME TYPE(16) CLASS(16) TTL(32) RDLENGTH(16) RDATA
 *
 * nDPI keeps only the first query, so tunnelling detection needs every question
 * and answer. Names are presented dotted, without the trailing dot; label bytes
 * are kept verbatim except three that would make the text ambiguous or cut the
 * C string: '.' becomes "\.", '\' becomes "\\" and NUL becomes "\000" (RFC 4343
 * style). The JSON writer escapes everything else on output.
 *
 * Compression pointers must point strictly before the start of the segment that
 * holds them, so every chain strictly decreases and a loop is impossible; on top
 * of that a chain is capped at META_DNS_MAX_HOPS pointers and a name at 255 wire
 * bytes (RFC 1035 2.3.4). Pure functions over borrowed bytes.
 */
#include "meta_parse.h"

#include <stdio.h>
#include <string.h>

#include "fw_err.h"
#include "fw_ip.h"
#include "fw_rd.h"
#include "meta_int.h"

#define META_DNS_HDR_LEN 12
#define META_DNS_MAX_HOPS 16
#define META_DNS_NAME_WIRE_MAX 255
#define META_DNS_QDCOUNT_MAX 64         /* real resolvers send 1; random bytes rarely < 65 */
#define META_DNS_RR_MIN_LEN 11          /* root name + type, class, ttl, rdlength */

#define META_DNS_T_A 1
#define META_DNS_T_NS 2
#define META_DNS_T_CNAME 5
#define META_DNS_T_PTR 12
#define META_DNS_T_MX 15
#define META_DNS_T_TXT 16
#define META_DNS_T_AAAA 28

enum meta_dns_name_rc {
    META_DNS_NAME_OK = 0,
    META_DNS_NAME_TRUNC,            /* ran off the captured bytes */
    META_DNS_NAME_BAD,              /* loop, forward pointer, bad label type, too long */
};

/* Text being built; once a piece does not fit, nothing more is appended, so an
 * escape sequence is never cut in half. */
struct meta_dns_text {
    char *s;
    size_t cap;
    size_t len;
    bool full;
};

static void dns_text_put(struct meta_dns_text *t, const char *p, size_t n)
{
    if (t->full || t->cap - t->len <= n) {
        t->full = true;
        return;
    }
    memcpy(t->s + t->len, p, n);
    t->len += n;
    t->s[t->len] = '\0';
}

/* Append one label in presentation form (see the file comment). */
static void dns_text_label(struct meta_dns_text *t, const uint8_t *lab, size_t n)
{
    size_t i, before = t->len;

    if (t->len > 0 || t->full)
        dns_text_put(t, ".", 1);
    /* most labels need no escape and fit: one copy (a put per byte was 2 % of
     * a worker); the byte loop keeps what fits of a label that does not */
    if (!t->full && t->cap - t->len > n && !memchr(lab, '.', n) && !memchr(lab, '\\', n) &&
        !memchr(lab, '\0', n)) {
        dns_text_put(t, (const char *)lab, n);
        n = 0;
    }
    for (i = 0; i < n; i++) {
        char c = (char)lab[i];

        if (c == '.')
            dns_text_put(t, "\\.", 2);
        else if (c == '\\')
            dns_text_put(t, "\\\\", 2);
        else if (c == '\0')
            dns_text_put(t, "\\000", 4);
        else
            dns_text_put(t, &c, 1);
    }
    if (t->full && t->len == before + 1) {
        t->len = before;            /* no dangling separator on a cut name */
        t->s[before] = '\0';
    }
}

/* Follow one compression pointer whose first byte b0 was just read from cur.
 * seg_start is where the current segment began; the target must lie before it.
 * in_place (NULL once a pointer was followed) receives the position after the
 * pointer: where the name ends as written. */
static enum meta_dns_name_rc dns_name_jump(struct fw_rd *cur, struct fw_rd *in_place,
                                           const struct fw_rd *msg, uint8_t b0,
                                           size_t *seg_start)
{
    uint8_t b1 = fw_rd_u8(cur);
    size_t target = (size_t)(b0 & 0x3f) << 8 | b1;

    if (fw_rd_failed(cur))
        return META_DNS_NAME_TRUNC;
    if (target >= *seg_start)
        return META_DNS_NAME_BAD;
    if (in_place)
        *in_place = *cur;
    *cur = meta_rd_window(msg, target, msg->len);
    *seg_start = target;
    return META_DNS_NAME_OK;
}

/* Decode the name at rd's cursor. Labels of the first segment must lie in rd's
 * window (the message, or one RR's RDATA); pointers lead into msg, the whole
 * message, whose offsets they count, so rd's window must start where msg's
 * does. On return rd sits after the name as written in place (after the first
 * pointer if any). */
static enum meta_dns_name_rc dns_name(struct fw_rd *rd, const struct fw_rd *msg,
                                      char *out, size_t outlen)
{
    struct meta_dns_text t = { out, outlen, 0, false };
    struct fw_rd cur = *rd;
    size_t seg_start = fw_rd_off(rd), wire = 1, hops = 0;
    bool jumped = false;

    out[0] = '\0';
    for (;;) {
        uint8_t n = fw_rd_u8(&cur);
        const uint8_t *lab;
        enum meta_dns_name_rc rc;

        if (fw_rd_failed(&cur))
            return META_DNS_NAME_TRUNC;
        if (n == 0)
            break;
        if ((n & 0xc0) == 0xc0) {
            if (++hops > META_DNS_MAX_HOPS)
                return META_DNS_NAME_BAD;
            rc = dns_name_jump(&cur, jumped ? NULL : rd, msg, n, &seg_start);
            if (rc != META_DNS_NAME_OK)
                return rc;
            jumped = true;
            continue;
        }
        if (n & 0xc0)               /* 0x40/0x80: extended/obsolete label types */
            return META_DNS_NAME_BAD;
        wire += (size_t)n + 1;
        if (wire > META_DNS_NAME_WIRE_MAX)
            return META_DNS_NAME_BAD;
        lab = fw_rd_ptr(&cur, n);
        if (!lab)
            return META_DNS_NAME_TRUNC;
        dns_text_label(&t, lab, n);
    }
    if (!jumped)
        *rd = cur;
    return META_DNS_NAME_OK;
}

/* Header fields and the plausibility test: 0 or FW_EPARSE. */
static int dns_header(struct fw_rd *m, struct meta_dns_msg *msg)
{
    uint16_t flags;
    uint8_t opcode;
    size_t rrs;

    msg->id = fw_rd_u16be(m);
    flags = fw_rd_u16be(m);
    msg->qdcount = fw_rd_u16be(m);
    msg->ancount = fw_rd_u16be(m);
    msg->nscount = fw_rd_u16be(m);
    msg->arcount = fw_rd_u16be(m);
    if (fw_rd_failed(m))
        return FW_EPARSE;
    msg->is_response = (flags & 0x8000) != 0;
    opcode = (uint8_t)(flags >> 11 & 0x0f);
    msg->opcode = opcode;
    msg->truncated_flag = (flags & 0x0200) != 0;
    msg->rcode = (uint8_t)(flags & 0x0f);
    /* Opcodes 0-2 and 4-6 are assigned; 3 and 7-15 are not (IANA). */
    if (opcode == 3 || opcode > 6)
        return FW_EPARSE;
    if (msg->qdcount > META_DNS_QDCOUNT_MAX)
        return FW_EPARSE;
    rrs = (size_t)msg->ancount + msg->nscount + msg->arcount;
    if (rrs > 65535 / META_DNS_RR_MIN_LEN)
        return FW_EPARSE;
    if (msg->qdcount == 0 && rrs == 0)
        return FW_EPARSE;           /* says nothing: a header-shaped accident */
    return 0;
}

/* All questions; the first META_DNS_MAX_QUESTIONS are stored. Returns 0, 1 when
 * the data ended or a later name is malformed (keep what parsed, stop), or
 * FW_EPARSE when the first name is malformed (not DNS at all). */
static int dns_questions(struct fw_rd *m, struct meta_dns_msg *msg)
{
    char scratch[META_DNS_NAME_MAX];
    uint16_t i;

    for (i = 0; i < msg->qdcount; i++) {
        bool keep = msg->n_questions < META_DNS_MAX_QUESTIONS;
        struct meta_dns_question *q = keep ? &msg->questions[msg->n_questions] : NULL;
        enum meta_dns_name_rc rc = dns_name(m, m, keep ? q->name : scratch,
                                            META_DNS_NAME_MAX);
        uint16_t qtype, qclass;

        qtype = fw_rd_u16be(m);
        qclass = fw_rd_u16be(m);
        if (rc != META_DNS_NAME_OK || fw_rd_failed(m)) {
            if (q)
                q->name[0] = '\0';
            if (rc == META_DNS_NAME_BAD && i == 0)
                return FW_EPARSE;
            return 1;               /* cut, or DNS-shaped so far: keep what parsed */
        }
        if (q) {
            q->qtype = qtype;
            q->qclass = qclass;
            msg->n_questions++;
        }
    }
    return 0;
}

/* A/AAAA rdata as text; anything but the exact size leaves data empty. */
static void dns_rdata_addr(struct fw_rd *rdata, struct meta_dns_answer *a)
{
    uint8_t b[16];
    struct fw_ip ip;
    size_t n = a->rtype == META_DNS_T_A ? 4 : 16;

    if (fw_rd_left(rdata) != n)
        return;
    fw_rd_bytes(rdata, b, n);
    memset(&ip, 0, sizeof(ip));
    if (n == 4)
        fw_ip_set4(&ip, b);
    else
        fw_ip_set6(&ip, b);
    fw_ip_str(&ip, a->data, sizeof(a->data));
}

/* TXT: the character-strings' bytes concatenated, verbatim, truncated. */
static void dns_rdata_txt(struct fw_rd *rdata, struct meta_dns_answer *a)
{
    size_t used = 0;

    while (fw_rd_left(rdata) > 0) {
        uint8_t n = fw_rd_u8(rdata);
        const uint8_t *p = fw_rd_ptr(rdata, n);
        size_t room = sizeof(a->data) - 1 - used;

        if (!p)
            break;                  /* string longer than RDATA: keep what we have */
        if (n > room)
            n = (uint8_t)room;
        memcpy(a->data + used, p, n);
        used += n;
    }
    a->data[used] = '\0';
}

/* Decode RDATA of a->rtype. The name types read their target through the
 * message window m so pointers resolve; rdata_off/rdlen place RDATA in m. */
static void dns_rdata(const struct fw_rd *m, size_t rdata_off, size_t rdlen,
                      struct meta_dns_answer *a)
{
    struct fw_rd r = meta_rd_window(m, rdata_off, rdata_off + rdlen);

    switch (a->rtype) {
    case META_DNS_T_A:
    case META_DNS_T_AAAA:
        dns_rdata_addr(&r, a);
        break;
    case META_DNS_T_MX:
        fw_rd_skip(&r, 2);          /* preference */
        /* fall through */
    case META_DNS_T_NS:
    case META_DNS_T_CNAME:
    case META_DNS_T_PTR:
        if (fw_rd_failed(&r) || dns_name(&r, m, a->data, sizeof(a->data)) != META_DNS_NAME_OK)
            a->data[0] = '\0';
        break;
    case META_DNS_T_TXT:
        dns_rdata_txt(&r, a);
        break;
    default:
        break;
    }
}

/* One answer RR into *a. False when the data ended or the RR is malformed;
 * the caller then stops (what parsed before stays). */
static bool dns_answer(struct fw_rd *m, struct meta_dns_answer *a)
{
    size_t rdata_off;
    bool cut;

    if (dns_name(m, m, a->name, sizeof(a->name)) != META_DNS_NAME_OK)
        return false;
    a->rtype = fw_rd_u16be(m);
    fw_rd_skip(m, 2);               /* class */
    a->ttl = fw_rd_u32be(m);
    a->rdlength = fw_rd_u16be(m);
    if (fw_rd_failed(m))
        return false;
    rdata_off = fw_rd_off(m);
    (void)fw_rd_sub(m, a->rdlength, &cut);
    if (cut)
        return false;
    dns_rdata(m, rdata_off, a->rdlength, a);
    return true;
}

/* Reader over the DNS message proper: the UDP payload, or the bytes the TCP
 * length prefix announces (fewer if the capture is short). */
static int dns_window(const uint8_t *data, size_t len, bool over_tcp, struct fw_rd *m,
                      uint32_t *msg_len)
{
    struct fw_rd rd;
    uint16_t declared;

    fw_rd_init(&rd, data, len);
    if (!over_tcp) {
        *m = rd;
        *msg_len = (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len);
        return 0;
    }
    declared = fw_rd_u16be(&rd);
    if (fw_rd_failed(&rd) || declared < META_DNS_HDR_LEN)
        return FW_EPARSE;
    *m = fw_rd_sub(&rd, declared, NULL);
    *msg_len = declared;
    return 0;
}

int meta_dns_parse(const uint8_t *data, size_t len, bool over_tcp, struct meta_dns_msg *msg)
{
    struct fw_rd m;
    uint16_t i;
    int rc;

    memset(msg, 0, sizeof(*msg));
    if (!data)
        return FW_EINVAL;
    rc = dns_window(data, len, over_tcp, &m, &msg->msg_len);
    if (rc < 0)
        return rc;
    rc = dns_header(&m, msg);
    if (rc < 0)
        return rc;
    rc = dns_questions(&m, msg);
    if (rc != 0)
        return rc < 0 ? rc : 0;
    for (i = 0; i < msg->ancount && msg->n_answers < META_DNS_MAX_ANSWERS; i++) {
        struct meta_dns_answer *a = &msg->answers[msg->n_answers];

        if (!dns_answer(&m, a)) {
            memset(a, 0, sizeof(*a));
            break;
        }
        msg->n_answers++;
    }
    return 0;
}
