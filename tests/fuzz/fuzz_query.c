/* Query parameters and request headers the dispatcher parses itself: each query value
 * against its parameter's schema in the contract (api/core/routes.c query_spec_check, with
 * every query parameter of every route, bound from openapi/openapi.yaml as the server binds
 * them), the If-Match header (api/core/http.c if_match_parse) and the request URL the Link
 * header of a page is made from (link_next_url).
 *
 * Input: a first line naming what is parsed, "if-match", "link", or "METHOD PATH name" for a
 * query parameter (a line naming none still picks one by its hash), then the value (up to a
 * NUL byte, as a decoded query value ends there). Answers are compared with a plain reading
 * of each rule: integers are digits with an optional sign, in range; an If-Match value is
 * "*" or an ETag the server issues ("<n>" or W/"<n>", n > 0 without leading zeros). */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "http.h"
#include "uri.h"
#include "messages.h"
#include "openapi.h"
#include "registers.h"
#include "routes.h"
#include "validate.h"

struct param_case {
  const struct route *route;
  const struct query_spec *spec;
  char name[200]; /* "METHOD PATH name" */
};

static json_t *g_doc;
static struct param_case *g_cases;
static size_t g_ncases;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *path = getenv("ZSZ_OPENAPI_FILE");
  char err[256];
  json_t *report = json_array();
  FUZZ_CHECK(routes_init(ZSZ_REGISTERS, ZSZ_REGISTER_COUNT) == 0, "routes_init");
  g_doc = openapi_load(path && *path ? path : ZSZ_DEFAULT_OPENAPI_FILE, err, sizeof err);
  FUZZ_CHECK(g_doc != NULL, "the contract does not load: %s", err);
  FUZZ_CHECK(routes_bind_contract(g_doc, report) == 0, "the route table does not bind to the contract");
  json_decref(report);
  size_t n = 0;
  for (size_t i = 0; i < ROUTE_COUNT; i++)
    n += ROUTES[i]->nquery;
  g_cases = calloc(n, sizeof *g_cases);
  FUZZ_CHECK(g_cases != NULL && n > 0, "no query parameters");
  for (size_t i = 0; i < ROUTE_COUNT; i++) {
    for (size_t k = 0; k < ROUTES[i]->nquery; k++) {
      struct param_case *c = &g_cases[g_ncases++];
      c->route = ROUTES[i];
      c->spec = &ROUTES[i]->query[k];
      snprintf(c->name, sizeof c->name, "%s %s %s", ROUTES[i]->method, ROUTES[i]->path, c->spec->name);
    }
  }
  if (getenv("ZSZ_FUZZ_LIST")) {
    for (size_t i = 0; i < g_ncases; i++)
      printf("%s\n", g_cases[i].name);
  }
  return 0;
}

/* An integer value as the contract means it: [+-]digits, at most 19 characters, in range. */
static int integer_fits(const struct query_spec *q, const char *v) {
  const char *d = (*v == '+' || *v == '-') ? v + 1 : v;
  if (*d == '\0' || strlen(v) > 19 || strspn(d, "0123456789") != strlen(d)) return 0;
  errno = 0;
  long long n = strtoll(v, NULL, 10);
  return errno == 0 && n >= q->min && n <= q->max;
}

static void check_param(const struct param_case *c, const char *v) {
  const struct query_spec *q = c->spec;
  msg_id why = MSG_INTERNAL;
  char list[512];
  memset(list, 'x', sizeof list);
  int ok = query_spec_check(q, v, &why, list, sizeof list) == 0;
  FUZZ_CHECK(memchr(list, '\0', sizeof list) != NULL, "%s: the list of values is not terminated", c->name);
  if (!ok) {
    FUZZ_CHECK(why != MSG_INTERNAL && msg_text(why) != NULL, "%s: refused without a message", c->name);
  }
  int want;
  if (q->type == QT_INTEGER) {
    want = integer_fits(q, v);
  } else if (q->type == QT_BOOLEAN) {
    want = strcmp(v, "true") == 0 || strcmp(v, "false") == 0;
  } else {
    json_t *s = json_string(v); /* jansson's own UTF-8 check */
    size_t chars = s ? utf8_length(v, strlen(v)) : 0;
    want = s != NULL && chars >= q->min_len && chars <= q->max_len;
    if (want && q->values) {
      size_t i;
      const json_t *e;
      int found = 0;
      json_array_foreach(q->values, i, e) found |= json_equal(e, s);
      want = found;
    }
    json_decref(s);
  }
  FUZZ_CHECK(ok == want, "%s \"%s\": query_spec_check %s it", c->name, v, ok ? "accepted" : "refused");
}

