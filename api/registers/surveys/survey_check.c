#include <stdio.h>
#include <string.h>

#include "survey_check.h"
#include "validate.h"

static const char *const QUESTION_TYPES[] = {"scale_1_5", "yes_no", "single_choice", "multi_choice", "text", NULL};
static const char *const FIELD_TYPES[] = {"choice", "org_unit", "process", NULL};

static const struct field_spec QUESTION_FIELDS[] = {
    {.name = "key", .type = VT_STRING, .flags = V_REQUIRED, .min_len = 1, .max_len = 40},
    {.name = "text", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 1000},
    {.name = "type", .type = VT_STRING, .flags = V_REQUIRED, .one_of = QUESTION_TYPES},
    {.name = "required", .type = VT_BOOLEAN},
    {.name = "options", .type = VT_OBJECT_ARRAY, .max_items = 50},
    {.name = "allow_dont_know", .type = VT_BOOLEAN},
    {.name = "allow_not_applicable", .type = VT_BOOLEAN},
    {.name = "max_length", .type = VT_INTEGER, .min = 1, .max = 5000},
    {0},
};

static const struct field_spec FIELD_FIELDS[] = {
    {.name = "key", .type = VT_STRING, .flags = V_REQUIRED, .min_len = 1, .max_len = 40},
    {.name = "text", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 1000},
    {.name = "type", .type = VT_STRING, .flags = V_REQUIRED, .one_of = FIELD_TYPES},
    {.name = "options", .type = VT_OBJECT_ARRAY, .max_items = 50},
    {0},
};

static const struct field_spec OPTION_FIELDS[] = {
    {.name = "key", .type = VT_STRING, .flags = V_REQUIRED, .min_len = 1, .max_len = 40},
    {.name = "text", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 500},
    {0},
};

static int key_valid(const char *k) {
  size_t n = k ? strlen(k) : 0;
  if (n < 1 || n > 40) return 0;
  for (size_t i = 0; i < n; i++) {
    if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_')) return 0;
  }
  return 1;
}

/* Appends inner errors under a name prefix. */
static void nest(json_t *errors, json_t *inner, const char *prefix) {
  size_t i;
  json_t *e;
  json_array_foreach(inner, i, e) {
    char field[200];
    const char *f = json_string_value(json_object_get(e, "field"));
    snprintf(field, sizeof field, "%s%s%s", prefix, *f ? "." : "", f);
    json_array_append_new(errors, json_pack("{s:s, s:O}", "field", field, "message", json_object_get(e, "message")));
  }
}

static int is_choice(const char *type) {
  return type &&
         (strcmp(type, "single_choice") == 0 || strcmp(type, "multi_choice") == 0 || strcmp(type, "choice") == 0);
}

static void check_options(const json_t *item, const char *type, const char *name, json_t *errors) {
  const json_t *options = json_object_get(item, "options");
  char field[120];
  snprintf(field, sizeof field, "%s.options", name);
  if (!is_choice(type)) {
    if (options) errors_add(errors, field, MSG_OPTIONS_ONLY_CHOICE);
    return;
  }
  if (json_array_size(options) < 2) {
    errors_add(errors, field, MSG_OPTIONS_COUNT);
    return;
  }
  size_t i;
  json_t *opt;
  json_array_foreach(options, i, opt) {
    char at[180];
    json_t *inner = json_array();
    snprintf(at, sizeof at, "%s[%zu]", field, i);
    validate_object(opt, OPTION_FIELDS, VALIDATE_CREATE, inner);
    const char *k = json_string_value(json_object_get(opt, "key"));
    if (json_array_size(inner) == 0 && !key_valid(k)) errors_add(inner, "key", MSG_KEY_CHARS);
    for (size_t j = 0; j < i && k; j++) {
      const char *other = json_string_value(json_object_get(json_array_get(options, j), "key"));
      if (other && strcmp(other, k) == 0) errors_add(inner, "key", MSG_DUPLICATE_ITEMS);
    }
    nest(errors, inner, at);
    json_decref(inner);
  }
}

