#ifndef ZSZ_HANDLERS_H
#define ZSZ_HANDLERS_H
/* HTTP callbacks of every resource; the route table binds them. */

struct req_ctx;

/* ops.c-like endpoints live in server.c */
void healthz_get(struct req_ctx *c);
void readyz_get(struct req_ctx *c);
void metrics_get(struct req_ctx *c);
void openapi_get(struct req_ctx *c);

/* me.c */
void me_get(struct req_ctx *c);
void organisation_get(struct req_ctx *c);

/* users.c */
void user_list(struct req_ctx *c);
void user_get(struct req_ctx *c);
void user_update(struct req_ctx *c);

/* org_units.c */
void org_unit_list(struct req_ctx *c);
void org_unit_create(struct req_ctx *c);
void org_unit_get(struct req_ctx *c);
void org_unit_update(struct req_ctx *c);

/* processes.c */
void process_list(struct req_ctx *c);
void process_create(struct req_ctx *c);
void process_get(struct req_ctx *c);
void process_update(struct req_ctx *c);
void process_retire(struct req_ctx *c);
void process_transition(struct req_ctx *c);
void process_version_list(struct req_ctx *c);
void change_request_list(struct req_ctx *c);
void change_request_create(struct req_ctx *c);
void change_request_get(struct req_ctx *c);
void change_request_transition(struct req_ctx *c);

/* objectives.c */
void objective_list(struct req_ctx *c);
void objective_create(struct req_ctx *c);
void objective_report(struct req_ctx *c);
void objective_get(struct req_ctx *c);
void objective_update(struct req_ctx *c);
void objective_transition(struct req_ctx *c);
void objective_approval_list(struct req_ctx *c);
void revision_list(struct req_ctx *c);
void revision_create(struct req_ctx *c);
void revision_get(struct req_ctx *c);
void revision_transition(struct req_ctx *c);

/* indicators.c */
void indicator_list(struct req_ctx *c);
void indicator_create(struct req_ctx *c);
void indicator_get(struct req_ctx *c);
void indicator_update(struct req_ctx *c);
void reading_list(struct req_ctx *c);
void reading_get(struct req_ctx *c);
void reading_put(struct req_ctx *c);
void reading_lock(struct req_ctx *c);

/* reviews.c */
void review_list(struct req_ctx *c);
void review_create(struct req_ctx *c);
void review_get(struct req_ctx *c);
void review_update(struct req_ctx *c);
void review_transition(struct req_ctx *c);
void process_review_overview(struct req_ctx *c);

/* incidents.c */
void incident_list(struct req_ctx *c);
void incident_create(struct req_ctx *c);
void breach_register(struct req_ctx *c);
void incident_stats(struct req_ctx *c);
void incident_get(struct req_ctx *c);
void incident_update(struct req_ctx *c);
void incident_transition(struct req_ctx *c);
void timeline_list(struct req_ctx *c);
void timeline_create(struct req_ctx *c);
void deadline_rules_get(struct req_ctx *c);
void deadline_rules_put(struct req_ctx *c);

/* surveys.c */
void survey_list(struct req_ctx *c);
void survey_create(struct req_ctx *c);
void survey_get(struct req_ctx *c);
void survey_update(struct req_ctx *c);
void survey_transition(struct req_ctx *c);
void access_codes_create(struct req_ctx *c);
void responses_import(struct req_ctx *c);
void survey_results(struct req_ctx *c);
void survey_result_texts(struct req_ctx *c);
void public_survey_get(struct req_ctx *c);
void public_response_create(struct req_ctx *c);
/* Closes open surveys past closes_at in every organisation (and feeds their indicators). */
void surveys_close_due(void);

/* audits.c */
void appointment_list(struct req_ctx *c);
void appointment_create(struct req_ctx *c);
void appointment_get(struct req_ctx *c);
void appointment_update(struct req_ctx *c);
void appointment_transition(struct req_ctx *c);
void programme_get(struct req_ctx *c);
void programme_put(struct req_ctx *c);
void programme_transition(struct req_ctx *c);
void programme_version_get(struct req_ctx *c);
void audit_list(struct req_ctx *c);
void audit_create(struct req_ctx *c);
void audit_get(struct req_ctx *c);
void audit_update(struct req_ctx *c);
void audit_transition(struct req_ctx *c);
void finding_list(struct req_ctx *c);
void finding_create(struct req_ctx *c);
void finding_get(struct req_ctx *c);

/* nonconformities.c */
void nonconformity_list(struct req_ctx *c);
void nonconformity_create(struct req_ctx *c);
void nonconformity_stats(struct req_ctx *c);
void nonconformity_get(struct req_ctx *c);
void nonconformity_update(struct req_ctx *c);
void nonconformity_transition(struct req_ctx *c);
void action_list(struct req_ctx *c);
void action_create(struct req_ctx *c);
void action_get(struct req_ctx *c);
void action_update(struct req_ctx *c);

/* changes.c */
void change_list(struct req_ctx *c);

#endif
