#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "rules.h"
#include "soa/controls.h"

static const char *const STATES[] = {"identified", "assessed", "treatment", "monitored", "accepted", "closed", NULL};
static const char *const KINDS[] = {"risk", "opportunity", NULL};
static const char *const AREAS[] = {"long_term_objective",
                                    "sector_programme",
                                    "asset_security",
                                    "project",
                                    "budget_task",
                                    "process",
                                    "information_security",
                                    "other",
                                    NULL};
static const char *const OPTIONS[] = {"reduce", "accept", "avoid", "transfer", NULL};
static const char *const CONTROL_STATES[] = {"existing", "planned", NULL};
static const char *const ACTION_STATES[] = {"open", "done", NULL};
static const char *const BANDS[] = {"low", "medium", "high", "critical", NULL};

#define P ROLE_PLENIPOTENTIARY
#define M RISK_MANAGER

/* Closing takes a reason; a closed risk is reopened by the plenipotentiary. Assessing,
 * treating and accepting move a risk too, through their own routes. */
static const struct workflow_step STEPS[] = {
    {"treatment", "monitored", M, NULL},   {"monitored", "treatment", M, NULL}, {"accepted", "treatment", M, NULL},
    {"identified", "closed", M, "reason"}, {"assessed", "closed", M, "reason"}, {"treatment", "closed", M, "reason"},
    {"monitored", "closed", M, "reason"},  {"accepted", "closed", M, "reason"}, {"closed", "identified", P, "reason"},
};
const struct workflow RISK_WORKFLOW = {STATES, STEPS, sizeof STEPS / sizeof STEPS[0]};

#define ID_MAX (1LL << 53)

const struct field_spec RISK_MATRIX_FIELDS[] = {
    {.name = "likelihood", .type = VT_OBJECT_ARRAY, .flags = V_REQUIRED, .max_items = 5},
    {.name = "impact", .type = VT_OBJECT_ARRAY, .flags = V_REQUIRED, .max_items = 5},
    {.name = "bands", .type = VT_OBJECT_ARRAY, .flags = V_REQUIRED, .max_items = 4},
    {.name = "appetite", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 25},
    {0},
};

static const struct field_spec LEVEL_FIELDS[] = {
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 100},
    {.name = "description", .type = VT_STRING, .flags = V_TEXT, .max_len = 1000},
    {0},
};

static const struct field_spec BAND_FIELDS[] = {
    {.name = "band", .type = VT_STRING, .flags = V_REQUIRED, .one_of = BANDS},
    {.name = "up_to", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 25},
    {.name = "colour", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 7, .max_len = 7},
    {0},
};

#define LINK_FIELDS                                                                                                    \
  {.name = "process_ids", .type = VT_INTEGER_ARRAY, .flags = V_UNIQUE, .min = 1, .max = ID_MAX, .max_items = 50},      \
      {.name = "objective_ids",                                                                                        \
       .type = VT_INTEGER_ARRAY,                                                                                       \
       .flags = V_UNIQUE,                                                                                              \
       .min = 1,                                                                                                       \
       .max = ID_MAX,                                                                                                  \
       .max_items = 50},                                                                                               \
      {.name = "org_unit_ids", .type = VT_INTEGER_ARRAY, .flags = V_UNIQUE, .min = 1, .max = ID_MAX, .max_items = 50}, \
  {                                                                                                                    \
    .name = "assets", .type = VT_STRING_ARRAY, .flags = V_UNIQUE | V_SINGLE_LINE, .min_len = 1, .max_len = 200,        \
    .max_items = 50                                                                                                    \
  }

const struct field_spec RISK_FIELDS[] = {
    {.name = "kind", .type = VT_STRING, .flags = V_REQUIRED, .one_of = KINDS},
    {.name = "title", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 300},
    {.name = "description", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "area", .type = VT_STRING, .flags = V_REQUIRED, .one_of = AREAS},
    LINK_FIELDS,
    {.name = "owner", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "review_due", .type = VT_DATE},
    {0},
};

