/* Unit tests for api/auth.c: bearer token verification with a pinned algorithm, claim
 * checks, role mapping and the Authorization header parser. */

#include <check.h>
#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "validate.h"
#include "b64url.h"

#define NOW ((time_t)1800000000)
#define SECRET "0123456789abcdef0123456789abcdef-test-secret"

static const unsigned char *secret(void) {
  return (const unsigned char *)SECRET;
}
static size_t secret_len(void) {
  return strlen(SECRET);
}

/* ---- RSA key pairs, generated once in-process ------------------------------------------- */

struct keypair {
  char *priv_pem; /* PKCS#8 private key */
  char *pub_pem;  /* SubjectPublicKeyInfo */
};

static struct keypair RSA_A, RSA_B, EC_A, EC_B;

static int keypair_from(struct keypair *kp, EVP_PKEY *pkey);

static char *bio_to_string(BIO *bio) {
  char *data = NULL;
  long len = BIO_get_mem_data(bio, &data);
  char *out = malloc((size_t)len + 1);
  if (out != NULL) {
    memcpy(out, data, (size_t)len);
    out[len] = '\0';
  }
  return out;
}

static int keypair_generate(struct keypair *kp) {
  return keypair_from(kp, EVP_RSA_gen(2048));
}

/* An ECDSA P-256 pair, for ES256. */
static int ec_keypair_generate(struct keypair *kp) {
  return keypair_from(kp, EVP_EC_gen("P-256"));
}

static int keypair_from(struct keypair *kp, EVP_PKEY *pkey) {
  BIO *priv = BIO_new(BIO_s_mem()), *pub = BIO_new(BIO_s_mem());
  int ok = pkey && priv && pub && PEM_write_bio_PrivateKey(priv, pkey, NULL, NULL, 0, NULL, NULL) == 1 &&
           PEM_write_bio_PUBKEY(pub, pkey) == 1;
  if (ok) {
    kp->priv_pem = bio_to_string(priv);
    kp->pub_pem = bio_to_string(pub);
    ok = kp->priv_pem && kp->pub_pem;
  }
  BIO_free(priv);
  BIO_free(pub);
  EVP_PKEY_free(pkey);
  return ok ? 0 : -1;
}

static void keypair_free(struct keypair *kp) {
  free(kp->priv_pem);
  free(kp->pub_pem);
  kp->priv_pem = kp->pub_pem = NULL;
}

/* ---- token builders ---------------------------------------------------------------------- */

/* A token made by libjwt with the given alg and key over the given claims (JSON text). */
static char *lib_token(jwt_alg_t alg, const void *key, size_t key_len, const char *claims) {
  jwt_t *jwt = NULL;
  char *out = NULL;
  if (jwt_new(&jwt) == 0 && jwt_add_grants_json(jwt, claims) == 0 &&
      jwt_set_alg(jwt, alg, (const unsigned char *)key, (int)key_len) == 0) {
    out = jwt_encode_str(jwt);
  }
  jwt_free(jwt);
  return out;
}

static char *b64(const void *data, size_t len) {
  char *out = malloc((len + 2) / 3 * 4 + 1);
  b64url_encode((const unsigned char *)data, len, out);
  return out;
}

/* A token built by hand: base64url(header) "." base64url(claims) "." signature, where the
 * signature is HMAC-SHA256 under key, or empty when key is NULL. */
static char *hand_token(const char *header, const char *claims, const void *key, size_t key_len) {
  char *h = b64(header, strlen(header));
  char *c = b64(claims, strlen(claims));
  size_t signing_len = strlen(h) + 1 + strlen(c);
  char *out = malloc(signing_len + 1 + 64);
  snprintf(out, signing_len + 1, "%s.%s", h, c);
  out[signing_len] = '.';
  out[signing_len + 1] = '\0';
  if (key != NULL) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)out, signing_len, mac, &mac_len);
    b64url_encode(mac, mac_len, out + signing_len + 1);
  }
  free(h);
  free(c);
  return out;
}

/* Claims JSON text: a valid set with exp = NOW + 3600, with extra members merged in (a JSON
 * object text whose null members delete the default). */
static char *claims_with(const char *extra) {
  json_t *doc = json_pack("{s:s, s:s, s:s, s:I, s:I, s:[s]}", "sub", "user-1", "name", "Jan Kowalski", "org", "krakow",
                          "iat", (json_int_t)NOW, "exp", (json_int_t)(NOW + 3600), "roles", "iod");
  if (extra != NULL) {
    json_error_t err;
    json_t *more = json_loads(extra, 0, &err);
    ck_assert_msg(more != NULL, "bad test JSON %s: %s", extra, err.text);
    const char *k;
    json_t *v;
    json_object_foreach(more, k, v) {
      if (json_is_null(v)) {
        json_object_del(doc, k);
      } else {
        json_object_set(doc, k, v);
      }
    }
    json_decref(more);
  }
  char *out = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  return out;
}

static struct auth_config hs_config(void) {
  struct auth_config cfg = {
      .alg = JWT_ALG_HS256,
      .key = secret(),
      .key_len = secret_len(),
      .leeway = 60,
  };
  return cfg;
}

static struct auth_config rs_config(const struct keypair *kp) {
  struct auth_config cfg = {
      .alg = JWT_ALG_RS256,
      .key = (const unsigned char *)kp->pub_pem,
      .key_len = strlen(kp->pub_pem),
      .leeway = 60,
  };
  return cfg;
}

/* Verifies and frees token; returns the result, fills *p. */
static auth_result verify_at(const struct auth_config *cfg, char *token, time_t now, struct principal *p,
                             const char **reason) {
  ck_assert_ptr_nonnull(token);
  auth_result rc = auth_verify(cfg, token, now, p, reason);
  free(token);
  return rc;
}

/* A hand-signed HS256 token over claims_with(extra), verified with the HS256 config. */
static auth_result verify_hs_claims(const struct auth_config *cfg, const char *extra, struct principal *p,
                                    const char **reason) {
  char *claims = claims_with(extra);
  char *tok = lib_token(JWT_ALG_HS256, secret(), secret_len(), claims);
  free(claims);
  return verify_at(cfg, tok, NOW, p, reason);
}

