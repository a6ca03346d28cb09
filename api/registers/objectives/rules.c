#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "rules.h"

static const char *const OBJECTIVE_STATES[] = {"draft", "proposed", "approved", "closed", "cancelled", NULL};
static const char *const STANDARDS[] = {"iso9001", "iso27001", "iso14001", NULL};
static const char *const OUTCOMES[] = {"achieved", "partially_achieved", "not_achieved", NULL};
static const char *const REVISION_STATES[] = {"pending", "approved", "rejected", NULL};
static const char *const DIRECTIONS[] = {"increase", "decrease", "range", NULL};
static const char *const FREQUENCIES[] = {"monthly", "quarterly", "half_yearly", "yearly", NULL};
static const char *const SOURCES[] = {"manual", "survey", NULL};
static const char *const SURVEY_KINDS[] = {"external_customers", "employees", "ad_hoc", NULL};

#define P ROLE_PLENIPOTENTIARY
#define PR ROLE_PRESIDENT

static const struct workflow_step OBJECTIVE_STEPS[] = {
    {"draft", "proposed", P, NULL},
    {"proposed", "approved", PR, NULL},
    {"proposed", "draft", PR, "reason"},
    {"approved", "closed", P | PR, "outcome"},
    {"draft", "cancelled", P | PR, "reason"},
    {"proposed", "cancelled", P | PR, "reason"},
    {"approved", "cancelled", P | PR, "reason"},
};
const struct workflow OBJECTIVE_WORKFLOW = {OBJECTIVE_STATES, OBJECTIVE_STEPS, 7};

static const struct workflow_step REVISION_STEPS[] = {
    {"pending", "approved", PR, NULL},
    {"pending", "rejected", PR, "reason"},
};
const struct workflow OBJECTIVE_REVISION_WORKFLOW = {REVISION_STATES, REVISION_STEPS, 2};

#define LONG_TEXT(n)                                                                                                   \
  { .name = n, .type = VT_STRING, .flags = V_TEXT, .max_len = 20000 }

