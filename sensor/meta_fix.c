/* sensor/meta_fix.c: FIX session messages in a TCP payload.
 *
 * specification: FIX 4.x / FIXT.1.1 "tag=value" encoding (FIX Trading
 * Community, "FIX TagValue Encoding" v1.0), standard header and trailer.
 *
 *   8=BeginString<SOH>9=BodyLength<SOH>35=MsgType<SOH> ... <SOH>10=NNN<SOH>
 *   |<------ header start ----------->|<-- BodyLength bytes -->|
 *   CheckSum NNN = sum of every byte before "10=" modulo 256, 3 digits.
 *
 * Order matters: BeginString first, BodyLength second, MsgType third, CheckSum
 * last. A message breaking the order, with a body length that does not land on
 * "<SOH>10=", or with a wrong checksum is counted in messages and malformed; the
 * parser then resynchronises on the next "<SOH>8=". A message cut by the end of
 * the payload is not counted at all (the next segment carries the rest, and
 * this parser does no reassembly). A payload that starts mid-message skips to
 * the first "<SOH>8=FIX".
 *
 * Vendor framing: some venues (nDPI's fix.pcap) send BeginStrings like "O" or
 * "FIXCOMP" with a binary or zlib body framed only by BodyLength and no CheckSum.
 * When the BeginString is not "FIX.x.y"/"FIXT.x.y" and no "10=" follows the
 * body, the message counts as valid if the next bytes are the end of the
 * payload or another "8="; MsgType is then optional.
 */
#include "meta_parse.h"

#include <string.h>

#include "fw_err.h"
#include "fw_rd.h"
#include "meta_int.h"

#define META_FIX_SOH 0x01
#define META_FIX_TAG_DIGITS 9
#define META_FIX_BODY_MAX (1u << 20)    /* larger is a lie, not a big order */
#define META_FIX_HDR_FIELDS 16          /* fields after 35 searched for 49/56 */

enum meta_fix_rc {
    META_FIX_OK = 0,
    META_FIX_PARTIAL,               /* the data ended inside the message */
    META_FIX_BAD,                   /* malformed framing: counted, then resync */
    META_FIX_BAD_FRAMED,            /* framed, but bad checksum or layout: counted */
};

struct meta_fix_field {
    uint32_t tag;
    const uint8_t *val;             /* borrowed from the payload */
    size_t vlen;
};

/* What one message contributes, borrowed from the payload. */
struct meta_fix_msg {
    struct meta_fix_field begin, type, sender, target;
};

/* "tag=value<sep>" at the cursor. PARTIAL when the data ends inside it, BAD
 * when the tag is not 1-9 digits or the value is empty. */
static enum meta_fix_rc fix_field(struct fw_rd *rd, uint8_t sep, struct meta_fix_field *f)
{
    size_t digits = 0, n;
    int c;

    f->tag = 0;
    while ((c = fw_rd_peek(rd, 0)) >= '0' && c <= '9' && digits < META_FIX_TAG_DIGITS) {
        f->tag = f->tag * 10 + (uint32_t)(c - '0');
        fw_rd_skip(rd, 1);
        digits++;
    }
    if (c == -1)
        return META_FIX_PARTIAL;
    if (digits == 0 || c != '=')
        return META_FIX_BAD;
    fw_rd_skip(rd, 1);
    n = meta_rd_span_until(rd, sep, sep);
    if (n == fw_rd_left(rd))
        return META_FIX_PARTIAL;
    f->val = fw_rd_ptr(rd, n);
    f->vlen = n;
    fw_rd_skip(rd, 1);
    return n == 0 ? META_FIX_BAD : META_FIX_OK;
}

/* Decimal value of a field: 1-7 digits (leading zeros allowed), else -1. */
static long fix_uint(const struct meta_fix_field *f)
{
    long v = 0;
    size_t i;

    if (f->vlen == 0 || f->vlen > 7)
        return -1;
    for (i = 0; i < f->vlen; i++) {
        if (f->val[i] < '0' || f->val[i] > '9')
            return -1;
        v = v * 10 + (f->val[i] - '0');
    }
    return v;
}

