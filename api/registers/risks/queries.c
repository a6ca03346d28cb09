/* The risk register's SQL: one function per statement (queries.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "queries.h"

static int is_true(const PGresult *r, int row, int col) {
  return PQgetvalue(r, row, col)[0] == 't';
}

static enum db_status answered(const struct db_tx *tx, const struct result *res) {
  return tx->failed ? DB_ERROR : res->status < 300 ? DB_ONE : DB_NONE;
}

/* ---- the matrix ------------------------------------------------------------------------------ */

enum db_status risks_q_matrix_get(struct db_tx *tx, const char *org, struct result *res) {
  const char *params[] = {org};
  record_get(tx, res,
             "SELECT zsz_risk_matrix_json(m)::text, m.version FROM risk_matrices m WHERE m.org_id = $1 "
             "ORDER BY m.version DESC LIMIT 1",
             1, params, MSG_NOT_FOUND_MATRIX_VERSION);
  return answered(tx, res);
}

enum db_status risks_q_matrix_version(struct db_tx *tx, const char *org, const char *version, struct result *res) {
  const char *params[] = {org, version};
  record_get(tx, res,
             "SELECT zsz_risk_matrix_json(m)::text, m.version FROM risk_matrices m WHERE m.org_id = $1 "
             "AND m.version = $2::integer",
             2, params, MSG_NOT_FOUND_MATRIX_VERSION);
  return answered(tx, res);
}

enum db_status risks_q_matrix_now(struct db_tx *tx, const char *org, struct matrix_now *out) {
  const char *params[] = {org};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT m.version, jsonb_array_length(m.likelihood), jsonb_array_length(m.impact) "
                       "FROM risk_matrices m WHERE m.org_id = $1 ORDER BY m.version DESC LIMIT 1",
                       1, params, &st);
  if (r != NULL) {
    out->version = atoll(PQgetvalue(r, 0, 0));
    out->likelihood_levels = atoi(PQgetvalue(r, 0, 1));
    out->impact_levels = atoi(PQgetvalue(r, 0, 2));
    PQclear(r);
  }
  return st;
}

enum db_status risks_q_matrix_insert(struct db_tx *tx, const char *org, const char *body, const char *actor,
                                     struct result *res) {
  const char *params[] = {org, body, actor};
  /* the levels as the contract's ScaleLevel, their descriptions filled in */
  record_exec(tx, res,
              "INSERT INTO risk_matrices AS m (org_id, version, likelihood, impact, bands, appetite, created_by) "
              "SELECT $1, (SELECT max(version) + 1 FROM risk_matrices WHERE org_id = $1), "
              "(SELECT jsonb_agg(jsonb_build_object('name', s->>'name', 'description', coalesce(s->>'description', "
              "'')) ORDER BY i) FROM jsonb_array_elements(b->'likelihood') WITH ORDINALITY AS x(s, i)), "
              "(SELECT jsonb_agg(jsonb_build_object('name', s->>'name', 'description', coalesce(s->>'description', "
              "'')) ORDER BY i) FROM jsonb_array_elements(b->'impact') WITH ORDINALITY AS x(s, i)), "
              "b->'bands', (b->>'appetite')::integer, $3 FROM (SELECT $2::jsonb AS b) AS input "
              "RETURNING zsz_risk_matrix_json(m)::text, m.version",
              3, params, 200);
  return answered(tx, res);
}

/* ---- risks --------------------------------------------------------------------------------- */

#define IDS_OF(member) "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'" member "', '[]')))::bigint[]"
#define TEXTS_OF(member) "ARRAY(SELECT jsonb_array_elements_text(coalesce(b->'" member "', '[]')))"

