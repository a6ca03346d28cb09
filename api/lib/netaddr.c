#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netaddr.h"

/* The right-most entries of a forwarding header that are kept: a proxy chain is short, and
 * the walk from the right stops long before (a longer chain ends at a trusted proxy). */
#define HOPS_MAX 32
#define NODE_MAX 63

static const unsigned char V4_MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

void net_addr_from_v4(struct net_addr *a, const unsigned char v4[4]) {
  memcpy(a->b, V4_MAPPED, 12);
  memcpy(a->b + 12, v4, 4);
}

int net_addr_is_v4(const struct net_addr *a) {
  return memcmp(a->b, V4_MAPPED, 12) == 0;
}

int net_addr_equal(const struct net_addr *a, const struct net_addr *b) {
  return memcmp(a->b, b->b, sizeof a->b) == 0;
}

static int is_space(char c) {
  return c == ' ' || c == '\t';
}

/* Copies s[0..len) into buf (NODE_MAX + 1 bytes) as a string; -1 when it does not fit or
 * holds a NUL. */
static int copy_text(const char *s, size_t len, char *buf) {
  if (len == 0 || len > NODE_MAX || memchr(s, '\0', len) != NULL) {
    return -1;
  }
  memcpy(buf, s, len);
  buf[len] = '\0';
  return 0;
}

int net_addr_parse(const char *s, size_t len, struct net_addr *out) {
  char buf[NODE_MAX + 1];
  memset(out, 0, sizeof *out);
  if (copy_text(s, len, buf) != 0) {
    return -1;
  }
  if (strchr(buf, ':') != NULL) {
    /* IPv6; an IPv4-mapped address comes out in the IPv4 form by itself */
    if (inet_pton(AF_INET6, buf, out->b) == 1) {
      return 0;
    }
  } else {
    unsigned char v4[4];
    if (inet_pton(AF_INET, buf, v4) == 1) { /* dotted decimal, four parts, nothing else */
      net_addr_from_v4(out, v4);
      return 0;
    }
  }
  memset(out, 0, sizeof *out);
  return -1;
}

/* A port after a node: 1..5 digits, or an obfuscated one ("_" then letters, digits, ._-). */
static int port_ok(const char *s, size_t len) {
  if (len == 0) {
    return 0;
  }
  if (s[0] == '_') {
    for (size_t i = 1; i < len; i++) {
      char c = s[i];
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
            c == '-')) {
        return 0;
      }
    }
    return len > 1;
  }
  if (len > 5) {
    return 0;
  }
  unsigned long v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') {
      return 0;
    }
    v = v * 10 + (unsigned long)(s[i] - '0');
  }
  return v <= 65535;
}

int net_node_parse(const char *s, size_t len, struct net_addr *out) {
  memset(out, 0, sizeof *out);
  if (len > 0 && s[0] == '[') {
    const char *close = memchr(s, ']', len);
    if (close == NULL || close == s + 1) {
      return -1;
    }
    size_t inner = (size_t)(close - s - 1), rest = len - inner - 2;
    if (memchr(s + 1, ':', inner) == NULL || net_addr_parse(s + 1, inner, out) != 0) {
      memset(out, 0, sizeof *out);
      return -1;
    }
    if (rest == 0 || (close[1] == ':' && port_ok(close + 2, rest - 1))) {
      return 0;
    }
    memset(out, 0, sizeof *out);
    return -1;
  }
  const char *colon = memchr(s, ':', len);
  if (colon != NULL && memchr(colon + 1, ':', len - (size_t)(colon - s) - 1) == NULL) {
    /* one colon: an IPv4 address and its port */
    size_t host = (size_t)(colon - s);
    if (memchr(s, '.', host) == NULL || net_addr_parse(s, host, out) != 0 || !net_addr_is_v4(out) ||
        !port_ok(colon + 1, len - host - 1)) {
      memset(out, 0, sizeof *out);
      return -1;
    }
    return 0;
  }
  return net_addr_parse(s, len, out);
}

/* ---- ranges ---------------------------------------------------------------------------- */

static void report(void (*bad)(const char *, void *), void *ctx, const char *what) {
  if (bad != NULL) {
    bad(what, ctx);
  }
}

/* 1 when the bits of a after the first `bits` are all zero. */
static int host_bits_clear(const struct net_addr *a, int bits) {
  for (int i = bits; i < 128; i++) {
    if (a->b[i / 8] & (0x80u >> (i % 8))) {
      return 0;
    }
  }
  return 1;
}

