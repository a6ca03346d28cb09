/* Unit tests for api/lib/ratelimit.c: the token bucket rule, one exact bucket per client
 * address (two IPv4 addresses in one /16 apart, one IPv6 /64 together), a bounded table
 * under a flood of addresses that refuses newcomers rather than forget anyone, and refill
 * over time. The clock is the test's. */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"
#include "ratelimit.h"

static const unsigned char SEED[RATELIMIT_SEED_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* The rate-limit key of an address written as text. */
static void key_of(const char *text, unsigned char key[NET_KEY_LEN]) {
  struct net_addr a;
  ck_assert_msg(net_addr_parse(text, strlen(text), &a) == 0, "%s does not parse", text);
  net_rate_key(&a, key);
}

/* The rate-limit key of 10.x.y.z for a number n. */
static void key_of_n(unsigned n, unsigned char key[NET_KEY_LEN]) {
  unsigned char v4[4] = {10, (unsigned char)(n >> 16), (unsigned char)(n >> 8), (unsigned char)n};
  struct net_addr a;
  net_addr_from_v4(&a, v4);
  net_rate_key(&a, key);
}

static enum rl_verdict take(struct ratelimit *rl, const unsigned char *key, double now, int *wait) {
  int w = -1;
  enum rl_verdict v = ratelimit_take(rl, key, now, &w);
  if (wait) *wait = w;
  if (v == RL_ALLOWED) {
    ck_assert_int_eq(w, 0);
  } else {
    ck_assert_int_ge(w, 1);
  }
  return v;
}

/* ---- the bucket rule ----------------------------------------------------------------------- */

START_TEST(bucket_rule) {
  /* 5 a minute: a token every 12 s, a burst of 5 */
  double rate = 5 / 60.0, burst = 5, tokens = burst, at = 1000;
  for (int i = 0; i < 5; i++) {
    ck_assert_int_eq(rl_bucket_take(&tokens, &at, 1000, rate, burst), 0);
  }
  ck_assert_int_eq(rl_bucket_take(&tokens, &at, 1000, rate, burst), 12);
  ck_assert_int_eq(rl_bucket_take(&tokens, &at, 1006, rate, burst), 6);
  ck_assert_int_eq(rl_bucket_take(&tokens, &at, 1011.5, rate, burst), 1);
  ck_assert_int_eq(rl_bucket_take(&tokens, &at, 1012, rate, burst), 0);
  ck_assert_int_eq(rl_bucket_take(&tokens, &at, 1012, rate, burst), 12);
  /* a refused request takes nothing: the wait only shrinks */
  ck_assert_int_eq(rl_bucket_take(&tokens, &at, 1013, rate, burst), 11);
  /* never more than the burst, however long the wait */
  ck_assert_int_eq(rl_bucket_take(&tokens, &at, 1e6, rate, burst), 0);
  ck_assert(tokens > 3.99 && tokens < 4.01);
  /* a clock that steps back refills nothing and breaks nothing */
  ck_assert_int_eq(rl_bucket_take(&tokens, &at, 10, rate, burst), 0);
  ck_assert(tokens > 2.99 && tokens < 3.01);
  ck_assert(at == 1e6);
}
END_TEST

/* ---- exact per address --------------------------------------------------------------------- */

START_TEST(two_addresses_in_one_16_each_get_exactly_the_limit) {
  /* the old limiter's 4,096 slots were keyed by the low 12 bits of s_addr: on a little-endian
   * machine the first octets, so these pairs shared a slot and reset each other's bucket */
  const char *pairs[][2] = {{"127.0.0.1", "127.0.1.1"}, {"192.168.0.10", "192.168.77.10"}, {"10.1.2.3", "10.1.2.4"}};
  for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
    struct ratelimit *rl = ratelimit_new(4096, 5, SEED);
    unsigned char a[NET_KEY_LEN], b[NET_KEY_LEN];
    key_of(pairs[p][0], a);
    key_of(pairs[p][1], b);
    for (int i = 0; i < 5; i++) {
      ck_assert_int_eq(take(rl, a, 50, NULL), RL_ALLOWED);
      ck_assert_int_eq(take(rl, b, 50, NULL), RL_ALLOWED);
    }
    int wait = 0;
    ck_assert_int_eq(take(rl, a, 50, &wait), RL_LIMITED);
    ck_assert_int_eq(wait, 12);
    ck_assert_int_eq(take(rl, b, 50, &wait), RL_LIMITED);
    ck_assert_int_eq(wait, 12);
    ck_assert_int_eq(take(rl, a, 51, NULL), RL_LIMITED);
    ck_assert_uint_eq(ratelimit_size(rl), 2);
    ratelimit_free(rl);
  }
}
END_TEST

