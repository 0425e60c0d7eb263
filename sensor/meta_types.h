/* sensor/meta_types.h: application metadata the sensor's own parsers extract.
 *
 * nDPI 4.2 keeps only the first DNS query and truncates names, and says
 * nothing of FIX, so the meta_* parsers (sensor/meta_*.h) fill these structs
 * from payload bytes. They travel inside flow events to the analyzers and
 * into flow records. Fixed-size, NUL-terminated strings: bytes are copied
 * verbatim (a name may hold any byte) and escaped only when written out.
 */
#ifndef META_TYPES_H
#define META_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#define META_DNS_NAME_MAX 256       /* presentation form, 253 chars + NUL, rounded */
#define META_DNS_MAX_QUESTIONS 4
#define META_DNS_MAX_ANSWERS 8

struct meta_dns_question {
    char name[META_DNS_NAME_MAX];   /* dotted, no trailing dot; "" for the root */
    uint16_t qtype;
    uint16_t qclass;
};

struct meta_dns_answer {
    char name[META_DNS_NAME_MAX];
    uint16_t rtype;
    uint32_t ttl;
    uint16_t rdlength;
    char data[META_DNS_NAME_MAX];   /* A/AAAA as text, CNAME/NS/PTR/MX target, TXT bytes */
};

/* One DNS message (query or response), from UDP or TCP (length-prefixed). */
struct meta_dns_msg {
    uint16_t id;
    bool is_response;
    uint8_t opcode;
    uint8_t rcode;
    bool truncated_flag;            /* TC bit */
    uint16_t qdcount, ancount, nscount, arcount;   /* as declared in the header */
    uint8_t n_questions;            /* parsed into questions[] */
    uint8_t n_answers;              /* parsed into answers[] */
    struct meta_dns_question questions[META_DNS_MAX_QUESTIONS];
    struct meta_dns_answer answers[META_DNS_MAX_ANSWERS];
    uint32_t msg_len;               /* bytes of the DNS message */
};

struct meta_http {
    char method[16];
    char host[128];
    char url[256];
    char user_agent[192];
    uint16_t status;                /* from the first response, 0 if none seen */
    uint8_t ctl;                    /* META_HTTP_CTL_*: where the request had raw control bytes */
};

/* Raw control bytes (other than HTAB in a field value) where RFC 9112/9110 allow
 * none: no client sends them; parser confusion and null-byte injection do. */
#define META_HTTP_CTL_URL 0x01u     /* request target (kept %XX-encoded in url) */
#define META_HTTP_CTL_HOST 0x02u    /* Host value (copied up to the first NUL) */
#define META_HTTP_CTL_UA 0x04u      /* User-Agent value */

struct meta_tls {
    char server_name[128];          /* SNI */
    char ja3_client[33];            /* hex MD5 as nDPI computes it */
    uint16_t version;               /* negotiated or offered version */
};

struct meta_ssh {
    char client_banner[96];         /* "SSH-2.0-OpenSSH_8.9" */
    char server_banner[96];
};

#define META_FIX_MSGTYPES 8

struct meta_fix {
    char begin_string[16];          /* "FIX.4.2", "FIXT.1.1" */
    char sender_comp_id[40];        /* tag 49 of the first message from the flow's source */
    char target_comp_id[40];        /* tag 56 */
    uint32_t messages;              /* complete messages parsed */
    uint32_t malformed;             /* messages with a bad checksum, length or layout */
    uint32_t heartbeats;            /* MsgType 0 */
    struct {
        char type[4];               /* MsgType (tag 35) value */
        uint32_t count;
    } msgtypes[META_FIX_MSGTYPES];  /* first distinct types seen */
};

#endif
