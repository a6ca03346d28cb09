/* The routes of objectives, indicators and readings. Query parameters come from the contract. */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"
#include "rules.h"

#define ANY ROLE_ANY
#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define OWNER ROLE_PROCESS_OWNER
#define INT ROLE_INTEGRATION
#define WRITE "objectives:write"
#define OBJECTIVE_404                                                                                                  \
  { MSG_NOT_FOUND_OBJECTIVE }
#define REVISION_404                                                                                                   \
  { MSG_NOT_FOUND_OBJECTIVE, MSG_NOT_FOUND_REVISION }
#define INDICATOR_404                                                                                                  \
  { MSG_NOT_FOUND_INDICATOR }
#define READING_404                                                                                                    \
  { MSG_NOT_FOUND_INDICATOR, MSG_NOT_FOUND_READING }

static struct route ROUTES_OF_OBJECTIVES[] = {
    {.method = "GET",
     .path = "/api/v1/objectives",
     .roles = ANY,
     .flags = ROUTE_REPLICA,
     .paged = 1,
     .work = objective_list},
    /* the body is checked by the work: its due date against its year comes back with the
     * shape errors, all at once */
    {.method = "POST",
     .path = "/api/v1/objectives",
     .roles = P | INT,
     .scope = WRITE,
     .flags = ROUTE_BODY,
     .work = objective_create},
    /* one statement per format: no snapshot needed */
    {.method = "GET",
     .path = "/api/v1/objectives/report",
     .roles = ANY,
     .flags = ROUTE_CSV | ROUTE_REPLICA,
     .work = objective_report},
    {.method = "GET",
     .path = "/api/v1/objectives/{id}",
     .roles = ANY,
     .not_found = OBJECTIVE_404,
     .work = objective_get},
    {.method = "PATCH",
     .path = "/api/v1/objectives/{id}",
     .roles = P | INT,
     .scope = WRITE,
     .flags = ROUTE_BODY,
     .not_found = OBJECTIVE_404,
     .if_match = IF_MATCH_REQUIRED,
     .body = OBJECTIVE_FIELDS,
     .body_mode = VALIDATE_PATCH,
     .work = objective_update},
    /* which of the two may take which step: OBJECTIVE_WORKFLOW (rules.c); the body carries an
     * outcome besides {to, reason} */
    {.method = "POST",
     .path = "/api/v1/objectives/{id}/transitions",
     .roles = P | PR,
     .flags = ROUTE_BODY,
     .not_found = OBJECTIVE_404,
     .if_match = IF_MATCH_OPTIONAL,
     .body = OBJECTIVE_TRANSITION_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = objective_transition},
    {.method = "GET",
     .path = "/api/v1/objectives/{id}/approvals",
     .roles = ANY,
     .flags = ROUTE_SNAPSHOT,
     .not_found = OBJECTIVE_404,
     .paged = 1,
     .work = objective_approval_list},
    {.method = "GET",
     .path = "/api/v1/objectives/{id}/revisions",
     .roles = ANY,
     .flags = ROUTE_SNAPSHOT,
     .not_found = OBJECTIVE_404,
     .paged = 1,
     .work = revision_list},
    /* the body is checked by the work: each change is reported as changes.<field> together
     * with the body's own errors */
    {.method = "POST",
     .path = "/api/v1/objectives/{id}/revisions",
     .roles = P,
     .flags = ROUTE_BODY,
     .not_found = OBJECTIVE_404,
     .work = revision_create},
    {.method = "GET",
     .path = "/api/v1/objectives/{id}/revisions/{rev_id}",
     .roles = ANY,
     .not_found = REVISION_404,
     .work = revision_get},
    {.method = "POST",
     .path = "/api/v1/objectives/{id}/revisions/{rev_id}/transitions",
     .roles = PR,
     .flags = ROUTE_BODY,
     .not_found = REVISION_404,
     .if_match = IF_MATCH_OPTIONAL,
     .workflow = &OBJECTIVE_REVISION_WORKFLOW,
     .work = revision_transition},
    {.method = "GET",
     .path = "/api/v1/objectives/{id}/indicators",
     .roles = ANY,
     .flags = ROUTE_SNAPSHOT,
     .not_found = OBJECTIVE_404,
     .paged = 1,
     .work = indicator_list},
    {.method = "POST",
     .path = "/api/v1/objectives/{id}/indicators",
     .roles = P | INT,
     .scope = WRITE,
     .flags = ROUTE_BODY,
     .not_found = OBJECTIVE_404,
     .body = INDICATOR_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = indicator_create},
    {.method = "GET",
     .path = "/api/v1/indicators/{id}",
     .roles = ANY,
     .not_found = INDICATOR_404,
     .work = indicator_get},
    {.method = "PATCH",
     .path = "/api/v1/indicators/{id}",
     .roles = P | INT,
     .scope = WRITE,
     .flags = ROUTE_BODY,
     .not_found = INDICATOR_404,
     .if_match = IF_MATCH_REQUIRED,
     .body = INDICATOR_FIELDS,
     .body_mode = VALIDATE_PATCH,
     .work = indicator_update},
    {.method = "GET",
     .path = "/api/v1/indicators/{id}/readings",
     .roles = ANY,
     .flags = ROUTE_SNAPSHOT,
     .not_found = INDICATOR_404,
     .paged = 1,
     .work = reading_list},
    {.method = "GET",
     .path = "/api/v1/indicators/{id}/readings/{period}",
     .roles = ANY,
     .not_found = READING_404,
     .work = reading_get},
    /* record rule zsz_reading_writer (migrations 0009, 0017): the plenipotentiary, or the
     * indicator's responsible or the objective's process owner, or an integration (admitted
     * here only with objectives:write) */
    {.method = "PUT",
     .path = "/api/v1/indicators/{id}/readings/{period}",
     .roles = P | OWNER | INT,
     .scope = WRITE,
     .flags = ROUTE_BODY,
     .not_found = READING_404,
     .if_match = IF_MATCH_OPTIONAL,
     .body = READING_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = reading_put},
    {.method = "POST",
     .path = "/api/v1/indicators/{id}/readings/{period}/lock",
     .roles = P,
     .not_found = READING_404,
     .work = reading_lock},
};

const struct zsz_register OBJECTIVES_REGISTER = {
    .name = "objectives",
    .routes = ROUTES_OF_OBJECTIVES,
    .nroutes = sizeof ROUTES_OF_OBJECTIVES / sizeof ROUTES_OF_OBJECTIVES[0],
};
