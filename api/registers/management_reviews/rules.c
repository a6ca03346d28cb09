#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "rules.h"

static const char *const STATES[] = {"planned", "package_frozen", "held", "minutes_approved", "cancelled", NULL};
static const char *const KINDS[] = {"org_unit", "isms", "steering_committee", NULL};
static const char *const CADENCES[] = {"monthly", "yearly", NULL};
static const char *const DECISION_TYPES[] = {"improvement", "system_change", "resource_need", NULL};
static const char *const DECISION_STATES[] = {"open", "done", "cancelled", NULL};

/* Freezing again before the meeting keeps the earlier versions (package_frozen ->
 * package_frozen). The minutes are approved by MR_APPROVER: the president for the steering
 * committee, whoever runs the others. */
static const struct workflow_step STEPS[] = {
    {"planned", "package_frozen", MR_MANAGER, NULL}, {"package_frozen", "package_frozen", MR_MANAGER, NULL},
    {"package_frozen", "held", MR_MANAGER, NULL},    {"held", "minutes_approved", MR_APPROVER, NULL},
    {"planned", "cancelled", MR_MANAGER, "reason"},  {"package_frozen", "cancelled", MR_MANAGER, "reason"},
};
const struct workflow MR_WORKFLOW = {STATES, STEPS, sizeof STEPS / sizeof STEPS[0]};

#define MR_TEXT(n)                                                                                                     \
  { .name = n, .type = VT_STRING, .flags = V_TEXT, .max_len = 20000 }

const struct field_spec MR_FIELDS[] = {
    {.name = "kind", .type = VT_STRING, .flags = V_REQUIRED, .one_of = KINDS},
    {.name = "ad_hoc", .type = VT_BOOLEAN},
    {.name = "period", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 4, .max_len = 7},
    {.name = "org_unit_id", .type = VT_INTEGER, .min = 1, .max = (1LL << 53)},
    {.name = "title", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 200},
    {.name = "planned_at", .type = VT_TIMESTAMP, .flags = V_REQUIRED},
    {.name = "held_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "chair", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 200},
    {.name = "participants", .type = VT_OBJECT_ARRAY, .max_items = 100},
    {.name = "agenda", .type = VT_STRING_ARRAY, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 500, .max_items = 50},
    MR_TEXT("context_changes"),
    MR_TEXT("complaints"),
    MR_TEXT("resources"),
    MR_TEXT("risks"),
    {.name = "znak_sprawy", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 100},
    {0},
};

/* kind, period, unit and ad_hoc name the slot a review fills: they stay as created */
const struct field_spec MR_PATCH_FIELDS[] = {
    {.name = "title", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 200},
    {.name = "planned_at", .type = VT_TIMESTAMP},
    {.name = "held_at", .type = VT_TIMESTAMP, .flags = V_NULLABLE},
    {.name = "chair", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 200},
    {.name = "participants", .type = VT_OBJECT_ARRAY, .max_items = 100},
    {.name = "agenda", .type = VT_STRING_ARRAY, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 500, .max_items = 50},
    MR_TEXT("context_changes"),
    MR_TEXT("complaints"),
    MR_TEXT("resources"),
    MR_TEXT("risks"),
    {.name = "znak_sprawy", .type = VT_STRING, .flags = V_SINGLE_LINE, .max_len = 100},
    {0},
};

const struct field_spec MR_TRANSITION_FIELDS[] = {
    {.name = "to", .type = VT_STRING, .flags = V_REQUIRED, .one_of = STATES},
    {.name = "reason", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 2000},
    {.name = "held_at", .type = VT_TIMESTAMP},
    {0},
};

/* PUT of the rules: every kind's whole rule */
const struct field_spec MR_RULES_FIELDS[] = {
    {.name = "org_unit", .type = VT_OBJECT, .flags = V_REQUIRED},
    {.name = "isms", .type = VT_OBJECT, .flags = V_REQUIRED},
    {.name = "steering_committee", .type = VT_OBJECT, .flags = V_REQUIRED},
    {0},
};

/* one kind's rule (kind, as GET answers it, may be sent back) */
const struct field_spec MR_RULE_FIELDS[] = {
    {.name = "kind", .type = VT_STRING, .one_of = KINDS},
    {.name = "cadence", .type = VT_STRING, .flags = V_REQUIRED, .one_of = CADENCES},
    {.name = "review_by", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 5, .max_len = 5},
    {.name = "minutes_by", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .min_len = 5, .max_len = 5},
    {.name = "minutes_days", .type = VT_INTEGER, .flags = V_REQUIRED, .min = 1, .max = 365},
    {0},
};

const struct field_spec MR_LINK_FIELDS[] = {
    {.name = "objective_ids", .type = VT_INTEGER_ARRAY, .min = 1, .max = (1LL << 53), .max_items = 50},
    {.name = "process_ids", .type = VT_INTEGER_ARRAY, .min = 1, .max = (1LL << 53), .max_items = 50},
    {.name = "nonconformity_ids", .type = VT_INTEGER_ARRAY, .min = 1, .max = (1LL << 53), .max_items = 50},
    {.name = "risk_ids", .type = VT_INTEGER_ARRAY, .min = 1, .max = (1LL << 53), .max_items = 50},
    {0},
};

const struct field_spec MR_DECISION_FIELDS[] = {
    {.name = "type", .type = VT_STRING, .flags = V_REQUIRED, .one_of = DECISION_TYPES},
    {.name = "title", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "description", .type = VT_STRING, .flags = V_TEXT, .max_len = 5000},
    {.name = "owner", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "due_date", .type = VT_DATE, .flags = V_REQUIRED},
    {.name = "links", .type = VT_OBJECT},
    {.name = "open_action", .type = VT_BOOLEAN},
    {0},
};

/* None is nullable: a field sent has a value, one absent keeps its own. */
const struct field_spec MR_DECISION_PATCH_FIELDS[] = {
    {.name = "title", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "description", .type = VT_STRING, .flags = V_TEXT, .max_len = 5000},
    {.name = "owner", .type = VT_STRING, .flags = V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "due_date", .type = VT_DATE},
    {.name = "links", .type = VT_OBJECT},
    {.name = "status", .type = VT_STRING, .one_of = DECISION_STATES},
    {.name = "status_reason", .type = VT_STRING, .flags = V_TEXT, .min_len = 1, .max_len = 2000},
    {.name = "note", .type = VT_STRING, .flags = V_TEXT, .max_len = 5000},
    {0},
};

static int digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  return 1;
}

