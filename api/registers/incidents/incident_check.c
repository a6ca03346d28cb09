/* The checks of an incident that need no database: the shapes of a body with its nested
 * sections, timestamps normalised to UTC, the rules over the whole record as it will be
 * stored, what each workflow step needs, and the merge of a PATCH into the stored record. */
#include <stdio.h>
#include <string.h>

#include "incident_check.h"
#include "rules.h"
#include "timefmt.h"

/* Validates a nested object or array of objects, naming its errors "outer.inner" or
 * "outer[i].inner". */
static void validate_nested(const json_t *value, const struct field_spec *specs, const char *outer, json_t *errors) {
  json_t *inner = json_array();
  char field[160];
  size_t i, k;
  json_t *item, *e;
  if (json_is_object(value)) {
    validate_object(value, specs, VALIDATE_PATCH, inner);
    json_array_foreach(inner, k, e) {
      snprintf(field, sizeof field, "%s.%s", outer, json_string_value(json_object_get(e, "field")));
      json_array_append_new(errors, json_pack("{s:s, s:O}", "field", field, "message", json_object_get(e, "message")));
    }
  } else if (json_is_array(value)) {
    json_array_foreach(value, i, item) {
      json_array_clear(inner);
      validate_object(item, specs, VALIDATE_CREATE, inner);
      json_array_foreach(inner, k, e) {
        const char *f = json_string_value(json_object_get(e, "field"));
        snprintf(field, sizeof field, "%s[%zu]%s%s", outer, i, *f ? "." : "", f);
        json_array_append_new(errors,
                              json_pack("{s:s, s:O}", "field", field, "message", json_object_get(e, "message")));
      }
    }
  }
  json_decref(inner);
}

void incident_normalise_time(json_t *obj, const char *key, const char *field, time_t now, json_t *errors) {
  json_t *v = json_object_get(obj, key);
  time_t t;
  char utc[32];
  if (!json_is_string(v) || rfc3339_parse(json_string_value(v), &t) != 0) {
    return;
  }
  if (t > now + 60) {
    errors_add(errors, field, MSG_IN_FUTURE);
  }
  rfc3339_format(t, utc, sizeof utc);
  json_object_set_new(obj, key, json_string(utc));
}

static void normalise_supplements(json_t *section, const char *key, const char *outer, time_t now, json_t *errors) {
  size_t i;
  json_t *item;
  json_array_foreach(json_object_get(section, key), i, item) {
    char field[96];
    snprintf(field, sizeof field, "%s.%s[%zu].at", outer, key, i);
    incident_normalise_time(item, "at", field, now, errors);
  }
}

static void fill_item_defaults(json_t *items, const char *const *keys, int null_first) {
  size_t i;
  json_t *item;
  json_array_foreach(items, i, item) {
    for (size_t k = 0; keys[k]; k++) {
      if (json_object_get(item, keys[k]) == NULL) {
        json_object_set_new(item, keys[k], (k == 0 && null_first) ? json_null() : json_string(""));
      }
    }
  }
}

void incident_fill_defaults(json_t *doc) {
  static const char *const EVIDENCE_KEYS[] = {"document_id", "description", NULL};
  static const char *const SUPPLEMENT_KEYS[] = {"reference", "summary", NULL};
  fill_item_defaults(json_object_get(doc, "evidence"), EVIDENCE_KEYS, 0);
  fill_item_defaults(json_object_get(json_object_get(doc, "breach"), "uodo_supplements"), SUPPLEMENT_KEYS, 1);
  fill_item_defaults(json_object_get(json_object_get(doc, "ksc"), "csirt_supplements"), SUPPLEMENT_KEYS, 1);
}

