/* The core's pure parts: If-Match, the Link header's URL, query values against their
 * contract specs, binding the route table to a contract, the route table itself, metrics
 * labels for every route. */

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"
#include "metrics.h"
#include "openapi.h"
#include "registers.h"
#include "routes.h"

/* ---- If-Match ------------------------------------------------------------------------------ */

START_TEST(if_match_values) {
  long long rev = -1;
  ck_assert_int_eq(if_match_parse("\"7\"", &rev), 0);
  ck_assert_int_eq(rev, 7);
  ck_assert_int_eq(if_match_parse("W/\"12\"", &rev), 0);
  ck_assert_int_eq(rev, 12);
  ck_assert_int_eq(if_match_parse("  \"3\"", &rev), 0);
  ck_assert_int_eq(rev, 3);
  ck_assert_int_eq(if_match_parse("*", &rev), 0);
  ck_assert_int_eq(rev, 0);
  /* anything we never issue cannot match */
  static const char *const BAD[] = {"7", "\"0\"", "\"-1\"", "\"7\" ", "\"7", "\"abc\"", "W/7", "", "\"7\",\"8\""};
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    ck_assert_msg(if_match_parse(BAD[i], &rev) == -1, "accepted %s", BAD[i]);
  }
  /* ETags compare as text (RFC 9110 8.8.3.2): "07", " 7" or "+7" are not the "7" we issued,
   * and a number past what a revision can be is no revision (found by tests/fuzz/fuzz_query) */
  static const char *const NOT_OURS[] = {
      "\"07\"", "W/\"06\"", "\" 7\"", "\"+7\"", "W/\"\t7\"", "\"99999999999999999999\"", "\"1234567890123456789\""};
  for (size_t i = 0; i < sizeof NOT_OURS / sizeof NOT_OURS[0]; i++) {
    ck_assert_msg(if_match_parse(NOT_OURS[i], &rev) == -1, "accepted %s", NOT_OURS[i]);
  }
  ck_assert_int_eq(if_match_parse("\"123456789012345678\"", &rev), 0);
  ck_assert_int_eq(rev, 123456789012345678LL);
}
END_TEST

/* ---- Link ---------------------------------------------------------------------------------- */

START_TEST(link_replaces_cursor) {
  static const char *const NAMES[] = {"q", "cursor", "limit", "sort"};
  const char *none[3] = {"", "", ""};
  const char *values[] = {"x", "OLD", "2", NULL};
  char *u = link_next_url("/api/v1/processes", none, NAMES, values, 4, "NEW");
  ck_assert_str_eq(u, "/api/v1/processes?q=x&limit=2&cursor=NEW");
  free(u);
  const char *nothing[] = {NULL, NULL, NULL, NULL};
  u = link_next_url("/api/v1/processes", none, NAMES, nothing, 4, "C1");
  ck_assert_str_eq(u, "/api/v1/processes?cursor=C1");
  free(u);
  /* path values in their places, every value percent-encoded */
  const char *path[3] = {"17", "a/b c", ""};
  u = link_next_url("/api/v1/x/{id}/y/{sub}", path, NAMES, values, 4, "Z");
  ck_assert_str_eq(u, "/api/v1/x/17/y/a%2Fb%20c?q=x&limit=2&cursor=Z");
  free(u);
}
END_TEST

/* Finding 6c of issue 14: the raw query was copied into the Link header, so a value could close
 * the <...> and add relations; now only checked values go in, percent-encoded. */
