/* Deadline events (issue 11; docs/design-deadlines.md): every ZSZ_DEADLINE_JOB_SECONDS, for
 * each organisation, one transaction as actor system:deadlines runs zsz_deadline_events_fire()
 * (migration 0032), which writes a change-log entry (entity deadline, action
 * deadline.due_soon or deadline.missed) for each statutory deadline entering a warning window
 * and for each deadline missed: incidents' uodo, csirt and subjects deadlines, overdue
 * nonconformity actions, process reviews past 15 August / 15 February.
 *
 * Several instances: the transaction first takes the (job, organisation) advisory lock without
 * waiting and skips the organisation when another instance holds it; and each event is a row
 * with a unique key (deadline, event, window), so a retry or a late second run fires nothing
 * twice. */
#include <stdlib.h>

#include "handlers.h"
#include "http.h"
#include "jobs.h"
#include "queries.h"

#define DEADLINE_EVENTS_JOB "deadline_events"

static void fire_work(struct db_tx *tx, void *arg, struct result *res) {
  (void)arg;
  int got = job_try_lock(tx, DEADLINE_EVENTS_JOB, tx->org_id);
  if (got <= 0) {
    res->status = got < 0 ? 0 : 200; /* another instance is firing this organisation's events */
    return;
  }
  if (deadline_events_q_fire(tx) == DB_ONE) {
    res->status = 200;
  }
}

static void organisations_work(struct db_tx *tx, void *arg, struct result *res) {
  PGresult **out = arg;
  PGresult *r = deadline_events_q_organisations(tx);
  if (r != NULL) {
    PQclear(*out);
    *out = r;
    res->status = 200;
  }
}

void deadline_events_fire(struct db_pool *pool) {
  PGresult *orgs = NULL;
  struct result res = {0};
  struct db_tx_opts opts = {.read_only = 1, .label = DEADLINE_EVENTS_JOB};
  db_run(pool, &opts, organisations_work, &orgs, &res, "housekeeping");
  result_reset(&res);
  for (int i = 0; orgs != NULL && i < PQntuples(orgs); i++) {
    struct db_tx_opts o = {
        .org_id = atoll(PQgetvalue(orgs, i, 0)), .actor = "system:deadlines", .label = DEADLINE_EVENTS_JOB};
    db_run(pool, &o, fire_work, NULL, &res, "housekeeping");
    result_reset(&res);
  }
  PQclear(orgs);
}
