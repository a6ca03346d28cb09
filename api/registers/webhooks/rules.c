/* Webhook rules without I/O: see rules.h. */
#include <ctype.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules.h"

const struct field_spec WEBHOOK_CREATE_FIELDS[] = {
    {.name = "url", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 8, .max_len = 2000},
    {.name = "events",
     .type = VT_STRING_ARRAY,
     .flags = V_REQUIRED | V_UNIQUE | V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 130,
     .max_items = 50},
    {.name = "active", .type = VT_BOOLEAN},
    {.name = "description", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .max_len = 500},
    {0},
};
const struct field_spec WEBHOOK_PATCH_FIELDS[] = {
    {.name = "url", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 8, .max_len = 2000},
    {.name = "events",
     .type = VT_STRING_ARRAY,
     .flags = V_UNIQUE | V_SINGLE_LINE,
     .min_len = 1,
     .max_len = 130,
     .max_items = 50},
    {.name = "active", .type = VT_BOOLEAN},
    {.name = "description", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .max_len = 500},
    {0},
};

/* ---- events ---------------------------------------------------------------------------- */

static int name_part(const char *s, size_t n, int action) {
  if (n < 1 || n > 64) return 0;
  for (size_t i = 0; i < n; i++) {
    char ch = s[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || (action && ch == ':'))) return 0;
  }
  return 1;
}

int webhook_event_pattern_valid(const char *p) {
  if (p == NULL) return 0;
  if (strcmp(p, "*") == 0 || strcmp(p, "ping") == 0) return 1;
  const char *dot = strchr(p, '.');
  if (dot == NULL || !name_part(p, (size_t)(dot - p), 0)) return 0;
  return strcmp(dot + 1, "*") == 0 || name_part(dot + 1, strlen(dot + 1), 1);
}

int webhook_event_matches(const char *const *patterns, size_t n, const char *event) {
  const char *dot = strchr(event, '.');
  size_t entity_len = dot ? (size_t)(dot - event) : strlen(event);
  for (size_t i = 0; i < n; i++) {
    const char *p = patterns[i];
    if (strcmp(p, "*") == 0 || strcmp(p, event) == 0) return 1;
    if (strlen(p) == entity_len + 2 && strncmp(p, event, entity_len) == 0 && strcmp(p + entity_len, ".*") == 0)
      return 1;
  }
  return 0;
}

/* ---- addresses --------------------------------------------------------------------------- */

struct prefix {
  unsigned char b[16];
  int bits;
};

static int prefix_match(const struct net_addr *a, const unsigned char *p, int bits) {
  int whole = bits / 8, rest = bits % 8;
  if (memcmp(a->b, p, (size_t)whole) != 0) return 0;
  if (rest == 0) return 1;
  unsigned char mask = (unsigned char)(0xff << (8 - rest));
  return (a->b[whole] & mask) == (p[whole] & mask);
}

#define V4(a, b, c, d, bits)                                                                                           \
  { {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d}, 96 + (bits) }
static const struct prefix REFUSED[] = {
    V4(0, 0, 0, 0, 8),                 /* "this network", 0.0.0.0 */
    V4(10, 0, 0, 0, 8),                /* private */
    V4(100, 64, 0, 0, 10),             /* shared address space (carrier NAT) */
    V4(127, 0, 0, 0, 8),               /* loopback */
    V4(169, 254, 0, 0, 16),            /* link-local: 169.254.169.254 is the cloud metadata service */
    V4(172, 16, 0, 0, 12),             /* private */
    V4(192, 0, 0, 0, 24),              /* IETF protocol assignments */
    V4(192, 0, 2, 0, 24),              /* documentation */
    V4(192, 88, 99, 0, 24),            /* 6to4 relay anycast */
    V4(192, 168, 0, 0, 16),            /* private */
    V4(198, 18, 0, 0, 15),             /* benchmarking */
    V4(198, 51, 100, 0, 24),           /* documentation */
    V4(203, 0, 113, 0, 24),            /* documentation */
    V4(224, 0, 0, 0, 4),               /* multicast */
    V4(240, 0, 0, 0, 4),               /* reserved, broadcast */
    {{0}, 96},                         /* :: and IPv4-compatible ::a.b.c.d (deprecated) */
    {{0xfe, 0x80}, 10},                /* link-local */
    {{0xfc}, 7},                       /* unique local (fd00:ec2::254: a metadata service) */
    {{0xff}, 8},                       /* multicast */
    {{0x20, 0x01, 0x0d, 0xb8}, 32},    /* documentation */
    {{0x20, 0x01, 0, 0}, 32},          /* Teredo */
    {{0x01, 0, 0, 0, 0, 0, 0, 0}, 64}, /* discard-only */
};

