#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "documents.h"
#include "http.h"
#include "queries.h"

/* A result of one row and one text column as the answer (no revision). */
static enum db_status raw_result(struct result *res, PGresult *r, int status) {
  if (r == NULL) {
    return DB_ERROR;
  }
  result_raw(res, status, PQgetvalue(r, 0, 0));
  PQclear(r);
  return DB_ONE;
}

enum db_status incidents_q_role_view(struct db_tx *tx, const char *roles, char *out, size_t size) {
  const char *params[] = {roles};
  PGresult *r = db_exec(tx, "SELECT zsz_incident_role_view($1::text[])", 1, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  snprintf(out, size, "%s", PQgetvalue(r, 0, 0));
  PQclear(r);
  return DB_ONE;
}

enum db_status incidents_q_limits(struct db_tx *tx, const char *org, const char *units, long long *uodo_hours,
                                  int *units_ok) {
  const char *params[] = {org, units};
  PGresult *r = db_exec(tx,
                        "SELECT zsz_deadline_hours($1::bigint, 'uodo'), NOT EXISTS ("
                        "  SELECT 1 FROM jsonb_array_elements_text(coalesce($2::jsonb, '[]')) AS x(id) "
                        "  LEFT JOIN org_units u ON u.org_id = $1 AND u.id = x.id::bigint WHERE u.id IS NULL)",
                        2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  *uodo_hours = atoll(PQgetvalue(r, 0, 0));
  *units_ok = PQgetvalue(r, 0, 1)[0] == 't';
  PQclear(r);
  return DB_ONE;
}

/* The writable columns and their values from a checked incident document b (jsonb). */
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

enum db_status incidents_q_insert(struct db_tx *tx, const char *org, const char *body, const char *actor,
                                  const char *roles, struct result *res, char *id_out) {
  const char *params[] = {org, body, actor, roles};
  PGresult *r =
      db_exec(tx,
              "WITH n AS (INSERT INTO incident_counters (org_id, year, last) "
              "  VALUES ($1, extract(year FROM zsz_today())::integer, 1) "
              "  ON CONFLICT (org_id, year) DO UPDATE SET last = incident_counters.last + 1 RETURNING year, last) "
              "INSERT INTO incidents AS i (org_id, number, reporter, " INCIDENT_COLUMNS ") "
              "SELECT $1, 'INC/' || n.year || '/' || lpad(n.last::text, greatest(4, length(n.last::text)), '0'), "
              "$3, " INCIDENT_VALUES " "
              "FROM n, (SELECT $2::jsonb AS b) AS input "
              "RETURNING zsz_incident_json(i, zsz_incident_report_view($4::text[]))::text, "
              "zsz_incident_etag(i, zsz_incident_report_view($4::text[])), i.id",
              4, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  record_result(res, r, 201);
  snprintf(id_out, 24, "%s", PQntuples(r) == 1 ? PQgetvalue(r, 0, 2) : "");
  PQclear(r);
  return DB_ONE;
}

enum db_status incidents_q_get(struct db_tx *tx, const char *org, const char *id, const char *roles, const char *sub,
                               struct result *res) {
  const char *params[] = {org, id, roles, sub};
  PGresult *r = db_exec_generic(tx, INCIDENTS_GET_SQL, 4, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 0 ? DB_NONE : DB_ONE;
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_INCIDENT);
  } else {
    incident_record_result(res, r);
  }
  PQclear(r);
  return st;
}

enum db_status incidents_q_lock(struct db_tx *tx, const char *org, const char *id, struct locked_incident *out) {
  const char *params[] = {org, id};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT i.status, i.revision, zsz_incident_input(i)::text FROM incidents i "
                       "WHERE i.org_id = $1 AND i.id = $2 FOR UPDATE",
                       2, params, &st);
  if (r == NULL) {
    return st;
  }
  snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
  out->revision = atoll(PQgetvalue(r, 0, 1));
  out->row = r;
  return DB_ONE;
}

enum db_status incidents_q_update(struct db_tx *tx, const char *org, const char *id, const char *doc,
                                  struct result *res) {
  const char *params[] = {org, id, doc};
  return record_exec(tx, res,
                     "UPDATE incidents i SET (" INCIDENT_COLUMNS ") = (SELECT " INCIDENT_VALUES
                     " FROM (SELECT $3::jsonb AS b) AS input), revision = revision + 1, updated_at = now() "
                     "WHERE i.org_id = $1 AND i.id = $2 RETURNING zsz_incident_json(i, 'full')::text, i.revision",
                     3, params, 200);
}

enum db_status incidents_q_move(struct db_tx *tx, const char *org, const char *id, const struct incident_move *m,
                                struct result *res) {
  const char *params[] = {org, id, m->to, m->reason, m->resolution, m->lessons_learned, m->actor, m->from};
  /* every status change writes its own timeline entry */
  return record_exec(
      tx, res,
      "WITH i AS (UPDATE incidents i SET status = $3, status_reason = coalesce($4, status_reason), "
      "resolution = coalesce($5, resolution), lessons_learned = coalesce($6, lessons_learned), "
      "kind = CASE WHEN $3 = 'investigating' THEN 'incident' ELSE kind END, revision = revision + 1, "
      "updated_at = now() WHERE i.org_id = $1 AND i.id = $2 RETURNING i.*), "
      "t AS (INSERT INTO incident_timeline (org_id, incident_id, at, kind, text, author) "
      "SELECT org_id, id, now(), 'note', 'status: ' || $8 || ' -> ' || $3 || coalesce(': ' || $4, ''), $7 FROM i) "
      "SELECT zsz_incident_json(i, 'full')::text, i.revision FROM i",
      8, params, 200);
}

PGresult *incidents_q_list(struct db_tx *tx, const char *org, const char *roles, const char *sub,
                           const char *const filter[4], const char *after_id, int fetch, int reporter) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  static const char *const FIRST[2][2] = {
      {INCIDENTS_FIRST_SQL(PAGE_LIMIT_SMALL), INCIDENTS_FIRST_SQL(PAGE_LIMIT_LARGE)},
      {INCIDENTS_REPORTER_FIRST_SQL(PAGE_LIMIT_SMALL), INCIDENTS_REPORTER_FIRST_SQL(PAGE_LIMIT_LARGE)}};
  static const char *const NEXT[2][2] = {
      {INCIDENTS_NEXT_SQL(PAGE_LIMIT_SMALL), INCIDENTS_NEXT_SQL(PAGE_LIMIT_LARGE)},
      {INCIDENTS_REPORTER_NEXT_SQL(PAGE_LIMIT_SMALL), INCIDENTS_REPORTER_NEXT_SQL(PAGE_LIMIT_LARGE)}};
  int lim = page_limit_index(fetch), own = reporter != 0;
  if (lim >= 0 && !filter[0] && !filter[1] && !filter[2] && !filter[3]) {
    const char *params[] = {org, roles, sub, after_id};
    return after_id ? db_exec_generic(tx, NEXT[own][lim], 4, params) : db_exec_generic(tx, FIRST[own][lim], 3, params);
  }
  /* planned for its values: $10 true folds into an index condition on the reporter */
  const char *params[] = {org, roles, sub, filter[0], filter[1], filter[2], filter[3], after_id, n, own ? "t" : "f"};
  /* a filtered page is planned per call: a cached generic plan of the page (its filters' "$n IS NULL OR" unknown)
   * sorted every incident of the organisation (seq scan, top-N sort: 1.9 ms at 2,000) where
   * the values' plan walks the primary key backwards for the page (0.4 ms + 0.3 ms planning) */
  return db_exec_planned(tx, INCIDENTS_LIST_SQL, 10, params);
}

