/* Unit tests for api/validate.c (schema-driven body validation, UTF-8) and api/workflow.c. */

#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "messages.h"
#include "validate.h"
#include "workflow.h"

static const char *const COLOURS[] = {"red", "green", NULL};

static const struct field_spec SPECS[] = {
    {.name = "name", .type = VT_STRING, .flags = V_REQUIRED | V_SINGLE_LINE, .min_len = 1, .max_len = 200},
    {.name = "code", .type = VT_STRING, .flags = V_REQUIRED | V_CODE_CHARS, .min_len = 1, .max_len = 32},
    {.name = "description", .type = VT_STRING, .flags = V_TEXT, .max_len = 20000},
    {.name = "note", .type = VT_STRING, .flags = V_NULLABLE | V_SINGLE_LINE, .max_len = 10},
    {.name = "count", .type = VT_INTEGER, .min = 1, .max = 10},
    {.name = "parent_id", .type = VT_INTEGER, .flags = V_NULLABLE},
    {.name = "flag", .type = VT_BOOLEAN},
    {.name = "colour", .type = VT_STRING, .one_of = COLOURS},
    {.name = "tags", .type = VT_STRING_ARRAY, .flags = V_CODE_CHARS, .min_len = 1, .max_len = 5},
    {0},
};

/* Parses JSON text (must be valid). */
static json_t *J(const char *text) {
  json_error_t err;
  json_t *v = json_loads(text, JSON_DECODE_ANY, &err);
  ck_assert_msg(v != NULL, "bad test JSON %s: %s", text, err.text);
  return v;
}

/* Validates text; returns the errors array (caller frees) and checks count == size. */
static json_t *run(const char *text, enum validate_mode mode) {
  json_t *body = J(text);
  json_t *errors = json_array();
  int n = validate_object(body, SPECS, mode, errors);
  ck_assert_msg((size_t)n == json_array_size(errors), "%s: returned %d, appended %zu", text, n,
                json_array_size(errors));
  json_decref(body);
  return errors;
}

/* Asserts that errors has exactly the given "field" members, in any order, each once,
 * and that every message is a non-empty string. NULL-terminated field list. */
static void assert_fields(const json_t *errors, const char *context, ...) {
  va_list ap;
  size_t want = 0;
  va_start(ap, context);
  for (const char *f = va_arg(ap, const char *); f != NULL; f = va_arg(ap, const char *)) {
    want++;
    int seen = 0;
    size_t i;
    const json_t *e;
    json_array_foreach(errors, i, e) {
      const char *field = json_string_value(json_object_get(e, "field"));
      seen += field != NULL && strcmp(field, f) == 0;
    }
    if (seen != 1) {
      char *dump = json_dumps(errors, 0);
      fprintf(stderr, "%s: errors %s\n", context, dump);
      free(dump);
    }
    ck_assert_msg(seen == 1, "%s: field '%s' reported %d times, want 1", context, f, seen);
  }
  va_end(ap);
  if (json_array_size(errors) != want) {
    char *dump = json_dumps(errors, 0);
    fprintf(stderr, "%s: errors %s\n", context, dump);
    free(dump);
  }
  ck_assert_msg(json_array_size(errors) == want, "%s: %zu errors, want %zu", context, json_array_size(errors), want);
  size_t i;
  const json_t *e;
  json_array_foreach(errors, i, e) {
    const char *m = json_string_value(json_object_get(e, "message"));
    ck_assert_msg(m != NULL && *m != '\0', "%s: error %zu has no message", context, i);
    ck_assert_uint_eq(json_object_size(e), 2);
  }
}

/* The message for field in errors, or NULL. */
static const char *message_of(const json_t *errors, const char *field) {
  size_t i;
  const json_t *e;
  json_array_foreach(errors, i, e) {
    if (strcmp(json_string_value(json_object_get(e, "field")), field) == 0) {
      return json_string_value(json_object_get(e, "message"));
    }
  }
  return NULL;
}

