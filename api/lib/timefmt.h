#ifndef ZSZ_TIMEFMT_H
#define ZSZ_TIMEFMT_H
/* Timestamps and durations on the wire. Pure. */

#include <stddef.h>
#include <time.h>

/* Parses RFC 3339 with a required offset: "2026-03-28T12:00:00+01:00", "...Z", optional
 * fraction (dropped). 0 with *out in UTC seconds, -1 when malformed, not a real time, or
 * outside 1900..9999 (the local date or the instant in UTC). */
int rfc3339_parse(const char *s, time_t *out);

/* Formats t as "YYYY-MM-DDTHH:MM:SS+00:00" into out (at least 26 bytes). */
void rfc3339_format(time_t t, char *out, size_t len);

/* Parses an ISO 8601 duration of days and time: "P1D", "PT12H", "PT30M", "P1DT2H30M", "PT45S".
 * 0 with *seconds, -1 when malformed, empty ("P", "PT") or over ten years. */
int iso8601_duration_parse(const char *s, long long *seconds);

#endif