int mr_period_valid(const char *kind, int ad_hoc, const char *period) {
  size_t n = strlen(period);
  if ((n != 4 && n != 7) || !digits(period, 4)) return 0;
  int year = atoi(period);
  if (year < 2000 || year > 2100) return 0;
  if (n == 7) {
    if (period[4] != '-' || !digits(period + 5, 2)) return 0;
    int month = atoi(period + 5);
    if (month < 1 || month > 12) return 0;
  }
  if (strcmp(kind, "org_unit") == 0) return n == 7;
  return ad_hoc || n == 4;
}

void mr_body_errors(const json_t *body, enum validate_mode mode, json_t *errors) {
  size_t i;
  const json_t *p;
  const json_t *people = json_object_get(body, "participants");
  if (json_is_array(people) && !field_has_error(errors, "participants")) {
    json_array_foreach(people, i, p) {
      const json_t *name = json_object_get(p, "name"), *sub = json_object_get(p, "sub");
      size_t keys = json_object_size(p);
      int ok = json_is_string(name) && json_string_length(name) > 0 && (sub == NULL || json_is_string(sub)) &&
               keys == (size_t)(1 + (sub != NULL));
      if (ok) {
        size_t len = utf8_length(json_string_value(name), json_string_length(name));
        ok = len <= 200 && (sub == NULL || (json_string_length(sub) > 0 && json_string_length(sub) <= 800));
        for (const char *s = json_string_value(name); ok && *s; s++)
          if ((unsigned char)*s < 0x20) ok = 0;
      }
      if (!ok) {
        char field[40];
        snprintf(field, sizeof field, "participants[%zu]", i);
        errors_add(errors, field, MSG_MR_PARTICIPANT);
      }
    }
  }
  if (mode != VALIDATE_CREATE) return;
  const char *kind = json_string_value(json_object_get(body, "kind"));
  const char *period = json_string_value(json_object_get(body, "period"));
  int ad_hoc = json_is_true(json_object_get(body, "ad_hoc"));
  if (kind == NULL || field_has_error(errors, "kind")) return;
  int unit_kind = strcmp(kind, "org_unit") == 0;
  if (unit_kind && ad_hoc) errors_add(errors, "ad_hoc", MSG_MR_NO_UNIT_AD_HOC);
  if (unit_kind != (json_object_get(body, "org_unit_id") != NULL) && !field_has_error(errors, "org_unit_id"))
    errors_add(errors, "org_unit_id", MSG_MR_UNIT_ONLY);
  if (period && !field_has_error(errors, "period") && !mr_period_valid(kind, ad_hoc, period))
    errors_add(errors, "period", MSG_MR_PERIOD);
}