/* Expects exactly one error, on field, with the catalogue message msg (formatted). */
static void expect_one(const char *text, enum validate_mode mode, const char *field, const char *message) {
  json_t *errors = run(text, mode);
  assert_fields(errors, text, field, NULL);
  if (message != NULL) {
    ck_assert_str_eq(message_of(errors, field), message);
  }
  json_decref(errors);
}

static void expect_none(const char *text, enum validate_mode mode) {
  json_t *errors = run(text, mode);
  assert_fields(errors, text, NULL);
  json_decref(errors);
}

/* A JSON object text {"name": s} with s = n copies of the UTF-8 unit u. */
static char *name_of(const char *u, size_t n) {
  size_t ul = strlen(u);
  char *s = malloc(ul * n + 1);
  for (size_t i = 0; i < n; i++) {
    memcpy(s + i * ul, u, ul);
  }
  s[ul * n] = '\0';
  json_t *obj = json_pack("{s:s, s:s}", "name", s, "code", "X");
  char *out = json_dumps(obj, JSON_COMPACT);
  json_decref(obj);
  free(s);
  return out;
}

/* ---- validate_object --------------------------------------------------------------------- */

/* Document-style codes (audits: AW/2026/03) add '/' to the code characters, nothing else. */
START_TEST(code_chars_with_slash) {
  static const struct field_spec SLASH_SPECS[] = {
      {.name = "code", .type = VT_STRING, .flags = V_CODE_CHARS | V_SLASH, .min_len = 1, .max_len = 32},
      {0},
  };
  static const char *ok[] = {"{\"code\": \"AW/2026/03\"}", "{\"code\": \"AW-2026_3.a\"}", NULL};
  static const char *bad[] = {"{\"code\": \"AW 1\"}", "{\"code\": \"AU#1\"}", "{\"code\": \"\u0141\u00f3d\u017a-1\"}",
                              "{\"code\": \"a\\\\b\"}", NULL};
  for (int i = 0; ok[i]; i++) {
    json_t *body = J(ok[i]), *errors = json_array();
    ck_assert_int_eq(validate_object(body, SLASH_SPECS, VALIDATE_CREATE, errors), 0);
    json_decref(body);
    json_decref(errors);
  }
  for (int i = 0; bad[i]; i++) {
    json_t *body = J(bad[i]), *errors = json_array();
    ck_assert_int_eq(validate_object(body, SLASH_SPECS, VALIDATE_CREATE, errors), 1);
    assert_fields(errors, bad[i], "code", NULL);
    json_decref(body);
    json_decref(errors);
  }
  /* without V_SLASH a slash stays refused */
  json_t *errors = run("{\"name\": \"n\", \"code\": \"A/B\"}", VALIDATE_CREATE);
  assert_fields(errors, "slash", "code", NULL);
  json_decref(errors);
}
END_TEST

START_TEST(valid_create_body) {
  expect_none("{\"name\": \"Zarządzanie\", \"code\": \"GZ-1.a_b\", \"description\": \"line 1\\nline 2\\r\\n\\tend\","
              " \"note\": null, \"count\": 10, \"parent_id\": null, \"flag\": false, \"colour\": \"green\","
              " \"tags\": [\"a\", \"b-c\"]}",
              VALIDATE_CREATE);
  expect_none("{\"name\": \"n\", \"code\": \"c\"}", VALIDATE_CREATE);
  expect_none("{\"name\": \"n\", \"code\": \"c\", \"tags\": []}", VALIDATE_CREATE);
}
END_TEST

