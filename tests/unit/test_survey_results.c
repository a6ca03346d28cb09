/* Survey results: which breakdown groups are shown (primary and secondary suppression, issue
 * 14 finding 7), the results built from tallies (the seeded employee survey: a team of three),
 * and the comparison with a previous survey the caller may not read (finding 4). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "surveys/survey_results.h"

/* ---- survey_breakdown_plan ------------------------------------------------------------------- */

#define MAX_GROUPS 16

/* A breakdown from "value:responses" pairs; the plan's verdict, and the merged values in
 * input order, comma separated (written to merged). */
static enum breakdown_other plan_of(const char *const *spec, long long k, char *merged, size_t size) {
  static char values[MAX_GROUPS][32];
  struct breakdown_group g[MAX_GROUPS];
  size_t n = 0;
  for (; spec[n]; n++) {
    const char *colon = strchr(spec[n], ':');
    snprintf(values[n], sizeof values[n], "%.*s", (int)(colon - spec[n]), spec[n]);
    g[n].value = values[n];
    g[n].responses = atoll(colon + 1);
    g[n].merged = -1;
  }
  enum breakdown_other r = survey_breakdown_plan(g, n, k);
  merged[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    ck_assert(g[i].merged == 0 || g[i].merged == 1);
    if (g[i].merged) {
      if (merged[0]) strncat(merged, ",", size - strlen(merged) - 1);
      strncat(merged, g[i].value, size - strlen(merged) - 1);
    }
  }
  return r;
}

#define PLAN(k, want, want_merged, ...)                                                                                \
  do {                                                                                                                 \
    const char *spec_[] = {__VA_ARGS__, NULL};                                                                         \
    char got_[256];                                                                                                    \
    enum breakdown_other r_ = plan_of(spec_, (k), got_, sizeof got_);                                                  \
    ck_assert_msg(r_ == (want), "verdict %d, expected %d (merged %s)", (int)r_, (int)(want), got_);                    \
    ck_assert_str_eq(got_, (want_merged));                                                                             \
  } while (0)

START_TEST(no_groups) {
  ck_assert_int_eq(survey_breakdown_plan(NULL, 0, 5), OTHER_NONE);
}
END_TEST

START_TEST(every_group_large_enough) {
  PLAN(5, OTHER_NONE, "", "WOU:80", "KS:80", "FN:80", "OR:80"); /* the seeded customer surveys */
  PLAN(5, OTHER_NONE, "", "a:5", "b:5");
  PLAN(1, OTHER_NONE, "", "a:1", "b:1", "c:2"); /* min_group_size 1: nothing is small */
  PLAN(5, OTHER_NONE, "", "only:9");
}
END_TEST

/* The seeded employee survey: obsluga 20, ksiegowosc 20, it 3 (min_group_size 5). "other"
 * used to be the IT team alone; now the next smallest team joins it (ties: byte order). */
START_TEST(seeded_team_of_three) {
  PLAN(5, OTHER_SHOWN, "ksiegowosc,it", "obsluga:20", "ksiegowosc:20", "it:3");
  PLAN(5, OTHER_SHOWN, "it,ksiegowosc", "it:3", "ksiegowosc:20", "obsluga:20");
}
END_TEST

START_TEST(small_groups_enough_together) {
  /* three small groups, 6 responses together: "other" holds enough by itself */
  PLAN(5, OTHER_SHOWN, "y,z,w", "x:10", "y:3", "z:2", "w:1");
  PLAN(3, OTHER_SHOWN, "b,c", "a:9", "b:2", "c:1");
}
END_TEST

START_TEST(small_groups_too_few_together) {
  /* the API fixture (min_group_size 3): g3 and g4 hold 2, so g2 (3) joins them */
  PLAN(3, OTHER_SHOWN, "g2,g3,g4", "g1:4", "g2:3", "g3:1", "g4:1");
  /* the next smallest by responses, not by position; then by value */
  PLAN(5, OTHER_SHOWN, "b,c", "a:30", "b:10", "c:2", "d:10");
  PLAN(5, OTHER_SHOWN, "d,c", "a:30", "d:10", "c:2", "e:10");
  /* the small groups hold 3: the smallest large group joins, and one is always enough */
  PLAN(10, OTHER_SHOWN, "a,b,c,e", "a:1", "b:1", "c:1", "d:40", "e:12");
  /* every group small but enough together */
  PLAN(20, OTHER_SHOWN, "a,b,c", "a:1", "b:10", "c:12");
}
END_TEST

