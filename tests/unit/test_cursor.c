/* Unit tests for api/cursor.c (signed keyset cursors) and api/b64url.c. */

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "cursor.h"

static const char B64URL_CHARS[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void key_fill(unsigned char key[CURSOR_KEY_LEN], unsigned char seed) {
  for (size_t i = 0; i < CURSOR_KEY_LEN; i++) {
    key[i] = (unsigned char)(seed + i * 7);
  }
}

static json_t *sample_values(void) {
  return json_pack("[s, I]", "2026-11-20T10:00:00Z", (json_int_t)4242);
}

/* ---- cursors ----------------------------------------------------------------------------- */

START_TEST(round_trip) {
  unsigned char key[CURSOR_KEY_LEN];
  key_fill(key, 1);
  json_t *values = sample_values();
  char *c = cursor_encode(key, "updated_at", values);
  ck_assert_ptr_nonnull(c);
  /* opaque and URL-safe: base64url characters and one dot */
  ck_assert_uint_eq(strspn(c, B64URL_CHARS) + 1 + strspn(strchr(c, '.') + 1, B64URL_CHARS), strlen(c));
  json_t *back = NULL;
  ck_assert_int_eq(cursor_decode(key, c, "updated_at", &back), 0);
  ck_assert_ptr_nonnull(back);
  ck_assert_msg(json_equal(values, back), "decoded values differ");
  json_decref(back);
  /* the same input gives the same cursor */
  char *again = cursor_encode(key, "updated_at", values);
  ck_assert_str_eq(c, again);
  free(again);
  free(c);
  json_decref(values);
}
END_TEST

START_TEST(round_trip_value_kinds) {
  unsigned char key[CURSOR_KEY_LEN];
  key_fill(key, 9);
  const char *docs[] = {
      "[]",
      "[1]",
      "[null, 0]",
      "[\"Zażółć gęślą jaźń\", 17]",
      "[\"emoji \\ud83d\\ude00\", 9007199254740992]",
      "[-5, true, false, 1.5]",
      "[\"a.b.c\", \"x\\\"y\"]",
  };
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    json_t *values = json_loads(docs[i], 0, NULL);
    ck_assert_ptr_nonnull(values);
    char *c = cursor_encode(key, "name", values);
    ck_assert_ptr_nonnull(c);
    json_t *back = NULL;
    ck_assert_msg(cursor_decode(key, c, "name", &back) == 0, "%s did not decode", docs[i]);
    ck_assert_msg(json_equal(values, back), "%s did not round-trip", docs[i]);
    json_decref(back);
    free(c);
    json_decref(values);
  }
}
END_TEST

START_TEST(other_sort_refused) {
  unsigned char key[CURSOR_KEY_LEN];
  key_fill(key, 1);
  json_t *values = sample_values();
  char *c = cursor_encode(key, "updated_at", values);
  json_t *back = (json_t *)1;
  ck_assert_int_eq(cursor_decode(key, c, "name", &back), -1);
  ck_assert_ptr_null(back);
  ck_assert_int_eq(cursor_decode(key, c, "updated_at ", &back), -1);
  ck_assert_int_eq(cursor_decode(key, c, "", &back), -1);
  ck_assert_int_eq(cursor_decode(key, c, "updated_at", &back), 0);
  json_decref(back);
  free(c);
  json_decref(values);
}
END_TEST

START_TEST(other_key_refused) {
  unsigned char key[CURSOR_KEY_LEN], other[CURSOR_KEY_LEN];
  key_fill(key, 1);
  memcpy(other, key, sizeof other);
  other[CURSOR_KEY_LEN - 1] ^= 1; /* one bit, in the last byte */
  json_t *values = sample_values();
  char *c = cursor_encode(key, "id", values);
  json_t *back = NULL;
  ck_assert_int_eq(cursor_decode(other, c, "id", &back), -1);
  ck_assert_ptr_null(back);
  free(c);
  json_decref(values);
}
END_TEST

