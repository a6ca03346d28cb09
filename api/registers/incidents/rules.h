#ifndef ZSZ_INCIDENTS_RULES_H
#define ZSZ_INCIDENTS_RULES_H
/* The incident register's rules that need no database: body shapes and the workflow. */

#include "validate.h"
#include "workflow.h"

/* What any employee may report; the IOD may also send the fields from FIRST_IOD_FIELD on. */
extern const struct field_spec INCIDENT_FIELDS[];
#define FIRST_IOD_FIELD 9
/* The sections and their items, checked by incident_check.c (names "outer.inner"). */
extern const struct field_spec EVIDENCE_FIELDS[];
extern const struct field_spec SUPPLEMENT_FIELDS[];
extern const struct field_spec BREACH_FIELDS[];
extern const struct field_spec KSC_FIELDS[];
extern const struct field_spec TIMELINE_FIELDS[];
/* A transition body: {"to", "reason"} and what the resolving and closing steps bring. */
extern const struct field_spec TRANSITION_FIELDS[];
extern const struct field_spec DEADLINE_RULE_FIELDS[];
extern const struct workflow INCIDENT_WORKFLOW;

#endif
