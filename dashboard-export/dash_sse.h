/* dashboard-export/dash_sse.h: Server-Sent Events fan-out of fw:live.
 *
 * One subscriber thread owns a Redis SUBSCRIBE connection (rdx_sub) and copies
 * each valid alert JSON into the bounded queue of every connected client, as a
 * ready SSE frame. Publishing never waits for a client: when a client's queue
 * is full the client is marked dropped and its stream ends, so one slow browser
 * cannot hold up the others or grow memory. At most max_clients streams run at
 * once; dash_hub_join() refuses more. Clients read from their own HTTP thread;
 * every function here is thread-safe (one mutex per hub).
 */
#ifndef DASH_SSE_H
#define DASH_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DASH_SSE_CLIENTS_DEFAULT 64
#define DASH_SSE_QUEUE 128              /* frames queued per client before it is dropped */
#define DASH_SSE_MSG_MAX 65536          /* larger messages are not forwarded */
#define DASH_SSE_KEEPALIVE_MS 15000     /* comment line so proxies and dead peers show up */

struct dash_hub;
struct dash_client;

struct dash_hub_stats {
    unsigned clients;           /* streams open now */
    uint64_t published;         /* messages fanned out */
    uint64_t invalid;           /* not a JSON object, or too large: not forwarded */
    uint64_t dropped;           /* clients dropped for being slow */
    uint64_t refused;           /* joins refused at the client cap */
};

struct dash_hub *dash_hub_create(unsigned max_clients, unsigned queue_len);
/* Stops the subscriber first when it runs. NULL is a no-op. */
void dash_hub_destroy(struct dash_hub *h);
/* Start the subscriber thread on channel at url (both copied). 0 or FW_EINVAL
 * (bad URL, reason in err) / FW_EIO (thread). Redis being down is not an error:
 * the thread retries every second. */
int dash_hub_start(struct dash_hub *h, const char *url, const char *channel, char *err,
                   size_t errlen);
/* Ask every stream to end and join the subscriber. Idempotent. */
void dash_hub_stop(struct dash_hub *h);
/* Fan one message out (what the subscriber does; tests call it directly). */
void dash_hub_publish(struct dash_hub *h, const char *msg, size_t len);
void dash_hub_stats(struct dash_hub *h, struct dash_hub_stats *st);

/* A new stream, or NULL when the hub is full or stopping. */
struct dash_client *dash_hub_join(struct dash_hub *h);
/* Release a stream (from the HTTP library's free callback). NULL is a no-op. */
void dash_hub_leave(struct dash_client *c);
/* Next bytes of the stream into buf, waiting up to wait_ms (a keepalive comment
 * is produced when nothing came). Returns the byte count (> 0), 0 at the end
 * (hub stopping), or FW_EFULL when this client was dropped for being slow. */
ssize_t dash_client_read(struct dash_client *c, char *buf, size_t max, int wait_ms);

#endif
