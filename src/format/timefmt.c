/* timefmt.c - the time column of the text and ladder views, as tshark -t and tcpdump -t..ttttt write it.
 *
 * tshark's names (-t r|a|ad|adoy|d|dd|e|u|ud|udoy) and tcpdump's repeated -t
 * (-tt epoch, -ttt delta, -tttt date and time, -ttttt since the first
 * packet, the two durations written as tcpdump writes them, 00:00:00.000027)
 * both arrive here as the argument of -t: getopt hands "-tttt" over
 * as -t with the argument "ttt".  The precision follows the capture's clock
 * (6 digits for microsecond files, 9 for nanosecond ones), as tshark's
 * automatic precision does.
 */
#include <string.h>
#include <time.h>

#include "format/format.h"

static const struct {
    const char *name;
    enum sf_time_fmt fmt;
} time_names[] = {
    { "r", SF_TIME_REL },      { "a", SF_TIME_ABS },        { "ad", SF_TIME_ABS_DATE },
    { "adoy", SF_TIME_ABS_DOY }, { "d", SF_TIME_DELTA },    { "dd", SF_TIME_DELTA_SHOWN },
    { "e", SF_TIME_EPOCH },    { "u", SF_TIME_UTC },        { "ud", SF_TIME_UTC_DATE },
    { "udoy", SF_TIME_UTC_DOY },
    /* tcpdump: the argument is what follows the first t */
    { "t", SF_TIME_EPOCH },    { "tt", SF_TIME_HMS_DELTA }, { "ttt", SF_TIME_ABS_DATE },
    { "tttt", SF_TIME_HMS_REL },
};

int sf_time_fmt_parse(const char *s, enum sf_time_fmt *out)
{
    for (size_t i = 0; i < sizeof(time_names) / sizeof(time_names[0]); i++) {
        if (strcmp(s, time_names[i].name) == 0) {
            *out = time_names[i].fmt;
            return 0;
        }
    }
    return -1;
}

/* The fraction of a second, `digits` long, truncated as tshark and tcpdump
 * print wall-clock times (a time of day never rounds up into the next second). */
static void put_fraction(struct sf_buf *b, int64_t ns_in_sec, int digits)
{
    char frac[10];
    for (int i = 8; i >= 0; i--) {
        frac[i] = (char)('0' + ns_in_sec % 10);
        ns_in_sec /= 10;
    }
    sf_buf_putc(b, '.');
    sf_buf_put(b, frac, (size_t)digits);
}

static void put_wall(struct sf_buf *b, enum sf_time_fmt fmt, int64_t ts, int digits)
{
    int64_t sec = ts / 1000000000, ns = ts % 1000000000;
    time_t t;
    struct tm tm;
    char s[64];
    const char *layout;
    bool utc = fmt == SF_TIME_UTC || fmt == SF_TIME_UTC_DATE || fmt == SF_TIME_UTC_DOY;

    if (ns < 0) {            /* before 1970: floor, so the fraction stays positive */
        ns += 1000000000;
        sec -= 1;
    }
    t = (time_t)sec;
    if (!(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm))) {
        sf_buf_secs(b, ts, digits);
        return;
    }
    switch (fmt) {
    case SF_TIME_ABS_DATE:
    case SF_TIME_UTC_DATE:
        layout = "%Y-%m-%d %H:%M:%S";
        break;
    case SF_TIME_ABS_DOY:
    case SF_TIME_UTC_DOY:
        layout = "%Y/%j %H:%M:%S";
        break;
    default:
        layout = "%H:%M:%S";
        break;
    }
    strftime(s, sizeof(s), layout, &tm);
    sf_buf_puts(b, s);
    put_fraction(b, ns, digits);
}

/* A duration as tcpdump -ttt/-ttttt write it: hours (as many digits as
 * needed, at least two), minutes, seconds, fraction truncated. */
static void put_hms(struct sf_buf *b, int64_t ns, int digits)
{
    int64_t sec;
    if (ns < 0) {
        sf_buf_putc(b, '-');
        ns = -ns;
    }
    sec = ns / 1000000000;
    sf_buf_printf(b, "%02lld:%02lld:%02lld", (long long)(sec / 3600), (long long)(sec / 60 % 60),
                  (long long)(sec % 60));
    put_fraction(b, ns % 1000000000, digits);
}

void sf_time_put(struct sf_buf *b, enum sf_time_fmt fmt, int64_t ts, int64_t first, int64_t prev,
                 int digits)
{
    if (digits < 1 || digits > 9)
        digits = 6;
    switch (fmt) {
    case SF_TIME_REL:
        sf_buf_secs(b, ts - first, digits);
        break;
    case SF_TIME_DELTA:
    case SF_TIME_DELTA_SHOWN:
        sf_buf_secs(b, ts - prev, digits);
        break;
    case SF_TIME_HMS_DELTA:
        put_hms(b, ts - prev, digits);
        break;
    case SF_TIME_HMS_REL:
        put_hms(b, ts - first, digits);
        break;
    case SF_TIME_EPOCH: {
        int64_t sec = ts / 1000000000, ns = ts % 1000000000;
        if (ns < 0) {
            ns += 1000000000;
            sec -= 1;
        }
        sf_buf_i64(b, sec);
        put_fraction(b, ns, digits);
        break;
    }
    default:
        put_wall(b, fmt, ts, digits);
        break;
    }
}

int sf_time_width(enum sf_time_fmt fmt, int digits)
{
    if (digits < 1 || digits > 9)
        digits = 6;
    switch (fmt) {
    case SF_TIME_ABS:
    case SF_TIME_UTC:
        return 9 + digits;               /* 12:34:56.123456 */
    case SF_TIME_ABS_DATE:
    case SF_TIME_UTC_DATE:
        return 20 + digits;              /* 2026-12-02 12:34:56.123456 */
    case SF_TIME_ABS_DOY:
    case SF_TIME_UTC_DOY:
        return 18 + digits;              /* 2026/336 12:34:56.123456 */
    case SF_TIME_EPOCH:
        return 11 + digits;              /* 1764678896.123456 */
    case SF_TIME_HMS_DELTA:
    case SF_TIME_HMS_REL:
        return 9 + digits;               /* 00:00:00.000027 */
    default:
        return 2 + digits;               /* 1.123456 (later seconds push the column) */
    }
}
