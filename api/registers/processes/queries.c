#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "queries.h"
#include "render.h"

static const char *tf(int b) {
  return b ? "t" : "f";
}

enum db_status processes_q_code_category(struct db_tx *tx, const char *org, const char *code,
                                         struct process_code_check *out) {
  const char *params[] = {org, code};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT coalesce(zsz_scheme_category(s, $2), ''), "
                       "array_to_string(s.management || s.core || s.support, ', '), s.example "
                       "FROM process_schemes s WHERE s.org_id = $1",
                       2, params, &st);
  snprintf(out->category, sizeof out->category, "%s", st == DB_ONE ? PQgetvalue(r, 0, 0) : "");
  snprintf(out->prefixes, sizeof out->prefixes, "%s", st == DB_ONE ? PQgetvalue(r, 0, 1) : "");
  snprintf(out->example, sizeof out->example, "%s", st == DB_ONE ? PQgetvalue(r, 0, 2) : "");
  PQclear(r);
  return st;
}

enum db_status processes_q_check_refs(struct db_tx *tx, const char *org, const char *self, const char *owner,
                                      const char *parent, const char *unit, int ok[4]) {
  const char *params[] = {org, owner, parent, unit, self};
  PGresult *r = db_exec(tx,
                        "SELECT $2::text IS NULL OR EXISTS (SELECT 1 FROM users WHERE org_id = $1 AND sub = $2), "
                        "$3::bigint IS NULL OR EXISTS (SELECT 1 FROM processes WHERE org_id = $1 AND id = $3), "
                        "$4::bigint IS NULL OR EXISTS (SELECT 1 FROM org_units WHERE org_id = $1 AND id = $4), "
                        "$3::bigint IS NULL OR $5::bigint IS NULL OR NOT EXISTS ("
                        "  WITH RECURSIVE up(id) AS (SELECT $3::bigint UNION "
                        "    SELECT p.parent_id FROM processes p JOIN up ON p.id = up.id "
                        "    WHERE p.org_id = $1 AND p.parent_id IS NOT NULL) "
                        "  SELECT 1 FROM up WHERE id = $5)",
                        5, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  for (int i = 0; i < 4; i++)
    ok[i] = PQgetvalue(r, 0, i)[0] == 't';
  PQclear(r);
  return DB_ONE;
}

enum db_status processes_q_insert(struct db_tx *tx, const char *org, const struct process_values *v, const char *actor,
                                  struct result *res, char *id_out) {
  const char *params[] = {org,          v->code,  v->name,        v->category,
                          v->parent_id, v->owner, v->org_unit_id, v->description ? v->description : "",
                          actor};
  return record_create(
      tx, res,
      "WITH p AS (INSERT INTO processes (org_id, code, name, category, parent_id, owner, org_unit_id, description) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *), "
      "v AS (INSERT INTO process_versions (org_id, process_id, version, description, approved_by) "
      "SELECT org_id, id, 1, description, $9 FROM p) "
      "SELECT zsz_process_json(p)::text, p.revision, p.id FROM p",
      9, params, id_out);
}

/* A process as zsz_process_json() renders it, from its columns (render.h): reads select
 * PROCESS_COLUMNS, then the revision. */
static const struct render_col PROCESS_COLS[] = {
    {"id", RENDER_NUMBER},
    {"code", RENDER_TEXT},
    {"name", RENDER_TEXT},
    {"category", RENDER_TEXT},
    {"parent_id", RENDER_NUMBER},
    {"owner", RENDER_TEXT},
    {"org_unit_id", RENDER_NUMBER},
    {"description", RENDER_TEXT},
    {"status", RENDER_TEXT},
    {"version", RENDER_NUMBER},
    {"created_at", RENDER_TIMESTAMP},
    {"updated_at", RENDER_TIMESTAMP},
    {"provenance", RENDER_PROVENANCE},
};
#define PROCESS_COLUMNS                                                                                                \
  "p.id, p.code, p.name, p.category, p.parent_id, p.owner, p.org_unit_id, p.description, p.status, p.version, "        \
  "p.created_at, p.updated_at, p.import_id, p.revision"
const struct record_shape PROCESS_SHAPE = {
    .cols = PROCESS_COLS, .ncols = sizeof PROCESS_COLS / sizeof PROCESS_COLS[0], .id_col = 0, .revision_col = 13};

enum db_status processes_q_get(const struct req_ctx *c, struct db_tx *tx, const char *org, const char *id,
                               struct result *res) {
  const char *params[] = {org, id};
  return record_get_rendered(c, tx, res,
                             "SELECT " PROCESS_COLUMNS " FROM processes p WHERE p.org_id = $1 AND p.id = $2", 2, params,
                             &PROCESS_SHAPE, MSG_NOT_FOUND_PROCESS);
}

enum db_status processes_q_exists(struct db_tx *tx, const char *org, const char *id) {
  const char *params[] = {org, id};
  PGresult *r = db_exec(tx, "SELECT 1 FROM processes WHERE org_id = $1 AND id = $2", 2, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) > 0 ? DB_ONE : DB_NONE;
  PQclear(r);
  return st;
}

enum db_status processes_q_lock(struct db_tx *tx, const char *org, const char *id, struct locked_process *out) {
  const char *params[] = {org, id};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT status, coalesce(owner, ''), revision, description FROM processes "
                       "WHERE org_id = $1 AND id = $2 FOR UPDATE",
                       2, params, &st);
  if (r == NULL) {
    return st;
  }
  snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
  snprintf(out->owner, sizeof out->owner, "%s", PQgetvalue(r, 0, 1));
  out->revision = atoll(PQgetvalue(r, 0, 2));
  out->row = r;
  return DB_ONE;
}