static void assert_refused(auth_result rc, const struct principal *p, const char *const *reasonp, const char *what) {
  const char *reason = *reasonp;
  ck_assert_msg(rc == AUTH_INVALID, "%s: token was accepted", what);
  ck_assert_msg(reason != NULL && *reason != '\0', "%s: no reason given", what);
  ck_assert_msg(p->sub[0] == '\0' && p->org[0] == '\0' && p->roles == 0, "%s: principal not cleared on failure", what);
}

/* ---- good tokens ------------------------------------------------------------------------- */

START_TEST(good_token_fills_principal) {
  struct role_map map;
  json_t *problems = json_array();
  ck_assert_int_eq(role_map_parse("ZSZ_Prezydent=president,ZSZ_Pelnomocnik=plenipotentiary", &map, problems), 0);
  struct auth_config cfg = hs_config();
  cfg.role_map = &map;
  const char *roles[] = {"ZSZ_Pelnomocnik", "process_owner", NULL};
  char *tok = auth_issue_hs256(secret(), secret_len(), "u-42", "Zofia Łącka", "krakow", roles, "WZ.1", 3600, NOW);
  struct principal p;
  const char *reason = "unset";
  ck_assert_int_eq(verify_at(&cfg, tok, NOW + 10, &p, &reason), AUTH_OK);
  ck_assert_ptr_null(reason);
  ck_assert_str_eq(p.sub, "u-42");
  ck_assert_str_eq(p.name, "Zofia Łącka");
  ck_assert_str_eq(p.org, "krakow");
  ck_assert_str_eq(p.unit, "WZ.1");
  ck_assert_uint_eq(p.roles, ROLE_EMPLOYEE | ROLE_PLENIPOTENTIARY | ROLE_PROCESS_OWNER);
  ck_assert(p.exp == (double)(NOW + 3600));
  ck_assert(p.nbf == 0);
  role_map_free(&map);
  json_decref(problems);
}
END_TEST

START_TEST(good_token_without_optional_claims) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  ck_assert_int_eq(verify_hs_claims(&cfg, "{\"name\": null, \"roles\": null}", &p, &reason), AUTH_OK);
  ck_assert_str_eq(p.sub, "user-1");
  ck_assert_str_eq(p.name, "");
  ck_assert_str_eq(p.unit, "");
  /* every authenticated caller is an employee, even with no roles claim */
  ck_assert_uint_eq(p.roles, ROLE_EMPLOYEE);
}
END_TEST

START_TEST(roles_claim_not_an_array_gives_employee_only) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  ck_assert_int_eq(verify_hs_claims(&cfg, "{\"roles\": \"president\"}", &p, &reason), AUTH_OK);
  ck_assert_uint_eq(p.roles, ROLE_EMPLOYEE);
  ck_assert_int_eq(verify_hs_claims(&cfg, "{\"roles\": [1, true, \"auditor\", null]}", &p, &reason), AUTH_OK);
  ck_assert_uint_eq(p.roles, ROLE_EMPLOYEE | ROLE_AUDITOR);
}
END_TEST

START_TEST(unknown_roles_are_ignored) {
  struct role_map map;
  json_t *problems = json_array();
  ck_assert_int_eq(role_map_parse("ZSZ_Prezydent=president,ZSZ_Pelnomocnik=plenipotentiary", &map, problems), 0);
  struct auth_config cfg = hs_config();
  cfg.role_map = &map;
  const char *roles[] = {"foo", "ZSZ_Prezydent", NULL};
  char *tok = auth_issue_hs256(secret(), secret_len(), "u", NULL, "krakow", roles, NULL, 600, NOW);
  struct principal p;
  const char *reason = NULL;
  ck_assert_int_eq(verify_at(&cfg, tok, NOW, &p, &reason), AUTH_OK);
  ck_assert_uint_eq(p.roles, ROLE_PRESIDENT | ROLE_EMPLOYEE);
  /* without the map the group name means nothing */
  cfg.role_map = NULL;
  tok = auth_issue_hs256(secret(), secret_len(), "u", NULL, "krakow", roles, NULL, 600, NOW);
  ck_assert_int_eq(verify_at(&cfg, tok, NOW, &p, &reason), AUTH_OK);
  ck_assert_uint_eq(p.roles, ROLE_EMPLOYEE);
  role_map_free(&map);
  json_decref(problems);
}
END_TEST

/* ---- time -------------------------------------------------------------------------------- */

START_TEST(expiry_and_leeway) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  const char *roles[] = {NULL};
  time_t exp = NOW + 3600;
  /* within the 60 s leeway: accepted, up to and including exp + 60 */
  ck_assert_int_eq(verify_at(&cfg, auth_issue_hs256(secret(), secret_len(), "u", "n", "o", roles, NULL, 3600, NOW),
                             exp + 30, &p, &reason),
                   AUTH_OK);
  ck_assert_int_eq(verify_at(&cfg, auth_issue_hs256(secret(), secret_len(), "u", "n", "o", roles, NULL, 3600, NOW),
                             exp + 60, &p, &reason),
                   AUTH_OK);
  /* beyond it: refused */
  assert_refused(verify_at(&cfg, auth_issue_hs256(secret(), secret_len(), "u", "n", "o", roles, NULL, 3600, NOW),
                           exp + 61, &p, &reason),
                 &p, &reason, "expired 61 s ago");
  assert_refused(verify_at(&cfg, auth_issue_hs256(secret(), secret_len(), "u", "n", "o", roles, NULL, 3600, NOW),
                           exp + 86400, &p, &reason),
                 &p, &reason, "expired a day ago");
  /* a longer leeway accepts what the shorter refused */
  cfg.leeway = 120;
  ck_assert_int_eq(verify_at(&cfg, auth_issue_hs256(secret(), secret_len(), "u", "n", "o", roles, NULL, 3600, NOW),
                             exp + 61, &p, &reason),
                   AUTH_OK);
}
END_TEST

