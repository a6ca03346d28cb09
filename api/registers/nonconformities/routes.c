/* The routes of nonconformities and their actions. */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"

#define ANY ROLE_ANY
#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define OWNER ROLE_PROCESS_OWNER
#define AUD ROLE_AUDITOR
#define IOD ROLE_IOD

static struct route ROUTES_OF_NONCONFORMITIES[] = {
    /* record rules for nonconformities: nonconformities.c (readers, owner, evaluator) */
    {.method = "GET", .path = "/api/v1/nonconformities", .roles = ANY, .handler = nonconformity_list},
    {.method = "POST",
     .path = "/api/v1/nonconformities",
     .roles = P | OWNER,
     .flags = ROUTE_BODY,
     .handler = nonconformity_create},
    {.method = "GET", .path = "/api/v1/nonconformities/stats", .roles = P | PR, .handler = nonconformity_stats},
    {.method = "GET", .path = "/api/v1/nonconformities/{id}", .roles = ANY, .handler = nonconformity_get},
    {.method = "PATCH",
     .path = "/api/v1/nonconformities/{id}",
     .roles = P | OWNER,
     .flags = ROUTE_BODY,
     .handler = nonconformity_update},
    {.method = "POST",
     .path = "/api/v1/nonconformities/{id}/transitions",
     .roles = P | OWNER | AUD,
     .flags = ROUTE_BODY,
     .handler = nonconformity_transition},
    {.method = "GET", .path = "/api/v1/nonconformities/{id}/actions", .roles = ANY, .handler = action_list},
    {.method = "POST",
     .path = "/api/v1/nonconformities/{id}/actions",
     .roles = P | OWNER,
     .flags = ROUTE_BODY,
     .handler = action_create},
    /* the person responsible for an action marks it done, whatever its role */
    {.method = "GET", .path = "/api/v1/nonconformities/{id}/actions/{action_id}", .roles = ANY, .handler = action_get},
    {.method = "PATCH",
     .path = "/api/v1/nonconformities/{id}/actions/{action_id}",
     .roles = ANY,
     .flags = ROUTE_BODY,
     .handler = action_update},
};

const struct zsz_register NONCONFORMITIES_REGISTER = {
    .name = "nonconformities",
    .routes = ROUTES_OF_NONCONFORMITIES,
    .nroutes = sizeof ROUTES_OF_NONCONFORMITIES / sizeof ROUTES_OF_NONCONFORMITIES[0],
};
