#ifndef ZSZ_NETADDR_H
#define ZSZ_NETADDR_H
/* Client addresses: parsing, CIDR ranges (ZSZ_TRUSTED_PROXIES), the client behind trusted
 * reverse proxies (X-Forwarded-For, Forwarded), and the key the public rate limit counts by.
 * Pure: no I/O, no global state. */

#include <stddef.h>

/* An address in IPv6 form: an IPv4 address is held as ::ffff:a.b.c.d, so the two families
 * compare, hash and match ranges alike. */
struct net_addr {
  unsigned char b[16];
};

/* A range: the first `bits` bits of addr (in the IPv6 form: an IPv4 /n is bits = 96 + n). */
struct net_range {
  struct net_addr addr;
  int bits;
};

struct net_ranges {
  struct net_range *v; /* owned */
  size_t n;
};

#define NET_RANGES_MAX 256
#define NET_RANGES_MAX_TEXT "256"
#define NET_KEY_LEN 16

void net_addr_from_v4(struct net_addr *a, const unsigned char v4[4]);
int net_addr_is_v4(const struct net_addr *a);
int net_addr_equal(const struct net_addr *a, const struct net_addr *b);

/* Parses s[0..len) as an IPv4 address in dotted decimal or an IPv6 address (an IPv4-mapped
 * one is that IPv4 address). 0 on success; -1 otherwise (out is then all zero). */
int net_addr_parse(const char *s, size_t len, struct net_addr *out);

/* Parses a node as proxies write it in X-Forwarded-For and Forwarded "for=": an address,
 * "[IPv6]", with an optional ":port" after an IPv4 address or "[IPv6]". 0 on success; -1 for
 * anything else ("unknown", an obfuscated "_name", a host name). */
int net_node_parse(const char *s, size_t len, struct net_addr *out);

/* Parses a comma-separated list of addresses and CIDR ranges (IPv4 and IPv6; spaces allowed
 * around commas), at most NET_RANGES_MAX. 0 on success, ranges set (free with
 * net_ranges_free()). Otherwise the number of bad entries, each described by one call of
 * bad(what, ctx), with what like "'x' is not an IPv4 or IPv6 address or CIDR range"; ranges is
 * then empty. An empty spec is an empty list. */
int net_ranges_parse(const char *spec, struct net_ranges *ranges, void (*bad)(const char *what, void *ctx), void *ctx);
void net_ranges_free(struct net_ranges *ranges);
int net_ranges_contain(const struct net_ranges *ranges, const struct net_addr *a);

/* The client address of a request that came from peer. When peer is not in trusted (or
 * trusted is empty), peer itself: the headers are ignored. When it is, the address the
 * proxies name: X-Forwarded-For (xff) or Forwarded (forwarded) read from the right, each
 * entry written by the proxy on its right, up to the first that is not itself a trusted
 * proxy. An entry that is not an address (or a header that cannot be parsed) stops the walk
 * at the nearest trusted proxy, whose address is then the answer: a client can never choose
 * its address by writing one. Both headers present and naming different clients: peer.
 * xff and forwarded may be NULL (absent); repeated header lines joined by commas. */
struct net_addr net_client_address(const struct net_addr *peer, const char *xff, const char *forwarded,
                                   const struct net_ranges *trusted);

/* The rate-limit key of a client address: an IPv4 address whole, an IPv6 address by its /64
 * (what one household or office is given), the rest zero. Keys of the two families never
 * coincide (an IPv4 key has 0xffff in bytes 10..11, an IPv6 key zeros after byte 7). */
void net_rate_key(const struct net_addr *a, unsigned char key[NET_KEY_LEN]);

#endif
