#ifndef ZSZ_SURVEY_RESULTS_H
#define ZSZ_SURVEY_RESULTS_H
/* A survey's results from its aggregate counts: per question, per respondent group (groups
 * under min_group_size merged into "other", never shown alone, and never derivable from
 * what is shown: see survey_breakdown_plan), and compared with the previous survey of the
 * same kind when the caller may read it. Pure: no I/O. */

#include <jansson.h>

/* The counts of one survey (rows of survey_counts), arranged by group. */
struct survey_tallies {
  json_t *all;    /* {question: {value: count}} over every response */
  json_t *groups; /* {field: {group value: {question: {value: count}}}} */
  json_t *sizes;  /* {field: {group value: responses}} */
};
void survey_tallies_init(struct survey_tallies *t);
void survey_tallies_free(struct survey_tallies *t);
/* One row: question "" counts responses, field "" the whole survey. */
void survey_tallies_add(struct survey_tallies *t, const char *question, const char *field, const char *group,
                        const char *value, long long count);

struct survey_of_results {
  long long id;
  const char *status;
  long long responses;
  const json_t *questions, *fields; /* the definition */
  double target_mean;
  long long min_group_size;
};

/* The previous closed survey of the same kind: id 0 when there is none. means: {question
 * key: mean (number, numeric text) or null} of its scale questions. not_readable: there is
 * one, but the caller may not read it (zsz_survey_readable): no comparison then, and the
 * results say why (comparison_omitted "not_readable"); id, year and means are not used. */
struct survey_previous {
  long long id, year;
  const json_t *means;
  int not_readable;
};

/* One respondent group of a breakdown, for survey_breakdown_plan. */
struct breakdown_group {
  const char *value; /* the field's value ("other" may be one too) */
  long long responses;
  int merged; /* set by the plan: 1 when counted in "other" instead of shown alone */
};

enum breakdown_other {
  OTHER_NONE,      /* nothing merged: no "other" group */
  OTHER_SHOWN,     /* "other" is shown: it holds two groups or more, min_group_size responses or more */
  OTHER_SUPPRESSED /* even every group together fails that: "other" is left out, so is every group */
};

/* Which groups of one breakdown are shown alone (primary and secondary suppression). A group
 * under min_group_size is merged into "other" (so is a group whose value is "other"). When
 * "other" then holds one of those small groups but fewer than two groups or fewer than
 * min_group_size responses, the next smallest group is merged too (ties: the value first in
 * byte order), and again, until it holds enough; when every group together does not, "other"
 * is not shown either. So no figure of a small group is shown, nor follows from subtracting
 * the groups shown from the totals: what the totals hold beyond the groups shown is "other"
 * (shown or not) and the responses that left the field unanswered. */
enum breakdown_other survey_breakdown_plan(struct breakdown_group *groups, size_t n, long long min_group_size);

/* The SurveyResults document (new reference). */
json_t *survey_results_json(const struct survey_of_results *s, const struct survey_tallies *t,
                            const struct survey_previous *prev);

#endif
