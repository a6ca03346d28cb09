/* Bearer tokens: the Authorization header, the JWT header and claims, and their verification
 * (api/core/auth.c: auth_bearer, auth_verify, auth_verify_cached) with an HS256 key, as the
 * dispatcher runs them on every authenticated request.
 *
 * Input, by its first byte:
 *   'C'  the rest is the claims JSON; the harness signs it under {"alg":"HS256","typ":"JWT"}
 *        with the server's key, so the claim checks (exp, nbf, iss, aud, sub, org, name, unit,
 *        roles) are reached, not only the signature check;
 *   'H'  a header JSON line, then the claims JSON, signed the same way;
 *   anything else: the whole input is the Authorization header value, token and all.
 * Each token is verified under two configurations: bare, and with issuer, audience, leeway
 * and a role map. */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "b64url.h"
#include "fuzz.h"
#include "validate.h"

static const char SECRET[] = "0123456789abcdef0123456789abcdef-fuzz-secret";
#define FUZZ_NOW ((time_t)1767225600) /* 2026-01-01T00:00:00Z */

static struct role_map g_map;
static struct auth_config g_bare, g_full;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  json_t *problems = json_array();
  FUZZ_CHECK(role_map_parse("UM-Prezydent=president,UM-Pelnomocnik=plenipotentiary,UM-IOD=iod", &g_map, problems) == 0,
             "the role map does not parse");
  json_decref(problems);
  g_bare =
      (struct auth_config){.alg = JWT_ALG_HS256, .key = (const unsigned char *)SECRET, .key_len = sizeof SECRET - 1};
  g_full = g_bare;
  g_full.issuer = "https://idp.example/realms/um";
  g_full.audience = "zsz-api";
  g_full.role_map = &g_map;
  g_full.leeway = 60;
  return 0;
}

/* A new "header.claims.signature" string signed with SECRET. */
static char *sign(const char *header, size_t hlen, const char *claims, size_t clen) {
  size_t cap = (hlen + 2) / 3 * 4 + (clen + 2) / 3 * 4 + 64;
  char *token = malloc(cap);
  FUZZ_CHECK(token != NULL, "out of memory");
  size_t n = b64url_encode((const unsigned char *)header, hlen, token);
  token[n++] = '.';
  n += b64url_encode((const unsigned char *)claims, clen, token + n);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), SECRET, (int)(sizeof SECRET - 1), (const unsigned char *)token, n, mac, &mac_len);
  token[n++] = '.';
  b64url_encode(mac, mac_len, token + n);
  return token;
}

static void verify(const struct auth_config *cfg, const char *token) {
  struct principal who;
  const char *why = "unset";
  auth_result rc = auth_verify(cfg, token, FUZZ_NOW, &who, &why);
  if (rc == AUTH_OK) {
    FUZZ_CHECK(why == NULL, "accepted with a reason: %s", why);
    FUZZ_CHECK(who.sub[0] != '\0' && who.org[0] != '\0', "accepted without sub or org");
    FUZZ_CHECK(utf8_length(who.sub, strlen(who.sub)) <= PRINCIPAL_SUB_CHARS, "sub over %d characters",
               PRINCIPAL_SUB_CHARS);
    FUZZ_CHECK(utf8_valid(who.sub, strlen(who.sub)) && utf8_valid(who.org, strlen(who.org)) &&
                   utf8_valid(who.name, strlen(who.name)) && utf8_valid(who.unit, strlen(who.unit)),
               "a claim kept is not valid UTF-8");
    FUZZ_CHECK(utf8_length(who.name, strlen(who.name)) <= PRINCIPAL_NAME_CHARS, "name over %d characters",
               PRINCIPAL_NAME_CHARS);
    FUZZ_CHECK((who.roles & ROLE_EMPLOYEE) && who.roles < (1u << ROLE_COUNT), "roles 0x%x", who.roles);
    char sql[128];
    roles_to_sql(who.roles, sql, sizeof sql);
    FUZZ_CHECK(sql[0] == '{' && sql[strlen(sql) - 1] == '}', "roles as SQL: %s", sql);
  } else {
    FUZZ_CHECK(why != NULL && *why != '\0', "refused without a reason");
    FUZZ_CHECK(who.sub[0] == '\0' && who.roles == 0, "refused but the principal is filled");
  }
  /* the cache answers as the verifier does, on a miss and on a hit (a server has one
   * configuration: the cache is emptied between the two used here) */
  auth_cache_clear();
  for (int round = 0; round < 2; round++) {
    struct principal cached;
    const char *cwhy = NULL;
    auth_result crc = auth_verify_cached(cfg, token, FUZZ_NOW, &cached, &cwhy);
    FUZZ_CHECK(crc == rc, "the cache answered %d, the verifier %d", (int)crc, (int)rc);
    FUZZ_CHECK(rc != AUTH_OK || (strcmp(cached.sub, who.sub) == 0 && strcmp(cached.name, who.name) == 0 &&
                                 strcmp(cached.org, who.org) == 0 && strcmp(cached.unit, who.unit) == 0 &&
                                 cached.roles == who.roles && cached.exp == who.exp && cached.nbf == who.nbf),
               "the cache gave another principal");
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *token = NULL;
  if (size > 0 && (data[0] == 'C' || data[0] == 'H')) {
    static const char FIXED[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
    const char *header = FIXED, *claims;
    size_t hlen = sizeof FIXED - 1, clen;
    const uint8_t *rest = data + 1;
    size_t rlen = size - 1;
    if (data[0] == 'H') {
      const uint8_t *nl = memchr(rest, '\n', rlen);
      hlen = nl ? (size_t)(nl - rest) : rlen;
      header = (const char *)rest;
      rest += nl ? hlen + 1 : hlen;
      rlen -= nl ? hlen + 1 : hlen;
    }
    claims = (const char *)rest;
    clen = rlen;
    token = sign(header, hlen, claims, clen);
  } else {
    char *header = fuzz_cstr(data, size);
    const char *t = auth_bearer(header);
    if (t != NULL) {
      FUZZ_CHECK(t >= header && t < header + strlen(header) && *t != ' ', "auth_bearer pointed outside the value");
      token = strdup(t);
    } else {
      token = strdup(header);
    }
    free(header);
    FUZZ_CHECK(token != NULL, "out of memory");
  }
  verify(&g_bare, token);
  verify(&g_full, token);
  free(token);
  return 0;
}