enum db_status risks_q_links(struct db_tx *tx, const char *org, const char *body, struct risk_links *out) {
  const char *params[] = {org, body};
  enum db_status st;
  PGresult *r = db_row(
      tx,
      "SELECT (SELECT count(*) FROM unnest(" IDS_OF(
          "process_ids") ") x WHERE NOT EXISTS (SELECT 1 FROM processes p "
                         "  WHERE p.org_id = $1 AND p.id = x)), "
                         "(SELECT count(*) FROM unnest(" IDS_OF(
                             "objective_ids") ") x WHERE NOT EXISTS (SELECT 1 FROM objectives o "
                                              "  WHERE o.org_id = $1 AND o.id = x)), "
                                              "(SELECT count(*) FROM unnest(" IDS_OF(
                                                  "org_unit_ids") ") x WHERE NOT EXISTS (SELECT 1 FROM org_units u "
                                                                  "  WHERE u.org_id = $1 AND u.id = x)), "
                                                                  "b->>'owner' IS NULL OR EXISTS (SELECT 1 FROM users "
                                                                  "u WHERE u.org_id = $1 AND u.sub = b->>'owner') "
                                                                  "FROM (SELECT $2::jsonb AS b) AS input",
      2, params, &st);
  if (r != NULL) {
    out->missing_processes = atoll(PQgetvalue(r, 0, 0));
    out->missing_objectives = atoll(PQgetvalue(r, 0, 1));
    out->missing_units = atoll(PQgetvalue(r, 0, 2));
    out->owner_ok = is_true(r, 0, 3);
    PQclear(r);
  }
  return st;
}

enum db_status risks_q_may_create(struct db_tx *tx, const char *area, const char *roles, int *ok) {
  const char *params[] = {area, roles};
  enum db_status st;
  PGresult *r = db_row(tx, "SELECT zsz_risk_may_create($1, $2::text[])", 2, params, &st);
  if (r != NULL) {
    *ok = is_true(r, 0, 0);
    PQclear(r);
  }
  return st;
}

enum db_status risks_q_insert(struct db_tx *tx, const char *org, const char *body, struct result *res, char *id_out) {
  const char *params[] = {org, body};
  /* the counter row stays locked until commit: numbers are never reused and never repeat */
  return record_create(
      tx, res,
      "WITH k AS (INSERT INTO risk_counters (org_id, year, last) "
      "  VALUES ($1, extract(year FROM zsz_today())::integer, 1) "
      "  ON CONFLICT (org_id, year) DO UPDATE SET last = risk_counters.last + 1 RETURNING year, last) "
      "INSERT INTO risks AS r (org_id, number, kind, title, description, area, process_ids, objective_ids, "
      "  org_unit_ids, assets, owner, review_due) "
      "SELECT $1, 'R/' || k.year || '/' || lpad(k.last::text, greatest(3, length(k.last::text)), '0'), b->>'kind', "
      "b->>'title', "
      "  coalesce(b->>'description', ''), b->>'area', " IDS_OF("process_ids") ", " IDS_OF("objective_ids") ", " IDS_OF(
          "org_unit_ids") ", " TEXTS_OF("assets") ", b->>'owner', "
                                                  "  coalesce((b->>'review_due')::date, zsz_risk_next_review(NULL, "
                                                  "zsz_today())) "
                                                  "FROM k, (SELECT $2::jsonb AS b) AS input "
                                                  "RETURNING zsz_risk_json(r)::text, r.revision, r.id",
      2, params, id_out);
}

enum db_status risks_q_get(struct db_tx *tx, const char *org, const char *id, const char *sub, const char *roles,
                           struct result *res) {
  const char *params[] = {org, id, sub, roles};
  /* a risk the caller may not read is as absent as another organisation's */
  record_get(tx, res,
             "SELECT zsz_risk_json(r)::text, r.revision FROM risks r WHERE r.org_id = $1 AND r.id = $2 "
             "AND zsz_risk_readable(r, $3, $4::text[])",
             4, params, MSG_NOT_FOUND_RISK);
  return answered(tx, res);
}

enum db_status risks_q_document(struct db_tx *tx, const char *org, const char *id, int status, struct result *res) {
  const char *params[] = {org, id};
  record_get(tx, res, "SELECT zsz_risk_json(r)::text, r.revision FROM risks r WHERE r.org_id = $1 AND r.id = $2", 2,
             params, MSG_NOT_FOUND_RISK);
  if (res->status == 200) res->status = status;
  return answered(tx, res);
}

/* The processes the caller owns, once per statement, for the read rule over many risks
 * (zsz_risk_visible: migration 0015). OFFSET 0 keeps the planner from pulling the subquery up,
 * which would call zsz_processes_owned once per risk. */
#define OWNED "(SELECT zsz_processes_owned($1, $2) AS owned OFFSET 0) AS o "

