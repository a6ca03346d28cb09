#include <stdio.h>
#include <stdlib.h>

#include "metrics.h"
#include "routes.h"
#include "strbuf.h"

/* Sized from the route table at first use: every route has its own counters. */
#define STATUS_MIN 100
#define STATUS_SPAN 500

static const double BUCKETS[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBUCKETS (sizeof BUCKETS / sizeof BUCKETS[0])

/* slot 0 is "no route"; slot i+1 is ROUTES[i] */
struct route_counters {
  unsigned long requests[STATUS_SPAN];
  unsigned long buckets[NBUCKETS];
  unsigned long count;
  unsigned long sum_us;
};
static struct route_counters *g_slots;
static size_t g_nslots;

int metrics_init(void) {
  free(g_slots);
  g_nslots = ROUTE_COUNT + 1;
  g_slots = calloc(g_nslots, sizeof *g_slots);
  return g_slots ? 0 : -1;
}

void metrics_free(void) {
  free(g_slots);
  g_slots = NULL;
  g_nslots = 0;
}

void metrics_observe(int route, int status, double seconds) {
  if (g_slots == NULL) {
    return;
  }
  size_t slot = (route >= 0 && (size_t)route + 1 < g_nslots) ? (size_t)route + 1 : 0;
  if (status >= STATUS_MIN && status < STATUS_MIN + STATUS_SPAN) {
    __atomic_fetch_add(&g_slots[slot].requests[status - STATUS_MIN], 1, __ATOMIC_RELAXED);
  }
  for (size_t b = 0; b < NBUCKETS; b++) {
    if (seconds <= BUCKETS[b]) {
      __atomic_fetch_add(&g_slots[slot].buckets[b], 1, __ATOMIC_RELAXED);
      break; /* cumulative counts are summed when rendering */
    }
  }
  __atomic_fetch_add(&g_slots[slot].count, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&g_slots[slot].sum_us, (unsigned long)(seconds * 1e6), __ATOMIC_RELAXED);
}

static void label(char *buf, size_t len, int slot) {
  if (slot == 0) {
    snprintf(buf, len, "method=\"\",route=\"unmatched\"");
  } else {
    snprintf(buf, len, "method=\"%s\",route=\"%s\"", ROUTES[slot - 1]->method, ROUTES[slot - 1]->path);
  }
}

char *metrics_render(int pool_in_use, int pool_size) {
  struct strbuf b = {0};
  char line[1200], lab[256];
  size_t slots = g_slots ? g_nslots : 0;
  strbuf_puts(&b, "# HELP zsz_http_requests_total HTTP requests by route and status.\n"
                  "# TYPE zsz_http_requests_total counter\n");
  for (size_t s = 0; s < slots; s++) {
    label(lab, sizeof lab, (int)s);
    for (int st = 0; st < STATUS_SPAN; st++) {
      unsigned long n = __atomic_load_n(&g_slots[s].requests[st], __ATOMIC_RELAXED);
      if (n) {
        snprintf(line, sizeof line, "zsz_http_requests_total{%s,status=\"%d\"} %lu\n", lab, st + STATUS_MIN, n);
        strbuf_puts(&b, line);
      }
    }
  }
  strbuf_puts(&b, "# HELP zsz_http_request_duration_seconds Time from request to response.\n"
                  "# TYPE zsz_http_request_duration_seconds histogram\n");
  for (size_t s = 0; s < slots; s++) {
    unsigned long count = __atomic_load_n(&g_slots[s].count, __ATOMIC_RELAXED), cumulative = 0;
    if (count == 0) {
      continue;
    }
    label(lab, sizeof lab, (int)s);
    for (size_t k = 0; k < NBUCKETS; k++) {
      cumulative += __atomic_load_n(&g_slots[s].buckets[k], __ATOMIC_RELAXED);
      snprintf(line, sizeof line, "zsz_http_request_duration_seconds_bucket{%s,le=\"%g\"} %lu\n", lab, BUCKETS[k],
               cumulative);
      strbuf_puts(&b, line);
    }
    snprintf(line, sizeof line,
             "zsz_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %lu\n"
             "zsz_http_request_duration_seconds_sum{%s} %.6f\n"
             "zsz_http_request_duration_seconds_count{%s} %lu\n",
             lab, count, lab, (double)__atomic_load_n(&g_slots[s].sum_us, __ATOMIC_RELAXED) / 1e6, lab, count);
    strbuf_puts(&b, line);
  }
  snprintf(line, sizeof line,
           "# HELP zsz_db_pool_in_use Database connections checked out.\n"
           "# TYPE zsz_db_pool_in_use gauge\nzsz_db_pool_in_use %d\n"
           "# HELP zsz_db_pool_size Database connections in the pool.\n"
           "# TYPE zsz_db_pool_size gauge\nzsz_db_pool_size %d\n",
           pool_in_use, pool_size);
  strbuf_puts(&b, line);
  return strbuf_steal(&b);
}