/* None is nullable: a field sent has a value, one absent keeps its own. */
const struct field_spec RISK_PATCH_FIELDS[] = {
    {.name = "kind", .type = VT_STRING, .one_of = KINDS},
    {.name = "title", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 300},
    {.name = "description", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "area", .type = VT_STRING, .one_of = AREAS},
    LINK_FIELDS,
    {.name = "owner", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "review_due", .type = VT_DATE},
    {0},
};

const struct field_spec RISK_TRANSITION_FIELDS[] = {
    {.name = "to", .type = VT_STRING, .flags = V_REQUIRED, .one_of = STATES},
    {.name = "reason", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 2000},
    {0},
};

const struct field_spec RISK_ASSESSMENT_FIELDS[] = {
    {.name = "inherent_likelihood", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 5},
    {.name = "inherent_impact", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 5},
    {.name = "residual_likelihood", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 5},
    {.name = "residual_impact", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 5},
    {.name = "note", .type = VT_STRING, .flags = V_TEXT, .max_len = 5000},
    {0},
};

const struct field_spec RISK_TREATMENT_FIELDS[] = {
    {.name = "option", .type = VT_STRING, .flags = V_REQUIRED, .one_of = OPTIONS},
    {.name = "note", .type = VT_STRING, .flags = V_TEXT, .max_len = 5000},
    {.name = "controls", .type = VT_OBJECT_ARRAY, .max_items = 50},
    {0},
};

static const struct field_spec CONTROL_FIELDS[] = {
    {.name = "description", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 2000},
    {.name = "state", .type = VT_STRING, .flags = V_REQUIRED, .one_of = CONTROL_STATES},
    {.name = "annex_a", .type = VT_STRING_ARRAY, .flags = V_UNIQUE | V_SINGLE_LINE, .max_len = 10, .max_items = 20},
    {0},
};

const struct field_spec RISK_ACTION_FIELDS[] = {
    {.name = "description", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 5000},
    {.name = "responsible", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "due_date", .type = VT_DATE, .flags = V_REQUIRED},
    {0},
};

const struct field_spec RISK_ACTION_PATCH_FIELDS[] = {
    {.name = "description", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 5000},
    {.name = "responsible", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "due_date", .type = VT_DATE},
    {.name = "status", .type = VT_STRING, .one_of = ACTION_STATES},
    {.name = "note", .type = VT_STRING, .flags = V_TEXT, .max_len = 5000},
    {0},
};

const struct field_spec RISK_ACCEPTANCE_FIELDS[] = {
    {.name = "justification", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 5000},
    {.name = "expires_on", .type = VT_DATE, .flags = V_REQUIRED},
    {0},
};

const struct field_spec RISK_REVIEW_FIELDS[] = {
    {.name = "note", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 5000},
    {0},
};

int nested_check(const json_t *item, const struct field_spec *spec, const char *prefix, json_t *errors) {
  json_t *inner = json_array();
  size_t i;
  json_t *e;
  if (!json_is_object(item)) {
    errors_add(errors, prefix, MSG_BODY_NOT_OBJECT);
    json_decref(inner);
    return 1;
  }
  validate_object(item, spec, VALIDATE_CREATE, inner);
  json_array_foreach(inner, i, e) {
    char field[160];
    snprintf(field, sizeof field, "%s.%s", prefix, json_string_value(json_object_get(e, "field")));
    json_array_append_new(errors, json_pack("{s:s, s:O}", "field", field, "message", json_object_get(e, "message")));
  }
  int n = (int)json_array_size(inner);
  json_decref(inner);
  return n;
}