START_TEST(not_before) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  char extra[64];
  snprintf(extra, sizeof extra, "{\"nbf\": %lld}", (long long)NOW + 61);
  assert_refused(verify_hs_claims(&cfg, extra, &p, &reason), &p, &reason, "nbf 61 s ahead");
  snprintf(extra, sizeof extra, "{\"nbf\": %lld}", (long long)NOW + 3000);
  assert_refused(verify_hs_claims(&cfg, extra, &p, &reason), &p, &reason, "nbf 3000 s ahead");
  snprintf(extra, sizeof extra, "{\"nbf\": %lld}", (long long)NOW + 60);
  ck_assert_int_eq(verify_hs_claims(&cfg, extra, &p, &reason), AUTH_OK);
  snprintf(extra, sizeof extra, "{\"nbf\": %lld}", (long long)NOW - 10);
  ck_assert_int_eq(verify_hs_claims(&cfg, extra, &p, &reason), AUTH_OK);
  assert_refused(verify_hs_claims(&cfg, "{\"nbf\": \"soon\"}", &p, &reason), &p, &reason, "nbf not a number");
}
END_TEST

START_TEST(missing_or_bad_exp) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  assert_refused(verify_hs_claims(&cfg, "{\"exp\": null}", &p, &reason), &p, &reason, "no exp");
  assert_refused(verify_hs_claims(&cfg, "{\"exp\": \"9999999999\"}", &p, &reason), &p, &reason, "exp as string");
  assert_refused(verify_hs_claims(&cfg, "{\"exp\": true}", &p, &reason), &p, &reason, "exp as boolean");
}
END_TEST

/* ---- signatures and algorithms ----------------------------------------------------------- */

START_TEST(wrong_secret_refused) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  const char *other = "another-secret-another-secret-another";
  char *claims = claims_with(NULL);
  assert_refused(verify_at(&cfg, lib_token(JWT_ALG_HS256, other, strlen(other), claims), NOW, &p, &reason), &p, &reason,
                 "signed with another secret");
  assert_refused(verify_at(&cfg, hand_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims, other, strlen(other)), NOW,
                           &p, &reason),
                 &p, &reason, "hand-signed with another secret");
  /* the hand-built token with the right secret verifies: the builder itself is sound */
  ck_assert_int_eq(verify_at(&cfg, hand_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims, secret(), secret_len()),
                             NOW, &p, &reason),
                   AUTH_OK);
  ck_assert_str_eq(p.sub, "user-1");
  free(claims);
}
END_TEST

START_TEST(tampered_payload_refused) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  char *claims = claims_with(NULL);
  char *good = lib_token(JWT_ALG_HS256, secret(), secret_len(), claims);
  ck_assert_ptr_nonnull(good);
  /* keep header and signature, swap the payload for one naming another organisation */
  char *forged_claims = claims_with("{\"org\": \"lublin\"}");
  char *forged_payload = b64(forged_claims, strlen(forged_claims));
  const char *dot1 = strchr(good, '.');
  const char *dot2 = strrchr(good, '.');
  size_t hlen = (size_t)(dot1 - good);
  char *forged = malloc(hlen + 1 + strlen(forged_payload) + strlen(dot2) + 1);
  sprintf(forged, "%.*s.%s%s", (int)hlen, good, forged_payload, dot2);
  assert_refused(verify_at(&cfg, forged, NOW, &p, &reason), &p, &reason, "payload swapped");
  /* a signature with one character changed */
  size_t last = strlen(good) - 2;
  good[last] = good[last] == 'A' ? 'B' : 'A';
  assert_refused(verify_at(&cfg, good, NOW, &p, &reason), &p, &reason, "signature changed");
  free(forged_payload);
  free(forged_claims);
  free(claims);
}
END_TEST

START_TEST(alg_none_refused) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  char *claims = claims_with(NULL);
  assert_refused(verify_at(&cfg, hand_token("{\"alg\":\"none\",\"typ\":\"JWT\"}", claims, NULL, 0), NOW, &p, &reason),
                 &p, &reason, "alg none, empty signature");
  assert_refused(verify_at(&cfg, hand_token("{\"alg\":\"None\"}", claims, NULL, 0), NOW, &p, &reason), &p, &reason,
                 "alg None, empty signature");
  /* alg none carrying a valid HMAC still is not HS256 */
  assert_refused(verify_at(&cfg, hand_token("{\"alg\":\"none\"}", claims, secret(), secret_len()), NOW, &p, &reason),
                 &p, &reason, "alg none with an HMAC");
  /* no alg at all */
  assert_refused(verify_at(&cfg, hand_token("{\"typ\":\"JWT\"}", claims, secret(), secret_len()), NOW, &p, &reason), &p,
                 &reason, "no alg");
  /* HS512 with the right secret is still not the pinned algorithm */
  assert_refused(verify_at(&cfg, lib_token(JWT_ALG_HS512, secret(), secret_len(), claims), NOW, &p, &reason), &p,
                 &reason, "HS512");
  /* duplicate alg members: refused rather than guessed */
  assert_refused(verify_at(&cfg, hand_token("{\"alg\":\"HS256\",\"alg\":\"none\"}", claims, secret(), secret_len()),
                           NOW, &p, &reason),
                 &p, &reason, "duplicate alg");
  free(claims);
}
END_TEST

START_TEST(rs256_token_refused_when_hs256_pinned) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  char *claims = claims_with(NULL);
  assert_refused(
      verify_at(&cfg, lib_token(JWT_ALG_RS256, RSA_A.priv_pem, strlen(RSA_A.priv_pem), claims), NOW, &p, &reason), &p,
      &reason, "RS256 token, HS256 pinned");
  free(claims);
}
END_TEST

