#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "documents.h"
#include "http.h"
#include "queries.h"

static enum db_status found(struct db_tx *tx, const struct result *res) {
  return tx->failed ? DB_ERROR : res->status < 400 ? DB_ONE : DB_NONE;
}

/* A statement that only tells whether a row exists. */
static enum db_status exists(struct db_tx *tx, const char *sql, int nparams, const char *const *params) {
  PGresult *r = db_exec(tx, sql, nparams, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) > 0 ? DB_ONE : DB_NONE;
  PQclear(r);
  return st;
}

/* An insert returning the record's document, revision and id: res status with the record. */
static enum db_status insert_record(struct db_tx *tx, const char *sql, int nparams, const char *const *params,
                                    struct result *res, char *id_out) {
  return record_create(tx, res, sql, nparams, params, id_out);
}

static const char *nullable(PGresult *r, int col) {
  return PQgetisnull(r, 0, col) ? NULL : PQgetvalue(r, 0, col);
}

/* ---- objectives ------------------------------------------------------------------------------ */

enum db_status objectives_q_check_refs(struct db_tx *tx, const char *org, const char *owner, const char *process_id,
                                       const char *org_unit_id, int ok[3]) {
  const char *params[] = {org, owner, process_id, org_unit_id};
  PGresult *r = db_exec(tx,
                        "SELECT $2::text IS NULL OR EXISTS (SELECT 1 FROM users WHERE org_id = $1 AND sub = $2), "
                        "$3::bigint IS NULL OR EXISTS (SELECT 1 FROM processes WHERE org_id = $1 AND id = $3), "
                        "$4::bigint IS NULL OR EXISTS (SELECT 1 FROM org_units WHERE org_id = $1 AND id = $4)",
                        4, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  for (int i = 0; i < 3; i++)
    ok[i] = PQgetvalue(r, 0, i)[0] == 't';
  PQclear(r);
  return DB_ONE;
}

enum db_status objectives_q_user_exists(struct db_tx *tx, const char *org, const char *sub) {
  const char *params[] = {org, sub};
  return exists(tx, "SELECT 1 FROM users WHERE org_id = $1 AND sub = $2", 2, params);
}

enum db_status objectives_q_insert(struct db_tx *tx, const char *org, const char *body, struct result *res,
                                   char *id_out) {
  const char *params[] = {org, body};
  return insert_record(
      tx,
      "INSERT INTO objectives AS o (org_id, code, year, title, description, strategy_ref, standards, process_id, "
      "org_unit_id, owner, planned_actions, resources, due_date, evaluation_method) "
      "SELECT $1, b->>'code', (b->>'year')::integer, b->>'title', coalesce(b->>'description', ''), "
      "coalesce(b->>'strategy_ref', ''), ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'standards', '[]'))), "
      "(b->>'process_id')::bigint, (b->>'org_unit_id')::bigint, b->>'owner', coalesce(b->>'planned_actions', ''), "
      "coalesce(b->>'resources', ''), (b->>'due_date')::date, coalesce(b->>'evaluation_method', '') "
      "FROM (SELECT $2::jsonb AS b) AS input "
      "RETURNING zsz_objective_json(o)::text, o.revision, o.id",
      2, params, res, id_out);
}

/* A single record rendered in C (documents.c): the row of sql as shape, its revision at
 * shape->revision_col for the ETag; res 200, or 404 with not_found. Never 304: the objective's
 * and the indicator's documents hold computed state (health, attainment...) that the revision
 * does not cover. */
/* A record by its key, by its generic plan (db_exec_generic). */
static enum db_status record_rendered(struct db_tx *tx, struct result *res, const char *sql, int nparams,
                                      const char *const *params, const struct record_shape *shape, msg_id not_found) {
  PGresult *r = db_exec_generic(tx, sql, nparams, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  if (PQntuples(r) == 0) {
    PQclear(r);
    result_problem(res, PROBLEM_NOT_FOUND, not_found);
    return DB_NONE;
  }
  struct strbuf b = {0};
  render_record(&b, r, 0, shape);
  res->etag = atoll(PQgetvalue(r, 0, shape->revision_col));
  result_raw_owned(res, 200, strbuf_steal(&b));
  PQclear(r);
  return DB_ONE;
}

enum db_status objectives_q_get(struct db_tx *tx, const char *org, const char *id, struct result *res) {
  const char *params[] = {org, id};
  /* the health as stored (migration 0047: kept up to date by the writes of indicators and
   * readings, equal to zsz_objective_health_of's) */
  return record_rendered(tx, res,
                         "SELECT " OBJECTIVE_OWN_COLUMNS("o") ", o.revision "
                                                              "FROM objectives o WHERE o.org_id = $1 AND o.id = $2",
                         2, params, &OBJECTIVE_SHAPE, MSG_NOT_FOUND_OBJECTIVE);
}

enum db_status objectives_q_exists(struct db_tx *tx, const char *org, const char *id) {
  const char *params[] = {org, id};
  return exists(tx, "SELECT 1 FROM objectives WHERE org_id = $1 AND id = $2", 2, params);
}

enum db_status objectives_q_lock(struct db_tx *tx, const char *org, const char *id, struct locked_objective *out) {
  const char *params[] = {org, id};
  PGresult *r =
      db_exec(tx, "SELECT status, year, revision FROM objectives WHERE org_id = $1 AND id = $2 FOR UPDATE", 2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  if (st == DB_ONE) {
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
    out->year = atoll(PQgetvalue(r, 0, 1));
    out->revision = atoll(PQgetvalue(r, 0, 2));
  }
  PQclear(r);
  return st;
}

enum db_status objectives_q_hold(struct db_tx *tx, const char *org, const char *id, char status[16]) {
  const char *params[] = {org, id};
  PGresult *r = db_exec(tx, "SELECT status FROM objectives WHERE org_id = $1 AND id = $2 FOR NO KEY UPDATE", 2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  if (st == DB_ONE) {
    snprintf(status, 16, "%s", PQgetvalue(r, 0, 0));
  }
  PQclear(r);
  return st;
}

enum db_status objectives_q_update(struct db_tx *tx, const char *org, const char *id, const char *body,
                                   struct result *res) {
  const char *params[] = {org, id, body};
  return record_exec(
      tx, res,
      "UPDATE objectives o SET "
      "code = CASE WHEN b ? 'code' THEN b->>'code' ELSE code END, "
      "year = CASE WHEN b ? 'year' THEN (b->>'year')::integer ELSE year END, "
      "title = CASE WHEN b ? 'title' THEN b->>'title' ELSE title END, "
      "description = CASE WHEN b ? 'description' THEN b->>'description' ELSE description END, "
      "strategy_ref = CASE WHEN b ? 'strategy_ref' THEN b->>'strategy_ref' ELSE strategy_ref END, "
      "standards = CASE WHEN b ? 'standards' THEN ARRAY(SELECT jsonb_array_elements_text(b->'standards')) "
      "  ELSE standards END, "
      "process_id = CASE WHEN b ? 'process_id' THEN (b->>'process_id')::bigint ELSE process_id END, "
      "org_unit_id = CASE WHEN b ? 'org_unit_id' THEN (b->>'org_unit_id')::bigint ELSE org_unit_id END, "
      "owner = CASE WHEN b ? 'owner' THEN b->>'owner' ELSE owner END, "
      "planned_actions = CASE WHEN b ? 'planned_actions' THEN b->>'planned_actions' ELSE planned_actions END, "
      "resources = CASE WHEN b ? 'resources' THEN b->>'resources' ELSE resources END, "
      "due_date = CASE WHEN b ? 'due_date' THEN (b->>'due_date')::date ELSE due_date END, "
      "evaluation_method = CASE WHEN b ? 'evaluation_method' THEN b->>'evaluation_method' "
      "  ELSE evaluation_method END, "
      "revision = revision + 1, updated_at = now() "
      "FROM (SELECT $3::jsonb AS b) AS input WHERE o.org_id = $1 AND o.id = $2 "
      "RETURNING zsz_objective_json(o)::text, o.revision",
      3, params, 200);
}

enum db_status objectives_q_set_status(struct db_tx *tx, const char *org, const char *id, const char *status,
                                       const char *reason, const char *outcome, const char *actor, struct result *res) {
  const char *params[] = {org, id, status, reason, outcome, actor};
  /* the first approval records every 6.2.2 field as its change, with nothing before it */
  return record_exec(tx, res,
                     "WITH o AS (UPDATE objectives o SET status = $3, status_reason = coalesce($4, status_reason), "
                     "outcome = coalesce($5, outcome), "
                     "approved_version = approved_version + CASE WHEN $3 = 'approved' THEN 1 ELSE 0 END, "
                     "revision = revision + 1, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING o.*), "
                     "a AS (INSERT INTO objective_approvals (org_id, objective_id, version, approved_by, changes) "
                     "SELECT o.org_id, o.id, o.approved_version, $6, jsonb_build_object("
                     "'planned_actions', jsonb_build_object('before', null, 'after', o.planned_actions), "
                     "'resources', jsonb_build_object('before', null, 'after', o.resources), "
                     "'due_date', jsonb_build_object('before', null, 'after', o.due_date), "
                     "'evaluation_method', jsonb_build_object('before', null, 'after', o.evaluation_method), "
                     "'owner', jsonb_build_object('before', null, 'after', o.owner)) FROM o WHERE $3 = 'approved') "
                     "SELECT zsz_objective_json(o)::text, o.revision FROM o",
                     6, params, 200);
}

/* A page of objectives: the columns rendered in C (documents.c), the health as stored (migration
 * 0047: kept up to date by the writes of indicators and readings, nothing computed per row);
 * after them the document's version for the page's ETag (the revision does not cover the
 * health, which moves with the readings: both), then the page's key. */
#define OBJECTIVES_PAGE_COLUMNS(o)                                                                                     \
  OBJECTIVE_COLUMNS(o, o ".health")                                                                                    \
  ", " o ".revision::text || ' ' || " o ".health, " o ".year::text, " o ".code, " o ".id::text"

/* The first page without filters: a walk of objectives_year (org_id, year DESC, code, id). */
#define OBJECTIVES_FIRST_SQL(LIMIT)                                                                                    \
  "SELECT " OBJECTIVES_PAGE_COLUMNS("o") " FROM objectives o WHERE o.org_id = $1 "                                     \
                                         "ORDER BY o.year DESC, o.code, o.id LIMIT " LIMIT
/* After a key: the rest of its year and the years before it, two ranges of objectives_year whose
 * every condition is an index condition (a key of mixed directions is no single range), each
 * at most a page long: flat however deep the page. */
#define OBJECTIVES_NEXT_SQL(LIMIT)                                                                                     \
  "SELECT " OBJECTIVES_PAGE_COLUMNS("o") " FROM ((SELECT o.* FROM objectives o "                                       \
                                         "WHERE o.org_id = $1 AND o.year = $2::integer AND (o.code, o.id) > ($3, "     \
                                         "$4::bigint) ORDER BY o.code, o.id LIMIT " LIMIT ") UNION ALL (SELECT o.* "   \
                                         "FROM objectives o WHERE o.org_id = $1 AND o.year < $2::integer "             \
                                         "ORDER BY o.year DESC, o.code, o.id LIMIT " LIMIT ")) AS o "                  \
                                         "ORDER BY o.year DESC, o.code, o.id LIMIT " LIMIT

PGresult *objectives_q_list(struct db_tx *tx, const char *org, const char *const filter[7], const char *after_year,
                            const char *after_code, const char *after_id, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  int filtered = 0;
  for (int i = 0; i < 7; i++) {
    filtered |= filter[i] != NULL;
  }
  /* the pages without filters, the ones frontends poll, by their generic plans (planning this
   * statement for its values cost 1.1 ms of the page's 1.8 in PostgreSQL), each LIMIT a
   * constant (page_limit_index) */
  static const char *const FIRST[2] = {OBJECTIVES_FIRST_SQL(PAGE_LIMIT_SMALL), OBJECTIVES_FIRST_SQL(PAGE_LIMIT_LARGE)};
  static const char *const NEXT[2] = {OBJECTIVES_NEXT_SQL(PAGE_LIMIT_SMALL), OBJECTIVES_NEXT_SQL(PAGE_LIMIT_LARGE)};
  int lim = page_limit_index(fetch);
  if (!filtered && lim >= 0 && after_year == NULL) {
    const char *params[] = {org};
    return db_exec_generic(tx, FIRST[lim], 1, params);
  }
  if (!filtered && lim >= 0) {
    const char *params[] = {org, after_year, after_code, after_id};
    return db_exec_generic(tx, NEXT[lim], 4, params);
  }
  const char *params[] = {org,       filter[0], filter[1],  filter[2],  filter[3], filter[4],
                          filter[5], filter[6], after_year, after_code, after_id,  n};
  /* with a filter, planned for its values: the filters' "$n IS NULL OR" fold away (a generic
   * plan keeps them, and the key, as filters of a walk from the first objective) */
  return db_exec(
      tx,
      "SELECT " OBJECTIVES_PAGE_COLUMNS(
          "o") " FROM objectives o "
               "WHERE o.org_id = $1 AND ($2::integer IS NULL OR o.year = $2::integer) AND ($3::text IS NULL OR "
               "o.status = $3) AND ($4::bigint IS NULL OR o.process_id = $4::bigint) "
               "AND ($5::bigint IS NULL OR o.org_unit_id = $5::bigint) "
               "AND ($6::text IS NULL OR o.owner = $6) AND ($7::text IS NULL OR $7 = ANY (o.standards)) "
               "AND ($8::text IS NULL OR o.health = $8) "
               "AND ($9::integer IS NULL OR o.year < $9::integer OR (o.year = $9::integer AND (o.code, o.id) > "
               "($10, $11::bigint))) ORDER BY o.year DESC, o.code, o.id LIMIT $12",
      12, params);
}

PGresult *objectives_q_approvals(struct db_tx *tx, const char *org, const char *id, const char *after, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, id, after, n};
  return db_exec(tx,
                 "SELECT zsz_approval_json(v)::text, v.version::text FROM objective_approvals v "
                 "WHERE v.org_id = $1 AND v.objective_id = $2 "
                 "AND ($3::integer IS NULL OR v.version > $3::integer) ORDER BY v.version LIMIT $4",
                 4, params);
}

/* ---- revisions ------------------------------------------------------------------------------- */

PGresult *objectives_q_revisions(struct db_tx *tx, const char *org, const char *id, const char *after, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, id, after, n};
  return db_exec(tx,
                 "SELECT zsz_revision_json(v)::text, v.id::text FROM objective_revisions v "
                 "WHERE v.org_id = $1 AND v.objective_id = $2 "
                 "AND ($3::bigint IS NULL OR v.id > $3::bigint) ORDER BY v.id LIMIT $4",
                 4, params);
}

enum db_status objectives_q_revision_insert(struct db_tx *tx, const char *org, const char *objective_id,
                                            const char *changes, const char *reason, const char *actor,
                                            struct result *res, char *id_out) {
  const char *params[] = {org, objective_id, changes, reason, actor};
  return insert_record(tx,
                       "INSERT INTO objective_revisions AS v (org_id, objective_id, changes, reason, requested_by) "
                       "VALUES ($1, $2, $3::jsonb, $4, $5) RETURNING zsz_revision_json(v)::text, v.revision, v.id",
                       5, params, res, id_out);
}

enum db_status objectives_q_revision_get(struct db_tx *tx, const char *org, const char *objective_id, const char *id,
                                         struct result *res) {
  const char *params[] = {org, objective_id, id};
  record_get(tx, res,
             "SELECT zsz_revision_json(v)::text, v.revision FROM objective_revisions v "
             "WHERE v.org_id = $1 AND v.objective_id = $2 AND v.id = $3",
             3, params, MSG_NOT_FOUND_REVISION);
  return found(tx, res);
}

enum db_status objectives_q_revision_lock(struct db_tx *tx, const char *org, const char *objective_id, const char *id,
                                          struct locked_revision *out) {
  const char *params[] = {org, objective_id, id};
  PGresult *r = db_exec(tx,
                        "SELECT v.status, v.revision, o.status FROM objective_revisions v "
                        "JOIN objectives o ON o.org_id = v.org_id AND o.id = v.objective_id "
                        "WHERE v.org_id = $1 AND v.objective_id = $2 AND v.id = $3 FOR UPDATE",
                        3, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  if (st == DB_ONE) {
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
    out->revision = atoll(PQgetvalue(r, 0, 1));
    snprintf(out->objective_status, sizeof out->objective_status, "%s", PQgetvalue(r, 0, 2));
  }
  PQclear(r);
  return st;
}

enum db_status objectives_q_revision_apply(struct db_tx *tx, const char *org, const char *objective_id, const char *id,
                                           const char *actor) {
  const char *params[] = {org, objective_id, id, actor};
  /* old and new see the row before and after the update: the approval keeps both */
  return db_command(
      tx,
      "WITH v AS (SELECT changes AS c FROM objective_revisions WHERE org_id = $1 AND id = $3), "
      "old AS (SELECT o.* FROM objectives o WHERE o.org_id = $1 AND o.id = $2), "
      "new AS (UPDATE objectives o SET "
      "planned_actions = CASE WHEN v.c ? 'planned_actions' THEN v.c->>'planned_actions' ELSE planned_actions END, "
      "resources = CASE WHEN v.c ? 'resources' THEN v.c->>'resources' ELSE resources END, "
      "due_date = CASE WHEN v.c ? 'due_date' THEN (v.c->>'due_date')::date ELSE due_date END, "
      "evaluation_method = CASE WHEN v.c ? 'evaluation_method' THEN v.c->>'evaluation_method' "
      "  ELSE evaluation_method END, "
      "owner = CASE WHEN v.c ? 'owner' THEN v.c->>'owner' ELSE owner END, "
      "approved_version = approved_version + 1, revision = revision + 1, updated_at = now() "
      "FROM v WHERE o.org_id = $1 AND o.id = $2 RETURNING o.*) "
      "INSERT INTO objective_approvals (org_id, objective_id, version, approved_by, revision_id, changes) "
      "SELECT new.org_id, new.id, new.approved_version, $4, $3, "
      "(SELECT jsonb_object_agg(k, jsonb_build_object('before', to_jsonb(old) -> k, 'after', to_jsonb(new) -> k)) "
      " FROM v, jsonb_object_keys(v.c) AS k) FROM new, old",
      4, params);
}

enum db_status objectives_q_revision_decide(struct db_tx *tx, const char *org, const char *id, const char *status,
                                            const char *actor, const char *reason, struct result *res) {
  const char *params[] = {org, id, status, actor, reason};
  return record_exec(tx, res,
                     "UPDATE objective_revisions v SET status = $3, decided_by = $4, decided_at = now(), "
                     "decision_reason = $5, revision = revision + 1 WHERE org_id = $1 AND id = $2 "
                     "RETURNING zsz_revision_json(v)::text, v.revision",
                     5, params, 200);
}

/* ---- the annual report ------------------------------------------------------------------------ */

/* The report's objectives and their indicators' computed state, each computed once
 * (zsz_indicator_kept, inlined: from what each indicator keeps in its row, 0051: all but stale
 * are the row's own columns), and
 * the objectives' stored health (migration 0047; it was the worst of the indicators' here,
 * grouped per objective, which the planner, estimating one objective, rescanned once per
 * objective: 13 ms of the report's 25 at 303 objectives). $1 org, $2 year. Then the rows of documents.h, each with its
 * sort keys first: its place (an objective's by code and id, numbered once over the objectives; the processes' after
 * them, by code), the indicator's id (none for the objective's row: first), the period (none for the indicator's row:
 * first); then the record's columns, all text, and the kind. The keys come first and the place is one integer because
 * sorting on anything else cost more than the rest of the statement: the sort reads a key after the first by walking
 * the row's columns up to it (11 ms for 4,800 rows with the keys after 23 text columns, the code's text as the first).
 * The outer SELECT drops the keys. */
// clang-format off
#define REPORT_PROCESS_PLACE "1000000000"
#define REPORT_ROWS                                                                                                    \
  "WITH obj AS MATERIALIZED (SELECT o.*, row_number() OVER (ORDER BY o.code, o.id) AS place FROM objectives o "        \
  "  WHERE o.org_id = $1 AND o.year = $2::integer AND o.status <> 'cancelled'), "                                      \
  "ind AS MATERIALIZED (SELECT i.*, obj.place AS objective_place, s.stale "                                              \
  "  FROM obj JOIN indicators i ON i.org_id = $1 AND i.objective_id = obj.id "                                         \
  "  CROSS JOIN LATERAL zsz_indicator_kept(i, $2::integer) AS s) "                                                    \
  "SELECT obj.place, NULL::bigint, NULL::text, "                                                                       \
  "  " OBJECTIVE_COLUMNS("obj", "obj.health") ", p.code, 'o' "                                                         \
  "FROM obj LEFT JOIN processes p ON p.org_id = $1 AND p.id = obj.process_id "                                         \
  "UNION ALL SELECT ind.objective_place, ind.id, NULL, " INDICATOR_COLUMNS("ind", "ind") ", NULL, 'i' FROM ind "
#define REPORT_KEYS_AND_COLUMNS                                                                                        \
  "(place, indicator, period, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18, "   \
  "c19, c20, c21, c22, kind)"
#define REPORT_COLUMNS                                                                                                 \
  "c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21, c22, kind"
#define NULLS10 "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "

/* JSON: also the readings, and the processes of the totals. */
const char OBJECTIVES_REPORT_ROWS_SQL[] =
    "SELECT " REPORT_COLUMNS " FROM (" REPORT_ROWS
    "UNION ALL SELECT ind.objective_place, ind.id, r.period, " READING_COLUMNS("r") ", " NULLS10 "NULL, NULL, NULL, 'r' "
    "FROM ind JOIN indicator_readings r ON r.org_id = $1 AND r.indicator_id = ind.id "
    "UNION ALL SELECT " REPORT_PROCESS_PLACE " + row_number() OVER (ORDER BY p.code), NULL, NULL, "
    "  p.id::text, p.code, p.name, " NULLS10 NULLS10 "'p' "
    "FROM processes p WHERE p.org_id = $1 AND p.id IN (SELECT obj.process_id FROM obj) "
    "ORDER BY 1, 2 NULLS FIRST, 3 NULLS FIRST) AS report " REPORT_KEYS_AND_COLUMNS;

/* CSV: objectives and indicators; more than 2 * CSV_MAX_ROWS + 1 rows are more than
 * CSV_MAX_ROWS lines (an objective's line count is at least half its rows) */
const char OBJECTIVES_REPORT_CSV_ROWS_SQL[] =
    "SELECT " REPORT_COLUMNS " FROM (" REPORT_ROWS "ORDER BY 1, 2 NULLS FIRST LIMIT $3::integer) AS report "
    REPORT_KEYS_AND_COLUMNS;
// clang-format on

PGresult *objectives_q_report_rows(struct db_tx *tx, const char *org, const char *year) {
  const char *params[] = {org, year};
  /* planned once per connection: its plan does not depend on the values (a hall's objectives
   * of a year by index, then per objective), and planning it cost 5 ms of about 30 */
  return db_exec_generic(tx, OBJECTIVES_REPORT_ROWS_SQL, 2, params);
}

const char OBJECTIVES_REPORT_CSV_HEADER[] =
    "objective_code;year;title;status;objective_health;process_code;owner;indicator;unit;direction;"
    "baseline;target;target_min;target_max;frequency;latest_period;latest_value;attainment;indicator_health";

PGresult *objectives_q_report_csv_rows(struct db_tx *tx, const char *org, const char *year) {
  char limit[24];
  snprintf(limit, sizeof limit, "%d", 2 * CSV_MAX_ROWS + 2);
  const char *params[] = {org, year, limit};
  return db_exec(tx, OBJECTIVES_REPORT_CSV_ROWS_SQL, 3, params);
}

/* ---- indicators ------------------------------------------------------------------------------ */

enum db_status objectives_q_indicator_insert(struct db_tx *tx, const char *org, const char *objective_id,
                                             const char *body, struct result *res, char *id_out) {
  const char *params[] = {org, objective_id, body};
  return insert_record(tx,
                       "INSERT INTO indicators AS i (org_id, objective_id, name, unit, direction, baseline, target, "
                       "target_min, target_max, frequency, responsible, source, survey_kind, survey_question) "
                       "SELECT $1, $2, b->>'name', coalesce(b->>'unit', ''), b->>'direction', "
                       "(b->>'baseline')::numeric, (b->>'target')::numeric, (b->>'target_min')::numeric, "
                       "(b->>'target_max')::numeric, b->>'frequency', b->>'responsible', "
                       "coalesce(b->>'source', 'manual'), b->>'survey_kind', b->>'survey_question' "
                       "FROM (SELECT $3::jsonb AS b) AS input "
                       "RETURNING zsz_indicator_json(i)::text, i.revision, i.id",
                       3, params, res, id_out);
}

/* An indicator's columns with its computed state: INDICATOR_FROM (documents.h). */
enum db_status objectives_q_indicator_get(struct db_tx *tx, const char *org, const char *id, struct result *res) {
  const char *params[] = {org, id};
  return record_rendered(tx, res,
                         "SELECT " INDICATOR_COLUMNS("i", "s") ", i.revision::text " INDICATOR_FROM
                                                               "WHERE i.org_id = $1 AND i.id = $2",
                         2, params, &INDICATOR_SHAPE, MSG_NOT_FOUND_INDICATOR);
}

enum db_status objectives_q_indicator_exists(struct db_tx *tx, const char *org, const char *id) {
  const char *params[] = {org, id};
  return exists(tx, "SELECT 1 FROM indicators WHERE org_id = $1 AND id = $2", 2, params);
}

PGresult *objectives_q_indicators(struct db_tx *tx, const char *org, const char *objective_id, const char *after,
                                  int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, objective_id, after, n};
  /* after the columns the document's version for the page's ETag: the revision and the
   * computed state it does not cover (the latest reading, staleness, health) */
  return db_exec(
      tx,
      "SELECT " INDICATOR_COLUMNS(
          "i", "s") ", "
                    "format('%s|%s|%s|%s|%s', i.revision, s.latest_period, s.latest_value, s.stale, s.health), "
                    "i.id::text " INDICATOR_FROM
                    "WHERE i.org_id = $1 AND i.objective_id = $2 AND ($3::bigint IS NULL OR i.id > $3::bigint) "
                    "ORDER BY i.id LIMIT $4",
      4, params);
}

enum db_status objectives_q_indicator_lock(struct db_tx *tx, const char *org, const char *id,
                                           struct locked_indicator *out) {
  const char *params[] = {org, id};
  enum db_status st;
  PGresult *r =
      db_row(tx,
             "SELECT i.revision, i.objective_id, i.frequency, "
             "EXISTS (SELECT 1 FROM indicator_readings r WHERE r.org_id = i.org_id AND r.indicator_id = i.id), "
             "i.direction, i.baseline::text, i.target::text, i.target_min::text, i.target_max::text, "
             "i.source, i.survey_kind, i.survey_question "
             "FROM indicators i WHERE i.org_id = $1 AND i.id = $2 FOR UPDATE",
             2, params, &st);
  if (r == NULL) {
    return st;
  }
  out->revision = atoll(PQgetvalue(r, 0, 0));
  snprintf(out->objective_id, sizeof out->objective_id, "%s", PQgetvalue(r, 0, 1));
  snprintf(out->frequency, sizeof out->frequency, "%s", PQgetvalue(r, 0, 2));
  out->has_readings = PQgetvalue(r, 0, 3)[0] == 't';
  out->direction = nullable(r, 4);
  out->baseline = nullable(r, 5);
  out->target = nullable(r, 6);
  out->target_min = nullable(r, 7);
  out->target_max = nullable(r, 8);
  out->source = nullable(r, 9);
  out->survey_kind = nullable(r, 10);
  out->survey_question = nullable(r, 11);
  out->row = r;
  return DB_ONE;
}

enum db_status objectives_q_indicator_update(struct db_tx *tx, const char *org, const char *id, const char *body,
                                             struct result *res) {
  const char *params[] = {org, id, body};
  return record_exec(
      tx, res,
      "UPDATE indicators i SET "
      "name = CASE WHEN b ? 'name' THEN b->>'name' ELSE name END, "
      "unit = CASE WHEN b ? 'unit' THEN b->>'unit' ELSE unit END, "
      "direction = CASE WHEN b ? 'direction' THEN b->>'direction' ELSE direction END, "
      "baseline = CASE WHEN b ? 'baseline' THEN (b->>'baseline')::numeric ELSE baseline END, "
      "target = CASE WHEN b ? 'target' THEN (b->>'target')::numeric ELSE target END, "
      "target_min = CASE WHEN b ? 'target_min' THEN (b->>'target_min')::numeric ELSE target_min END, "
      "target_max = CASE WHEN b ? 'target_max' THEN (b->>'target_max')::numeric ELSE target_max END, "
      "frequency = CASE WHEN b ? 'frequency' THEN b->>'frequency' ELSE frequency END, "
      "responsible = CASE WHEN b ? 'responsible' THEN b->>'responsible' ELSE responsible END, "
      "source = CASE WHEN b ? 'source' THEN b->>'source' ELSE source END, "
      "survey_kind = CASE WHEN b ? 'survey_kind' THEN b->>'survey_kind' ELSE survey_kind END, "
      "survey_question = CASE WHEN b ? 'survey_question' THEN b->>'survey_question' ELSE survey_question END, "
      "revision = revision + 1, updated_at = now() "
      "FROM (SELECT $3::jsonb AS b) AS input WHERE i.org_id = $1 AND i.id = $2 "
      "RETURNING zsz_indicator_json(i)::text, i.revision",
      3, params, 200);
}

/* ---- readings -------------------------------------------------------------------------------- */

PGresult *objectives_q_readings(struct db_tx *tx, const char *org, const char *indicator_id, const char *after,
                                int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, indicator_id, after, n};
  return db_exec(tx,
                 "SELECT zsz_reading_json(r)::text, r.period FROM indicator_readings r "
                 "WHERE r.org_id = $1 AND r.indicator_id = $2 AND ($3::text IS NULL OR r.period > $3) "
                 "ORDER BY r.period LIMIT $4",
                 4, params);
}

enum db_status objectives_q_reading_get(struct db_tx *tx, const char *org, const char *indicator_id, const char *period,
                                        struct result *res) {
  const char *params[] = {org, indicator_id, period};
  record_get(tx, res,
             "SELECT zsz_reading_json(r)::text, r.revision FROM indicator_readings r "
             "WHERE r.org_id = $1 AND r.indicator_id = $2 AND r.period = $3",
             3, params, MSG_NOT_FOUND_READING);
  return found(tx, res);
}

enum db_status objectives_q_reading_target(struct db_tx *tx, const char *org, const char *indicator_id,
                                           const char *roles, const char *sub, struct reading_target *out) {
  const char *params[] = {org, indicator_id, roles, sub};
  PGresult *r = db_exec(tx,
                        "SELECT i.frequency, o.year, o.status, i.source = 'survey', "
                        "coalesce(zsz_reading_writer(i, $3::text[], $4), false) "
                        "FROM indicators i JOIN objectives o ON o.org_id = i.org_id AND o.id = i.objective_id "
                        "WHERE i.org_id = $1 AND i.id = $2 FOR SHARE OF i",
                        4, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  if (st == DB_ONE) {
    snprintf(out->frequency, sizeof out->frequency, "%s", PQgetvalue(r, 0, 0));
    out->year = atoi(PQgetvalue(r, 0, 1));
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 2));
    out->from_survey = PQgetvalue(r, 0, 3)[0] == 't';
    out->caller_may_record = PQgetvalue(r, 0, 4)[0] == 't';
  }
  PQclear(r);
  return st;
}

