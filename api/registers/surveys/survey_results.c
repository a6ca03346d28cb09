#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "survey_results.h"

static double round3(double x) {
  return round(x * 1000.0) / 1000.0;
}

static json_t *num_or_null(double x, int ok) {
  return ok ? json_real(round3(x)) : json_null();
}

/* counts[value] of one question in one group, from the rows of survey_counts. */
static long long count_of(const json_t *map, const char *q, const char *v) {
  return json_integer_value(json_object_get(json_object_get(map, q), v));
}

struct scale {
  long long n, d[6];
  double sum, sumsq;
};

static struct scale scale_of(const json_t *map, const char *q) {
  struct scale s = {0};
  for (int v = 1; v <= 5; v++) {
    char k[2] = {(char)('0' + v), '\0'};
    s.d[v] = count_of(map, q, k);
    s.n += s.d[v];
    s.sum += (double)v * (double)s.d[v];
    s.sumsq += (double)v * v * (double)s.d[v];
  }
  return s;
}

static json_t *scale_json(const json_t *map, const char *q, double target) {
  struct scale s = scale_of(map, q);
  double mean = s.n ? s.sum / (double)s.n : 0;
  double var = s.n > 1 ? (s.sumsq - (double)s.n * mean * mean) / (double)(s.n - 1) : 0;
  double sd = var > 0 ? sqrt(var) : 0;
  double half = s.n > 1 ? 1.96 * sd / sqrt((double)s.n) : 0;
  json_t *dist = json_object();
  for (int v = 1; v <= 5; v++) {
    char k[2] = {(char)('0' + v), '\0'};
    json_object_set_new(dist, k, json_integer(s.d[v]));
  }
  json_t *ci = s.n > 1 ? json_pack("[f, f]", round3(mean - half), round3(mean + half)) : json_null();
  return json_pack("{s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:o, s:o}", "key", q, "type", "scale_1_5", "n",
                   (json_int_t)s.n, "mean", num_or_null(mean, s.n > 0), "sd", num_or_null(sd, s.n > 1), "ci95", ci,
                   "distribution", dist, "dont_know", (json_int_t)count_of(map, q, "dont_know"), "not_applicable",
                   (json_int_t)count_of(map, q, "not_applicable"), "share_4_5",
                   num_or_null(s.n ? (double)(s.d[4] + s.d[5]) / (double)s.n : 0, s.n > 0), "below_target",
                   s.n ? json_boolean(mean < target) : json_null());
}

static json_t *choice_json(const json_t *map, const json_t *def) {
  const char *q = json_string_value(json_object_get(def, "key"));
  const char *type = json_string_value(json_object_get(def, "type"));
  json_t *counts = json_object(), *shares = json_object();
  long long n = 0;
  if (strcmp(type, "yes_no") == 0) {
    n = count_of(map, q, "yes") + count_of(map, q, "no");
    json_object_set_new(counts, "yes", json_integer(count_of(map, q, "yes")));
    json_object_set_new(counts, "no", json_integer(count_of(map, q, "no")));
  } else {
    size_t i;
    json_t *opt;
    json_array_foreach(json_object_get(def, "options"), i, opt) {
      const char *k = json_string_value(json_object_get(opt, "key"));
      long long c = count_of(map, q, k);
      json_object_set_new(counts, k, json_integer(c));
      if (strcmp(type, "single_choice") == 0) n += c;
    }
    if (strcmp(type, "multi_choice") == 0) n = count_of(map, q, "__n");
  }
  const char *k;
  json_t *v;
  json_object_foreach(counts, k, v) {
    json_object_set_new(shares, k, num_or_null(n ? (double)json_integer_value(v) / (double)n : 0, n > 0));
  }
  return json_pack("{s:s, s:s, s:I, s:o, s:o}", "key", q, "type", type, "n", (json_int_t)n, "counts", counts, "shares",
                   shares);
}

/* Mean of all 1..5 answers of the scale questions in a count map: n and sum. */
static void overall(const json_t *map, const json_t *questions, long long *n, double *sum) {
  size_t i;
  json_t *def;
  *n = 0;
  *sum = 0;
  json_array_foreach(questions, i, def) {
    if (strcmp(json_string_value(json_object_get(def, "type")), "scale_1_5") != 0) continue;
    struct scale s = scale_of(map, json_string_value(json_object_get(def, "key")));
    *n += s.n;
    *sum += s.sum;
  }
}