START_TEST(link_cannot_be_injected) {
  static const char *const NAMES[] = {"q", "limit"};
  const char *none[3] = {"", "", ""};
  const char *values[] = {"a>; rel=\"evil\", <https://evil.example/>; rel=\"x", "2"};
  char *u = link_next_url("/api/v1/processes", none, NAMES, values, 2, "C.D-_");
  ck_assert_str_eq(u,
                   "/api/v1/processes?q=a%3E%3B%20rel%3D%22evil%22%2C%20%3Chttps%3A%2F%2Fevil.example%2F%3E%3B%20rel%"
                   "3D%22x&limit=2&cursor=C.D-_");
  ck_assert_ptr_null(strpbrk(u, "<>\"; ,\r\n"));
  free(u);
  /* a query value holding '&' or '=' cannot add a parameter */
  const char *amp[] = {"x&limit=9999", NULL};
  u = link_next_url("/api/v1/processes", none, NAMES, amp, 2, "C");
  ck_assert_str_eq(u, "/api/v1/processes?q=x%26limit%3D9999&cursor=C");
  free(u);
}
END_TEST

/* ---- query values --------------------------------------------------------------------------- */

START_TEST(query_integer_range) {
  struct query_spec q = {.name = "parent_id", .type = QT_INTEGER, .min = 1, .max = 1000};
  msg_id why;
  char list[64];
  ck_assert_int_eq(query_spec_check(&q, "1", &why, list, sizeof list), 0);
  ck_assert_int_eq(query_spec_check(&q, "1000", &why, list, sizeof list), 0);
  static const char *const BAD[] = {"0", "1001", "", "1x", " 1", "1.5", "99999999999999999999", "-1"};
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    ck_assert_msg(query_spec_check(&q, BAD[i], &why, list, sizeof list) == -1, "accepted '%s'", BAD[i]);
    ck_assert_int_eq(why, MSG_PARAM_INTEGER);
  }
  struct query_spec limit = {.name = "limit", .type = QT_INTEGER, .min = 1, .max = 200};
  ck_assert_int_eq(query_spec_check(&limit, "201", &why, list, sizeof list), -1);
  ck_assert_int_eq(why, MSG_LIMIT);
}
END_TEST

START_TEST(query_enum_boolean_text) {
  json_t *values = json_pack("[s,s,s]", "management", "core", "support");
  struct query_spec e = {.name = "category", .type = QT_STRING, .max_len = 1000, .values = values};
  msg_id why;
  char list[128];
  ck_assert_int_eq(query_spec_check(&e, "core", &why, list, sizeof list), 0);
  ck_assert_int_eq(query_spec_check(&e, "Core", &why, list, sizeof list), -1);
  ck_assert_int_eq(why, MSG_PARAM_ENUM);
  ck_assert_str_eq(list, "management, core, support");
  json_decref(values);

  struct query_spec b = {.name = "overdue", .type = QT_BOOLEAN};
  ck_assert_int_eq(query_spec_check(&b, "true", &why, list, sizeof list), 0);
  ck_assert_int_eq(query_spec_check(&b, "false", &why, list, sizeof list), 0);
  ck_assert_int_eq(query_spec_check(&b, "1", &why, list, sizeof list), -1);
  ck_assert_str_eq(list, "true, false");

  struct query_spec t = {.name = "q", .type = QT_STRING, .min_len = 1, .max_len = 3};
  ck_assert_int_eq(query_spec_check(&t, "żół", &why, list, sizeof list), 0); /* characters, not bytes */
  ck_assert_int_eq(query_spec_check(&t, "abcd", &why, list, sizeof list), -1);
  ck_assert_int_eq(why, MSG_PARAM_TOO_LONG);
  ck_assert_int_eq(query_spec_check(&t, "", &why, list, sizeof list), -1);
  ck_assert_int_eq(query_spec_check(&t, "\xC3\x28", &why, list, sizeof list), -1);
  ck_assert_int_eq(why, MSG_PARAM_UTF8);
}
END_TEST

/* ---- binding to a contract ------------------------------------------------------------------ */

static char *temp_yaml(const char *text) {
  const char *base = getenv("TMPDIR");
  char *path = NULL;
  ck_assert_int_gt(asprintf(&path, "%s/zsz-core-test-XXXXXX", base && *base ? base : "/tmp"), 0);
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  FILE *f = fdopen(fd, "w");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_ge(fputs(text, f), 0);
  ck_assert_int_eq(fclose(f), 0);
  return path;
}

