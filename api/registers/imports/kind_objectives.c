/* Importing objectives with their indicators: an objective matched by its code, an indicator
 * by its objective's code and its name. History is kept: the status reached (an approval with
 * its approver and date: version 1 of objective_approvals), the owner, the year, the dates.
 * The row triggers of objectives and indicators write their change-log entries (action import,
 * set by the runner; migration 0022). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kinds.h"
#include "objectives/rules.h"
#include "validate.h"

static const char *const STATES[] = {"draft", "proposed", "approved", "closed", "cancelled", NULL};
static const char *const STANDARDS[] = {"iso9001", "iso27001", "iso14001", NULL};
static const char *const OUTCOMES[] = {"achieved", "partially_achieved", "not_achieved", NULL};
static const char *const DIRECTIONS[] = {"increase", "decrease", "range", NULL};
static const char *const FREQUENCIES[] = {"monthly", "quarterly", "half_yearly", "yearly", NULL};

#define LONG_TEXT(n)                                                                                                   \
  { .name = n, .type = VT_STRING, .flags = V_TEXT, .max_len = 20000 }

static const struct field_spec FIELDS[] = {
    {.name = "code", .type = VT_STRING, .flags = V_REQUIRED | V_CODE_CHARS, .min_len = 1, .max_len = 32},
    {.name = "year", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 2000, .max = 2100},
    {.name = "title", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    LONG_TEXT("description"),
    {.name = "strategy_ref", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 500},
    {.name = "standards", .type = VT_STRING_ARRAY, .flags = V_UNIQUE, .one_of = STANDARDS, .max_items = 3},
    {.name = "process", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 32},
    {.name = "org_unit", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 32},
    {.name = "owner", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    LONG_TEXT("planned_actions"),
    LONG_TEXT("resources"),
    {.name = "due_date", .type = VT_DATE, .flags = V_NULLABLE},
    LONG_TEXT("evaluation_method"),
    {.name = "status", .type = VT_STRING, .one_of = STATES},
    {.name = "outcome", .type = VT_STRING, .one_of = OUTCOMES},
    {.name = "status_reason", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 2000},
    {.name = "created_at", .type = VT_TIMESTAMP},
    {.name = "approved_by", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "approved_at", .type = VT_TIMESTAMP},
    {.name = "indicators", .type = VT_OBJECT_ARRAY, .max_items = 100},
    {0},
};

/* An indicator of an imported objective: fed by readings (source manual), never by surveys. */
static const struct field_spec INDICATOR_ROW_FIELDS[] = {
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "unit", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 32},
    {.name = "direction", .type = VT_STRING, .flags = V_REQUIRED, .one_of = DIRECTIONS},
    {.name = "baseline", .type = VT_DECIMAL, .flags = V_NULLABLE},
    {.name = "target", .type = VT_DECIMAL, .flags = V_NULLABLE},
    {.name = "target_min", .type = VT_DECIMAL, .flags = V_NULLABLE},
    {.name = "target_max", .type = VT_DECIMAL, .flags = V_NULLABLE},
    {.name = "frequency", .type = VT_STRING, .flags = V_REQUIRED, .one_of = FREQUENCIES},
    {.name = "responsible", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {0},
};

static int begin(struct db_tx *tx, struct req_ctx *c, void **out) {
  (void)tx;
  (void)c;
  time_t *now = malloc(sizeof *now);
  if (now == NULL) return -1;
  *now = time(NULL);
  *out = now;
  return 0;
}

static int is(const char *status, const char *a, const char *b) {
  return status != NULL && ((a && strcmp(status, a) == 0) || (b && strcmp(status, b) == 0));
}

/* The status must be one the workflow could have reached: approved and closed went through an
 * approval (approver and date given), closed has its outcome, cancelled its reason; an
 * approval, an outcome or a reason that the status never had is refused. */
