/* Reporting periods, decimals and dates: the pure rules behind readings and reviews. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "period.h"
#include "validate.h"

START_TEST(frequencies) {
  ck_assert(frequency_valid("monthly") && frequency_valid("quarterly") && frequency_valid("half_yearly") &&
            frequency_valid("yearly"));
  ck_assert(!frequency_valid("weekly") && !frequency_valid("") && !frequency_valid(NULL) &&
            !frequency_valid("Monthly"));
}
END_TEST

START_TEST(periods_by_frequency) {
  ck_assert_int_eq(period_valid("monthly", 2026, "2026-01"), 0);
  ck_assert_int_eq(period_valid("monthly", 2026, "2026-12"), 0);
  ck_assert_int_eq(period_valid("quarterly", 2026, "2026-Q1"), 0);
  ck_assert_int_eq(period_valid("quarterly", 2026, "2026-Q4"), 0);
  ck_assert_int_eq(period_valid("half_yearly", 2026, "2026-H2"), 0);
  ck_assert_int_eq(period_valid("yearly", 2026, "2026"), 0);
  /* wrong shape for the frequency */
  ck_assert_int_eq(period_valid("monthly", 2026, "2026-Q1"), -1);
  ck_assert_int_eq(period_valid("quarterly", 2026, "2026-03"), -1);
  ck_assert_int_eq(period_valid("half_yearly", 2026, "2026-Q2"), -1);
  ck_assert_int_eq(period_valid("yearly", 2026, "2026-H1"), -1);
  /* out of range */
  ck_assert_int_eq(period_valid("monthly", 2026, "2026-00"), -1);
  ck_assert_int_eq(period_valid("monthly", 2026, "2026-13"), -1);
  ck_assert_int_eq(period_valid("quarterly", 2026, "2026-Q5"), -1);
  ck_assert_int_eq(period_valid("quarterly", 2026, "2026-Q0"), -1);
  ck_assert_int_eq(period_valid("half_yearly", 2026, "2026-H3"), -1);
  /* another year */
  ck_assert_int_eq(period_valid("monthly", 2026, "2025-12"), -1);
  ck_assert_int_eq(period_valid("yearly", 2026, "2027"), -1);
  /* malformed */
  ck_assert_int_eq(period_valid("monthly", 2026, "2026-1"), -1);
  ck_assert_int_eq(period_valid("monthly", 2026, "2026-011"), -1);
  ck_assert_int_eq(period_valid("monthly", 2026, "2026/01"), -1);
  ck_assert_int_eq(period_valid("monthly", 2026, "26-01"), -1);
  ck_assert_int_eq(period_valid("quarterly", 2026, "2026-q1"), -1);
  ck_assert_int_eq(period_valid("monthly", 2026, ""), -1);
  ck_assert_int_eq(period_valid("monthly", 2026, NULL), -1);
  ck_assert_int_eq(period_valid("weekly", 2026, "2026-01"), -1);
}
END_TEST

START_TEST(review_periods) {
  ck_assert(review_period_valid("2026-H1") && review_period_valid("2026-H2"));
  ck_assert(!review_period_valid("2026-H3") && !review_period_valid("2026-Q1") && !review_period_valid("2026"));
  ck_assert(!review_period_valid("1999-H1") && !review_period_valid("2026-H1 ") && !review_period_valid(NULL));
}
END_TEST

static void expect_decimal(json_t *v, const char *want) {
  char out[64];
  int rc = decimal_text(v, out, sizeof out);
  if (want == NULL) {
    ck_assert_msg(rc == -1, "accepted as %s", out);
  } else {
    ck_assert_int_eq(rc, 0);
    ck_assert_str_eq(out, want);
  }
  json_decref(v);
}

