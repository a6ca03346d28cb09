#include "rules.h"
#include "auth.h"

static const char *const STATES[] = {"draft", "open", "closed", NULL};
static const char *const KINDS[] = {"external_customers", "employees", "ad_hoc", NULL};

static const struct workflow_step STEPS[] = {
    {"draft", "open", ROLE_PLENIPOTENTIARY, NULL},
    {"open", "closed", ROLE_PLENIPOTENTIARY, NULL},
};
const struct workflow SURVEY_WORKFLOW = {STATES, STEPS, 2};

const struct field_spec SURVEY_FIELDS[] = {
    {.name = "title", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "kind", .type = VT_STRING, .flags = V_REQUIRED, .one_of = KINDS},
    {.name = "year", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 2000, .max = 2100},
    {.name = "process_ids", .type = VT_INTEGER_ARRAY, .min = 1, .max = (1LL << 53), .max_items = 50},
    {.name = "org_unit_ids", .type = VT_INTEGER_ARRAY, .min = 1, .max = (1LL << 53), .max_items = 50},
    {.name = "questions", .type = VT_OBJECT_ARRAY, .max_items = 100},
    {.name = "respondent_fields", .type = VT_OBJECT_ARRAY, .max_items = 10},
    {.name = "opens_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "closes_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "target_mean", .type = VT_DECIMAL},
    {.name = "min_group_size", .type = VT_INTEGER, .min = 1, .max = 1000},
    {.name = "access_codes_required", .type = VT_BOOLEAN},
    {0},
};

const struct field_spec ACCESS_CODE_FIELDS[] = {
    {.name = "count", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 10000},
    {0},
};

const char *const SURVEY_FROZEN_ONCE_OPEN[] = {"questions", "respondent_fields", "kind", "year", NULL};