START_TEST(length_counts_characters) {
  /* 200 characters of Polish text (ą and ł are 2 bytes each in UTF-8): 400 bytes, fits */
  char *ok = name_of("łą", 100);
  expect_none(ok, VALIDATE_CREATE);
  free(ok);
  char *mixed = name_of("ał", 100); /* 200 characters, 300 bytes */
  expect_none(mixed, VALIDATE_CREATE);
  free(mixed);
  char *too_long = name_of("ł", 201);
  expect_one(too_long, VALIDATE_CREATE, "name", "must have at most 200 characters");
  free(too_long);
  char *ascii_long = name_of("a", 201);
  expect_one(ascii_long, VALIDATE_CREATE, "name", "must have at most 200 characters");
  free(ascii_long);
  /* 4-byte characters count once too */
  char *emoji = name_of("\xF0\x9F\x98\x80", 200);
  expect_none(emoji, VALIDATE_CREATE);
  free(emoji);
  expect_one("{\"name\": \"\", \"code\": \"c\"}", VALIDATE_CREATE, "name", "must have at least 1 characters");
  expect_one("{\"name\": \"n\", \"code\": \"c\", \"note\": \"ąąąąąąąąąąą\"}", VALIDATE_CREATE, "note",
             "must have at most 10 characters");
  expect_none("{\"name\": \"n\", \"code\": \"c\", \"note\": \"ąąąąąąąąąą\"}", VALIDATE_CREATE);
}
END_TEST

START_TEST(integers) {
  expect_none("{\"count\": 1}", VALIDATE_PATCH);
  expect_none("{\"count\": 10}", VALIDATE_PATCH);
  expect_one("{\"count\": 0}", VALIDATE_PATCH, "count", "must be between 1 and 10");
  expect_one("{\"count\": 11}", VALIDATE_PATCH, "count", "must be between 1 and 10");
  expect_one("{\"count\": -9223372036854775808}", VALIDATE_PATCH, "count", "must be between 1 and 10");
  expect_one("{\"count\": \"5\"}", VALIDATE_PATCH, "count", "must be an integer");
  expect_one("{\"count\": 5.0}", VALIDATE_PATCH, "count", "must be an integer");
  expect_one("{\"count\": true}", VALIDATE_PATCH, "count", "must be an integer");
  expect_one("{\"count\": null}", VALIDATE_PATCH, "count", "must not be null");
  /* no range when min == max */
  expect_none("{\"parent_id\": 9223372036854775807}", VALIDATE_PATCH);
  expect_none("{\"parent_id\": -3}", VALIDATE_PATCH);
}
END_TEST

START_TEST(booleans) {
  expect_none("{\"flag\": true}", VALIDATE_PATCH);
  expect_one("{\"flag\": \"true\"}", VALIDATE_PATCH, "flag", "must be true or false");
  expect_one("{\"flag\": 1}", VALIDATE_PATCH, "flag", "must be true or false");
  expect_one("{\"flag\": null}", VALIDATE_PATCH, "flag", "must not be null");
}
END_TEST

START_TEST(nullable) {
  expect_none("{\"note\": null, \"parent_id\": null}", VALIDATE_PATCH);
  expect_one("{\"name\": null}", VALIDATE_PATCH, "name", "must not be null");
  /* in create mode a null required field is reported once, as null, not also as missing */
  expect_one("{\"name\": null, \"code\": \"c\"}", VALIDATE_CREATE, "name", "must not be null");
  expect_one("{\"note\": 5}", VALIDATE_PATCH, "note", "must be a string");
}
END_TEST

START_TEST(required_in_create_not_in_patch) {
  json_t *errors = run("{}", VALIDATE_CREATE);
  assert_fields(errors, "create {}", "name", "code", NULL);
  ck_assert_str_eq(message_of(errors, "name"), "is required");
  json_decref(errors);
  expect_one("{\"name\": \"n\"}", VALIDATE_CREATE, "code", "is required");
  expect_none("{}", VALIDATE_PATCH);
  expect_none("{\"description\": \"only this\"}", VALIDATE_PATCH);
}
END_TEST

