/* sensor/meta_tls.c: SNI and offered version from a TLS ClientHello.
 *
 * specification: RFC 8446 sections 4.1.2 (ClientHello) and 4.2.1
 * (supported_versions), RFC 6066 section 3 (server_name), RFC 8701 (GREASE).
 *
 *   record:    type(8)=22 | version(16) | length(16)
 *   handshake: type(8)=1  | length(24)
 *   hello:     client_version(16) | random[32] | session_id<0..32>
 *              | cipher_suites<2..2^16-2> | compression<1..2^8-1>
 *              | extensions<0..2^16-1>: { type(16) | length(16) | data }
 *
 * Every length narrows the reader it applies to (STYLE.md rule 8), so a lying
 * length cannot read past its parent. A hello cut by the end of the segment
 * still yields the fields that fitted. JA3 is nDPI's job and is left alone.
 */
#include "meta_parse.h"

#include "fw_rd.h"
#include "meta_int.h"

#define META_TLS_CT_HANDSHAKE 22
#define META_TLS_HS_CLIENT_HELLO 1
#define META_TLS_EXT_SERVER_NAME 0
#define META_TLS_EXT_SUPPORTED_VERSIONS 43
#define META_TLS_SNI_HOST_NAME 0

/* RFC 8701: GREASE values look like 0x?a?a with both bytes equal. */
static bool tls_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* server_name extension: the first host_name entry. */
static void tls_ext_sni(struct fw_rd *ext, struct meta_tls *t)
{
    uint16_t list_len = fw_rd_u16be(ext);
    struct fw_rd list = fw_rd_sub(ext, list_len, NULL);

    while (fw_rd_left(&list) >= 3) {
        uint8_t type = fw_rd_u8(&list);
        uint16_t n = fw_rd_u16be(&list);
        const uint8_t *name = fw_rd_ptr(&list, n);

        if (!name)
            return;
        if (type == META_TLS_SNI_HOST_NAME) {
            meta_copy_field(t->server_name, sizeof(t->server_name), name, n);
            return;
        }
    }
}

/* supported_versions (ClientHello form): the highest non-GREASE version. */
static void tls_ext_versions(struct fw_rd *ext, struct meta_tls *t)
{
    uint8_t n = fw_rd_u8(ext);
    struct fw_rd list = fw_rd_sub(ext, n, NULL);
    uint16_t best = 0;

    while (fw_rd_left(&list) >= 2) {
        uint16_t v = fw_rd_u16be(&list);

        if (!tls_is_grease(v) && v > best)
            best = v;
    }
    if (best)
        t->version = best;
}

static void tls_extensions(struct fw_rd *hello, struct meta_tls *t)
{
    uint16_t total = fw_rd_u16be(hello);
    struct fw_rd exts = fw_rd_sub(hello, total, NULL);

    while (fw_rd_left(&exts) >= 4) {
        uint16_t type = fw_rd_u16be(&exts);
        uint16_t n = fw_rd_u16be(&exts);
        struct fw_rd ext = fw_rd_sub(&exts, n, NULL);

        if (type == META_TLS_EXT_SERVER_NAME && !t->server_name[0])
            tls_ext_sni(&ext, t);
        else if (type == META_TLS_EXT_SUPPORTED_VERSIONS)
            tls_ext_versions(&ext, t);
    }
}

/* Record and handshake headers; on success hello covers the ClientHello body. */
static bool tls_hello_window(struct fw_rd *rd, struct fw_rd *hello)
{
    uint8_t ct = fw_rd_u8(rd);
    uint8_t major = fw_rd_u8(rd);
    struct fw_rd rec;
    uint32_t hs_len;

    fw_rd_skip(rd, 1);              /* record minor version: often 1 for compatibility */
    rec = fw_rd_sub(rd, fw_rd_u16be(rd), NULL);
    if (fw_rd_failed(rd) || ct != META_TLS_CT_HANDSHAKE || major != 3)
        return false;
    if (fw_rd_u8(&rec) != META_TLS_HS_CLIENT_HELLO)
        return false;
    hs_len = (uint32_t)fw_rd_u8(&rec) << 16;
    hs_len |= fw_rd_u16be(&rec);
    if (fw_rd_failed(&rec))
        return false;
    *hello = fw_rd_sub(&rec, hs_len, NULL);
    return true;
}

bool meta_tls_parse_client_hello(const uint8_t *data, size_t len, struct meta_tls *t)
{
    struct fw_rd rd, hello;
    uint16_t client_version;

    t->server_name[0] = '\0';
    t->version = 0;
    if (!data)
        return false;
    fw_rd_init(&rd, data, len);
    if (!tls_hello_window(&rd, &hello))
        return false;
    client_version = fw_rd_u16be(&hello);
    if (fw_rd_failed(&hello) || client_version >> 8 != 3)
        return false;
    t->version = client_version;
    fw_rd_skip(&hello, 32);                     /* random */
    fw_rd_skip(&hello, fw_rd_u8(&hello));       /* session id */
    fw_rd_skip(&hello, fw_rd_u16be(&hello));    /* cipher suites */
    fw_rd_skip(&hello, fw_rd_u8(&hello));       /* compression methods */
    if (fw_rd_left(&hello) >= 2)
        tls_extensions(&hello, t);
    return true;
}