START_TEST(every_single_character_change_refused) {
  unsigned char key[CURSOR_KEY_LEN];
  key_fill(key, 3);
  json_t *values = json_pack("[s, I]", "Łódź", (json_int_t)77);
  char *c = cursor_encode(key, "code", values);
  size_t len = strlen(c);
  char *m = malloc(len + 1);
  size_t tried = 0;
  for (size_t pos = 0; pos < len; pos++) {
    /* every other base64url character, and a few characters that are not base64url */
    for (const char *r = B64URL_CHARS; *r; r++) {
      if (*r == c[pos]) {
        continue;
      }
      memcpy(m, c, len + 1);
      m[pos] = *r;
      json_t *back = NULL;
      int rc = cursor_decode(key, m, "code", &back);
      ck_assert_msg(rc == -1 && back == NULL, "cursor with '%c' at %zu accepted: %s", *r, pos, m);
      tried++;
    }
    static const char others[] = ".=+/ %";
    for (const char *r = others; *r; r++) {
      if (*r == c[pos]) {
        continue;
      }
      memcpy(m, c, len + 1);
      m[pos] = *r;
      json_t *back = NULL;
      ck_assert_msg(cursor_decode(key, m, "code", &back) == -1, "cursor with '%c' at %zu accepted", *r, pos);
    }
  }
  ck_assert_uint_eq(tried, (len - 1) * 63 + 64); /* the dot position takes all 64 */
  free(m);
  free(c);
  json_decref(values);
}
END_TEST

START_TEST(truncated_and_extended_refused) {
  unsigned char key[CURSOR_KEY_LEN];
  key_fill(key, 5);
  json_t *values = sample_values();
  char *c = cursor_encode(key, "id", values);
  size_t len = strlen(c);
  char *m = malloc(len + 2);
  for (size_t cut = 0; cut < len; cut++) {
    memcpy(m, c, cut);
    m[cut] = '\0';
    json_t *back = NULL;
    ck_assert_msg(cursor_decode(key, m, "id", &back) == -1, "cursor cut to %zu accepted", cut);
  }
  /* without its first character */
  json_t *back = NULL;
  ck_assert_int_eq(cursor_decode(key, c + 1, "id", &back), -1);
  /* one more character at the end */
  memcpy(m, c, len);
  m[len] = 'A';
  m[len + 1] = '\0';
  ck_assert_int_eq(cursor_decode(key, m, "id", &back), -1);
  free(m);
  free(c);
  json_decref(values);
}
END_TEST

START_TEST(malformed_refused) {
  unsigned char key[CURSOR_KEY_LEN];
  key_fill(key, 7);
  const char *bad[] = {"",
                       ".",
                       "..",
                       "abc",
                       "abc.",
                       ".abc",
                       "W10",
                       "W10.",
                       "W10..AAAAAAAAAAAAAAAAAAAAAA",
                       "W10.AAAAAAAAAAAAAAAAAAAAAA",
                       "W10=.AAAAAAAAAAAAAAAAAAAAAA"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    json_t *back = (json_t *)1;
    ck_assert_msg(cursor_decode(key, bad[i], "id", &back) == -1, "'%s' accepted", bad[i]);
    ck_assert_ptr_null(back);
  }
  json_t *back = (json_t *)1;
  ck_assert_int_eq(cursor_decode(key, NULL, "id", &back), -1);
  ck_assert_ptr_null(back);
  /* very long input is refused before any work */
  char *huge = malloc(5001);
  memset(huge, 'A', 5000);
  huge[5000] = '\0';
  huge[4000] = '.';
  ck_assert_int_eq(cursor_decode(key, huge, "id", &back), -1);
  free(huge);
}
END_TEST

START_TEST(signed_non_array_refused) {
  /* a correctly signed payload that is not a JSON array (an object) is still refused */
  unsigned char key[CURSOR_KEY_LEN];
  key_fill(key, 11);
  json_t *obj = json_pack("{s:i}", "k", 1);
  char *c = cursor_encode(key, "id", obj);
  ck_assert_ptr_nonnull(c);
  json_t *back = NULL;
  ck_assert_int_eq(cursor_decode(key, c, "id", &back), -1);
  ck_assert_ptr_null(back);
  free(c);
  json_decref(obj);
}
END_TEST