const struct field_spec OBJECTIVE_FIELDS[] = {
    {.name = "code", .type = VT_STRING, .flags = V_REQUIRED | V_CODE_CHARS, .min_len = 1, .max_len = 32},
    {.name = "year", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 2000, .max = 2100},
    {.name = "title", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    LONG_TEXT("description"),
    {.name = "strategy_ref", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 500},
    {.name = "standards", .type = VT_STRING_ARRAY, .flags = V_UNIQUE, .one_of = STANDARDS, .max_items = 3},
    {.name = "process_id", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 1, .max = (1LL << 53)},
    {.name = "org_unit_id", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 1, .max = (1LL << 53)},
    {.name = "owner", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    LONG_TEXT("planned_actions"),
    LONG_TEXT("resources"),
    {.name = "due_date", .type = VT_DATE, .flags = V_NULLABLE},
    LONG_TEXT("evaluation_method"),
    {0},
};

/* A transition carries an outcome too (when closing): not the plain workflow body. */
const struct field_spec OBJECTIVE_TRANSITION_FIELDS[] = {
    {.name = "to", .type = VT_STRING, .flags = V_REQUIRED, .one_of = OBJECTIVE_STATES},
    {.name = "reason", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 2000},
    {.name = "outcome", .type = VT_STRING, .one_of = OUTCOMES},
    {0},
};

/* What a revision may change: the 6.2.2 fields and who is responsible. */
const struct field_spec OBJECTIVE_REVISION_CHANGE_FIELDS[] = {
    LONG_TEXT("planned_actions"),
    LONG_TEXT("resources"),
    {.name = "due_date", .type = VT_DATE, .flags = V_NULLABLE},
    LONG_TEXT("evaluation_method"),
    {.name = "owner", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {0},
};

const struct field_spec OBJECTIVE_REVISION_FIELDS[] = {
    {.name = "changes", .type = VT_OBJECT, .flags = V_REQUIRED},
    {.name = "reason", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 2000},
    {0},
};

const char *const OBJECTIVE_FROZEN_AFTER_DRAFT[] = {
    "code", "year", "owner", "planned_actions", "resources", "due_date", "evaluation_method", NULL};

const struct field_spec INDICATOR_FIELDS[] = {
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "unit", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 32},
    {.name = "direction", .type = VT_STRING, .flags = V_REQUIRED, .one_of = DIRECTIONS},
    {.name = "baseline", .type = VT_DECIMAL, .flags = V_NULLABLE},
    {.name = "target", .type = VT_DECIMAL, .flags = V_NULLABLE},
    {.name = "target_min", .type = VT_DECIMAL, .flags = V_NULLABLE},
    {.name = "target_max", .type = VT_DECIMAL, .flags = V_NULLABLE},
    {.name = "frequency", .type = VT_STRING, .flags = V_REQUIRED, .one_of = FREQUENCIES},
    {.name = "source", .type = VT_STRING, .one_of = SOURCES},
    {.name = "survey_kind", .type = VT_STRING, .flags = V_NULLABLE, .one_of = SURVEY_KINDS},
    {.name = "survey_question", .type = VT_STRING, .flags = V_NULLABLE | V_CODE_CHARS, .min_len = 1, .max_len = 40},
    {.name = "responsible", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {0},
};

const struct field_spec READING_FIELDS[] = {
    {.name = "value", .type = VT_DECIMAL, .flags = V_REQUIRED},
    {.name = "comment", .type = VT_STRING, .flags = V_TEXT, .max_len = 2000},
    {0},
};

const char *const INDICATOR_DECIMAL_FIELDS[] = {"baseline", "target", "target_min", "target_max", NULL};
const char *const READING_DECIMAL_FIELDS[] = {"value", NULL};

/* ---- objectives ------------------------------------------------------------------------------ */

void objective_check_due_date(json_t *errors, const char *due_date, long long year) {
  char first[16];
  snprintf(first, sizeof first, "%04lld-01-01", year);
  /* "YYYY-MM-DD" compares as text */
  if (due_date && year > 0 && strcmp(due_date, first) < 0) {
    errors_add(errors, "due_date", MSG_DUE_BEFORE_YEAR);
  }
}

void objective_check_create(const json_t *body, json_t *errors) {
  validate_object(body, OBJECTIVE_FIELDS, VALIDATE_CREATE, errors);
  const json_t *year = json_object_get(body, "year");
  if (json_is_integer(year) && !field_has_error(errors, "due_date")) {
    objective_check_due_date(errors, json_string_value(json_object_get(body, "due_date")), json_integer_value(year));
  }
}

void objective_check_revision(const json_t *body, json_t *errors) {
  const json_t *changes = json_object_get(body, "changes");
  validate_object(body, OBJECTIVE_REVISION_FIELDS, VALIDATE_CREATE, errors);
  if (!json_is_object(changes)) {
    return;
  }
  json_t *inner = json_array();
  validate_object(changes, OBJECTIVE_REVISION_CHANGE_FIELDS, VALIDATE_PATCH, inner);
  size_t i;
  json_t *e;
  json_array_foreach(inner, i, e) {
    char field[128];
    snprintf(field, sizeof field, "changes.%s", json_string_value(json_object_get(e, "field")));
    json_array_append_new(errors, json_pack("{s:s, s:O}", "field", field, "message", json_object_get(e, "message")));
  }
  json_decref(inner);
  if (json_object_size(changes) == 0) {
    errors_add(errors, "changes", MSG_CHANGES_EMPTY);
  }
}

/* ---- indicators ------------------------------------------------------------------------------ */

json_t *decimals_canonical(const json_t *body, const char *const *fields) {
  json_t *copy = json_deep_copy(body);
  for (size_t i = 0; copy != NULL && fields[i]; i++) {
    json_t *v = json_object_get(copy, fields[i]);
    char text[64];
    if (v != NULL && !json_is_null(v) && decimal_text(v, text, sizeof text) == 0) {
      json_object_set_new(copy, fields[i], json_string(text));
    }
  }
  return copy;
}

void indicator_shape_take(struct indicator_shape *shape, const json_t *body) {
  struct {
    const char *name;
    const char **field;
  } map[] = {
      {"direction", &shape->direction},     {"baseline", &shape->baseline},
      {"target", &shape->target},           {"target_min", &shape->target_min},
      {"target_max", &shape->target_max},   {"source", &shape->source},
      {"survey_kind", &shape->survey_kind}, {"survey_question", &shape->survey_question},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
    const json_t *v = json_object_get(body, map[i].name);
    if (v != NULL) {
      *map[i].field = json_string_value(v); /* NULL for null */
    }
  }
}

/* Compares two canonical decimal strings numerically (within 18.6 digits a long double is
 * exact enough to order them). */
static int decimal_cmp(const char *a, const char *b) {
  long double x = strtold(a, NULL), y = strtold(b, NULL);
  return x < y ? -1 : x > y ? 1 : 0;
}

static void check_targets(const struct indicator_shape *s, json_t *errors) {
  const char *direction = s->direction;
  if (direction == NULL) {
    return;
  }
  if (strcmp(direction, "range") == 0) {
    if (s->target_min == NULL) errors_add(errors, "target_min", MSG_REQUIRED_FOR_DIRECTION, direction);
    if (s->target_max == NULL) errors_add(errors, "target_max", MSG_REQUIRED_FOR_DIRECTION, direction);
    if (s->target_min && s->target_max && decimal_cmp(s->target_min, s->target_max) > 0) {
      errors_add(errors, "target_min", MSG_RANGE_ORDER);
    }
    if (s->target != NULL) errors_add(errors, "target", MSG_NOT_FOR_DIRECTION, direction);
    return;
  }
  if (s->baseline == NULL) errors_add(errors, "baseline", MSG_REQUIRED_FOR_DIRECTION, direction);
  if (s->target == NULL) errors_add(errors, "target", MSG_REQUIRED_FOR_DIRECTION, direction);
  if (s->target_min != NULL) errors_add(errors, "target_min", MSG_NOT_FOR_DIRECTION, direction);
  if (s->target_max != NULL) errors_add(errors, "target_max", MSG_NOT_FOR_DIRECTION, direction);
  if (s->baseline && s->target) {
    int cmp = decimal_cmp(s->target, s->baseline);
    if (cmp == 0) {
      errors_add(errors, "target", MSG_TARGET_EQUALS_BASELINE);
    } else if ((cmp < 0) != (strcmp(direction, "decrease") == 0)) {
      errors_add(errors, "target", MSG_TARGET_DIRECTION, direction);
    }
  }
}

/* A survey-fed indicator names the survey kind; a manual one names none. */
static void check_source(const struct indicator_shape *s, json_t *errors) {
  for (const char *p = s->survey_question; p && *p; p++) {
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
      errors_add(errors, "survey_question", MSG_KEY_CHARS);
      break;
    }
  }
  int survey = s->source && strcmp(s->source, "survey") == 0;
  if (survey != (s->survey_kind != NULL)) errors_add(errors, "survey_kind", MSG_SURVEY_SOURCE);
  if (!survey && s->survey_question != NULL) errors_add(errors, "survey_question", MSG_SURVEY_SOURCE);
}

void indicator_check(const struct indicator_shape *shape, json_t *errors) {
  check_targets(shape, errors);
  check_source(shape, errors);
}
