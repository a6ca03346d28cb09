#include "rules.h"

#include "auth.h"
#include "risks/rules.h"

static const char *const STATES[] = {"draft", "submitted", "approved", "returned", NULL};
static const char *const IMPLEMENTATION[] = {"not_started", "partial", "implemented", NULL};

#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT
#define IOD ROLE_IOD

static const struct workflow_step STEPS[] = {
    {"draft", "submitted", P | IOD, NULL},
    {"returned", "submitted", P | IOD, NULL},
    {"submitted", "approved", PR, NULL},
    {"submitted", "returned", PR, "reason"},
};
const struct workflow SOA_WORKFLOW = {STATES, STEPS, sizeof STEPS / sizeof STEPS[0]};

const struct field_spec SOA_ENTRY_FIELDS[] = {
    {.name = "applicable", .type = VT_BOOLEAN, .flags = V_REQUIRED},
    {.name = "justification", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 5000},
    {.name = "implementation", .type = VT_STRING, .flags = V_NULLABLE, .one_of = IMPLEMENTATION},
    {.name = "risk_ids", .type = VT_INTEGER_ARRAY, .flags = V_UNIQUE, .min = 1, .max = (1LL << 53), .max_items = 50},
    {.name = "obligations",
     .type = VT_STRING_ARRAY,
     .flags = V_UNIQUE | V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 300,
     .max_items = 50},
    {.name = "evidence", .type = VT_OBJECT},
    {0},
};

/* case_marks: EZD case marks (znak sprawy), kept as text until they are parsed */
static const struct field_spec EVIDENCE_FIELDS[] = {
    {.name = "text", .type = VT_STRING, .flags = V_TEXT, .max_len = 5000},
    {.name = "case_marks",
     .type = VT_STRING_ARRAY,
     .flags = V_UNIQUE | V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 100,
     .max_items = 50},
    {.name = "document_ids",
     .type = VT_STRING_ARRAY,
     .flags = V_UNIQUE | V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 100,
     .max_items = 50},
    {0},
};

int soa_entry_check(const json_t *body, json_t *errors) {
  size_t before = json_array_size(errors);
  const json_t *implementation = json_object_get(body, "implementation");
  int stated = implementation != NULL && !json_is_null(implementation);
  if (json_is_true(json_object_get(body, "applicable")) && !stated) {
    errors_add(errors, "implementation", MSG_IMPLEMENTATION_NEEDED);
  }
  if (json_is_false(json_object_get(body, "applicable")) && stated) {
    errors_add(errors, "implementation", MSG_IMPLEMENTATION_NOT_APPLICABLE);
  }
  const json_t *evidence = json_object_get(body, "evidence");
  if (evidence != NULL) nested_check(evidence, EVIDENCE_FIELDS, "evidence", errors);
  return (int)(json_array_size(errors) - before);
}
