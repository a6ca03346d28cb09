/* The routes of satisfaction surveys. Query parameters come from the contract. */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"
#include "rules.h"

#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define OWNER ROLE_PROCESS_OWNER
#define SURVEY_404                                                                                                     \
  { MSG_NOT_FOUND_SURVEY }

static struct route ROUTES_OF_SURVEYS[] = {
    /* record rule (zsz_survey_readable; zsz_survey_reads_all asked first): a process owner lists and reads the surveys
     * concerning its processes */
    {.method = "GET",
     .path = "/api/v1/surveys",
     .roles = P | PR | OWNER,
     .flags = ROUTE_REPLICA,
     .paged = 1,
     .work = survey_list},
    /* the body is checked by the work: the form it defines and the references come back with
     * the shape errors, all at once */
    {.method = "POST", .path = "/api/v1/surveys", .roles = P, .flags = ROUTE_BODY, .work = survey_create},
    {.method = "GET",
     .path = "/api/v1/surveys/{id}",
     .roles = P | PR | OWNER,
     .not_found = SURVEY_404,
     .work = survey_get},
    {.method = "PATCH",
     .path = "/api/v1/surveys/{id}",
     .roles = P,
     .flags = ROUTE_BODY,
     .not_found = SURVEY_404,
     .if_match = IF_MATCH_REQUIRED,
     .work = survey_update},
    {.method = "POST",
     .path = "/api/v1/surveys/{id}/transitions",
     .roles = P,
     .flags = ROUTE_BODY,
     .not_found = SURVEY_404,
     .if_match = IF_MATCH_OPTIONAL,
     .workflow = &SURVEY_WORKFLOW,
     .work = survey_transition},
    {.method = "POST",
     .path = "/api/v1/surveys/{id}/access-codes",
     .roles = P,
     .flags = ROUTE_BODY,
     .not_found = SURVEY_404,
     .body = ACCESS_CODE_FIELDS,
     .body_mode = VALIDATE_CREATE,
     .work = access_codes_create},
    /* the work reads the raw body (JSON or CSV); the dispatcher refuses one over
     * ZSZ_MAX_IMPORT_BYTES (413) first */
    {.method = "POST",
     .path = "/api/v1/surveys/{id}/responses/import",
     .roles = P,
     .flags = ROUTE_RAW_BODY,
     .not_found = SURVEY_404,
     .work = responses_import},
    /* three statements: one snapshot, so the counts agree with the survey's response_count */
    {.method = "GET",
     .path = "/api/v1/surveys/{id}/results",
     .roles = P | PR | OWNER,
     .flags = ROUTE_SNAPSHOT | ROUTE_REPLICA,
     .not_found = SURVEY_404,
     .work = survey_results},
    {.method = "GET",
     .path = "/api/v1/surveys/{id}/results/texts",
     .roles = P,
     .not_found = SURVEY_404,
     .work = survey_result_texts},
    /* anonymous: no token, limited per client address; the tenant is the survey's */
    {.method = "GET",
     .path = "/api/v1/public/surveys/{public_id}",
     .flags = ROUTE_PUBLIC | ROUTE_RATE_LIMITED,
     .not_found = SURVEY_404,
     .handler = public_survey_get},
    {.method = "POST",
     .path = "/api/v1/public/surveys/{public_id}/responses",
     .flags = ROUTE_PUBLIC | ROUTE_RATE_LIMITED | ROUTE_BODY,
     .not_found = SURVEY_404,
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
    .njobs = sizeof JOBS_OF_SURVEYS / sizeof JOBS_OF_SURVEYS[0],
};