/* If-Match: "*" or [W/]"<n>" with n > 0 written as the server writes it, after leading spaces. */
static void check_if_match(const char *v) {
  long long rev = -1;
  int ok = if_match_parse(v, &rev) == 0;
  const char *p = v + strspn(v, " ");
  long long want_rev = 0;
  int want = strcmp(p, "*") == 0;
  if (!want) {
    if (strncmp(p, "W/", 2) == 0) p += 2;
    size_t digits = p[0] == '"' ? strspn(p + 1, "0123456789") : 0;
    if (digits > 0 && digits <= 18 && p[1] != '0' && p[1 + digits] == '"' && p[2 + digits] == '\0') {
      want = 1;
      want_rev = strtoll(p + 1, NULL, 10);
    }
  }
  FUZZ_CHECK(ok == want, "If-Match \"%s\": if_match_parse %s it", v, ok ? "accepted" : "refused");
  FUZZ_CHECK(!ok || rev == want_rev, "If-Match \"%s\": revision %lld", v, rev);
}

/* The next page's URL, built from the parsed values: whatever the values hold, the URL has
 * only unreserved characters, '%' escapes and its own separators (no '<', '>', '"', ';',
 * ',' or blank that could end the Link header's URI reference or add a relation), the path's
 * literal parts in place, the values reading back as given, and one cursor, last. */
static void check_link(const char *value) {
  static const char CURSOR[] = "eyJrIjpbIkdSIDEiXX0.AAAAAAAAAAAAAAAAAAAAAA";
  size_t half = strlen(value) / 2;
  char *first = strndup(value, half);
  const char *second = value + half;
  const char *path[] = {first};
  const char *names[] = {"q", "cursor", "limit"};
  const char *values[] = {second, "old", NULL};
  char *link = link_next_url("/api/v1/things/{id}/parts", path, names, values, 3, CURSOR);
  FUZZ_CHECK(link != NULL, "link_next_url failed");
  for (const char *p = link; *p; p++) {
    int ok = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
             strchr("-._~%/?&=", *p) != NULL;
    FUZZ_CHECK(ok, "\"%s\": character 0x%02x in the link \"%s\"", value, (unsigned char)*p, link);
  }
  FUZZ_CHECK(strncmp(link, "/api/v1/things/", 15) == 0, "\"%s\" became \"%s\"", value, link);
  const char *q = strchr(link, '?');
  FUZZ_CHECK(q != NULL && strstr(link, "/parts?") == q - 6, "\"%s\" became \"%s\"", value, link);
  /* the path value reads back */
  size_t seg = (size_t)(q - 6 - (link + 15));
  char *decoded = malloc(seg + 1);
  size_t n = uri_decode(link + 15, seg, decoded, 0);
  FUZZ_CHECK(n == strlen(first) && memcmp(decoded, first, n) == 0, "path \"%s\" read back otherwise", first);
  free(decoded);
  /* q=<second>&cursor=<CURSOR>, nothing else */
  FUZZ_CHECK(strncmp(q + 1, "q=", 2) == 0, "\"%s\": \"%s\"", value, link);
  const char *amp = strchr(q + 3, '&');
  FUZZ_CHECK(amp != NULL && strncmp(amp + 1, "cursor=", 7) == 0 && strcmp(amp + 8, CURSOR) == 0, "\"%s\": \"%s\"",
             value, link);
  decoded = malloc((size_t)(amp - (q + 3)) + 1);
  n = uri_decode(q + 3, (size_t)(amp - (q + 3)), decoded, 0);
  FUZZ_CHECK(n == strlen(second) && memcmp(decoded, second, n) == 0, "q \"%s\" read back otherwise", second);
  free(decoded);
  free(link);
  free(first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *line = fuzz_line(&data, &size);
  char *value = fuzz_cstr(data, size);
  if (strcmp(line, "if-match") == 0) {
    check_if_match(value);
  } else if (strcmp(line, "link") == 0) {
    check_link(value);
  } else {
    const struct param_case *c = NULL;
    for (size_t i = 0; i < g_ncases && c == NULL; i++) {
      if (strcmp(g_cases[i].name, line) == 0) c = &g_cases[i];
    }
    if (c == NULL) {
      size_t h = fuzz_hash(line) % (g_ncases + 2);
      if (h == g_ncases) {
        check_if_match(value);
      } else if (h == g_ncases + 1) {
        check_link(value);
      } else {
        c = &g_cases[h];
      }
    }
    if (c != NULL) check_param(c, value);
  }
  free(value);
  free(line);
  return 0;
}
