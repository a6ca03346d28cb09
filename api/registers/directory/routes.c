/* The routes of the directory: the organisation, its users and org units. */
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

static struct route ROUTES_OF_DIRECTORY[] = {
    {.method = "GET", .path = "/api/v1/me", .roles = ANY, .handler = me_get},
    {.method = "GET", .path = "/api/v1/organisation", .roles = ANY, .handler = organisation_get},
    {.method = "GET", .path = "/api/v1/users", .roles = ANY, .handler = user_list},
    {.method = "GET", .path = "/api/v1/users/{sub}", .roles = ANY, .handler = user_get},
    {.method = "PATCH", .path = "/api/v1/users/{sub}", .roles = P, .flags = ROUTE_BODY, .handler = user_update},
    {.method = "GET", .path = "/api/v1/org-units", .roles = ANY, .handler = org_unit_list},
    {.method = "POST", .path = "/api/v1/org-units", .roles = P, .flags = ROUTE_BODY, .handler = org_unit_create},
    {.method = "GET", .path = "/api/v1/org-units/{id}", .roles = ANY, .handler = org_unit_get},
    {.method = "PATCH", .path = "/api/v1/org-units/{id}", .roles = P, .flags = ROUTE_BODY, .handler = org_unit_update},
};

const struct zsz_register DIRECTORY_REGISTER = {
    .name = "directory",
    .routes = ROUTES_OF_DIRECTORY,
    .nroutes = sizeof ROUTES_OF_DIRECTORY / sizeof ROUTES_OF_DIRECTORY[0],
};
