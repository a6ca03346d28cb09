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

void deadline_events_fire(struct db_pool *pool) {
  jobs_each_organisation(pool, DEADLINE_EVENTS_JOB, "system:deadlines", DEADLINE_EVENTS_JOB, deadline_events_q_fire);
}
