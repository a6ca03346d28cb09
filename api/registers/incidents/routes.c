/* The routes of the incident register. Query parameters come from the contract. */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"
#include "rules.h"

#define ANY ROLE_ANY
#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define IOD ROLE_IOD
#define INCIDENT_404                                                                                                   \
  { MSG_NOT_FOUND_INCIDENT }

static struct route ROUTES_OF_INCIDENTS[] = {
    /* record rule: who sees what of each incident is decided in SQL (zsz_incident_view);
     * with type, severity, deadline_state or due_within the work also asks SQL the caller's
     * view first (a snapshot); the plain page is one statement */
    {.method = "GET",
     .path = "/api/v1/incidents",
     .roles = ANY,
     .flags = ROUTE_REPLICA,
     .paged = 1,
     .work = incident_list,
     .snapshot_when = incident_list_asks_view},
    /* every employee may report an incident (the reporter sees its own reports only); the
     * body is checked by the work: sections, fields only the IOD sets, then the units and
     * rules only the database can check, all at once */
    {.method = "POST", .path = "/api/v1/incidents", .roles = ANY, .flags = ROUTE_BODY, .work = incident_create},
    {.method = "GET",
     .path = "/api/v1/incidents/breach-register",
     .roles = IOD | PR,
     .flags = ROUTE_CSV | ROUTE_REPLICA,
     .work = breach_register},
    {.method = "GET",
     .path = "/api/v1/incidents/stats",
     .roles = IOD | PR | P,
     .flags = ROUTE_REPLICA,
     .work = incident_stats},
    {.method = "GET", .path = "/api/v1/incidents/{id}", .roles = ANY, .not_found = INCIDENT_404, .work = incident_get},
    {.method = "PATCH",
     .path = "/api/v1/incidents/{id}",
     .roles = IOD,
     .flags = ROUTE_BODY,
     .not_found = INCIDENT_404,
     .if_match = IF_MATCH_REQUIRED,
     .work = incident_update},
    /* the body carries resolution and lessons_learned besides {"to", "reason"}: checked as a
     * body, the workflow taken by the work */
    {.method = "POST",
     .path = "/api/v1/incidents/{id}/transitions",
     .roles = IOD,
     .flags = ROUTE_BODY,
     .not_found = INCIDENT_404,
     .if_match = IF_MATCH_OPTIONAL,
     .body = TRANSITION_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = incident_transition},
    {.method = "GET",
     .path = "/api/v1/incidents/{id}/timeline",
     .roles = IOD | PR,
     .flags = ROUTE_SNAPSHOT,
     .not_found = INCIDENT_404,
     .paged = 1,
     .work = timeline_list},
    {.method = "POST",
     .path = "/api/v1/incidents/{id}/timeline",
     .roles = IOD,
     .flags = ROUTE_BODY,
     .not_found = INCIDENT_404,
     .body = TIMELINE_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = timeline_create},
    {.method = "GET", .path = "/api/v1/deadline-rules", .roles = IOD, .work = deadline_rules_get},
    {.method = "PUT",
     .path = "/api/v1/deadline-rules",
     .roles = IOD,
     .flags = ROUTE_BODY,
     .body = DEADLINE_RULE_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = deadline_rules_put},
};

static const struct job JOBS_OF_INCIDENTS[] = {
    {.name = "deadline_events", .run = deadline_events_fire, .clock = JOB_CLOCK_DEADLINES},
};

const struct zsz_register INCIDENTS_REGISTER = {
    .name = "incidents",
    .routes = ROUTES_OF_INCIDENTS,
    .nroutes = sizeof ROUTES_OF_INCIDENTS / sizeof ROUTES_OF_INCIDENTS[0],
    .jobs = JOBS_OF_INCIDENTS,
    .njobs = sizeof JOBS_OF_INCIDENTS / sizeof JOBS_OF_INCIDENTS[0],
};
