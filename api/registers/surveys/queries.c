#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "queries.h"

/* A JSON column (NULL when SQL NULL: then an empty array). */
static json_t *json_column(const PGresult *r, int row, int col) {
  return PQgetisnull(r, row, col) ? json_array() : json_loads(PQgetvalue(r, row, col), 0, NULL);
}

static enum db_status status_of(struct db_tx *tx) {
  return tx->failed ? DB_ERROR : DB_ONE;
}

/* ---- surveys ------------------------------------------------------------------------------- */

enum db_status surveys_q_check_refs(struct db_tx *tx, const char *org, const char *process_ids,
                                    const char *org_unit_ids, int ok[2]) {
  const char *params[] = {org, process_ids, org_unit_ids};
  PGresult *r = db_exec(tx,
                        "SELECT NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text($2::jsonb) x "
                        "  WHERE NOT EXISTS (SELECT 1 FROM processes WHERE org_id = $1 AND id = x::bigint)), "
                        "NOT EXISTS (SELECT 1 FROM jsonb_array_elements_text($3::jsonb) x "
                        "  WHERE NOT EXISTS (SELECT 1 FROM org_units WHERE org_id = $1 AND id = x::bigint))",
                        3, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  ok[0] = PQgetvalue(r, 0, 0)[0] == 't';
  ok[1] = PQgetvalue(r, 0, 1)[0] == 't';
  PQclear(r);
  return DB_ONE;
}

enum db_status surveys_q_insert(struct db_tx *tx, const char *org, const char *body, const char *public_id,
                                struct result *res, char *id_out) {
  const char *params[] = {org, body, public_id};
  PGresult *r = db_exec(
      tx,
      "WITH s AS (INSERT INTO surveys AS s (org_id, title, kind, year, process_ids, org_unit_ids, questions, "
      "respondent_fields, opens_at, closes_at, target_mean, min_group_size, access_codes_required, public_id) "
      "SELECT $1, b->>'title', b->>'kind', (b->>'year')::integer, "
      "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'process_ids', '[]')))::bigint[], "
      "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'org_unit_ids', '[]')))::bigint[], "
      "coalesce(b->'questions', '[]'), coalesce(b->'respondent_fields', '[]'), (b->>'opens_at')::timestamptz, "
      "(b->>'closes_at')::timestamptz, coalesce((b->>'target_mean')::numeric, 4.0), "
      "coalesce((b->>'min_group_size')::integer, 5), coalesce((b->>'access_codes_required')::boolean, false), $3 "
      "FROM (SELECT $2::jsonb AS b) AS input RETURNING s.*), "
      "p AS (INSERT INTO survey_public_ids (public_id, org_id, survey_id) SELECT public_id, org_id, id FROM s) "
      "SELECT zsz_survey_json(s)::text, s.revision, s.id FROM s",
      3, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  record_result(res, r, 201);
  snprintf(id_out, 24, "%s", PQntuples(r) == 1 ? PQgetvalue(r, 0, 2) : "");
  PQclear(r);
  return DB_ONE;
}

/* The document's members in zsz_survey_json's order (SURVEY_DOC_COLUMNS). */
static const struct render_col SURVEY_COLS[] = {
    {"id", RENDER_NUMBER},
    {"title", RENDER_TEXT},
    {"kind", RENDER_TEXT},
    {"year", RENDER_NUMBER},
    {"process_ids", RENDER_JSON},
    {"org_unit_ids", RENDER_JSON},
    {"questions", RENDER_JSON},
    {"respondent_fields", RENDER_JSON},
    {"opens_at", RENDER_TIMESTAMP},
    {"closes_at", RENDER_TIMESTAMP},
    {"target_mean", RENDER_TEXT},
    {"min_group_size", RENDER_NUMBER},
    {"access_codes_required", RENDER_BOOL},
    {"status", RENDER_TEXT},
    {"public_id", RENDER_TEXT},
    {"response_count", RENDER_NUMBER},
    {"created_at", RENDER_TIMESTAMP},
    {"updated_at", RENDER_TIMESTAMP},
};
_Static_assert(sizeof SURVEY_COLS / sizeof SURVEY_COLS[0] == SURVEY_NCOLS, "SURVEY_DOC_COLUMNS and SURVEY_COLS agree");
const struct record_shape SURVEY_SHAPE = {
    .cols = SURVEY_COLS, .ncols = SURVEY_NCOLS, .id_col = 0, .revision_col = SURVEY_NCOLS};

enum db_status surveys_q_get(struct db_tx *tx, const char *org, const char *id, const char *roles, const char *sub,
                             int *readable, struct result *res) {
  const char *params[] = {org, id, roles, sub};
  PGresult *r = db_exec_generic(tx, SURVEYS_GET_SQL, 4, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  *readable = st == DB_ONE && PQgetvalue(r, 0, SURVEY_NCOLS + 1)[0] == 't';
  if (*readable) {
    struct strbuf b = {0};
    render_record(&b, r, 0, &SURVEY_SHAPE);
    res->etag = atoll(PQgetvalue(r, 0, SURVEY_NCOLS));
    result_raw_owned(res, 200, strbuf_steal(&b));
  }
  PQclear(r);
  return st;
}

PGresult *surveys_q_list(struct db_tx *tx, const char *org, const char *roles, const char *sub, const char *year,
                         const char *kind, const char *status, const char *after, int fetch) {
  static const char *const FIRST[2] = {SURVEYS_FIRST_SQL(PAGE_LIMIT_SMALL), SURVEYS_FIRST_SQL(PAGE_LIMIT_LARGE)};
  static const char *const NEXT[2] = {SURVEYS_NEXT_SQL(PAGE_LIMIT_SMALL), SURVEYS_NEXT_SQL(PAGE_LIMIT_LARGE)};
  int lim = page_limit_index(fetch);
  if (lim >= 0 && year == NULL && kind == NULL && status == NULL) {
    const char *params[] = {org, roles, sub, after};
    return after ? db_exec_generic(tx, NEXT[lim], 4, params) : db_exec_generic(tx, FIRST[lim], 3, params);
  }
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, roles, sub, year, kind, status, after, n};
  return db_exec(tx, SURVEYS_LIST_SQL, 8, params);
}

enum db_status surveys_q_lock(struct db_tx *tx, const char *org, const char *id, struct locked_survey *out) {
  const char *params[] = {org, id};
  PGresult *r = db_exec(tx, "SELECT status, revision FROM surveys WHERE org_id = $1 AND id = $2 FOR UPDATE", 2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  if (st == DB_ONE) {
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
    out->revision = atoll(PQgetvalue(r, 0, 1));
  }
  PQclear(r);
  return st;
}

enum db_status surveys_q_update(struct db_tx *tx, const char *org, const char *id, const char *body,
                                struct result *res) {
  const char *params[] = {org, id, body};
  /* merge-patch: a member absent from the body keeps its column */
  record_exec(
      tx, res,
      "UPDATE surveys s SET "
      "title = CASE WHEN b ? 'title' THEN b->>'title' ELSE title END, "
      "kind = CASE WHEN b ? 'kind' THEN b->>'kind' ELSE kind END, "
      "year = CASE WHEN b ? 'year' THEN (b->>'year')::integer ELSE year END, "
      "process_ids = CASE WHEN b ? 'process_ids' THEN ARRAY(SELECT jsonb_array_elements_text(b->'process_ids'))"
      "::bigint[] ELSE process_ids END, "
      "org_unit_ids = CASE WHEN b ? 'org_unit_ids' THEN ARRAY(SELECT jsonb_array_elements_text(b->'org_unit_ids'))"
      "::bigint[] ELSE org_unit_ids END, "
      "questions = CASE WHEN b ? 'questions' THEN b->'questions' ELSE questions END, "
      "respondent_fields = CASE WHEN b ? 'respondent_fields' THEN b->'respondent_fields' ELSE respondent_fields END, "
      "opens_at = CASE WHEN b ? 'opens_at' THEN (b->>'opens_at')::timestamptz ELSE opens_at END, "
      "closes_at = CASE WHEN b ? 'closes_at' THEN (b->>'closes_at')::timestamptz ELSE closes_at END, "
      "target_mean = CASE WHEN b ? 'target_mean' THEN (b->>'target_mean')::numeric ELSE target_mean END, "
      "min_group_size = CASE WHEN b ? 'min_group_size' THEN (b->>'min_group_size')::integer ELSE min_group_size END, "
      "access_codes_required = CASE WHEN b ? 'access_codes_required' THEN (b->>'access_codes_required')::boolean "
      "  ELSE access_codes_required END, "
      "revision = revision + 1, updated_at = now() FROM (SELECT $3::jsonb AS b) AS input "
      "WHERE s.org_id = $1 AND s.id = $2 RETURNING zsz_survey_json(s)::text, s.revision",
      3, params, 200);
  return status_of(tx);
}

enum db_status surveys_q_open(struct db_tx *tx, const char *org, const char *id, struct result *res) {
  const char *params[] = {org, id};
  PGresult *r = db_exec(tx,
                        "UPDATE surveys s SET status = 'open', revision = revision + 1, updated_at = now() "
                        "WHERE s.org_id = $1 AND s.id = $2 AND jsonb_array_length(s.questions) > 0 "
                        "RETURNING zsz_survey_json(s)::text, s.revision",
                        2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  if (st == DB_ONE) {
    record_result(res, r, 200);
  }
  PQclear(r);
  return st;
}

enum db_status surveys_q_close(struct db_tx *tx, const char *org, const char *id, struct result *res) {
  const char *params[] = {org, id};
  record_exec(tx, res,
              "WITH s AS (UPDATE surveys s SET status = 'closed', revision = revision + 1, updated_at = now() "
              "WHERE s.org_id = $1 AND s.id = $2 RETURNING s.*) "
              "SELECT zsz_survey_json(s)::text, s.revision, zsz_survey_feed_indicators(s.id) FROM s",
              2, params, 200);
  return status_of(tx);
}

enum db_status surveys_q_add_codes(struct db_tx *tx, const char *org, const char *id, const char *hashes) {
  const char *params[] = {org, id, hashes};
  return db_command(tx,
                    "WITH c AS (INSERT INTO survey_access_codes (org_id, survey_id, code_hash) "
                    "SELECT $1, $2, h FROM jsonb_array_elements_text($3::jsonb) h ON CONFLICT DO NOTHING) "
                    "UPDATE surveys SET access_codes_required = true, revision = revision + 1, updated_at = now() "
                    "WHERE org_id = $1 AND id = $2",
                    3, params);
}

/* ---- responses ----------------------------------------------------------------------------- */

/* One statement per key (the id, or the public id): the same columns, locked alike. */
#define DEFINITION_SQL(KEY)                                                                                            \
  "SELECT s.id, s.status, s.questions::text, s.respondent_fields::text, "                                              \
  "(SELECT json_agg(u.code) FROM org_units u WHERE u.org_id = s.org_id "                                               \
  "  AND (cardinality(s.org_unit_ids) = 0 OR u.id = ANY (s.org_unit_ids)))::text, "                                    \
  "(SELECT json_agg(p.code) FROM processes p WHERE p.org_id = s.org_id "                                               \
  "  AND (cardinality(s.process_ids) = 0 OR p.id = ANY (s.process_ids)))::text, "                                      \
  "s.access_codes_required, coalesce(s.closes_at <= now(), false) "                                                    \
  "FROM surveys s WHERE s.org_id = $1 AND " KEY " = $2 FOR NO KEY UPDATE"

static enum db_status definition_of(struct db_tx *tx, const char *sql, const char *org, const char *key,
                                    struct survey_definition *out) {
  const char *params[] = {org, key};
  PGresult *r = db_exec(tx, sql, 2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  if (st == DB_ONE) {
    snprintf(out->id, sizeof out->id, "%s", PQgetvalue(r, 0, 0));
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 1));
    out->questions = json_column(r, 0, 2);
    out->fields = json_column(r, 0, 3);
    out->units = json_column(r, 0, 4);
    out->processes = json_column(r, 0, 5);
    out->codes_required = PQgetvalue(r, 0, 6)[0] == 't';
    out->past_closes_at = PQgetvalue(r, 0, 7)[0] == 't';
  }
  PQclear(r);
  return st;
}

enum db_status surveys_q_definition(struct db_tx *tx, const char *org, const char *id, struct survey_definition *out) {
  return definition_of(tx, DEFINITION_SQL("s.id"), org, id, out);
}

enum db_status surveys_q_public_definition(struct db_tx *tx, const char *org, const char *public_id,
                                           struct survey_definition *out) {
  return definition_of(tx, DEFINITION_SQL("s.public_id"), org, public_id, out);
}

void survey_definition_free(struct survey_definition *d) {
  json_decref(d->questions);
  json_decref(d->fields);
  json_decref(d->units);
  json_decref(d->processes);
  d->questions = d->fields = d->units = d->processes = NULL;
}

enum db_status surveys_q_spend_code(struct db_tx *tx, const char *org, const char *id, const char *hash) {
  const char *params[] = {org, id, hash};
  PGresult *r = db_exec(tx,
                        "UPDATE survey_access_codes SET used = true WHERE org_id = $1 AND survey_id = $2 "
                        "AND code_hash = $3 AND NOT used RETURNING 1",
                        3, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) > 0 ? DB_ONE : DB_NONE;
  PQclear(r);
  return st;
}

enum db_status surveys_q_add_batch(struct db_tx *tx, const char *org, const char *id, const char *batch) {
  const char *params[] = {org, id, batch};
  return db_command(tx, "SELECT zsz_survey_add($1::bigint, $2::bigint, $3::jsonb)", 3, params);
}

/* ---- public routes ------------------------------------------------------------------------- */

enum db_status surveys_q_public_org(struct db_tx *tx, const char *public_id, char *org_out) {
  const char *params[] = {public_id};
  PGresult *r = db_exec(tx, "SELECT org_id FROM survey_public_ids WHERE public_id = $1", 1, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  if (st == DB_ONE) {
    snprintf(org_out, 24, "%s", PQgetvalue(r, 0, 0));
  }
  PQclear(r);
  return st;
}

enum db_status surveys_q_public_get(struct db_tx *tx, const char *org, const char *public_id, struct result *res) {
  const char *params[] = {org, public_id};
  return document_get(tx, res,
                      "SELECT json_build_object('public_id', s.public_id, 'title', s.title, 'questions', s.questions, "
                      "'respondent_fields', s.respondent_fields, 'closes_at', zsz_ts(s.closes_at), "
                      "'access_codes_required', s.access_codes_required)::text FROM surveys s "
                      "WHERE s.org_id = $1 AND s.public_id = $2 AND s.status = 'open' "
                      "AND (s.closes_at IS NULL OR s.closes_at > now())",
                      2, params, MSG_NOT_FOUND_SURVEY);
}

/* ---- results ------------------------------------------------------------------------------- */

enum db_status surveys_q_summary(struct db_tx *tx, const char *org, const char *id, const char *roles, const char *sub,
                                 struct survey_summary *out) {
  const char *params[] = {org, id, roles, sub};
  PGresult *r = db_exec(tx,
                        "SELECT (zsz_survey_reads_all($3::text[]) OR zsz_survey_readable(s, $3::text[], $4)), "
                        "s.questions::text, s.respondent_fields::text, "
                        "s.target_mean, s.min_group_size, s.status, s.response_count, s.kind, s.year "
                        "FROM surveys s WHERE s.org_id = $1 AND s.id = $2",
                        4, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  if (st == DB_ONE) {
    out->readable = PQgetvalue(r, 0, 0)[0] == 't';
    out->questions = json_column(r, 0, 1);
    out->fields = json_column(r, 0, 2);
    out->target_mean = atof(PQgetvalue(r, 0, 3));
    out->min_group_size = atoll(PQgetvalue(r, 0, 4));
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 5));
    out->responses = atoll(PQgetvalue(r, 0, 6));
    snprintf(out->kind, sizeof out->kind, "%s", PQgetvalue(r, 0, 7));
    snprintf(out->year, sizeof out->year, "%s", PQgetvalue(r, 0, 8));
  }
  PQclear(r);
  return st;
}

void survey_summary_free(struct survey_summary *s) {
  json_decref(s->questions);
  json_decref(s->fields);
  s->questions = s->fields = NULL;
}

PGresult *surveys_q_counts(struct db_tx *tx, const char *org, const char *id) {
  const char *params[] = {org, id};
  return db_exec(tx,
                 "SELECT question_key, group_field, group_value, value, count FROM survey_counts "
                 "WHERE org_id = $1 AND survey_id = $2",
                 2, params);
}

enum db_status surveys_q_previous(struct db_tx *tx, const char *org, const char *kind, const char *year,
                                  const char *roles, const char *sub, int *readable, long long *id_out,
                                  long long *year_out, json_t **means) {
  const char *params[] = {org, kind, year, roles, sub};
  /* the record rule decides in the database: a survey the caller may not read gives no id,
   * year or mean back */
  PGresult *r =
      db_exec(tx,
              "SELECT p.ok, CASE WHEN p.ok THEN p.id END, CASE WHEN p.ok THEN p.year END, "
              "CASE WHEN p.ok THEN (SELECT json_object_agg(k, zsz_survey_mean(p.id, k)) FROM (SELECT q->>'key' AS k "
              "  FROM jsonb_array_elements(p.questions) q WHERE q->>'type' = 'scale_1_5') x) END::text "
              "FROM (SELECT s.id, s.year, s.questions, (zsz_survey_reads_all($4::text[]) OR zsz_survey_readable(s, "
              "$4::text[], $5)) AS ok FROM surveys s "
              "  WHERE s.org_id = $1 AND s.kind = $2 AND s.year < $3::integer AND s.status = 'closed' "
              "  ORDER BY s.year DESC, s.id DESC LIMIT 1) p",
              5, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  if (st == DB_ONE) {
    *readable = PQgetvalue(r, 0, 0)[0] == 't';
    if (*readable) {
      *id_out = atoll(PQgetvalue(r, 0, 1));
      *year_out = atoll(PQgetvalue(r, 0, 2));
      *means = PQgetisnull(r, 0, 3) ? json_object() : json_loads(PQgetvalue(r, 0, 3), 0, NULL);
    }
  }
  PQclear(r);
  return st;
}

enum db_status surveys_q_texts(struct db_tx *tx, const char *org, const char *id, const char *question, int *is_text,
                               int *enough, json_t **texts) {
  const char *params[] = {org, id, question};
  PGresult *r = db_exec(tx,
                        "SELECT s.response_count >= s.min_group_size, EXISTS (SELECT 1 FROM "
                        "jsonb_array_elements(s.questions) q WHERE q->>'key' = $3 AND q->>'type' = 'text'), "
                        "CASE WHEN s.response_count >= s.min_group_size THEN (SELECT coalesce(json_agg(t ORDER BY "
                        "random()), '[]') FROM (SELECT r.answers->>$3 AS t FROM survey_responses r WHERE r.org_id = $1 "
                        "AND r.survey_id = $2 AND r.answers ? $3) x) END::text "
                        "FROM surveys s WHERE s.org_id = $1 AND s.id = $2",
                        3, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  if (st == DB_ONE) {
    *enough = PQgetvalue(r, 0, 0)[0] == 't';
    *is_text = PQgetvalue(r, 0, 1)[0] == 't';
    if (*enough && *is_text) {
      *texts = json_loads(PQgetvalue(r, 0, 2), 0, NULL);
    }
  }
  PQclear(r);
  return st;
}

/* ---- closing at closes_at ------------------------------------------------------------------ */

enum db_status surveys_q_close_due(struct db_tx *tx, const char *org) {
  const char *params[] = {org};
  PGresult *r =
      db_exec(tx,
              "WITH s AS (UPDATE surveys s SET status = 'closed', revision = revision + 1, updated_at = now() "
              "WHERE s.org_id = $1 AND s.status = 'open' AND s.closes_at <= now() "
              "RETURNING s.id) SELECT count(zsz_survey_feed_indicators(s.id)) FROM s",
              1, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  PQclear(r);
  return DB_ONE;
}
