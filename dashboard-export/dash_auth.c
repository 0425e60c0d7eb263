/* dashboard-export/dash_auth.c: listen address parsing and token checks. */
#include "dash_auth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fw_err.h"

static int parse_port(const char *s, uint16_t *port)
{
    unsigned long v;
    char *end;

    if (*s < '0' || *s > '9')
        return FW_EINVAL;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v == 0 || v > 65535)
        return FW_EINVAL;
    *port = (uint16_t)v;
    return 0;
}

/* Split "host:port" / "[v6]:port" into host (copied to buf) and the port text. */
static int split_hostport(const char *s, char *host, size_t hlen, const char **port)
{
    const char *colon;
    size_t n;

    if (s[0] == '[') {
        colon = strchr(s, ']');
        if (!colon || colon[1] != ':')
            return FW_EINVAL;
        n = (size_t)(colon - s - 1);
        s++;
        colon++;
    } else {
        colon = strrchr(s, ':');
        if (!colon || memchr(s, ':', (size_t)(colon - s)))
            return FW_EINVAL;       /* a bare IPv6 address needs brackets */
        n = (size_t)(colon - s);
    }
    if (n >= hlen)
        return FW_EINVAL;
    memcpy(host, s, n);
    host[n] = '\0';
    *port = colon + 1;
    return 0;
}

int dash_listen_parse(const char *s, struct dash_listen *l)
{
    struct sockaddr_in *a4 = (struct sockaddr_in *)&l->addr;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&l->addr;
    char host[64];
    const char *port_s;
    uint16_t port;

    memset(l, 0, sizeof(*l));
    if (!s || split_hostport(s, host, sizeof(host), &port_s) != 0 ||
        parse_port(port_s, &port) != 0)
        return FW_EINVAL;
    if (!host[0] || !strcasecmp(host, "localhost"))
        snprintf(host, sizeof(host), "127.0.0.1");
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        l->addrlen = sizeof(*a4);
        l->loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        l->addrlen = sizeof(*a6);
        l->loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
        return 0;
    }
    return FW_EINVAL;
}

bool dash_token_equal(const char *expected, const char *given)
{
    size_t n = strlen(expected), m = strnlen(given, DASH_TOKEN_MAX + 1), i;
    unsigned diff = (unsigned)(n ^ m);

    /* walk expected's length whatever given holds, so timing tells nothing */
    for (i = 0; i < n; i++)
        diff |= (unsigned char)expected[i] ^ (unsigned char)(i < m ? given[i] : 0);
    return diff == 0 && n > 0;
}

bool dash_auth_ok(const char *token, const char *authorization, const char *query_token)
{
    bool ok = false;

    if (!token || !token[0])
        return true;
    if (authorization && !strncasecmp(authorization, "Bearer ", 7)) {
        const char *t = authorization + 7;

        while (*t == ' ')
            t++;
        ok = dash_token_equal(token, t);
    }
    if (!ok && query_token)
        ok = dash_token_equal(token, query_token);
    return ok;
}
