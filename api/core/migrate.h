#ifndef ZSZ_MIGRATE_H
#define ZSZ_MIGRATE_H
/* Forward-only numbered SQL migrations (NNNN_name.sql), each applied in one transaction and
 * recorded in schema_migrations. Concurrent starts serialise on an advisory lock. */

#include <stddef.h>

/* Applies pending migrations from dir over url. Returns the highest version now applied, or
 * -1 with a message in err. */
int migrate_apply(const char *url, const char *dir, char *err, size_t errlen);

/* Highest version present in dir, or -1. */
int migrate_latest(const char *dir);

#endif
