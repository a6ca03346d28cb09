#include <stdio.h>

#include "auth.h"
#include "period.h"
#include "rules.h"

static const char *const REVIEW_STATES[] = {"draft", "submitted", "accepted", "returned", NULL};
static const char *const ACTION_STATES[] = {"open", "done", "cancelled", NULL};

/* the owner's steps are for the owner of the process: the work takes the process-owner role
 * away from a caller that does not own it (zsz_review_writer) */
static const struct workflow_step REVIEW_STEPS[] = {
    {"draft", "submitted", ROLE_PROCESS_OWNER, NULL},
    {"returned", "submitted", ROLE_PROCESS_OWNER, NULL},
    {"submitted", "accepted", ROLE_PLENIPOTENTIARY, NULL},
    {"submitted", "returned", ROLE_PLENIPOTENTIARY, "reason"},
};
const struct workflow REVIEW_WORKFLOW = {REVIEW_STATES, REVIEW_STEPS, 4};

#define REVIEW_TEXT(n)                                                                                                 \
  { .name = n, .type = VT_STRING, .flags = V_TEXT, .max_len = 20000 }

const struct field_spec REVIEW_FIELDS[] = {
    {.name = "period", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 16},
    {.name = "held_on", .type = VT_DATE, .flags = V_NULLABLE},
    {.name = "participants",
     .type = VT_STRING_ARRAY,
     .flags = V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 200,
     .max_items = 50},
    REVIEW_TEXT("indicator_analysis"),
    {.name = "description_current", .type = VT_BOOLEAN, .flags = V_NULLABLE},
    REVIEW_TEXT("good_practices"),
    REVIEW_TEXT("risks_and_nonconformities"),
    {.name = "improvement_actions", .type = VT_OBJECT_ARRAY, .max_items = 100},
    {0},
};

const struct field_spec REVIEW_ACTION_FIELDS[] = {
    {.name = "description", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 2000},
    {.name = "responsible", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "due_date", .type = VT_DATE, .flags = V_NULLABLE},
    {.name = "status", .type = VT_STRING, .one_of = ACTION_STATES},
    {0},
};

void review_check(const json_t *body, enum validate_mode mode, json_t *errors) {
  validate_object(body, REVIEW_FIELDS, mode, errors);
  const char *period = json_string_value(json_object_get(body, "period"));
  if (period && !field_has_error(errors, "period") && !review_period_valid(period)) {
    errors_add(errors, "period", MSG_REVIEW_PERIOD);
  }
  const json_t *actions = json_object_get(body, "improvement_actions");
  if (!json_is_array(actions) || field_has_error(errors, "improvement_actions")) {
    return;
  }
  size_t i;
  const json_t *item;
  json_array_foreach(actions, i, item) {
    json_t *inner = json_array();
    validate_object(item, REVIEW_ACTION_FIELDS, VALIDATE_CREATE, inner);
    size_t k;
    json_t *e;
    json_array_foreach(inner, k, e) {
      char field[128];
      const char *f = json_string_value(json_object_get(e, "field"));
      snprintf(field, sizeof field, "improvement_actions[%zu]%s%s", i, *f ? "." : "", f);
      json_array_append_new(errors, json_pack("{s:s, s:O}", "field", field, "message", json_object_get(e, "message")));
    }
    json_decref(inner);
  }
}

json_t *review_with_defaults(const json_t *body) {
  json_t *copy = json_deep_copy(body);
  size_t i;
  json_t *item;
  json_array_foreach(json_object_get(copy, "improvement_actions"), i, item) {
    if (!json_object_get(item, "responsible")) json_object_set_new(item, "responsible", json_null());
    if (!json_object_get(item, "due_date")) json_object_set_new(item, "due_date", json_null());
    if (!json_object_get(item, "status")) json_object_set_new(item, "status", json_string("open"));
  }
  return copy;
}