static void check_status(const json_t *row, json_t *errors) {
  const char *status = json_string_value(json_object_get(row, "status"));
  if (status == NULL) status = "draft";
  if (field_has_error(errors, "status")) return;
  int approved = is(status, "approved", "closed");
  const char *needs[3] = {NULL, NULL, NULL};
  if (approved) {
    needs[0] = "approved_by";
    needs[1] = "approved_at";
  }
  if (strcmp(status, "closed") == 0) needs[2] = "outcome";
  if (strcmp(status, "cancelled") == 0) needs[2] = "status_reason";
  for (int i = 0; i < 3; i++) {
    if (needs[i] && json_object_get(row, needs[i]) == NULL && !field_has_error(errors, needs[i])) {
      errors_add(errors, needs[i], MSG_IMPORT_REQUIRED_FOR_STATUS, status);
    }
  }
  /* a cancelled objective may have been approved before */
  const char *never[3] = {approved || strcmp(status, "cancelled") == 0 ? NULL : "approved_by",
                          approved || strcmp(status, "cancelled") == 0 ? NULL : "approved_at",
                          strcmp(status, "closed") == 0 ? NULL : "outcome"};
  for (int i = 0; i < 3; i++) {
    if (never[i] && json_object_get(row, never[i]) != NULL && !field_has_error(errors, never[i])) {
      errors_add(errors, never[i], MSG_IMPORT_NOT_FOR_STATUS, status);
    }
  }
  if (json_object_get(row, "approved_by") != NULL && json_object_get(row, "approved_at") == NULL &&
      !field_has_error(errors, "approved_at")) {
    errors_add(errors, "approved_at", MSG_REQUIRED);
  }
}

/* Each indicator: its fields and targets (as POST /objectives/{id}/indicators checks them),
 * a name not repeated in the row; errors named indicators[2].target. The staged indicators
 * carry canonical decimals. */
static void check_indicators(json_t *row, json_t *errors) {
  json_t *list = json_object_get(row, "indicators");
  if (!json_is_array(list) || field_has_error(errors, "indicators")) return;
  json_t *names = json_object();
  json_t *out = json_array();
  size_t i;
  json_t *ind;
  json_array_foreach(list, i, ind) {
    json_t *found = json_array();
    validate_object(ind, INDICATOR_ROW_FIELDS, VALIDATE_CREATE, found);
    json_t *canon = decimals_canonical(ind, INDICATOR_DECIMAL_FIELDS);
    if (json_array_size(found) == 0) {
      struct indicator_shape shape = {0};
      indicator_shape_take(&shape, canon);
      indicator_check(&shape, found);
    }
    const char *name = json_string_value(json_object_get(ind, "name"));
    if (name != NULL && !field_has_error(found, "name")) {
      const json_t *before = json_object_get(names, name);
      if (before != NULL) {
        errors_add(found, "name", MSG_IMPORT_REPEATED_INDICATOR, (size_t)json_integer_value(before));
      } else {
        json_object_set_new(names, name, json_integer((json_int_t)i));
      }
    }
    size_t k;
    json_t *e;
    json_array_foreach(found, k, e) {
      char field[160];
      const char *f = json_string_value(json_object_get(e, "field"));
      snprintf(field, sizeof field, "indicators[%zu]%s%s", i, f && *f ? "." : "", f ? f : "");
      json_array_append_new(errors, json_pack("{s:s, s:O}", "field", field, "message", json_object_get(e, "message")));
    }
    json_decref(found);
    json_array_append_new(out, canon);
  }
  json_object_set_new(row, "indicators", out);
  json_decref(names);
}