START_TEST(ipv6_by_64) {
  struct ratelimit *rl = ratelimit_new(16, 3, SEED);
  unsigned char a[NET_KEY_LEN], a2[NET_KEY_LEN], other[NET_KEY_LEN], v4[NET_KEY_LEN];
  key_of("2001:db8:1:2::1", a);
  key_of("2001:db8:1:2:ffff:eeee:dddd:cccc", a2); /* the same /64 */
  key_of("2001:db8:1:3::1", other);               /* the next /64 */
  key_of("0.0.0.0", v4);                          /* all zero, as IPv4: not ::/64 */
  ck_assert_int_eq(take(rl, a, 0, NULL), RL_ALLOWED);
  ck_assert_int_eq(take(rl, a2, 0, NULL), RL_ALLOWED);
  ck_assert_int_eq(take(rl, a, 0, NULL), RL_ALLOWED);
  ck_assert_int_eq(take(rl, a2, 0, NULL), RL_LIMITED);
  ck_assert_int_eq(take(rl, other, 0, NULL), RL_ALLOWED);
  ck_assert_int_eq(take(rl, v4, 0, NULL), RL_ALLOWED);
  unsigned char zero6[NET_KEY_LEN];
  key_of("::1", zero6);
  ck_assert_int_eq(take(rl, zero6, 0, NULL), RL_ALLOWED);
  ck_assert_uint_eq(ratelimit_size(rl), 4);
  ratelimit_free(rl);
}
END_TEST

START_TEST(many_addresses_keep_their_own_state) {
  /* 3,000 addresses in one table, each spending n % 7 tokens: every one is found again with
   * exactly what it spent, whatever chains the hash put them in (two seeds) */
  unsigned char seeds[2][RATELIMIT_SEED_LEN] = {{0}, {0}};
  memcpy(seeds[1], SEED, sizeof SEED);
  for (int s = 0; s < 2; s++) {
    struct ratelimit *rl = ratelimit_new(3000, 10, seeds[s]);
    unsigned char key[NET_KEY_LEN];
    for (unsigned n = 0; n < 3000; n++) {
      key_of_n(n * 4096, key); /* all alike in their low 12 bits */
      for (unsigned i = 0; i < n % 7; i++)
        ck_assert_int_eq(take(rl, key, 0, NULL), RL_ALLOWED);
    }
    for (unsigned n = 0; n < 3000; n++) {
      key_of_n(n * 4096, key);
      double t = ratelimit_tokens(rl, key, 0);
      if (n % 7 == 0) {
        ck_assert(t == -1); /* never took one: no bucket */
      } else {
        ck_assert_msg(t > 10 - n % 7 - 0.001 && t < 10 - n % 7 + 0.001, "address %u has %f tokens", n, t);
      }
    }
    ratelimit_free(rl);
  }
}
END_TEST

/* ---- bounded under a flood ------------------------------------------------------------------ */

START_TEST(flood_is_bounded_and_forgets_nobody) {
  /* 64 buckets, 10 a minute (a token every 6 s). 64 clients spend 3 tokens each at t=0 (full
   * again at t=18); client 0 spends all 10 (full at t=60). */
  struct ratelimit *rl = ratelimit_new(64, 10, SEED);
  unsigned char key[NET_KEY_LEN];
  for (unsigned n = 0; n < 64; n++) {
    key_of_n(n, key);
    for (int i = 0; i < (n == 0 ? 10 : 3); i++)
      ck_assert_int_eq(take(rl, key, 0, NULL), RL_ALLOWED);
  }
  ck_assert_uint_eq(ratelimit_size(rl), 64);
  /* a flood of 100,000 new addresses at t=1: every one refused, none gets a bucket */
  int wait = 0;
  for (unsigned n = 1000; n < 101000; n++) {
    key_of_n(n, key);
    ck_assert_int_eq(take(rl, key, 1, &wait), RL_FULL);
    ck_assert_int_eq(wait, 17); /* until the first bucket has refilled, at t=18 */
  }
  ck_assert_uint_eq(ratelimit_size(rl), 64);
  /* nobody in the table lost anything: each still has what it had left, plus the refill */
  for (unsigned n = 0; n < 64; n++) {
    key_of_n(n, key);
    double t = ratelimit_tokens(rl, key, 1), want = (n == 0 ? 0 : 7) + 1 / 6.0;
    ck_assert_msg(t > want - 0.001 && t < want + 0.001, "client %u has %f tokens", n, t);
  }
  /* client 0 is still limited */
  key_of_n(0, key);
  ck_assert_int_eq(take(rl, key, 1, &wait), RL_LIMITED);
  ck_assert_int_eq(wait, 5);
  /* at t=18 the 63 refilled buckets may go (they hold nothing), client 0's may not */
  for (unsigned n = 2000; n < 2063; n++) {
    key_of_n(n, key);
    ck_assert_int_eq(take(rl, key, 18, NULL), RL_ALLOWED);
  }
  key_of_n(2063, key);
  ck_assert_int_eq(take(rl, key, 18, &wait), RL_FULL);
  ck_assert_uint_eq(ratelimit_size(rl), 64);
  key_of_n(0, key);
  double t = ratelimit_tokens(rl, key, 18);
  ck_assert_msg(t > 2.999 && t < 3.001, "client 0 has %f tokens", t); /* 18 s at 1/6 a second */
  /* client 1 was dropped when full: coming back, it is a new client, with a full bucket */
  key_of_n(1, key);
  ck_assert(ratelimit_tokens(rl, key, 18) == -1);
  ratelimit_free(rl);
}
END_TEST