/* The worklist reads the stored deadlines (incident_deadlines, migration 0032), one index
 * range per state: a deadline row d matches the state; the incident is listed once, at its
 * earliest matching deadline (no matching row of the same incident sorts before d by
 * (due_at, rule)), so (d.due_at, d.incident_id) is the page's key and the keyset condition a
 * range of the index. Bounds are written with coalesce, not "$n IS NULL OR", so a generic plan
 * of the prepared statement keeps them as index conditions. */
#define NOT_MET_IN_TIME(t) "(" t ".met_at IS NULL OR " t ".met_at > " t ".due_at)"
#define MATCH_PENDING(t)                                                                                               \
  NOT_MET_IN_TIME(t)                                                                                                   \
  " AND " t ".met_at IS NULL AND " t ".due_at >= now() AND " t                                                         \
  ".due_at <= coalesce(now() + make_interval(secs => $9::bigint), 'infinity')"
#define MATCH_MISSED(t) NOT_MET_IN_TIME(t) " AND (" t ".met_at IS NOT NULL OR " t ".due_at < now())"
#define MATCH_MET(t) t ".met_at <= " t ".due_at"

/* The incident of deadline row d (x.i, of type incidents) and the caller's view of it, and
 * the other filters. The incident is found by a subquery kept apart (OFFSET 0), as is the
 * earlier-deadline test below: each is then one primary-key probe per row walked, whatever
 * the planner estimates (a range of deadlines past the statistics' histogram is estimated
 * at one row, and with one row a scan of all the hall's incidents per deadline looks as
 * cheap as a probe). */
