#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#include "jobs.h"
#include "result.h"
#include "ratestore.h"
#include "routes.h"

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_stop;
static int g_started;
static pthread_t g_thread;
static struct db_pool *g_pool;
static int g_periods[JOB_CLOCKS];

int job_try_lock(struct db_tx *tx, const char *job, long long org_id) {
  char org[24];
  snprintf(org, sizeof org, "%lld", org_id);
  const char *params[] = {job, org};
  PGresult *r = db_exec(tx, "SELECT pg_try_advisory_xact_lock(hashtext($1), $2::integer)", 2, params);
  if (r == NULL) {
    return -1;
  }
  int got = PQgetvalue(r, 0, 0)[0] == 't';
  PQclear(r);
  return got;
}

static void organisations_work(struct db_tx *tx, void *arg, struct result *res) {
  PGresult **out = arg;
  PGresult *r = db_exec(tx, "SELECT id FROM organisations ORDER BY id", 0, NULL);
  if (r != NULL) {
    PQclear(*out);
    *out = r;
    res->status = 200;
  }
}

struct org_job {
  const char *job;
  job_org_work work;
};

static void org_job_work(struct db_tx *tx, void *arg, struct result *res) {
  const struct org_job *j = arg;
  int got = job_try_lock(tx, j->job, tx->org_id);
  if (got <= 0) {
    res->status = got < 0 ? 0 : 200; /* another instance is doing this organisation's share */
    return;
  }
  char org[24];
  snprintf(org, sizeof org, "%lld", tx->org_id);
  if (j->work(tx, org) == DB_ONE) res->status = 200;
}

void jobs_each_organisation(struct db_pool *pool, const char *job, const char *actor, const char *label,
                            job_org_work work) {
  PGresult *orgs = NULL;
  struct result res = {0};
  struct db_tx_opts opts = {.read_only = 1, .label = label};
  db_run(pool, &opts, organisations_work, &orgs, &res, "housekeeping");
  result_reset(&res);
  struct org_job j = {.job = job, .work = work};
  for (int i = 0; orgs != NULL && i < PQntuples(orgs); i++) {
    struct db_tx_opts o = {.org_id = atoll(PQgetvalue(orgs, i, 0)), .actor = actor, .label = label};
    db_run(pool, &o, org_job_work, &j, &res, "housekeeping");
    result_reset(&res);
  }
  PQclear(orgs);
}

void jobs_run_all(struct db_pool *pool) {
  size_t nregs;
  const struct zsz_register *const *regs = routes_registers(&nregs);
  for (size_t r = 0; r < nregs; r++) {
    for (size_t j = 0; j < regs[r]->njobs; j++) {
      regs[r]->jobs[j].run(pool);
    }
  }
  ratestore_prune(pool); /* the core's own: the shared rate limit's refilled buckets */
}

/* The runner wakes at the shortest period and runs the jobs of each clock whose period has
 * passed since that clock last ran (monotonic time: a wall-clock step moves nothing). */
static void run_due(const struct timespec *now, struct timespec last[JOB_CLOCKS]) {
  int due[JOB_CLOCKS];
  for (int k = 0; k < JOB_CLOCKS; k++) {
    long long elapsed_ms =
        (long long)(now->tv_sec - last[k].tv_sec) * 1000 + (now->tv_nsec - last[k].tv_nsec) / 1000000;
    /* half a second early still counts: the runner's wake-up is not exact */
    due[k] = elapsed_ms + 500 >= (long long)g_periods[k] * 1000;
    if (due[k]) {
      last[k] = *now;
    }
  }
  size_t nregs;
  const struct zsz_register *const *regs = routes_registers(&nregs);
  for (size_t r = 0; r < nregs; r++) {
    for (size_t j = 0; j < regs[r]->njobs; j++) {
      const struct job *job = &regs[r]->jobs[j];
      if ((int)job->clock >= 0 && job->clock < JOB_CLOCKS && due[job->clock]) {
        job->run(g_pool);
      }
    }
  }
  if (due[JOB_CLOCK_HOUSEKEEPING]) {
    ratestore_prune(g_pool);
  }
}

static size_t g_services_started;

int services_start(struct db_pool *pool) {
  size_t nregs;
  const struct zsz_register *const *regs = routes_registers(&nregs);
  for (g_services_started = 0; g_services_started < nregs; g_services_started++) {
    const struct zsz_register *r = regs[g_services_started];
    if (r->start != NULL && r->start(pool) != 0) {
      y_log_message(Y_LOG_LEVEL_ERROR, "register %s: its background work cannot start", r->name);
      services_stop();
      return -1;
    }
  }
  return 0;
}

void services_stop(void) {
  size_t nregs;
  const struct zsz_register *const *regs = routes_registers(&nregs);
  while (g_services_started > 0) {
    const struct zsz_register *r = regs[--g_services_started];
    if (r->stop != NULL) r->stop();
  }
}

static void *loop(void *arg) {
  (void)arg;
  struct timespec last[JOB_CLOCKS], now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  for (int k = 0; k < JOB_CLOCKS; k++) {
    last[k] = now;
  }
  int tick = g_periods[0];
  for (int k = 1; k < JOB_CLOCKS; k++) {
    tick = g_periods[k] < tick ? g_periods[k] : tick;
  }
  pthread_mutex_lock(&g_mu);
  while (!g_stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += tick;
    pthread_cond_timedwait(&g_cv, &g_mu, &until);
    if (g_stop) break;
    pthread_mutex_unlock(&g_mu);
    clock_gettime(CLOCK_MONOTONIC, &now);
    run_due(&now, last);
    pthread_mutex_lock(&g_mu);
  }
  pthread_mutex_unlock(&g_mu);
  return NULL;
}

int jobs_start(struct db_pool *pool, const int periods[JOB_CLOCKS]) {
  g_pool = pool;
  for (int k = 0; k < JOB_CLOCKS; k++) {
    g_periods[k] = periods[k] > 0 ? periods[k] : 60;
  }
  g_stop = 0;
  g_started = pthread_create(&g_thread, NULL, loop, NULL) == 0;
  return g_started ? 0 : -1;
}

void jobs_stop(void) {
  if (!g_started) {
    return;
  }
  pthread_mutex_lock(&g_mu);
  g_stop = 1;
  pthread_cond_signal(&g_cv);
  pthread_mutex_unlock(&g_mu);
  pthread_join(g_thread, NULL);
  g_started = 0;
}
