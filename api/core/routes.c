#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ops.h"
#include "routes.h"
#include "validate.h"

/* The core's own rows: operations endpoints, no token. */
static struct route CORE_ROUTES[] = {
    {.method = "GET", .path = "/healthz", .flags = ROUTE_PUBLIC, .handler = healthz_get},
    {.method = "GET", .path = "/readyz", .flags = ROUTE_PUBLIC, .handler = readyz_get},
    {.method = "GET", .path = "/metrics", .flags = ROUTE_PUBLIC, .handler = metrics_get},
    {.method = "GET", .path = "/openapi.json", .flags = ROUTE_PUBLIC, .handler = openapi_get},
    {.method = "GET", .path = "/docs", .flags = ROUTE_PUBLIC, .handler = docs_get},
    {.method = "GET", .path = "/docs/redoc.standalone.js", .flags = ROUTE_PUBLIC, .handler = docs_redoc_get},
};
#define CORE_ROUTE_COUNT (sizeof CORE_ROUTES / sizeof CORE_ROUTES[0])

struct route **ROUTES;
size_t ROUTE_COUNT;
static const struct zsz_register *const *g_registers;
static size_t g_register_count;

int routes_init(const struct zsz_register *const *regs, size_t nregs) {
  size_t n = CORE_ROUTE_COUNT;
  for (size_t r = 0; r < nregs; r++)
    n += regs[r]->nroutes;
  struct route **table = calloc(n, sizeof *table);
  if (table == NULL) {
    return -1;
  }
  size_t k = 0;
  for (size_t i = 0; i < CORE_ROUTE_COUNT; i++)
    table[k++] = &CORE_ROUTES[i];
  for (size_t r = 0; r < nregs; r++)
    for (size_t i = 0; i < regs[r]->nroutes; i++)
      table[k++] = &regs[r]->routes[i];
  for (size_t i = 0; i < n; i++)
    table[i]->index = i;
  free(ROUTES);
  ROUTES = table;
  ROUTE_COUNT = n;
  g_registers = regs;
  g_register_count = nregs;
  return 0;
}

void routes_free(void) {
  free(ROUTES);
  ROUTES = NULL;
  ROUTE_COUNT = 0;
}

const struct zsz_register *const *routes_registers(size_t *n) {
  *n = g_register_count;
  return g_registers;
}

int route_path_matches(const char *pattern, const char *path) {
  while (*pattern && *path) {
    if (*pattern == '{') {
      const char *close = strchr(pattern, '}');
      if (close == NULL || *path == '/') {
        return 0;
      }
      pattern = close + 1;
      while (*path && *path != '/')
        path++;
      continue;
    }
    if (*pattern != *path) {
      return 0;
    }
    pattern++;
    path++;
  }
  /* a trailing slash on the request names the same resource */
  if (*path == '/' && path[1] == '\0') {
    path++;
  }
  return *pattern == '\0' && *path == '\0';
}

int route_query_index(const struct route *rt, const char *name) {
  for (size_t i = 0; i < rt->nquery; i++) {
    if (strcmp(rt->query[i].name, name) == 0) {
      return (int)i;
    }
  }
  return -1;
}

/* ---- binding to the contract ---------------------------------------------------------- */

/* Follows a local $ref ("#/components/...") once or more; borrowed. */
static const json_t *deref(const json_t *doc, const json_t *node) {
  for (int hops = 0; hops < 8 && json_is_object(node); hops++) {
    const char *ref = json_string_value(json_object_get(node, "$ref"));
    if (ref == NULL || strncmp(ref, "#/", 2) != 0) {
      return node;
    }
    const json_t *at = doc;
    char part[128];
    for (const char *p = ref + 2; *p && at;) {
      size_t len = strcspn(p, "/");
      if (len >= sizeof part) return NULL;
      memcpy(part, p, len);
      part[len] = '\0';
      at = json_object_get(at, part);
      p += len + (p[len] == '/');
    }
    node = at;
  }
  return node;
}

