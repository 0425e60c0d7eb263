/* sensor/fw_log.h: levelled logging to stderr and, optionally, syslog.
 *
 * fw_log() is a printf-checked macro that skips formatting below the level,
 * so debug calls cost one comparison. Diagnostics only: data goes to the
 * flow/alert outputs. Thread-safe: each message is written with one write().
 */
#ifndef FW_LOG_H
#define FW_LOG_H

#include <stdbool.h>

enum fw_log_level {
    FW_LOG_ERR = 0,
    FW_LOG_WARN = 1,
    FW_LOG_INFO = 2,
    FW_LOG_DEBUG = 3,
};

/* GLOBAL: current level, set once at startup (before threads). */
extern int fw_log_verbosity;

void fw_log_init(int level, bool use_syslog, const char *ident);
void fw_log_close(void);
void fw_log_raw(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define fw_log(level, ...)                                      \
    do {                                                        \
        if ((level) > fw_log_verbosity)                         \
            break;                                              \
        fw_log_raw((level), __VA_ARGS__);                       \
    } while (0)

#endif
