/* Survey definitions, responses and their tallies, CSV rows. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "surveys/survey_check.h"
#include "validate.h"

static const char *QUESTIONS =
    "[{\"key\":\"q1\",\"text\":\"Ocena\",\"type\":\"scale_1_5\",\"required\":true,\"allow_dont_know\":true},"
    "{\"key\":\"yn\",\"text\":\"Czy\",\"type\":\"yes_no\"},"
    "{\"key\":\"ch\",\"text\":\"Kanał\",\"type\":\"single_choice\",\"options\":[{\"key\":\"office\",\"text\":\"Urząd\"}"
    ","
    "{\"key\":\"phone\",\"text\":\"Telefon\"}]},"
    "{\"key\":\"mc\",\"text\":\"Co\",\"type\":\"multi_choice\",\"options\":[{\"key\":\"a\",\"text\":\"A\"},"
    "{\"key\":\"b\",\"text\":\"B\"}]},"
    "{\"key\":\"txt\",\"text\":\"Uwagi\",\"type\":\"text\",\"max_length\":5}]";
static const char *FIELDS = "[{\"key\":\"unit\",\"text\":\"Wydział\",\"type\":\"org_unit\"}]";

static json_t *load(const char *s) {
  return json_loads(s, 0, NULL);
}

START_TEST(definitions) {
  json_t *q = load(QUESTIONS), *f = load(FIELDS), *errors = json_array();
  ck_assert_int_eq(survey_definition_check(q, f, errors), 0);
  json_t *bad =
      load("[{\"key\":\"Q 1\",\"text\":\"x\",\"type\":\"scale_1_5\",\"options\":[]},"
           "{\"key\":\"dup\",\"text\":\"x\",\"type\":\"text\",\"allow_dont_know\":true},"
           "{\"key\":\"dup\",\"text\":\"x\",\"type\":\"single_choice\",\"options\":[{\"key\":\"a\",\"text\":\"A\"}]},"
           "{\"key\":\"k\",\"text\":\"x\",\"type\":\"yes_no\",\"max_length\":3}]");
  json_t *bad_fields =
      load("[{\"key\":\"k\",\"text\":\"x\",\"type\":\"choice\",\"options\":[{\"key\":\"a\",\"text\":\"A\"},"
           "{\"key\":\"a\",\"text\":\"B\"}]}]");
  ck_assert_int_ge(survey_definition_check(bad, bad_fields, errors), 7);
  const char *named[] = {"questions[0].key",
                         "questions[0].options",
                         "questions[1].allow_dont_know",
                         "questions[2].key",
                         "questions[2].options",
                         "questions[3].max_length",
                         "respondent_fields[0].key",
                         "respondent_fields[0].options[1].key",
                         NULL};
  for (int i = 0; named[i]; i++)
    ck_assert_msg(field_has_error(errors, named[i]), "no error for %s", named[i]);
  json_decref(q);
  json_decref(f);
  json_decref(bad);
  json_decref(bad_fields);
  json_decref(errors);
}
END_TEST

START_TEST(valid_response_tally) {
  json_t *q = load(QUESTIONS), *f = load(FIELDS), *errors = json_array(), *tally = json_array();
  json_t *units = load("[\"WOU\"]");
  json_t *resp = load("{\"answers\":{\"q1\":4,\"yn\":true,\"ch\":\"phone\",\"mc\":[\"a\",\"b\"],\"txt\":\"ok\"},"
                      "\"respondent\":{\"unit\":\"WOU\"}}");
  ck_assert_int_eq(response_check(q, f, units, NULL, resp, "", 0, errors, tally), 0);
  json_t *want =
      load("[[\"q1\",\"4\"],[\"yn\",\"yes\"],[\"ch\",\"phone\"],[\"mc\",\"a\"],[\"mc\",\"b\"],[\"mc\",\"__n\"],"
           "[\"txt\",\"__n\"],[\"@unit\",\"WOU\"]]");
  char *got = json_dumps(tally, JSON_COMPACT);
  ck_assert_msg(json_equal(tally, want), "tally %s", got);
  free(got);
  json_decref(want);
  json_decref(resp);
  /* dont_know is allowed on q1 */
  resp = load("{\"answers\":{\"q1\":\"dont_know\"}}");
  json_array_clear(tally);
  ck_assert_int_eq(response_check(q, f, units, NULL, resp, "", 0, errors, tally), 0);
  ck_assert_str_eq(json_string_value(json_array_get(json_array_get(tally, 0), 1)), "dont_know");
  json_decref(resp);
  json_decref(q);
  json_decref(f);
  json_decref(units);
  json_decref(errors);
  json_decref(tally);
}
END_TEST

