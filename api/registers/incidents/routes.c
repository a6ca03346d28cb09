/* The routes of the incident register. */
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

static struct route ROUTES_OF_INCIDENTS[] = {
    /* record rule for incidents: who sees what is decided per record (incidents.c) */
    {.method = "GET", .path = "/api/v1/incidents", .roles = ANY, .handler = incident_list},
    /* every employee may report an incident (the reporter sees its own reports only) */
    {.method = "POST", .path = "/api/v1/incidents", .roles = ANY, .flags = ROUTE_BODY, .handler = incident_create},
    {.method = "GET", .path = "/api/v1/incidents/breach-register", .roles = IOD | PR, .handler = breach_register},
    {.method = "GET", .path = "/api/v1/incidents/stats", .roles = IOD | PR | P, .handler = incident_stats},
    {.method = "GET", .path = "/api/v1/incidents/{id}", .roles = ANY, .handler = incident_get},
    {.method = "PATCH",
     .path = "/api/v1/incidents/{id}",
     .roles = IOD,
     .flags = ROUTE_BODY,
     .handler = incident_update},
    {.method = "POST",
     .path = "/api/v1/incidents/{id}/transitions",
     .roles = IOD,
     .flags = ROUTE_BODY,
     .handler = incident_transition},
    {.method = "GET", .path = "/api/v1/incidents/{id}/timeline", .roles = IOD | PR, .handler = timeline_list},
    {.method = "POST",
     .path = "/api/v1/incidents/{id}/timeline",
     .roles = IOD,
     .flags = ROUTE_BODY,
     .handler = timeline_create},
    {.method = "GET", .path = "/api/v1/deadline-rules", .roles = IOD, .handler = deadline_rules_get},
    {.method = "PUT",
     .path = "/api/v1/deadline-rules",
     .roles = IOD,
     .flags = ROUTE_BODY,
     .handler = deadline_rules_put},
};

const struct zsz_register INCIDENTS_REGISTER = {
    .name = "incidents",
    .routes = ROUTES_OF_INCIDENTS,
    .nroutes = sizeof ROUTES_OF_INCIDENTS / sizeof ROUTES_OF_INCIDENTS[0],
};