START_TEST(hs256_keyed_with_public_key_refused_when_rs256_pinned) {
  struct auth_config cfg = rs_config(&RSA_A);
  struct principal p;
  const char *reason = NULL;
  char *claims = claims_with(NULL);
  const char *pub = RSA_A.pub_pem;
  assert_refused(
      verify_at(&cfg, hand_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims, pub, strlen(pub)), NOW, &p, &reason),
      &p, &reason, "HS256 keyed with the public key PEM (hand-built)");
  assert_refused(verify_at(&cfg, lib_token(JWT_ALG_HS256, pub, strlen(pub), claims), NOW, &p, &reason), &p, &reason,
                 "HS256 keyed with the public key PEM (libjwt)");
  free(claims);
}
END_TEST

START_TEST(rs256_valid_when_pinned) {
  struct auth_config cfg = rs_config(&RSA_A);
  struct principal p;
  const char *reason = NULL;
  char *claims = claims_with("{\"unit\": \"GZ\", \"roles\": [\"auditor\"]}");
  ck_assert_int_eq(
      verify_at(&cfg, lib_token(JWT_ALG_RS256, RSA_A.priv_pem, strlen(RSA_A.priv_pem), claims), NOW, &p, &reason),
      AUTH_OK);
  ck_assert_str_eq(p.sub, "user-1");
  ck_assert_str_eq(p.org, "krakow");
  ck_assert_str_eq(p.unit, "GZ");
  ck_assert_uint_eq(p.roles, ROLE_AUDITOR | ROLE_EMPLOYEE);
  /* signed by another key pair: refused */
  assert_refused(
      verify_at(&cfg, lib_token(JWT_ALG_RS256, RSA_B.priv_pem, strlen(RSA_B.priv_pem), claims), NOW, &p, &reason), &p,
      &reason, "RS256 signed by a foreign key");
  free(claims);
}
END_TEST

START_TEST(es256_valid_when_pinned) {
  struct auth_config cfg = rs_config(&EC_A);
  struct principal p;
  const char *reason = NULL;
  char *claims = claims_with("{\"roles\": [\"iod\"]}");
  cfg.alg = JWT_ALG_ES256;
  ck_assert_int_eq(
      verify_at(&cfg, lib_token(JWT_ALG_ES256, EC_A.priv_pem, strlen(EC_A.priv_pem), claims), NOW, &p, &reason),
      AUTH_OK);
  ck_assert_str_eq(p.sub, "user-1");
  ck_assert_uint_eq(p.roles, ROLE_IOD | ROLE_EMPLOYEE);
  assert_refused(
      verify_at(&cfg, lib_token(JWT_ALG_ES256, EC_B.priv_pem, strlen(EC_B.priv_pem), claims), NOW, &p, &reason), &p,
      &reason, "ES256 signed by a foreign key");
  /* the same ES256 token is refused when RS256 is pinned, whatever key is configured */
  struct auth_config rs = rs_config(&RSA_A);
  assert_refused(
      verify_at(&rs, lib_token(JWT_ALG_ES256, EC_A.priv_pem, strlen(EC_A.priv_pem), claims), NOW, &p, &reason), &p,
      &reason, "ES256 token, RS256 pinned");
  free(claims);
}
END_TEST

/* ---- issuer, audience and identity claims ------------------------------------------------ */

START_TEST(issuer_checked_when_configured) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  cfg.issuer = "https://idp.example/realms/zsz";
  ck_assert_int_eq(verify_hs_claims(&cfg, "{\"iss\": \"https://idp.example/realms/zsz\"}", &p, &reason), AUTH_OK);
  assert_refused(verify_hs_claims(&cfg, "{\"iss\": \"https://evil.example/realms/zsz\"}", &p, &reason), &p, &reason,
                 "wrong iss");
  assert_refused(verify_hs_claims(&cfg, NULL, &p, &reason), &p, &reason, "missing iss");
  assert_refused(verify_hs_claims(&cfg, "{\"iss\": [\"https://idp.example/realms/zsz\"]}", &p, &reason), &p, &reason,
                 "iss as array");
  /* not configured: not checked */
  cfg.issuer = NULL;
  ck_assert_int_eq(verify_hs_claims(&cfg, "{\"iss\": \"https://anyone.example\"}", &p, &reason), AUTH_OK);
}
END_TEST

START_TEST(audience_checked_when_configured) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  cfg.audience = "zsz-api";
  ck_assert_int_eq(verify_hs_claims(&cfg, "{\"aud\": \"zsz-api\"}", &p, &reason), AUTH_OK);
  ck_assert_int_eq(verify_hs_claims(&cfg, "{\"aud\": [\"account\", \"zsz-api\"]}", &p, &reason), AUTH_OK);
  assert_refused(verify_hs_claims(&cfg, "{\"aud\": \"account\"}", &p, &reason), &p, &reason, "wrong aud string");
  assert_refused(verify_hs_claims(&cfg, "{\"aud\": [\"account\", \"zsz-ap\"]}", &p, &reason), &p, &reason,
                 "wrong aud array");
  assert_refused(verify_hs_claims(&cfg, "{\"aud\": []}", &p, &reason), &p, &reason, "empty aud array");
  assert_refused(verify_hs_claims(&cfg, NULL, &p, &reason), &p, &reason, "missing aud");
  cfg.audience = NULL;
  ck_assert_int_eq(verify_hs_claims(&cfg, "{\"aud\": \"account\"}", &p, &reason), AUTH_OK);
}
END_TEST

START_TEST(identity_claims_required) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  assert_refused(verify_hs_claims(&cfg, "{\"sub\": null}", &p, &reason), &p, &reason, "missing sub");
  assert_refused(verify_hs_claims(&cfg, "{\"sub\": \"\"}", &p, &reason), &p, &reason, "empty sub");
  assert_refused(verify_hs_claims(&cfg, "{\"sub\": 42}", &p, &reason), &p, &reason, "numeric sub");
  assert_refused(verify_hs_claims(&cfg, "{\"org\": null}", &p, &reason), &p, &reason, "missing org");
  assert_refused(verify_hs_claims(&cfg, "{\"org\": \"\"}", &p, &reason), &p, &reason, "empty org");
}
END_TEST