START_TEST(one_small_group_and_one_other) {
  /* the API's built survey: p 12, q 4; the fixture's processes 7, 2: both go into "other" */
  PLAN(5, OTHER_SHOWN, "p,q", "p:12", "q:4");
  PLAN(3, OTHER_SHOWN, "P0,P1", "P0:7", "P1:2");
}
END_TEST

START_TEST(nothing_is_enough) {
  /* a single small group; small groups under the limit all together: "other" is left out */
  PLAN(5, OTHER_SUPPRESSED, "it", "it:3");
  PLAN(5, OTHER_SUPPRESSED, "a,b,c", "a:1", "b:1", "c:2");
  PLAN(5, OTHER_SUPPRESSED, "a,b", "a:2", "b:2");
}
END_TEST

START_TEST(a_group_named_other) {
  /* large, nothing small: shown under its own name, "other" */
  PLAN(5, OTHER_SHOWN, "other", "a:9", "other:7");
  /* with a small group: two groups, 9 responses: enough */
  PLAN(5, OTHER_SHOWN, "other,b", "a:9", "other:7", "b:2");
  /* small itself, and alone: the next smallest joins */
  PLAN(5, OTHER_SHOWN, "other,b", "a:9", "other:2", "b:6");
}
END_TEST

/* Random breakdowns: every group shown alone is large enough and not named "other"; when a
 * small group exists, "other" holds two groups and min_group_size responses, or every group
 * is merged and "other" is not shown; at most one large group not named "other" is merged,
 * and only when every group shown is at least as large (the next smallest). */
START_TEST(random_breakdowns) {
  unsigned seed = 14;
  static char values[MAX_GROUPS][24];
  for (int round = 0; round < 20000; round++) {
    struct breakdown_group g[MAX_GROUPS];
    size_t n = (size_t)(rand_r(&seed) % MAX_GROUPS);
    long long k = 1 + rand_r(&seed) % 12;
    int small = 0;
    for (size_t i = 0; i < n; i++) {
      int r = rand_r(&seed);
      if (r % 23 == 0) {
        snprintf(values[i], sizeof values[i], "other");
      } else {
        snprintf(values[i], sizeof values[i], "v%zu", i);
      }
      g[i].value = values[i];
      g[i].responses = 1 + rand_r(&seed) % (r % 3 == 0 ? 4 : 25);
      small |= g[i].responses < k;
    }
    enum breakdown_other r = survey_breakdown_plan(g, n, k);
    long long merged_n = 0;
    size_t merged = 0;
    for (size_t i = 0; i < n; i++) {
      if (g[i].merged) {
        merged++;
        merged_n += g[i].responses;
      } else {
        ck_assert_int_ge(g[i].responses, k);
        ck_assert_str_ne(g[i].value, "other");
      }
    }
    if (merged == 0) {
      ck_assert_int_eq(r, OTHER_NONE);
    } else if (small) {
      if (r == OTHER_SHOWN) {
        ck_assert_uint_ge(merged, 2);
        ck_assert_int_ge(merged_n, k);
      } else {
        ck_assert_int_eq(r, OTHER_SUPPRESSED);
        ck_assert_uint_eq(merged, n);
      }
    } else {
      ck_assert_int_eq(r, OTHER_SHOWN);
    }
    int joined = 0;
    for (size_t i = 0; i < n; i++) {
      if (!g[i].merged || g[i].responses < k || strcmp(g[i].value, "other") == 0) continue;
      joined++;
      for (size_t j = 0; j < n; j++) {
        if (!g[j].merged) ck_assert_int_ge(g[j].responses, g[i].responses);
      }
    }
    ck_assert_int_le(joined, 1);
  }
}
END_TEST

/* ---- survey_results_json ------------------------------------------------------------------- */

static const char *EMPLOYEE_QUESTIONS =
    "[{\"key\":\"atmosfera\",\"text\":\"Atmosfera\",\"type\":\"scale_1_5\",\"required\":true},"
    "{\"key\":\"rozwoj\",\"text\":\"Rozwój\",\"type\":\"scale_1_5\"}]";
static const char *EMPLOYEE_FIELDS =
    "[{\"key\":\"zespol\",\"text\":\"Zespół\",\"type\":\"choice\",\"options\":[{\"key\":\"obsluga\",\"text\":\"O\"},"
    "{\"key\":\"ksiegowosc\",\"text\":\"K\"},{\"key\":\"it\",\"text\":\"I\"}]}]";

