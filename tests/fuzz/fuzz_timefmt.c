/* Timestamps, durations, dates and decimals on the wire (api/lib/timefmt.c, and date_valid and
 * decimal_text of api/lib/validate.c): what every RFC 3339 member of a body (incidents,
 * surveys), the "within" query parameter of incident deadlines ("PT12H"), a "YYYY-MM-DD"
 * member and a decimal member ("12.50" or 12.5) go through.
 *
 * Input: the text, given to each parser. Answers are checked against glibc's timegm/gmtime
 * and against re-parsing what was formatted. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "timefmt.h"
#include "validate.h"

static void check_rfc3339(const char *s) {
  time_t t;
  if (rfc3339_parse(s, &t) != 0) return;
  /* the fields as written, the offset after the optional fraction */
  struct tm tm = {0};
  FUZZ_CHECK(sscanf(s, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) == 3 &&
                 sscanf(s + 11, "%2d:%2d:%2d", &tm.tm_hour, &tm.tm_min, &tm.tm_sec) == 3,
             "accepted \"%s\" without its fields", s);
  int y = tm.tm_year, mo = tm.tm_mon, d = tm.tm_mday;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  time_t local = timegm(&tm);
  FUZZ_CHECK(tm.tm_year + 1900 == y && tm.tm_mon + 1 == mo && tm.tm_mday == d && tm.tm_hour < 24 && tm.tm_min < 60 &&
                 tm.tm_sec < 60,
             "accepted \"%s\", which names no real time", s);
  const char *p = s + 19;
  if (*p == '.') {
    p++;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  long offset = 0;
  if (*p == '+' || *p == '-') {
    offset = (long)atoi(p + 1) * 3600 + (long)atoi(p + 4) * 60;
    if (*p == '-') offset = -offset;
  } else {
    FUZZ_CHECK(*p == 'Z' || *p == 'z', "accepted \"%s\" without an offset", s);
  }
  FUZZ_CHECK(t == local - offset, "\"%s\" is %lld, timegm says %lld", s, (long long)t, (long long)(local - offset));
  /* formatted, it reads back as the same instant */
  char out[64];
  time_t again;
  rfc3339_format(t, out, sizeof out);
  FUZZ_CHECK(rfc3339_parse(out, &again) == 0 && again == t, "\"%s\" formatted as \"%s\" does not read back", s, out);
}

static void check_duration(const char *s) {
  long long secs;
  if (iso8601_duration_parse(s, &secs) != 0) return;
  FUZZ_CHECK(secs >= 0 && secs <= 10LL * 366 * 86400, "\"%s\" is %lld seconds", s, secs);
  char out[64];
  long long again;
  snprintf(out, sizeof out, "P%lldDT%lldH%lldM%lldS", secs / 86400, secs % 86400 / 3600, secs % 3600 / 60, secs % 60);
  FUZZ_CHECK(iso8601_duration_parse(out, &again) == 0 && again == secs, "\"%s\" written as \"%s\" does not read back",
             s, out);
}

static void check_date(const char *s) {
  int ok = date_valid(s);
  /* the shape "dddd-dd-dd" and a date timegm keeps as it is, in 1900..2200 */
  int shape = strlen(s) == 10 && s[4] == '-' && s[7] == '-';
  for (int i = 0; i < 10 && shape; i++)
    shape = i == 4 || i == 7 || (s[i] >= '0' && s[i] <= '9');
  int real = 0;
  if (shape) {
    struct tm tm = {0};
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = 12;
    timegm(&tm);
    real = y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && tm.tm_year == y - 1900 && tm.tm_mon == m - 1 &&
           tm.tm_mday == d;
  }
  FUZZ_CHECK(ok == real, "date_valid(\"%s\") is %d", s, ok);
}

static void check_decimal(const char *s, size_t len) {
  char out[64], again[64];
  json_t *v = utf8_valid(s, len) ? json_string(s) : NULL;
  if (v != NULL && decimal_text(v, out, sizeof out) == 0) {
    FUZZ_CHECK(strcmp(out, s) == 0, "the decimal \"%s\" came back as \"%s\"", s, out);
    char *end = NULL;
    strtod(s, &end);
    FUZZ_CHECK(end != NULL && *end == '\0', "the decimal \"%s\" is no number", s);
  }
  json_decref(v);
  /* the same text as a JSON number: canonical text that is itself a decimal, near the value */
  v = json_loads(s, JSON_DECODE_ANY, NULL);
  if (json_is_number(v) && decimal_text(v, out, sizeof out) == 0) {
    json_t *text = json_string(out);
    FUZZ_CHECK(decimal_text(text, again, sizeof again) == 0, "%s became \"%s\", no decimal", s, out);
    double want = json_number_value(v), got = strtod(out, NULL);
    FUZZ_CHECK(fabs(got - want) <= 5e-7 * (1 + fabs(want)), "%s became \"%s\"", s, out);
    json_decref(text);
  }
  json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = fuzz_cstr(data, size);
  check_rfc3339(s);
  check_duration(s);
  check_date(s);
  check_decimal(s, strlen(s));
  free(s);
  return 0;
}