#define WORKLIST_INCIDENT                                                                                              \
  "CROSS JOIN LATERAL (SELECT i FROM incidents i WHERE i.org_id = d.org_id AND i.id = d.incident_id OFFSET 0) AS x "   \
  "CROSS JOIN LATERAL (SELECT zsz_incident_view(x.i, $2::text[], $3) AS view) AS v "
#define WORKLIST_FILTERS                                                                                               \
  "AND v.view IS NOT NULL AND ($4::text IS NULL OR (x.i).status = $4) AND ($5::text IS NULL OR (x.i).type = $5) "      \
  "AND ($6::integer IS NULL OR extract(year FROM (x.i).reported_at) = $6::integer) "                                   \
  "AND ($7::integer IS NULL OR (x.i).severity = $7::integer) "

/* The page's incidents as rendered: the inner statement chooses them (w.i, w.view, the keys
 * w.due_at, w.incident_id); the rules' intervals are one row, joined after its LIMIT. */
#define WORKLIST_PAGE(inner)                                                                                           \
  "SELECT " INCIDENT_DOC_COLUMNS("(w.i)", "h", "w.view") ", w.due_at::text, w.incident_id::text "                      \
                                                         "FROM (" inner ") AS w " INCIDENT_RULES_JOIN(                 \
                                                             "$1", "h") "ORDER BY w.due_at, w.incident_id"

// clang-format off
#define WORKLIST(match_d, match_e, after)                                                                              \
  WORKLIST_PAGE(                                                                                                       \
  "SELECT x.i, v.view, d.due_at, d.incident_id FROM incident_deadlines d " WORKLIST_INCIDENT                           \
  "WHERE d.org_id = $1 AND " match_d " AND (d.due_at, d.incident_id) > " after " "                                     \
  "AND NOT EXISTS (SELECT 1 FROM incident_deadlines e WHERE e.org_id = d.org_id AND e.incident_id = d.incident_id "    \
  "  AND " match_e " AND (e.due_at, e.rule) < (d.due_at, d.rule) OFFSET 0) " WORKLIST_FILTERS                          \
  "AND ($9::bigint IS NULL OR $8::text = 'pending') ORDER BY d.due_at, d.incident_id LIMIT $12")

/* The page's lower bound, the cursor's keys (none: from the first deadline). The index scan
 * starts where this row comparison says, not at the state's own bound on due_at (PostgreSQL
 * does not tell which of the two is tighter): the pending worklist starts at now(), or at the
 * cursor when it is later; else it walked every missed deadline of the hall before the first
 * pending one (1,300 index pages, 6 ms, at 1,000,000 incidents). (now(), -1) bounds no row
 * that due_at >= now() keeps: ids are positive. */
#define AFTER_CURSOR "(coalesce($10::timestamptz, '-infinity'), coalesce($11::bigint, 0))"
#define AFTER_CURSOR_OR_NOW                                                                                            \
  "(greatest(coalesce($10::timestamptz, '-infinity'), now()), "                                                        \
  "CASE WHEN $10::timestamptz >= now() THEN coalesce($11::bigint, 0) ELSE -1 END)"