static json_t *load_text(const char *text) {
  char err[256] = "";
  char *path = temp_yaml(text);
  json_t *doc = openapi_load(path, err, sizeof err);
  unlink(path);
  free(path);
  ck_assert_msg(doc != NULL, "%s", err);
  return doc;
}

START_TEST(bind_reads_parameters) {
  static const char *const YAML = "openapi: '3.1.0'\n"
                                  "paths:\n"
                                  "  /things/{id}/parts:\n"
                                  "    parameters:\n"
                                  "      - $ref: '#/components/parameters/Id'\n"
                                  "    get:\n"
                                  "      parameters:\n"
                                  "        - $ref: '#/components/parameters/Limit'\n"
                                  "        - name: kind\n"
                                  "          in: query\n"
                                  "          schema: {$ref: '#/components/schemas/Kind'}\n"
                                  "        - name: dry_run\n"
                                  "          in: query\n"
                                  "          schema: {type: boolean, default: false}\n"
                                  "components:\n"
                                  "  parameters:\n"
                                  "    Id: {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}\n"
                                  "    Limit: {name: limit, in: query, schema: {type: integer, minimum: 1, "
                                  "maximum: 200, default: 50}}\n"
                                  "  schemas:\n"
                                  "    Kind: {type: string, enum: [a, b]}\n";
  json_t *doc = load_text(YAML);
  struct route rt = {.method = "GET", .path = "/things/{id}/parts"};
  struct route missing = {.method = "POST", .path = "/things/{id}/parts"};
  struct route *table[] = {&rt, &missing};
  struct route **saved = ROUTES;
  size_t saved_count = ROUTE_COUNT;
  ROUTES = table;
  ROUTE_COUNT = 2;
  json_t *report = json_array();
  int problems = routes_bind_contract(doc, report);
  ROUTES = saved;
  ROUTE_COUNT = saved_count;
  /* a route the document lacks is reported, by method and path */
  ck_assert_int_eq(problems, 1);
  ck_assert_str_eq(json_string_value(json_array_get(report, 0)),
                   "POST /things/{id}/parts is served but not in the document");
  ck_assert_int_eq(rt.path_is_int[0], 1);
  ck_assert_uint_eq(rt.nquery, 3);
  int limit = route_query_index(&rt, "limit"), kind = route_query_index(&rt, "kind"),
      dry = route_query_index(&rt, "dry_run");
  ck_assert_int_ge(limit, 0);
  ck_assert_int_ge(kind, 0);
  ck_assert_int_ge(dry, 0);
  ck_assert_int_eq(route_query_index(&rt, "id"), -1); /* a path parameter is no query parameter */
  ck_assert_int_eq(route_query_index(&rt, "limt"), -1);
  ck_assert_int_eq(rt.query[limit].type, QT_INTEGER);
  ck_assert_int_eq(rt.query[limit].max, 200);
  ck_assert_str_eq(rt.query[limit].default_value, "50");
  ck_assert_str_eq(rt.query[dry].default_value, "false");
  ck_assert_ptr_nonnull(rt.query[kind].values);
  ck_assert_uint_eq(json_array_size(rt.query[kind].values), 2);
  json_decref(report);
  json_decref(doc);
}
END_TEST

START_TEST(paths_match) {
  ck_assert(route_path_matches("/api/v1/processes/{id}", "/api/v1/processes/12"));
  ck_assert(route_path_matches("/api/v1/processes/{id}", "/api/v1/processes/12/"));
  ck_assert(!route_path_matches("/api/v1/processes/{id}", "/api/v1/processes/"));
  ck_assert(!route_path_matches("/api/v1/processes/{id}", "/api/v1/processes/12/versions"));
  ck_assert(route_path_matches("/a/{x}/b/{y}", "/a/1/b/2"));
}
END_TEST

