/* The CSV writer of the exports (api/lib/csvw.c): cells as zsz_csv() makes them (quoting,
 * formula protection, plain numbers spared), timestamps as zsz_ts() #>> '{}'. The same texts
 * against the SQL function itself: tests/db/test_csv_cells.c. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "csvw.h"

static void expect_cell_n(const char *in, size_t len, const char *want) {
  struct strbuf b = {0};
  csvw_cell(&b, in, len);
  char *text = strbuf_steal(&b);
  ck_assert_ptr_nonnull(text);
  ck_assert_msg(strcmp(text, want) == 0, "cell of [%s]: [%s], want [%s]", in ? in : "(null)", text, want);
  free(text);
}

static void expect_cell(const char *in, const char *want) {
  expect_cell_n(in, in ? strlen(in) : 0, want);
}

static void expect_ts(const char *in, const char *want) {
  struct strbuf b = {0};
  csvw_timestamp(&b, in, in ? strlen(in) : 0);
  char *text = strbuf_steal(&b);
  ck_assert_ptr_nonnull(text);
  ck_assert_msg(strcmp(text, want) == 0, "timestamp cell of [%s]: [%s], want [%s]", in ? in : "(null)", text, want);
  free(text);
}

START_TEST(plain_texts_pass_as_they_are) {
  expect_cell(NULL, "");
  expect_cell("", "");
  expect_cell("NC/2025/000001", "NC/2025/000001");
  expect_cell("Zażółć gęślą jaźń", "Zażółć gęślą jaźń");
  expect_cell("a,b", "a,b");
  expect_cell("it's", "it's");
  expect_cell(" =not first", " =not first");
  expect_cell("a\tb", "a\tb");
}
END_TEST

START_TEST(separators_quotes_and_line_breaks_are_quoted) {
  expect_cell("ref; 7", "\"ref; 7\"");
  expect_cell("say \"hi\"", "\"say \"\"hi\"\"\"");
  expect_cell("\"", "\"\"\"\"");
  expect_cell("\"\"", "\"\"\"\"\"\"");
  expect_cell("two\nlines", "\"two\nlines\"");
  expect_cell("crlf\r\n", "\"crlf\r\n\"");
  expect_cell("cr\r", "\"cr\r\"");
  expect_cell(";", "\";\"");
}
END_TEST

START_TEST(formulas_get_an_apostrophe) {
  expect_cell("=1+1", "'=1+1");
  expect_cell("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"");
  expect_cell("+48 12 345", "'+48 12 345");
  expect_cell("-", "'-");
  expect_cell("+", "'+");
  expect_cell("@SUM(A1)", "'@SUM(A1)");
  expect_cell("\tx", "'\tx");
  expect_cell("\rx", "\"'\rx\"");
  expect_cell("=a;b", "\"'=a;b\"");
  expect_cell("-1-", "'-1-");
  expect_cell("-1.", "'-1.");
  expect_cell("-.5", "'-.5");
  expect_cell("-1.2.3", "'-1.2.3");
  expect_cell("+1e5", "'+1e5");
  expect_cell("-3 ", "'-3 ");
  expect_cell("--3", "'--3");
  expect_cell("-٣", "'-٣"); /* an Arabic-Indic digit is not [0-9] */
}
END_TEST

START_TEST(plain_numbers_are_spared) {
  expect_cell("-3", "-3");
  expect_cell("+3", "+3");
  expect_cell("3", "3");
  expect_cell("-2,5", "-2,5");
  expect_cell("+2.25", "+2.25");
  expect_cell("-0", "-0");
  expect_cell("007", "007");
  expect_cell("1;2", "\"1;2\"");
}
END_TEST

START_TEST(a_cell_ends_at_its_length) {
  expect_cell_n("=x", 0, "");
  expect_cell_n("-3=", 2, "-3");
  expect_cell_n("a;b", 1, "a");
}
END_TEST

START_TEST(timestamps_as_zsz_ts) {
  expect_ts("2026-11-20 10:00:00+00", "2026-11-20T10:00:00+00:00");
  expect_ts("2026-11-20 10:00:00.999999+00", "2026-11-20T10:00:00+00:00");
  expect_ts("2026-11-20 11:00:00.5+01", "2026-11-20T11:00:00+01:00");
  expect_ts("2026-03-29 01:30:00-03:30", "2026-03-29T01:30:00-03:30");
  expect_ts("1890-01-01 00:00:00+01:24:00", "1890-01-01T00:00:00+01:24:00");
  expect_ts(NULL, "");
  /* not the form (no record holds one): a plain cell, never a broken row */
  expect_ts("12026-11-20 10:00:00+00", "12026-11-20 10:00:00+00");
  expect_ts("0001-01-01 00:00:00+00 BC", "0001-01-01 00:00:00+00 BC");
  expect_ts("-infinity", "'-infinity");
}
END_TEST

static void expect_list(const char *in, const char *want) {
  struct strbuf b = {0};
  csvw_json_list(&b, in, in ? strlen(in) : 0);
  char *text = strbuf_steal(&b);
  ck_assert_ptr_nonnull(text);
  ck_assert_msg(strcmp(text, want) == 0, "list cell of [%s]: [%s], want [%s]", in ? in : "(null)", text, want);
  free(text);
}

START_TEST(lists_joined_then_quoted) {
  expect_list("[\"identification\", \"contact\"]", "identification, contact");
  expect_list("[\"a;b\", \"c\"]", "\"a;b, c\"");
  expect_list("[\"=x\", \"c\"]", "'=x, c");
  expect_list("[\"x\", null, \"y\"]", "x, y");
  expect_list("[\"-3\"]", "-3");
  expect_list("[]", "");
  expect_list("[null]", "");
  expect_list("[\"\"]", "");
  expect_list(NULL, "");
  expect_list("null", "");
  expect_list("{\"a\": 1}", "");
  expect_list("[1, true]", "1, true");
  expect_list("[\"unclosed", "");
}
END_TEST

int main(void) {
  Suite *s = suite_create("csvw");
  TCase *tc = tcase_create("csvw");
  tcase_add_test(tc, plain_texts_pass_as_they_are);
  tcase_add_test(tc, separators_quotes_and_line_breaks_are_quoted);
  tcase_add_test(tc, formulas_get_an_apostrophe);
  tcase_add_test(tc, plain_numbers_are_spared);
  tcase_add_test(tc, a_cell_ends_at_its_length);
  tcase_add_test(tc, timestamps_as_zsz_ts);
  tcase_add_test(tc, lists_joined_then_quoted);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
