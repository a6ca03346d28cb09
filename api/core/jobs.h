#ifndef ZSZ_JOBS_H
#define ZSZ_JOBS_H
/* Periodic work that falls due with time, not with a request (surveys closing at closes_at,
 * ...). Each register lists its jobs; one thread runs them, each on its clock: every
 * ZSZ_HOUSEKEEPING_SECONDS, or every ZSZ_DEADLINE_JOB_SECONDS (struct job, routes.h).
 * Several instances may share one database: each transaction of a job first takes
 * job_try_lock for its (job, organisation) and skips its work when another instance holds it,
 * so no lock outlives a transaction (nothing is kept on a pooled connection). */

#include "db.h"
#include "routes.h"

/* Starts the runner thread over the registers' jobs (routes_registers()), the jobs of clock k
 * every periods[k] seconds. 0 when started. */
int jobs_start(struct db_pool *pool, const int periods[JOB_CLOCKS]);
/* Stops it and waits for a running job to finish. */
void jobs_stop(void);
/* Takes the transaction-level advisory lock of (job, organisation) without waiting: 1 taken,
 * 0 held by another instance, -1 the statement failed. */
int job_try_lock(struct db_tx *tx, const char *job, long long org_id);

/* A job's work for one organisation, in a transaction of that organisation (its tenant set)
 * once the job's lock for it is taken; org is its id as text (a SQL parameter). DB_ONE when
 * done, DB_ERROR when a statement failed. */
typedef enum db_status (*job_org_work)(struct db_tx *tx, const char *org);
/* Runs work for every organisation, each in a transaction of its own (actor: the change-log
 * actor of its writes; label: what runs, for logs), skipping an organisation whose (job,
 * organisation) lock another instance holds. */
void jobs_each_organisation(struct db_pool *pool, const char *job, const char *actor, const char *label,
                            job_org_work work);

/* Starts the registers' background work (zsz_register.start) in order: 0, or -1 after
 * stopping what had started. services_stop stops it in reverse order. */
int services_start(struct db_pool *pool);
void services_stop(void);

/* Runs every job once now (tests, and the runner itself). */
void jobs_run_all(struct db_pool *pool);

#endif
