/* dashboard-export/rdx_read.h: the dashboard's read-only Redis client.
 *
 * The dashboard reads what the exporter (rdx_writer, agg_map) writes and never
 * writes itself. STYLE rule 16 keeps <hiredis.h> inside rdx_*, so replies are
 * copied into struct rdx_val, a small tree the dash_* code can walk without
 * hiredis types. Two objects: struct rdx_read runs one command at a time on a
 * blocking connection that reconnects on the next call after a failure (one
 * thread at a time: the caller locks), and struct rdx_sub holds a SUBSCRIBE
 * connection whose rdx_sub_next() waits a bounded time so its thread can
 * notice a stop request. URLs are parsed by rdx_url_parse (rdx_conn.h).
 */
#ifndef RDX_READ_H
#define RDX_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fw_buf.h"

enum rdx_val_type {
    RDX_VAL_NIL = 0,
    RDX_VAL_STR,            /* bulk or status string */
    RDX_VAL_INT,
    RDX_VAL_ARR,
    RDX_VAL_ERR,            /* Redis error reply; text in str */
};

struct rdx_val {
    enum rdx_val_type type;
    char *str;              /* STR/ERR: NUL-terminated copy (may hold NULs before len) */
    size_t len;
    long long integer;      /* INT */
    struct rdx_val *elem;   /* ARR: owned array of n values */
    size_t n;
};

void rdx_val_free(struct rdx_val *v);
/* Element i of an array value, or NULL when v is not an array or i is out of range. */
const struct rdx_val *rdx_val_at(const struct rdx_val *v, size_t i);
/* True when v is a string equal to s. */
bool rdx_val_is(const struct rdx_val *v, const char *s);

struct rdx_read;

/* url is copied; no I/O here. NULL with a reason in err when the URL is bad. */
struct rdx_read *rdx_read_create(const char *url, uint64_t timeout_us, char *err,
                                 size_t errlen);
void rdx_read_destroy(struct rdx_read *r);
/* Run argv (argc strings) and return the reply in *out (caller frees with
 * rdx_val_free). Connects first when down. 0, or FW_ECONN / FW_ETIMEDOUT /
 * FW_EAUTH / FW_ENOMEM with the reason in rdx_read_errmsg(); a Redis error
 * reply is a success whose value has type RDX_VAL_ERR. Not thread-safe. */
int rdx_read_cmd(struct rdx_read *r, struct rdx_val **out, int argc, const char **argv);
const char *rdx_read_errmsg(const struct rdx_read *r);
/* The URL with the password hidden, for messages. */
const char *rdx_read_url(const struct rdx_read *r);

struct rdx_sub;

/* Subscribe to channel (copied) at url; no I/O until rdx_sub_next. */
struct rdx_sub *rdx_sub_create(const char *url, const char *channel, uint64_t timeout_us,
                               char *err, size_t errlen);
void rdx_sub_destroy(struct rdx_sub *s);
/* Wait up to wait_ms for one message; on 0 its payload is in msg (reset first).
 * FW_EAGAIN when nothing came; FW_ECONN when the connection is down (the next
 * call reconnects and subscribes again). One thread only. */
int rdx_sub_next(struct rdx_sub *s, struct fw_buf *msg, int wait_ms);
const char *rdx_sub_errmsg(const struct rdx_sub *s);

#endif
