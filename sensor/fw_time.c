/* sensor/fw_time.c: time, duration and size helpers. */
#define _POSIX_C_SOURCE 200809L
#include "fw_time.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fw_err.h"

/* Civil date of a day count since 1970-01-01 (proleptic Gregorian; Howard
 * Hinnant's days_from_civil inverse). Exact for every uint64_t second count we
 * format, and needs neither gmtime_r() (which takes glibc's tz lock) nor printf:
 * every alert and flow record carries one or two timestamps. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    yoe = z - era * 146097;
    yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
    doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static char *put_digits(char *p, uint64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

char *fw_time_iso(uint64_t ts_us, char *buf, size_t len)
{
    uint64_t sec = ts_us / FW_USEC_PER_SEC, sod = sec % 86400;
    char tmp[32], *p = tmp;
    int64_t year;
    unsigned mon, day;
    size_t n;

    if (!len)
        return buf;
    civil_from_days((int64_t)(sec / 86400), &year, &mon, &day);
    if (year > 9999)                        /* not a time a packet can carry */
        year = 9999;
    p = put_digits(p, (uint64_t)year, 4);
    *p++ = '-';
    p = put_digits(p, mon, 2);
    *p++ = '-';
    p = put_digits(p, day, 2);
    *p++ = 'T';
    p = put_digits(p, sod / 3600, 2);
    *p++ = ':';
    p = put_digits(p, sod / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, sod % 60, 2);
    *p++ = '.';
    p = put_digits(p, ts_us % FW_USEC_PER_SEC, 6);
    *p++ = 'Z';
    n = (size_t)(p - tmp) < len ? (size_t)(p - tmp) : len - 1;    /* truncates like snprintf */
    memcpy(buf, tmp, n);
    buf[n] = '\0';
    return buf;
}

static uint64_t clock_us(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * FW_USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t fw_time_now_us(void)
{
    return clock_us(CLOCK_REALTIME);
}

uint64_t fw_time_mono_us(void)
{
    return clock_us(CLOCK_MONOTONIC);
}

struct unit {
    const char *name;
    uint64_t mult;
};

/* Parse "<digits><unit>" with a unit from the table; the empty unit is units[0]. */
static int parse_with_units(const char *s, const struct unit *units, uint64_t *out)
{
    const struct unit *u;
    unsigned long long v;
    char *end;

    if (!s || !isdigit((unsigned char)s[0]))
        return FW_EINVAL;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno == ERANGE)
        return FW_EINVAL;
    for (u = units; u->name; u++) {
        if (strcmp(end, u->name) == 0) {
            if (u->mult && v > UINT64_MAX / u->mult)
                return FW_EINVAL;
            *out = (uint64_t)v * u->mult;
            return 0;
        }
    }
    return FW_EINVAL;
}

int fw_duration_parse(const char *s, uint64_t *us)
{
    static const struct unit units[] = {
        {"", FW_USEC_PER_SEC},          {"us", 1},
        {"ms", 1000},                   {"s", FW_USEC_PER_SEC},
        {"m", 60 * FW_USEC_PER_SEC},    {"h", 3600 * FW_USEC_PER_SEC},
        {"d", 86400 * FW_USEC_PER_SEC}, {"w", 7 * 86400 * FW_USEC_PER_SEC},
        {NULL, 0},
    };
    return parse_with_units(s, units, us);
}

int fw_size_parse(const char *s, uint64_t *bytes)
{
    static const struct unit units[] = {
        {"", 1},         {"B", 1},
        {"K", 1024},     {"KB", 1000},          {"KiB", 1024},
        {"M", 1ull << 20}, {"MB", 1000000},     {"MiB", 1ull << 20},
        {"G", 1ull << 30}, {"GB", 1000000000},  {"GiB", 1ull << 30},
        {"T", 1ull << 40}, {"TB", 1000000000000ull}, {"TiB", 1ull << 40},
        {NULL, 0},
    };
    return parse_with_units(s, units, bytes);
}

int fw_date_parse(const char *s, uint64_t *us)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d, n = 0;
    long long days;

    if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || s[n] != '\0' || n != 10)
        return FW_EINVAL;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return FW_EINVAL;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return FW_EINVAL;
    /* Days from civil (Howard Hinnant's algorithm). */
    {
        int yy = y - (m <= 2);
        int era = yy / 400;
        unsigned yoe = (unsigned)(yy - era * 400);
        unsigned doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
        unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        days = (long long)era * 146097 + (long long)doe - 719468;
    }
    *us = (uint64_t)days * 86400ull * FW_USEC_PER_SEC;
    return 0;
}
