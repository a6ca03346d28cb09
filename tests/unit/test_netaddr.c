/* Unit tests for api/lib/netaddr.c: addresses and nodes, ZSZ_TRUSTED_PROXIES ranges, the
 * client address behind trusted proxies (X-Forwarded-For, Forwarded), and the rate-limit
 * key. */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"

static struct net_addr addr(const char *text) {
  struct net_addr a;
  ck_assert_msg(net_addr_parse(text, strlen(text), &a) == 0, "%s does not parse", text);
  return a;
}

static int parses(const char *text) {
  struct net_addr a;
  int rc = net_addr_parse(text, strlen(text), &a);
  if (rc != 0) {
    static const struct net_addr zero;
    ck_assert(net_addr_equal(&a, &zero));
  }
  return rc == 0;
}

static int node_is(const char *text, const char *want) {
  struct net_addr a;
  if (net_node_parse(text, strlen(text), &a) != 0) {
    return want == NULL;
  }
  if (want == NULL) {
    return 0;
  }
  struct net_addr w = addr(want);
  return net_addr_equal(&a, &w);
}

/* Collects the problems of net_ranges_parse. */
struct problems {
  char text[2048];
  int n;
};

static void collect(const char *what, void *ctx) {
  struct problems *p = ctx;
  size_t used = strlen(p->text);
  snprintf(p->text + used, sizeof p->text - used, "%s\n", what);
  p->n++;
}

static struct net_ranges ranges(const char *spec) {
  struct net_ranges r;
  struct problems p = {"", 0};
  int n = net_ranges_parse(spec, &r, collect, &p);
  ck_assert_msg(n == 0 && p.n == 0, "%s: %s", spec, p.text);
  return r;
}

/* ---- addresses ------------------------------------------------------------------------------ */

START_TEST(addresses) {
  struct net_addr a = addr("192.0.2.1"), m = addr("::ffff:192.0.2.1");
  ck_assert(net_addr_is_v4(&a));
  ck_assert(net_addr_equal(&a, &m)); /* an IPv4-mapped address is that IPv4 address */
  struct net_addr six = addr("2001:db8::1");
  ck_assert(!net_addr_is_v4(&six));
  ck_assert(six.b[0] == 0x20 && six.b[1] == 0x01 && six.b[15] == 1);
  ck_assert(parses("0.0.0.0"));
  ck_assert(parses("255.255.255.255"));
  ck_assert(parses("::"));
  ck_assert(parses("fe80::1:2:3:4"));
  ck_assert(!parses(""));
  ck_assert(!parses("1.2.3"));
  ck_assert(!parses("1.2.3.4.5"));
  ck_assert(!parses("256.1.1.1"));
  ck_assert(!parses("1.2.3.4 "));
  ck_assert(!parses(" 1.2.3.4"));
  ck_assert(!parses("0x7f.0.0.1"));
  ck_assert(!parses("localhost"));
  ck_assert(!parses("fe80::1%eth0"));
  ck_assert(!parses("2001:db8::1::2"));
  ck_assert(!parses("[2001:db8::1]"));
  ck_assert(!parses("1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb:cccc:dddd:eeee:ffff:0000"));
  /* a NUL inside the length given */
  struct net_addr x;
  ck_assert_int_eq(net_addr_parse("1.2.3.4\0"
                                  "5",
                                  9, &x),
                   -1);
  ck_assert_int_eq(net_addr_parse("1.2.3.45", 7, &x), 0); /* only the length given is read */
  struct net_addr w = addr("1.2.3.4");
  ck_assert(net_addr_equal(&x, &w));
}
END_TEST

START_TEST(nodes) {
  ck_assert(node_is("192.0.2.60", "192.0.2.60"));
  ck_assert(node_is("192.0.2.60:47011", "192.0.2.60"));
  ck_assert(node_is("192.0.2.60:_abc", "192.0.2.60"));
  ck_assert(node_is("[2001:db8:cafe::17]", "2001:db8:cafe::17"));
  ck_assert(node_is("[2001:db8:cafe::17]:4711", "2001:db8:cafe::17"));
  ck_assert(node_is("2001:db8:cafe::17", "2001:db8:cafe::17"));
  ck_assert(node_is("[::ffff:192.0.2.1]", "192.0.2.1"));
  ck_assert(node_is("unknown", NULL));
  ck_assert(node_is("_hidden", NULL));
  ck_assert(node_is("proxy.example", NULL));
  ck_assert(node_is("[192.0.2.1]", NULL));
  ck_assert(node_is("[2001:db8::1", NULL));
  ck_assert(node_is("[2001:db8::1]x", NULL));
  ck_assert(node_is("[2001:db8::1]:", NULL));
  ck_assert(node_is("[2001:db8::1]:65536", NULL));
  ck_assert(node_is("192.0.2.60:", NULL));
  ck_assert(node_is("192.0.2.60:123456", NULL));
  ck_assert(node_is("192.0.2.60:8a", NULL));
  ck_assert(node_is("[]", NULL));
  ck_assert(node_is("", NULL));
}
END_TEST

