#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "timefmt.h"
#include "validate.h"

void errors_add(json_t *errors, const char *field, msg_id id, ...) {
  char text[256];
  va_list ap;
  va_start(ap, id);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  vsnprintf(text, sizeof text, msg_text(id), ap);
#pragma GCC diagnostic pop
  va_end(ap);
  json_array_append_new(errors, json_pack("{s:s, s:s}", "field", field, "message", text));
}

int field_has_error(const json_t *errors, const char *field) {
  size_t i;
  const json_t *e;
  json_array_foreach(errors, i, e) {
    const char *f = json_string_value(json_object_get(e, "field"));
    if (f && strcmp(f, field) == 0) {
      return 1;
    }
  }
  return 0;
}

size_t utf8_length(const char *s, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (((unsigned char)s[i] & 0xC0) != 0x80) {
      n++;
    }
  }
  return n;
}

int utf8_valid(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < len) {
    unsigned char c = p[i];
    size_t extra;
    unsigned int cp;
    if (c == 0) {
      return 0;
    } else if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return 0;
    }
    if (i + extra >= len) {
      return 0;
    }
    for (size_t k = 1; k <= extra; k++) {
      if ((p[i + k] & 0xC0) != 0x80) {
        return 0;
      }
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    /* overlong forms, surrogates and values past U+10FFFF are not UTF-8 */
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return 0;
    }
    i += extra + 1;
  }
  return 1;
}

/* C0 and DEL, C1 (U+0080..U+009F, UTF-8 C2 80..C2 9F) and the Unicode line and paragraph
 * separators (U+2028, U+2029), which break lines as surely as \n. */
int text_has_control(const char *s, size_t len, int allow_whitespace) {
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == 0xC2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 && (unsigned char)s[i + 1] <= 0x9F) {
      return 1;
    }
    if (c == 0xE2 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
        ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
      return 1;
    }
    if (c < 0x20 || c == 0x7F) {
      if (allow_whitespace && (c == '\n' || c == '\r' || c == '\t')) {
        continue;
      }
      return 1;
    }
  }
  return 0;
}

static int code_chars_only(const char *s, size_t len, int slash) {
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-' || (slash && c == '/'))) {
      return 0;
    }
  }
  return 1;
}

static void join_one_of(const char *const *one_of, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; one_of[i] != NULL && used < len; i++) {
    int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", one_of[i]);
    if (w < 0) {
      break;
    }
    used += (size_t)w;
  }
}

static int check_string(const struct field_spec *f, const json_t *v, json_t *errors) {
  const char *s = json_string_value(v);
  size_t bytes = json_string_length(v);
  size_t chars = utf8_length(s, bytes);
  if (chars < f->min_len) {
    errors_add(errors, f->name, MSG_TOO_SHORT, f->min_len);
    return 1;
  }
  if (f->max_len && chars > f->max_len) {
    errors_add(errors, f->name, MSG_TOO_LONG, f->max_len);
    return 1;
  }
  if ((f->flags & V_SINGLE_LINE) && text_has_control(s, bytes, 0)) {
    errors_add(errors, f->name, MSG_CONTROL_CHARS);
    return 1;
  }
  if ((f->flags & V_TEXT) && text_has_control(s, bytes, 1)) {
    errors_add(errors, f->name, MSG_CONTROL_CHARS);
    return 1;
  }
  if ((f->flags & V_CODE_CHARS) && !code_chars_only(s, bytes, (f->flags & V_SLASH) != 0)) {
    errors_add(errors, f->name, (f->flags & V_SLASH) ? MSG_BAD_CODE_SLASH_CHARS : MSG_BAD_CODE_CHARS);
    return 1;
  }
  if (f->one_of) {
    for (size_t i = 0; f->one_of[i] != NULL; i++) {
      if (strcmp(f->one_of[i], s) == 0) {
        return 0;
      }
    }
    char allowed[256];
    join_one_of(f->one_of, allowed, sizeof allowed);
    errors_add(errors, f->name, MSG_NOT_ONE_OF, allowed);
    return 1;
  }
  return 0;
}

static int decimal_string_valid(const char *s) {
  size_t i = 0, before = 0, after = 0;
  if (s[i] == '-') i++;
  while (s[i] >= '0' && s[i] <= '9') {
    i++;
    before++;
  }
  if (s[i] == '.') {
    i++;
    while (s[i] >= '0' && s[i] <= '9') {
      i++;
      after++;
    }
    if (after == 0) return 0;
  }
  return s[i] == '\0' && before >= 1 && before <= 18 && after <= 6;
}

int decimal_text(const json_t *v, char *out, size_t len) {
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    if (!decimal_string_valid(s) || strlen(s) >= len) return -1;
    memcpy(out, s, strlen(s) + 1);
    return 0;
  }
  if (json_is_integer(v)) {
    long long n = (long long)json_integer_value(v);
    if (n <= -1000000000000000000LL || n >= 1000000000000000000LL) return -1;
    snprintf(out, len, "%lld", n);
    return 0;
  }
  if (json_is_real(v)) {
    double d = json_real_value(v);
    if (!isfinite(d) || fabs(d) >= 1e18) return -1;
    snprintf(out, len, "%.6f", d);
    /* a JSON number has no scale of its own: drop the padding */
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '0')
      out[--n] = '\0';
    if (n > 0 && out[n - 1] == '.') out[--n] = '\0';
    if (strcmp(out, "-0") == 0) snprintf(out, len, "0");
    return 0;
  }
  return -1;
}

