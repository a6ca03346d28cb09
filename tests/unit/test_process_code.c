/* Unit tests for api/process_code.c: the Kraków and Lublin process numbering schemes. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "processes/process_code.h"

struct code_case {
  const char *code;
  const char *category; /* NULL: invalid */
};

static void check_cases(process_scheme scheme, const struct code_case *cases, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const char *got = process_code_category(scheme, cases[i].code);
    if (cases[i].category == NULL) {
      ck_assert_msg(got == NULL, "%s: '%s' accepted as %s", process_scheme_name(scheme), cases[i].code, got);
    } else {
      ck_assert_msg(got != NULL && strcmp(got, cases[i].category) == 0, "%s: '%s' gave %s, want %s",
                    process_scheme_name(scheme), cases[i].code, got ? got : "NULL", cases[i].category);
    }
  }
}

START_TEST(krakow_valid) {
  static const struct code_case cases[] = {
      {"GZ 1", "management"}, {"GZ 8", "management"}, {"GR 3", "core"},       {"GR 3.1", "core"},
      {"GW 2", "support"},    {"GR 10.2.3", "core"},  {"GW 1234", "support"}, {"GR 9999.9999", "core"},
  };
  check_cases(SCHEME_KRAKOW, cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(krakow_invalid) {
  static const struct code_case cases[] = {
      {"GZ8", NULL},    {"GZ  8", NULL}, {"gz 8", NULL},       {"GX 1", NULL},  {"GZ 1.", NULL},    {"GZ .1", NULL},
      {"GZ 01", NULL},  {"PZ 1", NULL},  {"GZ 1a", NULL},      {"", NULL},      {"GZ 12345", NULL}, {"GZ 1 ", NULL},
      {"GZ.1", NULL},   {"GZ", NULL},    {"GZ ", NULL},        {" GZ 1", NULL}, {"GZ 1..2", NULL},  {"GZ 1.02", NULL},
      {"GZ\t1", NULL},  {"GZ -1", NULL}, {"GZ 1.2.", NULL},    {"Gz 1", NULL},  {"GZ１", NULL},     {"GZ 1\n", NULL},
      {"GZ 1/2", NULL}, {"GZ +1", NULL}, {"GZ 1.12345", NULL},
  };
  check_cases(SCHEME_KRAKOW, cases, sizeof cases / sizeof cases[0]);
  ck_assert_ptr_null(process_code_category(SCHEME_KRAKOW, NULL));
}
END_TEST

START_TEST(lublin_valid) {
  static const struct code_case cases[] = {
      {"PZ.4.4.5", "management"}, {"PZ 1", "management"}, {"PG 2", "core"},      {"PW 1", "support"},
      {"PZ.1", "management"},     {"PG.3.1", "core"},     {"PW 7.2", "support"},
  };
  check_cases(SCHEME_LUBLIN, cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(lublin_invalid) {
  static const struct code_case cases[] = {
      {"PZ4", NULL},   {"GZ 1", NULL}, {"PZ.4.4.5.", NULL}, {"PZ-1", NULL},  {"PZ..1", NULL},
      {"PZ. 1", NULL}, {"pz.1", NULL}, {"PX.1", NULL},      {"PZ.01", NULL}, {"PZ", NULL},
      {"PZ.", NULL},   {"", NULL},     {"PZ 1 ", NULL},     {"PZ_1", NULL},  {"GR 3.1", NULL},
  };
  check_cases(SCHEME_LUBLIN, cases, sizeof cases / sizeof cases[0]);
  ck_assert_ptr_null(process_code_category(SCHEME_LUBLIN, NULL));
}
END_TEST

START_TEST(scheme_parse) {
  process_scheme s = (process_scheme)99;
  ck_assert_int_eq(process_scheme_parse("krakow", &s), 0);
  ck_assert_int_eq(s, SCHEME_KRAKOW);
  ck_assert_int_eq(process_scheme_parse("lublin", &s), 0);
  ck_assert_int_eq(s, SCHEME_LUBLIN);
  s = SCHEME_LUBLIN;
  ck_assert_int_ne(process_scheme_parse("x", &s), 0);
  ck_assert_int_eq(s, SCHEME_LUBLIN); /* untouched on failure */
  ck_assert_int_ne(process_scheme_parse("Krakow", &s), 0);
  ck_assert_int_ne(process_scheme_parse("kraków", &s), 0);
  ck_assert_int_ne(process_scheme_parse("", &s), 0);
  ck_assert_int_ne(process_scheme_parse(NULL, &s), 0);
  ck_assert_str_eq(process_scheme_name(SCHEME_KRAKOW), "krakow");
  ck_assert_str_eq(process_scheme_name(SCHEME_LUBLIN), "lublin");
}
END_TEST

START_TEST(scheme_texts) {
  ck_assert_str_eq(process_scheme_prefixes(SCHEME_KRAKOW), "GZ, GR or GW");
  ck_assert_str_eq(process_scheme_prefixes(SCHEME_LUBLIN), "PZ, PG or PW");
  /* each scheme's example is a valid code of that scheme and not of the other */
  ck_assert_ptr_nonnull(process_code_category(SCHEME_KRAKOW, process_scheme_example(SCHEME_KRAKOW)));
  ck_assert_ptr_nonnull(process_code_category(SCHEME_LUBLIN, process_scheme_example(SCHEME_LUBLIN)));
  ck_assert_ptr_null(process_code_category(SCHEME_LUBLIN, process_scheme_example(SCHEME_KRAKOW)));
  ck_assert_ptr_null(process_code_category(SCHEME_KRAKOW, process_scheme_example(SCHEME_LUBLIN)));
}
END_TEST

static Suite *process_code_suite(void) {
  Suite *s = suite_create("process_code");
  TCase *tc = tcase_create("codes");
  tcase_add_test(tc, krakow_valid);
  tcase_add_test(tc, krakow_invalid);
  tcase_add_test(tc, lublin_valid);
  tcase_add_test(tc, lublin_invalid);
  tcase_add_test(tc, scheme_parse);
  tcase_add_test(tc, scheme_texts);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(process_code_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