static int is_hex(char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

static int colour_valid(const char *s) {
  if (s == NULL || strlen(s) != 7 || s[0] != '#') return 0;
  for (int i = 1; i < 7; i++) {
    if (!is_hex(s[i])) return 0;
  }
  return 1;
}

/* Checks a scale's levels; returns its size when it is usable (3..5 levels), else 0. */
static int scale_check(const json_t *levels, const char *name, json_t *errors) {
  size_t n = json_array_size(levels), i;
  const json_t *level;
  int bad = 0;
  if (n < 3 || n > 5) {
    errors_add(errors, name, MSG_SCALE_LEVELS);
    bad = 1;
  }
  json_array_foreach(levels, i, level) {
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%s[%zu]", name, i);
    bad |= nested_check(level, LEVEL_FIELDS, prefix, errors) > 0;
  }
  return bad ? 0 : (int)n;
}

int risk_matrix_check(const json_t *body, json_t *errors) {
  size_t before = json_array_size(errors), i;
  int nl = scale_check(json_object_get(body, "likelihood"), "likelihood", errors);
  int ni = scale_check(json_object_get(body, "impact"), "impact", errors);
  int top = nl * ni, last = 0, in_order = 1, shaped = 1;
  const json_t *bands = json_object_get(body, "bands"), *band;
  json_array_foreach(bands, i, band) {
    char prefix[32];
    snprintf(prefix, sizeof prefix, "bands[%zu]", i);
    if (nested_check(band, BAND_FIELDS, prefix, errors) > 0) {
      shaped = 0;
      continue;
    }
    const char *colour = json_string_value(json_object_get(band, "colour"));
    if (!colour_valid(colour)) {
      char field[48];
      snprintf(field, sizeof field, "%s.colour", prefix);
      errors_add(errors, field, MSG_COLOUR);
      shaped = 0;
    }
    int up_to = (int)json_integer_value(json_object_get(band, "up_to"));
    if (i >= 4 || strcmp(json_string_value(json_object_get(band, "band")), BANDS[i]) != 0 || up_to <= last) {
      in_order = 0;
    }
    last = up_to;
  }
  /* the order is judged on well-formed bands only: one error per mistake */
  if (top > 0 && shaped && (json_array_size(bands) != 4 || !in_order || last != top)) {
    errors_add(errors, "bands", MSG_BANDS_ORDER, top);
  }
  long long appetite = json_integer_value(json_object_get(body, "appetite"));
  if (top > 0 && (appetite < 1 || appetite > top)) {
    errors_add(errors, "appetite", MSG_APPETITE_RANGE, top);
  }
  return (int)(json_array_size(errors) - before);
}

int risk_assessment_check(const json_t *body, int likelihood_levels, int impact_levels, json_t *errors) {
  static const char *const FIELDS[] = {"inherent_likelihood", "inherent_impact", "residual_likelihood",
                                       "residual_impact"};
  size_t before = json_array_size(errors);
  int v[4], ok = 1;
  for (int i = 0; i < 4; i++) {
    int top = i % 2 == 0 ? likelihood_levels : impact_levels;
    v[i] = (int)json_integer_value(json_object_get(body, FIELDS[i]));
    if (v[i] < 1 || v[i] > top) {
      errors_add(errors, FIELDS[i], MSG_LEVEL_RANGE, top);
      ok = 0;
    }
  }
  if (ok && v[2] * v[3] > v[0] * v[1]) {
    errors_add(errors, "residual_likelihood", MSG_RESIDUAL_ABOVE_INHERENT, v[2] * v[3], v[0] * v[1]);
  }
  return (int)(json_array_size(errors) - before);
}

int risk_controls_check(const json_t *controls, json_t *errors) {
  size_t before = json_array_size(errors), i, j;
  const json_t *control, *id;
  json_array_foreach(controls, i, control) {
    char prefix[32];
    snprintf(prefix, sizeof prefix, "controls[%zu]", i);
    if (nested_check(control, CONTROL_FIELDS, prefix, errors) > 0) continue;
    json_array_foreach(json_object_get(control, "annex_a"), j, id) {
      if (soa_control_index(json_string_value(id)) < 0) {
        char field[64];
        snprintf(field, sizeof field, "%s.annex_a[%zu]", prefix, j);
        errors_add(errors, field, MSG_UNKNOWN_CONTROL);
      }
    }
  }
  return (int)(json_array_size(errors) - before);
}