enum db_status processes_q_update(struct db_tx *tx, const char *org, const char *id, const struct process_patch *sent,
                                  const struct process_values *v, const char *actor, struct result *res) {
  const char *params[] = {
      org,
      id,
      tf(sent->code),
      v->code,
      v->category,
      tf(sent->name),
      v->name,
      tf(sent->parent_id),
      v->parent_id,
      tf(sent->owner),
      v->owner,
      tf(sent->org_unit_id),
      v->org_unit_id,
      tf(sent->new_version),
      v->description,
      actor,
  };
  /* merge-patch: a field not sent keeps its value ($flag false), one sent as null clears it */
  return record_exec(tx, res,
                     "WITH p AS (UPDATE processes SET "
                     "code = CASE WHEN $3 THEN $4 ELSE code END, "
                     "category = CASE WHEN $3 THEN $5 ELSE category END, "
                     "name = CASE WHEN $6 THEN $7 ELSE name END, "
                     "parent_id = CASE WHEN $8 THEN $9::bigint ELSE parent_id END, "
                     "owner = CASE WHEN $10 THEN $11 ELSE owner END, "
                     "org_unit_id = CASE WHEN $12 THEN $13::bigint ELSE org_unit_id END, "
                     "description = CASE WHEN $14 THEN $15 ELSE description END, "
                     "version = version + CASE WHEN $14 THEN 1 ELSE 0 END, "
                     "revision = revision + 1, updated_at = now() "
                     "WHERE org_id = $1 AND id = $2 RETURNING *), "
                     "v AS (INSERT INTO process_versions (org_id, process_id, version, description, approved_by) "
                     "SELECT org_id, id, version, description, $16 FROM p WHERE $14) "
                     "SELECT zsz_process_json(p)::text, p.revision FROM p",
                     16, params, 200);
}

enum db_status processes_q_set_status(struct db_tx *tx, const char *org, const char *id, const char *status,
                                      struct result *res) {
  const char *params[] = {org, id, status};
  return record_exec(tx, res,
                     "UPDATE processes p SET status = $3, revision = revision + 1, updated_at = now() "
                     "WHERE org_id = $1 AND id = $2 RETURNING zsz_process_json(p)::text, p.revision",
                     3, params, 200);
}

/* One static statement per sort order: ORDER BY comes from this allow-list, never from
 * input, and each ordering can use its index. */