/* Finding 5 of issue 14: a sub with a newline forged a log line. */
START_TEST(identity_claims_without_control_characters) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  static const char *const CLAIMS[] = {"sub", "name", "org", "unit"};
  /* C0 (with tab, CR, LF and ESC), DEL, C1 (NEL, CSI) and the line and paragraph separators */
  static const char *const BAD[] = {"a\\nb",     "a\\rb",     "a\\tb",     "\\u0001",   "a\\u001b[31mb", "a\\u007fb",
                                    "a\\u0080b", "a\\u0085b", "a\\u009fb", "a\\u2028b", "a\\u2029b"};
  for (size_t c = 0; c < sizeof CLAIMS / sizeof CLAIMS[0]; c++) {
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
      char extra[128], what[64];
      snprintf(extra, sizeof extra, "{\"%s\": \"%s\"}", CLAIMS[c], BAD[i]);
      snprintf(what, sizeof what, "%s %s", CLAIMS[c], BAD[i]);
      assert_refused(verify_hs_claims(&cfg, extra, &p, &reason), &p, &reason, what);
    }
  }
  /* letters of any script, spaces and the characters next to the refused ones stay accepted */
  ck_assert_int_eq(verify_hs_claims(&cfg,
                                    "{\"sub\": \"\u017c\u00f3\u0142w \u00a0~\u00a1\u2027\u202f\", \"name\": "
                                    "\"Jan \\\"Ko\\\\walski\\\"\", \"org\": \"krak\u00f3w\"}",
                                    &p, &reason),
                   AUTH_OK);
  ck_assert_str_eq(p.sub, "\xc5\xbc\xc3\xb3\xc5\x82w \xc2\xa0~\xc2\xa1\xe2\x80\xa7\xe2\x80\xaf");
  ck_assert_str_eq(p.name, "Jan \"Ko\\walski\"");
}
END_TEST

/* Claims text with one string member of n copies of c. */
static char *long_member(const char *name, char c, size_t n) {
  char *value = malloc(n + 1);
  memset(value, c, n);
  value[n] = '\0';
  json_t *obj = json_pack("{s:s}", name, value);
  char *out = json_dumps(obj, JSON_COMPACT);
  json_decref(obj);
  free(value);
  return out;
}

START_TEST(claim_lengths) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  char *extra;
  /* design.md: sub is 1..200 characters (users.sub has CHECK length 1..200) */
  extra = long_member("sub", 's', 200);
  ck_assert_int_eq(verify_hs_claims(&cfg, extra, &p, &reason), AUTH_OK);
  ck_assert_uint_eq(strlen(p.sub), 200);
  free(extra);
  extra = long_member("sub", 's', 201);
  assert_refused(verify_hs_claims(&cfg, extra, &p, &reason), &p, &reason, "201-character sub");
  free(extra);
  extra = long_member("sub", 's', 5000);
  assert_refused(verify_hs_claims(&cfg, extra, &p, &reason), &p, &reason, "5000-character sub");
  free(extra);
  extra = long_member("org", 'o', PRINCIPAL_ORG_MAX + 1);
  assert_refused(verify_hs_claims(&cfg, extra, &p, &reason), &p, &reason, "over-long org");
  free(extra);
  extra = long_member("unit", 'u', PRINCIPAL_UNIT_MAX + 1);
  assert_refused(verify_hs_claims(&cfg, extra, &p, &reason), &p, &reason, "over-long unit");
  free(extra);
  extra = long_member("unit", 'u', PRINCIPAL_UNIT_MAX);
  ck_assert_int_eq(verify_hs_claims(&cfg, extra, &p, &reason), AUTH_OK);
  ck_assert_uint_eq(strlen(p.unit), PRINCIPAL_UNIT_MAX);
  free(extra);
  /* a display name is shortened to what the register keeps (200 characters), not refused */
  extra = long_member("name", 'n', PRINCIPAL_NAME_MAX + 1);
  ck_assert_int_eq(verify_hs_claims(&cfg, extra, &p, &reason), AUTH_OK);
  ck_assert_uint_eq(strlen(p.name), PRINCIPAL_NAME_CHARS);
  free(extra);
  /* 250 two-byte characters: cut at a character boundary, 200 characters = 400 bytes */
  {
    char claim[1200];
    size_t o = (size_t)snprintf(claim, sizeof claim, "{\"name\":\"");
    for (int i = 0; i < 250; i++) {
      memcpy(claim + o, "\xc5\xbc", 2); /* ż */
      o += 2;
    }
    snprintf(claim + o, sizeof claim - o, "\"}");
    extra = strdup(claim);
  }
  ck_assert_int_eq(verify_hs_claims(&cfg, extra, &p, &reason), AUTH_OK);
  ck_assert_uint_eq(strlen(p.name), 400);
  ck_assert_uint_eq(utf8_length(p.name, strlen(p.name)), PRINCIPAL_NAME_CHARS);
  free(extra);
}
END_TEST

START_TEST(malformed_tokens) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  const char *bad[] = {
      "",
      "abc",
      "a.b",
      "a.b.c",
      "...",
      "!!!.???.###",
      "eyJhbGciOiJIUzI1NiJ9",
      "eyJhbGciOiJIUzI1NiJ9.",
      "eyJhbGciOiJIUzI1NiJ9..",
      "eyJhbGciOiJIUzI1NiJ9.e30.",
      "eyJhbGciOiJIUzI1NiJ9.!!!.abc",
      "eyJhbGciOiJIUzI1NiJ9=.e30.abc",
      "bm90IGpzb24.e30.abc", /* header "not json" */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    reason = NULL;
    auth_result rc = auth_verify(&cfg, bad[i], NOW, &p, &reason);
    ck_assert_msg(rc == AUTH_INVALID, "malformed token '%s' was accepted", bad[i]);
    ck_assert_msg(reason != NULL, "no reason for '%s'", bad[i]);
  }
  ck_assert_int_eq(auth_verify(&cfg, NULL, NOW, &p, &reason), AUTH_INVALID);
  /* a validly signed token whose payload is not JSON */
  assert_refused(
      verify_at(&cfg, hand_token("{\"alg\":\"HS256\"}", "not json", secret(), secret_len()), NOW, &p, &reason), &p,
      &reason, "payload not JSON");
  assert_refused(verify_at(&cfg, hand_token("{\"alg\":\"HS256\"}", "[1,2]", secret(), secret_len()), NOW, &p, &reason),
                 &p, &reason, "payload an array");
  /* a whole token longer than the limit */
  char *huge = malloc(9001);
  memset(huge, 'a', 9000);
  huge[9000] = '\0';
  huge[10] = '.';
  huge[20] = '.';
  ck_assert_int_eq(auth_verify(&cfg, huge, NOW, &p, &reason), AUTH_INVALID);
  free(huge);
}
END_TEST

