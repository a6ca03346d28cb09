/* The delivery workers: ZSZ_WEBHOOK_WORKERS threads per instance, each repeating
 *   claim (one short transaction: lease the next due delivery, load what it sends) -> commit
 *   -> HTTP POST outside any transaction (no pooled connection held while waiting)
 *   -> record the outcome (a second short transaction).
 * Several instances share the queue: the claim locks with SKIP LOCKED and leases the row, so
 * each delivery is handled by one worker at a time; a lease left by a crashed instance
 * expires and the delivery is tried again. Idle workers poll every ZSZ_WEBHOOK_POLL_MS.
 * Request handling never waits on them: they only share the database pool. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <yder.h>

#include "db.h"
#include "handlers.h"
#include "jobs.h"
#include "queries.h"
#include "rules.h"

#define WEBHOOK_ACTOR "system:webhooks"
#define RESPONSE_KEEP_BYTES 4096 /* of a receiver's answer: read no further */
#define MAX_WORKERS 16

/* ---- settings ---------------------------------------------------------------------------- */

static pthread_once_t g_settings_once = PTHREAD_ONCE_INIT;
static struct webhook_settings g_settings;
static int g_settings_bad;

static const char *env(const char *name) {
  return getenv(name);
}

static void settings_init(void) {
  json_t *problems = json_array();
  if (webhook_settings_load(&g_settings, env, problems) > 0) {
    size_t i;
    json_t *p;
    json_array_foreach(problems, i, p) y_log_message(Y_LOG_LEVEL_ERROR, "configuration: %s", json_string_value(p));
    g_settings_bad = 1;
  }
  json_decref(problems);
}

const struct webhook_settings *webhook_settings(void) {
  pthread_once(&g_settings_once, settings_init);
  return &g_settings;
}

/* ---- one attempt ------------------------------------------------------------------------- */

struct attempt {
  int ok;
  int code;        /* HTTP status, 0 when none came */
  int latency_ms;  /* -1 when nothing was sent */
  int interrupted; /* by the server stopping: to be tried again at once */
  char error[256];
};

struct sink {
  size_t seen;
};

static int stopping(void);

/* A transfer in progress ends at once when the server stops (SIGTERM), not after up to
 * ZSZ_WEBHOOK_TIMEOUT_MS: the attempt is then recorded for an immediate retry. */
static int progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
  (void)arg;
  (void)dltotal;
  (void)dlnow;
  (void)ultotal;
  (void)ulnow;
  return stopping();
}

static size_t keep_little(char *data, size_t size, size_t n, void *arg) {
  struct sink *s = arg;
  (void)data;
  s->seen += size * n;
  return s->seen > RESPONSE_KEEP_BYTES ? 0 : size * n; /* 0 ends the transfer */
}

static int sockaddr_to_net(const struct sockaddr *sa, struct net_addr *out) {
  if (sa->sa_family == AF_INET) {
    net_addr_from_v4(out, (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
    return 0;
  }
  if (sa->sa_family == AF_INET6) {
    memcpy(out->b, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    return 0;
  }
  return -1;
}

/* The last check, at connect time, of the address curl is about to use: whatever resolved it,
 * a refused address is never connected to. */
static curl_socket_t open_checked(void *arg, curlsocktype purpose, struct curl_sockaddr *address) {
  const struct webhook_url *u = arg;
  struct net_addr a;
  (void)purpose;
  if (sockaddr_to_net(&address->addr, &a) != 0 || (!u->listed && webhook_address_refused(&a))) {
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

/* Resolves u's host once, refuses it when any address is refused (unless listed), and pins
 * the first address for curl (CURLOPT_RESOLVE), so a second lookup that answers differently
 * (DNS rebinding) is never made. 0, or -1 with at->error set. */
static int resolve_and_pin(const struct webhook_url *u, struct curl_slist **pin, struct attempt *at) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
  char port[8], text[INET6_ADDRSTRLEN], entry[512];
  int rc = -1;
  snprintf(port, sizeof port, "%d", u->port);
  if (getaddrinfo(u->host, port, &hints, &res) != 0 || res == NULL) {
    snprintf(at->error, sizeof at->error, "cannot resolve %.200s", u->host);
    goto out;
  }
  const struct addrinfo *first = NULL;
  for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
    struct net_addr a;
    if (sockaddr_to_net(ai->ai_addr, &a) != 0) continue;
    if (!u->listed && webhook_address_refused(&a)) {
      snprintf(at->error, sizeof at->error,
               "%.150s resolves to a loopback, private, link-local or reserved address: refused", u->host);
      goto out;
    }
    if (first == NULL) first = ai;
  }
  if (first == NULL) {
    snprintf(at->error, sizeof at->error, "cannot resolve %.200s", u->host);
    goto out;
  }
  if (first->ai_family == AF_INET) {
    inet_ntop(AF_INET, &((const struct sockaddr_in *)first->ai_addr)->sin_addr, text, sizeof text);
    snprintf(entry, sizeof entry, "%s:%d:%s", u->host, u->port, text);
  } else {
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)first->ai_addr)->sin6_addr, text, sizeof text);
    snprintf(entry, sizeof entry, "%s:%d:[%s]", u->host, u->port, text);
  }
  *pin = curl_slist_append(NULL, entry);
  rc = *pin != NULL ? 0 : -1;
out:
  if (res != NULL) freeaddrinfo(res);
  return rc;
}

