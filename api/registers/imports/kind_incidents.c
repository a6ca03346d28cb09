/* Importing historic incidents (the IOD only): matched by number, which is kept
 * (INC/2021/0003: the year of reported_at), as are the dates, the reporter and the status
 * reached; the yearly counter then moves past the numbers imported. Each row is checked by
 * the incident register's own rules (shapes, sections, dates in order, not in the future), and
 * its status by the steps of the workflow that lead to it: a status the workflow could not
 * have reached (a breach investigated without a risk level, closed without lessons learned...)
 * is an error naming what is missing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "case_mark.h"
#include "incidents/incident_check.h"
#include "incidents/rules.h"
#include "kinds.h"
#include "timefmt.h"
#include "validate.h"

/* What migration 0050 derives on the row (generated columns): left out of the change log's
 * documents, as the incidents' log trigger leaves them out. */
#define INCIDENT_DERIVED_COLUMNS "breach_doc,ksc_doc,deadline_times"

static const char *const STATUSES[] = {"reported", "triage", "investigating", "resolved", "closed", "dismissed", NULL};

/* What an import row has beyond a report (the register's INCIDENT_FIELDS). */
static const struct field_spec HISTORY_FIELDS[] = {
    {.name = "number", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 32},
    {.name = "reported_at", .type = VT_TIMESTAMP, .flags = V_REQUIRED},
    {.name = "reporter", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "status", .type = VT_STRING, .one_of = STATUSES},
    {.name = "status_reason", .type = VT_STRING, .flags = V_TEXT | V_NULLABLE, .max_len = 2000},
    {0},
};

/* The steps that lead from reported to each status. */
static const char *const PATH_TO[][5] = {
    {NULL},
    {"triage", NULL},
    {"triage", "investigating", NULL},
    {"triage", "investigating", "resolved", NULL},
    {"triage", "investigating", "resolved", "closed", NULL},
    {"triage", "dismissed", NULL},
};

struct state {
  long long uodo_hours;
  time_t now;
  int lenient; /* the organisation's case_marks setting is lenient: malformed marks are kept */
};

static int begin(struct db_tx *tx, struct req_ctx *c, void **out) {
  const char *params[] = {c->org_param};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT zsz_deadline_hours($1, 'uodo'), o.case_marks = 'lenient' FROM organisations o "
                       "WHERE o.id = $1",
                       1, params, &st);
  if (r == NULL) return -1;
  struct state *s = calloc(1, sizeof *s);
  if (s == NULL) {
    PQclear(r);
    return -1;
  }
  s->uodo_hours = atoll(PQgetvalue(r, 0, 0));
  s->lenient = strcmp(PQgetvalue(r, 0, 1), "t") == 0;
  s->now = time(NULL);
  PQclear(r);
  *out = s;
  return 0;
}

/* The EZD case marks of the row's evidence (docs/design-case-marks.md), as POST /incidents
 * checks them: under the organisation's setting strict each malformed one is an error named
 * evidence[0].znak_sprawy (the runner prefixes rows[n]); a mark whose member is already
 * refused (its shape) is not named twice. */
static void check_case_marks(const struct state *s, const json_t *row, json_t *errors) {
  if (s->lenient) return;
  json_t *marks = case_marks_collect(row, "evidence[].znak_sprawy");
  json_t *found = json_array();
  if (marks != NULL && found != NULL) {
    case_marks_errors(marks, found);
    size_t i;
    json_t *e;
    json_array_foreach(found, i, e) {
      if (!field_has_error(errors, json_string_value(json_object_get(e, "field")))) json_array_append(errors, e);
    }
  }
  json_decref(found);
  json_decref(marks);
}

/* INC/<year>/<digits>: the year, or -1. */
static int number_year(const char *number) {
  int year = 0, used = 0;
  if (sscanf(number, "INC/%4d/%n", &year, &used) != 1 || used != 9) return -1;
  const char *digits = number + used;
  if (strlen(digits) < 4 || strlen(digits) > 6 || strspn(digits, "0123456789") != strlen(digits)) return -1;
  return year;
}

