/* dashboard-export/rdx_conn.h: one Redis connection with timeouts, session
 * setup and reconnect backoff.
 *
 * Parses redis://[user:pass@]host:port/db and unix:///path[?db=N], connects
 * with a bounded connect time, then sets the read/write timeout
 * (redisSetTimeout: a connect timeout does not bound reads), TCP keepalive,
 * AUTH and SELECT. hiredis 0.14 forgets all of that on reconnect, so every
 * (re)connect runs the whole setup again. A failed
 * attempt schedules the next one with exponential backoff (250 ms .. 30 s).
 * Only the exporter thread uses a connection; rdx_* files share the hiredis
 * context through rdx_int.h.
 */
#ifndef RDX_CONN_H
#define RDX_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RDX_BACKOFF_MIN_US 250000ull
#define RDX_BACKOFF_MAX_US 30000000ull

struct rdx_url {
    bool is_unix;
    char host[256];         /* TCP: name or address (IPv6 without brackets) */
    int port;               /* default 6379 */
    char path[256];         /* unix socket path */
    int db;                 /* SELECT index; default 0 */
    char user[128];         /* "" = AUTH with the password only */
    char pass[256];         /* "" = no AUTH */
};

/* Parse url into u. 0, or FW_EINVAL with a reason in err. Percent-escapes in
 * user and password are decoded. */
int rdx_url_parse(const char *url, struct rdx_url *u, char *err, size_t errlen);

struct rdx_conn;

/* url is copied. No I/O here. NULL with a reason in errbuf when url is bad. */
struct rdx_conn *rdx_conn_create(const char *url, uint64_t timeout_us, char *errbuf,
                                 size_t errlen);
void rdx_conn_destroy(struct rdx_conn *c);
/* Connect (with the full setup) unless up; respects the backoff. now_us is the
 * monotonic clock. 0 = up; FW_EAGAIN = backing off; FW_ECONN, FW_ETIMEDOUT,
 * FW_EAUTH on a failed attempt (reason in rdx_conn_errmsg). */
int rdx_conn_ensure(struct rdx_conn *c, uint64_t now_us);
/* Connect now whatever the backoff says (end-of-run flush). */
int rdx_conn_ensure_now(struct rdx_conn *c, uint64_t now_us);
bool rdx_conn_up(const struct rdx_conn *c);
/* The connection broke (I/O error, timeout, refused write): drop it and back off. */
void rdx_conn_fail(struct rdx_conn *c, uint64_t now_us, const char *why);
const char *rdx_conn_errmsg(const struct rdx_conn *c);
uint64_t rdx_conn_reconnects(const struct rdx_conn *c);
/* The URL with the password hidden, for messages. */
const char *rdx_conn_url(const struct rdx_conn *c);
/* True when a Redis error reply means "cannot write now, try later" (OOM,
 * READONLY, NOREPLICAS, NOAUTH, WRONGPASS, MASTERDOWN, LOADING, BUSY, MISCONF,
 * TRYAGAIN, CLUSTERDOWN) as opposed to a bad command. */
bool rdx_err_retriable(const char *err, size_t len);

#endif
