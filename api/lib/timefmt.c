#include <stdio.h>
#include <string.h>

#include "timefmt.h"

static int digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long long days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  long long era = (y >= 0 ? y : y - 399) / 400;
  long long yoe = y - era * 400;
  long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int rfc3339_parse(const char *s, time_t *out) {
  static const int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
  if (s == NULL || strlen(s) < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
      digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) || s[13] != ':' ||
      digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se)) {
    return -1;
  }
  const char *p = s + 19;
  if (*p == '.') {
    p++;
    if (*p < '0' || *p > '9') return -1;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    sign = *p == '-' ? -1 : 1;
    if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 || om > 59) return -1;
    p += 6;
  } else {
    return -1; /* an offset is required: a local time names no instant */
  }
  if (*p != '\0') return -1;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > DAYS[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 || se > 59) {
    return -1;
  }
  long long t = days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + se;
  t -= sign * (oh * 3600LL + om * 60LL);
  /* the instant too lies in 1900..9999: an accepted time is sent back in UTC, and that text
   * must read back ("1900-01-01T00:00:00+00:01" is 1899 in UTC) */
  if (t < days_from_civil(1900, 1, 1) * 86400LL || t >= days_from_civil(10000, 1, 1) * 86400LL) {
    return -1;
  }
  *out = (time_t)t;
  return 0;
}

void rfc3339_format(time_t t, char *out, size_t len) {
  struct tm tm;
  gmtime_r(&t, &tm);
  snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
           tm.tm_min, tm.tm_sec);
}

int iso8601_duration_parse(const char *s, long long *seconds) {
  long long total = 0;
  int in_time = 0, parts = 0;
  if (s == NULL || *s != 'P') return -1;
  s++;
  while (*s) {
    if (*s == 'T') {
      if (in_time) return -1;
      in_time = 1;
      s++;
      if (*s == '\0') return -1;
      continue;
    }
    long long n = 0;
    int nd = 0;
    while (*s >= '0' && *s <= '9') {
      if (++nd > 6) return -1;
      n = n * 10 + (*s++ - '0');
    }
    if (nd == 0) return -1;
    switch (*s) {
    case 'D':
      if (in_time) return -1;
      total += n * 86400;
      break;
    case 'H':
      if (!in_time) return -1;
      total += n * 3600;
      break;
    case 'M':
      if (!in_time) return -1;
      total += n * 60;
      break;
    case 'S':
      if (!in_time) return -1;
      total += n;
      break;
    default:
      return -1;
    }
    s++;
    parts++;
  }
  if (parts == 0 || total > 10LL * 366 * 86400) return -1;
  *seconds = total;
  return 0;
}