/* Checks one list (questions or fields); keys are collected into seen. */
static void check_list(const json_t *list, const char *name, const struct field_spec *spec, int questions, json_t *seen,
                       json_t *errors) {
  size_t i;
  json_t *item;
  if (list == NULL) return;
  if (!json_is_array(list)) {
    errors_add(errors, name, MSG_MUST_BE_ARRAY_OF_OBJECTS);
    return;
  }
  if (json_array_size(list) > (questions ? 100u : 10u)) {
    errors_add(errors, name, MSG_TOO_MANY_ITEMS, (size_t)(questions ? 100 : 10));
    return;
  }
  json_array_foreach(list, i, item) {
    char at[64];
    json_t *inner = json_array();
    snprintf(at, sizeof at, "%s[%zu]", name, i);
    validate_object(item, spec, VALIDATE_CREATE, inner);
    nest(errors, inner, at);
    if (json_array_size(inner) == 0) {
      const char *k = json_string_value(json_object_get(item, "key"));
      const char *type = json_string_value(json_object_get(item, "type"));
      char field[80];
      snprintf(field, sizeof field, "%s.key", at);
      if (!key_valid(k)) {
        errors_add(errors, field, MSG_KEY_CHARS);
      } else if (json_object_get(seen, k)) {
        errors_add(errors, field, MSG_DUPLICATE_KEY);
      } else {
        json_object_set_new(seen, k, json_true());
      }
      check_options(item, type, at, errors);
      int scale = strcmp(type, "scale_1_5") == 0;
      const char *only_scale[] = {"allow_dont_know", "allow_not_applicable"};
      for (int s = 0; s < 2; s++) {
        if (!scale && json_object_get(item, only_scale[s])) {
          snprintf(field, sizeof field, "%s.%s", at, only_scale[s]);
          errors_add(errors, field, MSG_ONLY_FOR_SCALE);
        }
      }
      if (strcmp(type, "text") != 0 && json_object_get(item, "max_length")) {
        snprintf(field, sizeof field, "%s.max_length", at);
        errors_add(errors, field, MSG_ONLY_FOR_TEXT);
      }
    }
    json_decref(inner);
  }
}

int survey_definition_check(const json_t *questions, const json_t *fields, json_t *errors) {
  size_t before = json_array_size(errors);
  json_t *seen = json_object();
  check_list(questions, "questions", QUESTION_FIELDS, 1, seen, errors);
  check_list(fields, "respondent_fields", FIELD_FIELDS, 0, seen, errors);
  json_decref(seen);
  return (int)(json_array_size(errors) - before);
}

static const json_t *find_by_key(const json_t *list, const char *key) {
  size_t i;
  json_t *item;
  json_array_foreach(list, i, item) {
    const char *k = json_string_value(json_object_get(item, "key"));
    if (k && strcmp(k, key) == 0) return item;
  }
  return NULL;
}

static int option_known(const json_t *def, const char *key) {
  return find_by_key(json_object_get(def, "options"), key) != NULL;
}

static int in_list(const json_t *list, const char *s) {
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v) {
    if (json_is_string(v) && strcmp(json_string_value(v), s) == 0) return 1;
  }
  return 0;
}

static void tally_add(json_t *tally, const char *key, const char *value) {
  json_array_append_new(tally, json_pack("[s, s]", key, value));
}