#define PROCESS_LIST_SQL(KEY, CAST, CMP, DIR)                                                                          \
  "SELECT " PROCESS_COLUMNS ", " KEY "::text, p.id::text FROM processes p "                                            \
  "WHERE p.org_id = $1 AND ($2::text IS NULL OR p.category = $2) AND ($3::text IS NULL OR p.owner = $3) "              \
  "AND ($4::text IS NULL OR p.status = $4) AND ($5::bigint IS NULL OR p.parent_id = $5) "                              \
  "AND ($6::text IS NULL OR p.search LIKE '%' || zsz_like_literal(zsz_fold($6)) || '%') "                              \
  "AND ($7::text IS NULL OR (" KEY ", p.id) " CMP " ($7::" CAST ", $8::bigint)) "                                      \
  "ORDER BY " KEY " " DIR ", p.id " DIR " LIMIT $9"

/* The same page without filters, the one frontends poll, in two statements whose every
 * condition is an index condition, so that their generic plan (db_exec_generic: planned once
 * per connection) is the custom one: the first page, and a page after a key; each with its
 * LIMIT a constant (PAGE_LIMIT_SMALL, _LARGE). */
#define PROCESS_FIRST_SQL(KEY, DIR, LIMIT)                                                                             \
  "SELECT " PROCESS_COLUMNS ", " KEY "::text, p.id::text FROM processes p WHERE p.org_id = $1 "                        \
  "ORDER BY " KEY " " DIR ", p.id " DIR " LIMIT " LIMIT
#define PROCESS_NEXT_SQL(KEY, CAST, CMP, DIR, LIMIT)                                                                   \
  "SELECT " PROCESS_COLUMNS ", " KEY "::text, p.id::text FROM processes p "                                            \
  "WHERE p.org_id = $1 AND (" KEY ", p.id) " CMP " ($2::" CAST ", $3::bigint) "                                        \
  "ORDER BY " KEY " " DIR ", p.id " DIR " LIMIT " LIMIT
/* The same pages' tags only: each record's id and revision, what the page's ETag covers
 * (page_render_shaped), for a conditional GET to answer 304 without reading the page. */
#define PROCESS_FIRST_TAG_SQL(KEY, DIR, LIMIT)                                                                         \
  "SELECT p.id, p.revision FROM processes p WHERE p.org_id = $1 ORDER BY " KEY " " DIR ", p.id " DIR " LIMIT " LIMIT
#define PROCESS_NEXT_TAG_SQL(KEY, CAST, CMP, DIR, LIMIT)                                                               \
  "SELECT p.id, p.revision FROM processes p WHERE p.org_id = $1 AND (" KEY ", p.id) " CMP " ($2::" CAST                \
  ", $3::bigint) ORDER BY " KEY " " DIR ", p.id " DIR " LIMIT " LIMIT
#define PROCESS_PAIR(MACRO, ...)                                                                                       \
  { MACRO(__VA_ARGS__, PAGE_LIMIT_SMALL), MACRO(__VA_ARGS__, PAGE_LIMIT_LARGE) }
#define PROCESS_SORT(NAME, KEY, CAST, CMP, DIR)                                                                        \
  {                                                                                                                    \
    NAME, PROCESS_LIST_SQL(KEY, CAST, CMP, DIR), PROCESS_PAIR(PROCESS_FIRST_SQL, KEY, DIR),                            \
        PROCESS_PAIR(PROCESS_NEXT_SQL, KEY, CAST, CMP, DIR), PROCESS_PAIR(PROCESS_FIRST_TAG_SQL, KEY, DIR),            \
        PROCESS_PAIR(PROCESS_NEXT_TAG_SQL, KEY, CAST, CMP, DIR)                                                        \
  }

static const struct {
  const char *name;
  const char *sql;                        /* any filter */
  const char *first[2];                   /* no filter, the first page (by page_limit_index) */
  const char *next[2];                    /* no filter, after a key */
  const char *first_tag[2], *next_tag[2]; /* the same two pages' ids and revisions */
} PROCESS_SORTS[] = {
    PROCESS_SORT("code", "p.code", "text", ">", "ASC"),
    PROCESS_SORT("-code", "p.code", "text", "<", "DESC"),
    PROCESS_SORT("name", "p.name", "text", ">", "ASC"),
    PROCESS_SORT("-name", "p.name", "text", "<", "DESC"),
    PROCESS_SORT("created_at", "p.created_at", "timestamptz", ">", "ASC"),
    PROCESS_SORT("-created_at", "p.created_at", "timestamptz", "<", "DESC"),
    PROCESS_SORT("updated_at", "p.updated_at", "timestamptz", ">", "ASC"),
    PROCESS_SORT("-updated_at", "p.updated_at", "timestamptz", "<", "DESC"),
};