static struct curl_slist *header(struct curl_slist *list, const char *name, const char *value) {
  char line[1024];
  snprintf(line, sizeof line, "%s: %s", name, value);
  struct curl_slist *next = curl_slist_append(list, line);
  if (next == NULL) curl_slist_free_all(list);
  return next;
}

static void send_one(const struct webhook_outgoing *o, const struct webhook_settings *s, struct attempt *at) {
  struct webhook_url u;
  struct curl_slist *pin = NULL, *headers = NULL;
  CURL *curl = NULL;
  char ts[24], sig[256], sig2[128];
  *at = (struct attempt){.latency_ms = -1};
  /* checked again: the rules (or ZSZ_WEBHOOK_ALLOWED_HOSTS) may have changed since the
   * subscription was made */
  enum webhook_url_verdict v = webhook_url_check(o->url, s->allowed, &u);
  if (v != WEBHOOK_URL_OK) {
    snprintf(at->error, sizeof at->error, "%s",
             v == WEBHOOK_URL_SCHEME    ? "http to a host not in ZSZ_WEBHOOK_ALLOWED_HOSTS: refused"
             : v == WEBHOOK_URL_ADDRESS ? "a loopback, private, link-local or reserved address: refused"
                                        : "the URL cannot be used");
    return;
  }
  if (!u.literal && resolve_and_pin(&u, &pin, at) != 0) return;
  long long now = (long long)time(NULL);
  snprintf(ts, sizeof ts, "%lld", now);
  if (webhook_sign(o->secret, o->message_id, now, o->body, o->body_len, sig, sizeof sig) != 0 ||
      (o->previous_secret != NULL &&
       webhook_sign(o->previous_secret, o->message_id, now, o->body, o->body_len, sig2, sizeof sig2) != 0)) {
    snprintf(at->error, sizeof at->error, "cannot sign");
    goto out;
  }
  if (o->previous_secret != NULL) {
    /* both secrets valid after a rotation: space-separated signatures, as the spec allows */
    size_t n = strlen(sig);
    snprintf(sig + n, sizeof sig - n, " %s", sig2);
  }
  headers = header(NULL, "Content-Type", "application/json");
  if (headers) headers = header(headers, "webhook-id", o->message_id);
  if (headers) headers = header(headers, "webhook-timestamp", ts);
  if (headers) headers = header(headers, "webhook-signature", sig);
  if (headers) headers = header(headers, "User-Agent", "zsz-api-webhooks/" ZSZ_VERSION);
  if (headers) headers = header(headers, "Expect", ""); /* no 100-continue round trip */
  curl = curl_easy_init();
  if (headers == NULL || curl == NULL) {
    snprintf(at->error, sizeof at->error, "out of memory");
    goto out;
  }
  struct sink sink = {0};
  curl_easy_setopt(curl, CURLOPT_URL, o->url);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L); /* a 3xx is a failure, never followed */
  curl_easy_setopt(curl, CURLOPT_PROXY, "");          /* no proxy from the environment: it would resolve for us */
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)s->timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)s->timeout_ms);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, o->body);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_little);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_checked);
  curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &u);
  if (pin != NULL) curl_easy_setopt(curl, CURLOPT_RESOLVE, pin);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, progress);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  CURLcode rc = curl_easy_perform(curl);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  at->latency_ms = (int)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
  at->code = (int)code;
  /* a long answer is cut after a few KB (CURLE_WRITE_ERROR): its status still counts */
  if (rc == CURLE_ABORTED_BY_CALLBACK) {
    at->interrupted = 1;
    snprintf(at->error, sizeof at->error, "interrupted: the server stopped");
  } else if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && code > 0)) {
    snprintf(at->error, sizeof at->error, "%s",
             rc == CURLE_COULDNT_CONNECT && code == 0 ? "cannot connect (or the address was refused)"
                                                      : curl_easy_strerror(rc));
  } else if (code >= 200 && code < 300) {
    at->ok = 1;
  } else if (code >= 300 && code < 400) {
    snprintf(at->error, sizeof at->error, "redirect (HTTP %ld) not followed", code);
  }