static json_t *check(void *state, const json_t *in, json_t *errors, char *key, size_t keylen) {
  const time_t *now = state;
  json_t *row = json_deep_copy(in);
  import_coerce(row, FIELDS);
  validate_object(row, FIELDS, VALIDATE_CREATE, errors);
  const char *code = json_string_value(json_object_get(row, "code"));
  if (code != NULL) snprintf(key, keylen, "%s", code);
  const json_t *year = json_object_get(row, "year");
  if (json_is_integer(year) && !field_has_error(errors, "due_date")) {
    objective_check_due_date(errors, json_string_value(json_object_get(row, "due_date")), json_integer_value(year));
  }
  time_t created = import_time(row, "created_at", *now, errors);
  time_t approved = import_time(row, "approved_at", *now, errors);
  if (created != (time_t)-1 && approved != (time_t)-1 && approved < created) {
    errors_add(errors, "approved_at", MSG_BEFORE, "created_at");
  }
  check_status(row, errors);
  check_indicators(row, errors);
  if (json_array_size(errors) > 0) {
    json_decref(row);
    return NULL;
  }
  return row;
}

/* The rows of the batch, and their indicators with their index in the row; the keys as columns
 * of their own and the objective a code names looked up one key at a time (a scalar subquery,
 * on the index). Why: the tables are read as zsz_app under row-level security, where a join on
 * an expression such as e->>'code' (not leakproof) cannot use an index; and the import grows
 * the objectives and indicators tables under statistics that still describe them as they
 * were, so a join the planner chose by them read every objective once per batch (an import
 * of 20,000 objectives took minutes, each batch slower than the one before). */
#define BATCH_ROWS                                                                                                     \
  "b AS MATERIALIZED (SELECT j.*, "                                                                                    \
  "  (SELECT o.id FROM objectives o WHERE o.org_id = $1 AND o.code = j.code) AS existing_id "                          \
  "  FROM (SELECT (e->>'n')::integer AS n, e, e->>'code' AS code, e->>'owner' AS owner, "                              \
  "  e->>'approved_by' AS approved_by, e->>'org_unit' AS org_unit, e->>'process' AS process "                          \
  "  FROM jsonb_array_elements($2::jsonb) e) j), "                                                                     \
  "bi AS MATERIALIZED (SELECT b.n, b.code, b.existing_id, x.i, x.k - 1 AS k, x.i->>'name' AS name, "                   \
  "  x.i->>'responsible' AS responsible FROM b, "                                                                      \
  "  jsonb_array_elements(coalesce(b.e->'indicators', '[]')) WITH ORDINALITY x(i, k)) "

/* The change-log document of a record written by the import: its row without org_id, as the
 * triggers log it (to_jsonb(NEW) - 'org_id'), named column by column: the row with org_id
 * deleted from its document cost about 2 us a record (jsonb's delete builds the document
 * again), 0.4 s of an import of 100,000 objectives with their indicators. A column added to
 * either table belongs here too: test_imports_more compares these documents with the rows'. */
#define OBJECTIVE_DOC                                                                                                  \
  "up.id, up.code, up.year, up.title, up.description, up.strategy_ref, up.standards, up.process_id, up.org_unit_id, "  \
  "up.owner, up.planned_actions, up.resources, up.due_date, up.evaluation_method, up.status, up.outcome, "             \
  "up.status_reason, up.approved_version, up.revision, up.created_at, up.updated_at, up.import_id"
/* What an indicator keeps in its row of its readings (0051): no register data, left out of the
 * log's documents as its trigger leaves them out */
#define INDICATOR_KEPT_COLUMNS "latest_period,latest_value,periods,attainment,health"
#define INDICATOR_DOC                                                                                                  \
  "ii.id, ii.objective_id, ii.name, ii.unit, ii.direction, ii.baseline, ii.target, ii.target_min, ii.target_max, "     \
  "ii.frequency, ii.source, ii.responsible, ii.revision, ii.created_at, ii.updated_at, ii.survey_kind, "               \
  "ii.survey_question, ii.import_id"

/* One statement per batch: its problems (rows n, field, code, existing_id) and, when it has
 * none and write is true, its rows written, counted in a last row (n NULL, created, updated):
 * the batch is parsed and its keys looked up once (see kind_processes.c). */
