/* The routes of satisfaction surveys. */
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

static struct route ROUTES_OF_SURVEYS[] = {
    {.method = "GET", .path = "/api/v1/surveys", .roles = P | PR | OWNER, .handler = survey_list},
    {.method = "POST", .path = "/api/v1/surveys", .roles = P, .flags = ROUTE_BODY, .handler = survey_create},
    /* record rule for surveys: a process owner reads those concerning its processes */
    {.method = "GET", .path = "/api/v1/surveys/{id}", .roles = P | PR | OWNER, .handler = survey_get},
    {.method = "PATCH", .path = "/api/v1/surveys/{id}", .roles = P, .flags = ROUTE_BODY, .handler = survey_update},
    {.method = "POST",
     .path = "/api/v1/surveys/{id}/transitions",
     .roles = P,
     .flags = ROUTE_BODY,
     .handler = survey_transition},
    {.method = "POST",
     .path = "/api/v1/surveys/{id}/access-codes",
     .roles = P,
     .flags = ROUTE_BODY,
     .handler = access_codes_create},
    {.method = "POST",
     .path = "/api/v1/surveys/{id}/responses/import",
     .roles = P,
     .flags = ROUTE_RAW_BODY,
     .handler = responses_import},
    {.method = "GET", .path = "/api/v1/surveys/{id}/results", .roles = P | PR | OWNER, .handler = survey_results},
    {.method = "GET", .path = "/api/v1/surveys/{id}/results/texts", .roles = P, .handler = survey_result_texts},
    /* anonymous: no token, limited per client address */
    {.method = "GET",
     .path = "/api/v1/public/surveys/{public_id}",
     .flags = ROUTE_PUBLIC | ROUTE_RATE_LIMITED,
     .handler = public_survey_get},
    {.method = "POST",
     .path = "/api/v1/public/surveys/{public_id}/responses",
     .flags = ROUTE_PUBLIC | ROUTE_RATE_LIMITED | ROUTE_BODY,
     .handler = public_response_create},
};

static const struct job JOBS_OF_SURVEYS[] = {
    {.name = "surveys_close_due", .run = surveys_close_due},
};

const struct zsz_register SURVEYS_REGISTER = {
    .name = "surveys",
    .routes = ROUTES_OF_SURVEYS,
    .nroutes = sizeof ROUTES_OF_SURVEYS / sizeof ROUTES_OF_SURVEYS[0],
    .jobs = JOBS_OF_SURVEYS,
    .njobs = 1,
};