/* Per team and question: the answers' count and sum (index: 0 obsluga, 1 ksiegowosc, 2 it). */
struct truth {
  long long n[3][2], sum[3][2], responses[3];
};

static const char *const TEAMS[] = {"obsluga", "ksiegowosc", "it"};

/* The seeded shape: 20, 20 and 3 employees, two scale questions answered by all. */
static void seeded_tallies(struct survey_tallies *t, struct truth *tr) {
  const char *qs[] = {"atmosfera", "rozwoj"};
  memset(tr, 0, sizeof *tr);
  survey_tallies_init(t);
  for (int i = 1; i <= 43; i++) {
    int team = i <= 20 ? 0 : i <= 40 ? 1 : 2;
    tr->responses[team]++;
    survey_tallies_add(t, "", "zespol", TEAMS[team], "", 1);
    for (int q = 0; q < 2; q++) {
      int v = 1 + (i * (q ? 7 : 3) + team) % 5;
      char value[2] = {(char)('0' + v), '\0'};
      survey_tallies_add(t, qs[q], "", "", value, 1);
      survey_tallies_add(t, qs[q], "zespol", TEAMS[team], value, 1);
      tr->n[team][q]++;
      tr->sum[team][q] += v;
    }
  }
}

static json_t *load(const char *s) {
  return json_loads(s, 0, NULL);
}

static long long sum_of(const json_t *distribution) {
  long long s = 0;
  for (int v = 1; v <= 5; v++) {
    char k[2] = {(char)('0' + v), '\0'};
    s += v * json_integer_value(json_object_get(distribution, k));
  }
  return s;
}

START_TEST(seeded_results_hide_the_team_of_three) {
  struct survey_tallies t;
  struct truth tr;
  seeded_tallies(&t, &tr);
  json_t *q = load(EMPLOYEE_QUESTIONS), *f = load(EMPLOYEE_FIELDS);
  struct survey_of_results s = {.id = 3,
                                .status = "closed",
                                .responses = 43,
                                .questions = q,
                                .fields = f,
                                .target_mean = 4.0,
                                .min_group_size = 5};
  json_t *res = survey_results_json(&s, &t, NULL);
  json_t *groups = json_object_get(json_array_get(json_object_get(res, "breakdowns"), 0), "groups");
  ck_assert_uint_eq(json_array_size(groups), 2);
  json_t *shown = json_array_get(groups, 0), *other = json_array_get(groups, 1);
  ck_assert_str_eq(json_string_value(json_object_get(shown, "value")), "obsluga");
  ck_assert_int_eq(json_integer_value(json_object_get(shown, "responses")), 20);
  ck_assert_str_eq(json_string_value(json_object_get(other, "value")), "other");
  ck_assert_int_eq(json_integer_value(json_object_get(other, "responses")), 23);
  /* the subtraction: the totals minus every group shown give IT's figures with nothing else */
  long long rest_responses = 43;
  size_t i;
  json_t *g;
  json_array_foreach(groups, i, g) {
    rest_responses -= json_integer_value(json_object_get(g, "responses"));
  }
  ck_assert_int_eq(rest_responses, 0);
  for (int k = 0; k < 2; k++) {
    json_t *total = json_array_get(json_object_get(res, "questions"), (size_t)k);
    long long rest_n = json_integer_value(json_object_get(total, "n"));
    long long rest_sum = sum_of(json_object_get(total, "distribution"));
    json_array_foreach(groups, i, g) {
      json_t *gq = json_array_get(json_object_get(g, "questions"), (size_t)k);
      long long n = json_integer_value(json_object_get(gq, "n"));
      long long sum = llround(json_number_value(json_object_get(gq, "mean")) * (double)n);
      ck_assert_msg(!(n == tr.n[2][k] && sum == tr.sum[2][k]), "group %zu shows IT's answers", i);
      rest_n -= n;
      rest_sum -= sum;
    }
    ck_assert_int_eq(rest_n, 0);
    ck_assert_int_eq(rest_sum, 0);
    /* "other" is IT and accounting together, to the answer */
    json_t *oq = json_array_get(json_object_get(other, "questions"), (size_t)k);
    ck_assert_int_eq(json_integer_value(json_object_get(oq, "n")), tr.n[1][k] + tr.n[2][k]);
    ck_assert_int_eq(llround(json_number_value(json_object_get(oq, "mean")) * (double)(tr.n[1][k] + tr.n[2][k])),
                     tr.sum[1][k] + tr.sum[2][k]);
  }
  /* with min_group_size 3 the team is large enough: every team shown, no "other" */
  json_decref(res);
  s.min_group_size = 3;
  res = survey_results_json(&s, &t, NULL);
  groups = json_object_get(json_array_get(json_object_get(res, "breakdowns"), 0), "groups");
  ck_assert_uint_eq(json_array_size(groups), 3);
  json_array_foreach(groups, i, g) {
    ck_assert_str_eq(json_string_value(json_object_get(g, "value")), TEAMS[i]);
  }
  /* with min_group_size 44 nothing is enough: no group at all */
  json_decref(res);
  s.min_group_size = 44;
  res = survey_results_json(&s, &t, NULL);
  groups = json_object_get(json_array_get(json_object_get(res, "breakdowns"), 0), "groups");
  ck_assert_uint_eq(json_array_size(groups), 0);
  json_decref(res);
  json_decref(q);
  json_decref(f);
  survey_tallies_free(&t);
}
END_TEST

