/* Importing processes: matched by code; the category follows from the code and the
 * organisation's scheme (its regular expressions computed once per statement by
 * zsz_scheme_regexes, each code matched by zsz_code_category); parent, owner and unit named by
 * code and sub; the first approved version keeps its approver and date. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kinds.h"
#include "validate.h"

static const char *const STATUSES[] = {"active", "retired", NULL};

static const struct field_spec FIELDS[] = {
    {.name = "code", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 32},
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "parent", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 32},
    {.name = "owner", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "org_unit", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 1, .max_len = 32},
    {.name = "description", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "status", .type = VT_STRING, .one_of = STATUSES},
    {.name = "created_at", .type = VT_TIMESTAMP},
    {.name = "approved_by", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "approved_at", .type = VT_TIMESTAMP},
    {0},
};

struct state {
  time_t now;
};

static int begin(struct db_tx *tx, struct req_ctx *c, void **out) {
  (void)tx;
  (void)c;
  struct state *s = calloc(1, sizeof *s);
  if (s == NULL) return -1;
  s->now = time(NULL);
  *out = s;
  return 0;
}

static json_t *check(void *state, const json_t *in, json_t *errors, char *key, size_t keylen) {
  struct state *s = state;
  json_t *row = json_deep_copy(in);
  import_coerce(row, FIELDS);
  validate_object(row, FIELDS, VALIDATE_CREATE, errors);
  const char *code = json_string_value(json_object_get(row, "code"));
  if (code != NULL) {
    snprintf(key, keylen, "%s", code);
  }
  time_t created = import_time(row, "created_at", s->now, errors);
  time_t approved = import_time(row, "approved_at", s->now, errors);
  if (created != (time_t)-1 && approved != (time_t)-1 && approved < created) {
    errors_add(errors, "approved_at", MSG_BEFORE, "created_at");
  }
  const char *parent = json_string_value(json_object_get(row, "parent"));
  if (parent && code && strcmp(parent, code) == 0) {
    errors_add(errors, "parent", MSG_IMPORT_UNKNOWN_PROCESS);
  }
  if (json_array_size(errors) > 0) {
    json_decref(row);
    return NULL;
  }
  return row;
}

static const char *refers_to(const json_t *staged) {
  return json_string_value(json_object_get(staged, "parent"));
}

/* The batch, its keys as columns of their own and the records they name looked up one key at a
 * time (scalar subqueries, on the indexes). Why: the tables are read as zsz_app under
 * row-level security, where a join on an expression such as e->>'code' (not leakproof) cannot
 * use an index; and the import itself grows the processes table under statistics that still
 * describe it as it was, so a join the planner chose by them would read all of the
 * organisation's processes once per batch. */
#define BATCH                                                                                                          \
  "b AS MATERIALIZED (SELECT j.*, "                                                                                    \
  "  (SELECT p.id FROM processes p WHERE p.org_id = $1 AND p.code = j.code) AS existing_id, "                          \
  "  (SELECT p.id FROM processes p WHERE p.org_id = $1 AND p.code = j.parent) AS parent_id, "                          \
  "  (SELECT u.id FROM org_units u WHERE u.org_id = $1 AND u.code = j.org_unit) AS org_unit_id "                       \
  "  FROM (SELECT (e->>'n')::integer AS n, e, e->>'code' AS code, e->>'parent' AS parent, e->>'owner' AS owner, "      \
  "  e->>'approved_by' AS approved_by, e->>'org_unit' AS org_unit FROM jsonb_array_elements($2::jsonb) e) j)"

/* One statement per batch: its problems (rows n, field, code, existing_id, as check_batch
 * answers them) and, when it has none and write is true, its rows written, counted in a last
 * row (n NULL, created, updated). One statement rather than a check and a write: the batch is
 * parsed, its keys looked up and its codes matched against the scheme once (they were 15% of
 * an import of 100,000). */
