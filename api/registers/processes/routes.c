/* The routes of the process register. Query parameters come from the contract. */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"
#include "rules.h"

#define ANY ROLE_ANY
#define P ROLE_PLENIPOTENTIARY
#define OWNER ROLE_PROCESS_OWNER
#define INT ROLE_INTEGRATION
#define WRITE "processes:write"
#define PROCESS_404                                                                                                    \
  { MSG_NOT_FOUND_PROCESS }
#define CR_404                                                                                                         \
  { MSG_NOT_FOUND_PROCESS, MSG_NOT_FOUND_CHANGE_REQUEST }

static struct route ROUTES_OF_PROCESSES[] = {
    {.method = "GET",
     .path = "/api/v1/processes",
     .roles = ANY,
     .flags = ROUTE_REPLICA,
     .paged = 1,
     .work = process_list},
    /* the body is checked by the work: the code against the organisation's scheme and the
     * references come back with the shape errors, all at once */
    {.method = "POST",
     .path = "/api/v1/processes",
     .roles = P | INT,
     .scope = WRITE,
     .flags = ROUTE_BODY,
     .work = process_create},
    {.method = "GET", .path = "/api/v1/processes/{id}", .roles = ANY, .not_found = PROCESS_404, .work = process_get},
    {.method = "PATCH",
     .path = "/api/v1/processes/{id}",
     .roles = P | INT,
     .scope = WRITE,
     .flags = ROUTE_BODY,
     .not_found = PROCESS_404,
     .if_match = IF_MATCH_REQUIRED,
     .work = process_update},
    {.method = "DELETE",
     .path = "/api/v1/processes/{id}",
     .roles = P,
     .not_found = PROCESS_404,
     .if_match = IF_MATCH_OPTIONAL,
     .work = process_retire},
    {.method = "POST",
     .path = "/api/v1/processes/{id}/transitions",
     .roles = P,
     .flags = ROUTE_BODY,
     .not_found = PROCESS_404,
     .if_match = IF_MATCH_OPTIONAL,
     .workflow = &PROCESS_WORKFLOW,
     .work = process_transition},
    {.method = "GET",
     .path = "/api/v1/processes/{id}/versions",
     .roles = ANY,
     .flags = ROUTE_SNAPSHOT,
     .not_found = PROCESS_404,
     .paged = 1,
     .work = process_version_list},
    {.method = "GET",
     .path = "/api/v1/processes/{id}/change-requests",
     .roles = ANY,
     .flags = ROUTE_SNAPSHOT,
     .not_found = PROCESS_404,
     .paged = 1,
     .work = change_request_list},
    /* record rule: only the owner of the process (the work compares it with the caller) */
    {.method = "POST",
     .path = "/api/v1/processes/{id}/change-requests",
     .roles = OWNER,
     .flags = ROUTE_BODY,
     .not_found = PROCESS_404,
     .body = CHANGE_REQUEST_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = change_request_create},
    {.method = "GET",
     .path = "/api/v1/processes/{id}/change-requests/{cr_id}",
     .roles = ANY,
     .not_found = CR_404,
     .work = change_request_get},
    {.method = "POST",
     .path = "/api/v1/processes/{id}/change-requests/{cr_id}/transitions",
     .roles = P,
     .flags = ROUTE_BODY,
     .not_found = CR_404,
     .if_match = IF_MATCH_OPTIONAL,
     .workflow = &CHANGE_REQUEST_WORKFLOW,
     .work = change_request_transition},
};

const struct zsz_register PROCESSES_REGISTER = {
    .name = "processes",
    .routes = ROUTES_OF_PROCESSES,
    .nroutes = sizeof ROUTES_OF_PROCESSES / sizeof ROUTES_OF_PROCESSES[0],
};
