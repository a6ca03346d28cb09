/* EZD case marks (api/lib/case_mark.c): the parser against the shared examples, every
 * reason it gives, the limits, and the walk that collects a body's marks with their field
 * names. */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "case_mark.h"
#include "case_mark_examples.h"
#include "validate.h"

START_TEST(examples) {
  for (size_t i = 0; i < CASE_MARK_EXAMPLE_COUNT; i++) {
    const struct case_mark_example *e = &CASE_MARK_EXAMPLES[i];
    struct case_mark m;
    enum case_mark_error got = case_mark_parse(e->text, &m);
    ck_assert_msg(got == e->want, "\"%s\": got %d, want %d", e->text, got, e->want);
    ck_assert_int_eq(case_mark_parse(e->text, NULL), got);
    if (got == CM_OK) {
      ck_assert_str_eq(m.key, e->key);
      ck_assert_str_eq(m.unit, e->unit);
      ck_assert_str_eq(m.jrwa, e->jrwa);
      ck_assert_str_eq(m.folder, e->folder);
      ck_assert_int_eq(m.number, e->number);
      ck_assert_int_eq(m.year, e->year);
    } else {
      ck_assert_str_eq(m.key, "");
    }
  }
}
END_TEST

START_TEST(initials_kept_apart) {
  struct case_mark m;
  ck_assert_int_eq(case_mark_parse("ABC-A.123.77.3.2011.JW", &m), CM_OK);
  ck_assert_str_eq(m.initials, "JW");
  ck_assert_int_eq(case_mark_parse("OR.0012.3.2024.\xc5\x81\xc3\x93", &m), CM_OK); /* ŁÓ */
  ck_assert_str_eq(m.initials, "\xc5\x81\xc3\x93");
  ck_assert_str_eq(m.key, "OR.0012.3.2024");
  ck_assert_int_eq(case_mark_parse("OR.0012.3.2024", &m), CM_OK);
  ck_assert_str_eq(m.initials, "");
  /* ten letters are initials, eleven are not */
  ck_assert_int_eq(case_mark_parse("OR.0012.3.2024.ABCDEFGHIJ", NULL), CM_OK);
  ck_assert_int_eq(case_mark_parse("OR.0012.3.2024.ABCDEFGHIJK", NULL), CM_AFTER_YEAR);
}
END_TEST

START_TEST(length_limit) {
  char text[CASE_MARK_MAX + 2];
  /* exactly CASE_MARK_MAX bytes: a unit of 86 letters + ".0123.1.2024" (14) */
  memset(text, 'A', 86);
  strcpy(text + 86, ".0123.1.2024");
  ck_assert_uint_eq(strlen(text), CASE_MARK_MAX - 2);
  strcpy(text + 86, ".0123.100.2024");
  ck_assert_uint_eq(strlen(text), CASE_MARK_MAX);
  struct case_mark m;
  ck_assert_int_eq(case_mark_parse(text, &m), CM_OK);
  ck_assert_uint_eq(strlen(m.key), CASE_MARK_MAX);
  strcpy(text + 86, ".0123.1000.2024");
  ck_assert_int_eq(case_mark_parse(text, NULL), CM_TOO_LONG);
  ck_assert_int_eq(case_mark_parse(NULL, NULL), CM_EMPTY);
}
END_TEST

START_TEST(every_reason_has_a_message) {
  for (int r = CM_EMPTY; r <= CM_UNIT; r++) {
    msg_id id = case_mark_message((enum case_mark_error)r);
    ck_assert_str_ne(msg_text(id), "invalid");
    if (r != CM_EMPTY) ck_assert_ptr_nonnull(strstr(msg_text(id), "is not a case mark"));
  }
}
END_TEST

START_TEST(collect_names_fields) {
  json_t *body = json_loads("{\"evidence\": [{\"znak_sprawy\": \"WOU-II.0123.1.2024\"}, {\"znak_sprawy\": \"\"},"
                            " {\"document_id\": \"x\"}, {\"znak_sprawy\": \"zły znak\"}], \"znak_sprawy\": 5}",
                            0, NULL);
  ck_assert_ptr_nonnull(body);
  json_t *marks = case_marks_collect(body, "evidence[].znak_sprawy");
  ck_assert_uint_eq(json_array_size(marks), 2);
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(marks, 0), "field")), "evidence[0].znak_sprawy");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(marks, 1), "field")), "evidence[3].znak_sprawy");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(marks, 1), "mark")), "zły znak");
  json_t *errors = json_array();
  ck_assert_int_eq(case_marks_errors(marks, errors), 1);
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")), "evidence[3].znak_sprawy");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "message")),
                   msg_text(MSG_CM_CHARACTER));
  json_decref(errors);
  json_decref(marks);
  /* a number is no mark to check (the field spec refuses it first) */
  marks = case_marks_collect(body, "znak_sprawy");
  ck_assert_uint_eq(json_array_size(marks), 0);
  json_decref(marks);
  json_decref(body);

  body = json_loads("{\"evidence\": {\"text\": \"t\", \"documents\": [{\"znak_sprawy\": \"A.1.1.2024\"},"
                    " {\"znak_sprawy\": \"A.12345.1.2024\"}]}}",
                    0, NULL);
  marks = case_marks_collect(body, "evidence.documents[].znak_sprawy");
  ck_assert_uint_eq(json_array_size(marks), 2);
  errors = json_array();
  ck_assert_int_eq(case_marks_errors(marks, errors), 1);
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")),
                   "evidence.documents[1].znak_sprawy");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "message")), msg_text(MSG_CM_JRWA));
  json_decref(errors);
  json_decref(marks);
  /* shapes that are not there cite nothing */
  marks = case_marks_collect(body, "evidence[].znak_sprawy");
  ck_assert_uint_eq(json_array_size(marks), 0);
  json_decref(marks);
  marks = case_marks_collect(NULL, "znak_sprawy");
  ck_assert_uint_eq(json_array_size(marks), 0);
  json_decref(marks);
  json_decref(body);
}
END_TEST

int main(void) {
  Suite *s = suite_create("case_mark");
  TCase *tc = tcase_create("case_mark");
  tcase_add_test(tc, examples);
  tcase_add_test(tc, initials_kept_apart);
  tcase_add_test(tc, length_limit);
  tcase_add_test(tc, every_reason_has_a_message);
  tcase_add_test(tc, collect_names_fields);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}