static json_t *check(void *state, const json_t *in, json_t *errors, char *key, size_t keylen) {
  struct state *s = state;
  json_t *row = json_deep_copy(in), *history = json_object();
  for (const struct field_spec *f = HISTORY_FIELDS; f->name; f++) {
    json_t *v = json_object_get(row, f->name);
    if (v != NULL) {
      json_object_set(history, f->name, v);
      json_object_del(row, f->name);
    }
  }
  import_coerce(row, INCIDENT_FIELDS);
  validate_object(history, HISTORY_FIELDS, VALIDATE_CREATE, errors);
  incident_check_shapes(row, VALIDATE_CREATE, s->now, errors);
  check_case_marks(s, row, errors);
  const char *number = json_string_value(json_object_get(history, "number"));
  if (number) snprintf(key, keylen, "%s", number);
  time_t reported = import_time(history, "reported_at", s->now, errors);
  if (number && reported != (time_t)-1) {
    struct tm tm;
    gmtime_r(&reported, &tm);
    if (number_year(number) != tm.tm_year + 1900) errors_add(errors, "number", MSG_IMPORT_NUMBER_YEAR);
  } else if (number && number_year(number) < 0) {
    errors_add(errors, "number", MSG_IMPORT_NUMBER_YEAR);
  }
  if (json_array_size(errors) == 0) {
    time_t detected;
    const char *d = json_string_value(json_object_get(row, "detected_at"));
    if (d && rfc3339_parse(d, &detected) == 0 && reported != (time_t)-1 && reported < detected) {
      errors_add(errors, "reported_at", MSG_BEFORE, "detected_at");
    }
    incident_fill_defaults(row);
    incident_check_rules(row, s->uodo_hours, errors);
    const char *status = json_string_value(json_object_get(history, "status"));
    size_t at = 0;
    for (size_t i = 0; status && STATUSES[i]; i++) {
      if (strcmp(STATUSES[i], status) == 0) at = i;
    }
    if (at == 5 && json_string_value(json_object_get(history, "status_reason")) == NULL) {
      errors_add(errors, "status_reason", MSG_REQUIRED_TO, "dismissed");
    }
    for (size_t k = 0; PATH_TO[at][k] != NULL; k++) {
      json_t *step_errors = json_array();
      incident_check_step(row, PATH_TO[at][k], step_errors);
      size_t i;
      json_t *e;
      json_array_foreach(step_errors, i, e) {
        const char *f = json_string_value(json_object_get(e, "field"));
        if (!field_has_error(errors, f)) json_array_append(errors, e);
      }
      json_decref(step_errors);
    }
    json_object_set_new(row, "kind", json_string(at >= 2 && at <= 4 ? "incident" : "event"));
  }
  json_object_update(row, history);
  json_decref(history);
  if (json_array_size(errors) > 0) {
    json_decref(row);
    return NULL;
  }
  return row;
}

/* The batch, its keys as columns of their own and the incident a number names (prior) looked up
 * one key at a time (a scalar subquery, on the index). Why: the tables are read as zsz_app under
 * row-level security, where a join on an expression such as e->>'number' (not leakproof)
 * cannot use an index; and the import grows the register under statistics that still describe
 * it as it was, so a join the planner chose by them could read the whole register once per
 * batch. */
#define BATCH                                                                                                          \
  "b AS MATERIALIZED (SELECT j.*, (SELECT i FROM incidents i WHERE i.org_id = $1 AND i.number = j.number) AS prior "   \
  "  FROM (SELECT (e->>'n')::integer AS n, e, e->>'number' AS number, e->>'reporter' AS reporter "                     \
  "  FROM jsonb_array_elements($2::jsonb) e) j)"

/* The incident register's columns and how a checked body gives them (incidents/queries.c). */
#define COLUMNS                                                                                                        \
  "title, description, type, categories, occurred_at, detected_at, source, affected_systems, "                         \
  "affected_org_unit_ids, severity, resolution, lessons_learned, evidence, breach, ksc, "                              \
  "number, reporter, reported_at, status, status_reason, kind, import_id"
#define VALUES                                                                                                         \
  "b->>'title', coalesce(b->>'description', ''), b->>'type', "                                                         \
  "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'categories', '[]'))), "                                         \
  "(b->>'occurred_at')::timestamptz, (b->>'detected_at')::timestamptz, coalesce(b->>'source', 'internal'), "           \
  "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'affected_systems', '[]'))), "                                   \
  "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'affected_org_unit_ids', '[]')))::bigint[], "                    \
  "(b->>'severity')::integer, coalesce(b->>'resolution', ''), coalesce(b->>'lessons_learned', ''), "                   \
  "coalesce(b->'evidence', '[]'), CASE WHEN jsonb_typeof(b->'breach') = 'object' THEN b->'breach' END, "               \
  "CASE WHEN jsonb_typeof(b->'ksc') = 'object' THEN b->'ksc' END, "                                                    \
  "b->>'number', b->>'reporter', (b->>'reported_at')::timestamptz, coalesce(b->>'status', 'reported'), "               \
  "b->>'status_reason', b->>'kind', $3::bigint"

/* One statement per batch: its problems (rows n, field, code, existing_id) and, when it has
 * none and write is true, its incidents written with their change-log entries, counted in a
 * last row (n NULL, created, updated): the batch is parsed and its numbers looked up once, and
 * the runner parses the next rows while it runs (see kind_processes.c). */
