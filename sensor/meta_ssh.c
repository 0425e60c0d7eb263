/* sensor/meta_ssh.c: the SSH identification string.
 *
 * specification: RFC 4253 section 4.2.
 *
 *   SSH-protoversion-softwareversion SP comments CR LF
 *   (at most 255 bytes including CR LF; printable US-ASCII only)
 *
 * The banner is taken from the start of the payload; the "other lines" a
 * server may send first are not looked for. A line cut by the end of the
 * segment is accepted if what is there is a valid prefix of a banner.
 */
#include "meta_parse.h"

#include "fw_rd.h"
#include "meta_int.h"

#define META_SSH_LINE_MAX 255       /* RFC 4253: including CR LF */

/* "x.y-" at the cursor, with x and y runs of digits. */
static bool ssh_proto_version(struct fw_rd *rd)
{
    int c;
    int digits;

    for (int part = 0; part < 2; part++) {
        for (digits = 0; (c = fw_rd_peek(rd, 0)) >= '0' && c <= '9'; digits++)
            fw_rd_skip(rd, 1);
        if (digits == 0 || c != (part == 0 ? '.' : '-'))
            return false;
        fw_rd_skip(rd, 1);
    }
    return true;
}

bool meta_ssh_parse_banner(const uint8_t *data, size_t len, char *out, size_t outlen)
{
    struct fw_rd rd, line, ver;
    size_t n, i;
    const uint8_t *p;

    if (!out || outlen == 0)
        return false;
    out[0] = '\0';
    if (!data)
        return false;
    fw_rd_init(&rd, data, len);
    n = meta_rd_span_until(&rd, '\r', '\n');
    if (n > META_SSH_LINE_MAX - 2)
        return false;
    line = fw_rd_sub(&rd, n, NULL);
    ver = line;
    if (!meta_rd_starts(&ver, "SSH-"))
        return false;
    fw_rd_skip(&ver, 4);
    if (!ssh_proto_version(&ver))
        return false;
    p = fw_rd_ptr(&line, n);
    if (!p)
        return false;
    for (i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] > 0x7e)
            return false;
    }
    meta_copy_field(out, outlen, p, n);
    return true;
}
