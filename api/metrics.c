#include <stdio.h>
#include <stdlib.h>

#include "metrics.h"
#include "routes.h"
#include "strbuf.h"

#define MAX_ROUTES 64
#define STATUS_MIN 100
#define STATUS_SPAN 500

static const double BUCKETS[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBUCKETS (sizeof BUCKETS / sizeof BUCKETS[0])

/* slot 0 is "no route"; slot i+1 is ROUTES[i] */
static unsigned long g_requests[MAX_ROUTES + 1][STATUS_SPAN];
static unsigned long g_buckets[MAX_ROUTES + 1][NBUCKETS];
static unsigned long g_count[MAX_ROUTES + 1];
static unsigned long g_sum_us[MAX_ROUTES + 1];

void metrics_observe(int route, int status, double seconds) {
  int slot = (route >= 0 && route < MAX_ROUTES) ? route + 1 : 0;
  if (status >= STATUS_MIN && status < STATUS_MIN + STATUS_SPAN) {
    __atomic_fetch_add(&g_requests[slot][status - STATUS_MIN], 1, __ATOMIC_RELAXED);
  }
  for (size_t b = 0; b < NBUCKETS; b++) {
    if (seconds <= BUCKETS[b]) {
      __atomic_fetch_add(&g_buckets[slot][b], 1, __ATOMIC_RELAXED);
      break; /* cumulative counts are summed when rendering */
    }
  }
  __atomic_fetch_add(&g_count[slot], 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&g_sum_us[slot], (unsigned long)(seconds * 1e6), __ATOMIC_RELAXED);
}

static void label(char *buf, size_t len, int slot) {
  if (slot == 0) {
    snprintf(buf, len, "method=\"\",route=\"unmatched\"");
  } else {
    snprintf(buf, len, "method=\"%s\",route=\"%s\"", ROUTES[slot - 1].method, ROUTES[slot - 1].path);
  }
}

char *metrics_render(int pool_in_use, int pool_size) {
  struct strbuf b = {0};
  char line[1200], lab[256];
  size_t slots = ROUTE_COUNT < MAX_ROUTES ? ROUTE_COUNT + 1 : MAX_ROUTES + 1;
  strbuf_puts(&b, "# HELP zsz_http_requests_total HTTP requests by route and status.\n"
                  "# TYPE zsz_http_requests_total counter\n");
  for (size_t s = 0; s < slots; s++) {
    label(lab, sizeof lab, (int)s);
    for (int st = 0; st < STATUS_SPAN; st++) {
      unsigned long n = __atomic_load_n(&g_requests[s][st], __ATOMIC_RELAXED);
      if (n) {
        snprintf(line, sizeof line, "zsz_http_requests_total{%s,status=\"%d\"} %lu\n", lab, st + STATUS_MIN, n);
        strbuf_puts(&b, line);
      }
    }
  }
  strbuf_puts(&b, "# HELP zsz_http_request_duration_seconds Time from request to response.\n"
                  "# TYPE zsz_http_request_duration_seconds histogram\n");
  for (size_t s = 0; s < slots; s++) {
    unsigned long count = __atomic_load_n(&g_count[s], __ATOMIC_RELAXED), cumulative = 0;
    if (count == 0) {
      continue;
    }
    label(lab, sizeof lab, (int)s);
    for (size_t k = 0; k < NBUCKETS; k++) {
      cumulative += __atomic_load_n(&g_buckets[s][k], __ATOMIC_RELAXED);
      snprintf(line, sizeof line, "zsz_http_request_duration_seconds_bucket{%s,le=\"%g\"} %lu\n", lab, BUCKETS[k],
               cumulative);
      strbuf_puts(&b, line);
    }
    snprintf(line, sizeof line,
             "zsz_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %lu\n"
             "zsz_http_request_duration_seconds_sum{%s} %.6f\n"
             "zsz_http_request_duration_seconds_count{%s} %lu\n",
             lab, count, lab, (double)__atomic_load_n(&g_sum_us[s], __ATOMIC_RELAXED) / 1e6, lab, count);
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