out:
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  curl_slist_free_all(pin);
}

/* ---- transactions -------------------------------------------------------------------------- */

/* Deliveries claimed at once: a subscription's next ones, sent in order by one worker. */
#define WEBHOOK_BATCH 20

/* ids[0..n) as a SQL bigint[] literal into out. */
static void ids_literal(const long long *ids, int n, char *out, size_t len) {
  size_t o = (size_t)snprintf(out, len, "{");
  for (int i = 0; i < n && o < len; i++)
    o += (size_t)snprintf(out + o, len - o, "%s%lld", i ? "," : "", ids[i]);
  if (o < len) snprintf(out + o, len - o, "}");
}

struct claim {
  double lease;
  long long org_id;
  int n;
  PGresult *rows; /* owned: what is sent points into it */
  struct webhook_outgoing out[WEBHOOK_BATCH];
};

static void claim_work(struct db_tx *tx, void *arg, struct result *res) {
  struct claim *a = arg;
  long long ids[WEBHOOK_BATCH];
  char literal[WEBHOOK_BATCH * 21 + 4];
  int n = 0;
  PQclear(a->rows); /* a retried transaction starts again */
  a->rows = NULL;
  a->n = 0;
  PGresult *claimed = webhooks_q_claim(tx, a->lease, WEBHOOK_BATCH);
  for (int i = 0; claimed != NULL && i < PQntuples(claimed) && n < WEBHOOK_BATCH; i++) {
    a->org_id = atoll(PQgetvalue(claimed, i, 0));
    ids[n++] = atoll(PQgetvalue(claimed, i, 1));
  }
  PQclear(claimed);
  if (n > 0 && webhooks_q_tenant(tx, a->org_id) == DB_ONE) {
    ids_literal(ids, n, literal, sizeof literal);
    a->rows = webhooks_q_outgoing(tx, literal, a->out, WEBHOOK_BATCH, &a->n);
  }
  if (!tx->failed) res->status = 200;
}

struct outcome {
  long long delivery_id;
  struct attempt at;
  double retry_in;
};

struct outcomes {
  double disable_after;
  struct outcome o[WEBHOOK_BATCH];
  int n;
  long long unsent[WEBHOOK_BATCH]; /* claimed, not attempted: leases given back */
  int nunsent;
};

static void record_work(struct db_tx *tx, void *arg, struct result *res) {
  const struct outcomes *all = arg;
  char literal[WEBHOOK_BATCH * 21 + 4];
  for (int i = 0; i < all->n; i++) {
    const struct outcome *o = &all->o[i];
    if (webhooks_q_record(tx, o->delivery_id, o->at.ok, o->at.code, o->at.latency_ms,
                          o->at.error[0] ? o->at.error : NULL, o->retry_in, all->disable_after) != DB_ONE)
      return;
  }
  if (all->nunsent > 0) {
    ids_literal(all->unsent, all->nunsent, literal, sizeof literal);
    if (webhooks_q_release(tx, literal) != DB_ONE) return;
  }
  res->status = 200;
}

/* ---- housekeeping --------------------------------------------------------------------------- */

/* Each organisation's finished deliveries older than 30 days are deleted in a transaction of
 * its own under the job's lock. */
void webhook_prune(struct db_pool *pool) {
  jobs_each_organisation(pool, "webhook_prune", WEBHOOK_ACTOR, NULL, webhooks_q_prune);
}

/* ---- the threads --------------------------------------------------------------------------- */

static struct {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int stop;
  int n;
  pthread_t threads[MAX_WORKERS];
  struct db_pool *pool;
  int curl_ready;
} W = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static int stopping(void) {
  pthread_mutex_lock(&W.mu);
  int stop = W.stop;
  pthread_mutex_unlock(&W.mu);
  return stop;
}

/* The next deliveries, if some are due: sent in order until one fails, then every outcome is
 * recorded in one transaction (one lost with the database: the leases expire and those
 * deliveries go again, at least once). 1 when some were handled, 0 when none, -1 the database
 * failed. */