/* ---- base64url --------------------------------------------------------------------------- */

START_TEST(b64url_round_trip_lengths) {
  unsigned char in[64], back[64 * 3 / 4 + 64];
  char enc[(64 + 2) / 3 * 4 + 1];
  for (size_t i = 0; i < sizeof in; i++) {
    in[i] = (unsigned char)(i * 37 + 200);
  }
  for (size_t len = 0; len <= 64; len++) {
    size_t n = b64url_encode(in, len, enc);
    ck_assert_uint_eq(n, strlen(enc));
    ck_assert_uint_eq(n, (len * 4 + 2) / 3); /* unpadded length */
    ck_assert_uint_eq(strspn(enc, B64URL_CHARS), n);
    long d = b64url_decode(enc, n, back);
    ck_assert_msg(d == (long)len, "length %zu decoded to %ld", len, d);
    ck_assert_msg(len == 0 || memcmp(in, back, len) == 0, "length %zu differs", len);
  }
}
END_TEST

START_TEST(b64url_known_values) {
  char enc[32];
  unsigned char dec[32];
  b64url_encode((const unsigned char *)"\xfb\xff", 2, enc);
  ck_assert_str_eq(enc, "-_8"); /* the url-safe alphabet, no padding */
  b64url_encode((const unsigned char *)"foobar", 6, enc);
  ck_assert_str_eq(enc, "Zm9vYmFy");
  b64url_encode((const unsigned char *)"fo", 2, enc);
  ck_assert_str_eq(enc, "Zm8");
  ck_assert_int_eq(b64url_decode("Zm8", 3, dec), 2);
  ck_assert_mem_eq(dec, "fo", 2);
}
END_TEST

START_TEST(b64url_rejections) {
  unsigned char dec[64];
  /* padding */
  ck_assert_int_eq(b64url_decode("Zm8=", 4, dec), -1);
  ck_assert_int_eq(b64url_decode("Zg==", 4, dec), -1);
  /* the standard alphabet's + and / and other junk */
  ck_assert_int_eq(b64url_decode("+/8", 3, dec), -1);
  ck_assert_int_eq(b64url_decode("Zm 9v", 5, dec), -1);
  ck_assert_int_eq(b64url_decode("Zm9v\n", 5, dec), -1);
  ck_assert_int_eq(b64url_decode("Zm.v", 4, dec), -1);
  ck_assert_int_eq(b64url_decode("Zm\xc3\xa9v", 5, dec), -1);
  /* a NUL inside the given length */
  ck_assert_int_eq(b64url_decode("Zm\0v", 4, dec), -1);
  /* impossible length: one leftover character */
  ck_assert_int_eq(b64url_decode("Zm9vY", 5, dec), -1);
  ck_assert_int_eq(b64url_decode("Z", 1, dec), -1);
  /* non-canonical trailing bits ("Zm9" is "fo"; "Zm9" with low bits set is another spelling) */
  ck_assert_int_eq(b64url_decode("Zm9", 3, dec), -1);
  ck_assert_int_eq(b64url_decode("Zh", 2, dec), -1);
  ck_assert_int_eq(b64url_decode("Zg", 2, dec), 1);
  ck_assert_int_eq(b64url_decode("", 0, dec), 0);
}
END_TEST

static Suite *cursor_suite(void) {
  Suite *s = suite_create("cursor");
  TCase *tc = tcase_create("cursor");
  tcase_add_test(tc, round_trip);
  tcase_add_test(tc, round_trip_value_kinds);
  tcase_add_test(tc, other_sort_refused);
  tcase_add_test(tc, other_key_refused);
  tcase_add_test(tc, every_single_character_change_refused);
  tcase_add_test(tc, truncated_and_extended_refused);
  tcase_add_test(tc, malformed_refused);
  tcase_add_test(tc, signed_non_array_refused);
  suite_add_tcase(s, tc);
  TCase *b = tcase_create("b64url");
  tcase_add_test(b, b64url_round_trip_lengths);
  tcase_add_test(b, b64url_known_values);
  tcase_add_test(b, b64url_rejections);
  suite_add_tcase(s, b);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(cursor_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