START_TEST(decimals) {
  /* strings keep their exact text, scale included */
  expect_decimal(json_string("12.50"), "12.50");
  expect_decimal(json_string("-0.000001"), "-0.000001");
  expect_decimal(json_string("123456789012345678.123456"), "123456789012345678.123456");
  /* numbers: integers as they are, reals to at most six places without padding */
  expect_decimal(json_integer(42), "42");
  expect_decimal(json_real(0.1), "0.1");
  expect_decimal(json_real(12.5), "12.5");
  expect_decimal(json_real(-0.0), "0");
  /* refused */
  expect_decimal(json_string("1234567890123456789"), NULL); /* 19 digits */
  expect_decimal(json_string("1.1234567"), NULL);           /* 7 decimals */
  expect_decimal(json_string("abc"), NULL);
  expect_decimal(json_string("NaN"), NULL);
  expect_decimal(json_string("1e3"), NULL);
  expect_decimal(json_string("1."), NULL);
  expect_decimal(json_string(".5"), NULL);
  expect_decimal(json_string("+1"), NULL);
  expect_decimal(json_string(""), NULL);
  expect_decimal(json_real(1e18), NULL);
  expect_decimal(json_true(), NULL);
  expect_decimal(json_null(), NULL);
}
END_TEST

START_TEST(dates) {
  ck_assert(date_valid("2026-01-31") && date_valid("2024-02-29") && date_valid("2000-02-29"));
  ck_assert(!date_valid("2026-02-29") && !date_valid("1900-02-29") && !date_valid("2026-04-31"));
  ck_assert(!date_valid("2026-13-01") && !date_valid("2026-00-10") && !date_valid("2026-1-01"));
  ck_assert(!date_valid("2026-01-01T00:00") && !date_valid("") && !date_valid("20260101"));
}
END_TEST

START_TEST(validator_types) {
  static const char *const STD[] = {"iso9001", "iso27001", NULL};
  const struct field_spec spec[] = {
      {.name = "amount", .type = VT_DECIMAL},
      {.name = "due", .type = VT_DATE, .flags = V_NULLABLE},
      {.name = "standards", .type = VT_STRING_ARRAY, .flags = V_UNIQUE, .one_of = STD, .max_items = 2},
      {.name = "changes", .type = VT_OBJECT},
      {.name = "actions", .type = VT_OBJECT_ARRAY, .max_items = 2},
      {0},
  };
  json_t *errors = json_array();
  json_t *good = json_pack("{s:s, s:n, s:[s], s:{}, s:[{}]}", "amount", "1.50", "due", "standards", "iso9001",
                           "changes", "actions");
  ck_assert_int_eq(validate_object(good, spec, VALIDATE_PATCH, errors), 0);
  json_t *bad = json_pack("{s:s, s:s, s:[s,s], s:[], s:[i]}", "amount", "x", "due", "2026-02-30", "standards",
                          "iso9001", "iso9001", "changes", "actions", 1);
  ck_assert_int_eq(validate_object(bad, spec, VALIDATE_PATCH, errors), 5);
  const char *fields[] = {"amount", "due", "standards", "changes", "actions"};
  for (size_t i = 0; i < 5; i++) {
    ck_assert_msg(field_has_error(errors, fields[i]), "no error for %s", fields[i]);
  }
  json_t *many = json_pack("{s:[s,s,s]}", "standards", "iso9001", "iso27001", "iso9001");
  json_array_clear(errors);
  ck_assert_int_eq(validate_object(many, spec, VALIDATE_PATCH, errors), 1);
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "message")),
                   "must have at most 2 items");
  json_decref(many);
  json_decref(good);
  json_decref(bad);
  json_decref(errors);
}
END_TEST

int main(void) {
  Suite *s = suite_create("period");
  TCase *tc = tcase_create("rules");
  tcase_add_test(tc, frequencies);
  tcase_add_test(tc, periods_by_frequency);
  tcase_add_test(tc, review_periods);
  tcase_add_test(tc, decimals);
  tcase_add_test(tc, dates);
  tcase_add_test(tc, validator_types);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
