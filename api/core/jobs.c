#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <yder.h>

#include "jobs.h"
#include "ratestore.h"
#include "routes.h"

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_stop;
static int g_started;
static pthread_t g_thread;
static struct db_pool *g_pool;
static int g_interval;

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
  pthread_mutex_lock(&g_mu);
  while (!g_stop) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += g_interval;
    pthread_cond_timedwait(&g_cv, &g_mu, &until);
    if (g_stop) break;
    pthread_mutex_unlock(&g_mu);
    jobs_run_all(g_pool);
    pthread_mutex_lock(&g_mu);
  }
  pthread_mutex_unlock(&g_mu);
  return NULL;
}

int jobs_start(struct db_pool *pool, int interval_seconds) {
  g_pool = pool;
  g_interval = interval_seconds > 0 ? interval_seconds : 60;
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