/* ---- the verified-token cache ------------------------------------------------------------ */

START_TEST(cache_hit_gives_same_principal) {
  struct auth_config cfg = hs_config();
  const char *roles[] = {"auditor", NULL};
  char *tok = auth_issue_hs256(secret(), secret_len(), "cached-1", "Ewa", "lublin", roles, "U1", 3600, NOW);
  struct principal first, second;
  const char *reason = "unset";
  ck_assert_int_eq(auth_verify_cached(&cfg, tok, NOW, &first, &reason), AUTH_OK);
  ck_assert_ptr_null(reason);
  reason = "unset";
  ck_assert_int_eq(auth_verify_cached(&cfg, tok, NOW + 5, &second, &reason), AUTH_OK);
  ck_assert_ptr_null(reason);
  ck_assert_str_eq(second.sub, "cached-1");
  ck_assert_str_eq(second.name, "Ewa");
  ck_assert_str_eq(second.org, "lublin");
  ck_assert_str_eq(second.unit, "U1");
  ck_assert_uint_eq(second.roles, ROLE_AUDITOR | ROLE_EMPLOYEE);
  ck_assert_str_eq(first.sub, second.sub);
  ck_assert(first.exp == second.exp && second.exp == (double)(NOW + 3600));
  ck_assert(first.nbf == second.nbf);
  free(tok);
  auth_cache_clear();
}
END_TEST

START_TEST(cache_rechecks_time) {
  struct auth_config cfg = hs_config();
  const char *roles[] = {NULL};
  struct principal p;
  const char *reason = NULL;
  char *tok = auth_issue_hs256(secret(), secret_len(), "cached-2", NULL, "krakow", roles, NULL, 600, NOW);
  ck_assert_int_eq(auth_verify_cached(&cfg, tok, NOW, &p, &reason), AUTH_OK);
  ck_assert_int_eq(auth_verify_cached(&cfg, tok, NOW + 600 + 60, &p, &reason), AUTH_OK);
  assert_refused(auth_verify_cached(&cfg, tok, NOW + 600 + 61, &p, &reason), &p, &reason, "cached, expired");
  free(tok);

  /* nbf 30 s ahead is accepted within the leeway, but not from a clock 40 s earlier */
  char extra[64];
  snprintf(extra, sizeof extra, "{\"nbf\": %lld}", (long long)NOW + 30);
  char *claims = claims_with(extra);
  tok = lib_token(JWT_ALG_HS256, secret(), secret_len(), claims);
  free(claims);
  ck_assert_int_eq(auth_verify_cached(&cfg, tok, NOW, &p, &reason), AUTH_OK);
  assert_refused(auth_verify_cached(&cfg, tok, NOW - 40, &p, &reason), &p, &reason, "cached, not yet valid");
  free(tok);
  auth_cache_clear();
}
END_TEST

START_TEST(cache_never_admits_refused_tokens) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  const char *other = "another-secret-another-secret-another";
  const char *roles[] = {NULL};
  char *tok = auth_issue_hs256((const unsigned char *)other, strlen(other), "x", NULL, "krakow", roles, NULL, 600, NOW);
  assert_refused(auth_verify_cached(&cfg, tok, NOW, &p, &reason), &p, &reason, "foreign secret, first");
  assert_refused(auth_verify_cached(&cfg, tok, NOW, &p, &reason), &p, &reason, "foreign secret, again");
  free(tok);
  ck_assert_int_eq(auth_verify_cached(&cfg, NULL, NOW, &p, &reason), AUTH_INVALID);
  auth_cache_clear();
}
END_TEST

START_TEST(cache_slot_collisions_keep_principals_apart) {
  /* more tokens than cache slots: some share a slot, and each still yields its own principal */
  enum { N = 300 };
  struct auth_config cfg = hs_config();
  const char *roles[] = {NULL};
  char *toks[N];
  for (int i = 0; i < N; i++) {
    char sub[16];
    snprintf(sub, sizeof sub, "u%d", i);
    toks[i] = auth_issue_hs256(secret(), secret_len(), sub, NULL, "krakow", roles, NULL, 600, NOW);
    ck_assert_ptr_nonnull(toks[i]);
  }
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < N; i++) {
      struct principal p;
      const char *reason = NULL;
      char sub[16];
      snprintf(sub, sizeof sub, "u%d", i);
      ck_assert_int_eq(auth_verify_cached(&cfg, toks[i], NOW, &p, &reason), AUTH_OK);
      ck_assert_str_eq(p.sub, sub);
    }
  }
  for (int i = 0; i < N; i++) {
    free(toks[i]);
  }
  auth_cache_clear();
}
END_TEST

/* ---- role map ---------------------------------------------------------------------------- */