int webhook_address_refused(const struct net_addr *a) {
  static const unsigned char nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  static const unsigned char sixto4[2] = {0x20, 0x02};
  for (size_t i = 0; i < sizeof REFUSED / sizeof REFUSED[0]; i++) {
    if (prefix_match(a, REFUSED[i].b, REFUSED[i].bits)) return 1;
  }
  /* IPv4 carried inside IPv6: judged as that IPv4 address */
  struct net_addr inner;
  if (memcmp(a->b, nat64, sizeof nat64) == 0) {
    net_addr_from_v4(&inner, a->b + 12);
    return webhook_address_refused(&inner);
  }
  if (memcmp(a->b, sixto4, sizeof sixto4) == 0) {
    net_addr_from_v4(&inner, a->b + 2);
    return webhook_address_refused(&inner);
  }
  return 0;
}

int webhook_host_listed(const char *allowed, const char *host) {
  if (allowed == NULL || host == NULL || *host == '\0') return 0;
  size_t hl = strlen(host);
  const char *p = allowed;
  while (*p) {
    while (*p == ' ' || *p == ',')
      p++;
    const char *end = p;
    while (*end && *end != ',')
      end++;
    const char *last = end;
    while (last > p && last[-1] == ' ')
      last--;
    size_t n = (size_t)(last - p);
    /* an IPv6 entry may be written with brackets */
    if (n >= 2 && p[0] == '[' && last[-1] == ']') {
      p++;
      n -= 2;
    }
    if (n == hl && n > 0 && strncasecmp(p, host, n) == 0) return 1;
    p = end;
  }
  return 0;
}