/* Parses one entry; 0 on success, else reports it and returns 1. */
static int range_parse(const char *entry, struct net_range *r, void (*bad)(const char *, void *), void *ctx) {
  const char *slash = strchr(entry, '/');
  size_t alen = slash ? (size_t)(slash - entry) : strlen(entry);
  int v6_text = memchr(entry, ':', alen) != NULL;
  char what[160];
  if (net_addr_parse(entry, alen, &r->addr) != 0) {
    snprintf(what, sizeof what, "'%.64s' is not an IPv4 or IPv6 address or CIDR range", entry);
    report(bad, ctx, what);
    return 1;
  }
  int max = v6_text ? 128 : 32;
  int bits = max;
  if (slash != NULL) {
    const char *d = slash + 1;
    size_t nd = strspn(d, "0123456789");
    if (nd == 0 || nd > 3 || d[nd] != '\0') {
      snprintf(what, sizeof what, "'%.64s' is not an IPv4 or IPv6 address or CIDR range", entry);
      report(bad, ctx, what);
      return 1;
    }
    bits = atoi(d);
    if (bits < 1 || bits > max) {
      /* /0 would trust every address, and so let every client name its own */
      snprintf(what, sizeof what, "'%.64s': the prefix length must be 1 to %d for %s", entry, max,
               v6_text ? "IPv6" : "IPv4");
      report(bad, ctx, what);
      return 1;
    }
  }
  r->bits = v6_text ? bits : 96 + bits;
  if (!host_bits_clear(&r->addr, r->bits)) {
    snprintf(what, sizeof what, "'%.64s' has bits set after its /%d prefix", entry, bits);
    report(bad, ctx, what);
    return 1;
  }
  return 0;
}

int net_ranges_parse(const char *spec, struct net_ranges *ranges, void (*bad)(const char *what, void *ctx), void *ctx) {
  char *copy = NULL, *save = NULL;
  size_t cap = 0;
  int problems = 0;
  ranges->v = NULL;
  ranges->n = 0;
  if (spec == NULL) {
    return 0;
  }
  for (const char *p = spec; *p; p++)
    cap += (*p == ',');
  cap++;
  if (cap > NET_RANGES_MAX) {
    cap = NET_RANGES_MAX;
  }
  copy = strdup(spec);
  ranges->v = calloc(cap, sizeof *ranges->v);
  if (copy == NULL || ranges->v == NULL) {
    report(bad, ctx, "out of memory");
    problems = 1;
    goto out;
  }
  for (char *e = strtok_r(copy, ", \t", &save); e; e = strtok_r(NULL, ", \t", &save)) {
    if (ranges->n == NET_RANGES_MAX) {
      report(bad, ctx, "has more than " NET_RANGES_MAX_TEXT " entries");
      problems++;
      break;
    }
    if (range_parse(e, &ranges->v[ranges->n], bad, ctx) == 0) {
      ranges->n++;
    } else {
      problems++;
    }
  }
out:
  free(copy);
  if (problems > 0 || ranges->n == 0) {
    net_ranges_free(ranges);
  }
  return problems;
}

void net_ranges_free(struct net_ranges *ranges) {
  if (ranges == NULL) {
    return;
  }
  free(ranges->v);
  ranges->v = NULL;
  ranges->n = 0;
}

static int range_contains(const struct net_range *r, const struct net_addr *a) {
  int full = r->bits / 8, rest = r->bits % 8;
  if (memcmp(r->addr.b, a->b, (size_t)full) != 0) {
    return 0;
  }
  if (rest == 0) {
    return 1;
  }
  unsigned mask = (0xFFu << (8 - rest)) & 0xFFu;
  return (r->addr.b[full] & mask) == (a->b[full] & mask);
}

int net_ranges_contain(const struct net_ranges *ranges, const struct net_addr *a) {
  if (ranges == NULL) {
    return 0;
  }
  for (size_t i = 0; i < ranges->n; i++) {
    if (range_contains(&ranges->v[i], a)) {
      return 1;
    }
  }
  return 0;
}

/* ---- the client behind trusted proxies --------------------------------------------------- */

/* The right-most HOPS_MAX entries of a header, left to right (a ring while parsing). */
struct hops {
  struct net_addr addr[HOPS_MAX];
  unsigned char valid[HOPS_MAX];
  size_t count; /* entries seen, kept or not */
  int broken;   /* the header cannot be parsed: no entry is reliable */
};

static void hops_push(struct hops *h, const char *node, size_t len) {
  size_t i = h->count % HOPS_MAX;
  h->valid[i] = net_node_parse(node, len, &h->addr[i]) == 0;
  h->count++;
}

/* X-Forwarded-For: nodes separated by commas (empty ones ignored), optionally quoted. */
static void parse_xff(const char *s, struct hops *h) {
  while (*s) {
    const char *end = strchr(s, ',');
    if (end == NULL) {
      end = s + strlen(s);
    }
    const char *a = s, *b = end;
    while (a < b && is_space(*a))
      a++;
    while (b > a && is_space(b[-1]))
      b--;
    if (b - a >= 2 && a[0] == '"' && b[-1] == '"') {
      a++;
      b--;
    }
    if (b > a) {
      hops_push(h, a, (size_t)(b - a));
    }
    s = *end ? end + 1 : end;
  }
}

