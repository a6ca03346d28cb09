/* The management-review register's pure rules: the canonical JSON form a frozen package is
 * hashed in (RFC 8785 without fractional numbers), the differences between two packages, HTML
 * escaping for the printable minutes, periods, and body checks. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "management_reviews/rules.h"
#include "validate.h"

static json_t *load(const char *s) {
  json_error_t e;
  json_t *v = json_loads(s, JSON_DECODE_ANY, &e);
  ck_assert_msg(v != NULL, "%s: %s", s, e.text);
  return v;
}

/* The canonical text of s (caller frees), or NULL when it fails. */
static char *canon(const char *s) {
  json_t *v = load(s);
  struct strbuf b = {0};
  int rc = mr_canonical(v, &b);
  json_decref(v);
  if (rc != 0) {
    strbuf_free(&b);
    return NULL;
  }
  return strbuf_steal(&b);
}

static void check_canon(const char *in, const char *want) {
  char *got = canon(in);
  ck_assert_msg(got != NULL, "%s failed", in);
  ck_assert_str_eq(got, want);
  free(got);
}

START_TEST(canonical_orders_members_and_drops_whitespace) {
  check_canon("{ \"b\" : 1, \"a\" : [ true, false, null, { \"z\": \"x\", \"y\": -7 } ] }",
              "{\"a\":[true,false,null,{\"y\":-7,\"z\":\"x\"}],\"b\":1}");
  /* a name sorts before its extensions (RFC 8785 3.2.3: code units, shorter first) */
  check_canon("{\"closed_ids\": 1, \"closed\": 2, \"closed_first_time\": 3}",
              "{\"closed\":2,\"closed_first_time\":3,\"closed_ids\":1}");
  /* UTF-16 code units, not code points: U+1F600 (D83D DE00) before U+E000 */
  check_canon("{\"\\ue000\": 1, \"\\ud83d\\ude00\": 2, \"\\u00e9\": 3, \"z\": 4}",
              "{\"z\":4,\"\xc3\xa9\":3,\"\xf0\x9f\x98\x80\":2,\"\xee\x80\x80\":1}");
  check_canon("[]", "[]");
  check_canon("{}", "{}");
}
END_TEST

START_TEST(canonical_strings) {
  /* only '"', '\\' and control characters are escaped; short forms where JSON has them,
   * else \u00xx in lower case; '/' and non-ASCII stay as they are (UTF-8) */
  check_canon("\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\\u0001\\u001F\\u007f\xc5\x82\"",
              "\"a\\\"b\\\\c/d\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\xc5\x82\"");
  check_canon("\"\\u2028\"", "\"\xe2\x80\xa8\"");
}
END_TEST

START_TEST(canonical_numbers) {
  check_canon("[0, -1, 9007199254740993]", "[0,-1,9007199254740993]");
  /* a fractional number has no single canonical text here: refused */
  ck_assert_ptr_null(canon("{\"a\": [1.5]}"));
  ck_assert_ptr_null(canon("1e3"));
}
END_TEST

START_TEST(diff_marks_every_difference) {
  json_t *a = load("{\"s\": {\"d\": {\"opened\": 4, \"ids\": [1, 2], \"same\": \"x\"}}, \"gone\": 1, \"a/b~c\": 1}");
  json_t *b =
      load("{\"s\": {\"d\": {\"opened\": 5, \"ids\": [1, 2, 3], \"same\": \"x\"}}, \"new\": null, \"a/b~c\": 2}");
  json_t *diffs = json_array();
  mr_diff(a, b, "", diffs);
  ck_assert_uint_eq(json_array_size(diffs), 5);
  json_t *want = load("[{\"path\": \"/s/d/opened\", \"frozen\": 4, \"live\": 5},"
                      " {\"path\": \"/s/d/ids\", \"frozen\": [1, 2], \"live\": [1, 2, 3]},"
                      " {\"path\": \"/gone\", \"frozen\": 1, \"live\": null},"
                      " {\"path\": \"/a~1b~0c\", \"frozen\": 1, \"live\": 2},"
                      " {\"path\": \"/new\", \"frozen\": null, \"live\": null}]");
  for (size_t i = 0; i < json_array_size(want); i++) {
    int found = 0;
    for (size_t j = 0; j < json_array_size(diffs); j++)
      found |= json_equal(json_array_get(want, i), json_array_get(diffs, j));
    ck_assert_msg(found, "missing difference %zu", i);
  }
  json_t *none = json_array();
  mr_diff(a, a, "", none);
  ck_assert_uint_eq(json_array_size(none), 0);
  json_decref(a);
  json_decref(b);
  json_decref(diffs);
  json_decref(none);
  json_decref(want);
}
END_TEST

START_TEST(html_escapes_markup) {
  struct strbuf b = {0};
  html_escape(&b, "<a href=\"x\">Tom & 'Jerry'</a> łódź");
  html_escape(&b, NULL);
  char *s = strbuf_steal(&b);
  ck_assert_str_eq(s, "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt; łódź");
  free(s);
}
END_TEST

