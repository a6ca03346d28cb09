/* The routes of process reviews. Query parameters come from the contract. */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"
#include "rules.h"

#define ANY ROLE_ANY
#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define OWNER ROLE_PROCESS_OWNER
#define AUD ROLE_AUDITOR
#define PROCESS_404                                                                                                    \
  { MSG_NOT_FOUND_PROCESS }
#define REVIEW_404                                                                                                     \
  { MSG_NOT_FOUND_PROCESS, MSG_NOT_FOUND_REVIEW }

/* Record rules (migration 0009): the process's owner writes its reviews (zsz_review_writer);
 * the plenipotentiary, the president, auditors and the owner read them (zsz_review_reader).
 * The review bodies are checked by the work: the actions inside come back with the body's
 * own errors, all at once. */
static struct route ROUTES_OF_REVIEWS[] = {
    {.method = "GET",
     .path = "/api/v1/processes/{id}/reviews",
     .roles = ANY,
     .flags = ROUTE_SNAPSHOT,
     .not_found = PROCESS_404,
     .paged = 1,
     .work = review_list},
    {.method = "POST",
     .path = "/api/v1/processes/{id}/reviews",
     .roles = OWNER,
     .flags = ROUTE_BODY,
     .not_found = PROCESS_404,
     .work = review_create},
    {.method = "GET",
     .path = "/api/v1/processes/{id}/reviews/{review_id}",
     .roles = ANY,
     .flags = ROUTE_SNAPSHOT,
     .not_found = REVIEW_404,
     .work = review_get},
    {.method = "PATCH",
     .path = "/api/v1/processes/{id}/reviews/{review_id}",
     .roles = OWNER,
     .flags = ROUTE_BODY,
     .not_found = REVIEW_404,
     .if_match = IF_MATCH_REQUIRED,
     .work = review_update},
    {.method = "POST",
     .path = "/api/v1/processes/{id}/reviews/{review_id}/transitions",
     .roles = OWNER | P,
     .flags = ROUTE_BODY,
     .not_found = REVIEW_404,
     .if_match = IF_MATCH_OPTIONAL,
     .workflow = &REVIEW_WORKFLOW,
     .work = review_transition},
    {.method = "GET",
     .path = "/api/v1/process-reviews",
     .roles = P | PR | AUD,
     .flags = ROUTE_REPLICA,
     .paged = 1,
     .work = process_review_overview},
};

const struct zsz_register REVIEWS_REGISTER = {
    .name = "reviews",
    .routes = ROUTES_OF_REVIEWS,
    .nroutes = sizeof ROUTES_OF_REVIEWS / sizeof ROUTES_OF_REVIEWS[0],
};