/* not_applicable: a rule that does not apply has no stored row, and every incident has one
 * (never both a breach and cyber), so this walks the incidents by id (its key 'infinity', as
 * before: no due date) and keeps those with fewer than three stored deadlines. */
#define WORKLIST_NOT_APPLICABLE                                                                                        \
  WORKLIST_PAGE(                                                                                                       \
  "SELECT i, v.view, timestamptz 'infinity' AS due_at, i.id AS incident_id FROM incidents i "                          \
  "CROSS JOIN LATERAL (SELECT zsz_incident_view(i, $2::text[], $3) AS view) AS v "                                     \
  "WHERE i.org_id = $1 AND i.id > coalesce($11::bigint, 0) "                                                           \
  "AND ($10::text IS NULL OR $10::text = 'infinity') AND $9::bigint IS NULL "                                          \
  "AND (SELECT count(*) FROM incident_deadlines e WHERE e.org_id = i.org_id AND e.incident_id = i.id) < 3 "            \
  "AND v.view IS NOT NULL AND ($4::text IS NULL OR i.status = $4) AND ($5::text IS NULL OR i.type = $5) "              \
  "AND ($6::integer IS NULL OR extract(year FROM i.reported_at) = $6::integer) "                                       \
  "AND ($7::integer IS NULL OR i.severity = $7::integer) AND $8::text IS NOT NULL ORDER BY i.id LIMIT $12")
// clang-format on

PGresult *incidents_q_worklist(struct db_tx *tx, const char *org, const char *roles, const char *sub,
                               const char *const filter[4], const char *state, const char *within,
                               const char *after_due, const char *after_id, int fetch) {
  static const struct {
    const char *state;
    const char *sql;
  } BY_STATE[] = {
      {"pending", WORKLIST(MATCH_PENDING("d"), MATCH_PENDING("e"), AFTER_CURSOR_OR_NOW)},
      {"missed", WORKLIST(MATCH_MISSED("d"), MATCH_MISSED("e"), AFTER_CURSOR)},
      {"met", WORKLIST(MATCH_MET("d"), MATCH_MET("e"), AFTER_CURSOR)},
      {"not_applicable", WORKLIST_NOT_APPLICABLE},
  };
  const char *sql = NULL;
  for (size_t k = 0; k < sizeof BY_STATE / sizeof BY_STATE[0]; k++) {
    if (strcmp(state, BY_STATE[k].state) == 0) {
      sql = BY_STATE[k].sql;
    }
  }
  if (sql == NULL) {
    return NULL; /* the contract's enum: the dispatcher refuses any other state */
  }
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org,       roles, sub,    filter[0], filter[1], filter[2],
                          filter[3], state, within, after_due, after_id,  n};
  /* planned per call: a generic plan cannot tell a range of a few rows from most of the
   * register (measured at 100,000 incidents: 600 ms against 1 ms for the index walk) */
  return db_exec_planned(tx, sql, 12, params);
}

enum db_status incidents_q_exists(struct db_tx *tx, const char *org, const char *id) {
  const char *params[] = {org, id};
  PGresult *r = db_exec(tx, "SELECT 1 FROM incidents WHERE org_id = $1 AND id = $2", 2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) > 0 ? DB_ONE : DB_NONE;
  PQclear(r);
  return st;
}

PGresult *timeline_q_list(struct db_tx *tx, const char *org, const char *incident_id, const char *after_at,
                          const char *after_id, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, incident_id, after_at, after_id, n};
  return db_exec(tx,
                 "SELECT zsz_timeline_json(t)::text, t.at::text, t.id::text FROM incident_timeline t "
                 "WHERE t.org_id = $1 AND t.incident_id = $2 "
                 "AND ($3::text IS NULL OR (t.at, t.id) > ($3::timestamptz, $4::bigint)) "
                 "ORDER BY t.at, t.id LIMIT $5",
                 5, params);
}

