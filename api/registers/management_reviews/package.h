#ifndef ZSZ_MANAGEMENT_REVIEWS_PACKAGE_H
#define ZSZ_MANAGEMENT_REVIEWS_PACKAGE_H
/* The data package of a management review: built from the registers by the section builders
 * of package.c (one row each: a register adds its section there and nowhere else), frozen as
 * canonical JSON with its SHA-256, every version kept. */

#include <jansson.h>

#include "db.h"
#include "result.h"

/* The package of review id (of kind) as the registers say now: a new reference
 * {"review": {...}, "sections": {key: {"input", "title", "data"}}}, or NULL after the
 * database failed (tx->failed) or res was set. */
json_t *mr_package_build(struct db_tx *tx, const char *org, const char *id, const char *kind, struct result *res);

/* Builds and stores the next frozen version of review id: 1, or 0 after res was set / the
 * database failed. */
int mr_package_freeze(struct db_tx *tx, const char *org, const char *id, const char *kind, const char *actor,
                      struct result *res);

/* The canonical text of a package (rules.h: mr_canonical), a new string the caller frees, or
 * NULL after setting res (500: a package holds no fractional number by construction). */
char *mr_package_text(const json_t *package, struct result *res);

#endif
