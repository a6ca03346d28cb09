#include <string.h>

#include "auth.h"
#include "rules.h"

static const char *const STATES[] = {"open",         "analysis", "action_plan", "implementation",
                                     "verification", "closed",   "cancelled",   NULL};
static const char *const SOURCES[] = {"internal_audit",     "external_audit", "complaint", "management_review",
                                      "process_monitoring", "incident",       "other",     NULL};
static const char *const SEVERITIES[] = {"major", "minor", NULL};
static const char *const ACTION_TYPES[] = {"correction", "corrective", "preventive", "improvement", NULL};
static const char *const ACTION_STATES[] = {"open", "done", NULL};

#define P ROLE_PLENIPOTENTIARY

static const struct workflow_step STEPS[] = {
    {"open", "analysis", NC_MANAGER, NULL},
    {"analysis", "action_plan", NC_MANAGER, NULL},
    {"action_plan", "implementation", NC_MANAGER, NULL},
    {"implementation", "verification", NC_MANAGER, NULL},
    {"verification", "closed", NC_EVALUATOR, "effective"},
    {"verification", "analysis", NC_EVALUATOR, "effective"},
    {"open", "cancelled", P, "reason"},
    {"analysis", "cancelled", P, "reason"},
    {"action_plan", "cancelled", P, "reason"},
    {"implementation", "cancelled", P, "reason"},
    {"verification", "cancelled", P, "reason"},
};
const struct workflow NC_WORKFLOW = {STATES, STEPS, sizeof STEPS / sizeof STEPS[0]};

const struct field_spec NC_FIELDS[] = {
    {.name = "source", .type = VT_STRING, .flags = V_REQUIRED, .one_of = SOURCES},
    {.name = "source_ref", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 200},
    {.name = "severity", .type = VT_STRING, .flags = V_REQUIRED, .one_of = SEVERITIES},
    {.name = "process_id", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = (1LL << 53)},
    {.name = "owner", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "description", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 20000},
    {.name = "correction", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "znak_sprawy", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 100},
    {0},
};

/* None is nullable: a field sent has a value, one absent keeps its own (queries.c). */
const struct field_spec NC_PATCH_FIELDS[] = {
    {.name = "description", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 20000},
    {.name = "correction", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "root_cause", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "owner", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "severity", .type = VT_STRING, .one_of = SEVERITIES},
    {.name = "znak_sprawy", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 100},
    {0},
};

/* The workflow's {"to", "reason"} and what an evaluation adds. */
const struct field_spec NC_TRANSITION_FIELDS[] = {
    {.name = "to", .type = VT_STRING, .flags = V_REQUIRED, .one_of = STATES},
    {.name = "reason", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 2000},
    {.name = "effective", .type = VT_BOOLEAN},
    {.name = "comment", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 5000},
    {0},
};

const struct field_spec NC_ACTION_FIELDS[] = {
    {.name = "type", .type = VT_STRING, .flags = V_REQUIRED, .one_of = ACTION_TYPES},
    {.name = "description", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 5000},
    {.name = "responsible", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "due_date", .type = VT_DATE, .flags = V_REQUIRED},
    {.name = "znak_sprawy", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 100},
    {0},
};

/* None is nullable (as NC_PATCH_FIELDS). */
const struct field_spec NC_ACTION_PATCH_FIELDS[] = {
    {.name = "type", .type = VT_STRING, .one_of = ACTION_TYPES},
    {.name = "description", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 5000},
    {.name = "responsible", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "due_date", .type = VT_DATE},
    {.name = "status", .type = VT_STRING, .one_of = ACTION_STATES},
    {.name = "note", .type = VT_STRING, .flags = V_TEXT, .max_len = 5000},
    {.name = "znak_sprawy", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 100},
    {0},
};

int nc_step_evaluates(const char *from, const char *to) {
  return strcmp(from, "verification") == 0 && strcmp(to, "cancelled") != 0;
}

void nc_evaluation_errors(const char *to, const json_t *body, json_t *errors) {
  int effective = json_is_true(json_object_get(body, "effective"));
  int back = strcmp(to, "analysis") == 0;
  if (strcmp(to, "closed") == 0 && !effective) errors_add(errors, "effective", MSG_CLOSE_NEEDS_EFFECTIVE);
  if (back && effective) errors_add(errors, "effective", MSG_BACK_NEEDS_INEFFECTIVE);
  if (back && json_object_get(body, "comment") == NULL) errors_add(errors, "comment", MSG_REQUIRED);
}
