#ifndef ZSZ_OBJECTIVES_RULES_H
#define ZSZ_OBJECTIVES_RULES_H
/* The objective register's rules that need no database: body shapes, workflows, and the
 * checks a body (or a body over the record's current values) can be judged on alone. */

#include <jansson.h>

#include "validate.h"
#include "workflow.h"

extern const struct field_spec OBJECTIVE_FIELDS[];
extern const struct field_spec OBJECTIVE_TRANSITION_FIELDS[];
extern const struct field_spec OBJECTIVE_REVISION_FIELDS[];
extern const struct field_spec OBJECTIVE_REVISION_CHANGE_FIELDS[];
extern const struct field_spec INDICATOR_FIELDS[];
extern const struct field_spec READING_FIELDS[];
extern const struct workflow OBJECTIVE_WORKFLOW;
extern const struct workflow OBJECTIVE_REVISION_WORKFLOW;

/* Fields an objective keeps once proposed: changed only in draft, or through a revision
 * (NULL-terminated). */
extern const char *const OBJECTIVE_FROZEN_AFTER_DRAFT[];

/* due_date ("YYYY-MM-DD" or NULL) may not lie before 1 January of year: appends an error on
 * "due_date" otherwise. */
void objective_check_due_date(json_t *errors, const char *due_date, long long year);

/* A new objective's body: its shape and its due date against its year, every problem at once. */
void objective_check_create(const json_t *body, json_t *errors);

/* A revision's body: its shape, each change as "changes.<field>", and at least one change. */
void objective_check_revision(const json_t *body, json_t *errors);

/* Decimal fields of an indicator body (NULL-terminated), and of a reading's. */
extern const char *const INDICATOR_DECIMAL_FIELDS[];
extern const char *const READING_DECIMAL_FIELDS[];

/* A copy of body (owned by the caller) whose decimal fields are canonical strings, so SQL
 * reads exact text; NULL when out of memory. */
json_t *decimals_canonical(const json_t *body, const char *const *fields);

/* An indicator as it is or will be: what the target and source rules look at. Strings are
 * borrowed; NULL is SQL NULL (or JSON null). Decimals are canonical text. */
struct indicator_shape {
  const char *direction, *baseline, *target, *target_min, *target_max;
  const char *source, *survey_kind, *survey_question;
};

/* Overlays the fields body sends (a value, or null as NULL) on shape. */
void indicator_shape_take(struct indicator_shape *shape, const json_t *body);
/* The target rules of the direction, and the survey source rules: appends errors. */
void indicator_check(const struct indicator_shape *shape, json_t *errors);

#endif