START_TEST(unknown_fields) {
  expect_one("{\"bogus\": 1}", VALIDATE_PATCH, "bogus", "is not a known field");
  json_t *errors = run("{\"Name\": \"x\", \"id\": 4, \"name\": \"ok\", \"code\": \"c\"}", VALIDATE_CREATE);
  assert_fields(errors, "unknown", "Name", "id", NULL);
  json_decref(errors);
}
END_TEST

START_TEST(enums) {
  expect_none("{\"colour\": \"red\"}", VALIDATE_PATCH);
  expect_one("{\"colour\": \"blue\"}", VALIDATE_PATCH, "colour", "must be one of: red, green");
  expect_one("{\"colour\": \"Red\"}", VALIDATE_PATCH, "colour", "must be one of: red, green");
  expect_one("{\"colour\": \"\"}", VALIDATE_PATCH, "colour", NULL);
  expect_one("{\"colour\": [\"red\"]}", VALIDATE_PATCH, "colour", "must be a string");
}
END_TEST

START_TEST(control_characters) {
  const char *refused = "must not contain control characters";
  /* single line: no control characters at all */
  expect_one("{\"name\": \"a\\nb\"}", VALIDATE_PATCH, "name", refused);
  expect_one("{\"name\": \"a\\rb\"}", VALIDATE_PATCH, "name", refused);
  expect_one("{\"name\": \"a\\tb\"}", VALIDATE_PATCH, "name", refused);
  expect_one("{\"name\": \"a\\u007fb\"}", VALIDATE_PATCH, "name", refused);
  expect_one("{\"name\": \"\\u0001\"}", VALIDATE_PATCH, "name", refused);
  expect_one("{\"name\": \"a\\u0085b\"}", VALIDATE_PATCH, "name", refused); /* C1 next line */
  expect_one("{\"name\": \"a\\u2028b\"}", VALIDATE_PATCH, "name", refused); /* line separator */
  expect_one("{\"name\": \"a\\u2029b\"}", VALIDATE_PATCH, "name", refused); /* paragraph separator */
  expect_none("{\"name\": \"Wydział Organizacyjny – Biuro\"}", VALIDATE_PATCH);
  expect_none("{\"name\": \"a\\u00a0b\\u2027c\"}", VALIDATE_PATCH); /* neighbours are fine */
  /* text: line breaks and tabs are fine, other control characters are not */
  expect_none("{\"description\": \"a\\nb\\r\\n\\tc\"}", VALIDATE_PATCH);
  expect_one("{\"description\": \"a\\u0001b\"}", VALIDATE_PATCH, "description", refused);
  expect_one("{\"description\": \"a\\u001bb\"}", VALIDATE_PATCH, "description", refused);
  expect_one("{\"description\": \"a\\u007f\"}", VALIDATE_PATCH, "description", refused);
  /* no flag: anything goes (except length) */
  expect_none("{\"colour\": \"red\"}", VALIDATE_PATCH);
}
END_TEST

START_TEST(nul_inside_string) {
  /* jansson can carry a NUL inside a string; a single-line field refuses it */
  json_t *body = json_object();
  json_object_set_new(body, "name", json_stringn("a\0b", 3));
  json_t *errors = json_array();
  ck_assert_int_eq(validate_object(body, SPECS, VALIDATE_PATCH, errors), 1);
  assert_fields(errors, "NUL", "name", NULL);
  json_decref(errors);
  json_decref(body);
}
END_TEST

START_TEST(code_chars) {
  const char *refused = "may contain only letters, digits, '.', '_' and '-'";
  expect_none("{\"code\": \"Az09._-\"}", VALIDATE_PATCH);
  expect_one("{\"code\": \"a b\"}", VALIDATE_PATCH, "code", refused);
  expect_one("{\"code\": \"ł\"}", VALIDATE_PATCH, "code", refused);
  expect_one("{\"code\": \"a/b\"}", VALIDATE_PATCH, "code", refused);
  expect_one("{\"code\": \"a\\nb\"}", VALIDATE_PATCH, "code", refused);
  expect_one("{\"code\": \"123456789012345678901234567890123\"}", VALIDATE_PATCH, "code",
             "must have at most 32 characters");
}
END_TEST