/* Checks one answer; adds its tally pairs to t. Returns 0 or 1 (errors appended). */
static int check_answer(const json_t *def, const char *key, const json_t *v, const char *field, json_t *errors,
                        json_t *t) {
  const char *type = json_string_value(json_object_get(def, "type"));
  if (strcmp(type, "scale_1_5") == 0) {
    if (json_is_integer(v) && json_integer_value(v) >= 1 && json_integer_value(v) <= 5) {
      char n[2] = {(char)('0' + json_integer_value(v)), '\0'};
      tally_add(t, key, n);
      return 0;
    }
    const char *s = json_string_value(v);
    if (s && strcmp(s, "dont_know") == 0 && json_is_true(json_object_get(def, "allow_dont_know"))) {
      tally_add(t, key, s);
      return 0;
    }
    if (s && strcmp(s, "not_applicable") == 0 && json_is_true(json_object_get(def, "allow_not_applicable"))) {
      tally_add(t, key, s);
      return 0;
    }
    errors_add(errors, field, MSG_SCALE_ANSWER);
    return 1;
  }
  if (strcmp(type, "yes_no") == 0) {
    if (!json_is_boolean(v)) {
      errors_add(errors, field, MSG_MUST_BE_BOOLEAN);
      return 1;
    }
    tally_add(t, key, json_is_true(v) ? "yes" : "no");
    return 0;
  }
  if (strcmp(type, "single_choice") == 0) {
    if (!json_is_string(v) || !option_known(def, json_string_value(v))) {
      errors_add(errors, field, MSG_UNKNOWN_OPTION);
      return 1;
    }
    tally_add(t, key, json_string_value(v));
    return 0;
  }
  if (strcmp(type, "multi_choice") == 0) {
    size_t i;
    json_t *o;
    if (!json_is_array(v) || json_array_size(v) == 0) {
      errors_add(errors, field, MSG_MULTI_ANSWER);
      return 1;
    }
    json_array_foreach(v, i, o) {
      int repeated = 0;
      for (size_t j = 0; j < i; j++)
        repeated |= json_equal(o, json_array_get(v, j));
      if (!json_is_string(o) || !option_known(def, json_string_value(o)) || repeated) {
        errors_add(errors, field, MSG_UNKNOWN_OPTION);
        return 1;
      }
    }
    json_array_foreach(v, i, o) {
      tally_add(t, key, json_string_value(o));
    }
    tally_add(t, key, "__n");
    return 0;
  }
  /* text */
  json_int_t max = json_integer_value(json_object_get(def, "max_length"));
  if (max <= 0) max = 2000;
  if (!json_is_string(v) || !utf8_valid(json_string_value(v), json_string_length(v))) {
    errors_add(errors, field, MSG_MUST_BE_STRING);
    return 1;
  }
  if ((json_int_t)utf8_length(json_string_value(v), json_string_length(v)) > max) {
    errors_add(errors, field, MSG_TOO_LONG, (size_t)max);
    return 1;
  }
  tally_add(t, key, "__n");
  return 0;
}

int response_check(const json_t *questions, const json_t *fields, const json_t *units, const json_t *processes,
                   const json_t *response, const char *prefix, int allow_code, json_t *errors, json_t *tally) {
  size_t before = json_array_size(errors);
  json_t *t = json_array();
  char field[200];
  const char *k;
  json_t *v;
  if (!json_is_object(response)) {
    snprintf(field, sizeof field, "%s", *prefix ? prefix : "");
    if (field[0] && field[strlen(field) - 1] == '.') field[strlen(field) - 1] = '\0';
    errors_add(errors, field, MSG_BODY_NOT_OBJECT);
    json_decref(t);
    return 1;
  }
  json_object_foreach((json_t *)response, k, v) {
    if (strcmp(k, "answers") != 0 && strcmp(k, "respondent") != 0 && !(allow_code && strcmp(k, "access_code") == 0)) {
      snprintf(field, sizeof field, "%s%s", prefix, k);
      errors_add(errors, field, MSG_UNKNOWN_FIELD);
    }
  }
  const json_t *answers = json_object_get(response, "answers");
  const json_t *respondent = json_object_get(response, "respondent");
  if (answers != NULL && !json_is_object(answers)) {
    snprintf(field, sizeof field, "%sanswers", prefix);
    errors_add(errors, field, MSG_MUST_BE_OBJECT);
    answers = NULL;
  }
  if (respondent != NULL && !json_is_object(respondent)) {
    snprintf(field, sizeof field, "%srespondent", prefix);
    errors_add(errors, field, MSG_MUST_BE_OBJECT);
    respondent = NULL;
  }
  json_object_foreach((json_t *)answers, k, v) {
    const json_t *def = find_by_key(questions, k);
    snprintf(field, sizeof field, "%sanswers.%s", prefix, k);
    if (def == NULL) {
      errors_add(errors, field, MSG_UNKNOWN_QUESTION);
    } else if (!json_is_null(v)) {
      check_answer(def, k, v, field, errors, t);
    }
  }
  size_t i;
  json_t *q;
  json_array_foreach(questions, i, q) {
    const char *key = json_string_value(json_object_get(q, "key"));
    const json_t *a = json_object_get(answers, key);
    if (json_is_true(json_object_get(q, "required")) && (a == NULL || json_is_null(a))) {
      snprintf(field, sizeof field, "%sanswers.%s", prefix, key);
      errors_add(errors, field, MSG_REQUIRED);
    }
  }
  json_object_foreach((json_t *)respondent, k, v) {
    const json_t *def = find_by_key(fields, k);
    snprintf(field, sizeof field, "%srespondent.%s", prefix, k);
    if (def == NULL) {
      errors_add(errors, field, MSG_UNKNOWN_FIELD);
      continue;
    }
    if (json_is_null(v)) continue;
    const char *type = json_string_value(json_object_get(def, "type"));
    const char *s = json_string_value(v);
    int ok = s != NULL && *s != '\0';
    if (ok && strcmp(type, "choice") == 0) ok = option_known(def, s);
    if (ok && strcmp(type, "org_unit") == 0 && units) ok = in_list(units, s);
    if (ok && strcmp(type, "process") == 0 && processes) ok = in_list(processes, s);
    if (!ok) {
      errors_add(errors, field, MSG_UNKNOWN_OPTION);
    } else {
      char group[64];
      snprintf(group, sizeof group, "@%s", k);
      tally_add(t, group, s);
    }
  }
  int n = (int)(json_array_size(errors) - before);
  if (n == 0) json_array_extend(tally, t);
  json_decref(t);
  return n;
}

