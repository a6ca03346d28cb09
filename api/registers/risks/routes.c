/* The routes of the risk register: the matrix, risks, assessments, treatment, acceptance,
 * reviews, actions, the map and the worklist. Query parameters come from the contract.
 * "Risk owner" is a relation (the risk's owner, whatever its roles), so the rows of the
 * routes that act on one risk admit every employee and the record rules (SQL, migration
 * 0015) decide: zsz_risk_readable (404 otherwise), zsz_risk_manages, zsz_risk_may_accept,
 * zsz_risk_action_may_change (403 otherwise). */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"
#include "rules.h"

#define ANY ROLE_ANY
#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define IOD ROLE_IOD
#define MATRIX_404                                                                                                     \
  { MSG_NOT_FOUND_MATRIX_VERSION }
#define RISK_404                                                                                                       \
  { MSG_NOT_FOUND_RISK }
#define ACTION_404                                                                                                     \
  { MSG_NOT_FOUND_RISK, MSG_NOT_FOUND_RISK_ACTION }

static struct route ROUTES_OF_RISKS[] = {
    {.method = "GET", .path = "/api/v1/risk-matrix", .roles = ANY, .work = risk_matrix_get},
    /* the scales, bands and appetite inside the body are checked by the work */
    {.method = "PUT",
     .path = "/api/v1/risk-matrix",
     .roles = P,
     .flags = ROUTE_BODY,
     .if_match = IF_MATCH_OPTIONAL,
     .body = RISK_MATRIX_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = risk_matrix_put},
    {.method = "GET",
     .path = "/api/v1/risk-matrix/versions/{version}",
     .roles = ANY,
     .not_found = MATRIX_404,
     .work = risk_matrix_version_get},
    {.method = "GET", .path = "/api/v1/risks", .roles = ANY, .flags = ROUTE_CSV, .paged = 1, .work = risk_list},
    /* record rule: the IOD registers information-security risks (zsz_risk_may_create) */
    {.method = "POST",
     .path = "/api/v1/risks",
     .roles = P | IOD,
     .flags = ROUTE_BODY,
     .body = RISK_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = risk_create},
    {.method = "GET", .path = "/api/v1/risks/map", .roles = ANY, .work = risk_map},
    {.method = "GET", .path = "/api/v1/risks/worklist", .roles = ANY, .paged = 1, .work = risk_worklist},
    {.method = "GET", .path = "/api/v1/risks/summary", .roles = P | PR, .work = risk_summary},
    {.method = "GET", .path = "/api/v1/risks/{id}", .roles = ANY, .not_found = RISK_404, .work = risk_get},
    {.method = "PATCH",
     .path = "/api/v1/risks/{id}",
     .roles = ANY,
     .flags = ROUTE_BODY,
     .not_found = RISK_404,
     .if_match = IF_MATCH_REQUIRED,
     .body = RISK_PATCH_FIELDS,
     .body_mode = VALIDATE_PATCH,
     .work = risk_update},
    {.method = "POST",
     .path = "/api/v1/risks/{id}/transitions",
     .roles = ANY,
     .flags = ROUTE_BODY,
     .not_found = RISK_404,
     .if_match = IF_MATCH_OPTIONAL,
     .body = RISK_TRANSITION_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = risk_transition},
    {.method = "GET",
     .path = "/api/v1/risks/{id}/assessments",
     .roles = ANY,
     .flags = ROUTE_SNAPSHOT,
     .not_found = RISK_404,
     .paged = 1,
     .work = risk_assessment_list},
    {.method = "POST",
     .path = "/api/v1/risks/{id}/assessments",
     .roles = ANY,
     .flags = ROUTE_BODY,
     .not_found = RISK_404,
     .body = RISK_ASSESSMENT_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = risk_assessment_create},
    {.method = "GET",
     .path = "/api/v1/risks/{id}/treatment",
     .roles = ANY,
     .not_found = RISK_404,
     .work = risk_treatment_get},
    {.method = "PUT",
     .path = "/api/v1/risks/{id}/treatment",
     .roles = ANY,
     .flags = ROUTE_BODY,
     .not_found = RISK_404,
     .if_match = IF_MATCH_OPTIONAL,
     .body = RISK_TREATMENT_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = risk_treatment_put},
    {.method = "POST",
     .path = "/api/v1/risks/{id}/acceptance",
     .roles = ANY,
     .flags = ROUTE_BODY,
     .not_found = RISK_404,
     .if_match = IF_MATCH_OPTIONAL,
     .body = RISK_ACCEPTANCE_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = risk_accept},
    {.method = "POST",
     .path = "/api/v1/risks/{id}/reviews",
     .roles = ANY,
     .flags = ROUTE_BODY,
     .not_found = RISK_404,
     .body = RISK_REVIEW_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = risk_review_create},
    {.method = "POST",
     .path = "/api/v1/risks/{id}/actions",
     .roles = ANY,
     .flags = ROUTE_BODY,
     .not_found = RISK_404,
     .body = RISK_ACTION_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = risk_action_create},
    {.method = "GET",
     .path = "/api/v1/risks/{id}/actions/{action_id}",
     .roles = ANY,
     .not_found = ACTION_404,
     .work = risk_action_get},
    /* open to every employee: the person responsible for an action marks it done */
    {.method = "PATCH",
     .path = "/api/v1/risks/{id}/actions/{action_id}",
     .roles = ANY,
     .flags = ROUTE_BODY,
     .not_found = ACTION_404,
     .if_match = IF_MATCH_REQUIRED,
     .body = RISK_ACTION_PATCH_FIELDS,
     .body_mode = VALIDATE_PATCH,
     .work = risk_action_update},
};

const struct zsz_register RISKS_REGISTER = {
    .name = "risks",
    .routes = ROUTES_OF_RISKS,
    .nroutes = sizeof ROUTES_OF_RISKS / sizeof ROUTES_OF_RISKS[0],
};
