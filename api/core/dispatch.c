/* The request pipeline: request id and CORS, the public rate limit, authentication, tenant and
 * roles, the body, then what the route declares (path ids, query parameters checked against
 * the contract, If-Match, paging, CSV), then the route's work in one transaction. */
#include <arpa/inet.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <ulfius.h>
#include <yder.h>

#include "cursor.h"
#include "notify.h"
#include "dispatch.h"
#include "http.h"
#include "idempotency.h"
#include "logtext.h"
#include "metrics.h"
#include "netaddr.h"
#include "ratelimit.h"
#include "ratestore.h"
#include "replica.h"
#include "routes.h"
#include "server.h"
#include "uri.h"
#include "validate.h"
#include "workflow.h"

#define ORG_CACHE_SLOTS 64
#define ORG_CACHE_TTL 60
#define USER_CACHE_SLOTS 4096
#define USER_RECORD_INTERVAL 300
/* How long this instance trusts what it last read of a user's `active` flag: a deactivation
 * made through another instance takes effect here within this many seconds (one indexed read
 * per user and interval; this instance's own directory writes take effect at once). */
#define USER_ACTIVE_INTERVAL 5

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- request id ---------------------------------------------------------------------- */

static int request_id_acceptable(const char *v) {
  size_t n = strlen(v);
  if (n == 0 || n > 128) {
    return 0;
  }
  return strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static void assign_request_id(struct req_ctx *c) {
  static unsigned long counter;
  const char *given = u_map_get_case(c->req->map_header, "X-Request-Id");
  if (given != NULL && request_id_acceptable(given)) {
    snprintf(c->request_id, sizeof c->request_id, "%s", given);
  } else {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned long n = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
    snprintf(c->request_id, sizeof c->request_id, "%08lx%05lx-%06lx", (unsigned long)ts.tv_sec,
             (unsigned long)(ts.tv_nsec / 10000) & 0xFFFFF, n & 0xFFFFFF);
  }
  u_map_put(c->resp->map_header, "X-Request-Id", c->request_id);
}

static void apply_cors(struct req_ctx *c) {
  const char *origin = u_map_get_case(c->req->map_header, "Origin");
  if (origin && config_cors_allows(&APP.cfg, origin)) {
    u_map_put(c->resp->map_header, "Access-Control-Allow-Origin", origin);
    u_map_put(c->resp->map_header, "Vary", "Origin");
    u_map_put(c->resp->map_header, "Access-Control-Expose-Headers",
              "ETag, Link, Location, X-Request-Id, Retry-After, Idempotent-Replayed, ZSZ-Read-After");
  }
}

/* ---- organisations --------------------------------------------------------------------- */

struct org_slot {
  struct org_info info;
  time_t fetched;
};
static struct org_slot g_orgs[ORG_CACHE_SLOTS];
static pthread_mutex_t g_orgs_mu = PTHREAD_MUTEX_INITIALIZER;

struct org_fetch {
  const char *code;
  struct org_info *out;
  int found;
};

static void org_fetch_work(struct db_tx *tx, void *arg, struct result *res) {
  struct org_fetch *f = arg;
  const char *params[] = {f->code};
  PGresult *r = db_exec(tx, "SELECT id, name FROM organisations WHERE code = $1", 1, params);
  if (r == NULL) {
    return;
  }
  if (PQntuples(r) == 1) {
    f->found = 1;
    f->out->id = atoll(PQgetvalue(r, 0, 0));
    snprintf(f->out->code, sizeof f->out->code, "%s", f->code);
    snprintf(f->out->name, sizeof f->out->name, "%s", PQgetvalue(r, 0, 1));
  }
  PQclear(r);
  res->status = 200;
}

int org_lookup(const char *code, struct org_info *out, const char *request_id) {
  time_t now = time(NULL);
  pthread_mutex_lock(&g_orgs_mu);
  for (int i = 0; i < ORG_CACHE_SLOTS; i++) {
    if (g_orgs[i].info.id > 0 && strcmp(g_orgs[i].info.code, code) == 0 && now - g_orgs[i].fetched < ORG_CACHE_TTL) {
      *out = g_orgs[i].info;
      pthread_mutex_unlock(&g_orgs_mu);
      return 1;
    }
  }
  pthread_mutex_unlock(&g_orgs_mu);

  struct org_fetch f = {.code = code, .out = out};
  struct result res = {0};
  struct db_tx_opts opts = {.read_only = 1};
  db_run(APP.pool, &opts, org_fetch_work, &f, &res, request_id);
  int status = res.status;
  result_reset(&res);
  if (status != 200) {
    return -1;
  }
  if (!f.found) {
    return 0;
  }
  pthread_mutex_lock(&g_orgs_mu);
  int slot = 0;
  for (int i = 0; i < ORG_CACHE_SLOTS; i++) {
    if (strcmp(g_orgs[i].info.code, code) == 0 || g_orgs[i].fetched < g_orgs[slot].fetched) {
      slot = i;
      if (strcmp(g_orgs[i].info.code, code) == 0) break;
    }
  }
  g_orgs[slot].info = *out;
  g_orgs[slot].fetched = now;
  pthread_mutex_unlock(&g_orgs_mu);
  return 1;
}

/* ---- users seen in tokens -------------------------------------------------------------- */

struct user_slot {
  unsigned long long key, content;
  time_t written;
  time_t checked;      /* when `active` was last read from the directory */
  unsigned generation; /* g_users_generation when written */
  int active;          /* what the directory said then */
};
static struct user_slot g_users[USER_CACHE_SLOTS];
/* Moves on whenever a work here changed users' directory records: every slot written before
 * is stale, so a deactivation takes effect on this instance at once (on others within
 * USER_RECORD_INTERVAL). */
static unsigned g_users_generation;
static pthread_mutex_t g_users_mu = PTHREAD_MUTEX_INITIALIZER;

static unsigned long long fnv1a(unsigned long long h, const char *s) {
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ULL;
  }
  return h ^ 0xFF; /* separator, so "ab"+"c" differs from "a"+"bc" */
}

