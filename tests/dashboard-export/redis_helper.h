/* tests/dashboard-export/redis_helper.h: a private redis-server for tests.
 *
 * Forks `redis-server --port P --bind 127.0.0.1 --save '' --appendonly yes
 * --dir D` on a free loopback port (AOF so a restart keeps the data, which the
 * outage tests need), waits until it answers PING, and stops it with SIGTERM.
 * Tests talk to it with hiredis to check what the exporter wrote. Header-only,
 * test programs only.
 */
#ifndef REDIS_HELPER_H
#define REDIS_HELPER_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis.h>

struct th_redis {
    pid_t pid;
    int port;
    char dir[128];
    char extra[2][64];      /* extra "--name value" pair, "" = none */
};

static inline int th_free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static inline void th_sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static inline bool th_have_redis(void)
{
    return access("/usr/bin/redis-server", X_OK) == 0 ||
           system("command -v redis-server >/dev/null 2>&1") == 0;
}

static inline redisContext *th_connect(const struct th_redis *r)
{
    struct timeval tv = {.tv_sec = 1};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", r->port, tv);

    if (c && c->err) {
        redisFree(c);
        return NULL;
    }
    if (c)
        redisSetTimeout(c, tv);
    return c;
}

static inline bool th_ping(const struct th_redis *r)
{
    redisContext *c = th_connect(r);
    redisReply *rep;
    bool ok;

    if (!c)
        return false;
    rep = redisCommand(c, "PING");
    /* NOAUTH also proves the server is up */
    ok = rep && (rep->type == REDIS_REPLY_STATUS || rep->type == REDIS_REPLY_ERROR);
    if (rep)
        freeReplyObject(rep);
    redisFree(c);
    return ok;
}

/* Start (or restart on the same port and dir). 0 on success. */
static inline int th_redis_start(struct th_redis *r)
{
    char port[16];
    int i;

    if (r->port == 0)
        r->port = th_free_port();
    if (r->dir[0] == '\0') {
        snprintf(r->dir, sizeof(r->dir), "/tmp/fw-redis-test.XXXXXX");
        if (!mkdtemp(r->dir))
            return -1;
    }
    snprintf(port, sizeof(port), "%d", r->port);
    r->pid = fork();
    if (r->pid < 0)
        return -1;
    if (r->pid == 0) {
        const char *argv[16] = {"redis-server", "--port", port, "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "yes", "--dir", r->dir,
                                "--loglevel", "warning"};
        int n = 13;

        if (r->extra[0][0]) {
            argv[n++] = r->extra[0];
            argv[n++] = r->extra[1];
        }
        argv[n] = NULL;
        freopen("/dev/null", "w", stdout);
        execvp("redis-server", (char *const *)argv);
        _exit(127);
    }
    for (i = 0; i < 100; i++) {
        if (th_ping(r))
            return 0;
        th_sleep_ms(50);
    }
    return -1;
}

static inline void th_redis_stop(struct th_redis *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGTERM);
        waitpid(r->pid, NULL, 0);
    }
    r->pid = 0;
}

static inline void th_redis_cleanup(struct th_redis *r)
{
    char cmd[200];

    th_redis_stop(r);
    if (r->dir[0]) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "# cannot remove %s\n", r->dir);
    }
}

/* Run a command on a fresh connection (password-less); caller frees the reply. */
static inline redisReply *th_cmd(const struct th_redis *r, const char *fmt, ...)
{
    redisContext *c = th_connect(r);
    redisReply *rep;
    va_list ap;

    if (!c)
        return NULL;
    va_start(ap, fmt);
    rep = redisvCommand(c, fmt, ap);
    va_end(ap);
    redisFree(c);
    return rep;
}

static inline long long th_int(const struct th_redis *r, const char *fmt, const char *arg)
{
    redisReply *rep = th_cmd(r, fmt, arg);
    long long v = -999;

    if (rep && rep->type == REDIS_REPLY_INTEGER)
        v = rep->integer;
    if (rep)
        freeReplyObject(rep);
    return v;
}

/* TYPE key as text into buf. */
static inline const char *th_type(const struct th_redis *r, const char *key, char *buf, size_t len)
{
    redisReply *rep = th_cmd(r, "TYPE %s", key);

    snprintf(buf, len, "%s", rep && rep->type == REDIS_REPLY_STATUS ? rep->str : "?");
    if (rep)
        freeReplyObject(rep);
    return buf;
}

#endif