START_TEST(role_map_lookup) {
  struct role_map map;
  json_t *problems = json_array();
  ck_assert_int_eq(role_map_parse("ZSZ_Prezydent=president,ZSZ_Pelnomocnik=plenipotentiary", &map, problems), 0);
  ck_assert_uint_eq(json_array_size(problems), 0);
  ck_assert_uint_eq(map.count, 2);
  ck_assert_uint_eq(role_lookup(&map, "ZSZ_Prezydent"), ROLE_PRESIDENT);
  ck_assert_uint_eq(role_lookup(&map, "ZSZ_Pelnomocnik"), ROLE_PLENIPOTENTIARY);
  /* canonical names map to themselves, with or without a map */
  ck_assert_uint_eq(role_lookup(&map, "president"), ROLE_PRESIDENT);
  ck_assert_uint_eq(role_lookup(&map, "plenipotentiary"), ROLE_PLENIPOTENTIARY);
  ck_assert_uint_eq(role_lookup(&map, "process_owner"), ROLE_PROCESS_OWNER);
  ck_assert_uint_eq(role_lookup(&map, "iod"), ROLE_IOD);
  ck_assert_uint_eq(role_lookup(&map, "auditor"), ROLE_AUDITOR);
  ck_assert_uint_eq(role_lookup(&map, "employee"), ROLE_EMPLOYEE);
  ck_assert_uint_eq(role_lookup(NULL, "auditor"), ROLE_AUDITOR);
  /* unknown */
  ck_assert_uint_eq(role_lookup(&map, "foo"), 0);
  ck_assert_uint_eq(role_lookup(&map, ""), 0);
  ck_assert_uint_eq(role_lookup(&map, "ZSZ_Prezydent "), 0);
  ck_assert_uint_eq(role_lookup(&map, "ZSZ_"), 0);
  ck_assert_uint_eq(role_lookup(NULL, "ZSZ_Prezydent"), 0);
  role_map_free(&map);
  ck_assert_uint_eq(map.count, 0);
  ck_assert_ptr_null(map.entries);
  json_decref(problems);
}
END_TEST

START_TEST(role_map_spaces_and_empty) {
  struct role_map map;
  json_t *problems = json_array();
  ck_assert_int_eq(role_map_parse("A=president, B=auditor", &map, problems), 0);
  ck_assert_uint_eq(role_lookup(&map, "B"), ROLE_AUDITOR);
  ck_assert_uint_eq(role_lookup(&map, "A"), ROLE_PRESIDENT);
  role_map_free(&map);
  ck_assert_int_eq(role_map_parse("", &map, problems), 0);
  ck_assert_uint_eq(map.count, 0);
  role_map_free(&map);
  ck_assert_int_eq(role_map_parse(NULL, &map, problems), 0);
  ck_assert_uint_eq(map.count, 0);
  role_map_free(&map);
  ck_assert_uint_eq(json_array_size(problems), 0);
  json_decref(problems);
}
END_TEST

static void assert_bad_spec(const char *spec, int want) {
  struct role_map map;
  json_t *problems = json_array();
  int n = role_map_parse(spec, &map, problems);
  ck_assert_msg(n == want, "spec '%s': %d problems, want %d", spec, n, want);
  ck_assert_uint_eq(json_array_size(problems), (size_t)want);
  size_t i;
  json_t *v;
  json_array_foreach(problems, i, v) {
    ck_assert_msg(json_is_string(v) && strncmp(json_string_value(v), "ZSZ_ROLE_MAP", 12) == 0,
                  "spec '%s': problem does not name ZSZ_ROLE_MAP", spec);
  }
  /* a bad map is not half-used */
  ck_assert_uint_eq(map.count, 0);
  role_map_free(&map);
  json_decref(problems);
}

START_TEST(role_map_bad_specs) {
  assert_bad_spec("x", 1);
  assert_bad_spec("=president", 1);
  assert_bad_spec("G=boss", 1);
  assert_bad_spec("G=", 1);
  assert_bad_spec("G=President", 1);
  assert_bad_spec("x,=president,G=boss,Good=auditor", 3);
}
END_TEST

START_TEST(roles_to_json_and_names) {
  json_t *arr = roles_to_json(ROLE_PRESIDENT | ROLE_EMPLOYEE);
  json_t *want = json_pack("[s, s]", "president", "employee");
  ck_assert(json_equal(arr, want));
  json_decref(arr);
  json_decref(want);
  arr = roles_to_json(0);
  ck_assert_uint_eq(json_array_size(arr), 0);
  json_decref(arr);
  ck_assert_str_eq(role_name(ROLE_PROCESS_OWNER), "process_owner");
  ck_assert_ptr_null(role_name(ROLE_PRESIDENT | ROLE_IOD));
  ck_assert_ptr_null(role_name(0));
}
END_TEST

/* ---- integrations and scopes (issue 10) ------------------------------------------------ */

START_TEST(integration_and_unit_head_roles) {
  ck_assert_str_eq(role_name(ROLE_INTEGRATION), "integration");
  ck_assert_str_eq(role_name(ROLE_UNIT_HEAD), "unit_head");
  ck_assert_ptr_null(role_name(1u << ROLE_COUNT)); /* a bit past the roles has no name */
  ck_assert_uint_eq(role_lookup(NULL, "integration"), ROLE_INTEGRATION);
  ck_assert_uint_eq(role_lookup(NULL, "unit_head"), ROLE_UNIT_HEAD);
  json_t *arr = roles_to_json(ROLE_INTEGRATION | ROLE_EMPLOYEE | ROLE_UNIT_HEAD | (1u << ROLE_COUNT));
  json_t *want = json_pack("[s, s, s]", "employee", "unit_head", "integration");
  ck_assert(json_equal(arr, want));
  json_decref(arr);
  json_decref(want);
  char sql[128];
  roles_to_sql(ROLE_INTEGRATION | ROLE_EMPLOYEE | (1u << ROLE_COUNT), sql, sizeof sql);
  ck_assert_str_eq(sql, "{employee,integration}");
  struct role_map map;
  json_t *problems = json_array();
  ck_assert_int_eq(role_map_parse("EZD=integration", &map, problems), 0);
  ck_assert_uint_eq(role_lookup(&map, "EZD"), ROLE_INTEGRATION);
  role_map_free(&map);
  json_decref(problems);
}
END_TEST

