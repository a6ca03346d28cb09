/* Reporting periods (api/lib/period.c): the {period} of an indicator's readings (a path
 * parameter), a review's "period" (body and query) and an indicator's "frequency".
 *
 * Input: the text. It is checked under every frequency, in the year its first four bytes
 * name (when they are digits) and in 2026, and as a review half-year; each answer is compared
 * with the list of the periods that exist, written out. */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "period.h"

static const char *const FREQUENCIES[] = {"monthly", "quarterly", "half_yearly", "yearly"};

/* 1 when p is one of the periods of frequency f in year y, by enumeration. */
static int period_exists(const char *f, int y, const char *p) {
  char want[32];
  if (y < 0 || y > 9999) return 0;
  if (strcmp(f, "yearly") == 0) {
    snprintf(want, sizeof want, "%04d", y);
    return strcmp(want, p) == 0;
  }
  int n = strcmp(f, "monthly") == 0 ? 12 : strcmp(f, "quarterly") == 0 ? 4 : 2;
  for (int i = 1; i <= n; i++) {
    if (strcmp(f, "monthly") == 0) {
      snprintf(want, sizeof want, "%04d-%02d", y, i);
    } else {
      snprintf(want, sizeof want, "%04d-%c%d", y, strcmp(f, "quarterly") == 0 ? 'Q' : 'H', i);
    }
    if (strcmp(want, p) == 0) return 1;
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *p = fuzz_cstr(data, size);
  int years[2] = {2026, 2026};
  if (size >= 4 && p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
      p[3] >= '0' && p[3] <= '9') {
    years[0] = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
  }
  for (size_t f = 0; f < sizeof FREQUENCIES / sizeof FREQUENCIES[0]; f++) {
    for (int k = 0; k < 2; k++) {
      int ok = period_valid(FREQUENCIES[f], years[k], p) == 0;
      FUZZ_CHECK(ok == period_exists(FREQUENCIES[f], years[k], p), "%s %d \"%s\": period_valid says %s", FREQUENCIES[f],
                 years[k], p, ok ? "valid" : "invalid");
    }
  }
  /* an unknown frequency names no period */
  FUZZ_CHECK(period_valid(p, years[0], p) != 0 || frequency_valid(p), "\"%s\" as frequency", p);
  int known = 0;
  for (size_t f = 0; f < sizeof FREQUENCIES / sizeof FREQUENCIES[0]; f++)
    known |= strcmp(FREQUENCIES[f], p) == 0;
  FUZZ_CHECK(frequency_valid(p) == known, "frequency_valid(\"%s\")", p);
  /* a review half-year: one of 2000-H1 .. 2100-H2 (the year is the one read above: any
   * other year writes other text) */
  int review = years[0] >= 2000 && years[0] <= 2100 && period_exists("half_yearly", years[0], p);
  FUZZ_CHECK(review_period_valid(p) == review, "review_period_valid(\"%s\")", p);
  free(p);
  return 0;
}
