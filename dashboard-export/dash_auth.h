/* dashboard-export/dash_auth.h: who may talk to the dashboard.
 *
 * The listen address decides the policy: on loopback the page is open unless a
 * token was given; anywhere else a bearer token is mandatory (dash_main refuses
 * to start without one). Tokens arrive in "Authorization: Bearer T" or, for
 * EventSource which cannot set headers, in "?token=T", and are compared in
 * constant time. Pure functions; any thread.
 */
#ifndef DASH_AUTH_H
#define DASH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#define DASH_TOKEN_MAX 256

struct dash_listen {
    struct sockaddr_storage addr;   /* family AF_INET or AF_INET6, port set */
    socklen_t addrlen;
    bool loopback;                  /* 127.0.0.0/8 or ::1 */
};

/* Parse "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:80", "localhost:8080" or a bare
 * ":8080" (loopback). 0 or FW_EINVAL. */
int dash_listen_parse(const char *s, struct dash_listen *l);
/* Constant-time in the length of expected: same time whatever matches. */
bool dash_token_equal(const char *expected, const char *given);
/* True when the request may proceed: no token configured, or the bearer header
 * or the query token (either may be NULL) matches it. */
bool dash_auth_ok(const char *token, const char *authorization, const char *query_token);

#endif
