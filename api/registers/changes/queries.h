#ifndef ZSZ_CHANGES_QUERIES_H
#define ZSZ_CHANGES_QUERIES_H
/* The change feed's statement. Parameters are SQL text (NULL for SQL NULL). */

#include <libpq-fe.h>

#include "db.h"

/* Entries of the organisation's change log with an id above after (decimal), in id order, at
 * most fetch, about entity and record_id when given, and only those the caller's roles (a
 * SQL text[] literal) may read (zsz_change_visible, migration 0008). Column 0 the entry's
 * JSON document, column 1 its id. NULL when the statement failed; the caller PQclear()s. */
PGresult *changes_q_list(struct db_tx *tx, const char *org, const char *roles, const char *entity,
                         const char *record_id, const char *after, int fetch);

#endif
