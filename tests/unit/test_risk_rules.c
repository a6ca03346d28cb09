/* The risk register's pure rules (api/registers/risks/rules.c) and the built-in Annex A list
 * of the Statement of Applicability (api/registers/soa/controls.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "risks/rules.h"
#include "soa/controls.h"
#include "soa/rules.h"

static json_t *matrix(int nl, int ni, const char *bands, int appetite) {
  json_t *m = json_object();
  json_t *l = json_array(), *i = json_array();
  for (int k = 0; k < nl; k++)
    json_array_append_new(l, json_pack("{s:s}", "name", "p"));
  for (int k = 0; k < ni; k++)
    json_array_append_new(i, json_pack("{s:s, s:s}", "name", "s", "description", "opis"));
  json_object_set_new(m, "likelihood", l);
  json_object_set_new(m, "impact", i);
  json_object_set_new(m, "bands", json_loads(bands, 0, NULL));
  json_object_set_new(m, "appetite", json_integer(appetite));
  return m;
}

#define BANDS_25                                                                                                       \
  "[{\"band\":\"low\",\"up_to\":4,\"colour\":\"#2E7D32\"},{\"band\":\"medium\",\"up_to\":9,\"colour\":\"#F9A825\"},"   \
  "{\"band\":\"high\",\"up_to\":16,\"colour\":\"#ef6c00\"},{\"band\":\"critical\",\"up_to\":25,\"colour\":\"#"         \
  "C62828\"}]"

/* The fields named by errors, joined by spaces. */
static void fields_of(const json_t *errors, char *out, size_t size) {
  size_t i;
  const json_t *e;
  out[0] = '\0';
  json_array_foreach(errors, i, e) {
    if (i > 0) strncat(out, " ", size - strlen(out) - 1);
    strncat(out, json_string_value(json_object_get(e, "field")), size - strlen(out) - 1);
  }
}

static void check_matrix(json_t *m, const char *expected) {
  json_t *errors = json_array();
  char got[512];
  risk_matrix_check(m, errors);
  fields_of(errors, got, sizeof got);
  ck_assert_str_eq(got, expected);
  json_decref(errors);
  json_decref(m);
}

START_TEST(matrix_consistency) {
  check_matrix(matrix(5, 5, BANDS_25, 6), "");
  check_matrix(matrix(3, 4,
                      "[{\"band\":\"low\",\"up_to\":2,\"colour\":\"#000000\"},{\"band\":\"medium\",\"up_to\":3,"
                      "\"colour\":\"#000000\"},{\"band\":\"high\",\"up_to\":6,\"colour\":\"#000000\"},"
                      "{\"band\":\"critical\",\"up_to\":12,\"colour\":\"#000000\"}]",
                      12),
               "");
  /* the last band must reach the highest level of this matrix */
  check_matrix(matrix(4, 4, BANDS_25, 6), "bands");
  check_matrix(matrix(5, 5, BANDS_25, 26), "appetite");
  check_matrix(matrix(5, 5, BANDS_25, 0), "appetite");
  /* an unusable scale: the bands and the appetite are not judged against it */
  check_matrix(matrix(2, 5, BANDS_25, 6), "likelihood");
  check_matrix(matrix(6, 5, BANDS_25, 6), "likelihood");
  /* order, repetition, colours */
  check_matrix(matrix(5, 5,
                      "[{\"band\":\"medium\",\"up_to\":4,\"colour\":\"#2E7D32\"},{\"band\":\"low\",\"up_to\":9,"
                      "\"colour\":\"#F9A825\"},{\"band\":\"high\",\"up_to\":16,\"colour\":\"#EF6C00\"},"
                      "{\"band\":\"critical\",\"up_to\":25,\"colour\":\"#C62828\"}]",
                      6),
               "bands");
  check_matrix(matrix(5, 5,
                      "[{\"band\":\"low\",\"up_to\":9,\"colour\":\"#2E7D32\"},{\"band\":\"medium\",\"up_to\":9,"
                      "\"colour\":\"#F9A825\"},{\"band\":\"high\",\"up_to\":16,\"colour\":\"#EF6C00\"},"
                      "{\"band\":\"critical\",\"up_to\":25,\"colour\":\"#C62828\"}]",
                      6),
               "bands");
  check_matrix(matrix(5, 5,
                      "[{\"band\":\"low\",\"up_to\":4,\"colour\":\"#2E7D3G\"},{\"band\":\"medium\",\"up_to\":9,"
                      "\"colour\":\"F9A8250\"},{\"band\":\"high\",\"up_to\":16,\"colour\":\"#EF6C00\"},"
                      "{\"band\":\"critical\",\"up_to\":25,\"colour\":\"#C62828\"}]",
                      6),
               "bands[0].colour bands[1].colour");
  check_matrix(matrix(5, 5, "[{\"band\":\"low\",\"up_to\":25,\"colour\":\"#2E7D32\"}]", 6), "bands");
  check_matrix(matrix(5, 5, "[{\"band\":\"low\",\"up_to\":25,\"colour\":\"#2E7D32\",\"x\":1}]", 6), "bands[0].x");
}
END_TEST