struct user_rec {
  const struct req_ctx *c;
  int active; /* out: the directory lets the user act */
};

static void user_record_work(struct db_tx *tx, void *arg, struct result *res) {
  struct user_rec *u = arg;
  const struct req_ctx *c = u->c;
  char org[24];
  snprintf(org, sizeof org, "%lld", c->org_id);
  const char *params[] = {org, c->who.sub, c->who.name, c->roles_param, c->who.unit[0] ? c->who.unit : NULL};
  /* a user the directory keeps keeps the name and unit it gave (the token's roles and the
   * time are still recorded); a deactivated one stays so */
  PGresult *r = db_exec(tx,
                        "INSERT INTO users (org_id, sub, name, roles, unit_id, last_seen_at) "
                        "VALUES ($1, $2, $3, $4::text[], "
                        "(SELECT id FROM org_units WHERE org_id = $1 AND code = $5), now()) "
                        "ON CONFLICT (org_id, sub) DO UPDATE SET "
                        "name = CASE WHEN users.directory THEN users.name ELSE EXCLUDED.name END, "
                        "roles = EXCLUDED.roles, "
                        "unit_id = CASE WHEN users.directory THEN users.unit_id "
                        "ELSE coalesce(EXCLUDED.unit_id, users.unit_id) END, last_seen_at = now() "
                        "RETURNING active",
                        5, params);
  if (r != NULL) {
    u->active = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    res->status = 204;
  }
}

static void user_active_work(struct db_tx *tx, void *arg, struct result *res) {
  struct user_rec *u = arg;
  char org[24];
  snprintf(org, sizeof org, "%lld", u->c->org_id);
  const char *params[] = {org, u->c->who.sub};
  enum db_status st;
  PGresult *r = db_row(tx, "SELECT active FROM users WHERE org_id = $1 AND sub = $2", 2, params, &st);
  if (r != NULL) {
    u->active = st == DB_ONE && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    res->status = 204;
  }
}

/* Records the caller at most every few minutes, or at once when what the token says of it
 * changed, so that records can name people without a write on every request. 1 when the
 * directory lets the user act, 0 when it is deactivated, -1 when the database failed. */
static int user_record(struct req_ctx *c) {
  char org[24];
  snprintf(org, sizeof org, "%lld", c->org_id);
  unsigned long long key = fnv1a(fnv1a(1469598103934665603ULL, org), c->who.sub);
  char roles[16];
  snprintf(roles, sizeof roles, "%u", c->who.roles);
  unsigned long long content = fnv1a(fnv1a(fnv1a(key, c->who.name), roles), c->who.unit);
  time_t now = time(NULL);
  struct user_slot *slot = &g_users[key % USER_CACHE_SLOTS];
  pthread_mutex_lock(&g_users_mu);
  int fresh = slot->key == key && slot->content == content && now - slot->written < USER_RECORD_INTERVAL &&
              slot->generation == g_users_generation;
  int checked = fresh && now - slot->checked < USER_ACTIVE_INTERVAL;
  int active = slot->active;
  unsigned generation = g_users_generation;
  pthread_mutex_unlock(&g_users_mu);
  if (checked) {
    return active;
  }
  struct result res = {0};
  struct user_rec rec = {.c = c};
  if (fresh) {
    /* recorded lately: only the directory's word on `active` is read again */
    struct db_tx_opts ro = {.org_id = c->org_id, .actor = c->who.sub, .read_only = 1, .label = "user active"};
    db_run(APP.pool, &ro, user_active_work, &rec, &res, c->request_id);
    int ok = res.status == 204;
    if (ok) {
      pthread_mutex_lock(&g_users_mu);
      if (slot->key == key) {
        slot->checked = now;
        slot->active = rec.active;
      }
      pthread_mutex_unlock(&g_users_mu);
    }
    result_reset(&res);
    return ok ? rec.active : -1;
  }
  struct db_tx_opts opts = {.org_id = c->org_id, .actor = c->who.sub};
  db_run(APP.pool, &opts, user_record_work, &rec, &res, c->request_id);
  active = rec.active;
  int ok = res.status == 204;
  if (ok) {
    pthread_mutex_lock(&g_users_mu);
    slot->key = key;
    slot->content = content;
    slot->written = now;
    slot->checked = now;
    slot->generation = generation;
    slot->active = active;
    pthread_mutex_unlock(&g_users_mu);
  }
  result_reset(&res);
  return ok ? active : -1;
}

/* The caller's roles admit the route: 1. An integration is admitted by a row that names
 * ROLE_INTEGRATION only when its token's scope holds the row's scope; 0 with *missing that
 * scope when it does not, 0 with *missing NULL when the roles do not admit it at all. */
static int roles_admit(const struct route *rt, const struct principal *who, const char **missing) {
  *missing = NULL;
  if ((rt->roles & who->roles & ~(unsigned)ROLE_INTEGRATION) != 0) {
    return 1;
  }
  if ((rt->roles & who->roles & ROLE_INTEGRATION) != 0) {
    if (rt->scope == NULL || scope_has(who->scope, rt->scope)) {
      return 1;
    }
    *missing = rt->scope;
  }
  return 0;
}

