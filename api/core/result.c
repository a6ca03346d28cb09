#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"
#include "validate.h"

void result_reset(struct result *r) {
  json_decref(r->errors);
  json_decref(r->body);
  free(r->raw_body);
  if (r->spool != NULL) {
    fclose(r->spool);
  }
  free(r->next_cursor);
  memset(r, 0, sizeof *r);
}

void result_problem(struct result *r, problem_kind kind, msg_id detail, ...) {
  va_list ap;
  json_decref(r->body);
  r->body = NULL;
  free(r->raw_body);
  r->raw_body = NULL;
  if (r->spool != NULL) {
    fclose(r->spool);
    r->spool = NULL;
  }
  r->kind = kind;
  r->status = problem_info(kind)->status;
  va_start(ap, detail);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  vsnprintf(r->detail, sizeof r->detail, msg_text(detail), ap);
#pragma GCC diagnostic pop
  va_end(ap);
}

void result_invalid(struct result *r, json_t *errors) {
  int n = (int)json_array_size(errors);
  result_problem(r, PROBLEM_VALIDATION, MSG_FIELDS_INVALID, n);
  json_decref(r->errors);
  r->errors = errors;
}

void result_json(struct result *r, int status, json_t *body) {
  json_decref(r->body);
  r->status = status;
  r->body = body;
}

void result_raw(struct result *r, int status, const char *text) {
  free(r->raw_body);
  r->status = status;
  r->raw_body = strdup(text);
}

void result_raw_owned(struct result *r, int status, char *text) {
  if (text == NULL) {
    result_problem(r, PROBLEM_INTERNAL, MSG_INTERNAL); /* out of memory is ours, not the caller's */
    return;
  }
  free(r->raw_body);
  r->raw_body = text;
  r->status = status;
}

void result_bad_paramv(struct result *r, problem_kind kind, const char *field, msg_id message, va_list ap) {
  char text[256];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  vsnprintf(text, sizeof text, msg_text(message), ap);
#pragma GCC diagnostic pop
  json_decref(r->body);
  r->body = NULL;
  free(r->raw_body);
  r->raw_body = NULL;
  r->kind = kind;
  r->status = problem_info(kind)->status;
  snprintf(r->detail, sizeof r->detail, "%.64s %.180s", field, text);
  json_decref(r->errors);
  r->errors = json_pack("[{s:s, s:s}]", "field", field, "message", text);
}

void result_bad_param(struct result *r, problem_kind kind, const char *field, msg_id message, ...) {
  va_list ap;
  va_start(ap, message);
  result_bad_paramv(r, kind, field, message, ap);
  va_end(ap);
}

void result_duplicate(struct result *r, const char *field, msg_id message) {
  json_t *errors = json_array();
  errors_add(errors, field, message);
  result_problem(r, PROBLEM_CONFLICT, message);
  json_decref(r->errors);
  r->errors = errors;
}

void result_duplicate_of(struct result *r, const char *field, long long id, const char *location) {
  char text[32];
  snprintf(text, sizeof text, "%lld", id);
  json_t *errors = json_array();
  errors_add(errors, field, MSG_DUPLICATE_EXISTING, text);
  json_object_set_new(json_array_get(errors, 0), "existing_id", json_integer(id));
  char message[128];
  result_problem(r, PROBLEM_CONFLICT, MSG_DUPLICATE_EXISTING, text);
  snprintf(r->detail, sizeof r->detail, "%s %s", field,
           msg_format(message, sizeof message, MSG_DUPLICATE_EXISTING, text));
  json_decref(r->errors);
  r->errors = errors;
  r->existing_id = id;
  snprintf(r->location, sizeof r->location, "%s", location);
}

void result_csv(struct result *r, const char *header, const char *text, size_t len) {
  size_t hlen = header ? strlen(header) : 0;
  free(r->raw_body);
  r->raw_body = malloc(3 + hlen + 2 + len + 1);
  if (r->raw_body == NULL) {
    result_problem(r, PROBLEM_INTERNAL, MSG_INTERNAL); /* out of memory is ours, not the caller's */
    return;
  }
  char *p = r->raw_body;
  memcpy(p, "\xEF\xBB\xBF", 3);
  p += 3;
  if (hlen > 0) {
    memcpy(p, header, hlen);
    memcpy(p + hlen, "\r\n", 2);
    p += hlen + 2;
  }
  memcpy(p, text, len);
  p[len] = '\0';
  r->content_type = "text/csv; charset=utf-8";
  r->status = 200;
}

void result_csv_too_large(struct result *r) {
  result_problem(r, PROBLEM_EXPORT_TOO_LARGE, MSG_EXPORT_TOO_LARGE, CSV_MAX_ROWS);
}

int result_csv_begin(struct result *r, const char *header) {
  if (r->spool != NULL) {
    fclose(r->spool);
  }
  r->spool = tmpfile();
  if (r->spool == NULL || fputs("\xEF\xBB\xBF", r->spool) == EOF || fputs(header, r->spool) == EOF ||
      fputs("\r\n", r->spool) == EOF) {
    result_problem(r, PROBLEM_INTERNAL, MSG_INTERNAL); /* no room for the export is ours */
    return -1;
  }
  return 0;
}

int result_csv_row(struct result *r, const char *text, size_t len) {
  int crlf = len >= 2 && text[len - 2] == '\r' && text[len - 1] == '\n';
  if (r->spool == NULL || fwrite(text, 1, len, r->spool) != len || (!crlf && fputs("\r\n", r->spool) == EOF)) {
    result_problem(r, PROBLEM_INTERNAL, MSG_INTERNAL);
    return -1;
  }
  return 0;
}

void result_csv_end(struct result *r) {
  if (r->spool == NULL || fflush(r->spool) != 0) {
    result_problem(r, PROBLEM_INTERNAL, MSG_INTERNAL);
    return;
  }
  r->content_type = "text/csv; charset=utf-8";
  r->status = 200;
}