/* ---- ranges --------------------------------------------------------------------------------- */

START_TEST(ranges_parse_and_match) {
  struct net_ranges r = ranges(" 10.0.0.0/8,192.168.1.10 , 2001:db8::/32,::1, 172.16.0.0/12, 100.64.0.0/10");
  ck_assert_uint_eq(r.n, 6);
  struct {
    const char *a;
    int in;
  } cases[] = {
      {"10.0.0.0", 1},
      {"10.255.255.255", 1},
      {"11.0.0.0", 0},
      {"9.255.255.255", 0},
      {"192.168.1.10", 1},
      {"192.168.1.11", 0},
      {"2001:db8::", 1},
      {"2001:db8:ffff:ffff::1", 1},
      {"2001:db9::", 0},
      {"::1", 1},
      {"::2", 0},
      {"172.16.0.1", 1},
      {"172.31.255.255", 1},
      {"172.32.0.0", 0},
      {"100.127.0.1", 1},
      {"100.128.0.1", 0},
      {"::ffff:10.1.2.3", 1},
      {"::a01:203", 0}, /* IPv4-compatible, not mapped: IPv6 */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct net_addr a = addr(cases[i].a);
    ck_assert_msg(net_ranges_contain(&r, &a) == cases[i].in, "%s", cases[i].a);
  }
  net_ranges_free(&r);
  ck_assert_uint_eq(r.n, 0);
  net_ranges_free(&r);
  net_ranges_free(NULL);
  /* an IPv4 range written in IPv6 form, and a /128 */
  r = ranges("::ffff:10.0.0.0/104,2001:db8::5/128");
  struct net_addr in = addr("10.9.9.9"), out = addr("11.0.0.0"), five = addr("2001:db8::5"), six = addr("2001:db8::6");
  ck_assert(net_ranges_contain(&r, &in) && !net_ranges_contain(&r, &out));
  ck_assert(net_ranges_contain(&r, &five) && !net_ranges_contain(&r, &six));
  net_ranges_free(&r);
  /* empty: nothing trusted */
  r = ranges("");
  ck_assert_uint_eq(r.n, 0);
  ck_assert(!net_ranges_contain(&r, &in));
  r = ranges(" , ");
  ck_assert_uint_eq(r.n, 0);
}
END_TEST

START_TEST(ranges_every_bad_entry_reported) {
  struct net_ranges r;
  struct problems p = {"", 0};
  int n = net_ranges_parse("127.0.0.1, proxy.local, 10.0.0.1/8, 10.0.0.0/33, 0.0.0.0/0, ::/0, 2001:db8::/129, "
                           "1.2.3.4/, 1.2.3.4/8x, 1.2.3.4/-1, 2001:db8::1/64, 10.0.0.0/08",
                           &r, collect, &p);
  ck_assert_int_eq(n, 10); /* all but 127.0.0.1 and 10.0.0.0/08 */
  ck_assert_int_eq(p.n, 10);
  ck_assert_uint_eq(r.n, 0);
  ck_assert_ptr_null(r.v);
  const char *want[] = {
      "'proxy.local' is not an IPv4 or IPv6 address or CIDR range\n",
      "'10.0.0.1/8' has bits set after its /8 prefix\n",
      "'10.0.0.0/33': the prefix length must be 1 to 32 for IPv4\n",
      "'0.0.0.0/0': the prefix length must be 1 to 32 for IPv4\n",
      "'::/0': the prefix length must be 1 to 128 for IPv6\n",
      "'2001:db8::/129': the prefix length must be 1 to 128 for IPv6\n",
      "'1.2.3.4/' is not an IPv4 or IPv6 address or CIDR range\n",
      "'1.2.3.4/8x' is not an IPv4 or IPv6 address or CIDR range\n",
      "'1.2.3.4/-1' is not an IPv4 or IPv6 address or CIDR range\n",
      "'2001:db8::1/64' has bits set after its /64 prefix\n",
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    ck_assert_msg(strstr(p.text, want[i]) != NULL, "missing %s in:\n%s", want[i], p.text);
  }
  /* too many entries */
  char spec[257 * 12] = "";
  for (int i = 0; i < 257; i++) {
    size_t used = strlen(spec);
    snprintf(spec + used, sizeof spec - used, "10.0.%d.%d,", i / 256, i % 256);
  }
  memset(&p, 0, sizeof p);
  ck_assert_int_eq(net_ranges_parse(spec, &r, collect, &p), 1);
  ck_assert_str_eq(p.text, "has more than 256 entries\n");
  ck_assert_uint_eq(r.n, 0);
  /* 256 are fine */
  *strrchr(spec, ',') = '\0';
  *strrchr(spec, ',') = '\0';
  memset(&p, 0, sizeof p);
  ck_assert_int_eq(net_ranges_parse(spec, &r, collect, &p), 0);
  ck_assert_uint_eq(r.n, 256);
  net_ranges_free(&r);
}
END_TEST