enum db_status timeline_q_insert(struct db_tx *tx, const char *org, const char *incident_id, const char *at,
                                 const char *kind, const char *text, const char *actor, struct result *res) {
  const char *params[] = {org, incident_id, at, kind, text, actor};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "INSERT INTO incident_timeline AS t (org_id, incident_id, at, kind, text, author) "
                       "SELECT i.org_id, i.id, $3::timestamptz, $4, $5, $6 FROM incidents i "
                       "WHERE i.org_id = $1 AND i.id = $2 RETURNING zsz_timeline_json(t)::text",
                       6, params, &st);
  if (r == NULL) {
    return st;
  }
  return raw_result(res, r, 201);
}

enum db_status deadline_rules_q_get(struct db_tx *tx, const char *org, struct result *res) {
  const char *params[] = {org};
  return raw_result(res,
                    db_exec(tx,
                            "SELECT json_build_object('uodo', zsz_deadline_hours($1::bigint, 'uodo'), "
                            "'csirt', zsz_deadline_hours($1::bigint, 'csirt'), "
                            "'subjects', zsz_deadline_hours($1::bigint, 'subjects'), "
                            "'warning_hours', zsz_deadline_warning_hours($1::bigint))::text",
                            1, params),
                    200);
}

enum db_status deadline_rules_q_put(struct db_tx *tx, const char *org, const char *rules) {
  const char *params[] = {org, rules};
  return db_command(tx,
                    "INSERT INTO deadline_rules AS d (org_id, rule, hours) "
                    "SELECT $1, key, value::integer FROM jsonb_each_text($2::jsonb) "
                    "WHERE key IN ('uodo', 'csirt', 'subjects') "
                    "ON CONFLICT (org_id, rule) DO UPDATE SET hours = EXCLUDED.hours, revision = d.revision + 1",
                    2, params);
}

/* The breaches of a year ($1 organisation, $2 year, 2000..2100), each with its section s.b
 * ('{}' when none). The year as a range of reported_at (the session's time zone is UTC, as
 * extract(year ...) read it): PostgreSQL then estimates the rows (it took extract's for 0.5 %
 * of them) and reads a year's register in number order from the (org_id, number) index
 * instead of sorting the finished rows (a sort that spilled 72 MB to disk at 100,000). */
#define BREACHES_OF_YEAR                                                                                               \
  "FROM incidents i CROSS JOIN LATERAL (SELECT coalesce(i.breach, '{}') AS b) AS s "                                   \
  "WHERE i.org_id = $1 AND i.type = 'personal_data_breach' "                                                           \
  "AND i.reported_at >= make_timestamptz($2::integer, 1, 1, 0, 0, 0) "                                                 \
  "AND i.reported_at < make_timestamptz($2::integer + 1, 1, 1, 0, 0, 0) "

enum db_status breach_register_q_json(struct db_tx *tx, const char *org, const char *year, struct result *res) {
  const char *params[] = {org, year};
  return raw_result(
      res,
      db_exec(tx,
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
              "'subjects_exemption_justification', b->'subjects_exemption_justification') ORDER BY i.number), "
              "'[]'))::text " BREACHES_OF_YEAR,
              2, params),
      200);
}

/* the breach register's CSV columns (BREACH_COLUMNS): texts as zsz_csv makes them, the
 * incident's two times as zsz_ts (the breach section's times are stored as their text), the
 * data categories joined by ", " (a subquery per row in SQL: 40 % of the statement's time) */
static const enum csv_cell_kind BREACH_CSV_CELLS[] = {
    CSV_CELL_TEXT,      CSV_CELL_TIMESTAMP, CSV_CELL_TEXT, CSV_CELL_TIMESTAMP, CSV_CELL_TEXT,
    CSV_CELL_JSON_LIST, CSV_CELL_TEXT,      CSV_CELL_TEXT, CSV_CELL_TEXT,      CSV_CELL_TEXT,
    CSV_CELL_TEXT,      CSV_CELL_TEXT,      CSV_CELL_TEXT, CSV_CELL_TEXT,      CSV_CELL_TEXT,
    CSV_CELL_TEXT,      CSV_CELL_TEXT,      CSV_CELL_TEXT, CSV_CELL_TEXT};