static void add_count(json_t *map, const char *q, const char *v, long long c) {
  json_t *m = json_object_get(map, q);
  if (m == NULL) {
    m = json_object();
    json_object_set_new(map, q, m);
  }
  json_object_set_new(m, v, json_integer(json_integer_value(json_object_get(m, v)) + c));
}

void survey_tallies_init(struct survey_tallies *t) {
  t->all = json_object();
  t->groups = json_object();
  t->sizes = json_object();
}

void survey_tallies_free(struct survey_tallies *t) {
  json_decref(t->all);
  json_decref(t->groups);
  json_decref(t->sizes);
  t->all = t->groups = t->sizes = NULL;
}

void survey_tallies_add(struct survey_tallies *t, const char *q, const char *f, const char *g, const char *v,
                        long long n) {
  if (*f == '\0') {
    if (*q) add_count(t->all, q, v, n);
    return;
  }
  json_t *field = json_object_get(t->groups, f);
  if (field == NULL) {
    field = json_object();
    json_object_set_new(t->groups, f, field);
  }
  json_t *group = json_object_get(field, g);
  if (group == NULL) {
    group = json_object();
    json_object_set_new(field, g, group);
  }
  if (*q) {
    add_count(group, q, v, n);
  } else {
    add_count(t->sizes, f, g, n);
  }
}

static json_t *questions_json(const json_t *all, const json_t *questions, double target) {
  json_t *qs = json_array();
  size_t i;
  json_t *def;
  json_array_foreach(questions, i, def) {
    const char *key = json_string_value(json_object_get(def, "key"));
    const char *type = json_string_value(json_object_get(def, "type"));
    if (strcmp(type, "scale_1_5") == 0) {
      json_array_append_new(qs, scale_json(all, key, target));
    } else if (strcmp(type, "text") == 0) {
      json_array_append_new(
          qs, json_pack("{s:s, s:s, s:I}", "key", key, "type", type, "n", (json_int_t)count_of(all, key, "__n")));
    } else {
      json_array_append_new(qs, choice_json(all, def));
    }
  }
  return qs;
}

/* One shown group of a breakdown: its size, overall mean and the means of scale questions. */
static json_t *group_json(const char *value, long long responses, const json_t *map, const json_t *questions) {
  json_t *gq = json_array();
  size_t k;
  json_t *qd;
  json_array_foreach(questions, k, qd) {
    if (strcmp(json_string_value(json_object_get(qd, "type")), "scale_1_5") != 0) continue;
    struct scale sc = scale_of(map, json_string_value(json_object_get(qd, "key")));
    json_array_append_new(gq, json_pack("{s:O, s:I, s:o}", "key", json_object_get(qd, "key"), "n", (json_int_t)sc.n,
                                        "mean", num_or_null(sc.n ? sc.sum / sc.n : 0, sc.n > 0)));
  }
  long long gn;
  double gs;
  overall(map, questions, &gn, &gs);
  return json_pack("{s:s, s:I, s:o, s:o}", "value", value, "responses", (json_int_t)responses, "overall_mean",
                   num_or_null(gn ? gs / gn : 0, gn > 0), "questions", gq);
}

enum breakdown_other survey_breakdown_plan(struct breakdown_group *groups, size_t n, long long min_group_size) {
  long long merged_responses = 0;
  size_t merged = 0;
  int small = 0;
  for (size_t i = 0; i < n; i++) {
    int below = groups[i].responses < min_group_size;
    groups[i].merged = below || strcmp(groups[i].value, "other") == 0;
    small |= below;
    if (groups[i].merged) {
      merged++;
      merged_responses += groups[i].responses;
    }
  }
  if (!small) {
    /* nothing to protect: "other" holds only groups named so, each large enough */
    return merged > 0 ? OTHER_SHOWN : OTHER_NONE;
  }
  /* secondary suppression: "other" alone, or under the limit, would show a small group */
  while (merged < 2 || merged_responses < min_group_size) {
    size_t next = n;
    for (size_t i = 0; i < n; i++) {
      if (groups[i].merged) continue;
      if (next == n || groups[i].responses < groups[next].responses ||
          (groups[i].responses == groups[next].responses && strcmp(groups[i].value, groups[next].value) < 0)) {
        next = i;
      }
    }
    if (next == n) return OTHER_SUPPRESSED;
    groups[next].merged = 1;
    merged++;
    merged_responses += groups[next].responses;
  }
  return OTHER_SHOWN;
}