/* ---- the client behind trusted proxies ------------------------------------------------------ */

static struct net_ranges g_trusted;

static void trusted_setup(void) {
  g_trusted = ranges("10.0.0.0/8, 2001:db8:ffff::/48");
}

static void trusted_teardown(void) {
  net_ranges_free(&g_trusted);
}

/* The client chosen for a request from peer with these headers, as text-comparable address. */
static int client_is(const char *peer, const char *xff, const char *fwd, const char *want) {
  struct net_addr p = addr(peer), w = addr(want);
  struct net_addr got = net_client_address(&p, xff, fwd, &g_trusted);
  return net_addr_equal(&got, &w);
}

START_TEST(untrusted_peer_headers_ignored) {
  ck_assert(client_is("198.51.100.1", "203.0.113.9", NULL, "198.51.100.1"));
  ck_assert(client_is("198.51.100.1", NULL, "for=203.0.113.9", "198.51.100.1"));
  ck_assert(client_is("198.51.100.1", "10.0.0.1", NULL, "198.51.100.1"));
  /* no trusted proxies at all */
  struct net_ranges none = {NULL, 0};
  struct net_addr p = addr("10.0.0.1"), got = net_client_address(&p, "203.0.113.9", "for=203.0.113.8", &none);
  ck_assert(net_addr_equal(&got, &p));
  got = net_client_address(&p, "203.0.113.9", NULL, NULL);
  ck_assert(net_addr_equal(&got, &p));
}
END_TEST

START_TEST(x_forwarded_for) {
  /* the proxy's own entry */
  ck_assert(client_is("10.0.0.1", "203.0.113.9", NULL, "203.0.113.9"));
  ck_assert(client_is("10.0.0.1", " 203.0.113.9 ", NULL, "203.0.113.9"));
  /* what the client wrote on the left is not believed */
  ck_assert(client_is("10.0.0.1", "1.1.1.1, 2.2.2.2, 203.0.113.9", NULL, "203.0.113.9"));
  ck_assert(client_is("10.0.0.1", "1.1.1.1,203.0.113.9", NULL, "203.0.113.9"));
  /* through a chain of trusted proxies */
  ck_assert(client_is("10.0.0.1", "1.1.1.1, 203.0.113.9, 10.2.3.4, 10.9.9.9", NULL, "203.0.113.9"));
  ck_assert(client_is("10.0.0.1", "203.0.113.9, [2001:db8:ffff:1::5]:443", NULL, "203.0.113.9"));
  /* IPv6 clients, with ports, quoted */
  ck_assert(client_is("10.0.0.1", "2001:db8:cafe::17", NULL, "2001:db8:cafe::17"));
  ck_assert(client_is("10.0.0.1", "[2001:db8:cafe::17]:4711", NULL, "2001:db8:cafe::17"));
  ck_assert(client_is("10.0.0.1", "203.0.113.9:5555", NULL, "203.0.113.9"));
  ck_assert(client_is("10.0.0.1", "\"203.0.113.9\"", NULL, "203.0.113.9"));
  /* repeated header lines, as joined; empty entries ignored */
  ck_assert(client_is("10.0.0.1", "1.1.1.1,,203.0.113.9,", NULL, "203.0.113.9"));
  /* a nonsense entry stops the walk at the nearest trusted proxy */
  ck_assert(client_is("10.0.0.1", "unknown", NULL, "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", "203.0.113.9, garbage", NULL, "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", "203.0.113.9, garbage, 10.7.7.7", NULL, "10.7.7.7"));
  ck_assert(client_is("10.0.0.1", "garbage, 203.0.113.9", NULL, "203.0.113.9"));
  /* every entry a trusted proxy: the left-most */
  ck_assert(client_is("10.0.0.1", "10.1.1.1, 10.2.2.2", NULL, "10.1.1.1"));
  /* empty: the peer */
  ck_assert(client_is("10.0.0.1", "", NULL, "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", " , ", NULL, "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", NULL, NULL, "10.0.0.1"));
}
END_TEST