static int sort_index(const char *sort) {
  for (size_t i = 0; i < sizeof PROCESS_SORTS / sizeof PROCESS_SORTS[0]; i++) {
    if (strcmp(PROCESS_SORTS[i].name, sort) == 0) {
      return (int)i;
    }
  }
  return -1;
}

int processes_sort_known(const char *sort) {
  return sort_index(sort) >= 0;
}

/* A search (q) runs its page in zsz_process_search_page (migration 0033): under row-level
 * security LIKE cannot use the trigram index, so the function, run as the owner, applies the
 * tenant rule itself and plans with the pattern known. Same columns, keys and order. */
#define PROCESS_SEARCH_SQL(KEY)                                                                                        \
  "SELECT " PROCESS_COLUMNS ", " KEY "::text, p.id::text "                                                             \
  "FROM zsz_process_search_page($1, $2, $3, $4, $5, $6, $7, $8, $9) WITH ORDINALITY AS p ORDER BY p.ordinality"

static const struct {
  const char *key;
  const char *sql;
} PROCESS_SEARCH_KEYS[] = {
    {"code", PROCESS_SEARCH_SQL("p.code")},
    {"name", PROCESS_SEARCH_SQL("p.name")},
    {"created_at", PROCESS_SEARCH_SQL("p.created_at")},
    {"updated_at", PROCESS_SEARCH_SQL("p.updated_at")},
};

PGresult *processes_q_list(struct db_tx *tx, const char *sort, const char *org, const char *const filter[5],
                           const char *after_key, const char *after_id, int fetch) {
  char n[12];
  int sorted = sort_index(sort);
  if (sorted < 0) {
    return NULL; /* not an allow-listed order: the work has no result, a 500 */
  }
  snprintf(n, sizeof n, "%d", fetch);
  int lim = page_limit_index(fetch);
  if (lim >= 0 && !filter[0] && !filter[1] && !filter[2] && !filter[3] && !filter[4]) {
    if (after_key == NULL) {
      const char *params[] = {org};
      return db_exec_generic(tx, PROCESS_SORTS[sorted].first[lim], 1, params);
    }
    const char *params[] = {org, after_key, after_id};
    return db_exec_generic(tx, PROCESS_SORTS[sorted].next[lim], 3, params);
  }
  if (filter[4] != NULL) {
    const char *key = sort[0] == '-' ? sort + 1 : sort;
    for (size_t i = 0; i < sizeof PROCESS_SEARCH_KEYS / sizeof PROCESS_SEARCH_KEYS[0]; i++) {
      if (strcmp(PROCESS_SEARCH_KEYS[i].key, key) == 0) {
        const char *params[] = {sort, filter[0], filter[1], filter[2], filter[3], filter[4], after_key, after_id, n};
        return db_exec(tx, PROCESS_SEARCH_KEYS[i].sql, 9, params);
      }
    }
    return NULL;
  }
  const char *params[] = {org, filter[0], filter[1], filter[2], filter[3], filter[4], after_key, after_id, n};
  return db_exec(tx, PROCESS_SORTS[sorted].sql, 9, params);
}

PGresult *processes_q_list_tags(struct db_tx *tx, const char *sort, const char *org, const char *after_key,
                                const char *after_id, int fetch) {
  int sorted = sort_index(sort);
  int lim = page_limit_index(fetch);
  if (sorted < 0 || lim < 0) {
    return NULL;
  }
  if (after_key == NULL) {
    const char *params[] = {org};
    return db_exec_generic(tx, PROCESS_SORTS[sorted].first_tag[lim], 1, params);
  }
  const char *params[] = {org, after_key, after_id};
  return db_exec_generic(tx, PROCESS_SORTS[sorted].next_tag[lim], 3, params);
}