static void add_counts(json_t *to, json_t *from) {
  const char *q;
  json_t *vals;
  json_object_foreach(from, q, vals) {
    const char *v;
    json_t *cnt;
    json_object_foreach(vals, v, cnt) {
      add_count(to, q, v, json_integer_value(cnt));
    }
  }
}

/* Per respondent field, the groups as survey_breakdown_plan shows them: those shown alone,
 * then "other" (the merged groups) when it is shown. */
static json_t *breakdowns_json(const struct survey_of_results *s, const struct survey_tallies *t) {
  json_t *breakdowns = json_array();
  size_t i;
  json_t *def;
  json_array_foreach(s->fields, i, def) {
    const char *f = json_string_value(json_object_get(def, "key"));
    json_t *field = json_object_get(t->groups, f), *sizes = json_object_get(t->sizes, f);
    size_t n = json_object_size(field), k = 0;
    struct breakdown_group *groups = calloc(n ? n : 1, sizeof *groups);
    json_t *list = json_array(), *other = json_object();
    const char *g;
    json_t *map;
    if (groups == NULL) {
      n = 0; /* out of memory: no group shown */
    }
    json_object_foreach(field, g, map) {
      if (k == n) break;
      groups[k].value = g;
      groups[k].responses = json_integer_value(json_object_get(sizes, g));
      k++;
    }
    enum breakdown_other plan = survey_breakdown_plan(groups, n, s->min_group_size);
    long long other_n = 0;
    for (k = 0; k < n; k++) {
      map = json_object_get(field, groups[k].value);
      if (!groups[k].merged) {
        json_array_append_new(list, group_json(groups[k].value, groups[k].responses, map, s->questions));
      } else {
        other_n += groups[k].responses;
        add_counts(other, map);
      }
    }
    if (plan == OTHER_SHOWN) {
      json_array_append_new(list, group_json("other", other_n, other, s->questions));
    }
    json_array_append_new(breakdowns, json_pack("{s:s, s:o}", "field", f, "groups", list));
    json_decref(other);
    free(groups);
  }
  return breakdowns;
}

/* The change of each scale question's mean since the previous survey, or null. */
static json_t *comparison_json(const json_t *qs, const struct survey_previous *prev) {
  if (prev == NULL || prev->id == 0 || prev->not_readable) {
    return json_null();
  }
  json_t *cq = json_array();
  size_t k;
  json_t *qr;
  json_array_foreach(qs, k, qr) {
    json_t *pm = json_object_get(prev->means, json_string_value(json_object_get(qr, "key")));
    json_t *m = json_object_get(qr, "mean");
    if (pm == NULL || !json_is_number(m) || json_is_null(pm)) continue;
    double before =
        json_is_number(pm) ? json_number_value(pm) : atof(json_string_value(pm) ? json_string_value(pm) : "0");
    json_array_append_new(cq,
                          json_pack("{s:O, s:O, s:f, s:f}", "key", json_object_get(qr, "key"), "mean", m,
                                    "previous_mean", round3(before), "change", round3(json_number_value(m) - before)));
  }
  return json_pack("{s:I, s:I, s:o}", "survey_id", (json_int_t)prev->id, "year", (json_int_t)prev->year, "questions",
                   cq);
}

json_t *survey_results_json(const struct survey_of_results *s, const struct survey_tallies *t,
                            const struct survey_previous *prev) {
  json_t *qs = questions_json(t->all, s->questions, s->target_mean);
  long long on;
  double osum;
  overall(t->all, s->questions, &on, &osum);
  json_t *comparison = comparison_json(qs, prev);
  /* a previous survey the caller may not read: said, not shown */
  json_t *omitted = prev != NULL && prev->not_readable ? json_string("not_readable") : json_null();
  return json_pack("{s:I, s:s, s:I, s:{s:I, s:o}, s:o, s:o, s:o, s:o}", "survey_id", (json_int_t)s->id, "status",
                   s->status, "responses", (json_int_t)s->responses, "overall", "n", (json_int_t)on, "mean",
                   num_or_null(on ? osum / on : 0, on > 0), "questions", qs, "breakdowns", breakdowns_json(s, t),
                   "comparison", comparison, "comparison_omitted", omitted);
}