static int bind_query(const json_t *doc, struct route *rt, const json_t *param, json_t *report) {
  const char *name = json_string_value(json_object_get(param, "name"));
  const json_t *schema = deref(doc, json_object_get(param, "schema"));
  const char *type = json_string_value(json_object_get(schema, "type"));
  if (name == NULL || type == NULL) {
    json_array_append_new(
        report, json_sprintf("%s %s: a query parameter without a name or a schema type", rt->method, rt->path));
    return 1;
  }
  if (rt->nquery >= ROUTE_MAX_QUERY_PARAMS) {
    json_array_append_new(
        report, json_sprintf("%s %s: more than %d query parameters", rt->method, rt->path, ROUTE_MAX_QUERY_PARAMS));
    return 1;
  }
  struct query_spec *q = &rt->query[rt->nquery++];
  memset(q, 0, sizeof *q);
  q->name = name;
  q->required = json_is_true(json_object_get(param, "required"));
  const json_t *dflt = json_object_get(schema, "default");
  const json_t *items = NULL;
  if (strcmp(type, "integer") == 0) {
    q->type = QT_INTEGER;
    const json_t *min = json_object_get(schema, "minimum"), *max = json_object_get(schema, "maximum");
    q->min = json_is_integer(min) ? json_integer_value(min) : 0;
    q->max = json_is_integer(max) ? json_integer_value(max) : (1LL << 62);
    if (!json_is_integer(min)) q->min = -(1LL << 62);
  } else if (strcmp(type, "boolean") == 0) {
    q->type = QT_BOOLEAN;
  } else if (strcmp(type, "string") == 0) {
    q->type = QT_STRING;
    const json_t *minl = json_object_get(schema, "minLength"), *maxl = json_object_get(schema, "maxLength");
    q->min_len = json_is_integer(minl) ? (size_t)json_integer_value(minl) : 0;
    q->max_len = json_is_integer(maxl) ? (size_t)json_integer_value(maxl) : 1000;
    const json_t *values = json_object_get(schema, "enum");
    q->values = json_is_array(values) ? values : NULL;
  } else if (strcmp(type, "array") == 0 && json_is_false(json_object_get(param, "explode")) &&
             (items = deref(doc, json_object_get(schema, "items"))) != NULL &&
             json_is_string(json_object_get(items, "type")) &&
             strcmp(json_string_value(json_object_get(items, "type")), "string") == 0) {
    /* a comma-separated list of strings: each element checked against the items' enum */
    q->type = QT_STRING;
    q->list = 1;
    q->min_len = 1;
    q->max_len = 1000;
    const json_t *values = json_object_get(items, "enum");
    q->values = json_is_array(values) ? values : NULL;
  } else {
    json_array_append_new(report, json_sprintf("%s %s: query parameter %s has type %s, which the dispatcher does "
                                               "not parse",
                                               rt->method, rt->path, name, type));
    return 1;
  }
  if (dflt != NULL && !json_is_null(dflt)) {
    /* kept as the text the parameter would carry: the work reads every value as text */
    if (json_is_string(dflt)) {
      q->default_value = json_string_value(dflt);
    } else {
      if (json_is_integer(dflt)) {
        snprintf(q->default_text, sizeof q->default_text, "%lld", (long long)json_integer_value(dflt));
      } else {
        snprintf(q->default_text, sizeof q->default_text, "%s", json_is_true(dflt) ? "true" : "false");
      }
      q->default_value = q->default_text;
    }
  }
  return 0;
}