static const char CHECK_AND_WRITE[] =
    "WITH " BATCH ", "
    "rx AS MATERIALIZED (SELECT zsz_scheme_regexes(s) AS rx FROM process_schemes s WHERE s.org_id = $1), "
    "bc AS MATERIALIZED (SELECT b.*, zsz_code_category(b.code, rx.rx) AS category FROM b, rx), "
    "errs AS MATERIALIZED (SELECT bc.n, 'code' AS field, 'exists' AS code, bc.existing_id::text AS existing "
    "  FROM bc WHERE bc.existing_id IS NOT NULL AND $5 = 'insert' "
    "UNION ALL SELECT bc.n, f.f, 'unknown_user', NULL FROM bc, "
    "  LATERAL (VALUES ('owner', bc.owner), ('approved_by', bc.approved_by)) AS f(f, sub) "
    "  WHERE f.sub IS NOT NULL AND (SELECT true FROM users u WHERE u.org_id = $1 AND u.sub = f.sub) IS NULL "
    "UNION ALL SELECT bc.n, 'org_unit', 'unknown_unit', NULL FROM bc WHERE bc.org_unit IS NOT NULL "
    "  AND bc.org_unit_id IS NULL "
    "UNION ALL SELECT bc.n, 'parent', 'unknown_process', NULL FROM bc WHERE bc.parent IS NOT NULL "
    "  AND bc.parent_id IS NULL "
    "UNION ALL SELECT bc.n, 'code', 'process_code', NULL FROM bc WHERE bc.category IS NULL), "
    "go AS MATERIALIZED (SELECT $6::boolean AND NOT EXISTS (SELECT 1 FROM errs) AS go), "
    "src AS (SELECT bc.code, e->>'name' AS name, bc.category, bc.parent_id, bc.owner, bc.org_unit_id, "
    "  coalesce(e->>'description', '') AS description, coalesce(e->>'status', 'active') AS status, "
    "  coalesce((e->>'created_at')::timestamptz, now()) AS created_at, "
    "  coalesce(e->>'approved_by', $4) AS approved_by, "
    "  coalesce((e->>'approved_at')::timestamptz, (e->>'created_at')::timestamptz, now()) AS approved_at "
    "  FROM bc, go WHERE go.go), "
    "old AS MATERIALIZED (SELECT (SELECT p FROM processes p WHERE p.org_id = $1 AND p.id = bc.existing_id) AS p "
    "  FROM bc, go WHERE go.go AND bc.existing_id IS NOT NULL), "
    "up AS (INSERT INTO processes AS p (org_id, code, name, category, parent_id, owner, org_unit_id, description, "
    "  status, created_at, updated_at, import_id) "
    "  SELECT $1, code, name, category, parent_id, owner, org_unit_id, description, status, created_at, "
    "  greatest(created_at, approved_at), $3::bigint FROM src "
    "  ON CONFLICT (org_id, code) DO UPDATE SET name = excluded.name, category = excluded.category, "
    "  parent_id = excluded.parent_id, owner = excluded.owner, org_unit_id = excluded.org_unit_id, "
    "  description = excluded.description, status = excluded.status, "
    "  version = p.version + (p.description IS DISTINCT FROM excluded.description)::integer, "
    "  revision = p.revision + 1, updated_at = now(), import_id = excluded.import_id "
    "  WHERE (p.name, p.category, p.parent_id, p.owner, p.org_unit_id, p.description, p.status) "
    "  IS DISTINCT FROM (excluded.name, excluded.category, excluded.parent_id, excluded.owner, "
    "  excluded.org_unit_id, excluded.description, excluded.status) "
    "  RETURNING p.*, (p.xmax = 0) AS created), "
    "v AS (INSERT INTO process_versions (org_id, process_id, version, description, approved_by, approved_at) "
    "  SELECT $1, up.id, up.version, up.description, src.approved_by, "
    "  CASE WHEN up.created THEN src.approved_at ELSE now() END FROM up JOIN src USING (code) "
    "  WHERE up.created OR NOT EXISTS (SELECT 1 FROM process_versions pv WHERE pv.org_id = $1 "
    "  AND pv.process_id = up.id AND pv.version = up.version)), "
    "log AS (INSERT INTO change_log (org_id, entity, record_id, action, actor, before, after) "
    "  SELECT $1, 'process', up.id::text, 'import', " IMPORT_LOG_ACTOR ", "
    "  to_jsonb(old.p) - '{org_id,search}'::text[], to_jsonb(up) - '{org_id,search,created}'::text[] "
    "  FROM up LEFT JOIN old ON (old.p).id = up.id ORDER BY up.id) "
    "SELECT n, field, code, existing FROM errs "
    "UNION ALL SELECT NULL, (SELECT count(*) FROM up WHERE created)::text, "
    "  (SELECT count(*) FROM up WHERE NOT created)::text, NULL "
    "ORDER BY 1, 2";

static void check_and_write(const struct req_ctx *c, const struct import_batch *b, int write,
                            struct import_statement *out) {
  const char *params[] = {c->org_param, b->json, b->import_id, c->who.sub, b->mode, write ? "t" : "f"};
  *out = (struct import_statement){.sql = CHECK_AND_WRITE, .nparams = 6};
  memcpy(out->params, params, sizeof params);
}

const struct import_kind PROCESS_IMPORT = {
    .name = "processes",
    .batch = 1000,
    .tables = "{processes,process_versions}",
    .begin = begin,
    .end = free,
    .check = check,
    .refers_to = refers_to,
    .check_and_write = check_and_write,
};