START_TEST(string_arrays) {
  expect_none("{\"tags\": [\"a\", \"bcdef\"]}", VALIDATE_PATCH);
  expect_one("{\"tags\": \"a\"}", VALIDATE_PATCH, "tags", "must be an array of strings");
  expect_one("{\"tags\": [\"a\", 1]}", VALIDATE_PATCH, "tags", "must be an array of strings");
  expect_one("{\"tags\": [\"a b\"]}", VALIDATE_PATCH, "tags", NULL);
  expect_one("{\"tags\": [\"abcdef\"]}", VALIDATE_PATCH, "tags", "must have at most 5 characters");
  expect_one("{\"tags\": [\"\"]}", VALIDATE_PATCH, "tags", "must have at least 1 characters");
  /* one error per field even when several items are bad */
  expect_one("{\"tags\": [\"a b\", \"c d\", 3]}", VALIDATE_PATCH, "tags", NULL);
}
END_TEST

START_TEST(all_errors_at_once) {
  json_t *errors = run("{\"name\": \"a\\nb\", \"count\": 99, \"flag\": \"yes\", \"colour\": \"blue\"}", VALIDATE_PATCH);
  assert_fields(errors, "four bad fields", "name", "count", "flag", "colour", NULL);
  ck_assert_str_eq(message_of(errors, "count"), "must be between 1 and 10");
  ck_assert_str_eq(message_of(errors, "flag"), "must be true or false");
  json_decref(errors);

  /* bad values, unknown fields and missing required fields together */
  errors = run("{\"name\": 7, \"count\": 0, \"extra\": {}, \"tags\": [1], \"note\": \"12345678901\"}", VALIDATE_CREATE);
  assert_fields(errors, "mixed", "name", "count", "extra", "tags", "note", "code", NULL);
  ck_assert_str_eq(message_of(errors, "code"), "is required");
  ck_assert_str_eq(message_of(errors, "extra"), "is not a known field");
  json_decref(errors);
}
END_TEST

START_TEST(errors_append_to_existing) {
  json_t *errors = json_array();
  errors_add(errors, "earlier", MSG_REQUIRED);
  json_t *body = J("{\"count\": 0}");
  ck_assert_int_eq(validate_object(body, SPECS, VALIDATE_PATCH, errors), 1);
  ck_assert_uint_eq(json_array_size(errors), 2);
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "field")), "earlier");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 1), "field")), "count");
  json_decref(body);
  json_decref(errors);
}
END_TEST

START_TEST(body_not_object) {
  const char *bodies[] = {"[]", "[{\"name\": \"x\"}]", "\"name\"", "1", "null", "true"};
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    json_t *errors = run(bodies[i], VALIDATE_CREATE);
    assert_fields(errors, bodies[i], "", NULL);
    ck_assert_str_eq(message_of(errors, ""), "request body must be a JSON object");
    json_decref(errors);
  }
  json_t *errors = json_array();
  ck_assert_int_eq(validate_object(NULL, SPECS, VALIDATE_PATCH, errors), 1);
  ck_assert_uint_eq(json_array_size(errors), 1);
  json_decref(errors);
}
END_TEST

START_TEST(errors_add_formats) {
  json_t *errors = json_array();
  errors_add(errors, "limit", MSG_OUT_OF_RANGE, 1LL, 200LL);
  errors_add(errors, "code", MSG_PROCESS_CODE, "GZ, GR or GW", "GZ 8");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 0), "message")),
                   "must be between 1 and 200");
  ck_assert_str_eq(json_string_value(json_object_get(json_array_get(errors, 1), "message")),
                   "must start with GZ, GR or GW followed by a number (e.g. GZ 8)");
  json_decref(errors);
  /* every catalogue message exists */
  for (int id = 0; id < MSG__COUNT; id++) {
    ck_assert_msg(msg_text((msg_id)id) != NULL && *msg_text((msg_id)id) != '\0', "message %d is missing", id);
  }
}
END_TEST

