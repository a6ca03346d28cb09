/* The routes of webhooks (docs/design-webhooks.md). Query parameters come from the contract.
 * Who: the plenipotentiary, or an integration whose token holds webhooks:manage. */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"
#include "rules.h"

#define P ROLE_PLENIPOTENTIARY
#define INT ROLE_INTEGRATION
#define MANAGE "webhooks:manage"
#define WEBHOOK_404                                                                                                    \
  { MSG_NOT_FOUND_WEBHOOK }
#define DELIVERY_404                                                                                                   \
  { MSG_NOT_FOUND_WEBHOOK, MSG_NOT_FOUND_WEBHOOK_DELIVERY }

static struct route ROUTES_OF_WEBHOOKS[] = {
    {.method = "GET", .path = "/api/v1/webhooks", .roles = P | INT, .scope = MANAGE, .paged = 1, .work = webhook_list},
    {.method = "POST",
     .path = "/api/v1/webhooks",
     .roles = P | INT,
     .scope = MANAGE,
     .flags = ROUTE_BODY,
     .body = WEBHOOK_CREATE_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = webhook_create},
    {.method = "GET",
     .path = "/api/v1/webhooks/{id}",
     .roles = P | INT,
     .scope = MANAGE,
     .not_found = WEBHOOK_404,
     .work = webhook_get},
    {.method = "PATCH",
     .path = "/api/v1/webhooks/{id}",
     .roles = P | INT,
     .scope = MANAGE,
     .flags = ROUTE_BODY,
     .not_found = WEBHOOK_404,
     .if_match = IF_MATCH_REQUIRED,
     .body = WEBHOOK_PATCH_FIELDS,
     .body_mode = VALIDATE_PATCH,
     .work = webhook_update},
    {.method = "DELETE",
     .path = "/api/v1/webhooks/{id}",
     .roles = P | INT,
     .scope = MANAGE,
     .not_found = WEBHOOK_404,
     .work = webhook_delete},
    {.method = "POST",
     .path = "/api/v1/webhooks/{id}/rotate-secret",
     .roles = P | INT,
     .scope = MANAGE,
     .not_found = WEBHOOK_404,
     .work = webhook_rotate_secret},
    {.method = "POST",
     .path = "/api/v1/webhooks/{id}/ping",
     .roles = P | INT,
     .scope = MANAGE,
     .not_found = WEBHOOK_404,
     .work = webhook_ping},
    {.method = "GET",
     .path = "/api/v1/webhooks/{id}/deliveries",
     .roles = P | INT,
     .scope = MANAGE,
     .flags = ROUTE_SNAPSHOT,
     .not_found = WEBHOOK_404,
     .paged = 1,
     .work = webhook_deliveries},
    {.method = "POST",
     .path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
     .roles = P | INT,
     .scope = MANAGE,
     .not_found = DELIVERY_404,
     .work = webhook_redeliver},
};

static const struct job JOBS_OF_WEBHOOKS[] = {
    {.name = "webhook_prune", .run = webhook_prune},
};

const struct zsz_register WEBHOOKS_REGISTER = {
    .name = "webhooks",
    .routes = ROUTES_OF_WEBHOOKS,
    .nroutes = sizeof ROUTES_OF_WEBHOOKS / sizeof ROUTES_OF_WEBHOOKS[0],
    .jobs = JOBS_OF_WEBHOOKS,
    .njobs = sizeof JOBS_OF_WEBHOOKS / sizeof JOBS_OF_WEBHOOKS[0],
    .start = webhook_workers_start,
    .stop = webhook_workers_stop,
};