#define RISK_FILTER                                                                                                    \
  "WHERE r.org_id = $1 AND zsz_risk_visible(r, $2, $3::text[], o.owned) "                                              \
  "AND ($4::text IS NULL OR r.kind = $4) AND ($5::text IS NULL OR r.area = $5) "                                       \
  "AND ($6::text IS NULL OR zsz_risk_status(r) = $6) AND ($7::text IS NULL OR r.owner = $7) "                          \
  "AND ($8::bigint IS NULL OR $8::bigint = ANY (r.process_ids)) AND ($9::text IS NULL OR r.residual_band = $9) "       \
  "AND ($10::text IS NULL OR r.number > $10) ORDER BY r.number LIMIT $11"

PGresult *risks_q_list(struct db_tx *tx, const char *org, const char *sub, const char *roles,
                       const char *const filter[6], const char *after, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, sub, roles, filter[0], filter[1], filter[2], filter[3], filter[4], filter[5], after, n};
  return db_exec(tx, "SELECT zsz_risk_json(r)::text, r.number FROM risks r, " OWNED RISK_FILTER, 11, params);
}

PGresult *risks_q_csv(struct db_tx *tx, const char *org, const char *sub, const char *roles,
                      const char *const filter[6]) {
  const char *params[] = {org,       sub,       roles,     filter[0], filter[1],          filter[2],
                          filter[3], filter[4], filter[5], NULL,      CSV_FETCH_ROWS_TEXT};
  /* every text cell through zsz_csv; numbers, dates and booleans as they are (concat_ws leaves
   * a NULL out, so a null cell is written '') */
  return db_exec(
      tx,
      "SELECT concat_ws(';', zsz_csv(r.number), zsz_csv(r.kind), zsz_csv(r.title), zsz_csv(r.area), "
      "zsz_csv((SELECT string_agg(p.code, ', ' ORDER BY p.code) FROM processes p WHERE p.org_id = r.org_id "
      "  AND p.id = ANY (r.process_ids))), zsz_csv(r.owner), zsz_csv(zsz_risk_status(r)), "
      "coalesce(r.inherent_level::text, ''), zsz_csv(r.inherent_band), "
      "coalesce(r.residual_level::text, ''), zsz_csv(r.residual_band), coalesce(r.above_appetite::text, ''), "
      "zsz_csv(r.treatment_option), coalesce(r.acceptance_expires::text, ''), r.review_due) "
      "FROM risks r, " OWNED RISK_FILTER,
      11, params);
}

enum db_status risks_q_lock(struct db_tx *tx, const char *org, const char *id, const char *sub, const char *roles,
                            struct locked_risk *out) {
  const char *params[] = {org, id, sub, roles};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT zsz_risk_status(r), r.revision, zsz_risk_manages(r, $3, $4::text[]), "
                       "zsz_risk_may_accept(r, $3, $4::text[]), r.residual_level IS NOT NULL, "
                       "coalesce(r.above_appetite, false), coalesce(r.residual_band, '') "
                       "FROM risks r WHERE r.org_id = $1 AND r.id = $2 AND zsz_risk_readable(r, $3, $4::text[]) "
                       "FOR UPDATE",
                       4, params, &st);
  if (r != NULL) {
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
    out->revision = atoll(PQgetvalue(r, 0, 1));
    out->manages = is_true(r, 0, 2);
    out->may_accept = is_true(r, 0, 3);
    out->assessed = is_true(r, 0, 4);
    out->above_appetite = is_true(r, 0, 5);
    snprintf(out->residual_band, sizeof out->residual_band, "%s", PQgetvalue(r, 0, 6));
    PQclear(r);
  }
  return st;
}

enum db_status risks_q_update(struct db_tx *tx, const char *org, const char *id, const char *body, struct result *res) {
  const char *params[] = {org, id, body};
  /* merge-patch: a field left out keeps its value */
  record_exec(
      tx, res,
      "UPDATE risks r SET "
      "kind = CASE WHEN b ? 'kind' THEN b->>'kind' ELSE kind END, "
      "title = CASE WHEN b ? 'title' THEN b->>'title' ELSE title END, "
      "description = CASE WHEN b ? 'description' THEN b->>'description' ELSE description END, "
      "area = CASE WHEN b ? 'area' THEN b->>'area' ELSE area END, "
      "process_ids = CASE WHEN b ? 'process_ids' THEN " IDS_OF(
          "process_ids") " ELSE process_ids END, "
                         "objective_ids = CASE WHEN b ? 'objective_ids' THEN " IDS_OF(
                             "objective_ids") " ELSE objective_ids END, "
                                              "org_unit_ids = CASE WHEN b ? 'org_unit_ids' THEN " IDS_OF(
                                                  "org_unit_ids") " ELSE org_unit_ids END, "
                                                                  "assets = CASE WHEN b ? 'assets' THEN " TEXTS_OF(
                                                                      "assets") " ELSE assets END, "
                                                                                "owner = CASE WHEN b ? 'owner' THEN "
                                                                                "b->>'owner' ELSE owner END, "
                                                                                "review_due = CASE WHEN b ? "
                                                                                "'review_due' THEN "
                                                                                "(b->>'review_due')::date ELSE "
                                                                                "review_due END, "
                                                                                "revision = revision + 1, updated_at = "
                                                                                "now() FROM (SELECT $3::jsonb AS b) AS "
                                                                                "input "
                                                                                "WHERE r.org_id = $1 AND r.id = $2 "
                                                                                "RETURNING zsz_risk_json(r)::text, "
                                                                                "r.revision",
      3, params, 200);
  return answered(tx, res);
}

