#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "b64url.h"
#include "validate.h"

static const char *const ROLE_NAMES[ROLE_COUNT] = {
    [0] = "president", [1] = "plenipotentiary", [2] = "process_owner", [3] = "iod",
    [4] = "auditor",   [5] = "employee",        [6] = "unit_head",     [7] = "integration",
};

const char *role_name(unsigned role) {
  for (unsigned i = 0; i < ROLE_COUNT; i++) {
    if (role == (1u << i) && ROLE_NAMES[i] != NULL) {
      return ROLE_NAMES[i];
    }
  }
  return NULL;
}

static unsigned canonical_role(const char *name) {
  for (unsigned i = 0; i < ROLE_COUNT; i++) {
    if (ROLE_NAMES[i] != NULL && strcmp(ROLE_NAMES[i], name) == 0) {
      return 1u << i;
    }
  }
  return 0;
}

unsigned role_lookup(const struct role_map *map, const char *name) {
  unsigned r = canonical_role(name);
  if (r || map == NULL) {
    return r;
  }
  for (size_t i = 0; i < map->count; i++) {
    if (strcmp(map->entries[i].group, name) == 0) {
      return map->entries[i].role;
    }
  }
  return 0;
}

json_t *roles_to_json(unsigned roles) {
  json_t *arr = json_array();
  for (unsigned i = 0; i < ROLE_COUNT; i++) {
    if ((roles & (1u << i)) && ROLE_NAMES[i] != NULL) {
      json_array_append_new(arr, json_string(ROLE_NAMES[i]));
    }
  }
  return arr;
}

void role_map_free(struct role_map *map) {
  if (map == NULL) {
    return;
  }
  for (size_t i = 0; i < map->count; i++) {
    free(map->entries[i].group);
  }
  free(map->entries);
  map->entries = NULL;
  map->count = 0;
}

int role_map_parse(const char *spec, struct role_map *out, json_t *problems) {
  int bad = 0;
  char *copy = NULL, *save = NULL;
  out->entries = NULL;
  out->count = 0;
  if (spec == NULL || *spec == '\0') {
    return 0;
  }
  copy = strdup(spec);
  size_t cap = 1;
  for (const char *p = spec; *p; p++) {
    cap += (*p == ',');
  }
  out->entries = calloc(cap, sizeof *out->entries);
  if (copy == NULL || out->entries == NULL) {
    json_array_append_new(problems, json_string("ZSZ_ROLE_MAP: out of memory"));
    free(copy);
    role_map_free(out);
    return 1;
  }
  for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(item, '=');
    while (*item == ' ')
      item++;
    if (eq == NULL || eq == item || eq[1] == '\0') {
      json_array_append_new(problems, json_sprintf("ZSZ_ROLE_MAP: entry '%s' is not Group=role", item));
      bad++;
      continue;
    }
    *eq = '\0';
    unsigned role = canonical_role(eq + 1);
    if (role == 0) {
      json_array_append_new(problems, json_sprintf("ZSZ_ROLE_MAP: '%s' is not a role (president, plenipotentiary, "
                                                   "process_owner, iod, auditor, employee, unit_head, "
                                                   "integration)",
                                                   eq + 1));
      bad++;
      continue;
    }
    out->entries[out->count].group = strdup(item);
    out->entries[out->count].role = role;
    out->count++;
  }
  free(copy);
  if (bad) {
    role_map_free(out);
  }
  return bad;
}

int scope_has(const char *scope, const char *want) {
  size_t n = strlen(want);
  if (scope == NULL || n == 0) {
    return 0;
  }
  for (const char *p = scope; *p;) {
    p += strspn(p, " ");
    size_t len = strcspn(p, " ");
    if (len == n && strncmp(p, want, n) == 0) {
      return 1;
    }
    p += len;
  }
  return 0;
}