static const char CHECK_AND_WRITE[] =
    "WITH " BATCH ", "
    "errs AS MATERIALIZED ("
    "SELECT b.n, 'number' AS field, 'exists' AS code, (b.prior).id::text AS existing FROM b "
    "  WHERE (b.prior).id IS NOT NULL AND $4 = 'insert' "
    "UNION ALL SELECT b.n, 'reporter', 'unknown_user', NULL FROM b "
    "  WHERE (SELECT true FROM users u WHERE u.org_id = $1 AND u.sub = b.reporter) IS NULL "
    "UNION ALL SELECT b.n, 'affected_org_unit_ids', 'unknown_unit', NULL FROM b "
    "  WHERE EXISTS (SELECT 1 FROM jsonb_array_elements_text(coalesce(b.e->'affected_org_unit_ids', "
    "  '[]')) x WHERE (SELECT true FROM org_units u WHERE u.org_id = $1 AND u.id = x::bigint) IS NULL)), "
    "go AS MATERIALIZED (SELECT $5::boolean AND NOT EXISTS (SELECT 1 FROM errs) AS go), "
    "old AS MATERIALIZED (SELECT (b.prior).* FROM b, go WHERE go.go AND (b.prior).id IS NOT NULL), "
    "up AS (INSERT INTO incidents AS i (org_id, created_at, updated_at, " COLUMNS ") "
    "  SELECT $1, (b->>'reported_at')::timestamptz, (b->>'reported_at')::timestamptz, " VALUES
    "  FROM (SELECT b.e FROM b, go WHERE go.go) AS input(b) "
    "  ON CONFLICT (org_id, number) DO UPDATE SET (" COLUMNS ") = (excluded.title, excluded.description, "
    "  excluded.type, excluded.categories, excluded.occurred_at, excluded.detected_at, excluded.source, "
    "  excluded.affected_systems, excluded.affected_org_unit_ids, excluded.severity, excluded.resolution, "
    "  excluded.lessons_learned, excluded.evidence, excluded.breach, excluded.ksc, excluded.number, "
    "  excluded.reporter, excluded.reported_at, excluded.status, excluded.status_reason, excluded.kind, "
    "  excluded.import_id), revision = i.revision + 1, updated_at = now() "
    "  WHERE (i.title, i.description, i.type, i.categories, i.occurred_at, i.detected_at, i.source, "
    "  i.affected_systems, i.affected_org_unit_ids, i.severity, i.resolution, i.lessons_learned, i.evidence, "
    "  i.breach, i.ksc, i.reporter, i.reported_at, i.status, i.status_reason, i.kind) IS DISTINCT FROM "
    "  (excluded.title, excluded.description, excluded.type, excluded.categories, excluded.occurred_at, "
    "  excluded.detected_at, excluded.source, excluded.affected_systems, excluded.affected_org_unit_ids, "
    "  excluded.severity, excluded.resolution, excluded.lessons_learned, excluded.evidence, excluded.breach, "
    "  excluded.ksc, excluded.reporter, excluded.reported_at, excluded.status, excluded.status_reason, "
    "  excluded.kind) "
    "  RETURNING i.*, (i.xmax = 0) AS created), "
    "log AS (INSERT INTO change_log (org_id, entity, record_id, action, actor, before, after) "
    "  SELECT $1, 'incident', up.id::text, 'import', " IMPORT_LOG_ACTOR ", "
    "  to_jsonb(old) - '{org_id," INCIDENT_DERIVED_COLUMNS "}'::text[], "
    "  to_jsonb(up) - '{org_id,created," INCIDENT_DERIVED_COLUMNS "}'::text[] "
    "  FROM up LEFT JOIN old ON old.id = up.id ORDER BY up.id) "
    "SELECT * FROM errs "
    "UNION ALL SELECT NULL, (SELECT count(*) FROM up WHERE created)::text, "
    "  (SELECT count(*) FROM up WHERE NOT created)::text, NULL "
    "ORDER BY 1, 2";

static void check_and_write(const struct req_ctx *c, const struct import_batch *b, int write,
                            struct import_statement *out) {
  const char *params[] = {c->org_param, b->json, b->import_id, b->mode, write ? "t" : "f"};
  *out = (struct import_statement){.sql = CHECK_AND_WRITE, .nparams = 5};
  memcpy(out->params, params, sizeof params);
}

/* The yearly counters move past the numbers imported, so the next report of that year gets
 * the next free number. */
static enum db_status finish(struct db_tx *tx, struct req_ctx *c, const char *import_id) {
  const char *params[] = {c->org_param, import_id};
  return db_command(tx,
                    "INSERT INTO incident_counters AS k (org_id, year, last) "
                    "SELECT $1, split_part(number, '/', 2)::integer, max(split_part(number, '/', 3)::integer) "
                    "FROM incidents WHERE org_id = $1 AND import_id = $2 GROUP BY 2 "
                    "ON CONFLICT (org_id, year) DO UPDATE SET last = greatest(k.last, excluded.last)",
                    2, params);
}

const struct import_kind INCIDENT_IMPORT = {
    .name = "incidents",
    .batch = 1000,
    .tables = "{incidents}",
    .begin = begin,
    .end = free,
    .check = check,
    .check_and_write = check_and_write,
    .finish = finish,
};
