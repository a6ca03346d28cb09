/* The CSV reader of imports: separators, quoting, line ends, the byte-order mark. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

static json_t *parse(const char *text) {
  char err[160];
  json_t *rows = csv_parse(text, strlen(text), err, sizeof err);
  ck_assert_msg(rows != NULL, "refused: %s", err);
  return rows;
}

static void expect_rows(const char *text, const char *want_json) {
  json_t *rows = parse(text), *want = json_loads(want_json, 0, NULL);
  char *got = json_dumps(rows, JSON_COMPACT);
  ck_assert_msg(json_equal(rows, want), "got %s", got);
  free(got);
  json_decref(rows);
  json_decref(want);
}

START_TEST(separators_and_line_ends) {
  expect_rows("a;b\r\n1;2\r\n", "[[\"a\",\"b\"],[\"1\",\"2\"]]");
  expect_rows("a,b\n1,2\n", "[[\"a\",\"b\"],[\"1\",\"2\"]]");
  expect_rows("a,b\n1,2", "[[\"a\",\"b\"],[\"1\",\"2\"]]");       /* no final line end */
  expect_rows("a;b\n\n1;2\n\n", "[[\"a\",\"b\"],[\"1\",\"2\"]]"); /* blank lines skipped */
  expect_rows("a;b\n1;\n", "[[\"a\",\"b\"],[\"1\",\"\"]]");       /* empty last cell */
  /* the header's separator decides: commas inside a ';' file are text */
  expect_rows("q1;q2\n1,5;2\n", "[[\"q1\",\"q2\"],[\"1,5\",\"2\"]]");
}
END_TEST

START_TEST(quoting_and_polish_text) {
  expect_rows("\xEF\xBB\xBFkomentarz;q1\n\"Bardzo dobra obsługa; szybko\";5\n",
              "[[\"komentarz\",\"q1\"],[\"Bardzo dobra obsługa; szybko\",\"5\"]]");
  expect_rows("a\n\"say \"\"hi\"\"\"\n", "[[\"a\"],[\"say \\\"hi\\\"\"]]");
  expect_rows("a;b\n\"two\nlines\";x\n", "[[\"a\",\"b\"],[\"two\\nlines\",\"x\"]]");
  expect_rows("a;b\n\"\";x\n", "[[\"a\",\"b\"],[\"\",\"x\"]]");
}
END_TEST

START_TEST(malformed_refused) {
  const char *bad[] = {"a;b\n\"open;1\n", "a;b\nx\"y;1\n", "a;b\n\"x\"y;1\n", "a\n\xC3\x28\n", NULL};
  for (int i = 0; bad[i]; i++) {
    char err[160] = "";
    json_t *rows = csv_parse(bad[i], strlen(bad[i]), err, sizeof err);
    ck_assert_msg(rows == NULL, "accepted case %d", i);
    ck_assert_msg(strstr(err, "line ") == err, "no line in the message: %s", err);
  }
}
END_TEST

/* A NUL byte ended the cell's C string: "x\0y" was imported as "x", the rest dropped without
 * a word. It is refused like any other malformed byte (found writing tests/fuzz/fuzz_csv). */
START_TEST(nul_byte_refused) {
  static const char *const TEXTS[] = {"a;b\nx\0y;z\n", "a;b\n\"x\0y\";z\n", "a\0b;c\n1;2\n", "a;b\n1;2\n\0"};
  static const size_t LENS[] = {10, 12, 10, 9};
  for (size_t i = 0; i < sizeof TEXTS / sizeof TEXTS[0]; i++) {
    char err[160] = "";
    json_t *rows = csv_parse(TEXTS[i], LENS[i], err, sizeof err);
    char *got = rows ? json_dumps(rows, JSON_COMPACT) : NULL;
    ck_assert_msg(rows == NULL, "case %zu accepted as %s", i, got);
    ck_assert_msg(strstr(err, "NUL") != NULL && strncmp(err, "line ", 5) == 0, "case %zu: %s", i, err);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("csv");
  TCase *tc = tcase_create("reader");
  tcase_add_test(tc, separators_and_line_ends);
  tcase_add_test(tc, quoting_and_polish_text);
  tcase_add_test(tc, malformed_refused);
  tcase_add_test(tc, nul_byte_refused);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
