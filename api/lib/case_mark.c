#include <stdio.h>
#include <string.h>

#include "case_mark.h"
#include "validate.h"

#define MAX_PARTS (CASE_MARK_MAX / 2 + 1)

struct span {
  const char *s;
  size_t len;
};

/* Bytes of the letter at s (1 ASCII, 2 a Polish one in UTF-8), 0 when s is no letter. */
static size_t letter_len(const unsigned char *s) {
  if ((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z')) {
    return 1;
  }
  /* Ą ą Ć ć Ę ę (C4 84..87, 98..99), Ł ł Ń ń Ś ś Ź ź Ż ż (C5 81..84, 9A..9B, B9..BC), Ó ó (C3 93, B3) */
  if (s[0] == 0xC4 && ((s[1] >= 0x84 && s[1] <= 0x87) || s[1] == 0x98 || s[1] == 0x99)) {
    return 2;
  }
  if (s[0] == 0xC5 &&
      ((s[1] >= 0x81 && s[1] <= 0x84) || s[1] == 0x9A || s[1] == 0x9B || (s[1] >= 0xB9 && s[1] <= 0xBC))) {
    return 2;
  }
  if (s[0] == 0xC3 && (s[1] == 0x93 || s[1] == 0xB3)) {
    return 2;
  }
  return 0;
}

static int is_digit(char c) {
  return c >= '0' && c <= '9';
}

static int all_digits(struct span p) {
  for (size_t i = 0; i < p.len; i++) {
    if (!is_digit(p.s[i])) {
      return 0;
    }
  }
  return p.len > 0;
}

/* The number of letters in p when p is letters only, else -1. */
static int letters_only(struct span p) {
  int n = 0;
  for (size_t i = 0; i < p.len;) {
    size_t l = letter_len((const unsigned char *)p.s + i);
    if (l == 0 || i + l > p.len) {
      return -1;
    }
    i += l;
    n++;
  }
  return n;
}

/* A unit part: a letter first, then segments of letters and digits joined by single '-'. */
static int unit_part_valid(struct span p) {
  if (p.len == 0 || letter_len((const unsigned char *)p.s) == 0) {
    return 0;
  }
  size_t seg = 0; /* bytes in the current segment */
  for (size_t i = 0; i < p.len;) {
    if (p.s[i] == '-') {
      if (seg == 0) {
        return 0;
      }
      seg = 0;
      i++;
      continue;
    }
    size_t l = is_digit(p.s[i]) ? 1 : letter_len((const unsigned char *)p.s + i);
    if (l == 0 || i + l > p.len) {
      return 0;
    }
    seg += l;
    i += l;
  }
  return seg > 0;
}

static void copy_span(char *dst, size_t dstlen, struct span p) {
  size_t n = p.len < dstlen - 1 ? p.len : dstlen - 1;
  memcpy(dst, p.s, n);
  dst[n] = '\0';
}

enum case_mark_error case_mark_parse(const char *text, struct case_mark *out) {
  struct span parts[MAX_PARTS];
  size_t n = 0;
  size_t len = text ? strlen(text) : 0;
  if (out) {
    memset(out, 0, sizeof *out);
  }
  if (len == 0) {
    return CM_EMPTY;
  }
  if (len > CASE_MARK_MAX) {
    return CM_TOO_LONG;
  }
  /* the characters, then the parts between dots */
  for (size_t i = 0; i < len;) {
    size_t l =
        (is_digit(text[i]) || text[i] == '.' || text[i] == '-') ? 1 : letter_len((const unsigned char *)text + i);
    if (l == 0) {
      return CM_CHARACTER;
    }
    i += l;
  }
  const char *start = text;
  for (const char *p = text;; p++) {
    if (*p == '.' || *p == '\0') {
      if (p == start) {
        return CM_EMPTY_PART;
      }
      parts[n++] = (struct span){start, (size_t)(p - start)};
      if (*p == '\0') {
        break;
      }
      start = p + 1;
    }
  }
  if (n < 4) {
    return CM_TOO_FEW_PARTS;
  }
  /* from the right: initials, the year, the case number */
  size_t i = n - 1;
  struct span initials = {NULL, 0};
  if (!all_digits(parts[i])) {
    int letters = letters_only(parts[i]);
    if (is_digit(parts[i].s[0])) {
      return CM_YEAR;
    }
    if (letters < 1 || letters > 10) {
      return CM_AFTER_YEAR;
    }
    initials = parts[i];
    if (n < 5) {
      return CM_TOO_FEW_PARTS;
    }
    i--;
  }
  struct span year = parts[i];
  int y = 0;
  if (!all_digits(year) || year.len != 4) {
    return CM_YEAR;
  }
  for (size_t k = 0; k < 4; k++) {
    y = y * 10 + (year.s[k] - '0');
  }
  if (y < CASE_MARK_YEAR_MIN || y > CASE_MARK_YEAR_MAX) {
    return CM_YEAR;
  }
  struct span number = parts[i - 1];
  if (!all_digits(number) || number.s[0] == '0' || number.len > 7) {
    return CM_NUMBER;
  }
  /* the numbers before it: the class, and the sub-folder when there are two */
  size_t last = i - 2; /* the part just before the case number */
  size_t count = 0;
  while (count <= last && all_digits(parts[last - count])) {
    count++;
  }
  if (count == 0) {
    return CM_JRWA;
  }
  if (count > 2) {
    return CM_TOO_MANY_PARTS;
  }
  struct span jrwa = parts[last - count + 1];
  if (jrwa.len > 4) {
    return CM_JRWA;
  }
  struct span folder = {NULL, 0};
  if (count == 2) {
    folder = parts[last];
    if (folder.len > 4) {
      return CM_FOLDER;
    }
  }
  if (count == last + 1) {
    return CM_NO_UNIT;
  }
  size_t unit_parts = last + 1 - count;
  for (size_t k = 0; k < unit_parts; k++) {
    if (!unit_part_valid(parts[k])) {
      return CM_UNIT;
    }
  }
  if (out) {
    struct span unit = {text, (size_t)(parts[unit_parts - 1].s + parts[unit_parts - 1].len - text)};
    long num = 0;
    for (size_t k = 0; k < number.len; k++) {
      num = num * 10 + (number.s[k] - '0');
    }
    copy_span(out->unit, sizeof out->unit, unit);
    copy_span(out->jrwa, sizeof out->jrwa, jrwa);
    if (folder.s) {
      copy_span(out->folder, sizeof out->folder, folder);
    }
    if (initials.s) {
      copy_span(out->initials, sizeof out->initials, initials);
    }
    out->number = num;
    out->year = y;
    snprintf(out->key, sizeof out->key, "%s.%s%s%s.%ld.%d", out->unit, out->jrwa, out->folder[0] ? "." : "",
             out->folder, out->number, out->year);
  }
  return CM_OK;
}

msg_id case_mark_message(enum case_mark_error reason) {
  switch (reason) {
  case CM_OK:
    break;
  case CM_EMPTY:
    return MSG_REQUIRED;
  case CM_TOO_LONG:
    return MSG_CM_TOO_LONG;
  case CM_CHARACTER:
    return MSG_CM_CHARACTER;
  case CM_EMPTY_PART:
    return MSG_CM_EMPTY_PART;
  case CM_TOO_FEW_PARTS:
    return MSG_CM_TOO_FEW_PARTS;
  case CM_YEAR:
    return MSG_CM_YEAR;
  case CM_AFTER_YEAR:
    return MSG_CM_AFTER_YEAR;
  case CM_NUMBER:
    return MSG_CM_NUMBER;
  case CM_JRWA:
    return MSG_CM_JRWA;
  case CM_FOLDER:
    return MSG_CM_FOLDER;
  case CM_TOO_MANY_PARTS:
    return MSG_CM_TOO_MANY_PARTS;
  case CM_NO_UNIT:
    return MSG_CM_NO_UNIT;
  case CM_UNIT:
    return MSG_CM_UNIT;
  }
  return MSG_CM_CHARACTER;
}

static void collect(const json_t *doc, const char *path, const char *prefix, json_t *out) {
  const char *dot = strchr(path, '.');
  size_t head = dot ? (size_t)(dot - path) : strlen(path);
  int array = head >= 2 && strncmp(path + head - 2, "[]", 2) == 0;
  size_t keylen = array ? head - 2 : head;
  char key[64], here[256];
  if (!json_is_object(doc) || keylen == 0 || keylen >= sizeof key) {
    return;
  }
  memcpy(key, path, keylen);
  key[keylen] = '\0';
  snprintf(here, sizeof here, "%s%s%s", prefix, *prefix ? "." : "", key);
  const json_t *v = json_object_get(doc, key);
  if (array) {
    size_t i;
    const json_t *item;
    json_array_foreach(v, i, item) {
      char at[sizeof here + 24];
      snprintf(at, sizeof at, "%s[%zu]", here, i);
      if (dot) collect(item, dot + 1, at, out);
    }
  } else if (dot) {
    collect(v, dot + 1, here, out);
  } else if (json_is_string(v) && json_string_length(v) > 0) {
    json_array_append_new(out, json_pack("{s:s, s:O}", "field", here, "mark", v));
  }
}

json_t *case_marks_collect(const json_t *doc, const char *path) {
  json_t *out = json_array();
  if (out != NULL) {
    collect(doc, path, "", out);
  }
  return out;
}

int case_marks_errors(const json_t *marks, json_t *errors) {
  size_t i;
  const json_t *m;
  int n = 0;
  json_array_foreach(marks, i, m) {
    const char *text = json_string_value(json_object_get(m, "mark"));
    enum case_mark_error why = case_mark_parse(text, NULL);
    if (why != CM_OK) {
      errors_add(errors, json_string_value(json_object_get(m, "field")), case_mark_message(why));
      n++;
    }
  }
  return n;
}
