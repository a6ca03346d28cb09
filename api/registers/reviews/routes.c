/* The routes of process reviews. */
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

static struct route ROUTES_OF_REVIEWS[] = {
    {.method = "GET", .path = "/api/v1/processes/{id}/reviews", .roles = ANY, .handler = review_list},
    /* record rule for reviews: the process's owner writes; readers per reviews.c */
    {.method = "POST",
     .path = "/api/v1/processes/{id}/reviews",
     .roles = OWNER,
     .flags = ROUTE_BODY,
     .handler = review_create},
    {.method = "GET", .path = "/api/v1/processes/{id}/reviews/{review_id}", .roles = ANY, .handler = review_get},
    {.method = "PATCH",
     .path = "/api/v1/processes/{id}/reviews/{review_id}",
     .roles = OWNER,
     .flags = ROUTE_BODY,
     .handler = review_update},
    {.method = "POST",
     .path = "/api/v1/processes/{id}/reviews/{review_id}/transitions",
     .roles = OWNER | P,
     .flags = ROUTE_BODY,
     .handler = review_transition},
    {.method = "GET", .path = "/api/v1/process-reviews", .roles = P | PR | AUD, .handler = process_review_overview},
};

const struct zsz_register REVIEWS_REGISTER = {
    .name = "reviews",
    .routes = ROUTES_OF_REVIEWS,
    .nroutes = sizeof ROUTES_OF_REVIEWS / sizeof ROUTES_OF_REVIEWS[0],
};