/* 403 for a caller the route does not admit: insufficient-scope naming the scope (and
 * WWW-Authenticate as RFC 6750 3.1 has it), or forbidden. */
static void refuse(struct req_ctx *c, const char *missing) {
  if (missing != NULL) {
    char challenge[160];
    snprintf(challenge, sizeof challenge, "Bearer error=\"insufficient_scope\", scope=\"%s\"", missing);
    u_map_put(c->resp->map_header, "WWW-Authenticate", challenge);
    http_problem(c, PROBLEM_INSUFFICIENT_SCOPE, MSG_SCOPE_MISSING, missing);
  } else {
    http_problem(c, PROBLEM_FORBIDDEN, MSG_ROLE_FORBIDDEN);
  }
}

/* ---- the pipeline ---------------------------------------------------------------------- */

static int content_type_is_json(const char *ct) {
  if (ct == NULL) {
    return 0;
  }
  while (*ct == ' ')
    ct++;
  size_t n = strcspn(ct, "; ");
  return (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
         (n == 28 && strncasecmp(ct, "application/merge-patch+json", 28) == 0);
}

/* The name of the last object key in body before pos ("" when there is none). */
static void overflow_field(const char *body, size_t pos, char *out, size_t len) {
  out[0] = '\0';
  for (size_t i = pos; i-- > 0;) {
    if (body[i] != ':') {
      continue;
    }
    size_t end = i;
    while (end > 0 && body[end - 1] == ' ')
      end--;
    if (end == 0 || body[end - 1] != '"') {
      continue;
    }
    size_t start = end - 1;
    while (start > 0 && body[start - 1] != '"')
      start--;
    if (start > 0 && end - 1 - start < len) {
      memcpy(out, body + start, end - 1 - start);
      out[end - 1 - start] = '\0';
    }
    return;
  }
}

/* Authenticates, picks the tenant, checks the route's roles and reads the body. 0 when the
 * handler may run; otherwise a response has been rendered. */
/* ---- per-address limit of the public routes -------------------------------------------- */

/* Client addresses the limit can follow at once (about 4 MiB, allocated on the first public
 * request). To keep them all in use an attacker needs as many addresses, each spending its
 * whole limit every minute; beyond that, new addresses wait (429) instead of anyone's limit
 * being forgotten. */
#define RATE_TABLE_CAPACITY 65536

static struct ratelimit *g_rates;
static pthread_mutex_t g_rates_mu = PTHREAD_MUTEX_INITIALIZER;

/* The TCP peer. Ulfius keeps only sizeof(struct sockaddr), 16 bytes, of it: of an IPv6 peer
 * the first 8 bytes of the address, its /64, which is what the limit counts by (the server
 * listens on IPv4 only, ZSZ_BIND). */
static struct net_addr peer_address(const struct sockaddr *sa) {
  struct net_addr a;
  memset(&a, 0, sizeof a);
  if (sa && sa->sa_family == AF_INET) {
    net_addr_from_v4(&a, (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
  } else if (sa && sa->sa_family == AF_INET6) {
    memcpy(a.b, (const unsigned char *)sa + offsetof(struct sockaddr_in6, sin6_addr), 8);
  }
  return a;
}

/* The value of a request header (its lines joined by commas), NULL when absent. -1 when it
 * came under two spellings (x-forwarded-for and X-Forwarded-For): Ulfius keeps those apart,
 * and their order, which says who wrote what, is lost. */
static int header_value(const struct _u_map *headers, const char *name, const char **value) {
  const char **keys = u_map_enum_keys(headers);
  *value = NULL;
  for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
    if (strcasecmp(keys[i], name) == 0) {
      if (*value != NULL) {
        return -1;
      }
      *value = u_map_get(headers, keys[i]);
    }
  }
  return 0;
}

/* A token bucket per client address (IPv4 whole, IPv6 by /64; behind a trusted proxy the
 * address it names): ZSZ_PUBLIC_RATE_LIMIT per minute, as large a burst. RL_ALLOWED, or why
 * not with *wait the seconds to wait. The address is used here only, in memory: it is never
 * stored with a response or logged. */
static enum rl_verdict rate_wait(const struct req_ctx *c, int *wait) {
  struct net_addr client = peer_address(c->req->client_address);
  const char *xff = NULL, *forwarded = NULL;
  /* a header under two spellings leaves the client the peer */
  if (APP.cfg.trusted_proxies.n > 0) {
    if (header_value(c->req->map_header, "X-Forwarded-For", &xff) == 0 &&
        header_value(c->req->map_header, "Forwarded", &forwarded) == 0) {
      client = net_client_address(&client, xff, forwarded, &APP.cfg.trusted_proxies);
    }
  }
  unsigned char key[NET_KEY_LEN];
  net_rate_key(&client, key);
  if (APP.cfg.rate_limit_shared) {
    /* one bucket per address for every instance on the database (issue 15) */
    return ratestore_take(APP.pool, key, APP.cfg.public_rate_limit, APP.cursor_key, CURSOR_KEY_LEN, wait,
                          c->request_id);
  }
  enum rl_verdict verdict = RL_FULL;
  int no_table = 0;
  *wait = 60;
  pthread_mutex_lock(&g_rates_mu);
  if (g_rates == NULL) {
    unsigned char seed[RATELIMIT_SEED_LEN];
    if (getrandom(seed, sizeof seed, 0) != (ssize_t)sizeof seed) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      memcpy(seed, &ts, sizeof ts < sizeof seed ? sizeof ts : sizeof seed);
    }
    g_rates = ratelimit_new(RATE_TABLE_CAPACITY, APP.cfg.public_rate_limit, seed);
  }
  if (g_rates != NULL) {
    verdict = ratelimit_take(g_rates, key, now_seconds(), wait);
  } else {
    no_table = 1;
  }
  pthread_mutex_unlock(&g_rates_mu);
  if (no_table) {
    y_log_message(Y_LOG_LEVEL_ERROR, "request %s: cannot allocate the rate limit table", c->request_id);
  }
  return verdict;
}

/* Reads a JSON body within ZSZ_MAX_BODY_BYTES; 0 when c->body is set, -1 after a problem. */
static int read_json_body(struct req_ctx *c) {
  /* an announced length over the limit was refused before the body was read (guard.c); this
   * is the body as it arrived */
  if (c->req->binary_body_length > APP.cfg.max_body_bytes) {
    http_problem(c, PROBLEM_PAYLOAD_TOO_LARGE, MSG_BODY_TOO_LARGE, APP.cfg.max_body_bytes);
    return -1;
  }
  if (!content_type_is_json(u_map_get_case(c->req->map_header, "Content-Type"))) {
    http_problem(c, PROBLEM_UNSUPPORTED_MEDIA_TYPE, MSG_CONTENT_TYPE);
    return -1;
  }
  json_error_t err;
  c->body = json_loadb(c->req->binary_body ? c->req->binary_body : "", c->req->binary_body_length,
                       JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &err);
  if (c->body == NULL) {
    if (json_error_code(&err) == json_error_numeric_overflow) {
      /* a number no double (1e400) or no integer (30 digits) can hold: well-formed JSON, a
       * value out of range, so a 422 naming the member, found as the last key before where
       * the parser stopped */
      json_t *errors = json_array();
      char field[128];
      overflow_field(c->req->binary_body, (size_t)err.position, field, sizeof field);
      errors_add(errors, field, strncmp(err.text, "too big", 7) == 0 ? MSG_NUMBER_TOO_LARGE : MSG_MUST_BE_DECIMAL);
      http_invalid(c, errors);
      return -1;
    }
    http_problem(c, PROBLEM_MALFORMED_JSON, MSG_MALFORMED_JSON, err.text);
    return -1;
  }
  return 0;
}

/* Authenticates, picks the tenant and checks the route's roles. 0 when admitted. */
static int authenticate(struct req_ctx *c) {
  const char *token = auth_bearer(u_map_get_case(c->req->map_header, "Authorization"));
  const char *why = NULL;
  if (token == NULL) {
    http_problem(c, PROBLEM_UNAUTHORIZED, MSG_TOKEN_MISSING);
    return -1;
  }
  if (auth_verify_cached(&APP.auth, token, time(NULL), &c->who, &why) != AUTH_OK) {
    y_log_message(Y_LOG_LEVEL_DEBUG, "request %s: token refused: %s", c->request_id, why);
    http_problem(c, PROBLEM_UNAUTHORIZED, MSG_TOKEN_INVALID);
    return -1;
  }
  struct org_info org;
  int found = org_lookup(c->who.org, &org, c->request_id);
  if (found < 0) {
    http_problem(c, PROBLEM_SERVICE_UNAVAILABLE, MSG_DB_UNAVAILABLE);
    return -1;
  }
  if (found == 0) {
    http_problem(c, PROBLEM_UNKNOWN_ORGANISATION, MSG_UNKNOWN_ORGANISATION);
    return -1;
  }
  c->org_id = org.id;
  snprintf(c->org_param, sizeof c->org_param, "%lld", org.id);
  roles_to_sql(c->who.roles, c->roles_param, sizeof c->roles_param);
  /* a user the directory deactivated is refused everywhere; the recording failing does not
   * stop the request (as before), the route's own transaction will meet the same database */
  if (user_record(c) == 0) {
    http_problem(c, PROBLEM_USER_DEACTIVATED, MSG_USER_DEACTIVATED);
    return -1;
  }
  const char *missing = NULL;
  if (!roles_admit(c->route, &c->who, &missing)) {
    refuse(c, missing);
    return -1;
  }
  return 0;
}

/* Limits, authenticates and reads the body as the route asks. 0 when the request may go on;
 * otherwise a response has been rendered. */
static int admit(struct req_ctx *c) {
  const struct route *rt = c->route;
  if (rt->flags & ROUTE_RATE_LIMITED) {
    int wait = 0;
    enum rl_verdict verdict = rate_wait(c, &wait);
    if (verdict != RL_ALLOWED) {
      char seconds[16];
      snprintf(seconds, sizeof seconds, "%d", wait);
      http_problem(c, PROBLEM_TOO_MANY_REQUESTS, verdict == RL_LIMITED ? MSG_RATE_LIMITED : MSG_RATE_TABLE_FULL);
      u_map_put(c->resp->map_header, "Retry-After", seconds);
      return -1;
    }
  }
  if (!(rt->flags & ROUTE_PUBLIC) && authenticate(c) != 0) {
    return -1;
  }
  if ((rt->flags & ROUTE_BODY) && read_json_body(c) != 0) {
    return -1;
  }
  if ((rt->flags & ROUTE_RAW_BODY) && c->req->binary_body_length > APP.cfg.max_import_bytes) {
    http_problem(c, PROBLEM_PAYLOAD_TOO_LARGE, MSG_BODY_TOO_LARGE, APP.cfg.max_import_bytes);
    return -1;
  }
  return 0;
}

/* ---- what the route declares ------------------------------------------------------------- */

/* Path parameters, decoded here from the raw request path (the segment the route's {name}
 * stands at) rather than taken from Ulfius' map, whose C strings end at a %00 ("1%00" would
 * read 1). A value holding a NUL byte, or text that is not UTF-8, names no record; integers
 * (per the contract) must be positive numbers. Else 404 with the route's message for that
 * parameter. */
static int parse_path(struct req_ctx *c) {
  const struct route *rt = c->route;
  const char *seg;
  size_t seglen, k = 0;
  for (size_t at = 0; (seg = uri_segment(rt->path, at, &seglen)) != NULL && k < ROUTE_MAX_PATH_PARAMS; at++) {
    if (seg[0] != '{') {
      continue;
    }
    msg_id not_found = rt->not_found[k] ? rt->not_found[k] : MSG_NOT_FOUND_ROUTE;
    size_t rawlen = 0, len = 0;
    const char *raw = uri_segment(c->req->url_path, at, &rawlen);
    /* decoding shortens at most threefold: a longer segment cannot fit c->path[k] */
    char v[3 * sizeof c->path[0]];
    if (raw != NULL && rawlen < sizeof v) {
      len = uri_decode(raw, rawlen, v, 1);
    }
    if (raw == NULL || rawlen >= sizeof v || len == 0 || len >= sizeof c->path[k] || memchr(v, '\0', len) != NULL ||
        (!rt->path_is_int[k] && !utf8_valid(v, len))) {
      http_problem(c, PROBLEM_NOT_FOUND, not_found);
      return -1;
    }
    if (rt->path_is_int[k]) {
      char *end = NULL;
      long long n = strtoll(v, &end, 10);
      /* digits only: strtoll would skip blanks ("+5" decodes to " 5") and take a sign */
      if (strspn(v, "0123456789") != len || *end != '\0' || n <= 0 || len > 18 || n < rt->path_min[k] ||
          (rt->path_max[k] > 0 && n > rt->path_max[k])) {
        http_problem(c, PROBLEM_NOT_FOUND, not_found);
        return -1;
      }
      c->path_id[k] = n;
      snprintf(c->path[k], sizeof c->path[k], "%lld", n);
    } else {
      memcpy(c->path[k], v, len + 1);
    }
    k++;
  }
  return 0;
}

static int is_path_param(const struct route *rt, const char *name) {
  size_t nlen = strlen(name);
  for (const char *p = strchr(rt->path, '{'); p; p = strchr(p + 1, '{')) {
    if (strncmp(p + 1, name, nlen) == 0 && p[1 + nlen] == '}') {
      return 1;
    }
  }
  return 0;
}

/* One query value against its contract spec; 0 when fine, -1 after a 400 naming it. */
static int check_query_value(struct req_ctx *c, const struct query_spec *q, const char *v) {
  msg_id why;
  char list[512];
  const char *raw_query = strchr(c->req->http_url, '?');
  /* a NUL byte (%00) in the name or the value would end the decoded text early and hide the
   * rest ("1%00x" read as 1), so it is refused, however the name is spelt (%6Cimit=1%00) */
  if (uri_query_has_nul(raw_query ? raw_query + 1 : NULL, q->name)) {
    http_bad_param(c, PROBLEM_INVALID_PARAMETER, q->name, MSG_PARAM_NUL);
    return -1;
  }
  if (query_spec_check(q, v, &why, list, sizeof list) != 0) {
    http_bad_param(c, PROBLEM_INVALID_PARAMETER, q->name, why, list);
    return -1;
  }
  return 0;
}

/* Ulfius keeps path and query values in one map, so a query parameter named like a path
 * parameter (/users/x?sub=y) hides in it: find such names in the raw query string. */
static void add_path_names_in_query(const struct req_ctx *c, json_t *errors) {
  const char *q = strchr(c->req->http_url, '?');
  while (q != NULL) {
    const char *name = q + 1;
    size_t len = strcspn(name, "=&");
    char decoded[64];
    if (len > 0 && len < sizeof decoded) {
      uri_decode(name, len, decoded, 1);
      if (is_path_param(c->route, decoded) && route_query_index(c->route, decoded) < 0) {
        json_array_append_new(errors,
                              json_pack("{s:s, s:s}", "field", decoded, "message", msg_text(MSG_PARAM_UNKNOWN)));
      }
    }
    q = strchr(name, '&');
  }
}

/* Query parameters: every one must be declared for the route by the contract (a misspelt
 * filter must not quietly return everything), and each must fit its schema. */
static int parse_query(struct req_ctx *c) {
  const struct route *rt = c->route;
  const struct _u_map *map = c->req->map_url;
  json_t *errors = json_array();
  const char **keys = map ? u_map_enum_keys(map) : NULL;
  for (size_t i = 0; keys && keys[i]; i++) {
    if (!is_path_param(rt, keys[i]) && route_query_index(rt, keys[i]) < 0) {
      json_array_append_new(errors, json_pack("{s:s, s:s}", "field", keys[i], "message", msg_text(MSG_PARAM_UNKNOWN)));
    }
  }
  add_path_names_in_query(c, errors);
  if (json_array_size(errors) > 0) {
    char names[200] = "";
    size_t used = 0, i;
    json_t *e;
    json_array_foreach(errors, i, e) {
      int w = snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                       json_string_value(json_object_get(e, "field")));
      if (w > 0 && (size_t)w < sizeof names - used) used += (size_t)w;
    }
    http_problem_errors(c, PROBLEM_INVALID_PARAMETER, errors, MSG_PARAMS_UNKNOWN, names);
    json_decref(errors);
    return -1;
  }
  json_decref(errors);
  for (size_t i = 0; i < rt->nquery; i++) {
    const struct query_spec *q = &rt->query[i];
    const char *v = u_map_get(map, q->name);
    if (v == NULL) {
      if (q->required) {
        http_bad_param(c, PROBLEM_INVALID_PARAMETER, q->name, MSG_REQUIRED);
        return -1;
      }
      c->query[i] = q->default_value;
      continue;
    }
    if (check_query_value(c, q, v) != 0) {
      return -1;
    }
    c->query[i] = v;
  }
  return 0;
}