/* ---- UTF-8 ------------------------------------------------------------------------------- */

static int valid(const char *s) {
  return utf8_valid(s, strlen(s));
}

START_TEST(utf8_validity) {
  ck_assert_int_eq(valid(""), 1);
  ck_assert_int_eq(valid("plain ASCII"), 1);
  ck_assert_int_eq(valid("Zażółć gęślą jaźń ŹŻĆŃĄŚŁĘÓ"), 1);
  ck_assert_int_eq(valid("\xF0\x9F\x98\x80"), 1); /* U+1F600 */
  ck_assert_int_eq(valid("\xF4\x8F\xBF\xBF"), 1); /* U+10FFFF */
  ck_assert_int_eq(valid("\xEE\x80\x80"), 1);     /* U+E000, just past the surrogates */
  ck_assert_int_eq(valid("\xED\x9F\xBF"), 1);     /* U+D7FF, just before */
  ck_assert_int_eq(valid("\xC2\x80"), 1);         /* U+0080, shortest 2-byte */

  ck_assert_int_eq(valid("\xC0\xAF"), 0);         /* overlong '/' */
  ck_assert_int_eq(valid("\xC1\xBF"), 0);         /* overlong */
  ck_assert_int_eq(valid("\xE0\x80\xAF"), 0);     /* overlong, 3 bytes */
  ck_assert_int_eq(valid("\xF0\x80\x80\xAF"), 0); /* overlong, 4 bytes */
  ck_assert_int_eq(valid("\xED\xA0\x80"), 0);     /* U+D800 surrogate */
  ck_assert_int_eq(valid("\xED\xBF\xBF"), 0);     /* U+DFFF surrogate */
  ck_assert_int_eq(valid("\xF4\x90\x80\x80"), 0); /* past U+10FFFF */
  ck_assert_int_eq(valid("\xE2\x82"), 0);         /* truncated euro sign */
  ck_assert_int_eq(valid("\xE2\x82"
                         "a"),
                   0);                   /* truncated, then ASCII */
  ck_assert_int_eq(valid("ok \xC4"), 0); /* truncated at the end */
  ck_assert_int_eq(valid("\x80"), 0);    /* bare continuation */
  ck_assert_int_eq(valid("a\xBF"
                         "b"),
                   0);
  ck_assert_int_eq(valid("\xFF"), 0);
  ck_assert_int_eq(valid("\xFE"), 0);
  ck_assert_int_eq(valid("\xF8\x88\x80\x80\x80"), 0); /* 5-byte form */
  /* a NUL byte inside the given length */
  ck_assert_int_eq(utf8_valid("a\0b", 3), 0);
  ck_assert_int_eq(utf8_valid("a\0b", 1), 1);
  /* the length bounds the check: "ą" cut after its first byte */
  ck_assert_int_eq(utf8_valid("ą", 1), 0);
  ck_assert_int_eq(utf8_valid("ą", 2), 1);
}
END_TEST

