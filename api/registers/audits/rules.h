#ifndef ZSZ_AUDITS_RULES_H
#define ZSZ_AUDITS_RULES_H
/* The audit register's rules that need no database: body shapes, workflows, and the checks
 * of a body on its own (clauses, dates in the year, the lead in the team). Record rules that
 * decide on rows (who reads, the lead auditor's steps, the IOD's kind, appointment readers)
 * are SQL functions of migration 0012. */

#include <jansson.h>

#include "validate.h"
#include "workflow.h"

extern const struct workflow APPOINTMENT_WORKFLOW;
extern const struct workflow PROGRAMME_WORKFLOW;
/* Its auditor steps are the lead auditor's and its IOD steps only on information-security
 * audits: the work passes the roles zsz_audit_step_roles() leaves for the audit. */
extern const struct workflow AUDIT_WORKFLOW;

extern const struct field_spec APPOINTMENT_FIELDS[];
extern const struct field_spec PROGRAMME_FIELDS[];
extern const struct field_spec AUDIT_FIELDS[];
extern const struct field_spec AUDIT_TRANSITION_FIELDS[];

/* from and to (either NULL when not known) fall in year, from not after to; each problem is
 * appended to errors naming from_key or to_key. */
void dates_in_year_check(json_t *errors, const char *from_key, const char *from, const char *to_key, const char *to,
                         long long year);

/* An appointment body's shape (mode) and its qualifications not empty. */
void appointment_body_check(const json_t *body, enum validate_mode mode, json_t *errors);

/* An audit as it will be (a valid AuditCreate shape): criteria in the clause list, a team, a
 * scope, the lead in the team, the dates in the year. */
void audit_body_rules(const json_t *audit, json_t *errors);

/* The report of in_progress -> reported (fields named "report", "report.summary"...). */
void audit_report_check(const json_t *report, json_t *errors);

/* A finding body: its shape, the clause in the list, the evidence and its documents (fields
 * named "evidence.documents[0].znak_sprawy"...). */
void finding_body_check(const json_t *body, json_t *errors);

#endif