enum db_status risks_q_move(struct db_tx *tx, const char *org, const char *id, const char *to, const char *reason) {
  const char *params[] = {org, id, to, reason};
  return db_command(tx,
                    "UPDATE risks r SET status = $3, status_reason = coalesce($4, status_reason), "
                    "closed_at = CASE WHEN $3 = 'closed' THEN now() ELSE NULL END, "
                    "revision = revision + 1, updated_at = now() WHERE r.org_id = $1 AND r.id = $2",
                    4, params);
}

/* ---- assessments, treatment, acceptance, reviews -------------------------------------------------- */

enum db_status risks_q_assess(struct db_tx *tx, const char *org, const char *id, const char *version, const char *body,
                              const char *actor, struct result *res) {
  const char *params[] = {org, id, body, actor, version};
  enum db_status st;
  PGresult *r = db_row(
      tx,
      "WITH m AS (SELECT * FROM risk_matrices WHERE org_id = $1 AND version = $5::integer), "
      "v AS (SELECT m.version, m.bands, m.appetite, (b->>'inherent_likelihood')::integer AS il, "
      "  (b->>'inherent_impact')::integer AS ii, (b->>'residual_likelihood')::integer AS rl, "
      "  (b->>'residual_impact')::integer AS ri, coalesce(b->>'note', '') AS note "
      "  FROM m, (SELECT $3::jsonb AS b) AS input), "
      "a AS (INSERT INTO risk_assessments AS x (org_id, risk_id, matrix_version, inherent_likelihood, "
      "  inherent_impact, inherent_level, inherent_band, residual_likelihood, residual_impact, residual_level, "
      "  residual_band, above_appetite, note, assessed_by) "
      "  SELECT $1, $2, version, il, ii, il * ii, zsz_risk_band(bands, il * ii), rl, ri, rl * ri, "
      "  zsz_risk_band(bands, rl * ri), rl * ri > appetite, note, $4 FROM v "
      "  RETURNING zsz_risk_assessment_json(x)::text AS doc, x.*), "
      "u AS (UPDATE risks r SET matrix_version = a.matrix_version, inherent_likelihood = a.inherent_likelihood, "
      "  inherent_impact = a.inherent_impact, inherent_level = a.inherent_level, inherent_band = a.inherent_band, "
      "  residual_likelihood = a.residual_likelihood, residual_impact = a.residual_impact, "
      "  residual_level = a.residual_level, residual_band = a.residual_band, above_appetite = a.above_appetite, "
      "  assessed_at = a.assessed_at, assessed_by = a.assessed_by, "
      "  status = CASE WHEN r.status = 'identified' THEN 'assessed' "
      "    WHEN r.status = 'accepted' AND (a.residual_level > r.accepted_level OR r.acceptance_expires < zsz_today()) "
      "    THEN 'assessed' ELSE r.status END, "
      "  review_due = CASE WHEN a.residual_band = 'critical' "
      "    THEN least(r.review_due, zsz_risk_next_review('critical', zsz_today())) ELSE r.review_due END, "
      "  revision = r.revision + 1, updated_at = now() FROM a WHERE r.org_id = $1 AND r.id = $2 RETURNING r.id) "
      "SELECT a.doc FROM a, u",
      5, params, &st);
  if (r != NULL) {
    result_raw(res, 201, PQgetvalue(r, 0, 0));
    PQclear(r);
  }
  return st;
}

