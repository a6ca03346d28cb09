#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "imports.h"
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
  return document_get(tx, res, "SELECT zsz_organisation_json(o)::text FROM organisations o WHERE id = $1", 1, params,
                      MSG_UNKNOWN_ORGANISATION);
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

/* ---- the directory (issue 10) ----------------------------------------------------------- */

enum db_status directory_q_unit_by_code(struct db_tx *tx, const char *org, const char *code, char id[24]) {
  const char *params[] = {org, code};
  enum db_status st;
  PGresult *r = db_row(tx, "SELECT id FROM org_units WHERE org_id = $1 AND code = $2", 2, params, &st);
  snprintf(id, 24, "%s", st == DB_ONE ? PQgetvalue(r, 0, 0) : "");
  PQclear(r);
  return st;
}

enum db_status directory_q_user_put(struct db_tx *tx, const char *org, const struct directory_user *u,
                                    struct result *res, enum directory_write *what) {
  const char *params[] = {org, u->sub, u->name, u->email, u->unit_id, u->active ? "t" : "f"};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "INSERT INTO users AS u (org_id, sub, name, email, unit_id, active, directory) "
                       "VALUES ($1, $2, $3, $4, $5::bigint, $6::boolean, true) "
                       "ON CONFLICT (org_id, sub) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, "
                       "unit_id = EXCLUDED.unit_id, active = EXCLUDED.active, directory = true, "
                       "revision = u.revision + 1, updated_at = now() "
                       "WHERE (u.name, u.email, u.unit_id, u.active, u.directory) IS DISTINCT FROM "
                       "(EXCLUDED.name, EXCLUDED.email, EXCLUDED.unit_id, EXCLUDED.active, true) "
                       "RETURNING zsz_user_json(u)::text, u.revision, (xmax = 0)::text",
                       6, params, &st);
  if (st == DB_ONE) {
    *what = PQgetvalue(r, 0, 2)[0] == 't' ? DIRECTORY_CREATED : DIRECTORY_UPDATED;
    if (res != NULL) record_result(res, r, *what == DIRECTORY_CREATED ? 201 : 200);
  } else if (st == DB_NONE) {
    *what = DIRECTORY_UNCHANGED;
  }
  PQclear(r);
  return st;
}

enum db_status directory_q_users_put_batch(struct db_tx *tx, const char *org, const char *batch_json, long *created,
                                           long *updated) {
  const char *params[] = {org, batch_json};
  enum db_status st;
  /* the users' row triggers stand aside while zsz.users_batch is on (0036): this statement
   * logs its users itself, as they would */
  if (db_command(tx, "SELECT set_config('zsz.users_batch', 'on', true)", 0, NULL) != DB_ONE) return DB_ERROR;
  /* jsonb_to_recordset: the batch's values as typed columns; each user's row before looked up
   * by its key one at a time (kinds.h of the imports says why not a join) */
  PGresult *r = db_row(
      tx,
      "WITH b AS MATERIALIZED (SELECT x.*, (SELECT u FROM users u WHERE u.org_id = $1 AND u.sub = x.sub) AS old "
      "FROM jsonb_to_recordset($2::jsonb) AS x(sub text, name text, email text, unit_id bigint, active boolean)), "
      "up AS (INSERT INTO users AS u (org_id, sub, name, email, unit_id, active, directory) "
      "SELECT $1, b.sub, b.name, b.email, b.unit_id, b.active, true FROM b "
      "ON CONFLICT (org_id, sub) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, "
      "unit_id = EXCLUDED.unit_id, active = EXCLUDED.active, directory = true, "
      "revision = u.revision + 1, updated_at = now() "
      "WHERE (u.name, u.email, u.unit_id, u.active, u.directory) IS DISTINCT FROM "
      "(EXCLUDED.name, EXCLUDED.email, EXCLUDED.unit_id, EXCLUDED.active, true) "
      "RETURNING u.*, (u.xmax = 0) AS created), "
      "log AS (INSERT INTO change_log (org_id, entity, record_id, action, actor, before, after) "
      "SELECT $1, 'user', up.sub, coalesce(nullif(current_setting('zsz.action', true), ''), "
      "CASE WHEN up.created THEN 'create' ELSE 'update' END), " IMPORT_LOG_ACTOR ", "
      "to_jsonb(b.old) - '{org_id,search,last_seen_at,revision,updated_at}'::text[], "
      "to_jsonb(up) - '{org_id,search,last_seen_at,revision,updated_at,created}'::text[] "
      "FROM up JOIN b USING (sub) ORDER BY up.sub) "
      "SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM up",
      2, params, &st);
  if (r == NULL) return DB_ERROR;
  *created = atol(PQgetvalue(r, 0, 0));
  *updated = atol(PQgetvalue(r, 0, 1));
  PQclear(r);
  return db_command(tx, "SELECT set_config('zsz.users_batch', 'off', true)", 0, NULL);
}

