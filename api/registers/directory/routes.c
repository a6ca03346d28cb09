/* The routes of the directory: the caller, its organisation, users and org units. Query
 * parameters come from the contract. */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"
#include "rules.h"

#define ANY ROLE_ANY
#define P ROLE_PLENIPOTENTIARY
#define USER_404                                                                                                       \
  { MSG_NOT_FOUND_USER }
#define ORG_UNIT_404                                                                                                   \
  { MSG_NOT_FOUND_ORG_UNIT }

static struct route ROUTES_OF_DIRECTORY[] = {
    {.method = "GET", .path = "/api/v1/me", .roles = ANY, .work = me_get},
    {.method = "GET", .path = "/api/v1/organisation", .roles = ANY, .work = organisation_get},
    {.method = "GET", .path = "/api/v1/users", .roles = ANY, .flags = ROUTE_REPLICA, .paged = 1, .work = user_list},
    {.method = "GET", .path = "/api/v1/users/{sub}", .roles = ANY, .not_found = USER_404, .work = user_get},
    {.method = "PATCH",
     .path = "/api/v1/users/{sub}",
     .roles = P,
     .flags = ROUTE_BODY,
     .not_found = USER_404,
     .if_match = IF_MATCH_REQUIRED,
     .body = USER_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = user_update},
    {.method = "GET",
     .path = "/api/v1/org-units",
     .roles = ANY,
     .flags = ROUTE_REPLICA,
     .paged = 1,
     .work = org_unit_list},
    {.method = "POST",
     .path = "/api/v1/org-units",
     .roles = P,
     .flags = ROUTE_BODY,
     .body = ORG_UNIT_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = org_unit_create},
    {.method = "GET", .path = "/api/v1/org-units/{id}", .roles = ANY, .not_found = ORG_UNIT_404, .work = org_unit_get},
    {.method = "PATCH",
     .path = "/api/v1/org-units/{id}",
     .roles = P,
     .flags = ROUTE_BODY,
     .not_found = ORG_UNIT_404,
     .if_match = IF_MATCH_REQUIRED,
     .body = ORG_UNIT_FIELDS,
     .body_mode = VALIDATE_PATCH,
     .work = org_unit_update},
};

const struct zsz_register DIRECTORY_REGISTER = {
    .name = "directory",
    .routes = ROUTES_OF_DIRECTORY,
    .nroutes = sizeof ROUTES_OF_DIRECTORY / sizeof ROUTES_OF_DIRECTORY[0],
};