int survey_csv_header_check(const json_t *questions, const json_t *fields, const json_t *header, json_t *errors) {
  size_t before = json_array_size(errors), i;
  json_t *h;
  json_array_foreach(header, i, h) {
    const char *k = json_string_value(h);
    char field[64];
    snprintf(field, sizeof field, "header[%zu]", i);
    if (!find_by_key(questions, k) && !find_by_key(fields, k)) {
      errors_add(errors, field, MSG_UNKNOWN_QUESTION);
    }
    for (size_t j = 0; j < i; j++) {
      if (json_equal(h, json_array_get(header, j))) errors_add(errors, field, MSG_DUPLICATE_KEY);
    }
  }
  return (int)(json_array_size(errors) - before);
}

json_t *survey_csv_row(const json_t *questions, const json_t *fields, const json_t *header, const json_t *row) {
  json_t *answers = json_object(), *respondent = json_object();
  size_t i;
  json_t *h;
  json_array_foreach(header, i, h) {
    const char *k = json_string_value(h);
    const char *cell = json_string_value(json_array_get(row, i));
    if (cell == NULL || *cell == '\0') continue;
    const json_t *def = find_by_key(questions, k);
    if (def == NULL) {
      if (find_by_key(fields, k)) json_object_set_new(respondent, k, json_string(cell));
      continue;
    }
    const char *type = json_string_value(json_object_get(def, "type"));
    json_t *v;
    if (strcmp(type, "scale_1_5") == 0) {
      v = (strlen(cell) == 1 && cell[0] >= '1' && cell[0] <= '5') ? json_integer(cell[0] - '0') : json_string(cell);
    } else if (strcmp(type, "yes_no") == 0) {
      if (strcmp(cell, "yes") == 0 || strcmp(cell, "true") == 0 || strcmp(cell, "tak") == 0)
        v = json_true();
      else if (strcmp(cell, "no") == 0 || strcmp(cell, "false") == 0 || strcmp(cell, "nie") == 0)
        v = json_false();
      else
        v = json_string(cell);
    } else if (strcmp(type, "multi_choice") == 0) {
      v = json_array();
      const char *p = cell;
      while (*p) {
        size_t n = strcspn(p, "|");
        json_array_append_new(v, json_stringn(p, n));
        p += n + (p[n] == '|');
      }
    } else {
      v = json_string(cell);
    }
    json_object_set_new(answers, k, v);
  }
  return json_pack("{s:o, s:o}", "answers", answers, "respondent", respondent);
}
