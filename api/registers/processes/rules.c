#include "auth.h"
#include "rules.h"

static const char *const PROCESS_STATES[] = {"active", "retired", NULL};
static const char *const CR_STATES[] = {"pending", "approved", "rejected", NULL};

static const struct workflow_step PROCESS_STEPS[] = {
    {"active", "retired", ROLE_PLENIPOTENTIARY, NULL},
    {"retired", "active", ROLE_PLENIPOTENTIARY, NULL},
};
const struct workflow PROCESS_WORKFLOW = {PROCESS_STATES, PROCESS_STEPS, 2};

static const struct workflow_step CR_STEPS[] = {
    {"pending", "approved", ROLE_PLENIPOTENTIARY, NULL},
    {"pending", "rejected", ROLE_PLENIPOTENTIARY, "reason"},
};
const struct workflow CHANGE_REQUEST_WORKFLOW = {CR_STATES, CR_STEPS, 2};

const struct field_spec PROCESS_FIELDS[] = {
    {.name = "code", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 32},
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "parent_id", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 1, .max = (1LL << 53)},
    {.name = "owner", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "org_unit_id", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 1, .max = (1LL << 53)},
    {.name = "description", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {0},
};

const struct field_spec CHANGE_REQUEST_FIELDS[] = {
    {.name = "proposed_description", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 20000},
    {.name = "reason", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 2000},
    {0},
};