START_TEST(text_control_characters) {
  static const char *const BAD[] = {"\x01",         "a\x1b[31m",    "\x7f", "\xc2\x80", "\xc2\x85", "\xc2\x9f",
                                    "\xe2\x80\xa8", "\xe2\x80\xa9", "\n",   "\r",       "\t"};
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    ck_assert_msg(text_has_control(BAD[i], strlen(BAD[i]), 0) == 1, "missed %zu", i);
  }
  ck_assert_int_eq(text_has_control("a\0b", 3, 0), 1);
  ck_assert_int_eq(text_has_control("a\0b", 3, 1), 1);
  ck_assert_int_eq(text_has_control("a\nb\r\tc", 6, 1), 0);
  ck_assert_int_eq(text_has_control("a\x1b", 2, 1), 1);
  /* neighbours of the refused ranges: NBSP, U+00A1, U+2027, U+202A, and plain text */
  static const char *const GOOD[] = {"\xc2\xa0", "\xc2\xa1", "\xe2\x80\xa7", "\xe2\x80\xaa", "Zażółć ~ \"x\"", ""};
  for (size_t i = 0; i < sizeof GOOD / sizeof GOOD[0]; i++) {
    ck_assert_msg(text_has_control(GOOD[i], strlen(GOOD[i]), 0) == 0, "refused %zu", i);
  }
}
END_TEST

START_TEST(utf8_lengths) {
  ck_assert_uint_eq(utf8_length("", 0), 0);
  ck_assert_uint_eq(utf8_length("abc", 3), 3);
  ck_assert_uint_eq(utf8_length("Zażółć", strlen("Zażółć")), 6);
  ck_assert_uint_eq(strlen("Zażółć"), 10);
  ck_assert_uint_eq(utf8_length("\xF0\x9F\x98\x80!", 5), 2);
}
END_TEST

/* ---- workflow ---------------------------------------------------------------------------- */

static const char *const DOC_STATES[] = {"draft", "review", "published", "archived", NULL};
static const struct workflow_step DOC_STEPS[] = {
    {"draft", "review", ROLE_ANY, NULL},
    {"review", "published", ROLE_PLENIPOTENTIARY, NULL},
    {"review", "draft", ROLE_PLENIPOTENTIARY, "reason"},
    {"published", "archived", ROLE_PLENIPOTENTIARY | ROLE_PRESIDENT, NULL},
};
static const struct workflow DOC_FLOW = {DOC_STATES, DOC_STEPS, sizeof DOC_STEPS / sizeof DOC_STEPS[0]};

START_TEST(workflow_steps) {
  const struct workflow_step *s = workflow_step(&DOC_FLOW, "draft", "review");
  ck_assert_ptr_eq(s, &DOC_STEPS[0]);
  ck_assert_uint_eq(s->roles, ROLE_ANY);
  ck_assert_ptr_null(s->requires);
  s = workflow_step(&DOC_FLOW, "review", "draft");
  ck_assert_ptr_nonnull(s);
  ck_assert_str_eq(s->requires, "reason");
  ck_assert_uint_eq(s->roles, ROLE_PLENIPOTENTIARY);
  s = workflow_step(&DOC_FLOW, "published", "archived");
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(s->roles & ROLE_PRESIDENT, ROLE_PRESIDENT);
  /* no such step: skipping a state, going back, staying, unknown states */
  ck_assert_ptr_null(workflow_step(&DOC_FLOW, "draft", "published"));
  ck_assert_ptr_null(workflow_step(&DOC_FLOW, "archived", "published"));
  ck_assert_ptr_null(workflow_step(&DOC_FLOW, "review", "review"));
  ck_assert_ptr_null(workflow_step(&DOC_FLOW, "nowhere", "review"));
  ck_assert_ptr_null(workflow_step(&DOC_FLOW, "draft", "Review"));
}
END_TEST

static int wf_errors(const char *text, json_t **errors_out) {
  json_t *body = J(text);
  json_t *errors = json_array();
  int n = workflow_validate_body(&DOC_FLOW, body, errors);
  ck_assert_uint_eq(json_array_size(errors), (size_t)n);
  json_decref(body);
  *errors_out = errors;
  return n;
}