enum webhook_url_verdict webhook_url_check(const char *url, const char *allowed, struct webhook_url *out) {
  struct webhook_url u = {0};
  enum webhook_url_verdict v = WEBHOOK_URL_MALFORMED;
  char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *password = NULL;
  CURLU *h = curl_url();
  if (h == NULL || url == NULL) goto out;
  /* no default scheme, no guessing: an absolute URL as written */
  if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK) goto out;
  if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
      curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
      curl_url_get(h, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
    goto out;
  if (curl_url_get(h, CURLUPART_USER, &user, 0) == CURLUE_OK ||
      curl_url_get(h, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK)
    goto out; /* credentials in a URL end up in logs and lists */
  if (strcasecmp(scheme, "https") == 0) {
    u.https = 1;
  } else if (strcasecmp(scheme, "http") != 0) {
    goto out;
  }
  size_t hl = strlen(host);
  if (hl == 0) goto out;
  if (host[0] == '[') { /* an IPv6 literal */
    if (hl < 3 || host[hl - 1] != ']' || hl - 2 >= sizeof u.host || memchr(host, '%', hl)) goto out;
    memcpy(u.host, host + 1, hl - 2);
    u.host[hl - 2] = '\0';
  } else {
    if (hl >= sizeof u.host) goto out;
    for (size_t i = 0; i <= hl; i++)
      u.host[i] = (char)tolower((unsigned char)host[i]);
  }
  u.port = atoi(port);
  if (u.port < 1 || u.port > 65535) goto out;
  u.literal = net_addr_parse(u.host, strlen(u.host), &u.addr) == 0;
  /* curl accepts shortened IPv4 forms (127.1, 0x7f.1, 2130706433) that it connects to as
   * addresses: a host name of digits, dots and hex can only be such a form here */
  if (!u.literal && strspn(u.host, "0123456789abcdefx.") == strlen(u.host) && strchr(u.host, 'x') != NULL) goto out;
  if (!u.literal && strspn(u.host, "0123456789.") == strlen(u.host)) goto out;
  u.listed = webhook_host_listed(allowed, u.host);
  if (!u.https && !u.listed) {
    v = WEBHOOK_URL_SCHEME;
  } else if (u.literal && !u.listed && webhook_address_refused(&u.addr)) {
    v = WEBHOOK_URL_ADDRESS;
  } else {
    v = WEBHOOK_URL_OK;
  }
out:
  if (out != NULL) *out = u;
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_free(user);
  curl_free(password);
  curl_url_cleanup(h);
  return v;
}

/* ---- retries ----------------------------------------------------------------------------- */

double webhook_retry_delay(int attempts, double scale, double jitter) {
  static const double SCHEDULE[] = {30, 120, 600, 3600, 4 * 3600, 12 * 3600};
  if (attempts < 1 || attempts > (int)(sizeof SCHEDULE / sizeof SCHEDULE[0])) return -1;
  if (scale < 1) scale = 1;
  if (jitter < 0) jitter = 0;
  if (jitter >= 1) jitter = 0.999999;
  return SCHEDULE[attempts - 1] * (0.8 + 0.4 * jitter) / scale;
}

/* ---- secrets and signatures ---------------------------------------------------------------- */

#define SECRET_PREFIX "whsec_"
#define SECRET_BYTES 32

int webhook_secret_new(char *out, size_t len) {
  unsigned char key[SECRET_BYTES];
  char b64[4 * ((SECRET_BYTES + 2) / 3) + 1];
  if (len < sizeof SECRET_PREFIX + sizeof b64 || RAND_bytes(key, sizeof key) != 1) return -1;
  EVP_EncodeBlock((unsigned char *)b64, key, sizeof key);
  snprintf(out, len, "%s%s", SECRET_PREFIX, b64);
  OPENSSL_cleanse(key, sizeof key);
  return 0;
}

int webhook_sign(const char *secret, const char *msg_id, long long timestamp, const char *body, size_t body_len,
                 char *out, size_t len) {
  unsigned char key[256], mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  int rc = -1;
  if (secret == NULL || strncmp(secret, SECRET_PREFIX, strlen(SECRET_PREFIX)) != 0 || len < 64) return -1;
  const char *b64 = secret + strlen(SECRET_PREFIX);
  size_t n = strlen(b64);
  if (n == 0 || n % 4 != 0 || n / 4 * 3 > sizeof key) return -1;
  int key_len = EVP_DecodeBlock(key, (const unsigned char *)b64, (int)n);
  if (key_len < 0) return -1;
  /* EVP_DecodeBlock counts the padding as zero bytes */
  if (b64[n - 1] == '=') key_len--;
  if (b64[n - 2] == '=') key_len--;
  char ts[24];
  snprintf(ts, sizeof ts, "%lld", timestamp);
  /* signed content: msg_id "." timestamp "." body */
  size_t id_len = strlen(msg_id), ts_len = strlen(ts), n_all = id_len + 1 + ts_len + 1 + body_len;
  unsigned char *content = malloc(n_all + 1);
  if (content != NULL) {
    memcpy(content, msg_id, id_len);
    content[id_len] = '.';
    memcpy(content + id_len + 1, ts, ts_len);
    content[id_len + 1 + ts_len] = '.';
    if (body_len > 0) memcpy(content + id_len + ts_len + 2, body, body_len);
    if (HMAC(EVP_sha256(), key, key_len, content, n_all, mac, &mac_len) != NULL) {
      char sig[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
      EVP_EncodeBlock((unsigned char *)sig, mac, (int)mac_len);
      snprintf(out, len, "v1,%s", sig);
      rc = 0;
    }
    free(content);
  }
  OPENSSL_cleanse(key, sizeof key);
  return rc;
}

/* ---- settings ---------------------------------------------------------------------------- */

static int int_setting(webhook_getenv_fn get, const char *name, long lo, long hi, int *out, json_t *problems) {
  const char *v = get(name);
  if (v == NULL || *v == '\0') return 0;
  char *end = NULL;
  long n = strtol(v, &end, 10);
  if (*end != '\0' || n < lo || n > hi) {
    json_array_append_new(problems, json_sprintf("%s: must be an integer from %ld to %ld", name, lo, hi));
    return 1;
  }
  *out = (int)n;
  return 0;
}

int webhook_settings_load(struct webhook_settings *s, webhook_getenv_fn get, json_t *problems) {
  int bad = 0, scale = 1;
  *s = (struct webhook_settings){.workers = 2, .poll_ms = 1000, .timeout_ms = 10000, .retry_scale = 1};
  bad += int_setting(get, "ZSZ_WEBHOOK_WORKERS", 0, 16, &s->workers, problems);
  bad += int_setting(get, "ZSZ_WEBHOOK_POLL_MS", 10, 60000, &s->poll_ms, problems);
  bad += int_setting(get, "ZSZ_WEBHOOK_TIMEOUT_MS", 100, 60000, &s->timeout_ms, problems);
  bad += int_setting(get, "ZSZ_WEBHOOK_RETRY_SCALE", 1, 1000000, &scale, problems);
  s->retry_scale = scale;
  const char *allowed = get("ZSZ_WEBHOOK_ALLOWED_HOSTS");
  if (allowed != NULL && strlen(allowed) >= sizeof s->allowed) {
    json_array_append_new(problems,
                          json_sprintf("ZSZ_WEBHOOK_ALLOWED_HOSTS: longer than %zu characters", sizeof s->allowed - 1));
    bad++;
  } else if (allowed != NULL) {
    snprintf(s->allowed, sizeof s->allowed, "%s", allowed);
  }
  return bad;
}
