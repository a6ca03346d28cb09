/* The routes of the Statement of Applicability. Query parameters come from the contract. */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"
#include "rules.h"

#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define IOD ROLE_IOD
#define AUD ROLE_AUDITOR
#define SOA_READERS (P | PR | IOD | AUD)
#define CONTROL_404                                                                                                    \
  { MSG_NOT_FOUND_CONTROL }
#define VERSION_404                                                                                                    \
  { MSG_NOT_FOUND_SOA_VERSION }

static struct route ROUTES_OF_SOA[] = {
    {.method = "GET", .path = "/api/v1/soa", .roles = SOA_READERS, .flags = ROUTE_CSV, .work = soa_get},
    /* {control}: an Annex A identifier such as A.5.15 (404 for any other) */
    {.method = "GET",
     .path = "/api/v1/soa/controls/{control}",
     .roles = SOA_READERS,
     .not_found = CONTROL_404,
     .work = soa_control_get},
    {.method = "PUT",
     .path = "/api/v1/soa/controls/{control}",
     .roles = P | IOD,
     .flags = ROUTE_BODY,
     .not_found = CONTROL_404,
     .body = SOA_ENTRY_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = soa_control_put},
    {.method = "POST",
     .path = "/api/v1/soa/transitions",
     .roles = P | IOD | PR,
     .flags = ROUTE_BODY,
     .if_match = IF_MATCH_OPTIONAL,
     .workflow = &SOA_WORKFLOW,
     .work = soa_transition},
    {.method = "GET",
     .path = "/api/v1/soa/versions/{version}",
     .roles = SOA_READERS,
     .not_found = VERSION_404,
     .work = soa_version_get},
};

const struct zsz_register SOA_REGISTER = {
    .name = "soa",
    .routes = ROUTES_OF_SOA,
    .nroutes = sizeof ROUTES_OF_SOA / sizeof ROUTES_OF_SOA[0],
};
