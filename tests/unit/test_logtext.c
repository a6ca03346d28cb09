/* Unit tests for api/lib/logtext.c: values from outside escaped for a log line. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "logtext.h"

static char *esc(const char *s) {
  static char buf[512];
  return log_escape(s, buf, sizeof buf);
}

START_TEST(plain_text_is_kept) {
  ck_assert_str_eq(esc("krakow.employee"), "krakow.employee");
  ck_assert_str_eq(esc(""), "");
  ck_assert_str_eq(esc(NULL), "");
  /* spaces and printable ASCII; letters of any script as they are */
  ck_assert_str_eq(esc("a b=c ~!#$%&'()*+,-./:;<>?@[]^_`{|}"), "a b=c ~!#$%&'()*+,-./:;<>?@[]^_`{|}");
  ck_assert_str_eq(esc("Agnieszka G\xc3\xb3recka \xe2\x80\x94 \xf0\x9f\x98\x80"),
                   "Agnieszka G\xc3\xb3recka \xe2\x80\x94 \xf0\x9f\x98\x80");
  /* next to the escaped ranges: NBSP (U+00A0), U+2027, U+202A */
  ck_assert_str_eq(esc("\xc2\xa0\xe2\x80\xa7\xe2\x80\xaa"), "\xc2\xa0\xe2\x80\xa7\xe2\x80\xaa");
}
END_TEST

START_TEST(quotes_and_backslash) {
  ck_assert_str_eq(esc("a\"b"), "a\\\"b");
  ck_assert_str_eq(esc("a\\b"), "a\\\\b");
  ck_assert_str_eq(esc("\\\""), "\\\\\\\"");
  /* a value trying to close its quotes and start a field of its own */
  ck_assert_str_eq(esc("x\" status=\"200"), "x\\\" status=\\\"200");
}
END_TEST

START_TEST(control_characters_as_hex) {
  /* a sub forging a second log line (finding 5 of issue 14) */
  ck_assert_str_eq(esc("krakow.employee\n2026-01-01T00:00:00Z - zsz-api INFO: request_id=x"),
                   "krakow.employee\\x0a2026-01-01T00:00:00Z - zsz-api INFO: request_id=x");
  ck_assert_str_eq(esc("\r\t\x01\x1f\x7f"), "\\x0d\\x09\\x01\\x1f\\x7f");
  ck_assert_str_eq(esc("G\x1b[31mET"), "G\\x1b[31mET");
  /* C1 (U+0080, NEL U+0085, U+009F) and the line and paragraph separators, byte by byte */
  ck_assert_str_eq(esc("\xc2\x80\xc2\x85\xc2\x9f"), "\\xc2\\x80\\xc2\\x85\\xc2\\x9f");
  ck_assert_str_eq(esc("a\xe2\x80\xa8"
                       "b\xe2\x80\xa9"),
                   "a\\xe2\\x80\\xa8b\\xe2\\x80\\xa9");
}
END_TEST

START_TEST(invalid_utf8_as_hex) {
  ck_assert_str_eq(esc("\xff\xfe"), "\\xff\\xfe");
  ck_assert_str_eq(esc("a\x80z"), "a\\x80z");                        /* stray continuation byte */
  ck_assert_str_eq(esc("\xc3"), "\\xc3");                            /* cut sequence */
  ck_assert_str_eq(esc("\xc3z"), "\\xc3z");                          /* lead without continuation */
  ck_assert_str_eq(esc("\xc0\xaf"), "\\xc0\\xaf");                   /* overlong '/' */
  ck_assert_str_eq(esc("\xed\xa0\x80"), "\\xed\\xa0\\x80");          /* surrogate */
  ck_assert_str_eq(esc("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80"); /* past U+10FFFF */
  ck_assert_str_eq(esc("\xe2\x80"), "\\xe2\\x80");                   /* cut separator */
}
END_TEST

START_TEST(cut_between_characters) {
  char out[8];
  ck_assert_str_eq(log_escape("abcdefg", out, sizeof out), "abcdefg");
  ck_assert_str_eq(log_escape("abcdefgh", out, sizeof out), "abcd...");
  /* an escape is never cut in half */
  ck_assert_str_eq(log_escape("abc\ndefgh", out, sizeof out), "abc...");
  ck_assert_str_eq(log_escape("a\xc5\xbc\xc5\xbc\xc5\xbcxyz", out, sizeof out), "a\xc5\xbc...");
  char four[4];
  ck_assert_str_eq(log_escape("abc", four, sizeof four), "abc");
  ck_assert_str_eq(log_escape("abcd", four, sizeof four), "...");
  /* four times the length plus one always holds the whole value */
  const char *worst = "\x01\x02\x03\x04\x05";
  char room[21];
  ck_assert_str_eq(log_escape(worst, room, sizeof room), "\\x01\\x02\\x03\\x04\\x05");
}
END_TEST

START_TEST(every_byte_leaves_no_control_character) {
  /* whatever comes in, what goes out is printable ASCII or valid UTF-8 without controls */
  for (int b = 1; b < 256; b++) {
    char in[4] = {(char)b, 'x', (char)b, '\0'};
    char out[32];
    log_escape(in, out, sizeof out);
    for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
      ck_assert_msg(*p >= 0x20 && *p != 0x7F, "byte %02x left %02x in the output", b, *p);
    }
  }
}
END_TEST

static Suite *logtext_suite(void) {
  Suite *s = suite_create("logtext");
  TCase *t = tcase_create("escape");
  tcase_add_test(t, plain_text_is_kept);
  tcase_add_test(t, quotes_and_backslash);
  tcase_add_test(t, control_characters_as_hex);
  tcase_add_test(t, invalid_utf8_as_hex);
  tcase_add_test(t, cut_between_characters);
  tcase_add_test(t, every_byte_leaves_no_control_character);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(logtext_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
