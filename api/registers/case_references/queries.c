#include <stdio.h>

#include "queries.h"

PGresult *case_references_q_list(struct db_tx *tx, const char *org, const struct case_ref_filter *f, const char *sub,
                                 const char *roles, const char *const after[3], int fetch) {
  char n[12];
  snprintf(n, sizeof n, "%d", fetch);
  const char *params[] = {org,      f->case_key, f->mark,  f->unit, f->jrwa, f->year, f->entity,
                          after[0], after[1],    after[2], sub,     roles,   n};
  return db_exec(tx,
                 "SELECT zsz_case_ref_json(r)::text, r.entity, r.record_id::text, r.field FROM case_references r "
                 "WHERE r.org_id = $1 AND ($2::text IS NULL OR r.case_key = $2) "
                 "AND ($3::text IS NULL OR r.znak_sprawy = $3) AND ($4::text IS NULL OR r.unit = $4) "
                 "AND ($5::text IS NULL OR r.jrwa = $5) AND ($6::integer IS NULL OR r.year = $6) "
                 "AND ($7::text IS NULL OR r.entity = $7) "
                 "AND ($8::text IS NULL OR (r.entity, r.record_id, r.field) > ($8, $9::bigint, $10)) "
                 "AND zsz_case_ref_readable(r, $11, $12::text[]) "
                 "ORDER BY r.entity, r.record_id, r.field LIMIT $13",
                 13, params);
}