PGresult *risks_q_assessments(struct db_tx *tx, const char *org, const char *id, const char *after, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, id, after, n};
  return db_exec(tx,
                 "SELECT zsz_risk_assessment_json(a)::text, a.id::text FROM risk_assessments a "
                 "WHERE a.org_id = $1 AND a.risk_id = $2 AND ($3::bigint IS NULL OR a.id < $3::bigint) "
                 "ORDER BY a.id DESC LIMIT $4",
                 4, params);
}

enum db_status risks_q_readable(struct db_tx *tx, const char *org, const char *id, const char *sub, const char *roles) {
  const char *params[] = {org, id, sub, roles};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT 1 FROM risks r WHERE r.org_id = $1 AND r.id = $2 "
                       "AND zsz_risk_readable(r, $3, $4::text[])",
                       4, params, &st);
  PQclear(r);
  return st;
}

enum db_status risks_q_treatment(struct db_tx *tx, const char *org, const char *id, const char *sub, const char *roles,
                                 struct result *res) {
  const char *params[] = {org, id, sub, roles};
  record_get(tx, res,
             "SELECT zsz_risk_json(r)->>'treatment', r.revision FROM risks r WHERE r.org_id = $1 AND r.id = $2 "
             "AND zsz_risk_readable(r, $3, $4::text[])",
             4, params, MSG_NOT_FOUND_RISK);
  return answered(tx, res);
}

enum db_status risks_q_treat(struct db_tx *tx, const char *org, const char *id, const char *body, struct result *res) {
  const char *params[] = {org, id, body};
  /* the control mechanisms as the contract's RiskControl, annex_a filled in */
  record_exec(
      tx, res,
      "UPDATE risks r SET treatment_option = b->>'option', treatment_note = coalesce(b->>'note', ''), "
      "controls = coalesce((SELECT jsonb_agg(jsonb_build_object('description', c->>'description', "
      "  'state', c->>'state', 'annex_a', coalesce(c->'annex_a', '[]')) ORDER BY i) "
      "  FROM jsonb_array_elements(coalesce(b->'controls', '[]')) WITH ORDINALITY AS x(c, i)), '[]'), "
      "status = CASE WHEN b->>'option' <> 'accept' AND zsz_risk_status(r) IN ('assessed', 'monitored', 'accepted') "
      "  THEN 'treatment' ELSE zsz_risk_status(r) END, "
      "revision = revision + 1, updated_at = now() FROM (SELECT $3::jsonb AS b) AS input "
      "WHERE r.org_id = $1 AND r.id = $2 RETURNING zsz_risk_json(r)::text, r.revision",
      3, params, 200);
  return answered(tx, res);
}

enum db_status risks_q_accept(struct db_tx *tx, const char *org, const char *id, const char *justification,
                              const char *expires_on, const char *actor, struct result *res) {
  const char *params[] = {org, id, justification, expires_on, actor};
  record_exec(tx, res,
              "UPDATE risks r SET status = 'accepted', accepted_by = $5, accepted_at = now(), "
              "accepted_level = residual_level, acceptance_justification = $3, acceptance_expires = $4::date, "
              "revision = revision + 1, updated_at = now() WHERE r.org_id = $1 AND r.id = $2 "
              "RETURNING zsz_risk_json(r)::text, r.revision",
              5, params, 200);
  return answered(tx, res);
}

enum db_status risks_q_review(struct db_tx *tx, const char *org, const char *id, const char *note, const char *actor) {
  const char *params[] = {org, id, note, actor};
  return db_command(tx,
                    "WITH v AS (INSERT INTO risk_reviews (org_id, risk_id, note, reviewed_by, next_due) "
                    "  SELECT r.org_id, r.id, $3, $4, zsz_risk_next_review(r.residual_band, zsz_today()) "
                    "  FROM risks r WHERE r.org_id = $1 AND r.id = $2 RETURNING *) "
                    "UPDATE risks r SET last_reviewed_at = v.reviewed_at, review_due = v.next_due, "
                    "revision = revision + 1, updated_at = now() FROM v WHERE r.org_id = $1 AND r.id = $2",
                    4, params);
}

/* ---- treatment actions ----------------------------------------------------------------------- */

enum db_status risks_q_user_exists(struct db_tx *tx, const char *org, const char *sub) {
  const char *params[] = {org, sub};
  enum db_status st;
  PGresult *r = db_row(tx, "SELECT 1 FROM users WHERE org_id = $1 AND sub = $2", 2, params, &st);
  PQclear(r);
  return st;
}

