/* The routes of the directory: the caller, its organisation, users and org units. Query
 * parameters come from the contract. */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"
#include "rules.h"

#define ANY ROLE_ANY
#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define INT ROLE_INTEGRATION
#define DIRECTORY_WRITE "directory:write"
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
    /* issue 10: the organisation, its process scheme, the directory */
    {.method = "PUT",
     .path = "/api/v1/organisation",
     .roles = P,
     .flags = ROUTE_BODY,
     .body = ORGANISATION_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = organisation_put},
    {.method = "GET", .path = "/api/v1/organisation/process-scheme", .roles = ANY, .work = process_scheme_get},
    /* the body is checked by the work (nested categories) */
    {.method = "PUT",
     .path = "/api/v1/organisation/process-scheme",
     .roles = P,
     .flags = ROUTE_BODY,
     .if_match = IF_MATCH_OPTIONAL,
     .work = process_scheme_put},
    {.method = "PUT",
     .path = "/api/v1/users/{sub}",
     .roles = P | INT,
     .scope = DIRECTORY_WRITE,
     .flags = ROUTE_BODY,
     .not_found = USER_404,
     .if_match = IF_MATCH_OPTIONAL,
     .body = USER_PUT_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = user_put},
    /* imports: the work reads the raw body (a JSON array of rows, up to ZSZ_MAX_IMPORT_BYTES;
     * the dispatcher refuses a larger one first) one row at a time */
    {.method = "POST",
     .path = "/api/v1/users/import",
     .roles = P | INT,
     .scope = DIRECTORY_WRITE,
     .flags = ROUTE_RAW_BODY,
     .work = users_import},
    {.method = "POST",
     .path = "/api/v1/org-units/import",
     .roles = P | INT,
     .scope = DIRECTORY_WRITE,
     .flags = ROUTE_RAW_BODY,
     .work = org_units_import},
    {.method = "GET",
     .path = "/api/v1/users/{sub}/responsibilities",
     .roles = ANY,
     .not_found = USER_404,
     .work = user_responsibilities},
    {.method = "POST",
     .path = "/api/v1/users/{sub}/handover",
     .roles = P,
     .flags = ROUTE_BODY,
     .not_found = USER_404,
     .body = HANDOVER_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = user_handover},
};

const struct zsz_register DIRECTORY_REGISTER = {
    .name = "directory",
    .routes = ROUTES_OF_DIRECTORY,
    .nroutes = sizeof ROUTES_OF_DIRECTORY / sizeof ROUTES_OF_DIRECTORY[0],
};
