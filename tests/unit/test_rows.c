/* The rows reader of bulk imports (api/lib/rows.c): JSON arrays read an element at a time,
 * NDJSON, CSV with either separator, a byte-order mark, windows-1250 converted by iconv. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"

/* Every row of body as a JSON array (rows joined), or the error text prefixed with "!". */
static char *read_all(const char *ct, const char *body, size_t len) {
  struct rows_reader *r = NULL;
  enum rows_open_status os = rows_open(ct, body, len, &r);
  if (os != ROWS_OPEN_OK) {
    char buf[32];
    snprintf(buf, sizeof buf, "!open %d", (int)os);
    return strdup(buf);
  }
  json_t *all = json_array(), *row = NULL;
  char err[160];
  enum rows_status st;
  while ((st = rows_next(r, &row, err, sizeof err)) == ROWS_ROW) {
    json_array_append_new(all, row);
  }
  char *out;
  if (st == ROWS_ERROR) {
    size_t n = strlen(err) + 2;
    out = malloc(n);
    snprintf(out, n, "!%s", err);
    /* it stays failed */
    ck_assert_int_eq(rows_next(r, &row, err, sizeof err), ROWS_ERROR);
  } else {
    out = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
    ck_assert_int_eq(rows_next(r, &row, err, sizeof err), ROWS_END);
    ck_assert_uint_eq(rows_count(r), json_array_size(all));
  }
  json_decref(all);
  rows_close(r);
  return out;
}

static void expect(const char *ct, const char *body, const char *want) {
  char *got = read_all(ct, body, strlen(body));
  ck_assert_msg(strcmp(got, want) == 0, "%s: got %s, want %s", ct, got, want);
  free(got);
}

static void expect_error(const char *ct, const char *body, const char *part) {
  char *got = read_all(ct, body, strlen(body));
  ck_assert_msg(got[0] == '!' && strstr(got, part) != NULL, "%s %s: got %s, want an error with %s", ct, body, got,
                part);
  free(got);
}

START_TEST(json_array_rows) {
  expect("application/json", "[]", "[]");
  expect("application/json; charset=utf-8", " [ {\"a\": 1} , {\"b\": [1, {\"c\": \"]\"}]} ]\n",
         "[{\"a\":1},{\"b\":[1,{\"c\":\"]\"}]}]");
  expect("Application/JSON", "\xEF\xBB\xBF[{\"code\": \"GR 1\"}]", "[{\"code\":\"GR 1\"}]");
  expect_error("application/json", "{\"a\": 1}", "array");
  expect_error("application/json", "[{\"a\": 1}, 2]", "rows[1]: a row must be a JSON object");
  expect_error("application/json", "[{\"a\": 1} {\"b\": 2}]", "rows[0]");
  expect_error("application/json", "[{\"a\": 1}, {\"a\": 1, \"a\": 2}]", "rows[1]");
  expect_error("application/json", "[{\"a\": 1}", "rows[0]");
  expect_error("application/json", "[{\"a\": 1}] x", "after the array");
  expect_error("application/json", "[{\"a\": \"\xC5\"}]", "rows[0]");
}
END_TEST

START_TEST(ndjson_rows) {
  expect("application/x-ndjson", "{\"a\":1}\n\n{\"a\":2}\r\n", "[{\"a\":1},{\"a\":2}]");
  expect("application/x-ndjson", "{\"a\":1}", "[{\"a\":1}]");
  expect("application/x-ndjson", "", "[]");
  expect_error("application/x-ndjson", "{\"a\":1}\n[1]\n", "rows[1] (line 2)");
  expect_error("application/x-ndjson", "{\"a\":1}\n\n{\"a\":\n", "rows[1] (line 3)");
}
END_TEST

