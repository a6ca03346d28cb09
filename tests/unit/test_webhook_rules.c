/* Unit tests for api/registers/webhooks/rules.c: event patterns, the SSRF rules for URLs and
 * addresses, the retry schedule, Standard Webhooks signatures (the spec's published example)
 * and the ZSZ_WEBHOOK_* settings. */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "webhooks/rules.h"

START_TEST(event_patterns) {
  const char *good[] = {"*",
                        "ping",
                        "incident.*",
                        "nonconformity.transition",
                        "deadline.due_soon",
                        "audit_programme.transition:approved"};
  const char *bad[] = {"",      "incident",         "Incident.*", "incident.",  ".create", "*.create", "incident.**",
                       "a.b.c", "incident .create", "pin",        "incident.*x"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    ck_assert_msg(webhook_event_pattern_valid(good[i]), "%s should be valid", good[i]);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ck_assert_msg(!webhook_event_pattern_valid(bad[i]), "%s should be refused", bad[i]);
  ck_assert(!webhook_event_pattern_valid(NULL));
}
END_TEST

START_TEST(event_matching) {
  const char *p[] = {"incident.*", "nonconformity.transition"};
  ck_assert(webhook_event_matches(p, 2, "incident.create"));
  ck_assert(webhook_event_matches(p, 2, "nonconformity.transition"));
  ck_assert(!webhook_event_matches(p, 2, "nonconformity.create"));
  ck_assert(!webhook_event_matches(p, 2, "incident_timeline.create"));
  ck_assert(!webhook_event_matches(p, 2, "ping"));
  const char *all[] = {"*"};
  ck_assert(webhook_event_matches(all, 1, "process.update"));
}
END_TEST

static int refused(const char *text) {
  struct net_addr a;
  ck_assert_msg(net_addr_parse(text, strlen(text), &a) == 0, "%s does not parse", text);
  return webhook_address_refused(&a);
}

START_TEST(addresses) {
  const char *no[] = {"127.0.0.1",
                      "127.255.0.9",
                      "0.0.0.0",
                      "10.1.2.3",
                      "172.16.0.1",
                      "172.31.255.255",
                      "192.168.1.1",
                      "169.254.169.254",
                      "100.64.0.1",
                      "224.0.0.1",
                      "255.255.255.255",
                      "::1",
                      "::",
                      "fe80::1",
                      "fd00:ec2::254",
                      "fc00::1",
                      "ff02::1",
                      "::ffff:127.0.0.1",
                      "64:ff9b::a9fe:a9fe",
                      "2002:7f00:1::",
                      "2001:db8::1",
                      "::127.0.0.1",
                      "198.18.0.1"};
  const char *yes[] = {"8.8.8.8",          "172.32.0.1",    "192.169.0.1", "100.128.0.1", "2a00:1450:4001::200e",
                       "64:ff9b::808:808", "2002:808:808::"};
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    ck_assert_msg(refused(no[i]), "%s should be refused", no[i]);
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
    ck_assert_msg(!refused(yes[i]), "%s should be allowed", yes[i]);
}
END_TEST

START_TEST(urls) {
  struct webhook_url u;
  ck_assert_int_eq(webhook_url_check("https://ezd.krakow.example/hooks?x=1", NULL, &u), WEBHOOK_URL_OK);
  ck_assert_str_eq(u.host, "ezd.krakow.example");
  ck_assert_int_eq(u.port, 443);
  ck_assert(u.https && !u.literal && !u.listed);
  ck_assert_int_eq(webhook_url_check("HTTPS://EZD.Example:8443/", NULL, &u), WEBHOOK_URL_OK);
  ck_assert_str_eq(u.host, "ezd.example");
  ck_assert_int_eq(u.port, 8443);
  /* http only to listed hosts */
  ck_assert_int_eq(webhook_url_check("http://ezd.example/", NULL, NULL), WEBHOOK_URL_SCHEME);
  ck_assert_int_eq(webhook_url_check("http://ezd.example/", "other, EZD.example", NULL), WEBHOOK_URL_OK);
  /* refused addresses, unless listed */
  ck_assert_int_eq(webhook_url_check("http://127.0.0.1:9/", NULL, NULL), WEBHOOK_URL_SCHEME);
  ck_assert_int_eq(webhook_url_check("https://127.0.0.1:9/", NULL, NULL), WEBHOOK_URL_ADDRESS);
  ck_assert_int_eq(webhook_url_check("http://127.0.0.1:9/", "127.0.0.1", &u), WEBHOOK_URL_OK);
  ck_assert(u.listed && u.literal);
  ck_assert_int_eq(webhook_url_check("https://169.254.169.254/latest/meta-data", NULL, NULL), WEBHOOK_URL_ADDRESS);
  ck_assert_int_eq(webhook_url_check("https://[::1]:8080/", NULL, &u), WEBHOOK_URL_ADDRESS);
  ck_assert_str_eq(u.host, "::1");
  ck_assert_int_eq(webhook_url_check("http://[::1]:8080/", "[::1]", NULL), WEBHOOK_URL_OK);
  ck_assert_int_eq(webhook_url_check("https://[::ffff:169.254.169.254]/", NULL, NULL), WEBHOOK_URL_ADDRESS);
  /* shortened and numeric IPv4 forms are read as the addresses they are (curl normalises them) */
  ck_assert_int_eq(webhook_url_check("https://2130706433/", NULL, NULL), WEBHOOK_URL_ADDRESS);
  ck_assert_int_eq(webhook_url_check("https://0x7f.1/", NULL, NULL), WEBHOOK_URL_ADDRESS);
  ck_assert_int_eq(webhook_url_check("https://127.1/", NULL, NULL), WEBHOOK_URL_ADDRESS);
  /* not http(s), no host, credentials */
  ck_assert_int_eq(webhook_url_check("ftp://ezd.example/", NULL, NULL), WEBHOOK_URL_MALFORMED);
  ck_assert_int_eq(webhook_url_check("file:///etc/passwd", NULL, NULL), WEBHOOK_URL_MALFORMED);
  ck_assert_int_eq(webhook_url_check("ezd.example/hooks", NULL, NULL), WEBHOOK_URL_MALFORMED);
  ck_assert_int_eq(webhook_url_check("https://user:pw@ezd.example/", NULL, NULL), WEBHOOK_URL_MALFORMED);
}
END_TEST

START_TEST(retry_schedule) {
  const double base[] = {30, 120, 600, 3600, 14400, 43200};
  for (int i = 1; i <= 6; i++) {
    ck_assert_double_eq_tol(webhook_retry_delay(i, 1, 0.5), base[i - 1], 1e-9);
    ck_assert_double_eq_tol(webhook_retry_delay(i, 1, 0), base[i - 1] * 0.8, 1e-9);
    ck_assert(webhook_retry_delay(i, 1, 0.9999) < base[i - 1] * 1.2);
    ck_assert_double_eq_tol(webhook_retry_delay(i, 1000, 0.5), base[i - 1] / 1000, 1e-9);
  }
  ck_assert(webhook_retry_delay(7, 1, 0.5) < 0);
  ck_assert(webhook_retry_delay(0, 1, 0.5) < 0);
  ck_assert_int_eq(WEBHOOK_MAX_ATTEMPTS, 7);
}
END_TEST

/* The example of the Standard Webhooks specification (and its reference libraries' tests). */
START_TEST(signature_of_the_spec) {
  char sig[128];
  const char *body = "{\"test\": 2432232314}";
  ck_assert_int_eq(webhook_sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                                body, strlen(body), sig, sizeof sig),
                   0);
  ck_assert_str_eq(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  ck_assert_int_eq(webhook_sign("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, "", 0, sig, sizeof sig), -1);
  ck_assert_int_eq(webhook_sign("whsec_!!!!", "m", 1, "", 0, sig, sizeof sig), -1);
}
END_TEST

START_TEST(new_secrets) {
  char a[96], b[96], sig[128];
  ck_assert_int_eq(webhook_secret_new(a, sizeof a), 0);
  ck_assert_int_eq(webhook_secret_new(b, sizeof b), 0);
  ck_assert(strncmp(a, "whsec_", 6) == 0);
  ck_assert_uint_eq(strlen(a), 6 + 44); /* base64 of 32 bytes */
  ck_assert_str_ne(a, b);
  ck_assert_int_eq(webhook_sign(a, "msg_1", 1, "{}", 2, sig, sizeof sig), 0);
  ck_assert_int_eq(webhook_secret_new(a, 20), -1);
}
END_TEST

static const char *const *g_env;
static const char *fake_env(const char *name) {
  for (const char *const *e = g_env; e && *e; e += 2)
    if (strcmp(e[0], name) == 0) return e[1];
  return NULL;
}

START_TEST(settings) {
  struct webhook_settings s;
  json_t *problems = json_array();
  g_env = NULL;
  ck_assert_int_eq(webhook_settings_load(&s, fake_env, problems), 0);
  ck_assert_int_eq(s.workers, 2);
  ck_assert_int_eq(s.poll_ms, 1000);
  ck_assert_int_eq(s.timeout_ms, 10000);
  ck_assert_double_eq(s.retry_scale, 1);
  ck_assert_str_eq(s.allowed, "");
  static const char *const ok[] = {
      "ZSZ_WEBHOOK_WORKERS", "0", "ZSZ_WEBHOOK_RETRY_SCALE", "100000", "ZSZ_WEBHOOK_ALLOWED_HOSTS", "127.0.0.1", NULL};
  g_env = ok;
  ck_assert_int_eq(webhook_settings_load(&s, fake_env, problems), 0);
  ck_assert_int_eq(s.workers, 0);
  ck_assert_double_eq(s.retry_scale, 100000);
  ck_assert_str_eq(s.allowed, "127.0.0.1");
  static const char *const bad[] = {"ZSZ_WEBHOOK_WORKERS",
                                    "99",
                                    "ZSZ_WEBHOOK_POLL_MS",
                                    "x",
                                    "ZSZ_WEBHOOK_TIMEOUT_MS",
                                    "5",
                                    "ZSZ_WEBHOOK_RETRY_SCALE",
                                    "0",
                                    NULL};
  g_env = bad;
  ck_assert_int_eq(webhook_settings_load(&s, fake_env, problems), 4);
  ck_assert_uint_eq(json_array_size(problems), 4);
  json_decref(problems);
}
END_TEST

static Suite *webhook_suite(void) {
  Suite *s = suite_create("webhook_rules");
  TCase *tc = tcase_create("rules");
  tcase_add_test(tc, event_patterns);
  tcase_add_test(tc, event_matching);
  tcase_add_test(tc, addresses);
  tcase_add_test(tc, urls);
  tcase_add_test(tc, retry_schedule);
  tcase_add_test(tc, signature_of_the_spec);
  tcase_add_test(tc, new_secrets);
  tcase_add_test(tc, settings);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(webhook_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
