/* The routes of management reviews. Query parameters come from the contract. Record rules are
 * SQL functions (migration 0016), applied by the work: who reads a review, its package,
 * minutes and decisions (zsz_mr_readable; 404 otherwise), who runs it (zsz_mr_manages: the
 * plenipotentiary the steering committee's, the IOD the ISMS one, a unit's head its unit's),
 * who approves its minutes (zsz_mr_approves), who changes a decision
 * (zsz_mr_decision_may_change: its owner reports status and note). */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"
#include "rules.h"

#define ANY ROLE_ANY
#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define IOD ROLE_IOD
#define AUD ROLE_AUDITOR
#define UH ROLE_UNIT_HEAD
#define MR_404                                                                                                         \
  { MSG_NOT_FOUND_MANAGEMENT_REVIEW }
#define DECISION_404                                                                                                   \
  { MSG_NOT_FOUND_MANAGEMENT_REVIEW, MSG_NOT_FOUND_DECISION }

static struct route ROUTES_OF_MANAGEMENT_REVIEWS[] = {
    {.method = "GET", .path = "/api/v1/management-review-rules", .roles = P | PR | IOD, .work = mr_rules_get},
    {.method = "PUT",
     .path = "/api/v1/management-review-rules",
     .roles = P,
     .flags = ROUTE_BODY,
     .body = MR_RULES_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = mr_rules_put},
    {.method = "GET",
     .path = "/api/v1/management-reviews/calendar",
     .roles = P | PR | IOD | AUD | UH,
     .work = mr_calendar},
    {.method = "GET", .path = "/api/v1/management-reviews", .roles = ANY, .paged = 1, .work = mr_list},
    {.method = "POST",
     .path = "/api/v1/management-reviews",
     .roles = P | IOD | UH,
     .flags = ROUTE_BODY,
     .body = MR_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = mr_create},
    {.method = "GET", .path = "/api/v1/management-reviews/{id}", .roles = ANY, .not_found = MR_404, .work = mr_get},
    {.method = "PATCH",
     .path = "/api/v1/management-reviews/{id}",
     .roles = P | IOD | UH,
     .flags = ROUTE_BODY,
     .not_found = MR_404,
     .if_match = IF_MATCH_REQUIRED,
     .body = MR_PATCH_FIELDS,
     .body_mode = VALIDATE_PATCH,
     .work = mr_update},
    /* the body is {"to", "reason"} with the meeting's held_at, so it is checked against
     * MR_TRANSITION_FIELDS; the work takes MR_WORKFLOW's steps */
    {.method = "POST",
     .path = "/api/v1/management-reviews/{id}/transitions",
     .roles = P | IOD | UH | PR,
     .flags = ROUTE_BODY,
     .not_found = MR_404,
     .if_match = IF_MATCH_OPTIONAL,
     .body = MR_TRANSITION_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = mr_transition},
    {.method = "GET",
     .path = "/api/v1/management-reviews/{id}/package",
     .roles = ANY,
     .flags = ROUTE_SNAPSHOT,
     .not_found = MR_404,
     .work = mr_package_get},
    {.method = "GET",
     .path = "/api/v1/management-reviews/{id}/minutes",
     .roles = ANY,
     .flags = ROUTE_SNAPSHOT,
     .not_found = MR_404,
     .work = mr_minutes},
    {.method = "GET",
     .path = "/api/v1/management-reviews/{id}/decisions",
     .roles = ANY,
     .flags = ROUTE_SNAPSHOT,
     .not_found = MR_404,
     .work = mr_decision_list},
    {.method = "POST",
     .path = "/api/v1/management-reviews/{id}/decisions",
     .roles = P | IOD | UH,
     .flags = ROUTE_BODY,
     .not_found = MR_404,
     .body = MR_DECISION_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = mr_decision_create},
    {.method = "GET",
     .path = "/api/v1/management-reviews/{id}/decisions/{decision_id}",
     .roles = ANY,
     .flags = ROUTE_SNAPSHOT,
     .not_found = DECISION_404,
     .work = mr_decision_get},
    /* open to every employee: a decision's owner reports its status, whatever its role
     * (zsz_mr_decision_may_change) */
    {.method = "PATCH",
     .path = "/api/v1/management-reviews/{id}/decisions/{decision_id}",
     .roles = ANY,
     .flags = ROUTE_BODY,
     .not_found = DECISION_404,
     .if_match = IF_MATCH_REQUIRED,
     .body = MR_DECISION_PATCH_FIELDS,
     .body_mode = VALIDATE_PATCH,
     .work = mr_decision_update},
};

const struct zsz_register MANAGEMENT_REVIEWS_REGISTER = {
    .name = "management_reviews",
    .routes = ROUTES_OF_MANAGEMENT_REVIEWS,
    .nroutes = sizeof ROUTES_OF_MANAGEMENT_REVIEWS / sizeof ROUTES_OF_MANAGEMENT_REVIEWS[0],
};