long breach_register_q_csv(struct db_tx *tx, const char *org, const char *year, struct result *res) {
  const char *params[] = {org, year, CSV_FETCH_ROWS_TEXT};
  /* raw columns, the cells made in C (db_csv_cells, see nonconformities_q_csv) */
  return db_csv_cells(tx, res,
                      "SELECT i.number, i.occurred_at, b->>'aware_at', i.reported_at, b->>'breach_nature', "
                      "b->'data_categories', "
                      "b->>'subjects_count', b->>'records_count', b->>'likely_consequences', b->>'measures_taken', "
                      "b->>'risk_level', b->>'uodo_notified_at', b->>'uodo_reference', b->>'uodo_not_notified_reason', "
                      "b->>'uodo_late_reason', b->>'subjects_notified_at', b->>'subjects_notification_method', "
                      "b->>'subjects_exemption', b->>'subjects_exemption_justification' " BREACHES_OF_YEAR
                      "ORDER BY i.number LIMIT $3::integer",
                      3, params, BREACH_CSV_CELLS, (int)(sizeof BREACH_CSV_CELLS / sizeof BREACH_CSV_CELLS[0]));
}

enum db_status incidents_q_stats(struct db_tx *tx, const char *org, const char *year, struct result *res) {
  const char *params[] = {org, year};
  return raw_result(
      res,
      db_exec(
          tx,
          "WITH i AS (SELECT i.*, zsz_incident_deadlines(i) AS d FROM incidents i "
          "  WHERE i.org_id = $1 AND extract(year FROM i.reported_at) = $2::integer) "
          "SELECT json_build_object('year', $2::integer, 'total', (SELECT count(*) FROM i), "
          "'by_type', (SELECT json_object_agg(t, (SELECT count(*) FROM i WHERE i.type = t)) "
          "  FROM unnest(ARRAY['personal_data_breach', 'cyber', 'it_failure', 'physical', 'other']) AS t), "
          "'by_severity', (SELECT json_object_agg(s, (SELECT count(*) FROM i "
          "  WHERE coalesce(i.severity::text, 'unset') = s)) "
          "  FROM unnest(ARRAY['1', '2', '3', '4', '5', 'unset']) AS s), "
          "'by_month', (SELECT json_object_agg(lpad(m::text, 2, '0'), "
          "  (SELECT count(*) FROM i WHERE extract(month FROM i.reported_at) = m)) FROM generate_series(1, 12) AS m), "
          "'deadlines', (SELECT json_object_agg(r, json_build_object("
          "  'met', (SELECT count(*) FROM i, jsonb_array_elements(i.d) x WHERE x->>'rule' = r "
          "    AND x->>'state' = 'met'), "
          "  'missed', (SELECT count(*) FROM i, jsonb_array_elements(i.d) x WHERE x->>'rule' = r "
          "    AND x->>'state' = 'missed'), "
          "  'pending', (SELECT count(*) FROM i, jsonb_array_elements(i.d) x WHERE x->>'rule' = r "
          "    AND x->>'state' = 'pending'))) FROM unnest(ARRAY['uodo', 'csirt', 'subjects']) AS r))::text",
          2, params),
      200);
}

enum db_status deadline_events_q_fire(struct db_tx *tx, const char *org) {
  (void)org; /* the function reads the transaction's tenant (zsz_current_org()) */
  return db_command(tx, "SELECT zsz_deadline_events_fire()", 0, NULL);
}

enum db_status deadline_warnings_q_put(struct db_tx *tx, const char *org, const char *hours) {
  const char *params[] = {org, hours};
  return db_command(
      tx,
      "INSERT INTO deadline_settings AS s (org_id, warning_hours) "
      "SELECT $1, coalesce(array_agg(h::integer ORDER BY h::integer DESC), '{}') FROM "
      "jsonb_array_elements_text($2::jsonb) AS h "
      "ON CONFLICT (org_id) DO UPDATE SET warning_hours = EXCLUDED.warning_hours, revision = s.revision + 1 "
      "WHERE s.warning_hours IS DISTINCT FROM EXCLUDED.warning_hours",
      2, params);
}
