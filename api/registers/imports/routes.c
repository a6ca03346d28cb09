/* The routes of bulk imports. Query parameters (mode, dry_run; kind, limit, cursor) come from
 * the contract. Each kind has its own row, so its roles are its own: the plenipotentiary
 * imports processes, objectives and readings, the IOD incidents (docs/design-imports.md, "Who
 * imports"), and an integration each with its scope (processes:write, objectives:write,
 * incidents:import, directory:write). */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"

#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define IOD ROLE_IOD
#define INT ROLE_INTEGRATION
#define IMPORT_404                                                                                                     \
  { MSG_NOT_FOUND_IMPORT }

static struct route ROUTES_OF_IMPORTS[] = {
    /* record rule (zsz_import_visible): imports of incidents only to the IOD and the president */
    {.method = "GET", .path = "/api/v1/imports", .roles = P | PR | IOD, .paged = 1, .work = imports_list},
    {.method = "GET",
     .path = "/api/v1/imports/{id}",
     .roles = P | PR | IOD,
     .not_found = IMPORT_404,
     .work = import_get},
    /* the work reads the raw body (JSON array, NDJSON or CSV) a row at a time; the dispatcher
     * refuses one over ZSZ_MAX_IMPORT_BYTES (413) first. An integration imports with the
     * scope of the register it writes (RFC 9068 scope claim; 403 without it). */
    {.method = "POST",
     .path = "/api/v1/imports/processes",
     .roles = P | INT,
     .scope = "processes:write",
     .flags = ROUTE_RAW_BODY,
     .work = import_processes},
    {.method = "POST",
     .path = "/api/v1/imports/objectives",
     .roles = P | INT,
     .scope = "objectives:write",
     .flags = ROUTE_RAW_BODY,
     .work = import_objectives},
    {.method = "POST",
     .path = "/api/v1/imports/readings",
     .roles = P | INT,
     .scope = "objectives:write",
     .flags = ROUTE_RAW_BODY,
     .work = import_readings},
    {.method = "POST",
     .path = "/api/v1/imports/incidents",
     .roles = IOD | INT,
     .scope = "incidents:import",
     .flags = ROUTE_RAW_BODY,
     .work = import_incidents},
    /* the directory through the same door (mode merge or full, as POST /users/import) */
    {.method = "POST",
     .path = "/api/v1/imports/users",
     .roles = P | INT,
     .scope = "directory:write",
     .flags = ROUTE_RAW_BODY,
     .work = import_users},
    {.method = "POST",
     .path = "/api/v1/imports/org-units",
     .roles = P | INT,
     .scope = "directory:write",
     .flags = ROUTE_RAW_BODY,
     .work = import_org_units},
};

static const struct job JOBS_OF_IMPORTS[] = {
    {.name = "idempotency_purge", .run = idempotency_purge},
};

const struct zsz_register IMPORTS_REGISTER = {
    .name = "imports",
    .routes = ROUTES_OF_IMPORTS,
    .nroutes = sizeof ROUTES_OF_IMPORTS / sizeof ROUTES_OF_IMPORTS[0],
    .jobs = JOBS_OF_IMPORTS,
    .njobs = sizeof JOBS_OF_IMPORTS / sizeof JOBS_OF_IMPORTS[0],
};
