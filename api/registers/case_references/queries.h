#ifndef ZSZ_CASE_REFERENCES_QUERIES_H
#define ZSZ_CASE_REFERENCES_QUERIES_H
/* The case-mark index's statement. Parameters are SQL text (NULL for SQL NULL). */

#include <libpq-fe.h>

#include "db.h"

/* What a lookup asks: each member NULL when not asked. case_key: the case a parsed mark
 * names (rows citing it however written); mark: a text that is no case mark, compared as
 * written. */
struct case_ref_filter {
  const char *case_key, *mark, *unit, *jrwa, *year, *entity;
};

/* The index rows of the organisation matching f that the caller (sub, roles as a SQL text[]
 * literal) may read (zsz_case_ref_readable), in (entity, record_id, field) order after the
 * cursor's keys (after: three texts or NULL), at most fetch. Column 0 the item's JSON, 1..3
 * the keys. NULL when the statement failed; the caller PQclear()s. */
PGresult *case_references_q_list(struct db_tx *tx, const char *org, const struct case_ref_filter *f, const char *sub,
                                 const char *roles, const char *const after[3], int fetch);

#endif