enum db_status objectives_q_reading_lock(struct db_tx *tx, const char *org, const char *indicator_id,
                                         const char *period, struct locked_reading *out) {
  const char *params[] = {org, indicator_id, period};
  PGresult *r = db_exec(tx,
                        "SELECT locked, revision FROM indicator_readings "
                        "WHERE org_id = $1 AND indicator_id = $2 AND period = $3 FOR UPDATE",
                        3, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  out->locked = st == DB_ONE && PQgetvalue(r, 0, 0)[0] == 't';
  out->revision = st == DB_ONE ? atoll(PQgetvalue(r, 0, 1)) : 0;
  PQclear(r);
  return st;
}

enum db_status objectives_q_reading_put(struct db_tx *tx, const char *org, const char *indicator_id, const char *period,
                                        const char *body, const char *actor, int status, struct result *res) {
  const char *params[] = {org, indicator_id, period, body, actor};
  return record_exec(tx, res,
                     "INSERT INTO indicator_readings AS r (org_id, indicator_id, period, value, comment, recorded_by) "
                     "SELECT $1, $2, $3, (b->>'value')::numeric, coalesce(b->>'comment', ''), $5 "
                     "FROM (SELECT $4::jsonb AS b) AS input "
                     "ON CONFLICT (org_id, indicator_id, period) DO UPDATE SET value = EXCLUDED.value, "
                     "comment = EXCLUDED.comment, recorded_by = EXCLUDED.recorded_by, recorded_at = now(), "
                     "revision = r.revision + 1 "
                     "RETURNING zsz_reading_json(r)::text, r.revision",
                     5, params, status);
}

enum db_status objectives_q_reading_set_locked(struct db_tx *tx, const char *org, const char *indicator_id,
                                               const char *period, const char *actor, struct result *res) {
  const char *params[] = {org, indicator_id, period, actor};
  return record_exec(tx, res,
                     "UPDATE indicator_readings r SET locked = true, locked_by = $4, locked_at = now(), "
                     "revision = revision + 1 WHERE org_id = $1 AND indicator_id = $2 AND period = $3 "
                     "RETURNING zsz_reading_json(r)::text, r.revision",
                     4, params, 200);
}
