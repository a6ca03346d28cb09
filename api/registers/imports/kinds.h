#ifndef ZSZ_IMPORT_KINDS_H
#define ZSZ_IMPORT_KINDS_H
/* The kinds of bulk import (core/imports.h): one file each, kind_<name>.c, holding its row
 * checks and its set-based statements. A kind reuses its register's pure rules (process
 * codes, incident checks, periods) by including that register's header.
 *
 * The statements look up each key of a batch on its own, by a scalar subquery on the table's
 * unique key ("(SELECT true FROM users u WHERE u.org_id = $1 AND u.sub = x) IS NULL", not
 * "NOT EXISTS (...)"): PostgreSQL turns NOT EXISTS into an anti join, and planned for a batch
 * of many rows it hashed every user of the hall once per batch (31% of an objectives import
 * once the hall had 100,000 users); a scalar subquery stays an index probe per key. */

#include <time.h>

#include "imports.h"

extern const struct import_kind PROCESS_IMPORT;
extern const struct import_kind INCIDENT_IMPORT;
extern const struct import_kind READING_IMPORT;
extern const struct import_kind OBJECTIVE_IMPORT;

/* A timestamp member of a row (already checked as RFC 3339 with an offset) rewritten to UTC;
 * one later than now (plus a minute) is an error naming key. Returns the time, or -1 when the
 * member is absent or refused. */
time_t import_time(json_t *row, const char *key, time_t now, json_t *errors);

#endif