enum db_status risks_q_action_insert(struct db_tx *tx, const char *org, const char *risk_id, const char *body,
                                     struct result *res, char *id_out) {
  const char *params[] = {org, risk_id, body};
  return record_create(
      tx, res,
      "INSERT INTO risk_actions AS a (org_id, risk_id, description, responsible, due_date) "
      "SELECT $1, $2, b->>'description', b->>'responsible', (b->>'due_date')::date "
      "FROM (SELECT $3::jsonb AS b) AS input RETURNING zsz_risk_action_json(a)::text, a.revision, a.id",
      3, params, id_out);
}

enum db_status risks_q_action_get(struct db_tx *tx, const char *org, const char *risk_id, const char *id,
                                  const char *sub, const char *roles, struct result *res) {
  const char *params[] = {org, risk_id, id, sub, roles};
  record_get(tx, res,
             "SELECT zsz_risk_action_json(a)::text, a.revision FROM risk_actions a JOIN risks r "
             "ON r.org_id = a.org_id AND r.id = a.risk_id WHERE a.org_id = $1 AND a.risk_id = $2 AND a.id = $3 "
             "AND zsz_risk_action_readable(r, a, $4, $5::text[])",
             5, params, MSG_NOT_FOUND_RISK_ACTION);
  return answered(tx, res);
}

enum db_status risks_q_action_lock(struct db_tx *tx, const char *org, const char *risk_id, const char *id,
                                   const char *sub, const char *roles, const char *fields,
                                   struct locked_risk_action *out) {
  const char *params[] = {org, risk_id, id, sub, roles, fields};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT a.status, a.revision, zsz_risk_action_may_change(r, a, $4, $5::text[], $6::text[]), "
                       "r.status = 'closed' FROM risk_actions a JOIN risks r ON r.org_id = a.org_id "
                       "AND r.id = a.risk_id WHERE a.org_id = $1 AND a.risk_id = $2 AND a.id = $3 "
                       "AND zsz_risk_action_readable(r, a, $4, $5::text[]) FOR UPDATE OF a",
                       6, params, &st);
  if (r != NULL) {
    snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
    out->revision = atoll(PQgetvalue(r, 0, 1));
    out->may_change = is_true(r, 0, 2);
    out->risk_closed = is_true(r, 0, 3);
    PQclear(r);
  }
  return st;
}

enum db_status risks_q_action_update(struct db_tx *tx, const char *org, const char *id, const char *body,
                                     struct result *res) {
  const char *params[] = {org, id, body};
  record_exec(tx, res,
              "UPDATE risk_actions a SET "
              "description = CASE WHEN b ? 'description' THEN b->>'description' ELSE description END, "
              "responsible = CASE WHEN b ? 'responsible' THEN b->>'responsible' ELSE responsible END, "
              "due_date = CASE WHEN b ? 'due_date' THEN (b->>'due_date')::date ELSE due_date END, "
              "note = CASE WHEN b ? 'note' THEN b->>'note' ELSE note END, "
              "status = CASE WHEN b ? 'status' THEN b->>'status' ELSE status END, "
              "done_at = CASE WHEN b->>'status' = 'done' AND status = 'open' THEN now() ELSE done_at END, "
              "revision = revision + 1, updated_at = now() FROM (SELECT $3::jsonb AS b) AS input "
              "WHERE a.org_id = $1 AND a.id = $2 RETURNING zsz_risk_action_json(a)::text, a.revision",
              3, params, 200);
  return answered(tx, res);
}

/* ---- views over the register ------------------------------------------------------------------- */

