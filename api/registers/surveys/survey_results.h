#ifndef ZSZ_SURVEY_RESULTS_H
#define ZSZ_SURVEY_RESULTS_H
/* A survey's results from its aggregate counts: per question, per respondent group (groups
 * under min_group_size merged into "other", never shown alone), and compared with the
 * previous survey of the same kind. Pure: no I/O. */

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
 * key: mean (number, numeric text) or null} of its scale questions. */
struct survey_previous {
  long long id, year;
  const json_t *means;
};

/* The SurveyResults document (new reference). */
json_t *survey_results_json(const struct survey_of_results *s, const struct survey_tallies *t,
                            const struct survey_previous *prev);

#endif
