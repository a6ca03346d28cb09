/* The routes of nonconformities and their actions. Query parameters come from the contract.
 * Record rules are SQL functions (migration 0013), applied by the work: who reads a card
 * (zsz_nc_readable; 404 otherwise), who opens one on a process (zsz_nc_may_open), who
 * manages it (zsz_nc_manages: its owner or the plenipotentiary), who evaluates it
 * (zsz_nc_evaluates), who changes an action (zsz_nc_action_may_change: its responsible
 * marks it done). */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"
#include "rules.h"

#define ANY ROLE_ANY
#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define OWNER ROLE_PROCESS_OWNER
#define AUD ROLE_AUDITOR
#define NC_404                                                                                                         \
  { MSG_NOT_FOUND_NONCONFORMITY }
#define ACTION_404                                                                                                     \
  { MSG_NOT_FOUND_NONCONFORMITY, MSG_NOT_FOUND_ACTION }

static struct route ROUTES_OF_NONCONFORMITIES[] = {
    {.method = "GET",
     .path = "/api/v1/nonconformities",
     .roles = ANY,
     .flags = ROUTE_CSV | ROUTE_REPLICA,
     .paged = 1,
     .work = nonconformity_list},
    {.method = "POST",
     .path = "/api/v1/nonconformities",
     .roles = P | OWNER,
     .flags = ROUTE_BODY,
     .body = NC_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = nonconformity_create},
    {.method = "GET",
     .path = "/api/v1/nonconformities/stats",
     .roles = P | PR,
     .flags = ROUTE_REPLICA,
     .work = nonconformity_stats},
    {.method = "GET",
     .path = "/api/v1/nonconformities/{id}",
     .roles = ANY,
     .not_found = NC_404,
     .work = nonconformity_get},
    {.method = "PATCH",
     .path = "/api/v1/nonconformities/{id}",
     .roles = P | OWNER,
     .flags = ROUTE_BODY,
     .not_found = NC_404,
     .if_match = IF_MATCH_REQUIRED,
     .body = NC_PATCH_FIELDS,
     .body_mode = VALIDATE_PATCH,
     .work = nonconformity_update},
    /* the body is {"to", "reason"} with what an evaluation adds (effective, comment), so it
     * is checked against NC_TRANSITION_FIELDS; the work takes NC_WORKFLOW's steps */
    {.method = "POST",
     .path = "/api/v1/nonconformities/{id}/transitions",
     .roles = P | OWNER | AUD,
     .flags = ROUTE_BODY,
     .not_found = NC_404,
     .if_match = IF_MATCH_OPTIONAL,
     .body = NC_TRANSITION_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = nonconformity_transition},
    {.method = "GET",
     .path = "/api/v1/nonconformities/{id}/actions",
     .roles = ANY,
     .not_found = NC_404,
     .work = action_list},
    {.method = "POST",
     .path = "/api/v1/nonconformities/{id}/actions",
     .roles = P | OWNER,
     .flags = ROUTE_BODY,
     .not_found = NC_404,
     .body = NC_ACTION_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = action_create},
    {.method = "GET",
     .path = "/api/v1/nonconformities/{id}/actions/{action_id}",
     .roles = ANY,
     .not_found = ACTION_404,
     .work = action_get},
    /* open to every employee: the person responsible for an action marks it done, whatever
     * its role (zsz_nc_action_may_change) */
    {.method = "PATCH",
     .path = "/api/v1/nonconformities/{id}/actions/{action_id}",
     .roles = ANY,
     .flags = ROUTE_BODY,
     .not_found = ACTION_404,
     .if_match = IF_MATCH_REQUIRED,
     .body = NC_ACTION_PATCH_FIELDS,
     .body_mode = VALIDATE_PATCH,
     .work = action_update},
};

const struct zsz_register NONCONFORMITIES_REGISTER = {
    .name = "nonconformities",
    .routes = ROUTES_OF_NONCONFORMITIES,
    .nroutes = sizeof ROUTES_OF_NONCONFORMITIES / sizeof ROUTES_OF_NONCONFORMITIES[0],
};