START_TEST(bad_responses_list_everything) {
  json_t *q = load(QUESTIONS), *f = load(FIELDS), *errors = json_array(), *tally = json_array();
  json_t *units = load("[\"WOU\"]");
  json_t *resp = load("{\"answers\":{\"q1\":6,\"yn\":\"yes\",\"ch\":\"mail\",\"mc\":[\"a\",\"a\"],\"txt\":\"too long\","
                      "\"zz\":1},\"respondent\":{\"unit\":\"XYZ\"},\"extra\":1}");
  int n = response_check(q, f, units, NULL, resp, "rows[3].", 0, errors, tally);
  ck_assert_int_eq(n, 8);
  const char *named[] = {"rows[3].answers.q1",      "rows[3].answers.yn",  "rows[3].answers.ch",
                         "rows[3].answers.mc",      "rows[3].answers.txt", "rows[3].answers.zz",
                         "rows[3].respondent.unit", "rows[3].extra",       NULL};
  for (int i = 0; named[i]; i++)
    ck_assert_msg(field_has_error(errors, named[i]), "no error for %s", named[i]);
  ck_assert_int_eq(json_array_size(tally), 0); /* a refused response adds nothing */
  json_decref(resp);
  /* a missing required answer; an access code only where allowed */
  json_array_clear(errors);
  resp = load("{\"answers\":{},\"access_code\":\"X\"}");
  ck_assert_int_eq(response_check(q, f, units, NULL, resp, "", 0, errors, tally), 2);
  ck_assert(field_has_error(errors, "answers.q1") && field_has_error(errors, "access_code"));
  json_array_clear(errors);
  ck_assert_int_eq(response_check(q, f, units, NULL, resp, "", 1, errors, tally), 1);
  json_decref(resp);
  json_decref(q);
  json_decref(f);
  json_decref(units);
  json_decref(errors);
  json_decref(tally);
}
END_TEST

START_TEST(csv_rows) {
  json_t *q = load(QUESTIONS), *f = load(FIELDS), *errors = json_array();
  json_t *header = load("[\"q1\",\"yn\",\"mc\",\"unit\",\"txt\"]");
  ck_assert_int_eq(survey_csv_header_check(q, f, header, errors), 0);
  json_t *row = load("[\"5\",\"tak\",\"a|b\",\"WOU\",\"\"]");
  json_t *resp = survey_csv_row(q, f, header, row);
  json_t *want = load("{\"answers\":{\"q1\":5,\"yn\":true,\"mc\":[\"a\",\"b\"]},\"respondent\":{\"unit\":\"WOU\"}}");
  ck_assert(json_equal(resp, want));
  json_t *bad_header = load("[\"q1\",\"nope\",\"q1\"]");
  ck_assert_int_eq(survey_csv_header_check(q, f, bad_header, errors), 2);
  json_decref(bad_header);
  json_decref(want);
  json_decref(resp);
  json_decref(row);
  json_decref(header);
  json_decref(q);
  json_decref(f);
  json_decref(errors);
}
END_TEST

int main(void) {
  Suite *s = suite_create("survey_check");
  TCase *tc = tcase_create("rules");
  tcase_add_test(tc, definitions);
  tcase_add_test(tc, valid_response_tally);
  tcase_add_test(tc, bad_responses_list_everything);
  tcase_add_test(tc, csv_rows);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