/* Paging: limit (checked above against the contract) and the cursor, bound to the route and
 * its sort so that a cursor from another list or order is refused. */
static int parse_page(struct req_ctx *c) {
  const char *limit = query_value(c, "limit");
  const char *sort = route_query_index(c->route, "sort") >= 0 ? query_value(c, "sort") : NULL;
  c->limit = limit ? atoi(limit) : 50;
  snprintf(c->page_tag, sizeof c->page_tag, "%s %s%s%s", c->route->method, c->route->path, sort ? " " : "",
           sort ? sort : "");
  const char *cursor = u_map_get(c->req->map_url, "cursor");
  if (cursor == NULL) {
    return 0;
  }
  if (cursor_decode(c->cursor_key, cursor, c->page_tag, &c->after) != 0 || !json_is_array(c->after)) {
    json_decref(c->after);
    c->after = NULL;
    http_bad_param(c, PROBLEM_INVALID_CURSOR, "cursor", MSG_CURSOR);
    return -1;
  }
  size_t i;
  json_t *k;
  json_array_foreach(c->after, i, k) {
    if (!json_is_string(k) && !json_is_null(k)) {
      json_decref(c->after);
      c->after = NULL;
      http_bad_param(c, PROBLEM_INVALID_CURSOR, "cursor", MSG_CURSOR);
      return -1;
    }
  }
  return 0;
}