START_TEST(scope_items_match_exactly) {
  ck_assert(scope_has("directory:write", "directory:write"));
  ck_assert(scope_has("changes:read directory:write", "directory:write"));
  ck_assert(scope_has("  changes:read   directory:write  ", "changes:read"));
  ck_assert(!scope_has("directory:writer", "directory:write"));
  ck_assert(!scope_has("directory", "directory:write"));
  ck_assert(!scope_has("DIRECTORY:WRITE", "directory:write"));
  ck_assert(!scope_has("", "directory:write"));
  ck_assert(!scope_has(NULL, "directory:write"));
  ck_assert(!scope_has("directory:write", ""));
}
END_TEST

START_TEST(scope_claim_is_read) {
  struct auth_config cfg = hs_config();
  struct principal p;
  const char *reason = NULL;
  ck_assert_int_eq(verify_hs_claims(&cfg, "{\"scope\": \"processes:write changes:read\"}", &p, &reason), AUTH_OK);
  ck_assert_str_eq(p.scope, "processes:write changes:read");
  /* not a string: no scope at all */
  ck_assert_int_eq(verify_hs_claims(&cfg, "{\"scope\": [\"processes:write\"]}", &p, &reason), AUTH_OK);
  ck_assert_str_eq(p.scope, "");
  /* longer than the principal keeps: refused, not cut (a cut list could name another scope) */
  char extra[700];
  snprintf(extra, sizeof extra, "{\"scope\": \"%0600d\"}", 0);
  ck_assert_int_eq(verify_hs_claims(&cfg, extra, &p, &reason), AUTH_INVALID);
  assert_refused(AUTH_INVALID, &p, &reason, "long scope");
  /* issued with a scope by the token command */
  const char *roles[] = {"integration", NULL};
  char *tok =
      auth_issue_hs256_scoped(secret(), secret_len(), "ezd", NULL, "krakow", roles, NULL, "changes:read", 600, NOW);
  ck_assert_int_eq(verify_at(&cfg, tok, NOW, &p, &reason), AUTH_OK);
  ck_assert_str_eq(p.scope, "changes:read");
  ck_assert_uint_eq(p.roles, ROLE_INTEGRATION | ROLE_EMPLOYEE);
}
END_TEST

/* ---- Authorization header ---------------------------------------------------------------- */

START_TEST(bearer_header) {
  ck_assert_str_eq(auth_bearer("Bearer abc"), "abc");
  ck_assert_str_eq(auth_bearer("bearer abc"), "abc");
  ck_assert_str_eq(auth_bearer("BEARER abc"), "abc");
  ck_assert_str_eq(auth_bearer("BeArEr  a.b.c"), "a.b.c");
  ck_assert_ptr_null(auth_bearer("Basic x"));
  ck_assert_ptr_null(auth_bearer(NULL));
  ck_assert_ptr_null(auth_bearer(""));
  ck_assert_ptr_null(auth_bearer("Bearer"));
  ck_assert_ptr_null(auth_bearer("Bearer "));
  ck_assert_ptr_null(auth_bearer("Bearerabc"));
}
END_TEST

static void keys_setup(void) {
  if (RSA_A.pub_pem == NULL) {
    ck_assert_int_eq(keypair_generate(&RSA_A), 0);
    ck_assert_int_eq(keypair_generate(&RSA_B), 0);
    ck_assert_int_eq(ec_keypair_generate(&EC_A), 0);
    ck_assert_int_eq(ec_keypair_generate(&EC_B), 0);
  }
}

static Suite *auth_suite(void) {
  Suite *s = suite_create("auth");
  TCase *tc = tcase_create("verify");
  tcase_add_unchecked_fixture(tc, keys_setup, NULL);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, good_token_fills_principal);
  tcase_add_test(tc, good_token_without_optional_claims);
  tcase_add_test(tc, roles_claim_not_an_array_gives_employee_only);
  tcase_add_test(tc, unknown_roles_are_ignored);
  tcase_add_test(tc, expiry_and_leeway);
  tcase_add_test(tc, not_before);
  tcase_add_test(tc, missing_or_bad_exp);
  tcase_add_test(tc, wrong_secret_refused);
  tcase_add_test(tc, tampered_payload_refused);
  tcase_add_test(tc, alg_none_refused);
  tcase_add_test(tc, rs256_token_refused_when_hs256_pinned);
  tcase_add_test(tc, hs256_keyed_with_public_key_refused_when_rs256_pinned);
  tcase_add_test(tc, rs256_valid_when_pinned);
  tcase_add_test(tc, es256_valid_when_pinned);
  tcase_add_test(tc, issuer_checked_when_configured);
  tcase_add_test(tc, audience_checked_when_configured);
  tcase_add_test(tc, identity_claims_without_control_characters);
  tcase_add_test(tc, identity_claims_required);
  tcase_add_test(tc, claim_lengths);
  tcase_add_test(tc, malformed_tokens);
  suite_add_tcase(s, tc);

  TCase *cache = tcase_create("cache");
  tcase_add_test(cache, cache_hit_gives_same_principal);
  tcase_add_test(cache, cache_rechecks_time);
  tcase_add_test(cache, cache_never_admits_refused_tokens);
  tcase_add_test(cache, cache_slot_collisions_keep_principals_apart);
  suite_add_tcase(s, cache);

  TCase *roles = tcase_create("roles");
  tcase_add_test(roles, role_map_lookup);
  tcase_add_test(roles, role_map_spaces_and_empty);
  tcase_add_test(roles, role_map_bad_specs);
  tcase_add_test(roles, roles_to_json_and_names);
  tcase_add_test(roles, integration_and_unit_head_roles);
  tcase_add_test(roles, scope_items_match_exactly);
  tcase_add_test(roles, scope_claim_is_read);
  tcase_add_test(roles, bearer_header);
  suite_add_tcase(s, roles);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(auth_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  auth_cache_clear();
  keypair_free(&RSA_A);
  keypair_free(&RSA_B);
  keypair_free(&EC_A);
  keypair_free(&EC_B);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