void incident_check_shapes(json_t *body, enum validate_mode mode, time_t now, json_t *errors) {
  validate_object(body, INCIDENT_FIELDS, mode, errors);
  json_t *breach = json_object_get(body, "breach"), *ksc = json_object_get(body, "ksc");
  validate_nested(breach, BREACH_FIELDS, "breach", errors);
  validate_nested(ksc, KSC_FIELDS, "ksc", errors);
  validate_nested(json_object_get(body, "evidence"), EVIDENCE_FIELDS, "evidence", errors);
  validate_nested(json_object_get(breach, "uodo_supplements"), SUPPLEMENT_FIELDS, "breach.uodo_supplements", errors);
  validate_nested(json_object_get(ksc, "csirt_supplements"), SUPPLEMENT_FIELDS, "ksc.csirt_supplements", errors);
  incident_normalise_time(body, "occurred_at", "occurred_at", now, errors);
  incident_normalise_time(body, "detected_at", "detected_at", now, errors);
  if (json_is_object(breach)) {
    incident_normalise_time(breach, "aware_at", "breach.aware_at", now, errors);
    incident_normalise_time(breach, "uodo_notified_at", "breach.uodo_notified_at", now, errors);
    incident_normalise_time(breach, "subjects_notified_at", "breach.subjects_notified_at", now, errors);
    normalise_supplements(breach, "uodo_supplements", "breach", now, errors);
  }
  if (json_is_object(ksc)) {
    incident_normalise_time(ksc, "csirt_reported_at", "ksc.csirt_reported_at", now, errors);
    normalise_supplements(ksc, "csirt_supplements", "ksc", now, errors);
  }
}

static time_t time_of(const json_t *obj, const char *key) {
  time_t t;
  const char *s = json_string_value(json_object_get(obj, key));
  return s && rfc3339_parse(s, &t) == 0 ? t : (time_t)-1;
}

/* later must not come before earlier (when both are known). */
static void not_before(json_t *errors, const json_t *later_obj, const char *later, const char *later_field,
                       const json_t *earlier_obj, const char *earlier, const char *earlier_field) {
  time_t a = time_of(later_obj, later), b = time_of(earlier_obj, earlier);
  if (a != (time_t)-1 && b != (time_t)-1 && a < b) {
    errors_add(errors, later_field, MSG_BEFORE, earlier_field);
  }
}

static int has_text(const json_t *obj, const char *key) {
  const char *s = json_string_value(json_object_get(obj, key));
  return s != NULL && *s != '\0';
}

void incident_check_rules(const json_t *inc, long long uodo_hours, json_t *errors) {
  const char *type = json_string_value(json_object_get(inc, "type"));
  const json_t *breach = json_object_get(inc, "breach"), *ksc = json_object_get(inc, "ksc");
  if (json_is_object(breach) && (type == NULL || strcmp(type, "personal_data_breach") != 0)) {
    errors_add(errors, "breach", MSG_NOT_FOR_TYPE, "personal_data_breach");
  }
  if (json_is_object(ksc) && (type == NULL || strcmp(type, "cyber") != 0)) {
    errors_add(errors, "ksc", MSG_NOT_FOR_TYPE, "cyber");
  }
  not_before(errors, inc, "detected_at", "detected_at", inc, "occurred_at", "occurred_at");
  not_before(errors, breach, "aware_at", "breach.aware_at", inc, "detected_at", "detected_at");
  not_before(errors, breach, "uodo_notified_at", "breach.uodo_notified_at", breach, "aware_at", "breach.aware_at");
  not_before(errors, breach, "subjects_notified_at", "breach.subjects_notified_at", breach, "aware_at",
             "breach.aware_at");
  not_before(errors, ksc, "csirt_reported_at", "ksc.csirt_reported_at", inc, "detected_at", "detected_at");
  if (json_is_object(breach)) {
    const char *risk = json_string_value(json_object_get(breach, "risk_level"));
    if (has_text(breach, "uodo_not_notified_reason") && (risk == NULL || strcmp(risk, "none") != 0)) {
      errors_add(errors, "breach.uodo_not_notified_reason", MSG_NOT_NOTIFIED_ONLY_NONE);
    }
    if (has_text(breach, "subjects_exemption") && !has_text(breach, "subjects_exemption_justification")) {
      errors_add(errors, "breach.subjects_exemption_justification", MSG_EXEMPTION_JUSTIFICATION);
    }
    time_t aware = time_of(breach, "aware_at"), notified = time_of(breach, "uodo_notified_at");
    if (aware != (time_t)-1 && notified != (time_t)-1 && notified > aware + uodo_hours * 3600 &&
        !has_text(breach, "uodo_late_reason")) {
      errors_add(errors, "breach.uodo_late_reason", MSG_NEEDS_LATE_REASON);
    }
  }
}

