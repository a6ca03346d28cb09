/* The routes of internal audits: appointments, programmes, audits, findings. Query parameters
 * come from the contract; record rules are SQL functions (migration 0012). */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"
#include "rules.h"

#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define OWNER ROLE_PROCESS_OWNER
#define AUD ROLE_AUDITOR
#define IOD ROLE_IOD
#define AUDIT_READERS (P | PR | IOD | AUD | OWNER)
#define APPOINTMENT_404                                                                                                \
  { MSG_NOT_FOUND_APPOINTMENT }
#define PROGRAMME_404                                                                                                  \
  { MSG_NOT_FOUND_PROGRAMME }
#define VERSION_404                                                                                                    \
  { MSG_NOT_FOUND_PROGRAMME, MSG_NOT_FOUND_VERSION }
#define AUDIT_404                                                                                                      \
  { MSG_NOT_FOUND_AUDIT }
#define FINDING_404                                                                                                    \
  { MSG_NOT_FOUND_AUDIT, MSG_NOT_FOUND_FINDING }

static struct route ROUTES_OF_AUDITS[] = {
    /* record rule: an auditor reads its own appointments (zsz_appointment_readable) */
    {.method = "GET",
     .path = "/api/v1/auditor-appointments",
     .roles = P | PR | AUD,
     .paged = 1,
     .work = appointment_list},
    /* the body is checked by the work: the qualifications rule comes back with the shape errors */
    {.method = "POST",
     .path = "/api/v1/auditor-appointments",
     .roles = P,
     .flags = ROUTE_BODY,
     .work = appointment_create},
    {.method = "GET",
     .path = "/api/v1/auditor-appointments/{id}",
     .roles = P | PR | AUD,
     .not_found = APPOINTMENT_404,
     .work = appointment_get},
    {.method = "PATCH",
     .path = "/api/v1/auditor-appointments/{id}",
     .roles = P,
     .flags = ROUTE_BODY,
     .not_found = APPOINTMENT_404,
     .if_match = IF_MATCH_REQUIRED,
     .work = appointment_update},
    {.method = "POST",
     .path = "/api/v1/auditor-appointments/{id}/transitions",
     .roles = PR,
     .flags = ROUTE_BODY,
     .not_found = APPOINTMENT_404,
     .if_match = IF_MATCH_OPTIONAL,
     .workflow = &APPOINTMENT_WORKFLOW,
     .work = appointment_transition},
    /* {year}: the contract's 2000..2100, anything else 404 */
    {.method = "GET",
     .path = "/api/v1/audit-programmes/{year}",
     .roles = P | PR | IOD | AUD,
     .flags = ROUTE_CSV | ROUTE_REPLICA,
     .not_found = PROGRAMME_404,
     .work = programme_get},
    {.method = "PUT",
     .path = "/api/v1/audit-programmes/{year}",
     .roles = P | IOD,
     .flags = ROUTE_BODY,
     .not_found = PROGRAMME_404,
     .if_match = IF_MATCH_OPTIONAL,
     .body = PROGRAMME_FIELDS,
     .body_mode = VALIDATE_PATCH,
     .work = programme_put},
    {.method = "POST",
     .path = "/api/v1/audit-programmes/{year}/transitions",
     .roles = P | IOD | PR,
     .flags = ROUTE_BODY,
     .not_found = PROGRAMME_404,
     .if_match = IF_MATCH_OPTIONAL,
     .workflow = &PROGRAMME_WORKFLOW,
     .work = programme_transition},
    {.method = "GET",
     .path = "/api/v1/audit-programmes/{year}/versions/{version}",
     .roles = P | PR | IOD | AUD,
     .not_found = VERSION_404,
     .work = programme_version_get},
    /* record rules for audits: zsz_audit_readable (readers; zsz_audit_reads_all, its part
     * that needs no row, asked first), zsz_audit_may_plan (the IOD's
     * kind), zsz_audit_step_roles (the lead auditor's steps, the IOD's cancel) */
    {.method = "GET",
     .path = "/api/v1/audits",
     .roles = AUDIT_READERS,
     .flags = ROUTE_CSV | ROUTE_REPLICA,
     .paged = 1,
     .work = audit_list},
    {.method = "POST",
     .path = "/api/v1/audits",
     .roles = P | IOD,
     .flags = ROUTE_BODY,
     .body = AUDIT_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = audit_create},
    {.method = "GET", .path = "/api/v1/audits/{id}", .roles = AUDIT_READERS, .not_found = AUDIT_404, .work = audit_get},
    {.method = "PATCH",
     .path = "/api/v1/audits/{id}",
     .roles = P | IOD,
     .flags = ROUTE_BODY,
     .not_found = AUDIT_404,
     .if_match = IF_MATCH_REQUIRED,
     .body = AUDIT_FIELDS,
     .body_mode = VALIDATE_PATCH,
     .work = audit_update},
    /* the body carries a report besides {to, reason}: checked against its own spec */
    {.method = "POST",
     .path = "/api/v1/audits/{id}/transitions",
     .roles = P | IOD | AUD,
     .flags = ROUTE_BODY,
     .not_found = AUDIT_404,
     .if_match = IF_MATCH_OPTIONAL,
     .body = AUDIT_TRANSITION_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = audit_transition},
    {.method = "GET",
     .path = "/api/v1/audits/{id}/findings",
     .roles = AUDIT_READERS,
     .flags = ROUTE_SNAPSHOT,
     .not_found = AUDIT_404,
     .paged = 1,
     .work = finding_list},
    /* record rule: a member of the audit's team; the body is checked by the work (clauses and
     * the evidence's documents come back with the shape errors) */
    {.method = "POST",
     .path = "/api/v1/audits/{id}/findings",
     .roles = AUD,
     .flags = ROUTE_BODY,
     .not_found = AUDIT_404,
     .work = finding_create},
    {.method = "GET",
     .path = "/api/v1/audits/{id}/findings/{finding_id}",
     .roles = AUDIT_READERS,
     .not_found = FINDING_404,
     .work = finding_get},
};

const struct zsz_register AUDITS_REGISTER = {
    .name = "audits",
    .routes = ROUTES_OF_AUDITS,
    .nroutes = sizeof ROUTES_OF_AUDITS / sizeof ROUTES_OF_AUDITS[0],
};