static bool fix_standard_begin(const struct meta_fix_field *f)
{
    return (f->vlen > 4 && memcmp(f->val, "FIX.", 4) == 0) ||
           (f->vlen > 5 && memcmp(f->val, "FIXT.", 5) == 0);
}

/* MsgType first, then SenderCompID/TargetCompID among the first fields of the
 * body (they belong to the standard header). Stops quietly at the first odd
 * field: binary data fields may hold separators. */
static enum meta_fix_rc fix_body(struct fw_rd body, uint8_t sep, bool need_type,
                                 struct meta_fix_msg *m)
{
    struct meta_fix_field f;
    int fields = 0;

    if (fix_field(&body, sep, &f) != META_FIX_OK || f.tag != 35)
        return need_type ? META_FIX_BAD : META_FIX_OK;
    m->type = f;
    while (fields++ < META_FIX_HDR_FIELDS && fix_field(&body, sep, &f) == META_FIX_OK) {
        if (f.tag == 49 && !m->sender.val)
            m->sender = f;
        else if (f.tag == 56 && !m->target.val)
            m->target = f;
    }
    return META_FIX_OK;
}

/* Sum of the bytes [start, end) of rd's window, modulo 256. */
static unsigned fix_sum(const struct fw_rd *rd, size_t start, size_t end)
{
    struct fw_rd span = meta_rd_window(rd, start, end);
    size_t n = fw_rd_left(&span), i;
    const uint8_t *p = fw_rd_ptr(&span, n);
    unsigned sum = 0;

    for (i = 0; p && i < n; i++)
        sum += p[i];
    return sum % 256;
}

/* The end of a message whose body ends at the cursor: "10=NNN<sep>" for
 * standard ones; vendor framing (see the file comment) may instead be followed
 * by the end of the data or another "8=". *checksum is -1 when absent. */
static enum meta_fix_rc fix_frame_end(struct fw_rd *rd, uint8_t sep, bool standard,
                                      const struct fw_rd *body, long *checksum)
{
    struct meta_fix_field f;
    enum meta_fix_rc rc;
    size_t blen = fw_rd_left(body);

    *checksum = -1;
    if (!standard && (fw_rd_left(rd) == 0 || !meta_rd_prefix_of(rd, "10="))) {
        if (fw_rd_left(rd) == 0 || meta_rd_starts(rd, "8="))
            return META_FIX_OK;
        return META_FIX_BAD;
    }
    if (blen == 0 || fw_rd_peek(body, blen - 1) != sep)
        return META_FIX_BAD;        /* body length does not end on a field */
    rc = fix_field(rd, sep, &f);
    if (rc != META_FIX_OK)
        return rc;
    if (f.tag != 10 || f.vlen != 3 || (*checksum = fix_uint(&f)) < 0)
        return META_FIX_BAD;
    return META_FIX_OK;
}

/* One message at the cursor into *m. BAD: the framing failed, the caller
 * resynchronises from the message start. BAD_FRAMED: framing held (rd is
 * after the message) but the content is wrong. Framing is settled before any
 * per-byte work so overlapping fake messages cannot make this quadratic. */
static enum meta_fix_rc fix_message(struct fw_rd *rd, uint8_t sep, struct meta_fix_msg *m)
{
    size_t start = fw_rd_off(rd), body_end;
    struct meta_fix_field f;
    enum meta_fix_rc rc;
    bool standard, cut;
    struct fw_rd body;
    long blen, checksum;

    memset(m, 0, sizeof(*m));
    if ((rc = fix_field(rd, sep, &m->begin)) != META_FIX_OK)
        return rc;
    if ((rc = fix_field(rd, sep, &f)) != META_FIX_OK)
        return rc;
    blen = fix_uint(&f);
    if (m->begin.tag != 8 || f.tag != 9 || blen < 0 || (unsigned long)blen > META_FIX_BODY_MAX)
        return META_FIX_BAD;
    body_end = fw_rd_off(rd) + (size_t)blen;
    body = fw_rd_sub(rd, (size_t)blen, &cut);
    if (cut)
        return META_FIX_PARTIAL;
    standard = fix_standard_begin(&m->begin);
    rc = fix_frame_end(rd, sep, standard, &body, &checksum);
    if (rc != META_FIX_OK)
        return rc;
    if (checksum >= 0 && (long)fix_sum(rd, start, body_end) != checksum)
        return META_FIX_BAD_FRAMED;
    if (fix_body(body, sep, standard, m) != META_FIX_OK)
        return META_FIX_BAD_FRAMED;
    return META_FIX_OK;
}