START_TEST(full_table_frees_the_earliest_refilled) {
  /* two buckets: A spent 1 token at t=0 (full at 6), B spent 2 at t=0 (full at 12); the
   * least recently used is not what matters, the refill is */
  struct ratelimit *rl = ratelimit_new(2, 10, SEED);
  unsigned char a[NET_KEY_LEN], b[NET_KEY_LEN], c[NET_KEY_LEN], d[NET_KEY_LEN];
  key_of("192.0.2.1", a);
  key_of("192.0.2.2", b);
  key_of("192.0.2.3", c);
  key_of("192.0.2.4", d);
  ck_assert_int_eq(take(rl, b, 0, NULL), RL_ALLOWED);
  ck_assert_int_eq(take(rl, b, 0, NULL), RL_ALLOWED);
  ck_assert_int_eq(take(rl, a, 0, NULL), RL_ALLOWED);
  int wait = 0;
  ck_assert_int_eq(take(rl, c, 2, &wait), RL_FULL);
  ck_assert_int_eq(wait, 4);
  ck_assert_int_eq(take(rl, c, 6, NULL), RL_ALLOWED); /* takes A's bucket */
  ck_assert(ratelimit_tokens(rl, a, 6) == -1);
  ck_assert(ratelimit_tokens(rl, b, 6) > 0);
  ck_assert_int_eq(take(rl, d, 6, &wait), RL_FULL); /* B full at 12, C at 12 */
  ck_assert_int_eq(wait, 6);
  ratelimit_free(rl);
}
END_TEST

/* ---- refill over time ---------------------------------------------------------------------- */

START_TEST(refill_over_time) {
  struct ratelimit *rl = ratelimit_new(8, 60, SEED); /* a token a second */
  unsigned char key[NET_KEY_LEN];
  key_of("198.51.100.7", key);
  for (int i = 0; i < 60; i++)
    ck_assert_int_eq(take(rl, key, 100, NULL), RL_ALLOWED);
  int wait = 0;
  ck_assert_int_eq(take(rl, key, 100, &wait), RL_LIMITED);
  ck_assert_int_eq(wait, 1);
  ck_assert_int_eq(take(rl, key, 100.5, &wait), RL_LIMITED);
  ck_assert_int_eq(wait, 1);
  ck_assert_int_eq(take(rl, key, 101, NULL), RL_ALLOWED);
  ck_assert_int_eq(take(rl, key, 101, NULL), RL_LIMITED);
  /* ten seconds: ten tokens */
  for (int i = 0; i < 10; i++)
    ck_assert_int_eq(take(rl, key, 111, NULL), RL_ALLOWED);
  ck_assert_int_eq(take(rl, key, 111, NULL), RL_LIMITED);
  /* an hour: the burst, not more */
  ck_assert(ratelimit_tokens(rl, key, 3711) == 60);
  for (int i = 0; i < 60; i++)
    ck_assert_int_eq(take(rl, key, 3711, NULL), RL_ALLOWED);
  ck_assert_int_eq(take(rl, key, 3711, NULL), RL_LIMITED);
  ratelimit_free(rl);
}
END_TEST

START_TEST(bad_arguments) {
  ck_assert_ptr_null(ratelimit_new(0, 60, SEED));
  ck_assert_ptr_null(ratelimit_new(16, 0, SEED));
  ck_assert_ptr_null(ratelimit_new(((size_t)1 << 30) + 1, 60, SEED));
  ratelimit_free(NULL);
  struct ratelimit *rl = ratelimit_new(1, 1, SEED);
  unsigned char a[NET_KEY_LEN], b[NET_KEY_LEN];
  key_of("192.0.2.1", a);
  key_of("192.0.2.2", b);
  int wait = 0;
  ck_assert_int_eq(take(rl, a, 0, NULL), RL_ALLOWED);
  ck_assert_int_eq(take(rl, a, 0, &wait), RL_LIMITED);
  ck_assert_int_eq(wait, 60);
  ck_assert_int_eq(take(rl, b, 30, &wait), RL_FULL);
  ck_assert_int_eq(wait, 30);
  ck_assert_int_eq(take(rl, b, 60, NULL), RL_ALLOWED);
  ratelimit_free(rl);
}
END_TEST

static Suite *ratelimit_suite(void) {
  Suite *s = suite_create("ratelimit");
  TCase *tc = tcase_create("ratelimit");
  tcase_add_test(tc, bucket_rule);
  tcase_add_test(tc, two_addresses_in_one_16_each_get_exactly_the_limit);
  tcase_add_test(tc, ipv6_by_64);
  tcase_add_test(tc, many_addresses_keep_their_own_state);
  tcase_add_test(tc, flood_is_bounded_and_forgets_nobody);
  tcase_add_test(tc, full_table_frees_the_earliest_refilled);
  tcase_add_test(tc, refill_over_time);
  tcase_add_test(tc, bad_arguments);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(ratelimit_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