enum db_status risks_q_map(struct db_tx *tx, const char *org, const char *sub, const char *roles, const char *basis,
                           const char *const filter[3], struct result *res) {
  const char *params[] = {org, sub, roles, basis, filter[0], filter[1], filter[2]};
  /* the risks grouped by their cell once, then joined to the current matrix's cells (a
   * subquery of the matrix row, not a CTE: joined laterally, the 25 cells cost nothing) */
  document_get(
      tx, res,
      "WITH g AS MATERIALIZED (SELECT CASE WHEN $4 = 'inherent' THEN r.inherent_likelihood "
      "  ELSE r.residual_likelihood END AS l, CASE WHEN $4 = 'inherent' THEN r.inherent_impact "
      "  ELSE r.residual_impact END AS i, count(*) AS n "
      "  FROM risks r, " OWNED "WHERE r.org_id = $1 AND r.status <> 'closed' "
      "  AND zsz_risk_visible(r, $2, $3::text[], o.owned) "
      "  AND ($5::text IS NULL OR r.area = $5) AND ($6::bigint IS NULL OR $6::bigint = ANY (r.process_ids)) "
      "  AND ($7::bigint IS NULL OR $7::bigint = ANY (r.org_unit_ids)) GROUP BY 1, 2) "
      "SELECT json_build_object('basis', $4, 'matrix_version', m.version, "
      "  'likelihood_levels', jsonb_array_length(m.likelihood), 'impact_levels', jsonb_array_length(m.impact), "
      "  'total', (SELECT coalesce(sum(n), 0) FROM g WHERE l IS NOT NULL), "
      "  'unassessed', (SELECT coalesce(sum(n), 0) FROM g WHERE l IS NULL), "
      "  'outside_matrix', (SELECT coalesce(sum(n), 0) FROM g WHERE l > jsonb_array_length(m.likelihood) "
      "    OR i > jsonb_array_length(m.impact)), "
      "  'cells', (SELECT json_agg(json_build_object('likelihood', c.cl, 'impact', c.ci, 'level', c.cl * c.ci, "
      "    'band', c.band, 'colour', k.colour, 'count', coalesce(g.n, 0)) ORDER BY c.cl DESC, c.ci) "
      "    FROM (SELECT cl, ci, zsz_risk_band(m.bands, cl * ci) AS band "
      "      FROM generate_series(1, jsonb_array_length(m.likelihood)) AS cl, "
      "      generate_series(1, jsonb_array_length(m.impact)) AS ci) AS c "
      "    LEFT JOIN g ON g.l = c.cl AND g.i = c.ci "
      "    LEFT JOIN LATERAL (SELECT b->>'colour' AS colour FROM jsonb_array_elements(m.bands) AS b "
      "      WHERE b->>'band' = c.band) AS k ON true))::text "
      "FROM (SELECT version, likelihood, impact, bands FROM risk_matrices WHERE org_id = $1 ORDER BY version DESC "
      "LIMIT 1) "
      "AS m",
      7, params, MSG_NOT_FOUND_MATRIX_VERSION);
  return answered(tx, res);
}

PGresult *risks_q_worklist(struct db_tx *tx, const char *org, const char *sub, const char *roles, const char *reason,
                           const char *owner, const char *after, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, sub, roles, reason, owner, after, n};
  /* walked in number order on (org_id, number) and stopped at the page's end: an overdue action
   * is one index probe per risk walked (risk_actions_open), so the reasons (zsz_risk_reasons)
   * still inline into the filter. Joining all the open actions first made PostgreSQL compute
   * the reasons of every risk and sort them: 42 ms against 2 ms over 20,000 risks (EXPLAIN
   * ANALYZE of the generic plan; a rare reason, acceptance_expired, 7 ms). */
  return db_exec(tx,
                 "SELECT json_build_object('risk', zsz_risk_summary_json(r), 'reasons', to_json(w.reasons))::text, "
                 "r.number FROM risks r "
                 "CROSS JOIN LATERAL (SELECT zsz_risk_reasons(r, EXISTS (SELECT 1 FROM risk_actions a "
                 "  WHERE a.org_id = r.org_id AND a.risk_id = r.id AND a.status = 'open' "
                 "  AND a.due_date < zsz_today())) AS reasons) AS w, " OWNED
                 "WHERE r.org_id = $1 AND r.status <> 'closed' AND zsz_risk_visible(r, $2, $3::text[], o.owned) "
                 "AND cardinality(w.reasons) > 0 AND ($4::text IS NULL OR $4 = ANY (w.reasons)) "
                 "AND ($5::text IS NULL OR r.owner = $5) AND ($6::text IS NULL OR r.number > $6) "
                 "ORDER BY r.number LIMIT $7",
                 7, params);
}

enum db_status risks_q_summary(struct db_tx *tx, const char *org, const char *from, const char *to,
                               struct result *res) {
  const char *params[] = {org, from, to};
  document_get(tx, res, "SELECT zsz_risk_summary($1::bigint, $2::date, $3::date)::text", 3, params, MSG_NOT_FOUND_RISK);
  return answered(tx, res);
}
