#include "rules.h"

/* PATCH /users/{sub}: the org unit, or null to clear it */
const struct field_spec USER_FIELDS[] = {
    {.name = "unit_id", .type = VT_INTEGER, .flags = V_REQUIRED | V_NULLABLE, .min = 1, .max = (1LL << 53)},
    {0},
};

const struct field_spec ORG_UNIT_FIELDS[] = {
    {.name = "code", .type = VT_STRING, .flags = V_REQUIRED | V_CODE_CHARS, .min_len = 1, .max_len = 32},
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "parent_id", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 1, .max = (1LL << 53)},
    {0},
};
