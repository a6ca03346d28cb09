/* The routes of objectives, indicators and readings. */
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

static struct route ROUTES_OF_OBJECTIVES[] = {
    {.method = "GET", .path = "/api/v1/objectives", .roles = ANY, .handler = objective_list},
    {.method = "POST", .path = "/api/v1/objectives", .roles = P, .flags = ROUTE_BODY, .handler = objective_create},
    {.method = "GET", .path = "/api/v1/objectives/report", .roles = ANY, .handler = objective_report},
    {.method = "GET", .path = "/api/v1/objectives/{id}", .roles = ANY, .handler = objective_get},
    {.method = "PATCH",
     .path = "/api/v1/objectives/{id}",
     .roles = P,
     .flags = ROUTE_BODY,
     .handler = objective_update},
    /* which of the two may take which step: the workflow table in objectives.c */
    {.method = "POST",
     .path = "/api/v1/objectives/{id}/transitions",
     .roles = P | PR,
     .flags = ROUTE_BODY,
     .handler = objective_transition},
    {.method = "GET", .path = "/api/v1/objectives/{id}/approvals", .roles = ANY, .handler = objective_approval_list},
    {.method = "GET", .path = "/api/v1/objectives/{id}/revisions", .roles = ANY, .handler = revision_list},
    {.method = "POST",
     .path = "/api/v1/objectives/{id}/revisions",
     .roles = P,
     .flags = ROUTE_BODY,
     .handler = revision_create},
    {.method = "GET", .path = "/api/v1/objectives/{id}/revisions/{rev_id}", .roles = ANY, .handler = revision_get},
    {.method = "POST",
     .path = "/api/v1/objectives/{id}/revisions/{rev_id}/transitions",
     .roles = PR,
     .flags = ROUTE_BODY,
     .handler = revision_transition},
    {.method = "GET", .path = "/api/v1/objectives/{id}/indicators", .roles = ANY, .handler = indicator_list},
    {.method = "POST",
     .path = "/api/v1/objectives/{id}/indicators",
     .roles = P,
     .flags = ROUTE_BODY,
     .handler = indicator_create},
    {.method = "GET", .path = "/api/v1/indicators/{id}", .roles = ANY, .handler = indicator_get},
    {.method = "PATCH",
     .path = "/api/v1/indicators/{id}",
     .roles = P,
     .flags = ROUTE_BODY,
     .handler = indicator_update},
    {.method = "GET", .path = "/api/v1/indicators/{id}/readings", .roles = ANY, .handler = reading_list},
    {.method = "GET", .path = "/api/v1/indicators/{id}/readings/{period}", .roles = ANY, .handler = reading_get},
    /* record rule: the indicator's responsible or the objective's process owner (indicators.c) */
    {.method = "PUT",
     .path = "/api/v1/indicators/{id}/readings/{period}",
     .roles = P | OWNER,
     .flags = ROUTE_BODY,
     .handler = reading_put},
    {.method = "POST", .path = "/api/v1/indicators/{id}/readings/{period}/lock", .roles = P, .handler = reading_lock},
};

const struct zsz_register OBJECTIVES_REGISTER = {
    .name = "objectives",
    .routes = ROUTES_OF_OBJECTIVES,
    .nroutes = sizeof ROUTES_OF_OBJECTIVES / sizeof ROUTES_OF_OBJECTIVES[0],
};