enum db_status directory_q_users_deactivate_absent(struct db_tx *tx, const char *org, const char *present_json,
                                                   const char *caller, long *count) {
  const char *params[] = {org, present_json, caller};
  PGresult *r = db_exec(tx,
                        "WITH gone AS (UPDATE users u SET active = false, revision = revision + 1, updated_at = now() "
                        "WHERE u.org_id = $1 AND u.active AND NOT ('integration' = ANY (u.roles)) AND u.sub <> $3 "
                        "AND u.sub NOT IN (SELECT jsonb_array_elements_text($2::jsonb)) RETURNING 1) "
                        "SELECT count(*) FROM gone",
                        3, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  *count = atol(PQgetvalue(r, 0, 0));
  PQclear(r);
  return DB_ONE;
}

enum db_status directory_q_org_unit_upsert(struct db_tx *tx, const char *org, const char *code, const char *name,
                                           enum directory_write *what) {
  const char *params[] = {org, code, name};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "INSERT INTO org_units AS u (org_id, code, name) VALUES ($1, $2, $3) "
                       "ON CONFLICT (org_id, code) DO UPDATE SET name = EXCLUDED.name, revision = u.revision + 1, "
                       "updated_at = now() WHERE u.name IS DISTINCT FROM EXCLUDED.name "
                       "RETURNING (xmax = 0)::text",
                       3, params, &st);
  if (st == DB_ONE) {
    *what = PQgetvalue(r, 0, 0)[0] == 't' ? DIRECTORY_CREATED : DIRECTORY_UPDATED;
  } else if (st == DB_NONE) {
    *what = DIRECTORY_UNCHANGED;
  }
  PQclear(r);
  return st;
}

enum db_status directory_q_org_unit_parents(struct db_tx *tx, const char *org, const char *pairs_json, long *changed,
                                            char *cycle_code, size_t size) {
  const char *params[] = {org, pairs_json};
  /* every pair [code, parent code or null] sets the parent; then no unit may be its own ancestor */
  PGresult *r =
      db_exec(tx,
              "WITH pairs AS (SELECT p ->> 0 AS code, p ->> 1 AS parent FROM jsonb_array_elements($2::jsonb) p), "
              "moved AS (UPDATE org_units u SET parent_id = (SELECT id FROM org_units x WHERE x.org_id = $1 "
              "AND x.code = pairs.parent), revision = u.revision + 1, updated_at = now() FROM pairs "
              "WHERE u.org_id = $1 AND u.code = pairs.code AND u.parent_id IS DISTINCT FROM "
              "(SELECT id FROM org_units x WHERE x.org_id = $1 AND x.code = pairs.parent) RETURNING u.id) "
              "SELECT count(*) FROM moved",
              2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  *changed = atol(PQgetvalue(r, 0, 0));
  PQclear(r);
  const char *p1[] = {org};
  r = db_exec(tx,
              "WITH RECURSIVE up(start, id, depth) AS (SELECT id, parent_id, 1 FROM org_units WHERE org_id = $1 "
              "AND parent_id IS NOT NULL UNION ALL SELECT up.start, u.parent_id, up.depth + 1 FROM up "
              "JOIN org_units u ON u.org_id = $1 AND u.id = up.id WHERE u.parent_id IS NOT NULL AND up.depth < 1000 "
              "AND up.id <> up.start) "
              "SELECT min(o.code) FROM up JOIN org_units o ON o.org_id = $1 AND o.id = up.start WHERE up.id = up.start",
              1, p1);
  if (r == NULL) {
    return DB_ERROR;
  }
  snprintf(cycle_code, size, "%s", PQgetisnull(r, 0, 0) ? "" : PQgetvalue(r, 0, 0));
  PQclear(r);
  return DB_ONE;
}

enum db_status directory_q_responsibilities(struct db_tx *tx, const char *org, const char *sub, const char *caller,
                                            const char *roles, json_t **items, int *readable) {
  const char *params[] = {org, sub, caller, roles};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT zsz_responsibilities_readable(u.sub, $3, $4::text[])::text, "
                       "CASE WHEN zsz_responsibilities_readable(u.sub, $3, $4::text[]) THEN "
                       "(SELECT coalesce(json_agg(json_build_object('entity', r.entity, 'id', r.id, 'title', r.title, "
                       "'what', r.what, 'due', r.due)), '[]') FROM zsz_responsibilities($1, u.sub) r)::text END "
                       "FROM users u WHERE u.org_id = $1 AND u.sub = $2",
                       4, params, &st);
  *items = NULL;
  *readable = 0;
  if (st == DB_ONE) {
    *readable = PQgetvalue(r, 0, 0)[0] == 't';
    if (*readable) *items = json_loads(PQgetvalue(r, 0, 1), 0, NULL);
  }
  PQclear(r);
  return st;
}

