#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "queries.h"

static const char *tf(int b) {
  return b ? "t" : "f";
}

/* ---- the caller and its organisation -------------------------------------------------------- */

enum db_status directory_q_my_unit(struct db_tx *tx, const char *org, const char *sub, char *code, size_t size) {
  const char *params[] = {org, sub};
  PGresult *r = db_exec(tx,
                        "SELECT ou.code FROM users u JOIN org_units ou ON ou.org_id = u.org_id AND ou.id = u.unit_id "
                        "WHERE u.org_id = $1 AND u.sub = $2",
                        2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  snprintf(code, size, "%s", st == DB_ONE ? PQgetvalue(r, 0, 0) : "");
  PQclear(r);
  return st;
}

enum db_status directory_q_organisation(struct db_tx *tx, const char *org, struct result *res) {
  const char *params[] = {org};
  return document_get(tx, res,
                      "SELECT json_build_object('code', code, 'name', name, 'process_scheme', process_scheme)::text "
                      "FROM organisations WHERE id = $1",
                      1, params, MSG_UNKNOWN_ORGANISATION);
}

/* ---- users --------------------------------------------------------------------------------- */

PGresult *directory_q_users(struct db_tx *tx, const char *org, const char *q, const char *unit_id, const char *role,
                            const char *after_sub, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, q, unit_id, role, after_sub, n};
  return db_exec(
      tx,
      "SELECT zsz_user_json(u)::text, u.sub FROM users u "
      "WHERE u.org_id = $1 AND ($2::text IS NULL OR u.search LIKE '%' || zsz_like_literal(zsz_fold($2)) || '%') "
      "AND ($3::bigint IS NULL OR u.unit_id = $3) "
      "AND ($4::text IS NULL OR $4 = 'employee' OR $4 = ANY (u.roles)) "
      "AND ($5::text IS NULL OR u.sub > $5) ORDER BY u.sub LIMIT $6",
      6, params);
}

enum db_status directory_q_user_get(struct db_tx *tx, const char *org, const char *sub, struct result *res) {
  const char *params[] = {org, sub};
  return record_get(tx, res,
                    "SELECT zsz_user_json(u)::text, u.revision FROM users u WHERE u.org_id = $1 AND u.sub = $2", 2,
                    params, MSG_NOT_FOUND_USER);
}

enum db_status directory_q_user_lock(struct db_tx *tx, const char *org, const char *sub, long long *revision) {
  const char *params[] = {org, sub};
  PGresult *r = db_exec(tx, "SELECT revision FROM users WHERE org_id = $1 AND sub = $2 FOR UPDATE", 2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  *revision = st == DB_ONE ? atoll(PQgetvalue(r, 0, 0)) : 0;
  PQclear(r);
  return st;
}

enum db_status directory_q_user_set_unit(struct db_tx *tx, const char *org, const char *sub, const char *unit_id,
                                         struct result *res) {
  const char *params[] = {org, sub, unit_id};
  return record_exec(tx, res,
                     "UPDATE users u SET unit_id = $3, revision = revision + 1 WHERE org_id = $1 AND sub = $2 "
                     "RETURNING zsz_user_json(u)::text, u.revision",
                     3, params, 200);
}

/* ---- org units ----------------------------------------------------------------------------- */

PGresult *directory_q_org_units(struct db_tx *tx, const char *org, const char *q, const char *parent_id,
                                const char *after_code, const char *after_id, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, q, parent_id, after_code, after_id, n};
  return db_exec(
      tx,
      "SELECT zsz_org_unit_json(u)::text, u.code, u.id::text FROM org_units u "
      "WHERE u.org_id = $1 AND ($2::text IS NULL OR u.search LIKE '%' || zsz_like_literal(zsz_fold($2)) || '%') "
      "AND ($3::bigint IS NULL OR u.parent_id = $3) "
      "AND ($4::text IS NULL OR (u.code, u.id) > ($4, $5::bigint)) ORDER BY u.code, u.id LIMIT $6",
      6, params);
}

enum db_status directory_q_org_unit_get(struct db_tx *tx, const char *org, const char *id, struct result *res) {
  const char *params[] = {org, id};
  return record_get(tx, res,
                    "SELECT zsz_org_unit_json(u)::text, u.revision FROM org_units u WHERE u.org_id = $1 AND u.id = $2",
                    2, params, MSG_NOT_FOUND_ORG_UNIT);
}

enum db_status directory_q_org_unit_exists(struct db_tx *tx, const char *org, const char *id) {
  const char *params[] = {org, id};
  PGresult *r = db_exec(tx, "SELECT 1 FROM org_units WHERE org_id = $1 AND id = $2", 2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  PQclear(r);
  return st;
}

enum db_status directory_q_org_unit_lock(struct db_tx *tx, const char *org, const char *id, long long *revision) {
  const char *params[] = {org, id};
  PGresult *r = db_exec(tx, "SELECT revision FROM org_units WHERE org_id = $1 AND id = $2 FOR UPDATE", 2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 1 ? DB_ONE : DB_NONE;
  *revision = st == DB_ONE ? atoll(PQgetvalue(r, 0, 0)) : 0;
  PQclear(r);
  return st;
}

enum db_status directory_q_org_unit_parent_check(struct db_tx *tx, const char *org, const char *parent,
                                                 const char *self, int ok[2]) {
  const char *params[] = {org, parent, self};
  PGresult *r = db_exec(tx,
                        "SELECT EXISTS (SELECT 1 FROM org_units WHERE org_id = $1 AND id = $2), "
                        "$3::bigint IS NULL OR NOT EXISTS ("
                        "  WITH RECURSIVE up(id) AS (SELECT $2::bigint UNION "
                        "    SELECT u.parent_id FROM org_units u JOIN up ON u.id = up.id "
                        "    WHERE u.org_id = $1 AND u.parent_id IS NOT NULL) "
                        "  SELECT 1 FROM up WHERE id = $3)",
                        3, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  for (int i = 0; i < 2; i++)
    ok[i] = PQgetvalue(r, 0, i)[0] == 't';
  PQclear(r);
  return DB_ONE;
}

enum db_status directory_q_org_unit_insert(struct db_tx *tx, const char *org, const struct org_unit_values *v,
                                           struct result *res, char *id_out) {
  const char *params[] = {org, v->code, v->name, v->parent_id};
  return record_create(tx, res,
                       "INSERT INTO org_units AS u (org_id, code, name, parent_id) VALUES ($1, $2, $3, $4) "
                       "RETURNING zsz_org_unit_json(u)::text, u.revision, u.id",
                       4, params, id_out);
}

enum db_status directory_q_org_unit_update(struct db_tx *tx, const char *org, const char *id,
                                           const struct org_unit_patch *sent, const struct org_unit_values *v,
                                           struct result *res) {
  const char *params[] = {org, id, tf(sent->code), v->code, tf(sent->name), v->name, tf(sent->parent_id), v->parent_id};
  return record_exec(tx, res,
                     "UPDATE org_units u SET code = CASE WHEN $3 THEN $4 ELSE code END, "
                     "name = CASE WHEN $5 THEN $6 ELSE name END, "
                     "parent_id = CASE WHEN $7 THEN $8::bigint ELSE parent_id END, "
                     "revision = revision + 1, updated_at = now() WHERE org_id = $1 AND id = $2 "
                     "RETURNING zsz_org_unit_json(u)::text, u.revision",
                     8, params, 200);
}
