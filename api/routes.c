#include <string.h>

#include "auth.h"
#include "handlers.h"
#include "routes.h"

#define ANY ROLE_ANY
#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define OWNER ROLE_PROCESS_OWNER
#define AUD ROLE_AUDITOR
#define IOD ROLE_IOD

const struct route ROUTES[] = {
    {"GET", "/healthz", 0, ROUTE_PUBLIC, healthz_get},
    {"GET", "/readyz", 0, ROUTE_PUBLIC, readyz_get},
    {"GET", "/metrics", 0, ROUTE_PUBLIC, metrics_get},
    {"GET", "/openapi.json", 0, ROUTE_PUBLIC, openapi_get},

    {"GET", "/api/v1/me", ANY, 0, me_get},
    {"GET", "/api/v1/organisation", ANY, 0, organisation_get},

    {"GET", "/api/v1/users", ANY, 0, user_list},
    {"GET", "/api/v1/users/{sub}", ANY, 0, user_get},
    {"PATCH", "/api/v1/users/{sub}", P, ROUTE_BODY, user_update},

    {"GET", "/api/v1/org-units", ANY, 0, org_unit_list},
    {"POST", "/api/v1/org-units", P, ROUTE_BODY, org_unit_create},
    {"GET", "/api/v1/org-units/{id}", ANY, 0, org_unit_get},
    {"PATCH", "/api/v1/org-units/{id}", P, ROUTE_BODY, org_unit_update},

    {"GET", "/api/v1/processes", ANY, 0, process_list},
    {"POST", "/api/v1/processes", P, ROUTE_BODY, process_create},
    {"GET", "/api/v1/processes/{id}", ANY, 0, process_get},
    {"PATCH", "/api/v1/processes/{id}", P, ROUTE_BODY, process_update},
    {"DELETE", "/api/v1/processes/{id}", P, 0, process_retire},
    {"POST", "/api/v1/processes/{id}/transitions", P, ROUTE_BODY, process_transition},
    {"GET", "/api/v1/processes/{id}/versions", ANY, 0, process_version_list},
    {"GET", "/api/v1/processes/{id}/change-requests", ANY, 0, change_request_list},
    /* record rule: only the owner of the process (checked in the handler) */
    {"POST", "/api/v1/processes/{id}/change-requests", OWNER, ROUTE_BODY, change_request_create},
    {"GET", "/api/v1/processes/{id}/change-requests/{cr_id}", ANY, 0, change_request_get},
    {"POST", "/api/v1/processes/{id}/change-requests/{cr_id}/transitions", P, ROUTE_BODY, change_request_transition},

    {"GET", "/api/v1/processes/{id}/reviews", ANY, 0, review_list},
    /* record rule for reviews: the process's owner writes; readers per reviews.c */
    {"POST", "/api/v1/processes/{id}/reviews", OWNER, ROUTE_BODY, review_create},
    {"GET", "/api/v1/processes/{id}/reviews/{review_id}", ANY, 0, review_get},
    {"PATCH", "/api/v1/processes/{id}/reviews/{review_id}", OWNER, ROUTE_BODY, review_update},
    {"POST", "/api/v1/processes/{id}/reviews/{review_id}/transitions", OWNER | P, ROUTE_BODY, review_transition},
    {"GET", "/api/v1/process-reviews", P | PR | AUD, 0, process_review_overview},

    {"GET", "/api/v1/objectives", ANY, 0, objective_list},
    {"POST", "/api/v1/objectives", P, ROUTE_BODY, objective_create},
    {"GET", "/api/v1/objectives/report", ANY, 0, objective_report},
    {"GET", "/api/v1/objectives/{id}", ANY, 0, objective_get},
    {"PATCH", "/api/v1/objectives/{id}", P, ROUTE_BODY, objective_update},
    /* which of the two may take which step: the workflow table in objectives.c */
    {"POST", "/api/v1/objectives/{id}/transitions", P | PR, ROUTE_BODY, objective_transition},
    {"GET", "/api/v1/objectives/{id}/approvals", ANY, 0, objective_approval_list},
    {"GET", "/api/v1/objectives/{id}/revisions", ANY, 0, revision_list},
    {"POST", "/api/v1/objectives/{id}/revisions", P, ROUTE_BODY, revision_create},
    {"GET", "/api/v1/objectives/{id}/revisions/{rev_id}", ANY, 0, revision_get},
    {"POST", "/api/v1/objectives/{id}/revisions/{rev_id}/transitions", PR, ROUTE_BODY, revision_transition},
    {"GET", "/api/v1/objectives/{id}/indicators", ANY, 0, indicator_list},
    {"POST", "/api/v1/objectives/{id}/indicators", P, ROUTE_BODY, indicator_create},
    {"GET", "/api/v1/indicators/{id}", ANY, 0, indicator_get},
    {"PATCH", "/api/v1/indicators/{id}", P, ROUTE_BODY, indicator_update},
    {"GET", "/api/v1/indicators/{id}/readings", ANY, 0, reading_list},
    {"GET", "/api/v1/indicators/{id}/readings/{period}", ANY, 0, reading_get},
    /* record rule: the indicator's responsible or the objective's process owner (indicators.c) */
    {"PUT", "/api/v1/indicators/{id}/readings/{period}", P | OWNER, ROUTE_BODY, reading_put},
    {"POST", "/api/v1/indicators/{id}/readings/{period}/lock", P, 0, reading_lock},

    /* record rule for incidents: who sees what is decided per record (incidents.c) */
    {"GET", "/api/v1/incidents", ANY, 0, incident_list},
    /* every employee may report an incident (the reporter sees its own reports only) */
    {"POST", "/api/v1/incidents", ANY, ROUTE_BODY, incident_create},
    {"GET", "/api/v1/incidents/breach-register", IOD | PR, 0, breach_register},
    {"GET", "/api/v1/incidents/stats", IOD | PR | P, 0, incident_stats},
    {"GET", "/api/v1/incidents/{id}", ANY, 0, incident_get},
    {"PATCH", "/api/v1/incidents/{id}", IOD, ROUTE_BODY, incident_update},
    {"POST", "/api/v1/incidents/{id}/transitions", IOD, ROUTE_BODY, incident_transition},
    {"GET", "/api/v1/incidents/{id}/timeline", IOD | PR, 0, timeline_list},
    {"POST", "/api/v1/incidents/{id}/timeline", IOD, ROUTE_BODY, timeline_create},
    {"GET", "/api/v1/deadline-rules", IOD, 0, deadline_rules_get},
    {"PUT", "/api/v1/deadline-rules", IOD, ROUTE_BODY, deadline_rules_put},

    {"GET", "/api/v1/surveys", P | PR | OWNER, 0, survey_list},
    {"POST", "/api/v1/surveys", P, ROUTE_BODY, survey_create},
    /* record rule for surveys: a process owner reads those concerning its processes */
    {"GET", "/api/v1/surveys/{id}", P | PR | OWNER, 0, survey_get},
    {"PATCH", "/api/v1/surveys/{id}", P, ROUTE_BODY, survey_update},
    {"POST", "/api/v1/surveys/{id}/transitions", P, ROUTE_BODY, survey_transition},
    {"POST", "/api/v1/surveys/{id}/access-codes", P, ROUTE_BODY, access_codes_create},
    {"POST", "/api/v1/surveys/{id}/responses/import", P, ROUTE_RAW_BODY, responses_import},
    {"GET", "/api/v1/surveys/{id}/results", P | PR | OWNER, 0, survey_results},
    {"GET", "/api/v1/surveys/{id}/results/texts", P, 0, survey_result_texts},
    /* anonymous: no token, limited per client address */
    {"GET", "/api/v1/public/surveys/{public_id}", 0, ROUTE_PUBLIC | ROUTE_RATE_LIMITED, public_survey_get},
    {"POST", "/api/v1/public/surveys/{public_id}/responses", 0, ROUTE_PUBLIC | ROUTE_RATE_LIMITED | ROUTE_BODY,
     public_response_create},

    {"GET", "/api/v1/auditor-appointments", P | PR | AUD, 0, appointment_list},
    {"POST", "/api/v1/auditor-appointments", P, ROUTE_BODY, appointment_create},
    /* record rule: an auditor reads its own appointments */
    {"GET", "/api/v1/auditor-appointments/{id}", P | PR | AUD, 0, appointment_get},
    {"PATCH", "/api/v1/auditor-appointments/{id}", P, ROUTE_BODY, appointment_update},
    {"POST", "/api/v1/auditor-appointments/{id}/transitions", PR, ROUTE_BODY, appointment_transition},
    {"GET", "/api/v1/audit-programmes/{year}", P | PR | IOD | AUD, 0, programme_get},
    {"PUT", "/api/v1/audit-programmes/{year}", P | IOD, ROUTE_BODY, programme_put},
    {"POST", "/api/v1/audit-programmes/{year}/transitions", P | IOD | PR, ROUTE_BODY, programme_transition},
    {"GET", "/api/v1/audit-programmes/{year}/versions/{version}", P | PR | IOD | AUD, 0, programme_version_get},
    /* record rules for audits: audits.c (readers, the lead auditor's steps, the IOD's kind) */
    {"GET", "/api/v1/audits", P | PR | IOD | AUD | OWNER, 0, audit_list},
    {"POST", "/api/v1/audits", P | IOD, ROUTE_BODY, audit_create},
    {"GET", "/api/v1/audits/{id}", P | PR | IOD | AUD | OWNER, 0, audit_get},
    {"PATCH", "/api/v1/audits/{id}", P | IOD, ROUTE_BODY, audit_update},
    {"POST", "/api/v1/audits/{id}/transitions", P | IOD | AUD, ROUTE_BODY, audit_transition},
    {"GET", "/api/v1/audits/{id}/findings", P | PR | IOD | AUD | OWNER, 0, finding_list},
    {"POST", "/api/v1/audits/{id}/findings", AUD, ROUTE_BODY, finding_create},
    {"GET", "/api/v1/audits/{id}/findings/{finding_id}", P | PR | IOD | AUD | OWNER, 0, finding_get},
    /* record rules for nonconformities: nonconformities.c (readers, owner, evaluator) */
    {"GET", "/api/v1/nonconformities", ANY, 0, nonconformity_list},
    {"POST", "/api/v1/nonconformities", P | OWNER, ROUTE_BODY, nonconformity_create},
    {"GET", "/api/v1/nonconformities/stats", P | PR, 0, nonconformity_stats},
    {"GET", "/api/v1/nonconformities/{id}", ANY, 0, nonconformity_get},
    {"PATCH", "/api/v1/nonconformities/{id}", P | OWNER, ROUTE_BODY, nonconformity_update},
    {"POST", "/api/v1/nonconformities/{id}/transitions", P | OWNER | AUD, ROUTE_BODY, nonconformity_transition},
    {"GET", "/api/v1/nonconformities/{id}/actions", ANY, 0, action_list},
    {"POST", "/api/v1/nonconformities/{id}/actions", P | OWNER, ROUTE_BODY, action_create},
    /* the person responsible for an action marks it done, whatever its role */
    {"GET", "/api/v1/nonconformities/{id}/actions/{action_id}", ANY, 0, action_get},
    {"PATCH", "/api/v1/nonconformities/{id}/actions/{action_id}", ANY, ROUTE_BODY, action_update},

    {"GET", "/api/v1/changes", P | PR, 0, change_list},
};

const size_t ROUTE_COUNT = sizeof ROUTES / sizeof ROUTES[0];

int route_path_matches(const char *pattern, const char *path) {
  while (*pattern && *path) {
    if (*pattern == '{') {
      const char *close = strchr(pattern, '}');
      if (close == NULL || *path == '/') {
        return 0;
      }
      pattern = close + 1;
      while (*path && *path != '/')
        path++;
      continue;
    }
    if (*pattern != *path) {
      return 0;
    }
    pattern++;
    path++;
  }
  /* a trailing slash on the request names the same resource */
  if (*path == '/' && path[1] == '\0') {
    path++;
  }
  return *pattern == '\0' && *path == '\0';
}