enum db_status directory_q_user_active(struct db_tx *tx, const char *org, const char *sub, int *active) {
  const char *params[] = {org, sub};
  enum db_status st;
  PGresult *r = db_row(tx, "SELECT active::text FROM users WHERE org_id = $1 AND sub = $2", 2, params, &st);
  *active = st == DB_ONE && PQgetvalue(r, 0, 0)[0] == 't';
  PQclear(r);
  return st;
}

enum db_status directory_q_handover(struct db_tx *tx, const char *org, const char *from, const char *to, long *count) {
  const char *params[] = {org, from, to};
  PGresult *r = db_exec(tx, "SELECT zsz_handover($1, $2, $3)", 3, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  *count = atol(PQgetvalue(r, 0, 0));
  PQclear(r);
  return DB_ONE;
}

enum db_status directory_q_organisation_put(struct db_tx *tx, const char *org, const char *name, const char *case_marks,
                                            struct result *res) {
  const char *params[] = {org, name, case_marks};
  return document_get(tx, res,
                      "UPDATE organisations o SET name = $2, case_marks = coalesce($3, case_marks) WHERE id = $1 "
                      "RETURNING zsz_organisation_json(o)::text",
                      3, params, MSG_UNKNOWN_ORGANISATION);
}

enum db_status directory_q_scheme_get(struct db_tx *tx, const char *org, struct result *res) {
  const char *params[] = {org};
  return record_get(tx, res,
                    "SELECT zsz_process_scheme_json(s, o.process_scheme)::text, s.revision FROM process_schemes s "
                    "JOIN organisations o ON o.id = s.org_id WHERE s.org_id = $1",
                    1, params, MSG_UNKNOWN_ORGANISATION);
}

PGresult *directory_q_scheme_violations(struct db_tx *tx, const char *org, const char *scheme_json) {
  const char *params[] = {org, scheme_json};
  return db_exec(tx,
                 "WITH s AS (SELECT (jsonb_populate_record(NULL::process_schemes, jsonb_build_object("
                 "'management', j #> '{categories,management}', 'core', j #> '{categories,core}', "
                 "'support', j #> '{categories,support}', 'separators', j -> 'separators', 'digits', j -> 'digits', "
                 "'levels', j -> 'levels', 'example', j -> 'example'))) AS s FROM (SELECT $2::jsonb AS j) AS x) "
                 "SELECT p.code FROM processes p, s WHERE p.org_id = $1 "
                 "AND zsz_scheme_category(s.s, p.code) IS DISTINCT FROM p.category "
                 "UNION ALL SELECT NULL FROM s WHERE zsz_scheme_category(s.s, ($2::jsonb) ->> 'example') IS NULL "
                 "ORDER BY 1 NULLS FIRST",
                 2, params);
}

enum db_status directory_q_scheme_put(struct db_tx *tx, const char *org, const char *scheme_json, struct result *res) {
  const char *params[] = {org, scheme_json};
  PGresult *r =
      db_exec(tx, "UPDATE organisations SET process_scheme = ($2::jsonb) ->> 'name' WHERE id = $1", 2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  PQclear(r);
  return record_exec(
      tx, res,
      "WITH j AS (SELECT $2::jsonb AS j) "
      "UPDATE process_schemes s SET "
      "management = ARRAY(SELECT jsonb_array_elements_text(j #> '{categories,management}')), "
      "core = ARRAY(SELECT jsonb_array_elements_text(j #> '{categories,core}')), "
      "support = ARRAY(SELECT jsonb_array_elements_text(j #> '{categories,support}')), "
      "separators = j ->> 'separators', digits = (j ->> 'digits')::integer, levels = (j ->> 'levels')::integer, "
      "example = j ->> 'example', revision = s.revision + 1, updated_at = now() FROM j WHERE s.org_id = $1 "
      "RETURNING zsz_process_scheme_json(s, (SELECT process_scheme FROM organisations WHERE id = $1))::text, "
      "s.revision",
      2, params, 200);
}