START_TEST(workflow_bodies) {
  json_t *errors;
  ck_assert_int_eq(wf_errors("{\"to\": \"review\"}", &errors), 0);
  json_decref(errors);
  ck_assert_int_eq(wf_errors("{\"to\": \"draft\", \"reason\": \"needs work\\nsee notes\"}", &errors), 0);
  json_decref(errors);
  ck_assert_int_eq(wf_errors("{\"to\": \"draft\", \"reason\": null}", &errors), 0);
  json_decref(errors);

  ck_assert_int_eq(wf_errors("{}", &errors), 1);
  assert_fields(errors, "{}", "to", NULL);
  ck_assert_str_eq(message_of(errors, "to"), "is required");
  json_decref(errors);

  ck_assert_int_eq(wf_errors("{\"to\": \"gone\"}", &errors), 1);
  ck_assert_str_eq(message_of(errors, "to"), "must be one of: draft, review, published, archived");
  json_decref(errors);

  ck_assert_int_eq(wf_errors("{\"to\": 3}", &errors), 1);
  ck_assert_str_eq(message_of(errors, "to"), "must be a string");
  json_decref(errors);

  ck_assert_int_eq(wf_errors("{\"to\": \"review\", \"reason\": \"\"}", &errors), 1);
  assert_fields(errors, "empty reason", "reason", NULL);
  json_decref(errors);

  ck_assert_int_eq(wf_errors("[\"review\"]", &errors), 1);
  assert_fields(errors, "array body", "", NULL);
  json_decref(errors);

  /* all at once */
  ck_assert_int_eq(wf_errors("{\"to\": \"x\", \"reason\": \"\\u0001\", \"comment\": \"hi\"}", &errors), 3);
  assert_fields(errors, "three bad", "to", "reason", "comment", NULL);
  json_decref(errors);

  /* reason is capped at 2000 characters (of Polish text, too) */
  char *reason = malloc(2001 * 2 + 1);
  for (size_t i = 0; i < 2001; i++) {
    memcpy(reason + 2 * i, "ę", 2);
  }
  reason[2001 * 2] = '\0';
  json_t *body = json_pack("{s:s, s:s#}", "to", "review", "reason", reason, (int)(2000 * 2));
  errors = json_array();
  ck_assert_int_eq(workflow_validate_body(&DOC_FLOW, body, errors), 0);
  json_decref(body);
  body = json_pack("{s:s, s:s}", "to", "review", "reason", reason);
  ck_assert_int_eq(workflow_validate_body(&DOC_FLOW, body, errors), 1);
  ck_assert_str_eq(message_of(errors, "reason"), "must have at most 2000 characters");
  json_decref(body);
  json_decref(errors);
  free(reason);
}
END_TEST

static Suite *validate_suite(void) {
  Suite *s = suite_create("validate");
  TCase *tc = tcase_create("object");
  tcase_add_test(tc, valid_create_body);
  tcase_add_test(tc, code_chars_with_slash);
  tcase_add_test(tc, length_counts_characters);
  tcase_add_test(tc, integers);
  tcase_add_test(tc, booleans);
  tcase_add_test(tc, nullable);
  tcase_add_test(tc, required_in_create_not_in_patch);
  tcase_add_test(tc, unknown_fields);
  tcase_add_test(tc, enums);
  tcase_add_test(tc, control_characters);
  tcase_add_test(tc, nul_inside_string);
  tcase_add_test(tc, code_chars);
  tcase_add_test(tc, string_arrays);
  tcase_add_test(tc, all_errors_at_once);
  tcase_add_test(tc, errors_append_to_existing);
  tcase_add_test(tc, body_not_object);
  tcase_add_test(tc, errors_add_formats);
  suite_add_tcase(s, tc);

  TCase *u = tcase_create("utf8");
  tcase_add_test(u, utf8_validity);
  tcase_add_test(u, utf8_lengths);
  tcase_add_test(u, text_control_characters);
  suite_add_tcase(s, u);

  TCase *w = tcase_create("workflow");
  tcase_add_test(w, workflow_steps);
  tcase_add_test(w, workflow_bodies);
  suite_add_tcase(s, w);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(validate_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
