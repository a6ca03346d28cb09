#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "documents.h"
#include "http.h"
#include "queries.h"

static int is_true(const PGresult *r, int row, int col) {
  return PQgetvalue(r, row, col)[0] == 't';
}

/* ---- cards ----------------------------------------------------------------------------------- */

enum db_status nonconformities_q_open(struct db_tx *tx, const char *org, const struct nc_values *v,
                                      const char *audit_id, const char *finding_id, const char *actor, char *id_out) {
  const char *params[] = {org,           v->source, v->source_ref, v->severity, v->process_id, v->owner, v->description,
                          v->correction, audit_id,  finding_id,    actor,       v->znak_sprawy};
  /* the counter row stays locked until commit: numbers are never reused and never repeat */
  PGresult *r = db_exec(
      tx,
      "WITH o AS (SELECT coalesce($6::text, (SELECT p.owner FROM processes p WHERE p.org_id = $1::bigint "
      "  AND p.id = $5::bigint)) AS owner), "
      "k AS (INSERT INTO nonconformity_counters (org_id, year, last) "
      "  SELECT $1::bigint, extract(year FROM zsz_today())::integer, 1 FROM o WHERE o.owner IS NOT NULL "
      "  ON CONFLICT (org_id, year) DO UPDATE SET last = nonconformity_counters.last + 1 RETURNING year, last), "
      "n AS (INSERT INTO nonconformities (org_id, number, source, source_ref, audit_id, finding_id, severity, "
      "  process_id, owner, description, correction, znak_sprawy) "
      "  SELECT $1::bigint, 'NC/' || k.year || '/' || lpad(k.last::text, greatest(3, length(k.last::text)), '0'), "
      "$2::text, coalesce($3::text, ''), "
      "  $9::bigint, $10::bigint, $4::text, $5::bigint, o.owner, $7::text, coalesce($8::text, ''), "
      "  coalesce($12::text, '') FROM o, k "
      "  RETURNING org_id, id), "
      "h AS (INSERT INTO nonconformity_history (org_id, nonconformity_id, from_status, to_status, by) "
      "  SELECT org_id, id, NULL, 'open', $11::text FROM n) "
      "SELECT id FROM n",
      12, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  snprintf(id_out, 24, "%s", st == DB_ONE ? PQgetvalue(r, 0, 0) : "");
  PQclear(r);
  return st;
}

enum db_status nonconformities_q_creatable(struct db_tx *tx, const char *org, const char *process_id, const char *sub,
                                           const char *roles, const char *owner, int ok[3]) {
  const char *params[] = {org, process_id, sub, roles, owner};
  PGresult *r = db_exec(tx,
                        "SELECT p.id IS NOT NULL, p.id IS NOT NULL AND zsz_nc_may_open(p, $3, $4::text[]), "
                        "$5::text IS NULL OR EXISTS (SELECT 1 FROM users u WHERE u.org_id = $1 AND u.sub = $5) "
                        "FROM (SELECT 1) AS one LEFT JOIN processes p ON p.org_id = $1 AND p.id = $2",
                        5, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  for (int i = 0; i < 3; i++)
    ok[i] = is_true(r, 0, i);
  PQclear(r);
  return DB_ONE;
}

enum db_status nonconformities_q_user_exists(struct db_tx *tx, const char *org, const char *sub) {
  const char *params[] = {org, sub};
  PGresult *r = db_exec(tx, "SELECT 1 FROM users WHERE org_id = $1 AND sub = $2", 2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) > 0 ? DB_ONE : DB_NONE;
  PQclear(r);
  return st;
}

/* The read rule, $2 sub and $3 roles: its row-independent part once per statement, as an
 * InitPlan, then the card's part for the cards it does not settle (zsz_nc_readable holds
 * sub-selects, never inlined). */
#define NC_RULE "((SELECT zsz_nc_reads_all($3::text[])) OR zsz_nc_readable(n, $2, $3::text[]))"

/* One card rendered in C from its row, as a page's cards are (documents.h): the card keeps its
 * history and actions in its row (0048), so the record is one index probe, no sub-select and
 * no JSON built in PostgreSQL (zsz_nonconformity_doc took half of the statement's time). Its
 * ETag is the card's revision (for If-Match); it never answers 304, as its days_open and its
 * actions' overdue move with the date. */
static enum db_status nc_card(struct db_tx *tx, struct result *res, const char *sql, int nparams,
                              const char *const *params, int status) {
  PGresult *r = db_exec_generic(tx, sql, nparams, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  if (PQntuples(r) == 0) {
    result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_NONCONFORMITY);
    PQclear(r);
    return DB_NONE;
  }
  struct strbuf b = {0};
  res->etag = atoll(PQgetvalue(r, 0, NC_COL_REVISION));
  /* the card's parts not as it keeps them: nothing rendered, a 500 */
  result_raw_owned(res, status, nc_render(&b, r, 0) == 0 ? strbuf_steal(&b) : NULL);
  strbuf_free(&b);
  PQclear(r);
  return DB_ONE;
}

enum db_status nonconformities_q_get(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                     const char *roles, struct result *res) {
  const char *params[] = {org, sub, roles, id};
  /* a card the caller may not read is as absent as another organisation's */
  return nc_card(tx, res,
                 "SELECT " NC_CARD_COLUMNS " FROM nonconformities n WHERE n.org_id = $1 AND n.id = $4 AND " NC_RULE, 4,
                 params, 200);
}

enum db_status nonconformities_q_document(struct db_tx *tx, const char *org, const char *id, int status,
                                          struct result *res) {
  const char *params[] = {org, id};
  /* after a write in the same transaction: the card's kept parts are the statements' (their
   * triggers run at each statement's end) */
  return nc_card(tx, res, "SELECT " NC_CARD_COLUMNS " FROM nonconformities n WHERE n.org_id = $1 AND n.id = $2", 2,
                 params, status);
}

#define NC_FILTER                                                                                                      \
  "WHERE n.org_id = $1 AND (zsz_nc_reads_all($3::text[]) OR zsz_nc_readable(n, $2, $3::text[])) "                      \
  "AND ($4::text IS NULL OR n.status = $4) AND ($5::bigint IS NULL OR n.process_id = $5::bigint) "                     \
  "AND ($6::text IS NULL OR n.owner = $6) AND ($7::text IS NULL OR n.source = $7) "                                    \
  "AND ($8::text IS NULL OR n.severity = $8) "                                                                         \
  "AND ($9::boolean IS NULL OR zsz_nc_overdue(n) = $9::boolean) "                                                      \
  "AND ($10::integer IS NULL OR extract(year FROM n.created_at) = $10::integer) "                                      \
  "AND ($11::text IS NULL OR n.number > $11) ORDER BY n.number LIMIT $12"

/* The page's cards along the (org_id, number) index, one row each, with the history and actions
 * each card keeps in its row (migration 0048, documents.h): no other table is read, no CTE, no
 * sort, no cast. Unfiltered pages (the ones frontends poll) have statements whose conditions are
 * all index conditions, run by their generic plan (planned once per connection); a filtered
 * page is planned for its values (its optional conditions cannot be index conditions).
 * The read rule: NC_RULE, above. */
/* The LIMIT a constant (page_limit_index): a parameter is costed as a tenth of the table, and
 * at 1,000,000 cards the generic plan became a parallel index scan (two workers started for
 * each page of 51, 15 ms) */
#define NC_LIST_FIRST(LIMIT)                                                                                           \
  "SELECT " NC_CARD_COLUMNS " FROM nonconformities n WHERE n.org_id = $1 AND " NC_RULE " ORDER BY n.number "           \
  "LIMIT " LIMIT
#define NC_LIST_NEXT(LIMIT)                                                                                            \
  "SELECT " NC_CARD_COLUMNS " FROM nonconformities n WHERE n.org_id = $1 AND n.number > $4 AND " NC_RULE               \
  " ORDER BY n.number LIMIT " LIMIT
const char *const NC_LIST_FIRST_SQL[2] = {NC_LIST_FIRST(PAGE_LIMIT_SMALL), NC_LIST_FIRST(PAGE_LIMIT_LARGE)};
const char *const NC_LIST_NEXT_SQL[2] = {NC_LIST_NEXT(PAGE_LIMIT_SMALL), NC_LIST_NEXT(PAGE_LIMIT_LARGE)};
const char NC_LIST_SQL[] = "SELECT " NC_CARD_COLUMNS " FROM nonconformities n " NC_FILTER;

PGresult *nonconformities_q_list(struct db_tx *tx, const char *org, const char *sub, const char *roles,
                                 const char *const filter[7], const char *after, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  int filtered = 0;
  for (int k = 0; k < 7; k++)
    if (filter[k] != NULL) filtered = 1;
  int lim = page_limit_index(fetch);
  if (!filtered && lim >= 0 && after == NULL) {
    const char *params[] = {org, sub, roles};
    return db_exec_generic(tx, NC_LIST_FIRST_SQL[lim], 3, params);
  }
  if (!filtered && lim >= 0) {
    const char *params[] = {org, sub, roles, after};
    return db_exec_generic(tx, NC_LIST_NEXT_SQL[lim], 4, params);
  }
  const char *params[] = {org,       sub,       roles,     filter[0], filter[1], filter[2],
                          filter[3], filter[4], filter[5], filter[6], after,     n};
  return db_exec(tx, NC_LIST_SQL, 12, params);
}

/* the register's CSV columns: texts as zsz_csv makes them, the two times as zsz_ts */
static const enum csv_cell_kind NC_CSV_CELLS[] = {CSV_CELL_TEXT,      CSV_CELL_TEXT,      CSV_CELL_TEXT, CSV_CELL_TEXT,
                                                  CSV_CELL_TEXT,      CSV_CELL_TEXT,      CSV_CELL_TEXT, CSV_CELL_TEXT,
                                                  CSV_CELL_TIMESTAMP, CSV_CELL_TIMESTAMP, CSV_CELL_TEXT, CSV_CELL_TEXT};

long nonconformities_q_csv(struct db_tx *tx, const char *org, const char *sub, const char *roles,
                           const char *const filter[7], struct result *res) {
  const char *params[] = {org,       sub,       roles,     filter[0], filter[1], filter[2],
                          filter[3], filter[4], filter[5], filter[6], NULL,      CSV_FETCH_ROWS_TEXT};
  /* only the register's columns: building every card's document (history, actions) would
   * cost most of the time of a large export. The columns come raw and the cells are made in C
   * (db_csv_cells: quoting, formula protection and the timestamps' text, as zsz_csv and
   * zsz_ts made them in SQL, at a fraction of the cost). The inner query sorts the raw columns
   * alone and each card's overdue is computed after the sort from its keys (zsz_nc_overdue_by,
   * migration 0039): given the whole row, PostgreSQL carried it through the sort. */
  return db_csv_cells(
      tx, res,
      "SELECT c.number, c.source, c.source_ref, c.severity, c.process_code, c.owner, c.status, c.round, "
      "c.created_at, c.closed_at, c.days_open, CASE WHEN od.overdue THEN 'true' ELSE 'false' END "
      "FROM (SELECT n.org_id, n.id, n.number, n.source, n.source_ref, n.severity, p.code AS process_code, n.owner, "
      "n.status, n.round, n.created_at, n.closed_at, zsz_nc_days_open(n) AS days_open "
      "FROM nonconformities n LEFT JOIN processes p ON p.org_id = n.org_id AND p.id = n.process_id " NC_FILTER
      ") AS c CROSS JOIN LATERAL zsz_nc_overdue_by(c.org_id, c.id, c.status) AS od ORDER BY c.number",
      12, params, NC_CSV_CELLS, (int)(sizeof NC_CSV_CELLS / sizeof NC_CSV_CELLS[0]));
}

enum db_status nonconformities_q_lock(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                      const char *roles, struct locked_nc *out) {
  const char *params[] = {org, id, sub, roles};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT n.status, n.revision, zsz_nc_manages(n, $3, $4::text[]), "
                       "zsz_nc_evaluates(n, $3, $4::text[]), n.root_cause = '', "
                       "EXISTS (SELECT 1 FROM nonconformity_actions x WHERE x.org_id = n.org_id "
                       "  AND x.nonconformity_id = n.id AND x.type = 'corrective') "
                       "FROM nonconformities n WHERE n.org_id = $1 AND n.id = $2 "
                       "AND zsz_nc_readable(n, $3, $4::text[]) FOR UPDATE",
                       4, params, &st);
  if (r == NULL) {
    return st;
  }
  snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
  out->revision = atoll(PQgetvalue(r, 0, 1));
  out->manages = is_true(r, 0, 2);
  out->evaluates = is_true(r, 0, 3);
  out->no_root_cause = is_true(r, 0, 4);
  out->has_corrective = is_true(r, 0, 5);
  PQclear(r);
  return DB_ONE;
}

PGresult *nonconformities_q_actions_not_done(struct db_tx *tx, const char *org, const char *id) {
  const char *params[] = {org, id};
  return db_exec(tx,
                 "SELECT a.i - 1 FROM (SELECT x.status, row_number() OVER (ORDER BY x.id) AS i "
                 "FROM nonconformity_actions x WHERE x.org_id = $1 AND x.nonconformity_id = $2) AS a "
                 "WHERE a.status <> 'done' ORDER BY a.i",
                 2, params);
}

enum db_status nonconformities_q_update(struct db_tx *tx, const char *org, const char *id, const char *description,
                                        const char *correction, const char *root_cause, const char *owner,
                                        const char *severity, const char *znak_sprawy, struct result *res) {
  const char *params[] = {org, id, description, correction, root_cause, owner, severity, znak_sprawy};
  return record_exec(tx, res,
                     "UPDATE nonconformities n SET description = coalesce($3, description), "
                     "correction = coalesce($4, correction), root_cause = coalesce($5, root_cause), "
                     "owner = coalesce($6, owner), severity = coalesce($7, severity), "
                     "znak_sprawy = coalesce($8, znak_sprawy), revision = revision + 1, updated_at = now() "
                     "WHERE n.org_id = $1 AND n.id = $2 RETURNING zsz_nonconformity_json(n)::text, n.revision",
                     8, params, 200);
}

enum db_status nonconformities_q_move(struct db_tx *tx, const char *org, const char *id, const struct nc_step *step,
                                      const char *actor) {
  const char *params[] = {org, id, step->to, step->reason, step->effective, step->comment, actor, step->from};
  PGresult *r =
      db_exec(tx,
              "WITH n AS (UPDATE nonconformities n SET status = $3::text, "
              "status_reason = coalesce($4::text, status_reason), "
              "effectiveness = CASE WHEN $5::boolean IS NULL THEN effectiveness ELSE jsonb_build_object("
              "  'effective', $5::boolean, 'evaluated_by', $7::text, "
              "  'evaluated_at', to_jsonb(date_trunc('second', now())), 'comment', coalesce($6::text, '')) END, "
              "round = round + CASE WHEN $5::boolean = false THEN 1 ELSE 0 END, "
              "closed_at = CASE WHEN $3::text = 'closed' THEN now() ELSE closed_at END, "
              "revision = revision + 1, updated_at = now() WHERE n.org_id = $1 AND n.id = $2 RETURNING n.*) "
              "INSERT INTO nonconformity_history (org_id, nonconformity_id, from_status, to_status, by, note) "
              "SELECT org_id, id, $8::text, $3::text, $7::text, "
              "coalesce($4::text, $6::text, CASE WHEN $5::boolean = false THEN 'not effective' END, '') FROM n",
              8, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  PQclear(r);
  return DB_ONE;
}

enum db_status nonconformities_q_stats(struct db_tx *tx, const char *org, const char *year, struct result *res) {
  const char *params[] = {org, year};
  PGresult *r = db_exec(
      tx,
      "WITH n AS (SELECT * FROM nonconformities WHERE org_id = $1 AND extract(year FROM created_at) = $2::integer) "
      "SELECT json_build_object('year', $2::integer, 'total', (SELECT count(*) FROM n), "
      "'by_process', coalesce((SELECT json_agg(json_build_object('process_id', p.id, 'code', p.code, 'count', c) "
      "  ORDER BY p.code) FROM (SELECT process_id, count(*) AS c FROM n GROUP BY process_id) x "
      "  JOIN processes p ON p.org_id = $1 AND p.id = x.process_id), '[]'), "
      "'by_severity', json_build_object('major', (SELECT count(*) FROM n WHERE severity = 'major'), "
      "  'minor', (SELECT count(*) FROM n WHERE severity = 'minor')), "
      "'by_status', (SELECT json_object_agg(s, (SELECT count(*) FROM n WHERE n.status = s)) FROM unnest(ARRAY["
      "  'open', 'analysis', 'action_plan', 'implementation', 'verification', 'closed', 'cancelled']) AS s), "
      "'mean_days_to_close', (SELECT round(avg((closed_at AT TIME ZONE 'UTC')::date - (created_at AT TIME ZONE "
      "'UTC')::date), 1) FROM n WHERE status = 'closed'))::text",
      2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  result_raw(res, 200, PQgetvalue(r, 0, 0));
  PQclear(r);
  return DB_ONE;
}

/* ---- actions --------------------------------------------------------------------------------- */

enum db_status nonconformities_q_action_list(struct db_tx *tx, const char *org, const char *id, const char *sub,
                                             const char *roles, struct result *res) {
  const char *params[] = {org, id, sub, roles};
  return document_get(tx, res,
                      "SELECT json_build_object('items', coalesce((SELECT json_agg(zsz_action_json(x) ORDER BY x.id) "
                      "FROM nonconformity_actions x WHERE x.org_id = n.org_id AND x.nonconformity_id = n.id), '[]'), "
                      "'next_cursor', NULL)::text FROM nonconformities n WHERE n.org_id = $1 AND n.id = $2 "
                      "AND zsz_nc_readable(n, $3, $4::text[])",
                      4, params, MSG_NOT_FOUND_NONCONFORMITY);
}

enum db_status nonconformities_q_action_get(struct db_tx *tx, const char *org, const char *id, const char *action_id,
                                            const char *sub, const char *roles, struct result *res) {
  const char *params[] = {org, id, action_id, sub, roles};
  /* the card's read rule decides; an action of a card one may not read does not exist for it */
  return record_get(tx, res,
                    "SELECT zsz_action_json(x)::text, x.revision FROM nonconformities n "
                    "JOIN nonconformity_actions x ON x.org_id = n.org_id AND x.nonconformity_id = n.id "
                    "WHERE n.org_id = $1 AND n.id = $2 AND x.id = $3 AND zsz_nc_readable(n, $4, $5::text[])",
                    5, params, MSG_NOT_FOUND_ACTION);
}

enum db_status nonconformities_q_action_insert(struct db_tx *tx, const char *org, const char *id,
                                               const struct nc_action_values *v, struct result *res, char *id_out) {
  const char *params[] = {org, id, v->type, v->description, v->responsible, v->due_date, v->znak_sprawy};
  return record_create(tx, res,
                       "INSERT INTO nonconformity_actions AS x (org_id, nonconformity_id, type, description, "
                       "responsible, due_date, znak_sprawy) VALUES ($1, $2, $3, $4, $5, $6::date, "
                       "coalesce($7::text, '')) RETURNING zsz_action_json(x)::text, x.revision, x.id",
                       7, params, id_out);
}

enum db_status nonconformities_q_action_lock(struct db_tx *tx, const char *org, const char *id, const char *action_id,
                                             const char *sub, const char *roles, const char *fields,
                                             struct locked_action *out) {
  const char *params[] = {org, id, action_id, sub, roles, fields};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT x.status, x.revision, zsz_nc_action_may_change(n, x, $4, $5::text[], $6::text[]) "
                       "FROM nonconformity_actions x JOIN nonconformities n ON n.org_id = x.org_id "
                       "AND n.id = x.nonconformity_id WHERE x.org_id = $1 AND x.nonconformity_id = $2 "
                       "AND x.id = $3 FOR UPDATE OF x",
                       6, params, &st);
  if (r == NULL) {
    return st;
  }
  snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
  out->revision = atoll(PQgetvalue(r, 0, 1));
  out->may_change = is_true(r, 0, 2);
  PQclear(r);
  return DB_ONE;
}

enum db_status nonconformities_q_action_update(struct db_tx *tx, const char *org, const char *action_id,
                                               const struct nc_action_values *v, struct result *res) {
  const char *params[] = {org,         action_id, v->type, v->description, v->responsible,
                          v->due_date, v->status, v->note, v->znak_sprawy};
  return record_exec(tx, res,
                     "UPDATE nonconformity_actions x SET type = coalesce($3, type), "
                     "description = coalesce($4, description), responsible = coalesce($5, responsible), "
                     "due_date = coalesce($6::date, due_date), "
                     "done_at = CASE WHEN $7::text = 'done' AND status = 'open' THEN now() ELSE done_at END, "
                     "status = coalesce($7::text, status), note = coalesce($8, note), "
                     "znak_sprawy = coalesce($9::text, znak_sprawy), revision = revision + 1, updated_at = now() "
                     "WHERE x.org_id = $1 AND x.id = $2 RETURNING zsz_action_json(x)::text, x.revision",
                     9, params, 200);
}
