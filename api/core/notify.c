/* The change-log listener (notify.h). */
#include "db.h"
#include "notify.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yder.h>

/* Organisations share counters by id modulo this: a shared counter only costs a waiter an
 * extra look at the log. */
#define SLOTS 256

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
/* the default clock (realtime): a clock step only makes one wait longer or shorter */
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;
static unsigned long long g_gen[SLOTS];
static int g_stopping;
static int g_waiters, g_max_waiters = 1;
static char *g_url;
static pthread_t g_thread;
static int g_running;

static unsigned slot_of(long long org) {
  return (unsigned)((unsigned long long)org % SLOTS);
}

static void bump(long long org, int all) {
  pthread_mutex_lock(&g_mu);
  if (all) {
    for (int i = 0; i < SLOTS; i++)
      g_gen[i]++;
  } else {
    g_gen[slot_of(org)]++;
  }
  pthread_cond_broadcast(&g_cond);
  pthread_mutex_unlock(&g_mu);
}

static int stopping(void) {
  pthread_mutex_lock(&g_mu);
  int s = g_stopping;
  pthread_mutex_unlock(&g_mu);
  return s;
}

static struct timespec deadline_in(int ms) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += ms / 1000;
  until.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  return until;
}

/* Sleeps ms unless the listener is asked to stop. */
static void pause_unless_stopping(int ms) {
  struct timespec until = deadline_in(ms);
  pthread_mutex_lock(&g_mu);
  while (!g_stopping && pthread_cond_timedwait(&g_cond, &g_mu, &until) != ETIMEDOUT) {
  }
  pthread_mutex_unlock(&g_mu);
}

static PGconn *listen_connect(void) {
  /* as the pool connects (db.c): with its connect_timeout, so an unreachable server cannot hold
   * the listener, and with it the server's shutdown, for the system's TCP timeout */
  char err[256];
  PGconn *pg = db_connect_owner(g_url, err, sizeof err);
  if (pg == NULL) {
    y_log_message(Y_LOG_LEVEL_WARNING, "change listener: cannot connect: %s", err);
    return NULL;
  }
  PGresult *r = PQexecParams(pg, "LISTEN zsz_changes", 0, NULL, NULL, NULL, NULL, 0);
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  PQclear(r);
  if (!ok) {
    y_log_message(Y_LOG_LEVEL_WARNING, "change listener: LISTEN failed: %s", PQerrorMessage(pg));
    PQfinish(pg);
    return NULL;
  }
  y_log_message(Y_LOG_LEVEL_INFO, "change listener: listening");
  return pg;
}

static void *listen_loop(void *arg) {
  (void)arg;
  PGconn *pg = NULL;
  while (!stopping()) {
    if (pg == NULL) {
      pg = listen_connect();
      if (pg == NULL) {
        pause_unless_stopping(1000);
        continue;
      }
      bump(0, 1); /* notifications may have been missed while away: everyone looks again */
    }
    /* wakes at least every 200 ms to see whether the server is stopping */
    struct pollfd p = {.fd = PQsocket(pg), .events = POLLIN};
    int n = poll(&p, 1, 200);
    if (n < 0 && errno != EINTR) {
      n = 0;
    }
    if (n > 0 && PQconsumeInput(pg) == 0) {
      y_log_message(Y_LOG_LEVEL_WARNING, "change listener: connection lost: %s", PQerrorMessage(pg));
      PQfinish(pg);
      pg = NULL;
      bump(0, 1);
      continue;
    }
    PGnotify *note;
    while ((note = PQnotifies(pg)) != NULL) {
      bump(atoll(note->extra), 0);
      PQfreemem(note);
    }
  }
  PQfinish(pg);
  return NULL;
}

int notify_start(const char *url, int max_waiters) {
  g_max_waiters = max_waiters > 0 ? max_waiters : 1;
  g_stopping = 0;
  if (url == NULL) {
    return 0;
  }
  g_url = strdup(url);
  if (g_url == NULL || pthread_create(&g_thread, NULL, listen_loop, NULL) != 0) {
    free(g_url);
    g_url = NULL;
    return -1;
  }
  g_running = 1;
  return 0;
}

void notify_stop(void) {
  pthread_mutex_lock(&g_mu);
  g_stopping = 1;
  pthread_cond_broadcast(&g_cond);
  /* let the waiters answer (each looks once more) before the HTTP server stops: 2 s at most */
  struct timespec until = deadline_in(2000);
  while (g_waiters > 0 && pthread_cond_timedwait(&g_cond, &g_mu, &until) != ETIMEDOUT) {
  }
  pthread_mutex_unlock(&g_mu);
  if (g_running) {
    pthread_join(g_thread, NULL);
    g_running = 0;
  }
  free(g_url);
  g_url = NULL;
}

unsigned long long notify_generation(long long org) {
  pthread_mutex_lock(&g_mu);
  unsigned long long gen = g_gen[slot_of(org)];
  pthread_mutex_unlock(&g_mu);
  return gen;
}

unsigned long long notify_wait(long long org, unsigned long long gen, int ms) {
  struct timespec until = deadline_in(ms);
  unsigned s = slot_of(org);
  pthread_mutex_lock(&g_mu);
  while (!g_stopping && g_gen[s] == gen && pthread_cond_timedwait(&g_cond, &g_mu, &until) != ETIMEDOUT) {
  }
  unsigned long long now = g_gen[s];
  pthread_mutex_unlock(&g_mu);
  return now;
}

int notify_enter(void) {
  pthread_mutex_lock(&g_mu);
  int ok = !g_stopping && g_waiters < g_max_waiters;
  if (ok) g_waiters++;
  pthread_mutex_unlock(&g_mu);
  return ok;
}

void notify_leave(void) {
  pthread_mutex_lock(&g_mu);
  if (--g_waiters == 0 && g_stopping) pthread_cond_broadcast(&g_cond);
  pthread_mutex_unlock(&g_mu);
}

int notify_stopping(void) {
  return stopping();
}