/* Move rd to the next "<sep>8=" after the cursor (at its '8'); false if none. */
static bool fix_resync(struct fw_rd *rd, uint8_t sep, const char *after)
{
    size_t alen = strlen(after);

    while (fw_rd_left(rd) > alen) {
        if (fw_rd_peek(rd, 0) == sep) {
            fw_rd_skip(rd, 1);
            if (meta_rd_starts(rd, after))
                return true;
        } else {
            fw_rd_skip(rd, 1);
        }
    }
    return false;
}

/* Count one MsgType in the first META_FIX_MSGTYPES distinct slots. */
static void fix_count_type(struct meta_fix *fix, const struct meta_fix_field *type)
{
    char t[sizeof(fix->msgtypes[0].type)];
    int i;

    meta_copy_field(t, sizeof(t), type->val, type->vlen);
    if (strcmp(t, "0") == 0)
        fix->heartbeats++;
    for (i = 0; i < META_FIX_MSGTYPES; i++) {
        if (fix->msgtypes[i].type[0] == '\0')
            memcpy(fix->msgtypes[i].type, t, sizeof(t));
        if (strcmp(fix->msgtypes[i].type, t) == 0) {
            fix->msgtypes[i].count++;
            return;
        }
    }
}

/* Fold one valid message into *fix. The ids are kept as seen from the flow's
 * source: a responder's 49 is the initiator's 56. Each id is taken from the
 * first message that carries it, independently: a capture that starts
 * mid-session often opens with the server's TestRequest (no 49/56) or with a
 * message carrying only one of them, and the other must still be filled by a
 * later message from either side. */
static void fix_apply(struct meta_fix *fix, const struct meta_fix_msg *m, bool from_initiator)
{
    const struct meta_fix_field *snd = from_initiator ? &m->sender : &m->target;
    const struct meta_fix_field *tgt = from_initiator ? &m->target : &m->sender;

    if (!fix->begin_string[0])
        meta_copy_field(fix->begin_string, sizeof(fix->begin_string), m->begin.val,
                        m->begin.vlen);
    if (m->type.val)
        fix_count_type(fix, &m->type);
    if (!fix->sender_comp_id[0] && snd->val)
        meta_copy_field(fix->sender_comp_id, sizeof(fix->sender_comp_id), snd->val, snd->vlen);
    if (!fix->target_comp_id[0] && tgt->val)
        meta_copy_field(fix->target_comp_id, sizeof(fix->target_comp_id), tgt->val, tgt->vlen);
}

int meta_fix_parse_sep(const uint8_t *data, size_t len, uint8_t sep, bool from_initiator,
                       struct meta_fix *fix)
{
    struct fw_rd rd;
    struct meta_fix_msg m;
    int count = 0;

    if (!data || !fix)
        return FW_EINVAL;
    fw_rd_init(&rd, data, len);
    if (!meta_rd_starts(&rd, "8=") && !fix_resync(&rd, sep, "8=FIX"))
        return FW_EPARSE;
    while (fw_rd_left(&rd) > 0) {
        struct fw_rd at = rd;
        enum meta_fix_rc rc = fix_message(&rd, sep, &m);

        if (rc == META_FIX_PARTIAL)
            break;
        count++;
        fix->messages++;
        if (rc == META_FIX_OK) {
            fix_apply(fix, &m, from_initiator);
            continue;
        }
        fix->malformed++;
        if (rc == META_FIX_BAD_FRAMED)
            continue;
        rd = at;
        if (!fix_resync(&rd, sep, "8="))
            break;
    }
    return count;
}

int meta_fix_parse(const uint8_t *data, size_t len, bool from_initiator, struct meta_fix *fix)
{
    return meta_fix_parse_sep(data, len, META_FIX_SOH, from_initiator, fix);
}

bool meta_fix_looks_like(const uint8_t *data, size_t len)
{
    return data && len >= 5 && memcmp(data, "8=FIX", 5) == 0;
}