static int month_day_valid(const char *s) {
  if (strlen(s) != 5 || !digits(s, 2) || s[2] != '-' || !digits(s + 3, 2)) return 0;
  int m = atoi(s), d = atoi(s + 3);
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* errors of inner, each named prefix.<field>, appended to errors */
static void errors_prefixed(json_t *errors, const json_t *inner, const char *prefix) {
  size_t i;
  json_t *e;
  json_array_foreach(inner, i, e) {
    json_t *named = json_deep_copy(e);
    const char *field = json_string_value(json_object_get(e, "field"));
    json_object_set_new(named, "field", json_sprintf("%s.%s", prefix, field ? field : ""));
    json_array_append_new(errors, named);
  }
}

static void rule_errors(const char *kind, const json_t *rule, json_t *errors) {
  validate_object(rule, MR_RULE_FIELDS, VALIDATE_CREATE, errors);
  const char *named = json_string_value(json_object_get(rule, "kind"));
  if (named != NULL && !field_has_error(errors, "kind") && strcmp(named, kind) != 0)
    errors_add(errors, "kind", MSG_NOT_ONE_OF, kind);
  const char *cadence = json_string_value(json_object_get(rule, "cadence"));
  if (cadence == NULL) return;
  int yearly = strcmp(cadence, "yearly") == 0;
  static const char *const DATES[] = {"review_by", "minutes_by"};
  for (size_t i = 0; i < 2; i++) {
    const char *v = json_string_value(json_object_get(rule, DATES[i]));
    if (field_has_error(errors, DATES[i])) continue;
    if (yearly && (v == NULL || !month_day_valid(v))) errors_add(errors, DATES[i], MSG_MR_MONTH_DAY);
    if (!yearly && v != NULL) errors_add(errors, DATES[i], MSG_MR_MONTH_DAY);
  }
}

void mr_rule_errors(const json_t *body, json_t *errors) {
  for (size_t k = 0; KINDS[k]; k++) {
    const json_t *rule = json_object_get(body, KINDS[k]);
    if (!json_is_object(rule)) continue;
    json_t *inner = json_array();
    rule_errors(KINDS[k], rule, inner);
    errors_prefixed(errors, inner, KINDS[k]);
    json_decref(inner);
  }
}

void mr_links_errors(const json_t *body, json_t *errors) {
  const json_t *links = json_object_get(body, "links");
  if (!json_is_object(links) || field_has_error(errors, "links")) return;
  json_t *inner = json_array();
  validate_object(links, MR_LINK_FIELDS, VALIDATE_PATCH, inner);
  errors_prefixed(errors, inner, "links");
  json_decref(inner);
}

/* ---- canonical JSON (RFC 8785 without fractional numbers) ---------------------------------- */

/* The next UTF-16 code unit of a UTF-8 string (valid, as jansson keeps only valid UTF-8):
 * a code point above U+FFFF gives its high surrogate, then its low one. */
struct u16_reader {
  const unsigned char *s;
  unsigned pending; /* a low surrogate still to give, or 0 */
};

static unsigned u16_next(struct u16_reader *r) {
  if (r->pending) {
    unsigned u = r->pending;
    r->pending = 0;
    return u;
  }
  const unsigned char *s = r->s;
  unsigned cp;
  if (*s == 0) return 0; /* the end sorts before every unit (a name holds no NUL) */
  if (*s < 0x80) {
    cp = *s;
    r->s += 1;
  } else if ((*s & 0xE0) == 0xC0) {
    cp = ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
    r->s += 2;
  } else if ((*s & 0xF0) == 0xE0) {
    cp = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    r->s += 3;
  } else {
    cp = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
    r->s += 4;
  }
  if (cp < 0x10000) return cp;
  cp -= 0x10000;
  r->pending = 0xDC00 + (cp & 0x3FF);
  return 0xD800 + (cp >> 10);
}

static int utf16_compare(const void *a, const void *b) {
  struct u16_reader x = {(const unsigned char *)*(const char *const *)a, 0};
  struct u16_reader y = {(const unsigned char *)*(const char *const *)b, 0};
  for (;;) {
    unsigned u = u16_next(&x), v = u16_next(&y);
    if (u != v) return u < v ? -1 : 1;
    if (u == 0) return 0;
  }
}

static void canonical_string(struct strbuf *out, const char *s, size_t len) {
  strbuf_puts(out, "\"");
  size_t start = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch >= 0x20 && ch != '"' && ch != '\\') continue;
    strbuf_append(out, s + start, i - start);
    char esc[8];
    switch (ch) {
    case '"':
      strbuf_puts(out, "\\\"");
      break;
    case '\\':
      strbuf_puts(out, "\\\\");
      break;
    case '\b':
      strbuf_puts(out, "\\b");
      break;
    case '\f':
      strbuf_puts(out, "\\f");
      break;
    case '\n':
      strbuf_puts(out, "\\n");
      break;
    case '\r':
      strbuf_puts(out, "\\r");
      break;
    case '\t':
      strbuf_puts(out, "\\t");
      break;
    default:
      snprintf(esc, sizeof esc, "\\u%04x", ch);
      strbuf_puts(out, esc);
    }
    start = i + 1;
  }
  strbuf_append(out, s + start, len - start);
  strbuf_puts(out, "\"");
}

