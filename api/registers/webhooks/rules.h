#ifndef ZSZ_WEBHOOKS_RULES_H
#define ZSZ_WEBHOOKS_RULES_H
/* The rules of webhooks that need no database: event patterns, which URLs and addresses a
 * delivery may go to (SSRF), the retry schedule, Standard Webhooks signatures and the
 * ZSZ_WEBHOOK_* settings. No I/O (webhook_secret_new draws random bytes). */

#include <jansson.h>
#include <stddef.h>

#include "netaddr.h"
#include "validate.h"

extern const struct field_spec WEBHOOK_CREATE_FIELDS[];
extern const struct field_spec WEBHOOK_PATCH_FIELDS[];

/* 1 when p is '*', 'ping', '<entity>.*' or '<entity>.<action>' (entity and action: a-z, 0-9,
 * '_' and, in an action, ':' as in transition:approved; 1..64 characters each). */
int webhook_event_pattern_valid(const char *p);

/* 1 when an event (e.g. incident.create) matches one of the patterns: equal, '*', or
 * '<its entity>.*'. The same rule as zsz_webhook_event_matches in SQL (0031). */
int webhook_event_matches(const char *const *patterns, size_t n, const char *event);

/* 1 when a delivery must not go to a: unspecified, loopback, private (RFC 1918, unique
 * local), link-local (cloud metadata services live there: 169.254.169.254, fd00:ec2::254 is
 * unique local), shared (100.64/10), multicast, broadcast, documentation or reserved ranges,
 * and IPv6 forms that embed IPv4 (NAT64, 6to4) of any of those. */
int webhook_address_refused(const struct net_addr *a);

/* 1 when host (a URL's host, IPv6 without brackets) is one of the comma-separated entries of
 * allowed (ZSZ_WEBHOOK_ALLOWED_HOSTS; case-insensitive, spaces around commas ignored). */
int webhook_host_listed(const char *allowed, const char *host);

/* A subscription's URL, parsed. */
struct webhook_url {
  int https;      /* else http */
  char host[256]; /* lower case; an IPv6 literal without brackets */
  int port;
  int literal;          /* host is an IP address */
  struct net_addr addr; /* when literal */
  int listed;           /* host is in ZSZ_WEBHOOK_ALLOWED_HOSTS */
};

enum webhook_url_verdict {
  WEBHOOK_URL_OK = 0,
  WEBHOOK_URL_MALFORMED, /* not an absolute http(s) URL with a host, or with user information */
  WEBHOOK_URL_SCHEME,    /* http to a host not listed */
  WEBHOOK_URL_ADDRESS,   /* an address literal that is refused (webhook_address_refused), not listed */
};

/* Checks url against the rules (allowed: ZSZ_WEBHOOK_ALLOWED_HOSTS, may be NULL) and fills
 * *out (may be NULL). Names are resolved at delivery time, not here. */
enum webhook_url_verdict webhook_url_check(const char *url, const char *allowed, struct webhook_url *out);

/* The retry schedule: after the attempts-th failed attempt (1 = the first), seconds until the
 * next one: 30 s, 2 min, 10 min, 1 h, 4 h, 12 h, each times (0.8 + 0.4 * jitter) (jitter in
 * [0, 1)) and divided by scale (ZSZ_WEBHOOK_RETRY_SCALE, 1 in production); -1 when there is
 * no next attempt (the delivery has failed). */
double webhook_retry_delay(int attempts, double scale, double jitter);
#define WEBHOOK_MAX_ATTEMPTS 7
/* Failing this long (seconds, before scale) with no success disables a subscription. */
#define WEBHOOK_DISABLE_AFTER_SECONDS (3.0 * 24 * 3600)

/* A new secret "whsec_" + base64 of 32 random bytes into out (at least 64 bytes). 0, or -1
 * when the random generator failed. */
int webhook_secret_new(char *out, size_t len);

/* The Standard Webhooks 1.0 signature of (msg_id, timestamp, body) with secret ("whsec_" +
 * base64 key): "v1," + base64(HMAC-SHA256(key, msg_id "." timestamp "." body)) into out (at
 * least 64 bytes). 0, or -1 when the secret is not whsec_ + base64. */
int webhook_sign(const char *secret, const char *msg_id, long long timestamp, const char *body, size_t body_len,
                 char *out, size_t len);

/* ZSZ_WEBHOOK_* settings (README, docs/design-webhooks.md). */
struct webhook_settings {
  int workers;        /* ZSZ_WEBHOOK_WORKERS: delivery threads per instance, 0..16, default 2 */
  int poll_ms;        /* ZSZ_WEBHOOK_POLL_MS: idle wait between claims, 10..60000, default 1000 */
  int timeout_ms;     /* ZSZ_WEBHOOK_TIMEOUT_MS: a delivery's whole HTTP exchange, 100..60000, 10000 */
  double retry_scale; /* ZSZ_WEBHOOK_RETRY_SCALE: divides the retry schedule and the disabling
                         period, tests only, 1..1000000, default 1 */
  char allowed[1024]; /* ZSZ_WEBHOOK_ALLOWED_HOSTS: hosts reached over http and at private
                         addresses (comma-separated), default none */
};
typedef const char *(*webhook_getenv_fn)(const char *name);
/* Reads the settings through get; appends one string per bad value to problems (a JSON array)
 * and returns how many. */
int webhook_settings_load(struct webhook_settings *s, webhook_getenv_fn get, json_t *problems);

#endif
