/* tests/fuzz/fuzz_dash.c: libFuzzer harness for the dashboard's parsers of
 * untrusted text: the --listen address, URL path parameters (IP, count), the
 * Authorization header / ?token= check, and an fw:live message going through
 * the SSE hub into a client frame (which must stay one "data:" line). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dash_api.h"
#include "dash_auth.h"
#include "dash_sse.h"
#include "fw_ip.h"

static void check_frame(struct dash_hub *h, struct dash_client *c)
{
    char buf[DASH_SSE_MSG_MAX + 64];
    ssize_t n;

    n = dash_client_read(c, buf, sizeof(buf), 0);       /* hello */
    n = dash_client_read(c, buf, sizeof(buf), 0);
    if (n > 0 && buf[0] == 'e') {
        /* "event: alert\n" "data: ...\n\n": exactly three newlines */
        ssize_t i, nl = 0;

        for (i = 0; i < n; i++)
            nl += buf[i] == '\n';
        if (nl != 3)
            abort();
    }
    (void)h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1), ip[FW_IP_STRLEN];
    struct dash_listen l;
    struct dash_hub *h;
    struct dash_client *c;
    unsigned n;

    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (dash_listen_parse(s, &l) == 0 && l.addrlen == 0)
        abort();
    if (dash_parse_ip(s, ip, sizeof(ip)) == 0 && strlen(ip) >= FW_IP_STRLEN)
        abort();
    if (dash_parse_count(s, 5, 500, &n) == 0 && (n < 1 || n > 500))
        abort();
    (void)dash_auth_ok("fuzz-token", s, s);
    if (dash_token_equal("fuzz-token", s) != (strcmp(s, "fuzz-token") == 0))
        abort();
    h = dash_hub_create(1, 2);
    c = h ? dash_hub_join(h) : NULL;
    if (c) {
        dash_hub_publish(h, (const char *)data, size);
        check_frame(h, c);
        dash_hub_leave(c);
    }
    dash_hub_destroy(h);
    free(s);
    return 0;
}