static int deliver_next(unsigned int *seed) {
  const struct webhook_settings *s = webhook_settings();
  /* long enough for the whole batch to time out */
  struct claim cl = {.lease = WEBHOOK_BATCH * (s->timeout_ms / 1000.0) + 30};
  struct outcomes *all = NULL;
  struct result res = {0};
  struct db_tx_opts opts = {.actor = WEBHOOK_ACTOR, .label = "webhook claim"};
  int rc = -1;
  db_run(W.pool, &opts, claim_work, &cl, &res, "webhooks");
  int status = res.status;
  result_reset(&res);
  if (status >= 400) goto out;
  rc = 0;
  if (cl.n == 0) goto out;
  all = calloc(1, sizeof *all);
  if (all == NULL) goto out; /* the leases expire */
  all->disable_after = WEBHOOK_DISABLE_AFTER_SECONDS / s->retry_scale;
  for (int i = 0; i < cl.n; i++) {
    const struct webhook_outgoing *w = &cl.out[i];
    if (all->n > 0 && (!all->o[all->n - 1].at.ok || stopping())) {
      all->unsent[all->nunsent++] = w->delivery_id; /* in order: nothing passes a failure */
      continue;
    }
    struct outcome *o = &all->o[all->n++];
    o->delivery_id = w->delivery_id;
    send_one(w, s, &o->at);
    double jitter = (double)rand_r(seed) / ((double)RAND_MAX + 1.0);
    o->retry_in = o->at.ok ? -1 : o->at.interrupted ? 0 : webhook_retry_delay(w->attempts + 1, s->retry_scale, jitter);
    if (!o->at.ok) {
      y_log_message(Y_LOG_LEVEL_INFO, "webhook delivery %lld (%s) attempt %d failed: %s%s%d", w->delivery_id, w->event,
                    w->attempts + 1, o->at.error, o->at.error[0] ? ", HTTP " : "HTTP ", o->at.code);
    }
  }
  PQclear(cl.rows);
  cl.rows = NULL;
  struct db_tx_opts ropts = {.org_id = cl.org_id, .actor = WEBHOOK_ACTOR, .label = "webhook record"};
  db_run(W.pool, &ropts, record_work, all, &res, "webhooks");
  status = res.status;
  result_reset(&res);
  rc = status >= 400 ? -1 : 1;
out:
  free(all);
  PQclear(cl.rows);
  return rc;
}

static void *worker(void *arg) {
  unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)(uintptr_t)arg;
  int poll_ms = webhook_settings()->poll_ms;
  pthread_mutex_lock(&W.mu);
  while (!W.stop) {
    pthread_mutex_unlock(&W.mu);
    int handled = deliver_next(&seed);
    pthread_mutex_lock(&W.mu);
    if (handled == 1 || W.stop) continue;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += poll_ms / 1000;
    until.tv_nsec += (long)(poll_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
      until.tv_sec++;
      until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&W.cv, &W.mu, &until);
  }
  pthread_mutex_unlock(&W.mu);
  return NULL;
}

int webhook_workers_start(struct db_pool *pool) {
  const struct webhook_settings *s = webhook_settings();
  if (g_settings_bad) {
    return -1;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    y_log_message(Y_LOG_LEVEL_ERROR, "webhooks: cannot initialise libcurl");
    return -1;
  }
  W.curl_ready = 1;
  W.pool = pool;
  W.stop = 0;
  for (W.n = 0; W.n < s->workers && W.n < MAX_WORKERS; W.n++) {
    if (pthread_create(&W.threads[W.n], NULL, worker, (void *)(uintptr_t)(W.n + 1)) != 0) {
      y_log_message(Y_LOG_LEVEL_ERROR, "webhooks: cannot start a delivery worker");
      webhook_workers_stop();
      return -1;
    }
  }
  y_log_message(Y_LOG_LEVEL_INFO, "webhooks: %d delivery workers", W.n);
  return 0;
}

void webhook_workers_stop(void) {
  pthread_mutex_lock(&W.mu);
  W.stop = 1;
  pthread_cond_broadcast(&W.cv);
  pthread_mutex_unlock(&W.mu);
  for (int i = 0; i < W.n; i++) {
    pthread_join(W.threads[i], NULL);
  }
  W.n = 0;
  if (W.curl_ready) {
    curl_global_cleanup();
    W.curl_ready = 0;
  }
}
