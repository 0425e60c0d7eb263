/* sensor/fw_log.c: stderr/syslog logger behind fw_log(). */
#include "fw_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

int fw_log_verbosity = FW_LOG_WARN;
static bool log_syslog;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void fw_log_init(int level, bool use_syslog, const char *ident)
{
    if (level < FW_LOG_ERR)
        level = FW_LOG_ERR;
    if (level > FW_LOG_DEBUG)
        level = FW_LOG_DEBUG;
    fw_log_verbosity = level;
    log_syslog = use_syslog;
    if (use_syslog)
        openlog(ident ? ident : "finwatch", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void fw_log_close(void)
{
    if (log_syslog)
        closelog();
    log_syslog = false;
}

void fw_log_raw(int level, const char *fmt, ...)
{
    static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
    char msg[1024];
    char line[1100];
    va_list ap;
    int n;

    if (level < FW_LOG_ERR || level > FW_LOG_DEBUG)
        level = FW_LOG_ERR;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (log_syslog)
        syslog(prio[level], "%s", msg);
    n = snprintf(line, sizeof(line), "finwatch: %s: %s\n", level_names[level], msg);
    if (n > (int)sizeof(line) - 1)
        n = (int)sizeof(line) - 1;
    if (n > 0 && write(STDERR_FILENO, line, (size_t)n) < 0)
        return;     /* nowhere left to report it */
}
