/* The route table against the OpenAPI contract, the YAML loader's typing, and the route
 * table's own invariants. */

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "openapi.h"
#include "registers.h"
#include "routes.h"

/* ---- temporary YAML files ---------------------------------------------------------------- */

/* Writes text to a new temporary file; returns its path (caller frees, and unlinks). */
static char *temp_yaml(const char *text) {
  const char *base = getenv("TMPDIR");
  char *path = NULL;
  ck_assert_int_gt(asprintf(&path, "%s/zsz-openapi-test-XXXXXX", base && *base ? base : "/tmp"), 0);
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  FILE *f = fdopen(fd, "w");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_ge(fputs(text, f), 0);
  ck_assert_int_eq(fclose(f), 0);
  return path;
}

/* Loads YAML text through a temporary file. */
static json_t *load_text(const char *text, char *err, size_t errlen) {
  char *path = temp_yaml(text);
  err[0] = '\0';
  json_t *doc = openapi_load(path, err, errlen);
  unlink(path);
  free(path);
  return doc;
}

static char *dump(const json_t *v) {
  return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* ---- the contract ------------------------------------------------------------------------ */

static json_t *DOC;

static void doc_setup(void) {
  const char *path = getenv("ZSZ_OPENAPI_FILE");
  char err[512] = "";
  ck_assert_msg(path != NULL && *path != '\0', "ZSZ_OPENAPI_FILE is not set");
  DOC = openapi_load(path, err, sizeof err);
  ck_assert_msg(DOC != NULL, "cannot load %s: %s", path, err);
}

static void doc_teardown(void) {
  json_decref(DOC);
  DOC = NULL;
}

START_TEST(routes_match_document) {
  json_t *report = json_array();
  int diffs = openapi_compare_routes(DOC, report);
  char *text = json_dumps(report, JSON_INDENT(2));
  ck_assert_msg(diffs == 0, "%d differences between ROUTES and the OpenAPI document:\n%s", diffs, text);
  ck_assert_uint_eq(json_array_size(report), 0);
  free(text);
  json_decref(report);
}
END_TEST

/* An integer path parameter takes the contract's minimum and maximum: outside them it names
 * no record (a programme's year is 2000..2100). */
static const struct route *route_of(const char *method, const char *path) {
  for (size_t i = 0; i < ROUTE_COUNT; i++) {
    if (strcmp(ROUTES[i]->method, method) == 0 && strcmp(ROUTES[i]->path, path) == 0) return ROUTES[i];
  }
  ck_abort_msg("no route %s %s", method, path);
  return NULL;
}

START_TEST(path_ranges_from_document) {
  json_t *report = json_array();
  ck_assert_int_eq(routes_bind_contract(DOC, report), 0);
  json_decref(report);
  const struct route *year = route_of("GET", "/api/v1/audit-programmes/{year}/versions/{version}");
  ck_assert(year->path_is_int[0] && year->path_is_int[1]);
  ck_assert_int_eq(year->path_min[0], 2000);
  ck_assert_int_eq(year->path_max[0], 2100);
  ck_assert_int_eq(year->path_min[1], 1);
  ck_assert_int_eq(year->path_max[1], 0);
  const struct route *audit = route_of("GET", "/api/v1/audits/{id}");
  ck_assert_int_eq(audit->path_min[0], 1);
  ck_assert_int_eq(audit->path_max[0], 0);
}
END_TEST

/* A comma-separated list (type array, explode false) binds as a list whose every element must
 * be one of the items' enum: the feed's entity=a,b. */
START_TEST(comma_list_from_document) {
  json_t *report = json_array();
  ck_assert_int_eq(routes_bind_contract(DOC, report), 0);
  json_decref(report);
  const struct route *feed = route_of("GET", "/api/v1/changes");
  int i = route_query_index(feed, "entity");
  ck_assert_int_ge(i, 0);
  const struct query_spec *q = &feed->query[i];
  ck_assert(q->list);
  ck_assert_ptr_nonnull(q->values);
  msg_id why;
  char list[512];
  ck_assert_int_eq(query_spec_check(q, "process", &why, list, sizeof list), 0);
  ck_assert_int_eq(query_spec_check(q, "process,incident,deadline", &why, list, sizeof list), 0);
  const char *bad[] = {
      "", ",", "process,", ",process", "process,,incident", "process,invoice", "process incident", "PROCESS"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    ck_assert_msg(query_spec_check(q, bad[k], &why, list, sizeof list) != 0, "%s was accepted", bad[k]);
  }
  ck_assert_int_eq(query_spec_check(q, "invoice", &why, list, sizeof list), -1);
  ck_assert_int_eq(why, MSG_PARAM_ENUM);
  ck_assert_ptr_nonnull(strstr(list, "process"));
  /* a plain string parameter is no list */
  ck_assert(!feed->query[route_query_index(feed, "id")].list);
}
END_TEST

START_TEST(compare_detects_differences) {
  /* the comparison itself works: a copy without one operation and with an extra one */
  json_t *copy = json_deep_copy(DOC);
  json_t *paths = json_object_get(copy, "paths");
  ck_assert_int_eq(json_object_del(json_object_get(paths, "/api/v1/processes/{id}"), "delete"), 0);
  json_object_set_new(paths, "/api/v1/secret", json_pack("{s:{}}", "put"));
  json_t *report = json_array();
  ck_assert_int_eq(openapi_compare_routes(copy, report), 2);
  ck_assert_uint_eq(json_array_size(report), 2);
  char *text = dump(report);
  ck_assert_msg(strstr(text, "DELETE /api/v1/processes/{id}") != NULL, "report: %s", text);
  ck_assert_msg(strstr(text, "/api/v1/secret") != NULL, "report: %s", text);
  free(text);
  json_decref(report);
  json_decref(copy);
}
END_TEST

START_TEST(document_typing) {
  ck_assert_msg(json_is_string(json_object_get(DOC, "openapi")), "openapi is not a string");
  ck_assert_str_eq(json_string_value(json_object_get(DOC, "openapi")), "3.1.0");
  ck_assert(json_is_string(json_object_get(json_object_get(DOC, "info"), "version")));
  ck_assert(json_is_object(json_object_get(DOC, "paths")));
  ck_assert(json_is_object(json_object_get(DOC, "components")));
}
END_TEST

START_TEST(document_security_matches_public_flag) {
  /* public routes say security: [] in the document; every other operation is protected */
  const json_t *global = json_object_get(DOC, "security");
  ck_assert_msg(json_is_array(global) && json_array_size(global) > 0, "no global security requirement");
  for (size_t i = 0; i < ROUTE_COUNT; i++) {
    char method[16];
    size_t k;
    for (k = 0; ROUTES[i]->method[k] && k < sizeof method - 1; k++) {
      method[k] = (char)(ROUTES[i]->method[k] | 0x20);
    }
    method[k] = '\0';
    const json_t *op = json_object_get(json_object_get(json_object_get(DOC, "paths"), ROUTES[i]->path), method);
    ck_assert_msg(op != NULL, "%s %s missing", ROUTES[i]->method, ROUTES[i]->path);
    const json_t *sec = json_object_get(op, "security");
    if (ROUTES[i]->flags & ROUTE_PUBLIC) {
      ck_assert_msg(json_is_array(sec) && json_array_size(sec) == 0, "%s %s is public but the document protects it",
                    ROUTES[i]->method, ROUTES[i]->path);
    } else {
      ck_assert_msg(sec == NULL || (json_is_array(sec) && json_array_size(sec) > 0),
                    "%s %s needs a token but the document says it does not", ROUTES[i]->method, ROUTES[i]->path);
    }
  }
}
END_TEST

/* ---- the YAML loader --------------------------------------------------------------------- */

START_TEST(yaml_plain_scalars_are_typed) {
  char err[256];
  json_t *doc = load_text("a: 1\n"
                          "b: true\n"
                          "c: null\n"
                          "d: '1'\n"
                          "e: 1.5\n"
                          "f: \"true\"\n"
                          "g: ~\n"
                          "h: -7\n"
                          "i: hello world\n"
                          "j:\n"
                          "  k: [1, two, false]\n"
                          "  l:\n"
                          "    - x: 1\n"
                          "    - 'y'\n"
                          "m:\n"
                          "n: \"null\"\n"
                          "o: 2026-11-20\n"
                          "p: 3.1.0\n"
                          "q: |\n"
                          "  line 1\n"
                          "  line 2\n",
                          err, sizeof err);
  ck_assert_msg(doc != NULL, "load failed: %s", err);
  ck_assert(json_is_integer(json_object_get(doc, "a")));
  ck_assert_int_eq(json_integer_value(json_object_get(doc, "a")), 1);
  ck_assert(json_is_true(json_object_get(doc, "b")));
  ck_assert(json_is_null(json_object_get(doc, "c")));
  ck_assert(json_is_string(json_object_get(doc, "d")));
  ck_assert_str_eq(json_string_value(json_object_get(doc, "d")), "1");
  ck_assert(json_is_real(json_object_get(doc, "e")));
  ck_assert(json_real_value(json_object_get(doc, "e")) == 1.5);
  ck_assert_str_eq(json_string_value(json_object_get(doc, "f")), "true");
  ck_assert(json_is_null(json_object_get(doc, "g")));
  ck_assert_int_eq(json_integer_value(json_object_get(doc, "h")), -7);
  ck_assert_str_eq(json_string_value(json_object_get(doc, "i")), "hello world");
  json_t *want_j = json_pack("{s:[i, s, b], s:[{s:i}, s]}", "k", 1, "two", 0, "l", "x", 1, "y");
  char *got = dump(json_object_get(doc, "j")), *want = dump(want_j);
  ck_assert_msg(json_equal(json_object_get(doc, "j"), want_j), "j is %s, want %s", got, want);
  free(got);
  free(want);
  json_decref(want_j);
  ck_assert(json_is_null(json_object_get(doc, "m")));
  ck_assert_str_eq(json_string_value(json_object_get(doc, "n")), "null");
  ck_assert_str_eq(json_string_value(json_object_get(doc, "o")), "2026-11-20");
  ck_assert_str_eq(json_string_value(json_object_get(doc, "p")), "3.1.0");
  ck_assert_str_eq(json_string_value(json_object_get(doc, "q")), "line 1\nline 2\n");
  ck_assert_uint_eq(json_object_size(doc), 15);
  json_decref(doc);
}
END_TEST

START_TEST(yaml_alias_refused) {
  char err[256];
  json_t *doc = load_text("base: &b\n"
                          "  x: 1\n"
                          "other: *b\n",
                          err, sizeof err);
  ck_assert_ptr_null(doc);
  ck_assert_msg(err[0] != '\0', "no error message");
  doc = load_text("list:\n"
                  "  - &v 1\n"
                  "  - *v\n",
                  err, sizeof err);
  ck_assert_ptr_null(doc);
  ck_assert_msg(err[0] != '\0', "no error message");
}
END_TEST

START_TEST(yaml_bad_input_refused) {
  char err[256];
  json_t *doc = load_text("a: [1, 2\n", err, sizeof err);
  ck_assert_ptr_null(doc);
  ck_assert_msg(err[0] != '\0', "no error message for a syntax error");
  doc = load_text("", err, sizeof err);
  ck_assert_ptr_null(doc);
  ck_assert_msg(err[0] != '\0', "no error message for an empty file");
  doc = load_text("- 1\n- 2\n", err, sizeof err);
  ck_assert_ptr_null(doc);
  ck_assert_msg(err[0] != '\0', "no error message for a top-level sequence");
  doc = load_text("? [a, b]\n: 1\n", err, sizeof err);
  ck_assert_ptr_null(doc);
  ck_assert_msg(err[0] != '\0', "no error message for a complex key");
  err[0] = '\0';
  doc = openapi_load("/nonexistent/zsz/openapi.yaml", err, sizeof err);
  ck_assert_ptr_null(doc);
  ck_assert_msg(err[0] != '\0', "no error message for a missing file");
}
END_TEST

/* ---- the route table --------------------------------------------------------------------- */

START_TEST(path_matching) {
  const char *p = "/api/v1/processes/{id}";
  ck_assert_int_eq(route_path_matches(p, "/api/v1/processes/12"), 1);
  ck_assert_int_eq(route_path_matches(p, "/api/v1/processes/12/"), 1);
  ck_assert_int_eq(route_path_matches(p, "/api/v1/processes"), 0);
  ck_assert_int_eq(route_path_matches(p, "/api/v1/processes/"), 0);
  ck_assert_int_eq(route_path_matches(p, "/api/v1/processes/12/versions"), 0);
  ck_assert_int_eq(route_path_matches(p, "/api/v1/processes/12//"), 0);
  ck_assert_int_eq(route_path_matches(p, "/api/v1/processesX/12"), 0);
  ck_assert_int_eq(route_path_matches(p, "/api/v2/processes/12"), 0);
  const char *q = "/api/v1/processes/{id}/change-requests/{cr_id}";
  ck_assert_int_eq(route_path_matches(q, "/api/v1/processes/1/change-requests/2"), 1);
  ck_assert_int_eq(route_path_matches(q, "/api/v1/processes/1/change-requests/"), 0);
  ck_assert_int_eq(route_path_matches(q, "/api/v1/processes//change-requests/2"), 0);
  ck_assert_int_eq(route_path_matches("/api/v1/processes/{id}/versions", "/api/v1/processes/7/versions"), 1);
  ck_assert_int_eq(route_path_matches("/api/v1/processes/{id}/versions", "/api/v1/processes/7/versionsX"), 0);
  ck_assert_int_eq(route_path_matches("/healthz", "/healthz"), 1);
  ck_assert_int_eq(route_path_matches("/healthz", "/healthz/"), 1);
  ck_assert_int_eq(route_path_matches("/healthz", "/healthzz"), 0);
  ck_assert_int_eq(route_path_matches("/healthz", "/"), 0);
  ck_assert_int_eq(route_path_matches("/api/v1/users/{sub}", "/api/v1/users/jan.kowalski%40um.example"), 1);
}
END_TEST

START_TEST(route_table_sound) {
  static const char *const METHODS[] = {"GET", "POST", "PATCH", "PUT", "DELETE"};
  for (size_t i = 0; i < ROUTE_COUNT; i++) {
    const struct route *r = ROUTES[i];
    ck_assert_msg((r->handler != NULL) != (r->work != NULL), "%s %s needs exactly one of handler and work", r->method,
                  r->path);
    int known = 0;
    for (size_t m = 0; m < 5; m++) {
      known |= strcmp(r->method, METHODS[m]) == 0;
    }
    ck_assert_msg(known, "%s %s: unexpected method", r->method, r->path);
    ck_assert_msg(r->path[0] == '/', "%s: path does not start with /", r->path);
    for (size_t j = i + 1; j < ROUTE_COUNT; j++) {
      ck_assert_msg(strcmp(r->method, ROUTES[j]->method) != 0 || strcmp(r->path, ROUTES[j]->path) != 0,
                    "%s %s is listed twice", r->method, r->path);
    }
    /* bodies go with POST, PUT and PATCH, and only with them; a POST that names its action
     * in the path (.../lock, webhooks' .../rotate-secret, .../ping, .../redeliver) takes none */
    static const char *const ACTIONS[] = {"/lock", "/rotate-secret", "/ping", "/redeliver"};
    size_t len = strlen(r->path);
    int action_path = 0;
    for (size_t a = 0; a < sizeof ACTIONS / sizeof ACTIONS[0]; a++) {
      size_t al = strlen(ACTIONS[a]);
      action_path |= len > al && strcmp(r->path + len - al, ACTIONS[a]) == 0;
    }
    int writes_body = (strcmp(r->method, "POST") == 0 && !action_path) || strcmp(r->method, "PATCH") == 0 ||
                      strcmp(r->method, "PUT") == 0;
    /* a raw body (imports, read by the handler) is a body too, never beside a JSON one */
    ck_assert_msg(!!(r->flags & (ROUTE_BODY | ROUTE_RAW_BODY)) == writes_body,
                  "%s %s: ROUTE_BODY flag does not fit the method", r->method, r->path);
    ck_assert_msg(!((r->flags & ROUTE_BODY) && (r->flags & ROUTE_RAW_BODY)), "%s %s: two kinds of body", r->method,
                  r->path);
  }
}
END_TEST

START_TEST(public_routes_exactly) {
  /* the operations endpoints, and the contract for people (issue 15) */
  static const char *const PUBLIC[] = {"/healthz",      "/readyz", "/metrics",
                                       "/openapi.json", "/docs",   "/docs/redoc.standalone.js"};
  size_t public_count = 0;
  for (size_t i = 0; i < ROUTE_COUNT; i++) {
    const struct route *r = ROUTES[i];
    int listed = 0;
    for (size_t k = 0; k < sizeof PUBLIC / sizeof PUBLIC[0]; k++) {
      listed |= strcmp(r->path, PUBLIC[k]) == 0;
    }
    int anonymous = strncmp(r->path, "/api/v1/public/", 15) == 0;
    if ((r->flags & ROUTE_PUBLIC) && anonymous) {
      /* the anonymous routes of surveys: limited per address, and nothing else is public */
      ck_assert_msg(r->flags & ROUTE_RATE_LIMITED, "%s %s: an anonymous route must be rate limited", r->method,
                    r->path);
      ck_assert_msg(r->roles == 0, "%s %s: an anonymous route names no roles", r->method, r->path);
    } else if (r->flags & ROUTE_PUBLIC) {
      public_count++;
      ck_assert_msg(listed, "%s %s is public but should need a token", r->method, r->path);
      ck_assert_msg(strcmp(r->method, "GET") == 0, "%s %s: public routes are GET only", r->method, r->path);
    } else {
      ck_assert_msg(!anonymous, "%s %s: routes under /api/v1/public/ need no token", r->method, r->path);
      ck_assert_msg(!listed, "%s %s should be public", r->method, r->path);
      ck_assert_msg(r->roles != 0, "%s %s needs a token but no role may call it", r->method, r->path);
      ck_assert_msg(strncmp(r->path, "/api/v1/", 8) == 0, "%s %s: token routes live under /api/v1", r->method, r->path);
    }
  }
  ck_assert_uint_eq(public_count, sizeof PUBLIC / sizeof PUBLIC[0]);
}
END_TEST

START_TEST(writes_are_not_open_to_everyone) {
  /* Writes belong to the roles that keep each register. Some are open to every employee, with
   * a rule on the record: reporting an incident (design-incidents.md), marking done a
   * corrective action one is responsible for (design-audits.md), reporting the status of a
   * management-review decision one owns (design-management-reviews.md), and acting on a risk
   * one owns, the risk owner being a relation and not a role (design-risks.md). */
  for (size_t i = 0; i < ROUTE_COUNT; i++) {
    const struct route *r = ROUTES[i];
    if (strcmp(r->method, "GET") == 0 || (r->flags & ROUTE_PUBLIC)) {
      continue;
    }
    if ((strcmp(r->method, "POST") == 0 && strcmp(r->path, "/api/v1/incidents") == 0) ||
        (strcmp(r->method, "PATCH") == 0 && strcmp(r->path, "/api/v1/nonconformities/{id}/actions/{action_id}") == 0) ||
        (strcmp(r->method, "PATCH") == 0 &&
         strcmp(r->path, "/api/v1/management-reviews/{id}/decisions/{decision_id}") == 0) ||
        strncmp(r->path, "/api/v1/risks/{id}", 18) == 0) {
      ck_assert_msg(r->roles & ROLE_EMPLOYEE, "%s %s must be open to every employee", r->method, r->path);
      continue;
    }
    ck_assert_msg((r->roles & ROLE_EMPLOYEE) == 0, "%s %s is open to every employee", r->method, r->path);
    if (r->roles & ROLE_PRESIDENT) {
      ck_assert_msg(strstr(r->path, "/transitions") != NULL || strstr(r->path, "/acceptance") != NULL,
                    "%s %s: the president only takes workflow steps and accepts risks", r->method, r->path);
    }
    if (r->roles & ROLE_IOD) {
      ck_assert_msg(strstr(r->path, "/incidents") != NULL || strstr(r->path, "/deadline-rules") != NULL ||
                        strstr(r->path, "/audit") != NULL || strstr(r->path, "/management-reviews") != NULL ||
                        strstr(r->path, "/risks") != NULL || strstr(r->path, "/soa") != NULL,
                    "%s %s: the IOD writes its registers (incidents, information-security risks, the SoA, the ISMS "
                    "review) and plans information-security audits",
                    r->method, r->path);
    }
    if (r->roles & ROLE_AUDITOR) {
      ck_assert_msg(strstr(r->path, "/findings") != NULL || strstr(r->path, "/transitions") != NULL,
                    "%s %s: an auditor records findings and takes audit steps only", r->method, r->path);
    }
  }
}
END_TEST

static Suite *routes_suite(void) {
  Suite *s = suite_create("routes_contract");
  TCase *doc = tcase_create("contract");
  tcase_add_unchecked_fixture(doc, doc_setup, doc_teardown);
  tcase_add_test(doc, routes_match_document);
  tcase_add_test(doc, compare_detects_differences);
  tcase_add_test(doc, path_ranges_from_document);
  tcase_add_test(doc, comma_list_from_document);
  tcase_add_test(doc, document_typing);
  tcase_add_test(doc, document_security_matches_public_flag);
  suite_add_tcase(s, doc);

  TCase *yaml = tcase_create("yaml");
  tcase_add_test(yaml, yaml_plain_scalars_are_typed);
  tcase_add_test(yaml, yaml_alias_refused);
  tcase_add_test(yaml, yaml_bad_input_refused);
  suite_add_tcase(s, yaml);

  TCase *table = tcase_create("table");
  tcase_add_test(table, path_matching);
  tcase_add_test(table, route_table_sound);
  tcase_add_test(table, public_routes_exactly);
  tcase_add_test(table, writes_are_not_open_to_everyone);
  suite_add_tcase(s, table);
  return s;
}

int main(void) {
  if (routes_init(ZSZ_REGISTERS, ZSZ_REGISTER_COUNT) != 0) {
    return EXIT_FAILURE;
  }
  SRunner *sr = srunner_create(routes_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  routes_free();
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
