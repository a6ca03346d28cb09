/* The routes of the change feed. Query parameters (entity, id, after, limit) come from the
 * contract. */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"

#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define INT ROLE_INTEGRATION

static struct route ROUTES_OF_CHANGES[] = {
    /* .paged for c->limit only: the feed pages by after=<last id> (no signed cursor) */
    {.method = "GET",
     .path = "/api/v1/changes",
     .roles = P | PR | INT,
     .scope = "changes:read",
     .flags = ROUTE_REPLICA,
     .paged = 1,
     .work = change_list},
};

const struct zsz_register CHANGES_REGISTER = {
    .name = "changes",
    .routes = ROUTES_OF_CHANGES,
    .nroutes = sizeof ROUTES_OF_CHANGES / sizeof ROUTES_OF_CHANGES[0],
};
