#include <stdio.h>
#include <string.h>

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

/* PUT /users/{sub}: what the directory says of a person */
const struct field_spec USER_PUT_FIELDS[] = {
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "email", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 3, .max_len = 254},
    {.name = "unit_code", .type = VT_STRING, .flags = V_NULLABLE | V_CODE_CHARS, .min_len = 1, .max_len = 32},
    {.name = "active", .type = VT_BOOLEAN},
    {0},
};

/* One row of POST /users/import: the same, with the sub */
const struct field_spec USER_ROW_FIELDS[] = {
    {.name = "sub", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "email", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 3, .max_len = 254},
    {.name = "unit_code", .type = VT_STRING, .flags = V_NULLABLE | V_CODE_CHARS, .min_len = 1, .max_len = 32},
    {.name = "active", .type = VT_BOOLEAN},
    {0},
};

/* One row of POST /org-units/import: the parent by its code */
const struct field_spec ORG_UNIT_ROW_FIELDS[] = {
    {.name = "code", .type = VT_STRING, .flags = V_REQUIRED | V_CODE_CHARS, .min_len = 1, .max_len = 32},
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "parent", .type = VT_STRING, .flags = V_NULLABLE | V_CODE_CHARS, .min_len = 1, .max_len = 32},
    {0},
};

const struct field_spec HANDOVER_FIELDS[] = {
    {.name = "to", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {0},
};

const struct field_spec ORGANISATION_FIELDS[] = {
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "settings", .type = VT_OBJECT},
    {0},
};

static const char *const CASE_MARK_MODES[] = {"strict", "lenient", NULL};
static const struct field_spec ORGANISATION_SETTINGS_FIELDS[] = {
    {.name = "case_marks", .type = VT_STRING, .one_of = CASE_MARK_MODES},
    {0},
};

int organisation_settings_check(const json_t *settings, json_t *errors) {
  if (settings == NULL) return 0;
  json_t *found = json_array();
  int n = validate_object(settings, ORGANISATION_SETTINGS_FIELDS, VALIDATE_PATCH, found);
  size_t i;
  json_t *e;
  json_array_foreach(found, i, e) {
    /* named from the body's root, as every other problem */
    const char *field = json_string_value(json_object_get(e, "field"));
    json_object_set_new(e, "field", json_sprintf("settings.%s", field != NULL ? field : ""));
    json_array_append(errors, e);
  }
  json_decref(found);
  return n;
}

static const char *const SEPARATOR_SETS[] = {"", " ", ".", "-", "/", "_", " .", " -", ".-", " .-", NULL};

const struct field_spec SCHEME_FIELDS[] = {
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 64},
    {.name = "categories", .type = VT_OBJECT, .flags = V_REQUIRED},
    {.name = "separators", .type = VT_STRING, .flags = V_REQUIRED, .one_of = SEPARATOR_SETS},
    {.name = "digits", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 0, .max = 4},
    {.name = "levels", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 8},
    {.name = "example", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 32},
    {0},
};

const struct field_spec SCHEME_CATEGORY_FIELDS[] = {
    {.name = "management",
     .type = VT_STRING_ARRAY,
     .flags = V_REQUIRED | V_UNIQUE,
     .min_len = 1,
     .max_len = 8,
     .max_items = 8},
    {.name = "core",
     .type = VT_STRING_ARRAY,
     .flags = V_REQUIRED | V_UNIQUE,
     .min_len = 1,
     .max_len = 8,
     .max_items = 8},
    {.name = "support",
     .type = VT_STRING_ARRAY,
     .flags = V_REQUIRED | V_UNIQUE,
     .min_len = 1,
     .max_len = 8,
     .max_items = 8},
    {0},
};

/* A prefix: a capital letter, then capitals or digits. */
static int prefix_ok(const char *p) {
  if (!(*p >= 'A' && *p <= 'Z')) {
    return 0;
  }
  for (p++; *p; p++) {
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))) {
      return 0;
    }
  }
  return 1;
}

int scheme_check(const json_t *body, json_t *errors) {
  static const char *const CATS[] = {"management", "core", "support"};
  int before = (int)json_array_size(errors);
  validate_object(body, SCHEME_FIELDS, VALIDATE_CREATE, errors);
  const char *name = json_string_value(json_object_get(body, "name"));
  if (name != NULL && !field_has_error(errors, "name") &&
      (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')) ||
       strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(name))) {
    errors_add(errors, "name", MSG_SCHEME_NAME);
  }
  const json_t *cats = json_object_get(body, "categories");
  if (!json_is_object(cats) || field_has_error(errors, "categories")) {
    return (int)json_array_size(errors) - before;
  }
  json_t *inner = json_array();
  validate_object(cats, SCHEME_CATEGORY_FIELDS, VALIDATE_CREATE, inner);
  size_t i;
  json_t *e;
  json_array_foreach(inner, i, e) {
    char field[64];
    snprintf(field, sizeof field, "categories.%s", json_string_value(json_object_get(e, "field")));
    json_array_append_new(errors, json_pack("{s:s, s:O}", "field", field, "message", json_object_get(e, "message")));
  }
  json_decref(inner);
  for (int c = 0; c < 3; c++) {
    const json_t *list = json_object_get(cats, CATS[c]);
    char field[64];
    snprintf(field, sizeof field, "categories.%s", CATS[c]);
    if (field_has_error(errors, field)) {
      continue;
    }
    if (json_array_size(list) == 0) {
      errors_add(errors, field, MSG_SCHEME_NO_PREFIX);
      continue;
    }
    json_t *p;
    json_array_foreach(list, i, p) {
      if (!prefix_ok(json_string_value(p))) {
        errors_add(errors, field, MSG_SCHEME_PREFIX);
        break;
      }
      /* a prefix names one category */
      for (int d = 0; d < c; d++) {
        size_t j;
        json_t *q;
        json_array_foreach(json_object_get(cats, CATS[d]), j, q) {
          if (json_is_string(q) && strcmp(json_string_value(q), json_string_value(p)) == 0) {
            errors_add(errors, field, MSG_SCHEME_PREFIX_TWICE, json_string_value(p));
          }
        }
      }
    }
  }
  return (int)json_array_size(errors) - before;
}
