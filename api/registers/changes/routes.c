/* The routes of the change feed. */
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

static struct route ROUTES_OF_CHANGES[] = {
    {.method = "GET", .path = "/api/v1/changes", .roles = P | PR, .handler = change_list},
};

const struct zsz_register CHANGES_REGISTER = {
    .name = "changes",
    .routes = ROUTES_OF_CHANGES,
    .nroutes = sizeof ROUTES_OF_CHANGES / sizeof ROUTES_OF_CHANGES[0],
};
