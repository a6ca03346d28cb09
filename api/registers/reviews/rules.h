#ifndef ZSZ_REVIEWS_RULES_H
#define ZSZ_REVIEWS_RULES_H
/* The review register's rules that need no database: body shapes, the workflow, and the
 * checks of a review body. Who may read or write a review is a record rule in SQL
 * (zsz_review_reader, zsz_review_writer: migration 0009). */

#include <jansson.h>

#include "validate.h"
#include "workflow.h"

extern const struct field_spec REVIEW_FIELDS[];
extern const struct field_spec REVIEW_ACTION_FIELDS[];
extern const struct workflow REVIEW_WORKFLOW;

/* A review body (create or patch), its improvement actions included, every problem at once
 * (actions as improvement_actions[i].<field>). Appends to errors. */
void review_check(const json_t *body, enum validate_mode mode, json_t *errors);

/* A copy of a valid review body (owned by the caller) whose actions have every field, with
 * the defaults the contract documents; NULL when out of memory. */
json_t *review_with_defaults(const json_t *body);

#endif
