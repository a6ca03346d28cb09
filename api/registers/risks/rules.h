#ifndef ZSZ_RISKS_RULES_H
#define ZSZ_RISKS_RULES_H
/* The risk register's rules that need no database: body shapes, the workflow, the matrix's
 * consistency, an assessment against the current matrix's scales, control mechanisms. Who
 * may act on a given risk is the database's answer (zsz_risk_manages, zsz_risk_may_accept:
 * migration 0015), given to the workflow as the relation bit below. Pure. */

#include <jansson.h>

#include "validate.h"
#include "workflow.h"

/* The caller manages the risk (its owner, the plenipotentiary, the IOD for information security). */
#define RISK_MANAGER (1u << 8)

extern const struct workflow RISK_WORKFLOW;
extern const struct field_spec RISK_MATRIX_FIELDS[];
extern const struct field_spec RISK_FIELDS[];
extern const struct field_spec RISK_PATCH_FIELDS[];
extern const struct field_spec RISK_TRANSITION_FIELDS[];
extern const struct field_spec RISK_ASSESSMENT_FIELDS[];
extern const struct field_spec RISK_TREATMENT_FIELDS[];
extern const struct field_spec RISK_ACTION_FIELDS[];
extern const struct field_spec RISK_ACTION_PATCH_FIELDS[];
extern const struct field_spec RISK_ACCEPTANCE_FIELDS[];
extern const struct field_spec RISK_REVIEW_FIELDS[];

/* A matrix body that passed RISK_MATRIX_FIELDS: each level {name, description}, 3 to 5 per
 * scale; the four bands low, medium, high, critical in order, up_to rising to the highest
 * level (likelihood levels x impact levels), colours #RRGGBB; the appetite a level of the
 * matrix. Appends errors; returns how many. */
int risk_matrix_check(const json_t *body, json_t *errors);

/* An assessment body that passed RISK_ASSESSMENT_FIELDS against the current matrix's scales
 * (likelihood_levels, impact_levels): every value within its scale, the residual level not
 * above the inherent one. Appends errors; returns how many. */
int risk_assessment_check(const json_t *body, int likelihood_levels, int impact_levels, json_t *errors);

/* The control mechanisms of a treatment body: each {description, state (existing, planned),
 * annex_a (Annex A identifiers, e.g. "A.8.13")}. Appends errors; returns how many. */
int risk_controls_check(const json_t *controls, json_t *errors);

/* Validates item against spec as the member prefix (e.g. "bands[2]"): errors name
 * "prefix.field". Returns how many were appended. */
int nested_check(const json_t *item, const struct field_spec *spec, const char *prefix, json_t *errors);

#endif
