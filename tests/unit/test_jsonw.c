/* The JSON writer (api/lib/jsonw.c): strings escaped so that any bytes make valid JSON and
 * valid UTF-8 comes back unchanged; timestamps as zsz_ts() writes them. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

/* s (len bytes) written as a JSON string; caller frees. */
static char *written(const char *s, size_t len) {
  struct strbuf b = {0};
  jsonw_string(&b, s, len);
  char *text = strbuf_steal(&b);
  ck_assert_ptr_nonnull(text);
  return text;
}

static void expect_string(const char *in, const char *want) {
  char *text = written(in, strlen(in));
  ck_assert_str_eq(text, want);
  free(text);
}

/* What jansson reads back from s written (decoded), as len bytes compared to want. */
static void expect_round_trip(const char *s, size_t len, const char *want, size_t want_len) {
  char *text = written(s, len);
  json_error_t e;
  json_t *v = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
  ck_assert_msg(v != NULL, "not JSON: %s (%s)", text, e.text);
  ck_assert(json_is_string(v));
  ck_assert_uint_eq(json_string_length(v), want_len);
  ck_assert(memcmp(json_string_value(v), want, want_len) == 0);
  json_decref(v);
  free(text);
}

START_TEST(escapes_quotes_backslashes_and_controls) {
  expect_string("", "\"\"");
  expect_string("plain", "\"plain\"");
  expect_string("a\"b\\c", "\"a\\\"b\\\\c\"");
  expect_string("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
  expect_string("\x01\x1f", "\"\\u0001\\u001f\"");
  expect_string("\x7f/", "\"\x7f/\""); /* DEL and the solidus need no escape (to_json leaves them) */
  expect_round_trip("a\0b", 3, "a\0b", 3);
}
END_TEST

START_TEST(a_special_byte_is_found_at_every_position) {
  /* runs of plain ASCII go 8 bytes at a time: a byte that needs a look must be seen
   * wherever it falls in the word */
  const char specials[] = {'"', '\\', '\n', '\x01', '\x1f', (char)0xC5, (char)0xFF};
  for (size_t k = 0; k < sizeof specials; k++) {
    for (size_t at = 0; at < 24; at++) {
      char in[25];
      memset(in, 'a', 24);
      in[24] = '\0';
      in[at] = specials[k];
      if (specials[k] == (char)0xC5) in[at + 1 < 24 ? at + 1 : at] = (char)0xBC; /* ż, or a cut sequence */
      char *text = written(in, 24);
      json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
      ck_assert_msg(v != NULL, "not JSON: %s", text);
      if ((unsigned char)specials[k] < 0x80) {
        ck_assert_uint_eq(json_string_length(v), 24);
        ck_assert(memcmp(json_string_value(v), in, 24) == 0);
      } else {
        ck_assert_ptr_nonnull(strstr(text, specials[k] == (char)0xFF || at == 23 ? "\xEF\xBF\xBD" : "\xC5\xBC"));
      }
      json_decref(v);
      free(text);
    }
  }
}
END_TEST

START_TEST(valid_utf8_passes_through) {
  const char *polish = "Zażółć gęślą jaźń – „cytat” 😀";
  expect_string(polish, "\"Zażółć gęślą jaźń – „cytat” 😀\"");
  expect_round_trip(polish, strlen(polish), polish, strlen(polish));
  /* the ends of each length: U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF */
  const char *edges = "\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF";
  expect_round_trip(edges, strlen(edges), edges, strlen(edges));
}
END_TEST

START_TEST(invalid_utf8_becomes_replacement_characters) {
  const char *fffd = "\xEF\xBF\xBD";
  expect_round_trip("\xFF", 1, fffd, 3);
  expect_round_trip("a\x80z", 3, "a\xEF\xBF\xBDz", 5);
  expect_round_trip("\xC0\xAF", 2, "\xEF\xBF\xBD\xEF\xBF\xBD", 6);                                  /* overlong "/" */
  expect_round_trip("\xED\xA0\x80", 3, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 9);                  /* a surrogate */
  expect_round_trip("\xF4\x90\x80\x80", 4, "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", 12); /* > U+10FFFF */
  expect_round_trip("\xE2\x82", 2, "\xEF\xBF\xBD\xEF\xBF\xBD", 6); /* cut short at the end */
}
END_TEST

static void expect_ts(const char *pg, const char *want) {
  struct strbuf b = {0};
  int rc = jsonw_timestamp(&b, pg, strlen(pg));
  char *text = strbuf_steal(&b);
  if (want == NULL) {
    ck_assert_int_eq(rc, -1);
    ck_assert_str_eq(text, "");
  } else {
    ck_assert_msg(rc == 0, "refused %s", pg);
    ck_assert_str_eq(text, want);
  }
  free(text);
}

START_TEST(timestamps_to_the_second_with_offset) {
  expect_ts("2026-11-20 10:00:00+00", "\"2026-11-20T10:00:00+00:00\"");
  expect_ts("2026-11-20 10:00:00.999999+00", "\"2026-11-20T10:00:00+00:00\""); /* truncated, as date_trunc */
  expect_ts("2026-03-29 03:00:00.5+02", "\"2026-03-29T03:00:00+02:00\"");
  expect_ts("2026-01-01 00:30:00-05:30", "\"2026-01-01T00:30:00-05:30\"");
  expect_ts("1890-01-01 00:00:00+01:24:00", "\"1890-01-01T00:00:00+01:24:00\"");
  expect_ts("2026-11-20T10:00:00+00", NULL);
  expect_ts("2026-11-20 10:00:00", NULL);
  expect_ts("12026-11-20 10:00:00+00", NULL);
  expect_ts("2026-11-20 10:00:00+0", NULL);
  expect_ts("2026-11-20 10:00:00+00:0", NULL);
  expect_ts("", NULL);
}
END_TEST

int main(void) {
  Suite *s = suite_create("jsonw");
  TCase *tc = tcase_create("jsonw");
  tcase_add_test(tc, escapes_quotes_backslashes_and_controls);
  tcase_add_test(tc, a_special_byte_is_found_at_every_position);
  tcase_add_test(tc, valid_utf8_passes_through);
  tcase_add_test(tc, invalid_utf8_becomes_replacement_characters);
  tcase_add_test(tc, timestamps_to_the_second_with_offset);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
