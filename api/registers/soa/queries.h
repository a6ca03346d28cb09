#ifndef ZSZ_SOA_QUERIES_H
#define ZSZ_SOA_QUERIES_H
/* The Statement of Applicability's statements, one function each. ids and titles are the
 * built-in controls as text[] literals (controls.h); NULL is SQL NULL. */

#include "db.h"
#include "result.h"

/* The organisation's SoA over every control: 200 with its document. */
enum db_status soa_q_get(struct db_tx *tx, const char *org, const char *ids, const char *titles, struct result *res);
/* The SoA as CSV lines (column 0 of the one row: every line CRLF-terminated). */
PGresult *soa_q_csv(struct db_tx *tx, const char *org, const char *ids, const char *titles);
/* The SoA's state, created as a draft when the organisation has none yet, locked. */
struct locked_soa {
  char status[16];
  long long version;
  long long revision;
};
enum db_status soa_q_lock(struct db_tx *tx, const char *org, struct locked_soa *out);
/* Counts of body's risk_ids naming no risk of the organisation. */
enum db_status soa_q_missing_risks(struct db_tx *tx, const char *org, const char *body, long long *missing);
/* Writes the entry of control from body (an approved or returned SoA becomes a draft again,
 * an approved one as its next version). */
enum db_status soa_q_put(struct db_tx *tx, const char *org, const char *control, const char *body, const char *actor);
/* One control as the SoA lists it: 200 with its document. */
enum db_status soa_q_control(struct db_tx *tx, const char *org, const char *control, const char *title,
                             struct result *res);
/* The controls among ids that have no entry (rows: control). */
PGresult *soa_q_undecided(struct db_tx *tx, const char *org, const char *ids);
/* Takes the step to `to`; approving keeps a frozen snapshot as the version. */
enum db_status soa_q_step(struct db_tx *tx, const char *org, const char *to, const char *reason, const char *actor,
                          const char *ids, const char *titles);
/* An approved version: 200 with its snapshot, or 404. */
enum db_status soa_q_version(struct db_tx *tx, const char *org, const char *version, struct result *res);

#endif
