/* Unit tests for api/lib/uri.c: percent-encoding, path segments, NUL bytes in raw queries. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "uri.h"

static char *enc(const char *s) {
  struct strbuf b = {0};
  uri_encode(&b, s);
  return strbuf_steal(&b);
}

START_TEST(encode_keeps_only_unreserved) {
  char *e = enc("AZaz09-._~");
  ck_assert_str_eq(e, "AZaz09-._~");
  free(e);
  e = enc("");
  ck_assert_str_eq(e, "");
  free(e);
  /* what could end a Link target or add a relation, and what separates query parameters */
  e = enc("a>; rel=\"evil\", <x");
  ck_assert_str_eq(e, "a%3E%3B%20rel%3D%22evil%22%2C%20%3Cx");
  free(e);
  e = enc("a&b=c?d#e/f%g+h\r\n");
  ck_assert_str_eq(e, "a%26b%3Dc%3Fd%23e%2Ff%25g%2Bh%0D%0A");
  free(e);
  e = enc("\xc5\xbc\xff");
  ck_assert_str_eq(e, "%C5%BC%FF");
  free(e);
}
END_TEST

START_TEST(decode_escapes_and_plus) {
  char out[64];
  ck_assert_uint_eq(uri_decode("a%41%6a+b", 9, out, 1), 5);
  ck_assert_str_eq(out, "aAj b");
  ck_assert_uint_eq(uri_decode("a+b", 3, out, 0), 3);
  ck_assert_str_eq(out, "a+b");
  /* not two hex digits: kept as it is */
  ck_assert_uint_eq(uri_decode("%zz%4%", 6, out, 1), 6);
  ck_assert_str_eq(out, "%zz%4%");
  /* only n bytes are read: an escape cut by n is kept as text */
  ck_assert_uint_eq(uri_decode("%4142", 2, out, 1), 2);
  ck_assert_str_eq(out, "%4");
  /* a NUL byte is decoded and counted, not hidden */
  ck_assert_uint_eq(uri_decode("1%00x", 5, out, 1), 3);
  ck_assert_int_eq(memcmp(out, "1\0x", 3), 0);
  ck_assert_uint_eq(uri_decode("%FF%fe", 6, out, 1), 2);
  ck_assert_int_eq((unsigned char)out[0], 0xFF);
  ck_assert_int_eq((unsigned char)out[1], 0xFE);
  /* decoding what uri_encode wrote gives the text back */
  const char *text = "x>; rel=\"y\" & \xc5\xbc%00+";
  char *e = enc(text);
  ck_assert_uint_eq(uri_decode(e, strlen(e), out, 0), strlen(text));
  ck_assert_str_eq(out, text);
  free(e);
}
END_TEST

START_TEST(segments_as_ulfius_counts_them) {
  size_t len = 0;
  const char *s = uri_segment("/api/v1/processes/12", 3, &len);
  ck_assert_ptr_nonnull(s);
  ck_assert_int_eq(strncmp(s, "12", len), 0);
  ck_assert_uint_eq(len, 2);
  s = uri_segment("/api/v1/processes/{id}/versions", 3, &len);
  ck_assert_int_eq(strncmp(s, "{id}", len), 0);
  ck_assert_uint_eq(len, 4);
  /* empty segments are skipped, a trailing slash adds none */
  s = uri_segment("//api///v1/processes/1%00/", 3, &len);
  ck_assert_int_eq(strncmp(s, "1%00", len), 0);
  ck_assert_uint_eq(len, 4);
  ck_assert_ptr_null(uri_segment("//api///v1/processes/1%00/", 4, &len));
  ck_assert_ptr_null(uri_segment("/", 0, &len));
  ck_assert_ptr_null(uri_segment("", 0, &len));
  s = uri_segment("a", 0, &len);
  ck_assert_uint_eq(len, 1);
}
END_TEST

START_TEST(nul_in_query_found_by_decoded_name) {
  ck_assert_int_eq(uri_query_has_nul("limit=1%00", "limit"), 1);
  ck_assert_int_eq(uri_query_has_nul("q=a&limit=1%002", "limit"), 1);
  ck_assert_int_eq(uri_query_has_nul("limit=1%00", "q"), 0);
  ck_assert_int_eq(uri_query_has_nul("limit=10", "limit"), 0);
  ck_assert_int_eq(uri_query_has_nul("limit=1%2500", "limit"), 0); /* "%00" as text, no NUL */
  ck_assert_int_eq(uri_query_has_nul(NULL, "limit"), 0);
  ck_assert_int_eq(uri_query_has_nul("", "limit"), 0);
  ck_assert_int_eq(uri_query_has_nul("limit", "limit"), 0);
  ck_assert_int_eq(uri_query_has_nul("limit=", "limit"), 0);
  /* a name spelt with escapes or pluses is the name it decodes to */
  ck_assert_int_eq(uri_query_has_nul("%6Cimit=1%00", "limit"), 1);
  ck_assert_int_eq(uri_query_has_nul("%6c%69%6d%69%74=%00", "limit"), 1);
  ck_assert_int_eq(uri_query_has_nul("due+within=1%00", "due within"), 1);
  /* a NUL in the name cuts it: what a C string of it would say */
  ck_assert_int_eq(uri_query_has_nul("limit%00junk=5", "limit"), 1);
  ck_assert_int_eq(uri_query_has_nul("limit%00=5", "limit"), 1);
  ck_assert_int_eq(uri_query_has_nul("limitx=1%00", "limit"), 0);
  ck_assert_int_eq(uri_query_has_nul("limi=1%00", "limit"), 0);
  /* a repeated parameter: any of its values */
  ck_assert_int_eq(uri_query_has_nul("limit=1&limit=2%00", "limit"), 1);
  ck_assert_int_eq(uri_query_has_nul("&&limit=1%00&", "limit"), 1);
}
END_TEST

static Suite *uri_suite(void) {
  Suite *s = suite_create("uri");
  TCase *t = tcase_create("uri");
  tcase_add_test(t, encode_keeps_only_unreserved);
  tcase_add_test(t, decode_escapes_and_plus);
  tcase_add_test(t, segments_as_ulfius_counts_them);
  tcase_add_test(t, nul_in_query_found_by_decoded_name);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(uri_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