/* Index (0-based) of {name} among the path's parameters, or -1. */
static int path_param_index(const char *path, const char *name) {
  int k = 0;
  size_t nlen = strlen(name);
  for (const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{'), k++) {
    if (strncmp(p + 1, name, nlen) == 0 && p[1 + nlen] == '}') {
      return k;
    }
  }
  return -1;
}

static int bind_route(const json_t *doc, struct route *rt, json_t *report) {
  char method[16];
  size_t k;
  for (k = 0; rt->method[k] && k < sizeof method - 1; k++)
    method[k] = (char)tolower((unsigned char)rt->method[k]);
  method[k] = '\0';
  const json_t *item = json_object_get(json_object_get(doc, "paths"), rt->path);
  const json_t *op = json_object_get(item, method);
  rt->nquery = 0;
  memset(rt->path_is_int, 0, sizeof rt->path_is_int);
  memset(rt->path_min, 0, sizeof rt->path_min);
  memset(rt->path_max, 0, sizeof rt->path_max);
  if (op == NULL) {
    json_array_append_new(report, json_sprintf("%s %s is served but not in the document", rt->method, rt->path));
    return 1;
  }
  int problems = 0;
  const json_t *lists[] = {json_object_get(item, "parameters"), json_object_get(op, "parameters")};
  for (size_t l = 0; l < 2; l++) {
    size_t i;
    const json_t *p;
    json_array_foreach(lists[l], i, p) {
      p = deref(doc, p);
      const char *in = json_string_value(json_object_get(p, "in"));
      const char *name = json_string_value(json_object_get(p, "name"));
      if (in == NULL || name == NULL) {
        continue;
      }
      if (strcmp(in, "query") == 0) {
        problems += bind_query(doc, rt, p, report);
      } else if (strcmp(in, "path") == 0) {
        int at = path_param_index(rt->path, name);
        const json_t *schema = deref(doc, json_object_get(p, "schema"));
        if (at < 0 || at >= ROUTE_MAX_PATH_PARAMS) {
          json_array_append_new(
              report, json_sprintf("%s %s: path parameter %s is not in the path", rt->method, rt->path, name));
          problems++;
        } else {
          rt->path_is_int[at] = strcmp(json_string_value(json_object_get(schema, "type")) ?: "", "integer") == 0;
          if (json_is_integer(json_object_get(schema, "minimum"))) {
            rt->path_min[at] = (long long)json_integer_value(json_object_get(schema, "minimum"));
          }
          if (json_is_integer(json_object_get(schema, "maximum"))) {
            rt->path_max[at] = (long long)json_integer_value(json_object_get(schema, "maximum"));
          }
        }
      }
    }
  }
  return problems;
}

int routes_bind_contract(const json_t *doc, json_t *report) {
  int problems = 0;
  for (size_t i = 0; i < ROUTE_COUNT; i++) {
    problems += bind_route(doc, ROUTES[i], report);
  }
  return problems;
}

int query_spec_check(const struct query_spec *q, const char *v, msg_id *why, char *list, size_t listlen) {
  size_t len = strlen(v);
  list[0] = '\0';
  if (q->type == QT_INTEGER) {
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    /* strtoll skips leading blanks: " 1" is no integer here */
    int digits_first = isdigit((unsigned char)v[0]) || ((v[0] == '-' || v[0] == '+') && isdigit((unsigned char)v[1]));
    if (!digits_first || *end != '\0' || len > 19 || n < q->min || n > q->max) {
      *why = strcmp(q->name, "limit") == 0 ? MSG_LIMIT : MSG_PARAM_INTEGER;
      /* the page size's range, as the contract gives it for this list (the feed's is wider) */
      if (*why == MSG_LIMIT) snprintf(list, listlen, "%lld to %lld", q->min, q->max);
      return -1;
    }
    return 0;
  }
  if (q->type == QT_BOOLEAN) {
    if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
      *why = MSG_PARAM_ENUM;
      snprintf(list, listlen, "true, false");
      return -1;
    }
    return 0;
  }
  if (!utf8_valid(v, len)) {
    *why = MSG_PARAM_UTF8;
    return -1;
  }
  size_t chars = utf8_length(v, len);
  if (chars > q->max_len || chars < q->min_len) {
    *why = MSG_PARAM_TOO_LONG;
    return -1;
  }
  if (q->list) {
    /* every element of the list must be one of the values; an empty element is none of them */
    const char *p = v;
    for (;;) {
      size_t n = strcspn(p, ",");
      int found = q->values == NULL && n > 0;
      size_t i;
      const json_t *e;
      json_array_foreach(q->values, i, e) {
        const char *name = json_string_value(e);
        if (name != NULL && strlen(name) == n && strncmp(name, p, n) == 0) found = 1;
      }
      if (!found) break;
      if (p[n] == '\0') return 0;
      p += n + 1;
    }
  }
  if (q->values != NULL) {
    size_t used = 0, i;
    const json_t *e;
    json_array_foreach(q->values, i, e) {
      if (json_is_string(e) && strcmp(json_string_value(e), v) == 0) {
        return 0;
      }
      int w = snprintf(list + used, listlen - used, "%s%s", i ? ", " : "", json_string_value(e));
      if (w > 0 && (size_t)w < listlen - used) used += (size_t)w;
    }
    *why = MSG_PARAM_ENUM;
    return -1;
  }
  return 0;
}