START_TEST(csv_rows) {
  expect("text/csv", "code;name\r\nGR 1;Obsługa\r\nGR 2;\"Kadry; płace\"\r\n",
         "[{\"code\":\"GR 1\",\"name\":\"Obsługa\"},{\"code\":\"GR 2\",\"name\":\"Kadry; płace\"}]");
  expect("text/csv; charset=utf-8",
         "\xEF\xBB\xBF"
         "a,b\n1,2\n\n3,\n",
         "[{\"a\":\"1\",\"b\":\"2\"},{\"a\":\"3\"}]");
  /* an empty cell is left out; padded header names are trimmed; a row shorter than the
   * header names what it has */
  expect("text/csv", " a ; b ;c\n1;;\"x\"\"y\"\n2\n", "[{\"a\":\"1\",\"c\":\"x\\\"y\"},{\"a\":\"2\"}]");
  expect("text/csv", "a;b\n\"two\nlines\";x", "[{\"a\":\"two\\nlines\",\"b\":\"x\"}]");
  expect_error("text/csv", "", "header row is missing");
  expect_error("text/csv", "a;a\n1;2\n", "repeats");
  expect_error("text/csv", "a;;b\n", "column 2 has no name");
  expect_error("text/csv", "a;b\n1;2;3\n", "rows[0] (line 2): more cells");
  expect_error("text/csv", "a;b\n\"1;2\n", "not closed");
  expect_error("text/csv", "a;b\n1\"x;2\n", "quote inside");
  expect_error("text/csv", "a;b\n\xC5\x82\xFF;2\n", "UTF-8");
}
END_TEST

START_TEST(csv_windows_1250) {
  /* "ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ" in windows-1250 */
  const char body[] = "nazwa;opis\r\n"
                      "\xB9\xE6\xEA\xB3\xF1\xF3\x9C\x9F\xBF \xA5\xC6\xCA\xA3\xD1\xD3\x8C\x8F\xAF;Wydzia\xB3\r\n";
  char *got = read_all("text/csv; charset=windows-1250", body, strlen(body));
  ck_assert_str_eq(got, "[{\"nazwa\":\"ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ\",\"opis\":\"Wydzia\xC5\x82\"}]");
  free(got);
  got = read_all("text/csv; charset=\"CP1250\"", body, strlen(body));
  ck_assert_msg(strstr(got, "ąćęłńóśźż ĄĆĘŁŃÓŚŹŻ") != NULL, "%s", got);
  free(got);
  /* 0x98 is no character of windows-1250 */
  got = read_all("text/csv; charset=windows-1250", "a\n\x98\n", 4);
  ck_assert_msg(got[0] == '!' && strstr(got, "0x98") != NULL, "%s", got);
  free(got);
  /* a long body crosses several conversion windows intact */
  size_t n = 50000;
  char *big = malloc(n * 4 + 16);
  strcpy(big, "a\n");
  size_t len = 2;
  for (size_t i = 0; i < n; i++) {
    memcpy(big + len, "\xB3\xB9\n", 3); /* "łą" */
    len += 3;
  }
  got = read_all("text/csv;charset=windows-1250", big, len);
  json_t *rows = json_loads(got, 0, NULL);
  ck_assert_uint_eq(json_array_size(rows), n);
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(rows, n - 1), "a")), "łą");
  json_decref(rows);
  free(got);
  free(big);
}
END_TEST

START_TEST(media_types) {
  expect_error("text/plain", "a", "");
  struct rows_reader *r = NULL;
  ck_assert_int_eq(rows_open("text/plain", "a", 1, &r), ROWS_OPEN_MEDIA_TYPE);
  ck_assert_int_eq(rows_open(NULL, "a", 1, &r), ROWS_OPEN_MEDIA_TYPE);
  ck_assert_int_eq(rows_open("application/json; charset=windows-1250", "[]", 2, &r), ROWS_OPEN_CHARSET);
  ck_assert_int_eq(rows_open("text/csv; charset=koi8-x", "a", 1, &r), ROWS_OPEN_CHARSET);
  ck_assert_ptr_null(r);
  char type[32], cs[32];
  rows_media_type(" Text/CSV ; Charset = \"Windows-1250\"", type, sizeof type, cs, sizeof cs);
  ck_assert_str_eq(type, "text/csv");
  ck_assert_str_eq(cs, "windows-1250");
}
END_TEST

int main(void) {
  Suite *s = suite_create("rows");
  TCase *tc = tcase_create("reader");
  tcase_add_test(tc, json_array_rows);
  tcase_add_test(tc, ndjson_rows);
  tcase_add_test(tc, csv_rows);
  tcase_add_test(tc, csv_windows_1250);
  tcase_add_test(tc, media_types);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
