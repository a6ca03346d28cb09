/* Importing indicator readings: matched by indicator (objective code and indicator name) and
 * period; the period must fit the indicator's frequency and the objective's year, and a
 * locked reading is never changed. recorded_by and recorded_at are kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kinds.h"
#include "validate.h"

static const struct field_spec FIELDS[] = {
    {.name = "objective", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 32},
    {.name = "indicator", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "period", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 4, .max_len = 7},
    {.name = "value", .type = VT_DECIMAL, .flags = V_REQUIRED},
    {.name = "comment", .type = VT_STRING, .flags = V_TEXT, .max_len = 2000},
    {.name = "recorded_by", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "recorded_at", .type = VT_TIMESTAMP},
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

static json_t *check(void *state, const json_t *in, json_t *errors, char *key, size_t keylen) {
  const time_t *now = state;
  json_t *row = json_deep_copy(in);
  validate_object(row, FIELDS, VALIDATE_CREATE, errors);
  const char *objective = json_string_value(json_object_get(row, "objective"));
  const char *indicator = json_string_value(json_object_get(row, "indicator"));
  const char *period = json_string_value(json_object_get(row, "period"));
  if (objective && indicator && period) snprintf(key, keylen, "%s\x1f%s\x1f%s", objective, indicator, period);
  char value[64];
  json_t *v = json_object_get(row, "value");
  if (v != NULL && !field_has_error(errors, "value") && decimal_text(v, value, sizeof value) == 0) {
    json_object_set_new(row, "value", json_string(value));
  }
  import_time(row, "recorded_at", *now, errors);
  if (json_array_size(errors) > 0) {
    json_decref(row);
    return NULL;
  }
  return row;
}

/* The rows of the batch with their indicator (by objective code and indicator name; NULL when
 * none), its frequency, source and year, and the reading they would replace (prior), each
 * looked up one key at a time on an index: each distinct pair of the batch once
 * (indicators_name, 0029), each reading by its key. Why: the tables are read as zsz_app under
 * row-level security, where a join on an expression such as e->>'period' (not leakproof)
 * cannot use an index; and the import grows the readings table under statistics that still
 * describe it as it was, so a join the planner chose by them could read every reading of the
 * organisation once per batch. */
#define BATCH_WITH_INDICATOR                                                                                           \
  "b AS MATERIALIZED (SELECT (e->>'n')::integer AS n, e, e->>'objective' AS objective, "                               \
  "  e->>'indicator' AS indicator, e->>'period' AS period FROM jsonb_array_elements($2::jsonb) e), "                   \
  "pi AS MATERIALIZED (SELECT pairs.*, x.* FROM (SELECT DISTINCT objective, indicator FROM b) pairs "                  \
  "  LEFT JOIN LATERAL (SELECT i.id AS indicator_id, i.frequency, i.source, o.year FROM objectives o "                 \
  "  JOIN indicators i ON i.org_id = o.org_id AND i.objective_id = o.id AND i.name = pairs.indicator "                 \
  "  WHERE o.org_id = $1 AND o.code = pairs.objective ORDER BY i.id LIMIT 1) x ON true), "                             \
  "bi AS MATERIALIZED (SELECT b.n, b.e, b.period, pi.indicator_id, pi.frequency, pi.source, pi.year, "                 \
  "  (SELECT r FROM indicator_readings r WHERE r.org_id = $1 AND r.indicator_id = pi.indicator_id "                    \
  "  AND r.period = b.period) AS prior "                                                                               \
  "  FROM b LEFT JOIN pi ON pi.objective = b.objective AND pi.indicator = b.indicator) "

static PGresult *check_batch(struct db_tx *tx, struct req_ctx *c, const struct import_batch *b) {
  const char *params[] = {c->org_param, b->json, b->mode};
  return db_exec(tx,
                 "WITH " BATCH_WITH_INDICATOR
                 "SELECT n, 'indicator', 'unknown_indicator', NULL FROM bi WHERE indicator_id IS NULL "
                 "UNION ALL SELECT n, 'period', 'exists', indicator_id::text FROM bi "
                 "  WHERE (prior).indicator_id IS NOT NULL AND $3 = 'insert' "
                 "UNION ALL SELECT n, 'period', 'locked', NULL FROM bi "
                 "  WHERE (prior).indicator_id IS NOT NULL AND (prior).locked AND $3 <> 'insert' "
                 "UNION ALL SELECT n, 'period', 'period_frequency', NULL FROM bi WHERE indicator_id IS NOT NULL "
                 "  AND NOT zsz_import_period_fits(period, frequency, year) "
                 "UNION ALL SELECT n, 'indicator', 'survey_fed', NULL FROM bi WHERE source = 'survey' "
                 "UNION ALL SELECT n, 'recorded_by', 'unknown_user', NULL FROM bi WHERE e->>'recorded_by' IS NOT NULL "
                 "  AND (SELECT true FROM users u WHERE u.org_id = $1 AND u.sub = e->>'recorded_by') IS NULL "
                 "ORDER BY 1, 2",
                 3, params);
}

static enum db_status write_batch(struct db_tx *tx, struct req_ctx *c, const struct import_batch *b, long long *created,
                                  long long *updated) {
  const char *params[] = {c->org_param, b->json, b->import_id, c->who.sub};
  enum db_status st;
  PGresult *r = db_row(
      tx,
      "WITH " BATCH_WITH_INDICATOR ", "
      "old AS MATERIALIZED (SELECT (bi.prior).* FROM bi WHERE (bi.prior).indicator_id IS NOT NULL), "
      "up AS (INSERT INTO indicator_readings AS r (org_id, indicator_id, period, value, comment, recorded_by, "
      "  recorded_at, import_id) "
      "  SELECT $1, bi.indicator_id, bi.period, (e->>'value')::numeric, coalesce(e->>'comment', ''), "
      "  coalesce(e->>'recorded_by', $4), coalesce((e->>'recorded_at')::timestamptz, now()), $3::bigint FROM bi "
      "  ON CONFLICT (org_id, indicator_id, period) DO UPDATE SET value = excluded.value, comment = excluded.comment, "
      "  recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at, "
      "  import_id = excluded.import_id, revision = r.revision + 1 "
      "  WHERE NOT r.locked AND (r.value::text, r.comment, r.recorded_by) IS DISTINCT FROM "
      "  (excluded.value::text, excluded.comment, excluded.recorded_by) "
      "  RETURNING r.*, (r.xmax = 0) AS created), "
      "log AS (INSERT INTO change_log (org_id, entity, record_id, action, actor, before, after) "
      "  SELECT $1, 'indicator_reading', up.indicator_id || '/' || up.period, 'import', " IMPORT_LOG_ACTOR ", "
      "  to_jsonb(old) - 'org_id', to_jsonb(up) - '{org_id,created}'::text[] "
      "  FROM up LEFT JOIN old ON old.indicator_id = up.indicator_id AND old.period = up.period "
      "  ORDER BY up.indicator_id, up.period) "
      "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM up",
      4, params, &st);
  if (r == NULL) return DB_ERROR;
  *created = atoll(PQgetvalue(r, 0, 0));
  *updated = atoll(PQgetvalue(r, 0, 1));
  PQclear(r);
  return DB_ONE;
}

const struct import_kind READING_IMPORT = {
    .name = "readings",
    .batch = 1000,
    .tables = "{indicator_readings}",
    .begin = begin,
    .end = free,
    .check = check,
    .check_batch = check_batch,
    .write_batch = write_batch,
};
