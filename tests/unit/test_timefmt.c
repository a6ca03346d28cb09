/* RFC 3339 timestamps (offset required, normalised to UTC) and ISO 8601 durations. */
#include <check.h>
#include <stdlib.h>

#include "timefmt.h"

static time_t parsed(const char *s) {
  time_t t = 0;
  ck_assert_msg(rfc3339_parse(s, &t) == 0, "refused %s", s);
  return t;
}

static void expect_utc(const char *in, const char *want) {
  char out[32];
  rfc3339_format(parsed(in), out, sizeof out);
  ck_assert_str_eq(out, want);
}

START_TEST(offsets_normalise_to_utc) {
  expect_utc("2026-03-28T12:00:00+01:00", "2026-03-28T11:00:00+00:00");
  expect_utc("2026-10-24T12:00:00+02:00", "2026-10-24T10:00:00+00:00");
  expect_utc("2026-01-01T00:30:00-05:30", "2026-01-01T06:00:00+00:00");
  expect_utc("2026-12-31T23:59:59Z", "2026-12-31T23:59:59+00:00");
  expect_utc("2024-02-29T10:00:00.123456Z", "2024-02-29T10:00:00+00:00");
  expect_utc("1970-01-01T00:00:00Z", "1970-01-01T00:00:00+00:00");
  ck_assert_int_eq(parsed("1970-01-01T00:00:00Z"), 0);
}
END_TEST

START_TEST(seventy_two_real_hours_across_clock_changes) {
  /* Europe/Warsaw: 29 March 2026 02:00 CET -> 03:00 CEST; 25 October 03:00 CEST -> 02:00 CET.
   * Local wall time moves by 73 and 71 hours; elapsed time is exactly 72 hours. */
  time_t spring = parsed("2026-03-28T12:00:00+01:00");
  ck_assert_int_eq(parsed("2026-03-31T13:00:00+02:00") - spring, 72 * 3600);
  time_t autumn = parsed("2026-10-24T12:00:00+02:00");
  ck_assert_int_eq(parsed("2026-10-27T11:00:00+01:00") - autumn, 72 * 3600);
}
END_TEST

START_TEST(malformed_refused) {
  const char *bad[] = {"2026-03-28T12:00:00",
                       "2026-03-28 12:00:00Z",
                       "2026-03-28T12:00Z",
                       "2026-02-29T10:00:00Z",
                       "2026-13-01T00:00:00Z",
                       "2026-01-01T24:00:00Z",
                       "2026-01-01T00:00:00+1:00",
                       "2026-01-01T00:00:00+01",
                       "2026-01-01T00:00:00.Z",
                       "2026-01-01T00:00:00Zx",
                       "",
                       "now",
                       NULL};
  for (int i = 0; bad[i]; i++) {
    time_t t;
    ck_assert_msg(rfc3339_parse(bad[i], &t) == -1, "accepted %s", bad[i]);
  }
  time_t t;
  ck_assert_int_eq(rfc3339_parse(NULL, &t), -1);
}
END_TEST

/* What is accepted is normalised to UTC and may be sent back: an instant whose UTC text
 * would be refused (before 1900 or past year 9999) is refused too (found by
 * tests/fuzz/fuzz_timefmt: "1900-01-01T00:00:00+00:01" was accepted, its UTC form not). */
START_TEST(accepted_instants_read_back) {
  const char *edge[] = {"1900-01-01T00:00:00+00:01", "1900-01-01T00:59:59+01:00", "9999-12-31T23:59:59-00:01",
                        "9999-12-31T23:00:00-01:00", NULL};
  for (int i = 0; edge[i]; i++) {
    time_t t;
    ck_assert_msg(rfc3339_parse(edge[i], &t) == -1, "accepted %s", edge[i]);
  }
  expect_utc("1900-01-01T01:00:00+01:00", "1900-01-01T00:00:00+00:00");
  expect_utc("1900-01-01T00:00:00-01:00", "1900-01-01T01:00:00+00:00");
  expect_utc("9999-12-31T23:59:59Z", "9999-12-31T23:59:59+00:00");
  expect_utc("9999-12-31T23:59:59+23:59", "9999-12-31T00:00:59+00:00");
}
END_TEST

START_TEST(durations) {
  long long s = 0;
  ck_assert_int_eq(iso8601_duration_parse("PT12H", &s), 0);
  ck_assert_int_eq(s, 12 * 3600);
  ck_assert_int_eq(iso8601_duration_parse("P1D", &s), 0);
  ck_assert_int_eq(s, 86400);
  ck_assert_int_eq(iso8601_duration_parse("P1DT2H30M15S", &s), 0);
  ck_assert_int_eq(s, 86400 + 2 * 3600 + 30 * 60 + 15);
  ck_assert_int_eq(iso8601_duration_parse("PT30M", &s), 0);
  ck_assert_int_eq(s, 1800);
  const char *bad[] = {"P",     "PT",  "12H",      "PT12",       "P1H", "PT1D", "P1DT",
                       "PT-1H", "P1Y", "PT1H2H3X", "P99999999D", "",    NULL};
  for (int i = 0; bad[i]; i++) {
    ck_assert_msg(iso8601_duration_parse(bad[i], &s) == -1, "accepted %s", bad[i]);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("timefmt");
  TCase *tc = tcase_create("formats");
  tcase_add_test(tc, offsets_normalise_to_utc);
  tcase_add_test(tc, seventy_two_real_hours_across_clock_changes);
  tcase_add_test(tc, malformed_refused);
  tcase_add_test(tc, accepted_instants_read_back);
  tcase_add_test(tc, durations);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
