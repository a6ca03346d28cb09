/* The route of the case-mark index (docs/design-case-marks.md). Query parameters come from
 * the contract; which records the caller sees is the record rule zsz_case_ref_readable
 * (migration 0020), each citing register's own read rule. */
#include "auth.h"
#include "handlers.h"
#include "registers.h"
#include "routes.h"

static struct route ROUTES_OF_CASE_REFERENCES[] = {
    {.method = "GET", .path = "/api/v1/case-references", .roles = ROLE_ANY, .paged = 1, .work = case_reference_list},
};

const struct zsz_register CASE_REFERENCES_REGISTER = {
    .name = "case_references",
    .routes = ROUTES_OF_CASE_REFERENCES,
    .nroutes = sizeof ROUTES_OF_CASE_REFERENCES / sizeof ROUTES_OF_CASE_REFERENCES[0],
};