PGresult *processes_q_versions(struct db_tx *tx, const char *org, const char *id, const char *after, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, id, after, n};
  return db_exec(tx,
                 "SELECT zsz_process_version_json(v)::text, v.version::text FROM process_versions v "
                 "WHERE v.org_id = $1 AND v.process_id = $2 AND ($3::integer IS NULL OR v.version > $3::integer) "
                 "ORDER BY v.version LIMIT $4",
                 4, params);
}

PGresult *change_requests_q_list(struct db_tx *tx, const char *org, const char *process_id, const char *status,
                                 const char *after, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, process_id, status, after, n};
  return db_exec(tx,
                 "SELECT zsz_change_request_json(r)::text, r.id::text FROM process_change_requests r "
                 "WHERE r.org_id = $1 AND r.process_id = $2 AND ($3::text IS NULL OR r.status = $3) "
                 "AND ($4::bigint IS NULL OR r.id > $4::bigint) ORDER BY r.id LIMIT $5",
                 5, params);
}

enum db_status change_requests_q_insert(struct db_tx *tx, const char *org, const char *process_id, const char *proposed,
                                        const char *reason, const char *actor, struct result *res, char *id_out) {
  const char *params[] = {org, process_id, proposed, reason, actor};
  return record_create(
      tx, res,
      "INSERT INTO process_change_requests AS r (org_id, process_id, proposed_description, reason, requested_by) "
      "VALUES ($1, $2, $3, $4, $5) RETURNING zsz_change_request_json(r)::text, r.revision, r.id",
      5, params, id_out);
}

enum db_status change_requests_q_get(struct db_tx *tx, const char *org, const char *process_id, const char *id,
                                     struct result *res) {
  const char *params[] = {org, process_id, id};
  return record_get(tx, res,
                    "SELECT zsz_change_request_json(r)::text, r.revision FROM process_change_requests r "
                    "WHERE r.org_id = $1 AND r.process_id = $2 AND r.id = $3",
                    3, params, MSG_NOT_FOUND_CHANGE_REQUEST);
}

enum db_status change_requests_q_lock(struct db_tx *tx, const char *org, const char *process_id, const char *id,
                                      struct locked_change_request *out) {
  const char *params[] = {org, process_id, id};
  enum db_status st;
  PGresult *r = db_row(tx,
                       "SELECT r.status, r.revision, p.status, r.proposed_description FROM process_change_requests r "
                       "JOIN processes p ON p.org_id = r.org_id AND p.id = r.process_id "
                       "WHERE r.org_id = $1 AND r.process_id = $2 AND r.id = $3 FOR UPDATE",
                       3, params, &st);
  if (r == NULL) {
    return st;
  }
  snprintf(out->status, sizeof out->status, "%s", PQgetvalue(r, 0, 0));
  out->revision = atoll(PQgetvalue(r, 0, 1));
  snprintf(out->process_status, sizeof out->process_status, "%s", PQgetvalue(r, 0, 2));
  out->row = r;
  return DB_ONE;
}

enum db_status change_requests_q_apply(struct db_tx *tx, const char *org, const char *process_id,
                                       const char *description, const char *actor, const char *cr_id) {
  const char *params[] = {org, process_id, description, actor, cr_id};
  PGresult *r =
      db_exec(tx,
              "WITH p AS (UPDATE processes SET description = $3, version = version + 1, "
              "revision = revision + 1, updated_at = now() WHERE org_id = $1 AND id = $2 RETURNING *) "
              "INSERT INTO process_versions (org_id, process_id, version, description, approved_by, change_request_id) "
              "SELECT org_id, id, version, description, $4, $5 FROM p",
              5, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  PQclear(r);
  return DB_ONE;
}

enum db_status change_requests_q_decide(struct db_tx *tx, const char *org, const char *id, const char *status,
                                        const char *actor, const char *reason, struct result *res) {
  const char *params[] = {org, id, status, actor, reason};
  return record_exec(tx, res,
                     "UPDATE process_change_requests r SET status = $3, decided_by = $4, decided_at = now(), "
                     "decision_reason = $5, revision = revision + 1 WHERE org_id = $1 AND id = $2 "
                     "RETURNING zsz_change_request_json(r)::text, r.revision",
                     5, params, 200);
}
