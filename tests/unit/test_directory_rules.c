/* Unit tests for api/registers/directory/rules.c: the shape of a process scheme document. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "directory/rules.h"
#include "validate.h"

/* The fields errors names, in order, joined by spaces. */
static void fields_of(const json_t *errors, char *out, size_t size) {
  size_t i, used = 0;
  json_t *e;
  out[0] = '\0';
  json_array_foreach(errors, i, e) {
    int w = snprintf(out + used, size - used, "%s%s", used ? " " : "", json_string_value(json_object_get(e, "field")));
    if (w > 0 && (size_t)w < size - used) used += (size_t)w;
  }
}

static int check_text(const char *text, char *fields, size_t size) {
  json_error_t err;
  json_t *doc = json_loads(text, 0, &err);
  ck_assert_msg(doc != NULL, "bad test JSON: %s", err.text);
  json_t *errors = json_array();
  int n = scheme_check(doc, errors);
  ck_assert_int_eq(n, (int)json_array_size(errors));
  fields_of(errors, fields, size);
  json_decref(errors);
  json_decref(doc);
  return n;
}

START_TEST(valid_schemes) {
  char f[512];
  ck_assert_int_eq(check_text("{\"name\": \"wroclaw\", \"categories\": {\"management\": [\"PZ\"], \"core\": [\"PG\", "
                              "\"PK\"], \"support\": [\"PW\"]}, \"separators\": \"-\", \"digits\": 0, \"levels\": 1, "
                              "\"example\": \"PZ-2\"}",
                              f, sizeof f),
                   0);
  ck_assert_int_eq(check_text("{\"name\": \"poznan_2\", \"categories\": {\"management\": [\"P1\"], \"core\": [\"P\"], "
                              "\"support\": [\"W\"]}, \"separators\": \"\", \"digits\": 2, \"levels\": 8, "
                              "\"example\": \"P01\"}",
                              f, sizeof f),
                   0);
}
END_TEST

START_TEST(every_problem_named) {
  char f[512];
  /* wrong name, no prefix, a lower-case prefix, a prefix in two categories, bad numbers */
  ck_assert_int_eq(check_text("{\"name\": \"Wrocław\", \"categories\": {\"management\": [], \"core\": [\"pg\"], "
                              "\"support\": [\"PZ\"]}, \"separators\": \"+\", \"digits\": 5, \"levels\": 0, "
                              "\"example\": \"x\", \"extra\": 1}",
                              f, sizeof f),
                   7);
  ck_assert_str_eq(f, "separators digits levels extra name categories.management categories.core");
  ck_assert_int_eq(check_text("{\"name\": \"x\", \"categories\": {\"management\": [\"PZ\"], \"core\": [\"PG\"], "
                              "\"support\": [\"PZ\"]}, \"separators\": \".\", \"digits\": 0, \"levels\": 2, "
                              "\"example\": \"PZ.1\"}",
                              f, sizeof f),
                   1);
  ck_assert_str_eq(f, "categories.support");
  ck_assert_int_eq(check_text("{\"name\": \"x\", \"categories\": {\"core\": [\"PG\", \"PG\"], \"other\": []}, "
                              "\"separators\": \".\", \"digits\": 0, \"levels\": 2, \"example\": \"PZ.1\"}",
                              f, sizeof f),
                   4);
  ck_assert_str_eq(f, "categories.core categories.other categories.management categories.support");
  ck_assert_int_eq(check_text("{\"name\": \"x\", \"categories\": 5}", f, sizeof f), 5);
  ck_assert_str_eq(f, "categories separators digits levels example");
  ck_assert_int_eq(check_text("{\"name\": \"x\", \"categories\": {\"management\": [\"TOOLONGPREFIX\"], \"core\": "
                              "[\"A\"], \"support\": [\"B\"]}, \"separators\": \" \", \"digits\": 0, \"levels\": 1, "
                              "\"example\": \"A 1\"}",
                              f, sizeof f),
                   1);
  ck_assert_str_eq(f, "categories.management");
}
END_TEST

int main(void) {
  Suite *s = suite_create("directory_rules");
  TCase *tc = tcase_create("scheme");
  tcase_add_test(tc, valid_schemes);
  tcase_add_test(tc, every_problem_named);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