int date_valid(const char *s) {
  static const int DAYS[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
  for (int i = 0; i < 10; i++) {
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return 0;
  }
  int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return 0;
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= DAYS[m - 1] + (m == 2 && leap);
}

static int check_value(const struct field_spec *f, const json_t *v, json_t *errors) {
  if (json_is_null(v)) {
    if (f->flags & V_NULLABLE) {
      return 0;
    }
    errors_add(errors, f->name, MSG_MUST_NOT_BE_NULL);
    return 1;
  }
  switch (f->type) {
  case VT_STRING:
    if (!json_is_string(v)) {
      errors_add(errors, f->name, MSG_MUST_BE_STRING);
      return 1;
    }
    return check_string(f, v, errors);
  case VT_INTEGER:
    if (!json_is_integer(v)) {
      errors_add(errors, f->name, MSG_MUST_BE_INTEGER);
      return 1;
    }
    if (f->min < f->max && (json_integer_value(v) < f->min || json_integer_value(v) > f->max)) {
      errors_add(errors, f->name, MSG_OUT_OF_RANGE, f->min, f->max);
      return 1;
    }
    return 0;
  case VT_BOOLEAN:
    if (!json_is_boolean(v)) {
      errors_add(errors, f->name, MSG_MUST_BE_BOOLEAN);
      return 1;
    }
    return 0;
  case VT_DECIMAL: {
    char text[64];
    if (decimal_text(v, text, sizeof text) != 0) {
      errors_add(errors, f->name, MSG_MUST_BE_DECIMAL);
      return 1;
    }
    return 0;
  }
  case VT_DATE:
    if (!json_is_string(v) || !date_valid(json_string_value(v))) {
      errors_add(errors, f->name, MSG_MUST_BE_DATE);
      return 1;
    }
    return 0;
  case VT_TIMESTAMP: {
    time_t t;
    if (!json_is_string(v) || rfc3339_parse(json_string_value(v), &t) != 0) {
      errors_add(errors, f->name, MSG_MUST_BE_TIMESTAMP);
      return 1;
    }
    return 0;
  }
  case VT_INTEGER_ARRAY: {
    size_t i;
    const json_t *item;
    if (!json_is_array(v)) {
      errors_add(errors, f->name, MSG_MUST_BE_ARRAY_OF_INTEGERS);
      return 1;
    }
    if (f->max_items && json_array_size(v) > f->max_items) {
      errors_add(errors, f->name, MSG_TOO_MANY_ITEMS, f->max_items);
      return 1;
    }
    json_array_foreach(v, i, item) {
      if (!json_is_integer(item) ||
          (f->min < f->max && (json_integer_value(item) < f->min || json_integer_value(item) > f->max))) {
        errors_add(errors, f->name, MSG_MUST_BE_ARRAY_OF_INTEGERS);
        return 1;
      }
    }
    return 0;
  }
  case VT_OBJECT:
    if (!json_is_object(v)) {
      errors_add(errors, f->name, MSG_MUST_BE_OBJECT);
      return 1;
    }
    return 0;
  case VT_OBJECT_ARRAY: {
    size_t i;
    const json_t *item;
    if (!json_is_array(v)) {
      errors_add(errors, f->name, MSG_MUST_BE_ARRAY_OF_OBJECTS);
      return 1;
    }
    if (f->max_items && json_array_size(v) > f->max_items) {
      errors_add(errors, f->name, MSG_TOO_MANY_ITEMS, f->max_items);
      return 1;
    }
    json_array_foreach(v, i, item) {
      if (!json_is_object(item)) {
        errors_add(errors, f->name, MSG_MUST_BE_ARRAY_OF_OBJECTS);
        return 1;
      }
    }
    return 0;
  }
  case VT_STRING_ARRAY: {
    size_t i;
    const json_t *item;
    if (!json_is_array(v)) {
      errors_add(errors, f->name, MSG_MUST_BE_ARRAY_OF_STRINGS);
      return 1;
    }
    if (f->max_items && json_array_size(v) > f->max_items) {
      errors_add(errors, f->name, MSG_TOO_MANY_ITEMS, f->max_items);
      return 1;
    }
    if (f->flags & V_UNIQUE) {
      for (size_t a = 0; a < json_array_size(v); a++) {
        for (size_t b = a + 1; b < json_array_size(v); b++) {
          if (json_equal(json_array_get(v, a), json_array_get(v, b))) {
            errors_add(errors, f->name, MSG_DUPLICATE_ITEMS);
            return 1;
          }
        }
      }
    }
    json_array_foreach(v, i, item) {
      if (!json_is_string(item)) {
        errors_add(errors, f->name, MSG_MUST_BE_ARRAY_OF_STRINGS);
        return 1;
      }
      if (check_string(f, item, errors)) {
        return 1;
      }
    }
    return 0;
  }
  }
  return 0;
}

int validate_object(const json_t *body, const struct field_spec *specs, enum validate_mode mode, json_t *errors) {
  int count = 0;
  const char *key;
  const json_t *value;
  if (!json_is_object(body)) {
    errors_add(errors, "", MSG_BODY_NOT_OBJECT);
    return 1;
  }
  json_object_foreach((json_t *)body, key, value) {
    const struct field_spec *f = NULL;
    for (const struct field_spec *s = specs; s->name != NULL; s++) {
      if (strcmp(s->name, key) == 0) {
        f = s;
        break;
      }
    }
    if (f == NULL) {
      errors_add(errors, key, MSG_UNKNOWN_FIELD);
      count++;
      continue;
    }
    count += check_value(f, value, errors);
  }
  if (mode == VALIDATE_CREATE) {
    for (const struct field_spec *s = specs; s->name != NULL; s++) {
      if ((s->flags & V_REQUIRED) && json_object_get(body, s->name) == NULL) {
        errors_add(errors, s->name, MSG_REQUIRED);
        count++;
      }
    }
  }
  return count;
}