/* ---- the real route table ------------------------------------------------------------------- */

START_TEST(every_route_declares_its_404s) {
  /* A route with path parameters names what is not found for each (a register that forgot
   * would answer "no such route" for a missing record). */
  for (size_t i = 0; i < ROUTE_COUNT; i++) {
    const struct route *r = ROUTES[i];
    if (r->work == NULL) {
      continue; /* handlers parse their own paths */
    }
    int k = 0;
    for (const char *p = strchr(r->path, '{'); p; p = strchr(p + 1, '{'), k++) {
      ck_assert_msg(k < ROUTE_MAX_PATH_PARAMS, "%s %s: too many path parameters", r->method, r->path);
      ck_assert_msg(r->not_found[k] != 0, "%s %s: no 404 message for path parameter %d", r->method, r->path, k);
    }
    ck_assert_msg(!(r->paged && strcmp(r->method, "GET") != 0), "%s %s: only GET routes are paged", r->method, r->path);
    ck_assert_msg(!((r->flags & ROUTE_SNAPSHOT) && strcmp(r->method, "GET") != 0),
                  "%s %s: a write is a transaction already", r->method, r->path);
    ck_assert_msg(!(r->if_match == IF_MATCH_REQUIRED && strcmp(r->method, "GET") == 0),
                  "%s %s: a read needs no If-Match", r->method, r->path);
    ck_assert_msg(r->index == i, "%s %s: index %zu at %zu", r->method, r->path, r->index, i);
  }
}
END_TEST

START_TEST(metrics_label_every_route) {
  /* every route has its own counters: the last one too (the table once had room for 64) */
  ck_assert_int_eq(metrics_init(), 0);
  ck_assert_uint_gt(ROUTE_COUNT, 64);
  metrics_observe((int)ROUTE_COUNT - 1, 200, 0.002);
  metrics_observe(70, 404, 0.02);
  metrics_observe(-1, 404, 0.001);
  metrics_observe(100000, 404, 0.001); /* out of range counts as unmatched, never past the end */
  char *text = metrics_render(1, 8);
  ck_assert_ptr_nonnull(text);
  char want[512];
  const struct route *last = ROUTES[ROUTE_COUNT - 1], *r70 = ROUTES[70];
  snprintf(want, sizeof want, "zsz_http_requests_total{method=\"%s\",route=\"%s\",status=\"200\"} 1", last->method,
           last->path);
  ck_assert_msg(strstr(text, want) != NULL, "missing: %s", want);
  snprintf(want, sizeof want, "zsz_http_requests_total{method=\"%s\",route=\"%s\",status=\"404\"} 1", r70->method,
           r70->path);
  ck_assert_msg(strstr(text, want) != NULL, "missing: %s", want);
  ck_assert_ptr_nonnull(strstr(text, "zsz_http_requests_total{method=\"\",route=\"unmatched\",status=\"404\"} 2"));
  free(text);
  metrics_free();
}
END_TEST

static Suite *core_suite(void) {
  Suite *s = suite_create("core");
  TCase *t = tcase_create("pure");
  tcase_add_test(t, if_match_values);
  tcase_add_test(t, link_replaces_cursor);
  tcase_add_test(t, link_cannot_be_injected);
  tcase_add_test(t, query_integer_range);
  tcase_add_test(t, query_enum_boolean_text);
  tcase_add_test(t, bind_reads_parameters);
  tcase_add_test(t, paths_match);
  tcase_add_test(t, every_route_declares_its_404s);
  tcase_add_test(t, metrics_label_every_route);
  suite_add_tcase(s, t);
  return s;
}

int main(void) {
  if (routes_init(ZSZ_REGISTERS, ZSZ_REGISTER_COUNT) != 0) {
    return EXIT_FAILURE;
  }
  SRunner *sr = srunner_create(core_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  routes_free();
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