const char *auth_bearer(const char *header) {
  if (header == NULL || strncasecmp(header, "Bearer ", 7) != 0) {
    return NULL;
  }
  header += 7;
  while (*header == ' ')
    header++;
  return *header ? header : NULL;
}

/* The alg in the token's header, checked before any signature work so that no other
 * algorithm (none, or HS256 keyed with an RSA public key) ever reaches the verifier. */
static int header_alg_is(const char *token, const char *want) {
  const char *dot = strchr(token, '.');
  int ok = 0;
  if (dot == NULL || dot == token || (size_t)(dot - token) > 2048) {
    return 0;
  }
  size_t len = (size_t)(dot - token);
  unsigned char *buf = malloc(len * 3 / 4 + 4);
  if (buf == NULL) {
    return 0;
  }
  long n = b64url_decode(token, len, buf);
  if (n > 0) {
    json_t *hdr = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
    const char *alg = json_string_value(json_object_get(hdr, "alg"));
    ok = alg != NULL && strcmp(alg, want) == 0;
    json_decref(hdr);
  }
  free(buf);
  return ok;
}

static int copy_claim(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  if (n >= cap) {
    return -1;
  }
  memcpy(dst, src, n + 1);
  return 0;
}

/* Copies at most max_chars UTF-8 characters (and what fits in cap) of src. */
static void copy_chars(char *dst, size_t cap, const char *src, size_t max_chars) {
  size_t i = 0, chars = 0;
  while (src[i] != '\0') {
    size_t next = i + 1;
    while (((unsigned char)src[next] & 0xC0) == 0x80)
      next++;
    if (chars == max_chars || next >= cap) {
      break;
    }
    i = next;
    chars++;
  }
  memcpy(dst, src, i);
  dst[i] = '\0';
}

static int audience_matches(const json_t *aud, const char *want) {
  size_t i;
  const json_t *v;
  if (json_is_string(aud)) {
    return strcmp(json_string_value(aud), want) == 0;
  }
  json_array_foreach(aud, i, v) {
    if (json_is_string(v) && strcmp(json_string_value(v), want) == 0) {
      return 1;
    }
  }
  return 0;
}