void incident_check_step(const json_t *inc, const char *to, json_t *errors) {
  const char *type = json_string_value(json_object_get(inc, "type"));
  const json_t *breach = json_object_get(inc, "breach");
  int is_breach = type && strcmp(type, "personal_data_breach") == 0;
  if (strcmp(to, "investigating") == 0 && is_breach) {
    if (!has_text(breach, "risk_level")) errors_add(errors, "breach.risk_level", MSG_REQUIRED_TO, to);
    if (!has_text(breach, "aware_at")) errors_add(errors, "breach.aware_at", MSG_REQUIRED_TO, to);
  }
  if (strcmp(to, "resolved") == 0 && !has_text(inc, "resolution")) {
    errors_add(errors, "resolution", MSG_REQUIRED_TO, to);
  }
  if (strcmp(to, "closed") == 0) {
    if (!has_text(inc, "lessons_learned")) errors_add(errors, "lessons_learned", MSG_REQUIRED_TO, to);
    if (is_breach) {
      const char *risk = json_string_value(json_object_get(breach, "risk_level"));
      int none = risk && strcmp(risk, "none") == 0;
      if (!has_text(breach, "uodo_notified_at") && !(none && has_text(breach, "uodo_not_notified_reason"))) {
        errors_add(errors, "breach.uodo_notified_at", MSG_CLOSE_NEEDS_UODO);
      }
      if (risk && strcmp(risk, "high") == 0 && !has_text(breach, "subjects_notified_at") &&
          !has_text(breach, "subjects_exemption")) {
        errors_add(errors, "breach.subjects_notified_at", MSG_CLOSE_NEEDS_SUBJECTS);
      }
    }
  }
}

void incident_check_report(json_t *body, int iod, json_t *errors) {
  if (!json_is_object(body)) {
    return;
  }
  if (!iod) {
    for (const struct field_spec *f = &INCIDENT_FIELDS[FIRST_IOD_FIELD]; f->name; f++) {
      if (json_object_get(body, f->name)) {
        errors_add(errors, f->name, MSG_IOD_ONLY_FIELD);
        json_object_del(body, f->name);
      }
    }
  }
  /* a new report has neither: they come with the resolving and closing steps */
  static const char *const STEP_FIELDS[] = {"resolution", "lessons_learned"};
  for (size_t i = 0; i < 2; i++) {
    if (json_object_get(body, STEP_FIELDS[i])) {
      errors_add(errors, STEP_FIELDS[i], MSG_SET_BY_STEP);
      json_object_del(body, STEP_FIELDS[i]);
    }
  }
}

/* Merge-patch of one section: members replaced, null removes one, null section clears it. */
static void merge_section(json_t *doc, const json_t *patch, const char *key) {
  json_t *p = json_object_get(patch, key);
  if (p == NULL) {
    return;
  }
  if (json_is_null(p)) {
    json_object_set_new(doc, key, json_null());
    return;
  }
  json_t *cur = json_object_get(doc, key);
  json_t *merged = json_is_object(cur) ? json_deep_copy(cur) : json_object();
  const char *k;
  json_t *v;
  json_object_foreach(p, k, v) {
    if (json_is_null(v)) {
      json_object_del(merged, k);
    } else {
      json_object_set(merged, k, v);
    }
  }
  json_object_set_new(doc, key, merged);
}

void incident_merge(json_t *doc, const json_t *patch) {
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)patch, key, v) {
    if (strcmp(key, "breach") != 0 && strcmp(key, "ksc") != 0) {
      json_object_set(doc, key, v);
    }
  }
  merge_section(doc, patch, "breach");
  merge_section(doc, patch, "ksc");
  incident_fill_defaults(doc);
}
