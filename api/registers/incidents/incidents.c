/* The IOD's incident register (rejestr incydentów): reports from any employee, triage and
 * investigation by the IOD, the personal-data breach section (GDPR art. 33/34) and the KSC
 * section (art. 22), their statutory deadlines computed on every read, a timeline, and the
 * art. 33(5) breach register.
 *
 * Confidentiality is decided here and rendered by SQL (zsz_incident_json with a view):
 * iod and president see everything, the plenipotentiary a breach reduced to its risk level,
 * a reporter its own reports' number, title and status, anyone else nothing (404). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "handlers.h"
#include "http.h"
#include "server.h"
#include "timefmt.h"
#include "validate.h"
#include "workflow.h"

static const char *const STATES[] = {"reported", "triage", "investigating", "resolved", "closed", "dismissed", NULL};
static const char *const TYPES[] = {"personal_data_breach", "cyber", "it_failure", "physical", "other", NULL};
static const char *const CATEGORIES[] = {"confidentiality", "integrity", "availability", NULL};
static const char *const SOURCES[] = {"internal", "external", NULL};
static const char *const NATURES[] = {"destruction",         "loss", "alteration", "unauthorised_disclosure",
                                      "unauthorised_access", NULL};
static const char *const RISKS[] = {"none", "risk", "high", NULL};
static const char *const EXEMPTIONS[] = {"encrypted", "risk_removed", "disproportionate_effort_public_notice", NULL};
static const char *const CSIRTS[] = {"NASK", "GOV", "MON", NULL};
static const char *const TIMELINE_KINDS[] = {"detection", "analysis",     "containment", "eradication",
                                             "recovery",  "notification", "note",        NULL};
static const char *const DEADLINE_STATES[] = {"pending", "met", "missed", "not_applicable", NULL};

#define IOD ROLE_IOD

static const struct workflow_step STEPS[] = {
    {"reported", "triage", IOD, NULL},      {"triage", "investigating", IOD, NULL},
    {"triage", "dismissed", IOD, "reason"}, {"investigating", "resolved", IOD, NULL},
    {"resolved", "closed", IOD, NULL},
};
static const struct workflow WORKFLOW = {STATES, STEPS, 5};

#define TEXT(n, max)                                                                                                   \
  { .name = n, .type = VT_STRING, .flags = V_TEXT, .max_len = max }
/* section members may be null: in a PATCH that clears them */
#define NTEXT(n, max)                                                                                                  \
  { .name = n, .type = VT_STRING, .flags = V_TEXT | V_NULLABLE, .max_len = max }