auth_result auth_verify(const struct auth_config *cfg, const char *token, time_t now, struct principal *out,
                        const char **reason) {
  auth_result rc = AUTH_INVALID;
  jwt_t *jwt = NULL;
  char *claims_text = NULL;
  json_t *claims = NULL;
  memset(out, 0, sizeof *out);
  *reason = "malformed token";
  if (token == NULL || strlen(token) > 8192) {
    goto out;
  }
  if (!header_alg_is(token, jwt_alg_str(cfg->alg))) {
    *reason = "token algorithm is not the configured one";
    goto out;
  }
  if (jwt_decode(&jwt, token, cfg->key, (int)cfg->key_len) != 0 || jwt == NULL) {
    *reason = "signature does not verify";
    goto out;
  }
  if (jwt_get_alg(jwt) != cfg->alg) {
    *reason = "token algorithm is not the configured one";
    goto out;
  }
  claims_text = jwt_get_grants_json(jwt, NULL);
  claims = claims_text ? json_loads(claims_text, 0, NULL) : NULL;
  if (!json_is_object(claims)) {
    goto out;
  }
  json_t *exp = json_object_get(claims, "exp");
  if (!json_is_number(exp)) {
    *reason = "exp claim is missing";
    goto out;
  }
  if ((double)now > json_number_value(exp) + (double)cfg->leeway) {
    *reason = "token has expired";
    goto out;
  }
  json_t *nbf = json_object_get(claims, "nbf");
  if (nbf != NULL) {
    if (!json_is_number(nbf) || (double)now + (double)cfg->leeway < json_number_value(nbf)) {
      *reason = "token is not yet valid";
      goto out;
    }
  }
  if (cfg->issuer) {
    const char *iss = json_string_value(json_object_get(claims, "iss"));
    if (iss == NULL || strcmp(iss, cfg->issuer) != 0) {
      *reason = "issuer does not match";
      goto out;
    }
  }
  if (cfg->audience && !audience_matches(json_object_get(claims, "aud"), cfg->audience)) {
    *reason = "audience does not match";
    goto out;
  }
  /* what names the caller is stored, shown and logged: no control character, which would
   * break or forge a log line or a CSV row (NUL never gets here: the claims are parsed without
   * JSON_ALLOW_NUL) */
  static const char *const TEXT_CLAIMS[] = {"sub", "name", "org", "unit"};
  for (size_t k = 0; k < sizeof TEXT_CLAIMS / sizeof TEXT_CLAIMS[0]; k++) {
    const json_t *v = json_object_get(claims, TEXT_CLAIMS[k]);
    if (json_is_string(v) && text_has_control(json_string_value(v), json_string_length(v), 0)) {
      *reason = "a sub, name, org or unit claim holds a control character";
      goto out;
    }
  }
  const char *sub = json_string_value(json_object_get(claims, "sub"));
  const char *org = json_string_value(json_object_get(claims, "org"));
  const char *name = json_string_value(json_object_get(claims, "name"));
  const char *unit = json_string_value(json_object_get(claims, "unit"));
  if (sub == NULL || *sub == '\0' || utf8_length(sub, strlen(sub)) > PRINCIPAL_SUB_CHARS ||
      copy_claim(out->sub, sizeof out->sub, sub) != 0) {
    *reason = "sub claim is missing or too long";
    goto out;
  }
  if (org == NULL || *org == '\0' || copy_claim(out->org, sizeof out->org, org) != 0) {
    *reason = "org claim is missing or too long";
    goto out;
  }
  /* a display name longer than the register keeps is shortened, not refused */
  copy_chars(out->name, sizeof out->name, name ? name : "", PRINCIPAL_NAME_CHARS);
  if (unit != NULL && copy_claim(out->unit, sizeof out->unit, unit) != 0) {
    *reason = "unit claim is too long";
    goto out;
  }
  /* RFC 9068: scope is one string of space-separated items; anything else grants nothing */
  const char *scope = json_string_value(json_object_get(claims, "scope"));
  if (scope != NULL && copy_claim(out->scope, sizeof out->scope, scope) != 0) {
    *reason = "scope claim is too long";
    goto out;
  }
  out->roles = ROLE_EMPLOYEE;
  json_t *roles = json_object_get(claims, "roles");
  size_t i;
  json_t *r;
  json_array_foreach(roles, i, r) {
    if (json_is_string(r)) {
      out->roles |= role_lookup(cfg->role_map, json_string_value(r));
    }
  }
  out->exp = json_number_value(exp);
  out->nbf = nbf ? json_number_value(nbf) : 0;
  *reason = NULL;
  rc = AUTH_OK;
out:
  if (rc != AUTH_OK) {
    memset(out, 0, sizeof *out);
  }
  json_decref(claims);
  free(claims_text);
  jwt_free(jwt);
  return rc;
}

char *auth_issue_hs256(const unsigned char *secret, size_t secret_len, const char *sub, const char *name,
                       const char *org, const char *const *roles, const char *unit, long ttl, time_t now) {
  return auth_issue_hs256_scoped(secret, secret_len, sub, name, org, roles, unit, NULL, ttl, now);
}