static const char CHECK_AND_WRITE[] =
    "WITH " BATCH_ROWS ", "
    "errs AS MATERIALIZED ("
    "SELECT b.n, 'code', 'exists', b.existing_id::text FROM b WHERE b.existing_id IS NOT NULL AND $4 = 'insert' "
    "UNION ALL SELECT b.n, f.f, 'unknown_user', NULL FROM b, "
    "  LATERAL (VALUES ('owner', b.owner), ('approved_by', b.approved_by)) AS f(f, sub) "
    "  WHERE f.sub IS NOT NULL AND (SELECT true FROM users u WHERE u.org_id = $1 AND u.sub = f.sub) IS NULL "
    "UNION ALL SELECT b.n, 'org_unit', 'unknown_unit', NULL FROM b WHERE b.org_unit IS NOT NULL "
    "  AND (SELECT true FROM org_units u WHERE u.org_id = $1 AND u.code = b.org_unit) IS NULL "
    "UNION ALL SELECT b.n, 'process', 'unknown_process', NULL FROM b WHERE b.process IS NOT NULL "
    "  AND (SELECT true FROM processes p WHERE p.org_id = $1 AND p.code = b.process) IS NULL "
    "UNION ALL SELECT bi.n, 'indicators[' || bi.k || '].responsible', 'unknown_user', NULL FROM bi "
    "  WHERE bi.responsible IS NOT NULL "
    "  AND (SELECT true FROM users u WHERE u.org_id = $1 AND u.sub = bi.responsible) IS NULL "
    "UNION ALL SELECT bi.n, 'indicators[' || bi.k || '].name', 'survey_fed', NULL FROM bi "
    "  WHERE bi.existing_id IS NOT NULL AND (SELECT i.source FROM indicators i WHERE i.org_id = $1 "
    "  AND i.objective_id = bi.existing_id AND i.name = bi.name ORDER BY i.id LIMIT 1) = 'survey' "
    "), "
    "go AS MATERIALIZED (SELECT $5::boolean AND NOT EXISTS (SELECT 1 FROM errs) AS go), "
    "src AS (SELECT b.code, (e->>'year')::integer AS year, e->>'title' AS title, "
    "  coalesce(e->>'description', '') AS description, coalesce(e->>'strategy_ref', '') AS strategy_ref, "
    "  coalesce(ARRAY(SELECT jsonb_array_elements_text(e->'standards')), '{}') AS standards, "
    "  (SELECT p.id FROM processes p WHERE p.org_id = $1 AND p.code = b.process) AS process_id, "
    "  (SELECT u.id FROM org_units u WHERE u.org_id = $1 AND u.code = b.org_unit) AS org_unit_id, "
    "  e->>'owner' AS owner, coalesce(e->>'planned_actions', '') AS planned_actions, "
    "  coalesce(e->>'resources', '') AS resources, (e->>'due_date')::date AS due_date, "
    "  coalesce(e->>'evaluation_method', '') AS evaluation_method, coalesce(e->>'status', 'draft') AS status, "
    "  e->>'outcome' AS outcome, e->>'status_reason' AS status_reason, "
    "  (e->>'approved_at' IS NOT NULL)::integer AS approved_version, e->>'approved_by' AS approved_by, "
    "  (e->>'approved_at')::timestamptz AS approved_at, "
    "  coalesce((e->>'created_at')::timestamptz, (e->>'approved_at')::timestamptz, now()) AS created_at "
    "  FROM b, go WHERE go.go), "
    "up AS (INSERT INTO objectives AS o (org_id, code, year, title, description, strategy_ref, standards, "
    "  process_id, org_unit_id, owner, planned_actions, resources, due_date, evaluation_method, status, outcome, "
    "  status_reason, approved_version, created_at, updated_at, import_id) "
    "  SELECT $1, code, year, title, description, strategy_ref, standards, process_id, org_unit_id, owner, "
    "  planned_actions, resources, due_date, evaluation_method, status, outcome, status_reason, approved_version, "
    "  created_at, greatest(created_at, approved_at), $3::bigint FROM src "
    "  ON CONFLICT (org_id, code) DO UPDATE SET year = excluded.year, title = excluded.title, "
    "  description = excluded.description, strategy_ref = excluded.strategy_ref, standards = excluded.standards, "
    "  process_id = excluded.process_id, org_unit_id = excluded.org_unit_id, owner = excluded.owner, "
    "  planned_actions = excluded.planned_actions, resources = excluded.resources, due_date = excluded.due_date, "
    "  evaluation_method = excluded.evaluation_method, status = excluded.status, outcome = excluded.outcome, "
    "  status_reason = excluded.status_reason, "
    "  approved_version = greatest(o.approved_version, excluded.approved_version), "
    "  revision = o.revision + 1, updated_at = now(), import_id = excluded.import_id "
    "  WHERE (o.year, o.title, o.description, o.strategy_ref, o.standards, o.process_id, o.org_unit_id, o.owner, "
    "  o.planned_actions, o.resources, o.due_date, o.evaluation_method, o.status, o.outcome, o.status_reason) "
    "  IS DISTINCT FROM (excluded.year, excluded.title, excluded.description, excluded.strategy_ref, "
    "  excluded.standards, excluded.process_id, excluded.org_unit_id, excluded.owner, excluded.planned_actions, "
    "  excluded.resources, excluded.due_date, excluded.evaluation_method, excluded.status, excluded.outcome, "
    "  excluded.status_reason) "
    "  RETURNING o.*, (o.xmax = 0) AS created), "
    /* the first approval, as the workflow records it: every 6.2.2 field as its change */
    "appr AS (INSERT INTO objective_approvals (org_id, objective_id, version, approved_by, approved_at, changes) "
    "  SELECT $1, up.id, 1, src.approved_by, src.approved_at, jsonb_build_object("
    "  'planned_actions', jsonb_build_object('before', null, 'after', up.planned_actions), "
    "  'resources', jsonb_build_object('before', null, 'after', up.resources), "
    "  'due_date', jsonb_build_object('before', null, 'after', up.due_date), "
    "  'evaluation_method', jsonb_build_object('before', null, 'after', up.evaluation_method), "
    "  'owner', jsonb_build_object('before', null, 'after', up.owner)) "
    "  FROM up JOIN src USING (code) WHERE src.approved_at IS NOT NULL "
    "  AND (up.created OR NOT EXISTS (SELECT 1 FROM objective_approvals a WHERE a.org_id = $1 "
    "  AND a.objective_id = up.id AND a.version = 1))), "
    /* the objectives of the batch: those just written and those left unchanged */
    "ids AS (SELECT id, code FROM up UNION SELECT existing_id, code FROM b, go WHERE go.go AND existing_id IS NOT "
    "NULL), "
    "ind AS (SELECT ids.id AS objective_id, bi.name, coalesce(bi.i->>'unit', '') AS unit, "
    "  bi.i->>'direction' AS direction, (bi.i->>'baseline')::numeric AS baseline, "
    "  (bi.i->>'target')::numeric AS target, (bi.i->>'target_min')::numeric AS target_min, "
    "  (bi.i->>'target_max')::numeric AS target_max, bi.i->>'frequency' AS frequency, "
    "  bi.responsible FROM bi JOIN ids USING (code)), "
    /* the indicators the batch's objectives had before: only objectives that existed have any */
    "ex AS (SELECT DISTINCT ON (i.objective_id, i.name) i.* FROM indicators i WHERE i.org_id = $1 "
    "  AND i.objective_id = ANY (ARRAY(SELECT existing_id FROM b WHERE existing_id IS NOT NULL)) "
    "  ORDER BY i.objective_id, i.name, i.id), "
    "iu AS (UPDATE indicators t SET unit = ind.unit, direction = ind.direction, baseline = ind.baseline, "
    "  target = ind.target, target_min = ind.target_min, target_max = ind.target_max, "
    "  frequency = ind.frequency, responsible = ind.responsible, revision = t.revision + 1, "
    "  updated_at = now(), import_id = $3::bigint "
    "  FROM ind JOIN ex ON ex.objective_id = ind.objective_id AND ex.name = ind.name "
    "  WHERE t.org_id = $1 AND t.id = ex.id AND t.id = ANY (ARRAY(SELECT id FROM ex)) "
    "  AND (t.unit, t.direction, t.baseline, t.target, t.target_min, t.target_max, t.frequency, t.responsible) "
    "  IS DISTINCT FROM (ind.unit, ind.direction, ind.baseline, ind.target, ind.target_min, ind.target_max, "
    "  ind.frequency, ind.responsible) RETURNING t.*), "
    "ii AS (INSERT INTO indicators (org_id, objective_id, name, unit, direction, baseline, target, target_min, "
    "  target_max, frequency, responsible, created_at, import_id) "
    "  SELECT $1, ind.objective_id, ind.name, ind.unit, ind.direction, ind.baseline, ind.target, ind.target_min, "
    "  ind.target_max, ind.frequency, ind.responsible, coalesce(up.created_at, now()), $3::bigint FROM ind "
    "  LEFT JOIN up ON up.id = ind.objective_id AND up.created "
    "  WHERE NOT EXISTS (SELECT 1 FROM ex WHERE ex.objective_id = ind.objective_id AND ex.name = ind.name) "
    "  RETURNING *), "
    /* the change log, written here as the triggers would (they stand aside for this import's
     * rows, 0029): one entry per record, action import, by the importer */
    "oldo AS MATERIALIZED (SELECT (SELECT o FROM objectives o WHERE o.org_id = $1 AND o.id = b.existing_id) AS o "
    "  FROM b, go WHERE go.go AND b.existing_id IS NOT NULL), "
    "logo AS (INSERT INTO change_log (org_id, entity, record_id, action, actor, before, after) "
    "  SELECT $1, 'objective', up.id::text, 'import', " IMPORT_LOG_ACTOR
    ", to_jsonb(oldo.o) - '{org_id,health}'::text[], "
    "  to_jsonb(d) FROM up LEFT JOIN oldo ON (oldo.o).id = up.id CROSS JOIN LATERAL (SELECT " OBJECTIVE_DOC ") d "
    "  ORDER BY up.id), "
    "logi AS (INSERT INTO change_log (org_id, entity, record_id, action, actor, before, after) "
    "  SELECT $1, 'indicator', x.id::text, 'import', " IMPORT_LOG_ACTOR ", x.before, x.after FROM ("
    "  SELECT iu.id, to_jsonb(ex) - '{org_id," INDICATOR_KEPT_COLUMNS "}'::text[] AS before, "
    "  to_jsonb(iu) - '{org_id," INDICATOR_KEPT_COLUMNS "}'::text[] AS after FROM iu "
    "  JOIN ex ON ex.id = iu.id UNION ALL SELECT ii.id, NULL, to_jsonb(d) FROM ii CROSS JOIN LATERAL "
    "(SELECT " INDICATOR_DOC ") d) x "
    "  ORDER BY x.id), "
    "touched AS (SELECT objective_id FROM iu UNION SELECT objective_id FROM ii UNION "
    "  SELECT id FROM up WHERE NOT created) "
    "SELECT * FROM errs "
    "UNION ALL SELECT NULL, (SELECT count(*) FROM up WHERE created)::text, "
    "  (SELECT count(*) FROM touched WHERE objective_id NOT IN (SELECT id FROM up WHERE created))::text, NULL "
    "ORDER BY 1, 2";

static void check_and_write(const struct req_ctx *c, const struct import_batch *b, int write,
                            struct import_statement *out) {
  const char *params[] = {c->org_param, b->json, b->import_id, b->mode, write ? "t" : "f"};
  *out = (struct import_statement){.sql = CHECK_AND_WRITE, .nparams = 5};
  memcpy(out->params, params, sizeof params);
}

const struct import_kind OBJECTIVE_IMPORT = {
    .name = "objectives",
    .batch = 500,
    .tables = "{objectives,indicators,objective_approvals}",
    .begin = begin,
    .end = free,
    .check = check,
    .check_and_write = check_and_write,
};