static void check_assessment(int il, int ii, int rl, int ri, int nl, int ni, const char *expected) {
  json_t *body = json_pack("{s:i, s:i, s:i, s:i}", "inherent_likelihood", il, "inherent_impact", ii,
                           "residual_likelihood", rl, "residual_impact", ri);
  json_t *errors = json_array();
  char got[256];
  risk_assessment_check(body, nl, ni, errors);
  fields_of(errors, got, sizeof got);
  ck_assert_str_eq(got, expected);
  json_decref(errors);
  json_decref(body);
}

START_TEST(assessment_against_the_scales) {
  check_assessment(4, 4, 2, 3, 5, 5, "");
  check_assessment(5, 5, 5, 5, 5, 5, "");
  check_assessment(4, 3, 1, 1, 3, 3, "inherent_likelihood");
  check_assessment(3, 4, 1, 1, 3, 3, "inherent_impact");
  check_assessment(2, 2, 1, 5, 5, 5, "residual_likelihood"); /* 5 > 4: residual above inherent */
  check_assessment(2, 3, 3, 2, 5, 5, "");                    /* the same level, other cells */
}
END_TEST

START_TEST(control_mechanisms) {
  json_t *controls = json_loads("[{\"description\":\"Kopie\",\"state\":\"existing\",\"annex_a\":[\"A.8.13\"]},"
                                "{\"description\":\"Plan\",\"state\":\"planned\"},"
                                "{\"description\":\"\",\"state\":\"maybe\",\"annex_a\":[\"A.8.35\"]},"
                                "{\"description\":\"X\",\"state\":\"planned\",\"annex_a\":[\"A.5.1\",\"B.1\"]}]",
                                0, NULL);
  json_t *errors = json_array();
  char got[256];
  risk_controls_check(controls, errors);
  fields_of(errors, got, sizeof got);
  ck_assert_str_eq(got, "controls[2].description controls[2].state controls[3].annex_a[1]");
  json_decref(errors);
  json_decref(controls);
}
END_TEST

START_TEST(annex_a_list) {
  ck_assert_uint_eq(soa_control_count(), 93);
  int themes[9] = {0};
  for (size_t i = 0; i < soa_control_count(); i++) {
    const char *id = soa_control_id(i);
    ck_assert_int_eq(soa_control_index(id), (int)i);
    themes[id[2] - '0']++;
    ck_assert(strlen(soa_control_title(i)) > 0);
  }
  ck_assert_int_eq(themes[5], 37);
  ck_assert_int_eq(themes[6], 8);
  ck_assert_int_eq(themes[7], 14);
  ck_assert_int_eq(themes[8], 34);
  ck_assert_int_eq(soa_control_index("A.8.35"), -1);
  ck_assert_int_eq(soa_control_index("A.5.01"), -1);
  ck_assert_int_eq(soa_control_index(NULL), -1);
  ck_assert_ptr_null(soa_control_id(93));
  const char *ids = soa_control_ids_literal(), *titles = soa_control_titles_literal();
  ck_assert(strncmp(ids, "{\"A.5.1\",\"A.5.2\",", 17) == 0);
  ck_assert(ids[strlen(ids) - 1] == '}');
  ck_assert(strstr(titles, "\"Information backup\"") != NULL);
  ck_assert(titles[strlen(titles) - 1] == '}');
}
END_TEST

START_TEST(soa_entries) {
  const char *cases[][2] = {
      {"{\"applicable\":true,\"justification\":\"x\",\"implementation\":\"partial\"}", ""},
      {"{\"applicable\":true,\"justification\":\"x\"}", "implementation"},
      {"{\"applicable\":true,\"justification\":\"x\",\"implementation\":null}", "implementation"},
      {"{\"applicable\":false,\"justification\":\"x\",\"implementation\":\"partial\"}", "implementation"},
      {"{\"applicable\":false,\"justification\":\"x\"}", ""},
      {"{\"applicable\":false,\"justification\":\"x\",\"evidence\":{\"case_marks\":[\"WOU-II.0123.1.2024\"]}}", ""},
      {"{\"applicable\":false,\"justification\":\"x\",\"evidence\":{\"case_marks\":[\"\"],\"other\":1}}",
       "evidence.case_marks evidence.other"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *body = json_loads(cases[i][0], 0, NULL);
    json_t *errors = json_array();
    char got[256];
    soa_entry_check(body, errors);
    fields_of(errors, got, sizeof got);
    ck_assert_msg(strcmp(got, cases[i][1]) == 0, "%s: got '%s'", cases[i][0], got);
    json_decref(errors);
    json_decref(body);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("risk_rules");
  TCase *tc = tcase_create("rules");
  tcase_add_test(tc, matrix_consistency);
  tcase_add_test(tc, assessment_against_the_scales);
  tcase_add_test(tc, control_mechanisms);
  tcase_add_test(tc, annex_a_list);
  tcase_add_test(tc, soa_entries);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