char *auth_issue_hs256_scoped(const unsigned char *secret, size_t secret_len, const char *sub, const char *name,
                              const char *org, const char *const *roles, const char *unit, const char *scope, long ttl,
                              time_t now) {
  jwt_t *jwt = NULL;
  char *token = NULL, *grants = NULL;
  json_t *doc = json_pack("{s:s, s:s, s:s, s:I, s:I}", "sub", sub, "name", name ? name : "", "org", org, "iat",
                          (json_int_t)now, "exp", (json_int_t)(now + ttl));
  json_t *arr = json_array();
  for (size_t i = 0; roles && roles[i]; i++) {
    json_array_append_new(arr, json_string(roles[i]));
  }
  json_object_set_new(doc, "roles", arr);
  if (unit && *unit) {
    json_object_set_new(doc, "unit", json_string(unit));
  }
  if (scope && *scope) {
    json_object_set_new(doc, "scope", json_string(scope));
  }
  grants = json_dumps(doc, JSON_COMPACT);
  if (grants == NULL || jwt_new(&jwt) != 0 || jwt_add_grants_json(jwt, grants) != 0 ||
      jwt_set_alg(jwt, JWT_ALG_HS256, secret, (int)secret_len) != 0) {
    goto out;
  }
  token = jwt_encode_str(jwt);
out:
  jwt_free(jwt);
  free(grants);
  json_decref(doc);
  return token;
}

#define TOKEN_CACHE_SLOTS 256

struct token_slot {
  char *token; /* owned */
  struct principal who;
};
static struct token_slot g_tokens[TOKEN_CACHE_SLOTS];
static pthread_mutex_t g_tokens_mu = PTHREAD_MUTEX_INITIALIZER;

static size_t token_hash(const char *t) {
  size_t h = 1469598103934665603ULL;
  for (; *t; t++) {
    h = (h ^ (unsigned char)*t) * 1099511628211ULL;
  }
  return h % TOKEN_CACHE_SLOTS;
}

static int still_valid(const struct auth_config *cfg, const struct principal *p, time_t now, const char **reason) {
  if ((double)now > p->exp + (double)cfg->leeway) {
    *reason = "token has expired";
    return 0;
  }
  if (p->nbf > 0 && (double)now + (double)cfg->leeway < p->nbf) {
    *reason = "token is not yet valid";
    return 0;
  }
  return 1;
}

auth_result auth_verify_cached(const struct auth_config *cfg, const char *token, time_t now, struct principal *out,
                               const char **reason) {
  if (token == NULL) {
    return auth_verify(cfg, token, now, out, reason);
  }
  size_t h = token_hash(token);
  int hit = 0;
  pthread_mutex_lock(&g_tokens_mu);
  if (g_tokens[h].token != NULL && strcmp(g_tokens[h].token, token) == 0) {
    *out = g_tokens[h].who;
    hit = 1;
  }
  pthread_mutex_unlock(&g_tokens_mu);
  if (hit) {
    if (still_valid(cfg, out, now, reason)) {
      *reason = NULL;
      return AUTH_OK;
    }
    memset(out, 0, sizeof *out);
    return AUTH_INVALID;
  }
  auth_result rc = auth_verify(cfg, token, now, out, reason);
  if (rc == AUTH_OK) {
    char *copy = strdup(token);
    pthread_mutex_lock(&g_tokens_mu);
    free(g_tokens[h].token);
    g_tokens[h].token = copy;
    g_tokens[h].who = *out;
    pthread_mutex_unlock(&g_tokens_mu);
  }
  return rc;
}

void auth_cache_clear(void) {
  pthread_mutex_lock(&g_tokens_mu);
  for (size_t i = 0; i < TOKEN_CACHE_SLOTS; i++) {
    free(g_tokens[i].token);
    g_tokens[i].token = NULL;
  }
  pthread_mutex_unlock(&g_tokens_mu);
}

void roles_to_sql(unsigned roles, char *out, size_t size) {
  size_t used = 0;
  if (size < 3) {
    if (size) out[0] = '\0';
    return;
  }
  out[used++] = '{';
  for (unsigned i = 0; i < ROLE_COUNT; i++) {
    if ((roles & (1u << i)) && ROLE_NAMES[i] != NULL) {
      int w = snprintf(out + used, size - used, "%s%s", used > 1 ? "," : "", role_name(1u << i));
      if (w < 0 || (size_t)w >= size - used - 1) break;
      used += (size_t)w;
    }
  }
  snprintf(out + used, size - used, "}");
}