/* What any employee may report; the IOD may also send the fields after these. */
static const struct field_spec INCIDENT_FIELDS[] = {
    {.name = "title", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    TEXT("description", 20000),
    {.name = "type", .type = VT_STRING, .flags = V_REQUIRED, .one_of = TYPES},
    {.name = "occurred_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "detected_at", .type = VT_TIMESTAMP, .flags = V_REQUIRED},
    {.name = "source", .type = VT_STRING, .one_of = SOURCES},
    {.name = "categories", .type = VT_STRING_ARRAY, .flags = V_UNIQUE, .one_of = CATEGORIES, .max_items = 3},
    {.name = "affected_systems",
     .type = VT_STRING_ARRAY,
     .flags = V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 200,
     .max_items = 50},
    {.name = "affected_org_unit_ids", .type = VT_INTEGER_ARRAY, .min = 1, .max = (1LL << 53), .max_items = 50},
    /* the IOD's */
    {.name = "severity", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 1, .max = 5},
    TEXT("resolution", 20000),
    TEXT("lessons_learned", 20000),
    {.name = "evidence", .type = VT_OBJECT_ARRAY, .max_items = 50},
    {.name = "breach", .type = VT_OBJECT, .flags = V_NULLABLE},
    {.name = "ksc", .type = VT_OBJECT, .flags = V_NULLABLE},
    {0},
};
#define FIRST_IOD_FIELD 9

static const struct field_spec EVIDENCE_FIELDS[] = {
    {.name = "znak_sprawy", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 100},
    {.name = "document_id", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 100},
    TEXT("description", 2000),
    {0},
};

static const struct field_spec SUPPLEMENT_FIELDS[] = {
    {.name = "at", .type = VT_TIMESTAMP, .flags = V_REQUIRED},
    {.name = "reference", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 100},
    TEXT("summary", 5000),
    {0},
};

static const struct field_spec BREACH_FIELDS[] = {
    {.name = "aware_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "breach_nature", .type = VT_STRING, .flags = V_NULLABLE, .one_of = NATURES},
    {.name = "data_categories",
     .type = VT_STRING_ARRAY,
     .flags = V_SINGLE_LINE | V_UNIQUE | V_NULLABLE,
     .min_len = 1,
     .max_len = 100,
     .max_items = 50},
    {.name = "subjects_count", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 0, .max = 1000000000000LL},
    {.name = "records_count", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 0, .max = 1000000000000LL},
    NTEXT("likely_consequences", 20000),
    NTEXT("measures_taken", 20000),
    {.name = "risk_level", .type = VT_STRING, .flags = V_NULLABLE, .one_of = RISKS},
    {.name = "uodo_notified_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "uodo_reference", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .max_len = 100},
    {.name = "uodo_supplements", .type = VT_OBJECT_ARRAY, .flags = V_NULLABLE, .max_items = 50},
    {.name = "uodo_not_notified_reason",
     .type = VT_STRING,
     .flags = V_NULLABLE | V_TEXT,
     .min_len = 1,
     .max_len = 5000},
    {.name = "uodo_late_reason", .type = VT_STRING, .flags = V_NULLABLE | V_TEXT, .min_len = 1, .max_len = 5000},
    {.name = "subjects_notified_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "subjects_notification_method", .type = VT_STRING, .flags = V_NULLABLE | V_TEXT, .max_len = 500},
    {.name = "subjects_exemption", .type = VT_STRING, .flags = V_NULLABLE, .one_of = EXEMPTIONS},
    {.name = "subjects_exemption_justification", .type = VT_STRING, .flags = V_NULLABLE | V_TEXT, .max_len = 5000},
    {0},
};

static const struct field_spec KSC_FIELDS[] = {
    {.name = "csirt", .type = VT_STRING, .flags = V_NULLABLE, .one_of = CSIRTS},
    {.name = "public_task_affected", .type = VT_BOOLEAN, .flags = V_NULLABLE},
    {.name = "people_affected", .type = VT_INTEGER, .flags = V_NULLABLE, .min = 0, .max = 1000000000000LL},
    {.name = "duration", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .max_len = 100},
    {.name = "csirt_reported_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "csirt_reference", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .max_len = 100},
    {.name = "csirt_supplements", .type = VT_OBJECT_ARRAY, .flags = V_NULLABLE, .max_items = 50},
    {0},
};

static const struct field_spec TIMELINE_FIELDS[] = {
    {.name = "at", .type = VT_TIMESTAMP, .flags = V_REQUIRED},
    {.name = "kind", .type = VT_STRING, .flags = V_REQUIRED, .one_of = TIMELINE_KINDS},
    {.name = "text", .type = VT_STRING, .flags = V_REQUIRED | V_TEXT, .min_len = 1, .max_len = 5000},
    {0},
};

static const struct field_spec TRANSITION_FIELDS[] = {
    {.name = "to", .type = VT_STRING, .flags = V_REQUIRED, .one_of = STATES},
    {.name = "reason", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 2000},
    TEXT("resolution", 20000),
    TEXT("lessons_learned", 20000),
    {0},
};

static const struct field_spec RULE_FIELDS[] = {
    {.name = "uodo", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 8760},
    {.name = "csirt", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 8760},
    {.name = "subjects", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 8760},
    {0},
};

/* ---- who sees what -------------------------------------------------------------------------- */

/* The view of every incident for this caller: "full", "manager", or "" (own reports only). */
static const char *role_view(const struct req_ctx *c) {
  if (c->who.roles & (ROLE_IOD | ROLE_PRESIDENT)) return "full";
  if (c->who.roles & ROLE_PLENIPOTENTIARY) return "manager";
  return "";
}

/* ---- validation of a (merged) incident ------------------------------------------------------- */

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

/* Rewrites a timestamp member to UTC ("...+00:00") and refuses one in the future. */
static void normalise_time(json_t *obj, const char *key, const char *field, time_t now, json_t *errors) {
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
    normalise_time(item, "at", field, now, errors);
  }
}

/* Items of evidence and supplements get every member, so stored documents have one shape. */
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

static void fill_defaults(json_t *doc) {
  static const char *const EVIDENCE_KEYS[] = {"document_id", "description", NULL};
  static const char *const SUPPLEMENT_KEYS[] = {"reference", "summary", NULL};
  fill_item_defaults(json_object_get(doc, "evidence"), EVIDENCE_KEYS, 0);
  fill_item_defaults(json_object_get(json_object_get(doc, "breach"), "uodo_supplements"), SUPPLEMENT_KEYS, 1);
  fill_item_defaults(json_object_get(json_object_get(doc, "ksc"), "csirt_supplements"), SUPPLEMENT_KEYS, 1);
}

/* Shapes of a body (create or patch), including the nested sections; timestamps normalised. */
static void check_shapes(json_t *body, enum validate_mode mode, time_t now, json_t *errors) {
  validate_object(body, INCIDENT_FIELDS, mode, errors);
  json_t *breach = json_object_get(body, "breach"), *ksc = json_object_get(body, "ksc");
  validate_nested(breach, BREACH_FIELDS, "breach", errors);
  validate_nested(ksc, KSC_FIELDS, "ksc", errors);
  validate_nested(json_object_get(body, "evidence"), EVIDENCE_FIELDS, "evidence", errors);
  validate_nested(json_object_get(breach, "uodo_supplements"), SUPPLEMENT_FIELDS, "breach.uodo_supplements", errors);
  validate_nested(json_object_get(ksc, "csirt_supplements"), SUPPLEMENT_FIELDS, "ksc.csirt_supplements", errors);
  normalise_time(body, "occurred_at", "occurred_at", now, errors);
  normalise_time(body, "detected_at", "detected_at", now, errors);
  if (json_is_object(breach)) {
    normalise_time(breach, "aware_at", "breach.aware_at", now, errors);
    normalise_time(breach, "uodo_notified_at", "breach.uodo_notified_at", now, errors);
    normalise_time(breach, "subjects_notified_at", "breach.subjects_notified_at", now, errors);
    normalise_supplements(breach, "uodo_supplements", "breach", now, errors);
  }
  if (json_is_object(ksc)) {
    normalise_time(ksc, "csirt_reported_at", "ksc.csirt_reported_at", now, errors);
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

/* The rules over the whole incident as it will be stored. uodo_hours: the organisation's rule. */
static void check_rules(const json_t *inc, long long uodo_hours, json_t *errors) {
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

/* What a step needs of the record as it will be after the step. */
static void check_step(const json_t *inc, const char *to, json_t *errors) {
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

/* ---- requests ----------------------------------------------------------------------------------- */

struct incident_args {
  struct req_ctx *c;
  char id_text[24];
  long long if_match;
  const char *to, *reason;
  char *body_text; /* owned */
  /* lists */
  const char *filter[4]; /* status, type, year, severity */
  const char *deadline_state;
  char within[24];
  json_t *after; /* owned */
  int limit;
  const char *year;
  int csv;
};

static void incident_args_free(struct incident_args *a) {
  free(a->body_text);
  json_decref(a->after);
}

static long long uodo_hours(struct db_tx *tx, const char *org) {
  const char *params[] = {org};
  PGresult *r = db_exec(tx, "SELECT zsz_deadline_hours($1::bigint, 'uodo')", 1, params);
  long long h = r ? atoll(PQgetvalue(r, 0, 0)) : -1;
  PQclear(r);
  return h;
}

/* The affected units belong to the organisation; appends an error otherwise. */
static int check_units(struct db_tx *tx, const char *org, const json_t *inc, json_t *errors) {
  const json_t *ids = json_object_get(inc, "affected_org_unit_ids");
  if (json_array_size(ids) == 0) {
    return 0;
  }
  char *text = json_dumps(ids, JSON_COMPACT);
  const char *params[] = {org, text};
  PGresult *r =
      db_exec(tx,
              "SELECT count(*) FILTER (WHERE u.id IS NULL) FROM jsonb_array_elements_text($2::jsonb) AS x(id) "
              "LEFT JOIN org_units u ON u.org_id = $1 AND u.id = x.id::bigint",
              2, params);
  free(text);
  if (r == NULL) {
    return -1;
  }
  if (atoll(PQgetvalue(r, 0, 0)) > 0) {
    errors_add(errors, "affected_org_unit_ids", MSG_NO_SUCH_ORG_UNIT);
  }
  PQclear(r);
  return 0;
}

/* The writable columns and their values from a validated incident document b (jsonb). */
#define INCIDENT_COLUMNS                                                                                               \
  "title, description, type, categories, occurred_at, detected_at, source, affected_systems, "                         \
  "affected_org_unit_ids, severity, resolution, lessons_learned, evidence, breach, ksc"
#define INCIDENT_VALUES                                                                                                \
  "b->>'title', coalesce(b->>'description', ''), b->>'type', "                                                         \
  "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'categories', '[]'))), "                                         \
  "(b->>'occurred_at')::timestamptz, (b->>'detected_at')::timestamptz, coalesce(b->>'source', 'internal'), "           \
  "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'affected_systems', '[]'))), "                                   \
  "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'affected_org_unit_ids', '[]')))::bigint[], "                    \
  "(b->>'severity')::integer, coalesce(b->>'resolution', ''), coalesce(b->>'lessons_learned', ''), "                   \
  "coalesce(b->'evidence', '[]'), CASE WHEN jsonb_typeof(b->'breach') = 'object' THEN b->'breach' END, "               \
  "CASE WHEN jsonb_typeof(b->'ksc') = 'object' THEN b->'ksc' END"

static void incident_create_work(struct db_tx *tx, void *arg, struct result *res) {
  struct incident_args *a = arg;
  json_t *errors = json_array();
  long long hours = uodo_hours(tx, a->c->org_param);
  if (hours < 0 || check_units(tx, a->c->org_param, a->c->body, errors) != 0) {
    goto out;
  }
  check_rules(a->c->body, hours, errors);
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  /* the counter row stays locked until commit: numbers are gap-free and never repeat */
  const char *params[] = {a->c->org_param, a->body_text, a->c->who.sub};
  PGresult *r =
      db_exec(tx,
              "WITH n AS (INSERT INTO incident_counters (org_id, year, last) "
              "  VALUES ($1, extract(year FROM zsz_today())::integer, 1) "
              "  ON CONFLICT (org_id, year) DO UPDATE SET last = incident_counters.last + 1 RETURNING year, last) "
              "INSERT INTO incidents AS i (org_id, number, reporter, " INCIDENT_COLUMNS ") "
              "SELECT $1, 'INC/' || n.year || '/' || lpad(n.last::text, 4, '0'), $3, " INCIDENT_VALUES " "
              "FROM n, (SELECT $2::jsonb AS b) AS input RETURNING zsz_incident_json(i, 'full')::text, i.revision, i.id",
              3, params);
  if (r == NULL) {
    goto out;
  }
  record_result(res, r, 201);
  snprintf(res->location, sizeof res->location, "/api/v1/incidents/%s", PQgetvalue(r, 0, 2));
  if (strcmp(role_view(a->c), "full") != 0) {
    /* the reporter learns what it may read of its report */
    json_t *doc = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    json_t *view = json_pack("{s:O, s:O, s:O, s:O, s:O}", "id", json_object_get(doc, "id"), "number",
                             json_object_get(doc, "number"), "title", json_object_get(doc, "title"), "status",
                             json_object_get(doc, "status"), "reported_at", json_object_get(doc, "reported_at"));
    free(res->raw_body);
    res->raw_body = json_dumps(view, JSON_COMPACT);
    res->etag = 0;
    json_decref(view);
    json_decref(doc);
  }
  PQclear(r);
out:
  json_decref(errors);
}

void incident_create(struct req_ctx *c) {
  struct incident_args a = {.c = c};
  json_t *errors = json_array();
  if (!(c->who.roles & ROLE_IOD) && json_is_object(c->body)) {
    for (const struct field_spec *f = &INCIDENT_FIELDS[FIRST_IOD_FIELD]; f->name; f++) {
      if (json_object_get(c->body, f->name)) {
        errors_add(errors, f->name, MSG_IOD_ONLY_FIELD);
        json_object_del(c->body, f->name);
      }
    }
  }
  /* a new report has neither: they come with the resolving and closing steps */
  static const char *const STEP_FIELDS[] = {"resolution", "lessons_learned"};
  for (size_t i = 0; i < 2 && json_is_object(c->body); i++) {
    if (json_object_get(c->body, STEP_FIELDS[i])) {
      errors_add(errors, STEP_FIELDS[i], MSG_SET_BY_STEP);
      json_object_del(c->body, STEP_FIELDS[i]);
    }
  }
  check_shapes(c->body, VALIDATE_CREATE, time(NULL), errors);
  if (json_array_size(errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  fill_defaults(c->body);
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, incident_create_work, &a);
  incident_args_free(&a);
}

static int incident_path(struct req_ctx *c, struct incident_args *a) {
  a->c = c;
  if (http_path_id_text(c, "id", a->id_text, sizeof a->id_text, MSG_NOT_FOUND_INCIDENT) != 0) {
    return -1;
  }
  return 0;
}

static void incident_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct incident_args *a = arg;
  const char *view = role_view(a->c);
  const char *params[] = {a->c->org_param, a->id_text, view, a->c->who.sub};
  /* an incident the caller may not read is as absent as another organisation's */
  record_get(tx, res,
             "SELECT zsz_incident_json(i, CASE WHEN $3 <> '' THEN $3 ELSE 'reporter' END)::text, i.revision "
             "FROM incidents i WHERE i.org_id = $1 AND i.id = $2 AND ($3 <> '' OR i.reporter = $4)",
             4, params, MSG_NOT_FOUND_INCIDENT);
  if (res->status == 200 && strcmp(view, "full") != 0) {
    res->etag = 0; /* only the IOD writes, and only the full record has a version worth naming */
  }
}

void incident_get(struct req_ctx *c) {
  struct incident_args a = {0};
  if (incident_path(c, &a) == 0) {
    http_run(c, 1, incident_get_work, &a);
  }
}

/* Locks the incident and returns its full document (new reference), or NULL after 404/412/409. */
static json_t *incident_lock(struct db_tx *tx, struct incident_args *a, struct result *res, int open_only) {
  const char *params[] = {a->c->org_param, a->id_text};
  PGresult *r = db_exec(tx,
                        "SELECT zsz_incident_json(i, 'full')::text, i.revision FROM incidents i "
                        "WHERE i.org_id = $1 AND i.id = $2 FOR UPDATE",
                        2, params);
  json_t *doc = NULL;
  if (r == NULL) {
    return NULL;
  }
  if (PQntuples(r) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_INCIDENT);
  } else if (a->if_match > 0 && a->if_match != atoll(PQgetvalue(r, 0, 1))) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
  } else {
    doc = json_loads(PQgetvalue(r, 0, 0), 0, NULL);
    const char *status = json_string_value(json_object_get(doc, "status"));
    if (open_only && status && (strcmp(status, "closed") == 0 || strcmp(status, "dismissed") == 0)) {
      result_problem(res, PROBLEM_CONFLICT, MSG_RECORD_FINAL, status);
      json_decref(doc);
      doc = NULL;
    }
  }
  PQclear(r);
  return doc;
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

static void incident_update_work(struct db_tx *tx, void *arg, struct result *res) {
  struct incident_args *a = arg;
  json_t *errors = json_array();
  json_t *doc = incident_lock(tx, a, res, 1);
  if (doc == NULL) {
    goto out;
  }
  const char *key;
  json_t *v;
  json_object_foreach(a->c->body, key, v) {
    if (strcmp(key, "breach") != 0 && strcmp(key, "ksc") != 0) {
      json_object_set(doc, key, v);
    }
  }
  merge_section(doc, a->c->body, "breach");
  merge_section(doc, a->c->body, "ksc");
  fill_defaults(doc);
  long long hours = uodo_hours(tx, a->c->org_param);
  if (hours < 0 || check_units(tx, a->c->org_param, doc, errors) != 0) {
    goto out;
  }
  check_rules(doc, hours, errors);
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  char *text = json_dumps(doc, JSON_COMPACT);
  const char *params[] = {a->c->org_param, a->id_text, text};
  PGresult *r = db_exec(tx,
                        "UPDATE incidents i SET (" INCIDENT_COLUMNS ") = (SELECT " INCIDENT_VALUES
                        " FROM (SELECT $3::jsonb AS b) AS input), revision = revision + 1, updated_at = now() "
                        "WHERE i.org_id = $1 AND i.id = $2 RETURNING zsz_incident_json(i, 'full')::text, i.revision",
                        3, params);
  free(text);
  if (r != NULL) {
    record_result(res, r, 200);
    PQclear(r);
  }
out:
  json_decref(doc);
  json_decref(errors);
}

void incident_update(struct req_ctx *c) {
  struct incident_args a = {0};
  json_t *errors;
  if (incident_path(c, &a) != 0 || http_if_match(c, 1, &a.if_match) < 0) {
    return;
  }
  errors = json_array();
  check_shapes(c->body, VALIDATE_PATCH, time(NULL), errors);
  if (json_array_size(errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  http_run(c, 0, incident_update_work, &a);
  incident_args_free(&a);
}

static void incident_transition_work(struct db_tx *tx, void *arg, struct result *res) {
  struct incident_args *a = arg;
  json_t *errors = json_array();
  json_t *doc = incident_lock(tx, a, res, 0);
  if (doc == NULL) {
    goto out;
  }
  char from[16];
  snprintf(from, sizeof from, "%s", json_string_value(json_object_get(doc, "status")));
  if (workflow_take(tx, res, &WORKFLOW, from, a->to, a->c->who.roles, a->c->body) != 1) {
    goto out;
  }
  /* what the body brings counts as part of the record for the step's needs */
  const char *carried[] = {"resolution", "lessons_learned"};
  for (size_t i = 0; i < 2; i++) {
    json_t *v = json_object_get(a->c->body, carried[i]);
    if (v) json_object_set(doc, carried[i], v);
  }
  check_step(doc, a->to, errors);
  if (strcmp(a->to, "closed") == 0) {
    /* a closed record must satisfy every rule under today's deadline rules, which may have
     * changed since the notification was written */
    long long hours = uodo_hours(tx, a->c->org_param);
    if (hours < 0) {
      goto out;
    }
    check_rules(doc, hours, errors);
  }
  if (json_array_size(errors) > 0) {
    result_invalid(res, errors);
    errors = NULL;
    goto out;
  }
  const char *params[] = {a->c->org_param,
                          a->id_text,
                          a->to,
                          a->reason,
                          json_string_value(json_object_get(a->c->body, "resolution")),
                          json_string_value(json_object_get(a->c->body, "lessons_learned")),
                          a->c->who.sub,
                          from};
  /* every status change writes its own timeline entry */
  record_exec(
      tx, res,
      "WITH i AS (UPDATE incidents i SET status = $3, status_reason = coalesce($4, status_reason), "
      "resolution = coalesce($5, resolution), lessons_learned = coalesce($6, lessons_learned), "
      "kind = CASE WHEN $3 = 'investigating' THEN 'incident' ELSE kind END, revision = revision + 1, "
      "updated_at = now() WHERE i.org_id = $1 AND i.id = $2 RETURNING i.*), "
      "t AS (INSERT INTO incident_timeline (org_id, incident_id, at, kind, text, author) "
      "SELECT org_id, id, now(), 'note', 'status: ' || $8 || ' -> ' || $3 || coalesce(': ' || $4, ''), $7 FROM i) "
      "SELECT zsz_incident_json(i, 'full')::text, i.revision FROM i",
      8, params, 200);
out:
  json_decref(doc);
  json_decref(errors);
}

void incident_transition(struct req_ctx *c) {
  struct incident_args a = {0};
  if (incident_path(c, &a) != 0 || http_if_match(c, 0, &a.if_match) < 0 ||
      http_validate(c, TRANSITION_FIELDS, VALIDATE_CREATE) != 0) {
    return;
  }
  a.to = json_string_value(json_object_get(c->body, "to"));
  a.reason = json_string_value(json_object_get(c->body, "reason"));
  http_run(c, 0, incident_transition_work, &a);
}

/* ---- lists --------------------------------------------------------------------------------------- */

static void incident_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct incident_args *a = arg;
  char fetch[12];
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *view = role_view(a->c);
  PGresult *r;
  if (a->deadline_state == NULL) {
    const char *params[] = {a->c->org_param,
                            view,
                            a->c->who.sub,
                            a->filter[0],
                            a->filter[1],
                            a->filter[2],
                            a->filter[3],
                            a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                            fetch};
    r = db_exec(tx,
                "SELECT zsz_incident_json(i, CASE WHEN $2 <> '' THEN $2 ELSE 'reporter' END)::text, i.id::text "
                "FROM incidents i WHERE i.org_id = $1 AND ($2 <> '' OR i.reporter = $3) "
                "AND ($4::text IS NULL OR i.status = $4) AND ($5::text IS NULL OR i.type = $5) "
                "AND ($6::integer IS NULL OR extract(year FROM i.reported_at) = $6::integer) "
                "AND ($7::integer IS NULL OR i.severity = $7::integer) "
                "AND ($8::bigint IS NULL OR i.id < $8::bigint) ORDER BY i.id DESC LIMIT $9",
                9, params);
    if (r != NULL) {
      page_result(a->c, res, r, a->limit, 1, "id-desc");
    }
  } else {
    /* the IOD's worklist: incidents with a deadline in that state, soonest first */
    const char *params[] = {a->c->org_param,
                            view,
                            a->c->who.sub,
                            a->filter[0],
                            a->filter[1],
                            a->filter[2],
                            a->filter[3],
                            a->deadline_state,
                            a->within[0] ? a->within : NULL,
                            a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                            a->after ? json_string_value(json_array_get(a->after, 1)) : NULL,
                            fetch};
    r = db_exec(
        tx,
        "SELECT zsz_incident_json(i, CASE WHEN $2 <> '' THEN $2 ELSE 'reporter' END)::text, d.due::text, i.id::text "
        "FROM incidents i CROSS JOIN LATERAL (SELECT coalesce(min((x->>'due_at')::timestamptz), 'infinity') AS due, "
        "  count(*) AS n FROM jsonb_array_elements(zsz_incident_deadlines(i)) AS x WHERE x->>'state' = $8 "
        "  AND ($9::bigint IS NULL OR (x->>'due_at')::timestamptz <= now() + make_interval(secs => $9::bigint))) AS d "
        "WHERE i.org_id = $1 AND ($2 <> '' OR i.reporter = $3) AND d.n > 0 "
        "AND ($4::text IS NULL OR i.status = $4) AND ($5::text IS NULL OR i.type = $5) "
        "AND ($6::integer IS NULL OR extract(year FROM i.reported_at) = $6::integer) "
        "AND ($7::integer IS NULL OR i.severity = $7::integer) "
        "AND ($10::text IS NULL OR (d.due, i.id) > ($10::timestamptz, $11::bigint)) "
        "ORDER BY d.due, i.id LIMIT $12",
        12, params);
    if (r != NULL) {
      page_result(a->c, res, r, a->limit, 2, "deadline");
    }
  }
  PQclear(r);
}

void incident_list(struct req_ctx *c) {
  struct incident_args a = {.c = c};
  const char *within = NULL;
  if (http_query_enum(c, "status", STATES, &a.filter[0]) || http_query_enum(c, "type", TYPES, &a.filter[1]) ||
      http_query_int(c, "year", 2000, 2100, &a.filter[2]) || http_query_int(c, "severity", 1, 5, &a.filter[3]) ||
      http_query_enum(c, "deadline_state", DEADLINE_STATES, &a.deadline_state) ||
      http_query_text(c, "due_within", 32, &within) || http_query_limit(c, &a.limit)) {
    goto out;
  }
  /* a reporter sees only number, title and status of its reports: it may not filter on the rest */
  if (role_view(c)[0] == '\0' && (a.filter[1] || a.filter[3] || a.deadline_state || within)) {
    http_problem(c, PROBLEM_FORBIDDEN, MSG_FILTER_NEEDS_VIEW);
    goto out;
  }
  if (within != NULL) {
    long long seconds;
    if (iso8601_duration_parse(within, &seconds) != 0) {
      http_bad_param(c, PROBLEM_INVALID_PARAMETER, "due_within", MSG_DURATION);
      goto out;
    }
    if (a.deadline_state == NULL || strcmp(a.deadline_state, "pending") != 0) {
      http_bad_param(c, PROBLEM_INVALID_PARAMETER, "due_within", MSG_WITHIN_NEEDS_PENDING);
      goto out;
    }
    snprintf(a.within, sizeof a.within, "%lld", seconds);
  }
  if (http_query_cursor(c, a.deadline_state ? "deadline" : "id-desc", a.deadline_state ? 2 : 1, &a.after) == 0) {
    http_run(c, 1, incident_list_work, &a);
  }
out:
  incident_args_free(&a);
}

/* ---- timeline ------------------------------------------------------------------------------------ */

static void timeline_list_work(struct db_tx *tx, void *arg, struct result *res) {
  struct incident_args *a = arg;
  char fetch[12];
  if (record_exists(tx, res, "SELECT 1 FROM incidents WHERE org_id = $1 AND id = $2", a->c->org_param, a->id_text,
                    MSG_NOT_FOUND_INCIDENT) != 1) {
    return;
  }
  snprintf(fetch, sizeof fetch, "%d", a->limit + 1);
  const char *params[] = {a->c->org_param, a->id_text, a->after ? json_string_value(json_array_get(a->after, 0)) : NULL,
                          a->after ? json_string_value(json_array_get(a->after, 1)) : NULL, fetch};
  PGresult *r = db_exec(tx,
                        "SELECT zsz_timeline_json(t)::text, t.at::text, t.id::text FROM incident_timeline t "
                        "WHERE t.org_id = $1 AND t.incident_id = $2 "
                        "AND ($3::text IS NULL OR (t.at, t.id) > ($3::timestamptz, $4::bigint)) "
                        "ORDER BY t.at, t.id LIMIT $5",
                        5, params);
  if (r != NULL) {
    page_result(a->c, res, r, a->limit, 2, "at");
    PQclear(r);
  }
}

void timeline_list(struct req_ctx *c) {
  struct incident_args a = {0};
  if (incident_path(c, &a) == 0 && http_query_limit(c, &a.limit) == 0 && http_query_cursor(c, "at", 2, &a.after) == 0) {
    http_run(c, 1, timeline_list_work, &a);
  }
  incident_args_free(&a);
}

static void timeline_create_work(struct db_tx *tx, void *arg, struct result *res) {
  struct incident_args *a = arg;
  if (record_exists(tx, res, "SELECT 1 FROM incidents WHERE org_id = $1 AND id = $2", a->c->org_param, a->id_text,
                    MSG_NOT_FOUND_INCIDENT) != 1) {
    return;
  }
  const json_t *b = a->c->body;
  const char *params[] = {a->c->org_param,
                          a->id_text,
                          json_string_value(json_object_get(b, "at")),
                          json_string_value(json_object_get(b, "kind")),
                          json_string_value(json_object_get(b, "text")),
                          a->c->who.sub};
  PGresult *r = db_exec(tx,
                        "INSERT INTO incident_timeline AS t (org_id, incident_id, at, kind, text, author) "
                        "VALUES ($1, $2, $3::timestamptz, $4, $5, $6) RETURNING zsz_timeline_json(t)::text",
                        6, params);
  if (r != NULL) {
    result_raw(res, 201, PQgetvalue(r, 0, 0));
    PQclear(r);
  }
}

void timeline_create(struct req_ctx *c) {
  struct incident_args a = {0};
  if (incident_path(c, &a) != 0 || http_validate(c, TIMELINE_FIELDS, VALIDATE_CREATE) != 0) {
    return;
  }
  json_t *errors = json_array();
  normalise_time(c->body, "at", "at", time(NULL), errors);
  if (json_array_size(errors) > 0) {
    http_invalid(c, errors);
    return;
  }
  json_decref(errors);
  http_run(c, 0, timeline_create_work, &a);
}

/* ---- deadline rules ------------------------------------------------------------------------------ */

static void rules_get_work(struct db_tx *tx, void *arg, struct result *res) {
  struct incident_args *a = arg;
  const char *params[] = {a->c->org_param};
  PGresult *r = db_exec(tx,
                        "SELECT json_build_object('uodo', zsz_deadline_hours($1::bigint, 'uodo'), "
                        "'csirt', zsz_deadline_hours($1::bigint, 'csirt'), "
                        "'subjects', zsz_deadline_hours($1::bigint, 'subjects'))::text",
                        1, params);
  if (r != NULL) {
    result_raw(res, 200, PQgetvalue(r, 0, 0));
    PQclear(r);
  }
}

void deadline_rules_get(struct req_ctx *c) {
  struct incident_args a = {.c = c};
  http_run(c, 1, rules_get_work, &a);
}

static void rules_put_work(struct db_tx *tx, void *arg, struct result *res) {
  struct incident_args *a = arg;
  const char *params[] = {a->c->org_param, a->body_text};
  PGresult *r = db_exec(tx,
                        "INSERT INTO deadline_rules AS d (org_id, rule, hours) "
                        "SELECT $1, key, value::integer FROM jsonb_each_text($2::jsonb) "
                        "ON CONFLICT (org_id, rule) DO UPDATE SET hours = EXCLUDED.hours, revision = d.revision + 1",
                        2, params);
  if (r != NULL) {
    PQclear(r);
    rules_get_work(tx, arg, res);
  }
}

void deadline_rules_put(struct req_ctx *c) {
  struct incident_args a = {.c = c};
  if (http_validate(c, RULE_FIELDS, VALIDATE_CREATE) != 0) {
    return;
  }
  a.body_text = json_dumps(c->body, JSON_COMPACT);
  http_run(c, 0, rules_put_work, &a);
  incident_args_free(&a);
}

/* ---- exports ------------------------------------------------------------------------------------- */

#define BREACH_COLUMNS                                                                                                 \
  "number;occurred_at;aware_at;reported_at;breach_nature;data_categories;subjects_count;records_count;"                \
  "likely_consequences;measures_taken;risk_level;uodo_notified_at;uodo_reference;uodo_not_notified_reason;"            \
  "uodo_late_reason;subjects_notified_at;subjects_notification_method;subjects_exemption;"                             \
  "subjects_exemption_justification"

static void breach_register_work(struct db_tx *tx, void *arg, struct result *res) {
  struct incident_args *a = arg;
  const char *params[] = {a->c->org_param, a->year};
  PGresult *r;
  if (a->csv) {
    r = db_exec(
        tx,
        "SELECT '" BREACH_COLUMNS "' || E'\\r\\n' || coalesce(string_agg(concat_ws(';', zsz_csv(i.number), "
        "zsz_csv(zsz_ts(i.occurred_at) #>> '{}'), zsz_csv(b->>'aware_at'), zsz_csv(zsz_ts(i.reported_at) #>> '{}'), "
        "zsz_csv(b->>'breach_nature'), "
        "zsz_csv((SELECT string_agg(c, ', ') FROM jsonb_array_elements_text(coalesce(b->'data_categories', '[]')) c)), "
        "zsz_csv(b->>'subjects_count'), zsz_csv(b->>'records_count'), zsz_csv(b->>'likely_consequences'), "
        "zsz_csv(b->>'measures_taken'), zsz_csv(b->>'risk_level'), zsz_csv(b->>'uodo_notified_at'), "
        "zsz_csv(b->>'uodo_reference'), zsz_csv(b->>'uodo_not_notified_reason'), zsz_csv(b->>'uodo_late_reason'), "
        "zsz_csv(b->>'subjects_notified_at'), zsz_csv(b->>'subjects_notification_method'), "
        "zsz_csv(b->>'subjects_exemption'), zsz_csv(b->>'subjects_exemption_justification')) || E'\\r\\n', '' "
        "ORDER BY i.number), '') "
        "FROM incidents i CROSS JOIN LATERAL (SELECT coalesce(i.breach, '{}') AS b) AS s "
        "WHERE i.org_id = $1 AND i.type = 'personal_data_breach' AND extract(year FROM i.reported_at) = $2::integer",
        2, params);
  } else {
    r = db_exec(
        tx,
        "SELECT json_build_object('year', $2::integer, 'items', coalesce(json_agg(json_build_object("
        "'number', i.number, 'occurred_at', zsz_ts(i.occurred_at), 'aware_at', b->'aware_at', "
        "'reported_at', zsz_ts(i.reported_at), 'breach_nature', b->'breach_nature', "
        "'data_categories', coalesce(b->'data_categories', '[]'), 'subjects_count', b->'subjects_count', "
        "'records_count', b->'records_count', 'likely_consequences', b->'likely_consequences', "
        "'measures_taken', b->'measures_taken', 'risk_level', b->'risk_level', "
        "'uodo_notified_at', b->'uodo_notified_at', 'uodo_reference', b->'uodo_reference', "
        "'uodo_not_notified_reason', b->'uodo_not_notified_reason', 'uodo_late_reason', b->'uodo_late_reason', "
        "'subjects_notified_at', b->'subjects_notified_at', "
        "'subjects_notification_method', b->'subjects_notification_method', "
        "'subjects_exemption', b->'subjects_exemption', "
        "'subjects_exemption_justification', b->'subjects_exemption_justification') ORDER BY i.number), '[]'))::text "
        "FROM incidents i CROSS JOIN LATERAL (SELECT coalesce(i.breach, '{}') AS b) AS s "
        "WHERE i.org_id = $1 AND i.type = 'personal_data_breach' AND extract(year FROM i.reported_at) = $2::integer",
        2, params);
  }
  if (r == NULL) {
    return;
  }
  if (a->csv) {
    size_t len = (size_t)PQgetlength(r, 0, 0);
    res->raw_body = malloc(len + 4);
    if (res->raw_body != NULL) {
      memcpy(res->raw_body, "\xEF\xBB\xBF", 3); /* a BOM: spreadsheets then read UTF-8 */
      memcpy(res->raw_body + 3, PQgetvalue(r, 0, 0), len + 1);
    }
    res->content_type = "text/csv; charset=utf-8";
    res->status = res->raw_body ? 200 : 500;
  } else {
    result_raw(res, 200, PQgetvalue(r, 0, 0));
  }
  PQclear(r);
}

static int year_param(struct req_ctx *c, struct incident_args *a) {
  if (http_query_int(c, "year", 2000, 2100, &a->year) != 0) {
    return -1;
  }
  if (a->year == NULL) {
    http_bad_param(c, PROBLEM_INVALID_PARAMETER, "year", MSG_REQUIRED);
    return -1;
  }
  return 0;
}

void breach_register(struct req_ctx *c) {
  struct incident_args a = {.c = c};
  const char *accept = u_map_get_case(c->req->map_header, "Accept");
  if (year_param(c, &a) == 0) {
    a.csv = accept != NULL && strstr(accept, "text/csv") != NULL;
    http_run(c, 1, breach_register_work, &a);
  }
}

static void stats_work(struct db_tx *tx, void *arg, struct result *res) {
  struct incident_args *a = arg;
  const char *params[] = {a->c->org_param, a->year};
  PGresult *r = db_exec(
      tx,
      "WITH i AS (SELECT i.*, zsz_incident_deadlines(i) AS d FROM incidents i "
      "  WHERE i.org_id = $1 AND extract(year FROM i.reported_at) = $2::integer) "
      "SELECT json_build_object('year', $2::integer, 'total', (SELECT count(*) FROM i), "
      "'by_type', (SELECT json_object_agg(t, (SELECT count(*) FROM i WHERE i.type = t)) "
      "  FROM unnest(ARRAY['personal_data_breach', 'cyber', 'it_failure', 'physical', 'other']) AS t), "
      "'by_severity', (SELECT json_object_agg(s, (SELECT count(*) FROM i WHERE coalesce(i.severity::text, 'unset') = "
      "s)) "
      "  FROM unnest(ARRAY['1', '2', '3', '4', '5', 'unset']) AS s), "
      "'by_month', (SELECT json_object_agg(lpad(m::text, 2, '0'), "
      "  (SELECT count(*) FROM i WHERE extract(month FROM i.reported_at) = m)) FROM generate_series(1, 12) AS m), "
      "'deadlines', (SELECT json_object_agg(r, json_build_object("
      "  'met', (SELECT count(*) FROM i, jsonb_array_elements(i.d) x WHERE x->>'rule' = r AND x->>'state' = 'met'), "
      "  'missed', (SELECT count(*) FROM i, jsonb_array_elements(i.d) x WHERE x->>'rule' = r AND x->>'state' = "
      "'missed'), "
      "  'pending', (SELECT count(*) FROM i, jsonb_array_elements(i.d) x WHERE x->>'rule' = r "
      "    AND x->>'state' = 'pending'))) FROM unnest(ARRAY['uodo', 'csirt', 'subjects']) AS r))::text",
      2, params);
  if (r != NULL) {
    result_raw(res, 200, PQgetvalue(r, 0, 0));
    PQclear(r);
  }
}

void incident_stats(struct req_ctx *c) {
  struct incident_args a = {.c = c};
  if (year_param(c, &a) == 0) {
    http_run(c, 1, stats_work, &a);
  }
}