START_TEST(periods) {
  ck_assert(mr_period_valid("steering_committee", 0, "2026"));
  ck_assert(!mr_period_valid("steering_committee", 0, "2026-03"));
  ck_assert(mr_period_valid("steering_committee", 1, "2026-03"));
  ck_assert(mr_period_valid("isms", 1, "2026"));
  ck_assert(mr_period_valid("org_unit", 0, "2026-12"));
  ck_assert(!mr_period_valid("org_unit", 0, "2026"));
  ck_assert(!mr_period_valid("org_unit", 0, "2026-13"));
  ck_assert(!mr_period_valid("org_unit", 0, "2026-00"));
  ck_assert(!mr_period_valid("isms", 0, "1999"));
  ck_assert(!mr_period_valid("isms", 0, "2101"));
  ck_assert(!mr_period_valid("isms", 1, "2026/03"));
  ck_assert(!mr_period_valid("isms", 0, "20x6"));
}
END_TEST

static int names(const json_t *errors, const char *field) {
  return field_has_error(errors, field);
}

START_TEST(review_bodies) {
  json_t *errors = json_array();
  json_t *ok = load("{\"kind\": \"org_unit\", \"org_unit_id\": 3, \"period\": \"2026-04\", "
                    "\"participants\": [{\"name\": \"Anna\", \"sub\": \"krakow.a\"}, {\"name\": \"Gość\"}]}");
  mr_body_errors(ok, VALIDATE_CREATE, errors);
  ck_assert_uint_eq(json_array_size(errors), 0);
  json_t *bad = load("{\"kind\": \"org_unit\", \"ad_hoc\": true, \"period\": \"2026\", "
                     "\"participants\": [{\"sub\": \"x\"}, {\"name\": \"\"}, {\"name\": \"a\", \"role\": 1}, "
                     "{\"name\": \"ok\"}, {\"name\": \"a\\u0007\"}]}");
  mr_body_errors(bad, VALIDATE_CREATE, errors);
  ck_assert(names(errors, "ad_hoc"));
  ck_assert(names(errors, "org_unit_id"));
  ck_assert(names(errors, "period"));
  ck_assert(names(errors, "participants[0]"));
  ck_assert(names(errors, "participants[1]"));
  ck_assert(names(errors, "participants[2]"));
  ck_assert(!names(errors, "participants[3]"));
  ck_assert(names(errors, "participants[4]"));
  json_t *yearly = load("{\"kind\": \"isms\", \"org_unit_id\": 3, \"period\": \"2026\"}");
  json_t *more = json_array();
  mr_body_errors(yearly, VALIDATE_CREATE, more);
  ck_assert_uint_eq(json_array_size(more), 1);
  ck_assert(names(more, "org_unit_id"));
  json_decref(ok);
  json_decref(bad);
  json_decref(yearly);
  json_decref(errors);
  json_decref(more);
}
END_TEST

START_TEST(rule_bodies) {
  json_t *errors = json_array();
  json_t *ok = load("{\"org_unit\": {\"cadence\": \"monthly\", \"minutes_days\": 5, \"kind\": \"org_unit\"},"
                    " \"isms\": {\"cadence\": \"yearly\", \"review_by\": \"02-15\", \"minutes_by\": \"02-29\","
                    " \"minutes_days\": 10},"
                    " \"steering_committee\": {\"cadence\": \"monthly\", \"review_by\": null, \"minutes_days\": 1}}");
  mr_rule_errors(ok, errors);
  ck_assert_msg(json_array_size(errors) == 0, "%s", json_dumps(errors, 0));
  json_t *bad = load("{\"org_unit\": {\"cadence\": \"monthly\", \"minutes_days\": 5, \"review_by\": \"01-01\"},"
                     " \"isms\": {\"cadence\": \"yearly\", \"review_by\": \"02-30x\", \"minutes_days\": 10},"
                     " \"steering_committee\": {\"kind\": \"isms\", \"cadence\": \"yearly\", \"review_by\": \"13-01\","
                     " \"minutes_by\": \"03-00\", \"minutes_days\": 0}}");
  mr_rule_errors(bad, errors);
  const char *want[] = {"org_unit.review_by",
                        "isms.review_by",
                        "isms.minutes_by",
                        "steering_committee.kind",
                        "steering_committee.review_by",
                        "steering_committee.minutes_by",
                        "steering_committee.minutes_days"};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
    ck_assert_msg(names(errors, want[i]), "%s not named", want[i]);
  json_decref(ok);
  json_decref(bad);
  json_decref(errors);
}
END_TEST

START_TEST(link_bodies) {
  json_t *errors = json_array();
  json_t *body = load("{\"links\": {\"process_ids\": [1, \"x\"], \"objective_ids\": [0], \"risks\": []}}");
  mr_links_errors(body, errors);
  ck_assert(names(errors, "links.process_ids"));
  ck_assert(names(errors, "links.objective_ids"));
  ck_assert(names(errors, "links.risks"));
  json_decref(body);
  json_decref(errors);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("management_reviews");
  TCase *tc = tcase_create("rules");
  tcase_add_test(tc, canonical_orders_members_and_drops_whitespace);
  tcase_add_test(tc, canonical_strings);
  tcase_add_test(tc, canonical_numbers);
  tcase_add_test(tc, diff_marks_every_difference);
  tcase_add_test(tc, html_escapes_markup);
  tcase_add_test(tc, periods);
  tcase_add_test(tc, review_bodies);
  tcase_add_test(tc, rule_bodies);
  tcase_add_test(tc, link_bodies);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
