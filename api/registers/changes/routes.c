/* The routes of the change feed. Query parameters (entity, id, after, since, wait, limit,
 * cursor) come from the contract. */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"

#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define INT ROLE_INTEGRATION
#define IOD ROLE_IOD

static struct route ROUTES_OF_CHANGES[] = {
    /* the cursor carries the feed position (xid, id); after=<id> looks it up (a second
     * statement: then a snapshot, change_list_looks_up). A standby serves it as well as the primary: its snapshots hold
     * the primary's transactions still running as replay knows them (docs/design.md) */
    {.method = "GET",
     .path = "/api/v1/changes",
     .roles = P | PR | IOD | INT,
     .scope = "changes:read",
     .flags = ROUTE_REPLICA,
     .paged = 1,
     .work = change_list,
     .snapshot_when = change_list_looks_up},
};

const struct zsz_register CHANGES_REGISTER = {
    .name = "changes",
    .routes = ROUTES_OF_CHANGES,
    .nroutes = sizeof ROUTES_OF_CHANGES / sizeof ROUTES_OF_CHANGES[0],
};
