/* The imports register's statements. */
#include <stdio.h>

#include "queries.h"

PGresult *imports_q_list(struct db_tx *tx, const char *org, const char *roles, const char *kind, const char *after,
                         int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, roles, kind, after, n};
  return db_exec(tx,
                 "SELECT zsz_import_json(i)::text, i.id::text FROM imports i "
                 "WHERE i.org_id = $1 AND zsz_import_visible(i.kind, $2::text[]) AND ($3::text IS NULL OR i.kind = $3) "
                 "AND ($4::text IS NULL OR i.id < $4::bigint) ORDER BY i.id DESC LIMIT $5::integer",
                 5, params);
}

enum db_status imports_q_get(struct db_tx *tx, const char *org, const char *roles, const char *id, struct result *res) {
  const char *params[] = {org, id, roles};
  return document_get(tx, res,
                      "SELECT zsz_import_json(i)::text FROM imports i WHERE i.org_id = $1 AND i.id = $2 "
                      "AND zsz_import_visible(i.kind, $3::text[])",
                      3, params, MSG_NOT_FOUND_IMPORT);
}

enum db_status imports_q_purge(struct db_tx *tx, const char *org) {
  const char *params[] = {org};
  return db_command(tx, "DELETE FROM idempotency_keys WHERE org_id = $1 AND expires_at < now()", 1, params);
}
