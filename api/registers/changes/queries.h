#ifndef ZSZ_CHANGES_QUERIES_H
#define ZSZ_CHANGES_QUERIES_H
/* The change feed's statements. Parameters are SQL text (NULL for SQL NULL). */

#include <libpq-fe.h>

#include "db.h"
#include "render.h"

/* A feed entry as zsz_feed_entry renders it (migration 0030, the webhooks' bodies), from
 * columns: id, at, entity, record_id, action, actor, record (JSON). */
extern const struct record_shape FEED_ENTRY_SHAPE;
#define FEED_ENTRY_KEY_COL 7 /* the entry's xid; its id follows */

/* The feed position (xid, decimal) of the organisation's entry id into xid (room for 24):
 * DB_ONE, DB_NONE when the organisation has no such entry, DB_ERROR. */
enum db_status changes_q_position(struct db_tx *tx, const char *org, const char *id, char *xid);

/* Entries of the organisation's change log after the position (xid, id), in feed order
 * (xid, id), at most fetch, only those whose transaction is older than every transaction
 * still running (so that what is served never changes: migration 0030), about one of
 * entities (a SQL text[] literal) and record_id and written at or after since (RFC 3339) when
 * given, and only those the caller (roles, a SQL text[] literal, and sub) may see: the
 * columns of FEED_ENTRY_SHAPE (the envelope, and the record as zsz_feed_record renders it),
 * then the entry's xid and id (the page's keys). NULL when the statement failed; the caller
 * PQclear()s. */
PGresult *changes_q_list(struct db_tx *tx, const char *org, const char *roles, const char *sub, const char *xid,
                         const char *id, const char *entities, const char *record_id, const char *since, int fetch);

#endif