static int parse_if_match(struct req_ctx *c) {
  const char *v = u_map_get_case(c->req->map_header, "If-Match");
  if (c->route->if_match == IF_MATCH_IGNORED) {
    return 0;
  }
  if (v == NULL) {
    if (c->route->if_match == IF_MATCH_REQUIRED) {
      http_problem(c, PROBLEM_PRECONDITION_REQUIRED, MSG_IF_MATCH_REQUIRED);
      return -1;
    }
    return 0;
  }
  c->has_if_match = 1;
  if (if_match_parse(v, &c->if_match) != 0) {
    /* an ETag we never issued cannot match the current one */
    http_problem(c, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
    return -1;
  }
  return 0;
}

/* CSV variants answer text/csv when Accept names it (and prefers it to JSON). */
static void parse_accept(struct req_ctx *c) {
  const char *accept = u_map_get_case(c->req->map_header, "Accept");
  c->csv = (c->route->flags & ROUTE_CSV) && accept != NULL && strstr(accept, "text/csv") != NULL;
}

/* Everything the route declares, in the order a caller's mistakes are reported: the record
 * (404), the query (400), the precondition (428/412), the body (422). */
static int parse_request(struct req_ctx *c) {
  const struct route *rt = c->route;
  if (parse_path(c) != 0 || parse_query(c) != 0) {
    return -1;
  }
  if (rt->paged && parse_page(c) != 0) {
    return -1;
  }
  if (parse_if_match(c) != 0) {
    return -1;
  }
  parse_accept(c);
  if (rt->body != NULL && http_validate(c, rt->body, rt->body_mode) != 0) {
    return -1;
  }
  if (rt->workflow != NULL) {
    json_t *errors = json_array();
    if (workflow_validate_body(rt->workflow, c->body, errors) > 0) {
      http_invalid(c, errors);
      return -1;
    }
    json_decref(errors);
  }
  return 0;
}

static void run_work_trampoline(struct db_tx *tx, void *arg, struct result *res) {
  struct req_ctx *c = arg;
  c->route->work(tx, c, res);
}

/* Runs the work (a read on the replica when pool is not NULL, falling back to the primary)
 * into res; while it asks to wait (res->wait_seconds: the change feed's long polling) and time
 * remains, waits for the organisation's change log to grow, or a second, holding no
 * connection, and runs it again. */
static void long_poll(struct req_ctx *c, struct db_pool *pool, const struct db_tx_opts *opts, struct result *res) {
  double deadline = 0;
  int waiting = 0;
  for (;;) {
    /* read before the work looks, so that a change committed meanwhile is not slept through */
    unsigned long long gen = notify_generation(c->org_id);
    db_run(pool ? pool : c->pool, opts, run_work_trampoline, c, res, c->request_id);
    if (pool != NULL && res->status == 503) {
      result_reset(res); /* the replica is away: the primary answers */
      db_run(c->pool, opts, run_work_trampoline, c, res, c->request_id);
    }
    if (res->wait_seconds <= 0 || res->status != 200) break;
    if (deadline == 0) deadline = now_seconds() + res->wait_seconds;
    double left = deadline - now_seconds();
    if (left <= 0 || notify_stopping() || (!waiting && !(waiting = notify_enter()))) break;
    /* then one more look, also when the time is up: the answer is what the log holds then */
    notify_wait(c->org_id, gen, left > 1.0 ? 1000 : (int)(left * 1000) + 1);
    result_reset(res);
  }
  if (waiting) notify_leave();
}

/* Runs the route's work in one transaction as the caller and renders what it produced. */
static void run_work(struct req_ctx *c) {
  const struct route *rt = c->route;
  int write = (rt->flags & ROUTE_WRITE) || strcmp(rt->method, "GET") != 0;
  struct result res = {0};
  char lsn[32] = "";
  struct db_tx_opts opts = {
      .org_id = c->org_id,
      .actor = c->who.sub,
      .read_only = !write,
      .snapshot = !write && ((rt->flags & ROUTE_SNAPSHOT) || (rt->snapshot_when != NULL && rt->snapshot_when(c))),
      .label = rt->path,
      .commit_lsn = write && replica_enabled() ? lsn : NULL};
  /* every POST of a known caller honours Idempotency-Key (idempotency.h) */
  const char *key = strcmp(rt->method, "POST") == 0 && !(rt->flags & ROUTE_PUBLIC)
                        ? u_map_get_case(c->req->map_header, "Idempotency-Key")
                        : NULL;
  int replayed = 0;
  if (key != NULL && !idempotency_key_valid(key)) {
    http_bad_param(c, PROBLEM_INVALID_PARAMETER, "Idempotency-Key", MSG_IDEMPOTENCY_KEY);
    return;
  }
  /* a read that may lag goes to the replica, unless the caller's last write is not there yet */
  struct db_pool *pool = !write && (rt->flags & ROUTE_REPLICA) ? replica_pool_for(c) : NULL;
  if (key != NULL) {
    idempotency_run(c, key, &opts, &res, &replayed);
  } else {
    long_poll(c, pool, &opts, &res);
  }
  if (c->users_changed && res.status < 400) {
    pthread_mutex_lock(&g_users_mu);
    g_users_generation++;
    pthread_mutex_unlock(&g_users_mu);
  }
  if (lsn[0] != '\0') {
    replica_mark_write(c, lsn);
  }
  http_render(c, &res);
  if (replayed) {
    u_map_put(c->resp->map_header, "Idempotent-Replayed", "true");
  }
  result_reset(&res);
}

/* v quoted and escaped for a log line into buf (cap bytes), or "-" when v is empty. */
static const char *log_quoted(const char *v, char *buf, size_t cap) {
  if (v == NULL || v[0] == '\0') {
    return "-";
  }
  buf[0] = '"';
  log_escape(v, buf + 1, cap - 2);
  strcat(buf, "\"");
  return buf;
}

/* One line per request. What came from outside (the method, the token's org and sub) is
 * quoted and escaped, so that no value can end the line or forge another; "-" unquoted says
 * there is none. The request id is ours or passed request_id_acceptable. */
static void finish(struct req_ctx *c, int route_index, double started) {
  double took = now_seconds() - started;
  int status = (int)c->resp->status;
  char method[64], org[4 * PRINCIPAL_ORG_MAX + 3], sub[4 * PRINCIPAL_SUB_MAX + 3];
  metrics_observe(route_index, status, took);
  y_log_message(status >= 500 ? Y_LOG_LEVEL_ERROR : Y_LOG_LEVEL_INFO,
                "request_id=%s method=%s route=%s status=%d duration_ms=%.2f org=%s sub=%s", c->request_id,
                log_quoted(c->req->http_verb, method, sizeof method), c->route ? c->route->path : "-", status,
                took * 1000.0, log_quoted(c->who.org, org, sizeof org), log_quoted(c->who.sub, sub, sizeof sub));
  json_decref(c->body);
  c->body = NULL;
  json_decref(c->after);
  c->after = NULL;
}

int dispatch_request(const struct _u_request *req, struct _u_response *resp, void *user_data) {
  const struct route *rt = user_data;
  struct req_ctx c = {.req = req, .resp = resp, .route = rt, .pool = APP.pool, .cursor_key = APP.cursor_key};
  double started = now_seconds();
  assign_request_id(&c);
  apply_cors(&c);
  if (admit(&c) == 0 && parse_request(&c) == 0) {
    if (rt->work != NULL) {
      run_work(&c);
    } else {
      rt->handler(&c);
    }
    if (!c.rendered) {
      y_log_message(Y_LOG_LEVEL_ERROR, "request %s: handler rendered nothing", c.request_id);
      http_problem(&c, PROBLEM_INTERNAL, MSG_INTERNAL);
    }
  }
  if (!(rt->flags & ROUTE_PUBLIC)) {
    u_map_put(resp->map_header, "Cache-Control", "no-store");
  }
  finish(&c, (int)rt->index, started);
  return U_CALLBACK_COMPLETE;
}

static const struct route *route_for(const char *method, const char *path);

int dispatch_any(const struct _u_request *req, struct _u_response *resp, void *user_data) {
  const struct route *rt = route_for(req->http_verb, req->url_path);
  return rt != NULL ? dispatch_request(req, resp, (void *)rt) : dispatch_fallback(req, resp, user_data);
}

/* No route matched this method and path: 405 with Allow when the path exists, a CORS
 * preflight answer for OPTIONS, else 404. */
int dispatch_fallback(const struct _u_request *req, struct _u_response *resp, void *user_data) {
  (void)user_data;
  struct req_ctx c = {.req = req, .resp = resp};
  double started = now_seconds();
  char allow[128] = "";
  size_t used = 0;
  assign_request_id(&c);
  apply_cors(&c);
  for (size_t i = 0; i < ROUTE_COUNT; i++) {
    if (route_path_matches(ROUTES[i]->path, req->url_path)) {
      int w = snprintf(allow + used, sizeof allow - used, "%s%s", used ? ", " : "", ROUTES[i]->method);
      if (w > 0 && (size_t)w < sizeof allow - used) used += (size_t)w;
    }
  }
  if (used && strcmp(req->http_verb, "OPTIONS") == 0) {
    resp->status = 204;
    u_map_put(resp->map_header, "Allow", allow);
    if (u_map_get_case(req->map_header, "Origin") &&
        config_cors_allows(&APP.cfg, u_map_get_case(req->map_header, "Origin"))) {
      u_map_put(resp->map_header, "Access-Control-Allow-Methods", allow);
      u_map_put(resp->map_header, "Access-Control-Allow-Headers",
                "Authorization, Content-Type, If-Match, X-Request-Id, Idempotency-Key, ZSZ-Read-After");
      u_map_put(resp->map_header, "Access-Control-Max-Age", "600");
    }
  } else if (used) {
    u_map_put(resp->map_header, "Allow", allow);
    http_problem(&c, PROBLEM_METHOD_NOT_ALLOWED, MSG_METHOD_NOT_ALLOWED);
  } else {
    http_problem(&c, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_ROUTE);
  }
  finish(&c, -1, started);
  return U_CALLBACK_COMPLETE;
}

/* ---- before the body (issue 14) ------------------------------------------------------- */

/* The route Ulfius will pick for this method and path: of those that match, the one with the
 * fewest parameters (a literal segment wins, as in server.c). NULL when none does. */
static const struct route *route_for(const char *method, const char *path) {
  const struct route *best = NULL;
  int best_params = 0;
  for (size_t i = 0; i < ROUTE_COUNT; i++) {
    const struct route *rt = ROUTES[i];
    if (strcmp(rt->method, method) != 0 || !route_path_matches(rt->path, path)) {
      continue;
    }
    int params = 0;
    for (const char *p = rt->path; *p; p++)
      params += (*p == '{');
    if (best == NULL || params < best_params) {
      best = rt;
      best_params = params;
    }
  }
  return best;
}

/* The caller's token allows the route; otherwise a problem is rendered (401/403). Nothing is
 * looked up in the database: the dispatcher does the rest once the body has arrived. */
static int token_allows(struct req_ctx *c) {
  const char *token = auth_bearer(u_map_get_case(c->req->map_header, "Authorization"));
  const char *why = NULL;
  if (token == NULL) {
    http_problem(c, PROBLEM_UNAUTHORIZED, MSG_TOKEN_MISSING);
    return 0;
  }
  if (auth_verify_cached(&APP.auth, token, time(NULL), &c->who, &why) != AUTH_OK) {
    y_log_message(Y_LOG_LEVEL_DEBUG, "request %s: token refused: %s", c->request_id, why);
    http_problem(c, PROBLEM_UNAUTHORIZED, MSG_TOKEN_INVALID);
    return 0;
  }
  const char *missing = NULL;
  if (!roles_admit(c->route, &c->who, &missing)) {
    refuse(c, missing);
    return 0;
  }
  return 1;
}

int dispatch_head(const struct _u_request *req, struct _u_response *resp, int chunked, unsigned long long length,
                  size_t *limit) {
  /* the common case, a body of announced length within the usual limit (every GET): no
   * route lookup here, which scanned every route per request (perf, issue 16) */
  if (!chunked && length <= APP.cfg.max_body_bytes) {
    *limit = APP.cfg.max_body_bytes;
    return 0;
  }
  const struct route *rt = route_for(req->http_verb, req->url_path);
  /* only a caller known by a token may send more than the usual limit */
  int large = rt != NULL && (rt->flags & ROUTE_RAW_BODY) && !(rt->flags & ROUTE_PUBLIC);
  *limit =
      large && APP.cfg.max_import_bytes > APP.cfg.max_body_bytes ? APP.cfg.max_import_bytes : APP.cfg.max_body_bytes;
  struct req_ctx c = {.req = req, .resp = resp, .route = rt};
  double started = now_seconds();
  assign_request_id(&c);
  apply_cors(&c);
  /* the dispatcher's order: who is calling, then the body */
  if (large && !token_allows(&c)) {
    /* rendered */
  } else if (!chunked && length > *limit) {
    http_problem(&c, PROBLEM_PAYLOAD_TOO_LARGE, MSG_BODY_TOO_LARGE, *limit);
  } else {
    return 0;
  }
  if (rt == NULL || !(rt->flags & ROUTE_PUBLIC)) {
    u_map_put(resp->map_header, "Cache-Control", "no-store");
  }
  finish(&c, rt ? (int)rt->index : -1, started);
  return -1;
}

void dispatch_body_too_large(const struct _u_request *req, struct _u_response *resp, size_t limit) {
  const struct route *rt = route_for(req->http_verb, req->url_path);
  struct req_ctx c = {.req = req, .resp = resp, .route = rt};
  double started = now_seconds();
  assign_request_id(&c);
  apply_cors(&c);
  http_problem(&c, PROBLEM_PAYLOAD_TOO_LARGE, MSG_BODY_TOO_LARGE, limit);
  if (rt == NULL || !(rt->flags & ROUTE_PUBLIC)) {
    u_map_put(resp->map_header, "Cache-Control", "no-store");
  }
  finish(&c, rt ? (int)rt->index : -1, started);
}