START_TEST(x_forwarded_for_long) {
  /* 1,000 made-up entries in front of the real one: only the right end counts */
  size_t cap = 1000 * 16 + 64;
  char *xff = malloc(cap);
  xff[0] = '\0';
  for (int i = 0; i < 1000; i++) {
    size_t used = strlen(xff);
    snprintf(xff + used, cap - used, "1.1.%d.%d, ", i / 256, i % 256);
  }
  strcat(xff, "203.0.113.9");
  ck_assert(client_is("10.0.0.1", xff, NULL, "203.0.113.9"));
  /* 40 trusted hops, more than are kept: the walk ends at a trusted proxy, never at the
   * client-written left end */
  xff[0] = '\0';
  strcat(xff, "1.1.1.1");
  for (int i = 0; i < 40; i++) {
    size_t used = strlen(xff);
    snprintf(xff + used, cap - used, ", 10.0.0.%d", i + 1);
  }
  struct net_addr p = addr("10.0.0.1"), spoof = addr("1.1.1.1");
  struct net_addr got = net_client_address(&p, xff, NULL, &g_trusted);
  ck_assert(!net_addr_equal(&got, &spoof));
  ck_assert(net_ranges_contain(&g_trusted, &got));
  free(xff);
}
END_TEST

START_TEST(forwarded) {
  ck_assert(client_is("10.0.0.1", NULL, "for=203.0.113.9", "203.0.113.9"));
  ck_assert(client_is("10.0.0.1", NULL, "For=\"203.0.113.9:80\";proto=https;by=10.0.0.1", "203.0.113.9"));
  ck_assert(client_is("10.0.0.1", NULL, "proto=https; FOR=203.0.113.9", "203.0.113.9"));
  ck_assert(client_is("10.0.0.1", NULL, "for=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17"));
  ck_assert(client_is("10.0.0.1", NULL, "for=\"[2001:db8:cafe::17]\"", "2001:db8:cafe::17"));
  ck_assert(client_is("10.0.0.1", NULL, "for=\"\\[2001:db8:cafe::17\\]\"", "2001:db8:cafe::17"));
  /* elements: the right-most that is not a trusted proxy */
  ck_assert(client_is("10.0.0.1", NULL, "for=1.1.1.1, for=203.0.113.9", "203.0.113.9"));
  ck_assert(client_is("10.0.0.1", NULL, "for=1.1.1.1, for=203.0.113.9;by=x, for=10.3.3.3", "203.0.113.9"));
  ck_assert(client_is("10.0.0.1", NULL, "for=1.1.1.1,,for=203.0.113.9", "203.0.113.9"));
  /* a comma inside a quoted value is not a separator */
  ck_assert(client_is("10.0.0.1", NULL, "for=1.1.1.1;x=\"a, for=9.9.9.9\", for=203.0.113.9", "203.0.113.9"));
  ck_assert(client_is("10.0.0.1", NULL, "for=\"1.1.1.1, 203.0.113.9\"", "10.0.0.1"));
  /* unknown, obfuscated, missing or repeated "for": the nearest trusted proxy */
  ck_assert(client_is("10.0.0.1", NULL, "for=unknown", "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", NULL, "for=_hidden", "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", NULL, "proto=https", "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", NULL, "for=1.1.1.1;for=203.0.113.9", "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", NULL, "for=203.0.113.9, for=unknown, for=10.4.4.4", "10.4.4.4"));
  /* a header that does not parse: nothing in it is believed */
  ck_assert(client_is("10.0.0.1", NULL, "for=\"203.0.113.9", "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", NULL, "for=\"1.1.1.1, for=203.0.113.9", "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", NULL, "for = 203.0.113.9", "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", NULL, "203.0.113.9", "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", NULL, "for=203.0.113.9 x", "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", NULL, "for=", "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", NULL, "for=\"x\\", "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", NULL, "for=2001:db8::1", "10.0.0.1")); /* ':' is not a token character */
  /* an over-long value is no address */
  ck_assert(client_is("10.0.0.1", NULL,
                      "for=\"[2001:0db8:0000:0000:0000:0000:0000:0001]:1234567890123456789012345678901234\"",
                      "10.0.0.1"));
}
END_TEST

