/* Unit tests for the pure part of api/core/replica.c: WAL positions read as numbers, and the
 * read-your-writes mark: it verifies for its caller until it expires, and not for another
 * caller, another key, a changed position or a changed expiry. */

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "replica.h"

static const unsigned char KEY[32] = "0123456789abcdef0123456789abcde";
static const unsigned char OTHER[32] = "fedcba9876543210fedcba987654321";

START_TEST(lsn_parse) {
  ck_assert_uint_eq(replica_parse_lsn("0/0"), 0);
  ck_assert_uint_eq(replica_parse_lsn("0/16B3748"), 0x16B3748ULL);
  ck_assert_uint_eq(replica_parse_lsn("16/B374D848"), (0x16ULL << 32) | 0xB374D848ULL);
  ck_assert_uint_eq(replica_parse_lsn("FFFFFFFF/FFFFFFFF"), 0xFFFFFFFFFFFFFFFFULL);
  /* the order of positions is the order of the numbers */
  ck_assert(replica_parse_lsn("1/0") > replica_parse_lsn("0/FFFFFFFF"));
  const char *bad[] = {"",      "/",           "0/",          "/1",   "x/1",  "1/x",
                       "1/2/3", "100000000/0", "0/100000000", " 1/2", "1/2 ", "-1/2"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ck_assert_msg(replica_parse_lsn(bad[i]) == 0, "'%s' is no position", bad[i]);
  }
  ck_assert_uint_eq(replica_parse_lsn(NULL), 0);
}
END_TEST

START_TEST(mark_round_trip) {
  char mark[128];
  replica_sign(KEY, sizeof KEY, "krakow", "krakow.plenipotentiary", "0/16B3748", 1000, mark, sizeof mark);
  ck_assert_str_eq(strchr(mark, '.') ? "ok" : "no", "ok");
  ck_assert_int_eq(strncmp(mark, "0/16B3748.1000.", 15), 0);
  ck_assert_uint_eq(strlen(mark), 15 + 32);
  ck_assert_uint_eq(replica_verify(KEY, sizeof KEY, "krakow", "krakow.plenipotentiary", mark, 999), 0x16B3748ULL);
  ck_assert_uint_eq(replica_verify(KEY, sizeof KEY, "krakow", "krakow.plenipotentiary", mark, 1000), 0x16B3748ULL);
  /* expired */
  ck_assert_uint_eq(replica_verify(KEY, sizeof KEY, "krakow", "krakow.plenipotentiary", mark, 1001), 0);
  /* another caller, another organisation, another key */
  ck_assert_uint_eq(replica_verify(KEY, sizeof KEY, "krakow", "krakow.employee", mark, 999), 0);
  ck_assert_uint_eq(replica_verify(KEY, sizeof KEY, "lublin", "krakow.plenipotentiary", mark, 999), 0);
  ck_assert_uint_eq(replica_verify(OTHER, sizeof OTHER, "krakow", "krakow.plenipotentiary", mark, 999), 0);
}
END_TEST

START_TEST(mark_tampered) {
  char mark[128], t[160];
  replica_sign(KEY, sizeof KEY, "krakow", "krakow.iod", "0/16B3748", 5000, mark, sizeof mark);
  /* a later position, a later expiry, a flipped signature digit, cut, extended */
  snprintf(t, sizeof t, "0/26B3748%s", strchr(mark, '.'));
  ck_assert_uint_eq(replica_verify(KEY, sizeof KEY, "krakow", "krakow.iod", t, 1), 0);
  snprintf(t, sizeof t, "0/16B3748.9000%s", strrchr(mark, '.'));
  ck_assert_uint_eq(replica_verify(KEY, sizeof KEY, "krakow", "krakow.iod", t, 1), 0);
  snprintf(t, sizeof t, "%s", mark);
  t[strlen(t) - 1] = t[strlen(t) - 1] == '0' ? '1' : '0';
  ck_assert_uint_eq(replica_verify(KEY, sizeof KEY, "krakow", "krakow.iod", t, 1), 0);
  snprintf(t, sizeof t, "%s", mark);
  t[strlen(t) - 1] = '\0';
  ck_assert_uint_eq(replica_verify(KEY, sizeof KEY, "krakow", "krakow.iod", t, 1), 0);
  snprintf(t, sizeof t, "%s0", mark);
  ck_assert_uint_eq(replica_verify(KEY, sizeof KEY, "krakow", "krakow.iod", t, 1), 0);
  const char *junk[] = {"", ".", "..", "0/1", "0/1.", "0/1.5000", "0/1.x.abc", "0/1..abc"};
  for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
    ck_assert_msg(replica_verify(KEY, sizeof KEY, "krakow", "krakow.iod", junk[i], 1) == 0, "'%s'", junk[i]);
  }
  ck_assert_uint_eq(replica_verify(KEY, sizeof KEY, "krakow", "krakow.iod", NULL, 1), 0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("replica");
  TCase *tc = tcase_create("marks");
  tcase_add_test(tc, lsn_parse);
  tcase_add_test(tc, mark_round_trip);
  tcase_add_test(tc, mark_tampered);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}
