#ifndef ZSZ_NONCONFORMITIES_RULES_H
#define ZSZ_NONCONFORMITIES_RULES_H
/* The nonconformity register's rules that need no database: body shapes, the workflow, and
 * what a transition's body must say for its step. Who may take a step on a given card is
 * the database's answer (zsz_nc_manages, zsz_nc_evaluates: migration 0013), given to the
 * workflow as the relation bits below. */

#include <jansson.h>

#include "validate.h"
#include "workflow.h"

/* Relations of the caller to one card, beside its role bits (which use bits 0..5): */
#define NC_MANAGER (1u << 8)   /* it manages the card: its owner, or the plenipotentiary */
#define NC_EVALUATOR (1u << 9) /* it may evaluate the card's effectiveness */

extern const struct workflow NC_WORKFLOW;
extern const struct field_spec NC_FIELDS[];
extern const struct field_spec NC_PATCH_FIELDS[];
extern const struct field_spec NC_TRANSITION_FIELDS[];
extern const struct field_spec NC_ACTION_FIELDS[];
extern const struct field_spec NC_ACTION_PATCH_FIELDS[];

/* 1 when from -> to evaluates the effectiveness of the actions (verification -> closed or
 * analysis). */
int nc_step_evaluates(const char *from, const char *to);
/* What an evaluation's body must say (effective true to close, false and a comment to go
 * back to analysis): appends errors. */
void nc_evaluation_errors(const char *to, const json_t *body, json_t *errors);

#endif
