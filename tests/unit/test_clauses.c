/* The built-in list of clauses audits are measured against. */
#include <check.h>
#include <stdlib.h>

#include "audits/clauses.h"

START_TEST(known_clauses) {
  const char *good[] = {"ISO 9001:2015 8.5.1",       "ISO 9001:2015 4.1",
                        "ISO 9001:2015 7.1.5.1",     "ISO 9001:2015 10.3",
                        "ISO 9001:2015 9.2.2",       "ISO/IEC 27001:2022 9.2",
                        "ISO/IEC 27001:2022 A.5.24", "ISO/IEC 27001:2022 A.5.1",
                        "ISO/IEC 27001:2022 A.5.37", "ISO/IEC 27001:2022 A.6.8",
                        "ISO/IEC 27001:2022 A.7.14", "ISO/IEC 27001:2022 A.8.34",
                        "ISO 14001:2015 6.1.4",      NULL};
  for (int i = 0; good[i]; i++)
    ck_assert_msg(clause_valid(good[i]), "refused %s", good[i]);
}
END_TEST

START_TEST(unknown_clauses) {
  const char *bad[] = {"ISO 9001:2015 11.1",
                       "ISO 9001:2015 8.5.7",
                       "ISO 9001:2015 A.5.1",
                       "ISO 9001:2008 8.5.1",
                       "ISO/IEC 27001:2022 A.5.38",
                       "ISO/IEC 27001:2022 A.6.9",
                       "ISO/IEC 27001:2022 A.8.35",
                       "ISO/IEC 27001:2022 A.9.1",
                       "ISO/IEC 27001:2022 A.5.01",
                       "ISO/IEC 27001:2022 A.5.0",
                       "ISO/IEC 27001:2013 A.5.1",
                       "ISO 14001:2015 6.1.5",
                       "iso 9001:2015 8.5.1",
                       "ISO 9001:2015  8.5.1",
                       "ISO 9001:2015 8.5.1 ",
                       "8.5.1",
                       "",
                       NULL};
  for (int i = 0; bad[i]; i++)
    ck_assert_msg(!clause_valid(bad[i]), "accepted %s", bad[i]);
  ck_assert(!clause_valid(NULL));
}
END_TEST

int main(void) {
  Suite *s = suite_create("clauses");
  TCase *tc = tcase_create("list");
  tcase_add_test(tc, known_clauses);
  tcase_add_test(tc, unknown_clauses);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
