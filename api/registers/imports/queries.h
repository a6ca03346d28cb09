#ifndef ZSZ_IMPORTS_QUERIES_H
#define ZSZ_IMPORTS_QUERIES_H
/* The imports register's statements, one function each. */
#include "db.h"
#include "http.h"

PGresult *imports_q_list(struct db_tx *tx, const char *org, const char *roles, const char *kind, const char *after,
                         int fetch);
enum db_status imports_q_get(struct db_tx *tx, const char *org, const char *roles, const char *id, struct result *res);
enum db_status imports_q_purge(struct db_tx *tx, const char *org);

#endif