int mr_canonical(const json_t *v, struct strbuf *out) {
  char num[32];
  size_t i, n;
  switch (json_typeof(v)) {
  case JSON_NULL:
    strbuf_puts(out, "null");
    return 0;
  case JSON_TRUE:
    strbuf_puts(out, "true");
    return 0;
  case JSON_FALSE:
    strbuf_puts(out, "false");
    return 0;
  case JSON_INTEGER:
    snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    strbuf_puts(out, num);
    return 0;
  case JSON_REAL:
    return -1;
  case JSON_STRING:
    canonical_string(out, json_string_value(v), json_string_length(v));
    return 0;
  case JSON_ARRAY:
    strbuf_puts(out, "[");
    for (i = 0; i < json_array_size(v); i++) {
      if (i) strbuf_puts(out, ",");
      if (mr_canonical(json_array_get(v, i), out) != 0) return -1;
    }
    strbuf_puts(out, "]");
    return 0;
  case JSON_OBJECT: {
    n = json_object_size(v);
    const char **keys = n ? malloc(n * sizeof *keys) : NULL;
    if (n && keys == NULL) {
      out->oom = 1;
      return 0;
    }
    const char *key;
    const json_t *member;
    i = 0;
    json_object_foreach((json_t *)v, key, member) {
      keys[i++] = key;
    }
    if (n > 1) qsort(keys, n, sizeof *keys, utf16_compare);
    strbuf_puts(out, "{");
    int rc = 0;
    for (i = 0; i < n && rc == 0; i++) {
      if (i) strbuf_puts(out, ",");
      canonical_string(out, keys[i], strlen(keys[i]));
      strbuf_puts(out, ":");
      rc = mr_canonical(json_object_get(v, keys[i]), out);
    }
    strbuf_puts(out, "}");
    free(keys);
    return rc;
  }
  }
  return -1;
}

/* ---- differences ------------------------------------------------------------------------------ */

static void diff_add(json_t *diffs, const char *path, const json_t *frozen, const json_t *live) {
  json_array_append_new(diffs, json_pack("{s:s, s:O, s:O}", "path", path, "frozen", frozen ? frozen : json_null(),
                                         "live", live ? live : json_null()));
}

/* path/name as a JSON Pointer (~ as ~0, / as ~1); a new string, caller frees. */
static char *pointer_join(const char *path, const char *name) {
  struct strbuf b = {0};
  strbuf_puts(&b, path);
  strbuf_puts(&b, "/");
  for (const char *s = name; *s; s++) {
    if (*s == '~')
      strbuf_puts(&b, "~0");
    else if (*s == '/')
      strbuf_puts(&b, "~1");
    else
      strbuf_append(&b, s, 1);
  }
  return strbuf_steal(&b);
}

void mr_diff(const json_t *frozen, const json_t *live, const char *path, json_t *diffs) {
  if (json_is_object(frozen) && json_is_object(live)) {
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)frozen, key, value) {
      char *sub = pointer_join(path, key);
      if (sub != NULL) mr_diff(value, json_object_get(live, key), sub, diffs);
      free(sub);
    }
    json_object_foreach((json_t *)live, key, value) {
      if (json_object_get(frozen, key) != NULL) continue;
      char *sub = pointer_join(path, key);
      if (sub != NULL) diff_add(diffs, sub, NULL, value);
      free(sub);
    }
    return;
  }
  if (!json_equal((json_t *)frozen, (json_t *)live)) diff_add(diffs, path, frozen, live);
}

/* ---- HTML ------------------------------------------------------------------------------------- */

void html_escape(struct strbuf *out, const char *text) {
  size_t start = 0, i = 0;
  if (text == NULL) return;
  for (; text[i]; i++) {
    const char *rep = NULL;
    switch (text[i]) {
    case '&':
      rep = "&amp;";
      break;
    case '<':
      rep = "&lt;";
      break;
    case '>':
      rep = "&gt;";
      break;
    case '"':
      rep = "&quot;";
      break;
    case '\'':
      rep = "&#39;";
      break;
    default:
      continue;
    }
    strbuf_append(out, text + start, i - start);
    strbuf_puts(out, rep);
    start = i + 1;
  }
  strbuf_append(out, text + start, i - start);
}
