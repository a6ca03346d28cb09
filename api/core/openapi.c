#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "openapi.h"
#include "routes.h"

static json_t *scalar_value(const yaml_event_t *ev) {
  const char *v = (const char *)ev->data.scalar.value;
  size_t len = ev->data.scalar.length;
  if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
    return json_stringn(v, len);
  }
  if (len == 0 || strcmp(v, "null") == 0 || strcmp(v, "~") == 0) {
    return json_null();
  }
  if (strcmp(v, "true") == 0) return json_true();
  if (strcmp(v, "false") == 0) return json_false();
  char *end = NULL;
  if (isdigit((unsigned char)v[0]) || ((v[0] == '-' || v[0] == '+') && len > 1 && isdigit((unsigned char)v[1]))) {
    long long i = strtoll(v, &end, 10);
    if (end && *end == '\0') {
      return json_integer(i);
    }
    double d = strtod(v, &end);
    if (end && *end == '\0') {
      return json_real(d);
    }
  }
  return json_stringn(v, len);
}

/* Parses one node starting at the current event; returns a new reference or NULL. */
static json_t *parse_node(yaml_parser_t *p, yaml_event_t *first, char *err, size_t errlen);

static json_t *parse_mapping(yaml_parser_t *p, char *err, size_t errlen) {
  json_t *obj = json_object();
  for (;;) {
    yaml_event_t key;
    if (!yaml_parser_parse(p, &key)) {
      snprintf(err, errlen, "YAML error at line %zu: %s", p->problem_mark.line + 1, p->problem);
      json_decref(obj);
      return NULL;
    }
    if (key.type == YAML_MAPPING_END_EVENT) {
      yaml_event_delete(&key);
      return obj;
    }
    if (key.type != YAML_SCALAR_EVENT) {
      snprintf(err, errlen, "only scalar mapping keys are supported (line %zu)", key.start_mark.line + 1);
      yaml_event_delete(&key);
      json_decref(obj);
      return NULL;
    }
    char *name = strndup((const char *)key.data.scalar.value, key.data.scalar.length);
    yaml_event_delete(&key);
    yaml_event_t ev;
    json_t *value = NULL;
    if (yaml_parser_parse(p, &ev)) {
      value = parse_node(p, &ev, err, errlen);
    } else {
      snprintf(err, errlen, "YAML error at line %zu: %s", p->problem_mark.line + 1, p->problem);
    }
    if (value == NULL || name == NULL) {
      free(name);
      json_decref(value);
      json_decref(obj);
      return NULL;
    }
    json_object_set_new(obj, name, value);
    free(name);
  }
}

static json_t *parse_sequence(yaml_parser_t *p, char *err, size_t errlen) {
  json_t *arr = json_array();
  for (;;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(p, &ev)) {
      snprintf(err, errlen, "YAML error at line %zu: %s", p->problem_mark.line + 1, p->problem);
      json_decref(arr);
      return NULL;
    }
    if (ev.type == YAML_SEQUENCE_END_EVENT) {
      yaml_event_delete(&ev);
      return arr;
    }
    json_t *item = parse_node(p, &ev, err, errlen);
    if (item == NULL) {
      json_decref(arr);
      return NULL;
    }
    json_array_append_new(arr, item);
  }
}

static json_t *parse_node(yaml_parser_t *p, yaml_event_t *ev, char *err, size_t errlen) {
  json_t *out = NULL;
  switch (ev->type) {
  case YAML_SCALAR_EVENT:
    out = scalar_value(ev);
    break;
  case YAML_MAPPING_START_EVENT:
    out = parse_mapping(p, err, errlen);
    break;
  case YAML_SEQUENCE_START_EVENT:
    out = parse_sequence(p, err, errlen);
    break;
  default:
    snprintf(err, errlen, "unsupported YAML construct at line %zu (aliases are not supported)",
             ev->start_mark.line + 1);
    break;
  }
  yaml_event_delete(ev);
  return out;
}

json_t *openapi_load(const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  yaml_parser_t parser;
  json_t *doc = NULL;
  err[0] = '\0';
  if (f == NULL) {
    snprintf(err, errlen, "cannot open %s", path);
    return NULL;
  }
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_file(&parser, f);
  for (;;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      snprintf(err, errlen, "YAML error at line %zu: %s", parser.problem_mark.line + 1, parser.problem);
      break;
    }
    if (ev.type == YAML_STREAM_END_EVENT) {
      yaml_event_delete(&ev);
      break;
    }
    if (ev.type == YAML_MAPPING_START_EVENT && doc == NULL) {
      yaml_event_delete(&ev);
      doc = parse_mapping(&parser, err, errlen);
      if (doc == NULL) {
        break;
      }
      continue;
    }
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  fclose(f);
  if (doc == NULL && err[0] == '\0') {
    snprintf(err, errlen, "%s holds no mapping", path);
  }
  return doc;
}

int openapi_compare_routes(const json_t *doc, json_t *report) {
  int diffs = 0;
  json_t *paths = json_object_get(doc, "paths");
  const char *path;
  json_t *item;
  for (size_t i = 0; i < ROUTE_COUNT; i++) {
    char method[16];
    size_t k;
    for (k = 0; ROUTES[i]->method[k] && k < sizeof method - 1; k++) {
      method[k] = (char)tolower((unsigned char)ROUTES[i]->method[k]);
    }
    method[k] = '\0';
    if (json_object_get(json_object_get(paths, ROUTES[i]->path), method) == NULL) {
      json_array_append_new(
          report, json_sprintf("%s %s is served but not in the document", ROUTES[i]->method, ROUTES[i]->path));
      diffs++;
    }
  }
  static const char *const METHODS[] = {"get", "put", "post", "delete", "patch", "head", "options", "trace"};
  json_object_foreach(paths, path, item) {
    for (size_t m = 0; m < sizeof METHODS / sizeof METHODS[0]; m++) {
      if (json_object_get(item, METHODS[m]) == NULL) {
        continue;
      }
      int found = 0;
      for (size_t i = 0; i < ROUTE_COUNT && !found; i++) {
        found = strcasecmp(ROUTES[i]->method, METHODS[m]) == 0 && strcmp(ROUTES[i]->path, path) == 0;
      }
      if (!found) {
        json_array_append_new(report, json_sprintf("%s %s is in the document but not served", METHODS[m], path));
        diffs++;
      }
    }
  }
  return diffs;
}
