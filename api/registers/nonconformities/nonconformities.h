#ifndef ZSZ_NONCONFORMITIES_H
#define ZSZ_NONCONFORMITIES_H
/* Opening a nonconformity card, shared by the register and by audit findings. */

#include <jansson.h>

#include "db.h"
#include "result.h"

/* Opens a card in tx from validated fields {source, source_ref?, severity, process_id, owner?,
 * description, correction?} (the fields are read here and passed to SQL as values), with its
 * first history entry; audit_id and finding_id may be NULL. The owner defaults to the process
 * owner. Returns the new id, or -1 with res set (422 naming owner when there is none) or
 * after the statement failed (tx->failed). */
long long nonconformity_open(struct db_tx *tx, const char *org, const json_t *fields, const char *audit_id,
                             const char *finding_id, const char *actor, struct result *res);

#endif