START_TEST(both_headers) {
  /* they agree: that client */
  ck_assert(client_is("10.0.0.1", "203.0.113.9", "for=203.0.113.9", "203.0.113.9"));
  ck_assert(client_is("10.0.0.1", "1.1.1.1, 203.0.113.9", "for=2.2.2.2, for=\"203.0.113.9:1\"", "203.0.113.9"));
  /* they do not: one of them was the client's own, and neither is believed */
  ck_assert(client_is("10.0.0.1", "203.0.113.9", "for=198.51.100.5", "10.0.0.1"));
  ck_assert(client_is("10.0.0.1", "198.51.100.5", "for=203.0.113.9", "10.0.0.1"));
  /* one of them empty: the other */
  ck_assert(client_is("10.0.0.1", "", "for=203.0.113.9", "203.0.113.9"));
  ck_assert(client_is("10.0.0.1", "203.0.113.9", "", "203.0.113.9"));
}
END_TEST

START_TEST(ipv6_trusted_peer) {
  ck_assert(client_is("2001:db8:ffff:2::1", "203.0.113.9", NULL, "203.0.113.9"));
  ck_assert(client_is("2001:db8:fffe::1", "203.0.113.9", NULL, "2001:db8:fffe::1"));
  ck_assert(client_is("::ffff:10.0.0.1", "203.0.113.9", NULL, "203.0.113.9"));
}
END_TEST

/* ---- the rate-limit key --------------------------------------------------------------------- */

START_TEST(rate_keys) {
  unsigned char a[NET_KEY_LEN], b[NET_KEY_LEN];
  struct net_addr x = addr("127.0.0.1"), y = addr("127.0.1.1");
  net_rate_key(&x, a);
  net_rate_key(&y, b);
  ck_assert(memcmp(a, b, NET_KEY_LEN) != 0); /* IPv4 whole */
  ck_assert(memcmp(a, x.b, NET_KEY_LEN) == 0);
  x = addr("2001:db8:1:2:3:4:5:6");
  y = addr("2001:db8:1:2:ffff::");
  net_rate_key(&x, a);
  net_rate_key(&y, b);
  ck_assert(memcmp(a, b, NET_KEY_LEN) == 0); /* IPv6 by /64 */
  static const unsigned char want[NET_KEY_LEN] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2};
  ck_assert(memcmp(a, want, NET_KEY_LEN) == 0);
  y = addr("2001:db8:1:3::");
  net_rate_key(&y, b);
  ck_assert(memcmp(a, b, NET_KEY_LEN) != 0);
  /* the families never meet: 0.0.0.0 and :: */
  x = addr("0.0.0.0");
  y = addr("::");
  net_rate_key(&x, a);
  net_rate_key(&y, b);
  ck_assert(memcmp(a, b, NET_KEY_LEN) != 0);
}
END_TEST

static Suite *netaddr_suite(void) {
  Suite *s = suite_create("netaddr");
  TCase *tc = tcase_create("parse");
  tcase_add_test(tc, addresses);
  tcase_add_test(tc, nodes);
  tcase_add_test(tc, ranges_parse_and_match);
  tcase_add_test(tc, ranges_every_bad_entry_reported);
  tcase_add_test(tc, rate_keys);
  suite_add_tcase(s, tc);
  TCase *cl = tcase_create("client");
  tcase_add_checked_fixture(cl, trusted_setup, trusted_teardown);
  tcase_add_test(cl, untrusted_peer_headers_ignored);
  tcase_add_test(cl, x_forwarded_for);
  tcase_add_test(cl, x_forwarded_for_long);
  tcase_add_test(cl, forwarded);
  tcase_add_test(cl, both_headers);
  tcase_add_test(cl, ipv6_trusted_peer);
  suite_add_tcase(s, cl);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(netaddr_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