/* ---- comparison ------------------------------------------------------------------------------ */

static json_t *results_with(const struct survey_previous *prev) {
  struct survey_tallies t;
  struct truth tr;
  seeded_tallies(&t, &tr);
  json_t *q = load(EMPLOYEE_QUESTIONS), *f = load(EMPLOYEE_FIELDS);
  struct survey_of_results s = {
      .id = 4, .status = "open", .responses = 43, .questions = q, .fields = f, .target_mean = 4.0, .min_group_size = 5};
  json_t *res = survey_results_json(&s, &t, prev);
  json_decref(q);
  json_decref(f);
  survey_tallies_free(&t);
  return res;
}

START_TEST(comparison_shapes) {
  json_t *means = load("{\"atmosfera\": 1.25, \"rozwoj\": \"2.5\"}");
  /* none */
  json_t *res = results_with(NULL);
  ck_assert(json_is_null(json_object_get(res, "comparison")));
  ck_assert(json_is_null(json_object_get(res, "comparison_omitted")));
  json_decref(res);
  struct survey_previous none = {0};
  res = results_with(&none);
  ck_assert(json_is_null(json_object_get(res, "comparison")));
  ck_assert(json_is_null(json_object_get(res, "comparison_omitted")));
  json_decref(res);
  /* readable */
  struct survey_previous readable = {.id = 3, .year = 2025, .means = means};
  res = results_with(&readable);
  json_t *c = json_object_get(res, "comparison");
  ck_assert_int_eq(json_integer_value(json_object_get(c, "survey_id")), 3);
  ck_assert_uint_eq(json_array_size(json_object_get(c, "questions")), 2);
  ck_assert(json_is_null(json_object_get(res, "comparison_omitted")));
  json_decref(res);
  /* not readable: nothing of it, whatever was passed, and the reason */
  struct survey_previous hidden = {.id = 3, .year = 2025, .means = means, .not_readable = 1};
  res = results_with(&hidden);
  ck_assert(json_is_null(json_object_get(res, "comparison")));
  ck_assert_str_eq(json_string_value(json_object_get(res, "comparison_omitted")), "not_readable");
  char *text = json_dumps(res, JSON_COMPACT);
  ck_assert_ptr_null(strstr(text, "1.25"));
  ck_assert_ptr_null(strstr(text, "previous_mean"));
  ck_assert_ptr_null(strstr(text, "2025"));
  free(text);
  json_decref(res);
  json_decref(means);
}
END_TEST

int main(void) {
  Suite *s = suite_create("survey_results");
  TCase *plan = tcase_create("breakdown_plan");
  tcase_add_test(plan, no_groups);
  tcase_add_test(plan, every_group_large_enough);
  tcase_add_test(plan, seeded_team_of_three);
  tcase_add_test(plan, small_groups_enough_together);
  tcase_add_test(plan, small_groups_too_few_together);
  tcase_add_test(plan, one_small_group_and_one_other);
  tcase_add_test(plan, nothing_is_enough);
  tcase_add_test(plan, a_group_named_other);
  tcase_add_test(plan, random_breakdowns);
  suite_add_tcase(s, plan);
  TCase *results = tcase_create("results");
  tcase_add_test(results, seeded_results_hide_the_team_of_three);
  tcase_add_test(results, comparison_shapes);
  suite_add_tcase(s, results);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
