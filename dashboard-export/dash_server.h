/* dashboard-export/dash_server.h: the dashboard's HTTP server.
 *
 * Owns a libmicrohttpd daemon (one thread per connection, connection count
 * capped), the read-only Redis client the API shares under a mutex, and the
 * SSE hub. Serves GET/HEAD only: the embedded page, /api/map, /api/host/<ip>,
 * /api/alerts?count=N, /api/sensors and /events. Every response carries the
 * security headers; /api and /events need the bearer token when one is set.
 * Create and destroy from one thread (dash_main); the daemon's threads run
 * the handlers.
 */
#ifndef DASH_SERVER_H
#define DASH_SERVER_H

#include <stdint.h>
#include <stddef.h>

struct dash_opts {
    const char *listen;         /* "127.0.0.1:8080" when NULL */
    const char *token;          /* NULL or "" = none (loopback only) */
    const char *redis_url;
    const char *prefix;         /* "fw:" when NULL */
    unsigned max_clients;       /* SSE streams; DASH_SSE_CLIENTS_DEFAULT when 0 */
};

struct dash_server;

/* Validate the options (a non-loopback listen address needs a token), then
 * start the live feed and the HTTP daemon. NULL with the reason in err. The
 * strings in o are copied. */
struct dash_server *dash_server_create(const struct dash_opts *o, char *err, size_t errlen);
/* End the SSE streams, stop the daemon, free everything. NULL is a no-op. */
void dash_server_destroy(struct dash_server *s);
/* The TCP port actually bound. */
uint16_t dash_server_port(const struct dash_server *s);

#endif