static int is_tchar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Forwarded (RFC 7239): elements separated by commas, each of pairs token=value separated by
 * semicolons; a value is a token or a quoted string. Each element is one hop, named by its
 * one "for" pair. A syntax error marks the whole header broken. */
static void parse_forwarded(const char *s, struct hops *h) {
  char node[NODE_MAX + 1];
  const char *p = s;
  for (;;) {
    int pairs = 0, fors = 0;
    size_t node_len = 0;
    int node_fits = 1;
    for (;;) { /* the pairs of one element */
      while (is_space(*p))
        p++;
      if (*p == ';') {
        p++;
        continue;
      }
      if (*p == ',' || *p == '\0') {
        break;
      }
      const char *name = p;
      while (is_tchar(*p))
        p++;
      size_t name_len = (size_t)(p - name);
      if (name_len == 0 || *p != '=') {
        h->broken = 1;
        return;
      }
      p++;
      int is_for = name_len == 3 && strncasecmp(name, "for", 3) == 0;
      size_t len = 0;
      int fits = 1;
      if (*p == '"') {
        p++;
        while (*p != '"') {
          if (*p == '\0') {
            h->broken = 1;
            return;
          }
          if (*p == '\\') {
            p++;
            if (*p == '\0') {
              h->broken = 1;
              return;
            }
          }
          if (is_for && len < NODE_MAX) {
            node[len++] = *p;
          } else if (is_for) {
            fits = 0;
          }
          p++;
        }
        p++;
      } else {
        const char *v = p;
        while (is_tchar(*p))
          p++;
        if (p == v) {
          h->broken = 1;
          return;
        }
        len = (size_t)(p - v);
        if (is_for && len <= NODE_MAX) {
          memcpy(node, v, len);
        } else if (is_for) {
          fits = 0;
        }
      }
      pairs++;
      if (is_for) {
        fors++;
        node_len = len;
        node_fits = fits;
      }
      while (is_space(*p))
        p++;
      if (*p != ';' && *p != ',' && *p != '\0') {
        h->broken = 1;
        return;
      }
    }
    if (pairs > 0) {
      if (fors == 1 && node_fits) {
        hops_push(h, node, node_len);
      } else {
        hops_push(h, "", 0); /* a hop that does not say, or says twice, who it came from */
      }
    }
    if (*p == '\0') {
      return;
    }
    p++; /* ',' */
  }
}

/* Walks the hops from the right, starting at peer (trusted). */
static struct net_addr walk(const struct net_addr *peer, const struct hops *h, const struct net_ranges *trusted) {
  struct net_addr client = *peer;
  if (h->broken) {
    return client;
  }
  size_t kept = h->count < HOPS_MAX ? h->count : HOPS_MAX;
  for (size_t k = 0; k < kept; k++) {
    size_t i = (h->count - 1 - k) % HOPS_MAX;
    if (!h->valid[i]) {
      break; /* the nearest trusted proxy it came through stands for the client */
    }
    client = h->addr[i];
    if (!net_ranges_contain(trusted, &client)) {
      break;
    }
  }
  return client;
}

static int has_text(const char *s) {
  if (s == NULL) {
    return 0;
  }
  while (is_space(*s) || *s == ',')
    s++;
  return *s != '\0';
}

struct net_addr net_client_address(const struct net_addr *peer, const char *xff, const char *forwarded,
                                   const struct net_ranges *trusted) {
  if (trusted == NULL || trusted->n == 0 || !net_ranges_contain(trusted, peer)) {
    return *peer;
  }
  int have_xff = has_text(xff), have_fwd = has_text(forwarded);
  struct net_addr from_xff = *peer, from_fwd = *peer;
  struct hops h;
  if (have_xff) {
    memset(&h, 0, sizeof h);
    parse_xff(xff, &h);
    from_xff = walk(peer, &h, trusted);
  }
  if (have_fwd) {
    memset(&h, 0, sizeof h);
    parse_forwarded(forwarded, &h);
    from_fwd = walk(peer, &h, trusted);
  }
  if (have_xff && have_fwd) {
    /* a proxy sets one of them and passes the other on as the client wrote it: when they
     * disagree there is no telling which is the proxy's, so neither is believed */
    return net_addr_equal(&from_xff, &from_fwd) ? from_xff : *peer;
  }
  return have_xff ? from_xff : from_fwd;
}

void net_rate_key(const struct net_addr *a, unsigned char key[NET_KEY_LEN]) {
  memcpy(key, a->b, NET_KEY_LEN);
  if (!net_addr_is_v4(a)) {
    memset(key + 8, 0, NET_KEY_LEN - 8);
  }
}
