#include <stdio.h>

#include "queries.h"

PGresult *changes_q_list(struct db_tx *tx, const char *org, const char *roles, const char *entity,
                         const char *record_id, const char *after, int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org, entity, record_id, after, n, roles};
  return db_exec(tx,
                 "SELECT zsz_change_json(c)::text, c.id::text FROM change_log c "
                 "WHERE c.org_id = $1 AND ($2::text IS NULL OR c.entity = $2) "
                 "AND ($3::text IS NULL OR c.record_id = $3) AND c.id > $4::bigint "
                 "AND zsz_change_visible(c.entity, c.record_id, $6::text[]) "
                 "ORDER BY c.id LIMIT $5",
                 6, params);
}
