#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yder.h>
#include <zlib.h>

#include "cursor.h"
#include "http.h"
#include "render.h"
#include "routes.h"
#include "strbuf.h"
#include "uri.h"
#include "validate.h"

static void set_problem_of(struct req_ctx *c, problem_kind kind, const char *detail, const json_t *errors,
                           long long existing_id);

static void set_problem(struct req_ctx *c, problem_kind kind, const char *detail, const json_t *errors) {
  set_problem_of(c, kind, detail, errors, 0);
}

/* existing_id > 0: the record a 409 is about (its Location is set by the caller). */
static void set_problem_of(struct req_ctx *c, problem_kind kind, const char *detail, const json_t *errors,
                           long long existing_id) {
  const struct problem_info *info = problem_info(kind);
  json_t *body = json_pack("{s:s+, s:s, s:i, s:s, s:s}", "type", PROBLEM_TYPE_BASE, info->slug, "title", info->title,
                           "status", info->status, "detail", detail, "request_id", c->request_id);
  if (errors != NULL) {
    json_object_set(body, "errors", (json_t *)errors);
  }
  if (existing_id > 0) {
    json_object_set_new(body, "existing_id", json_integer(existing_id));
  }
  char *text = json_dumps(body, JSON_COMPACT);
  ulfius_set_string_body_response(c->resp, (unsigned int)info->status, text ? text : "{}");
  u_map_put(c->resp->map_header, "Content-Type", "application/problem+json");
  if (kind == PROBLEM_UNAUTHORIZED) {
    u_map_put(c->resp->map_header, "WWW-Authenticate", "Bearer error=\"invalid_token\"");
  } else if (kind == PROBLEM_SERVICE_UNAVAILABLE) {
    u_map_put(c->resp->map_header, "Retry-After", "5");
  }
  free(text);
  json_decref(body);
  c->rendered = 1;
}

void http_problem(struct req_ctx *c, problem_kind kind, msg_id detail, ...) {
  char text[256];
  va_list ap;
  va_start(ap, detail);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  vsnprintf(text, sizeof text, msg_text(detail), ap);
#pragma GCC diagnostic pop
  va_end(ap);
  set_problem(c, kind, text, NULL);
}

void http_problem_errors(struct req_ctx *c, problem_kind kind, const json_t *errors, msg_id detail, ...) {
  char text[256];
  va_list ap;
  va_start(ap, detail);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  vsnprintf(text, sizeof text, msg_text(detail), ap);
#pragma GCC diagnostic pop
  va_end(ap);
  set_problem(c, kind, text, errors);
}

const char *query_value(const struct req_ctx *c, const char *name) {
  int i = route_query_index(c->route, name);
  if (i < 0) {
    y_log_message(Y_LOG_LEVEL_ERROR, "request %s: %s %s reads query parameter %s, which the contract does not declare",
                  c->request_id, c->route->method, c->route->path, name);
    return NULL;
  }
  return c->query[i];
}

const char *page_key(const struct req_ctx *c, size_t i) {
  return json_string_value(json_array_get(c->after, i));
}

int if_match_ok(const struct req_ctx *c, long long revision, struct result *res) {
  if (c->if_match > 0 && c->if_match != revision) {
    result_problem(res, PROBLEM_PRECONDITION_FAILED, MSG_IF_MATCH_STALE);
    return 0;
  }
  return 1;
}

/* The opaque part of an entity tag, without W/ (If-None-Match compares weakly). */
static void opaque_tag(const char *t, const char **start, size_t *len) {
  if (strncmp(t, "W/", 2) == 0) t += 2;
  *start = t;
  *len = strlen(t);
}

int if_none_match_sent(const struct req_ctx *c) {
  return c != NULL && c->req != NULL && strcmp(c->req->http_verb, "GET") == 0 &&
         u_map_get_case(c->req->map_header, "If-None-Match") != NULL;
}

int if_none_match_holds(const struct req_ctx *c, const char *etag) {
  if (c == NULL || c->req == NULL || strcmp(c->req->http_verb, "GET") != 0) {
    return 0;
  }
  const char *v = u_map_get_case(c->req->map_header, "If-None-Match");
  if (v == NULL) {
    return 0;
  }
  const char *want;
  size_t want_len;
  opaque_tag(etag, &want, &want_len);
  /* a list of tags: "a", W/"b"; a tag's text has no comma (ours never do) */
  while (*v) {
    while (*v == ' ' || *v == '\t' || *v == ',')
      v++;
    const char *end = strchr(v, ',');
    size_t n = end ? (size_t)(end - v) : strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
      n--;
    if (n == 1 && v[0] == '*') {
      return 1;
    }
    if (n >= 2 && strncmp(v, "W/", 2) == 0) {
      v += 2;
      n -= 2;
    }
    if (n == want_len && n > 0 && memcmp(v, want, n) == 0) {
      return 1;
    }
    v += n;
  }
  return 0;
}

/* Bodies at least this long go gzip-encoded to a caller that accepts gzip (http_set_gzip). */
static size_t g_gzip_min_bytes = 1400;

void http_set_gzip(size_t min_bytes) {
  g_gzip_min_bytes = min_bytes;
}

/* 1 when Accept-Encoding accepts gzip: named (or "*") without q=0. */
static int accepts_gzip(const struct req_ctx *c) {
  const char *v = c->req ? u_map_get_case(c->req->map_header, "Accept-Encoding") : NULL;
  if (v == NULL) {
    return 0;
  }
  while (*v) {
    while (*v == ' ' || *v == ',')
      v++;
    size_t n = strcspn(v, ",");
    size_t name = strcspn(v, ";, ");
    int gzip = (name == 4 && strncasecmp(v, "gzip", 4) == 0) || (name == 1 && v[0] == '*');
    if (gzip) {
      /* q=0 (0, 0.0, 0.000) refuses it */
      const char *q = memchr(v, ';', n);
      if (q == NULL) return 1;
      q++;
      while (*q == ' ')
        q++;
      if (strncasecmp(q, "q=", 2) != 0) return 1;
      q += 2;
      if (*q != '0') return 1;
      q++;
      if (*q == '.') q++;
      while (*q == '0')
        q++;
      return !(*q == '\0' || *q == ',' || *q == ' ' || *q == ';') ? 1 : 0;
    }
    v += n;
  }
  return 0;
}

/* text (len bytes) gzip-compressed into *out (malloc'ed, caller frees), *out_len; -1 when
 * zlib failed (the caller then sends it plain). Level 1: most of the saving for a fraction of
 * the CPU of the default level on JSON and CSV (README, benchmark). */
static int gzip_bytes(const char *text, size_t len, unsigned char **out, size_t *out_len) {
  z_stream z = {0};
  if (deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return -1;
  }
  size_t cap = deflateBound(&z, (uLong)len);
  unsigned char *buf = malloc(cap);
  int rc = Z_STREAM_ERROR;
  if (buf != NULL) {
    z.next_in = (Bytef *)(uintptr_t)text;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    rc = deflate(&z, Z_FINISH);
  }
  deflateEnd(&z);
  if (rc != Z_STREAM_END) {
    free(buf);
    return -1;
  }
  *out = buf;
  *out_len = z.total_out;
  return 0;
}

/* Vary: Accept-Encoding, added to a Vary the response has already (Origin, for CORS). */
static void vary_accept_encoding(struct req_ctx *c) {
  const char *vary = u_map_get(c->resp->map_header, "Vary");
  if (vary == NULL) {
    u_map_put(c->resp->map_header, "Vary", "Accept-Encoding");
  } else if (strstr(vary, "Accept-Encoding") == NULL) {
    char both[128];
    snprintf(both, sizeof both, "%s, Accept-Encoding", vary);
    u_map_put(c->resp->map_header, "Vary", both);
  }
}

/* Sets a success body: gzip-encoded when it is long enough and the caller accepts gzip. */
static void send_body(struct req_ctx *c, int status, const char *text, size_t len, const char *content_type) {
  unsigned char *gz = NULL;
  size_t gz_len = 0;
  u_map_put(c->resp->map_header, "Content-Type", content_type);
  vary_accept_encoding(c);
  if (g_gzip_min_bytes > 0 && len >= g_gzip_min_bytes && accepts_gzip(c) && gzip_bytes(text, len, &gz, &gz_len) == 0) {
    ulfius_set_binary_body_response(c->resp, (unsigned int)status, (const char *)gz, gz_len);
    u_map_put(c->resp->map_header, "Content-Encoding", "gzip");
    free(gz);
  } else {
    ulfius_set_binary_body_response(c->resp, (unsigned int)status, text, len);
  }
}

void http_bad_param(struct req_ctx *c, problem_kind kind, const char *field, msg_id message, ...) {
  struct result res = {0};
  va_list ap;
  va_start(ap, message);
  result_bad_paramv(&res, kind, field, message, ap);
  va_end(ap);
  http_render(c, &res);
  result_reset(&res);
}

void http_invalid(struct req_ctx *c, json_t *errors) {
  struct result res = {0};
  result_invalid(&res, errors);
  http_render(c, &res);
  result_reset(&res);
}

int http_validate(struct req_ctx *c, const struct field_spec *specs, enum validate_mode mode) {
  json_t *errors = json_array();
  if (validate_object(c->body, specs, mode, errors) > 0) {
    http_invalid(c, errors);
    return -1;
  }
  json_decref(errors);
  return 0;
}

void http_json(struct req_ctx *c, int status, const json_t *body) {
  ulfius_set_json_body_response(c->resp, (unsigned int)status, body);
  c->rendered = 1;
}

char *link_next_url(const char *pattern, const char *const *path, const char *const *names, const char *const *values,
                    size_t n, const char *cursor) {
  struct strbuf b = {0};
  size_t k = 0;
  for (const char *p = pattern; *p;) {
    const char *open = strchr(p, '{');
    if (open == NULL) {
      strbuf_puts(&b, p);
      break;
    }
    strbuf_append(&b, p, (size_t)(open - p));
    uri_encode(&b, path[k++]);
    p = strchr(open, '}');
    p = p ? p + 1 : open + strlen(open);
  }
  strbuf_puts(&b, "?");
  for (size_t i = 0; i < n; i++) {
    if (values[i] != NULL && strcmp(names[i], "cursor") != 0) {
      uri_encode(&b, names[i]);
      strbuf_puts(&b, "=");
      uri_encode(&b, values[i]);
      strbuf_puts(&b, "&");
    }
  }
  strbuf_puts(&b, "cursor=");
  uri_encode(&b, cursor);
  return strbuf_steal(&b);
}

/* The Link header's next page: built from what the dispatcher parsed and checked (the path
 * values, then the query parameters the caller sent, in the route's order), never from the
 * raw request, whose text could close the <...> and add relations of its own. */
static void link_next(struct req_ctx *c, const char *cursor) {
  const struct route *rt = c->route;
  const char *path[ROUTE_MAX_PATH_PARAMS], *names[ROUTE_MAX_QUERY_PARAMS], *values[ROUTE_MAX_QUERY_PARAMS];
  for (size_t k = 0; k < ROUTE_MAX_PATH_PARAMS; k++) {
    path[k] = c->path[k];
  }
  for (size_t i = 0; i < rt->nquery; i++) {
    names[i] = rt->query[i].name;
    values[i] = u_map_get(c->req->map_url, names[i]) != NULL ? c->query[i] : NULL;
  }
  char *link = link_next_url(rt->path, path, names, values, rt->nquery, cursor);
  if (link != NULL) {
    size_t n = strlen(link) + 32;
    char *header = malloc(n);
    if (header != NULL) {
      snprintf(header, n, "<%s>; rel=\"next\"", link);
      u_map_put(c->resp->map_header, "Link", header);
      free(header);
    }
    free(link);
  }
}

/* A spooled body is read from its own descriptor (a dup of the spool's, which the result
 * closes when it is reset): the file lives, unlinked, until the stream is done. */
static ssize_t spool_read(void *fd, uint64_t offset, char *out, size_t max) {
  ssize_t n = pread((int)(intptr_t)fd, out, max, (off_t)offset);
  return n > 0 ? n : n == 0 ? U_STREAM_END : U_STREAM_ERROR;
}

static void spool_close(void *fd) {
  close((int)(intptr_t)fd);
}

/* The file of descriptor in (size bytes from offset 0) gzip-encoded into a new unlinked
 * temporary file, 64 KiB at a time (memory stays flat whatever the export's size): its
 * descriptor, or -1 when something failed (the caller sends the plain file). */
static int gzip_file(int in, off_t size) {
  FILE *out = tmpfile();
  z_stream z = {0};
  int ok = out != NULL && deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  int started = ok;
  unsigned char *buf_in = malloc(65536), *buf_out = malloc(65536);
  ok = ok && buf_in != NULL && buf_out != NULL;
  for (off_t at = 0; ok;) {
    ssize_t n = at < size ? pread(in, buf_in, 65536, at) : 0;
    if (n < 0) {
      ok = 0;
      break;
    }
    at += n;
    int flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
    z.next_in = buf_in;
    z.avail_in = (uInt)n;
    int rc;
    do {
      z.next_out = buf_out;
      z.avail_out = 65536;
      rc = deflate(&z, flush);
      size_t have = 65536 - z.avail_out;
      if (rc == Z_STREAM_ERROR || (have > 0 && fwrite(buf_out, 1, have, out) != have)) {
        ok = 0;
      }
    } while (ok && z.avail_out == 0);
    if (flush == Z_FINISH) {
      ok = ok && rc == Z_STREAM_END;
      break;
    }
  }
  if (started) {
    deflateEnd(&z);
  }
  free(buf_in);
  free(buf_out);
  int fd = ok && fflush(out) == 0 ? dup(fileno(out)) : -1;
  if (out != NULL) {
    fclose(out); /* the dup keeps the unlinked file */
  }
  return fd;
}

/* Sends the spool as a stream of known length, gzip-encoded (into a second temporary file)
 * when it is long enough and the caller accepts gzip; 0, or -1 when it cannot (nothing set). */
static int render_spool(struct req_ctx *c, const struct result *res) {
  struct stat st;
  int fd = fflush(res->spool) == 0 ? dup(fileno(res->spool)) : -1;
  if (fd >= 0 && fstat(fd, &st) == 0 && g_gzip_min_bytes > 0 && (size_t)st.st_size >= g_gzip_min_bytes &&
      accepts_gzip(c)) {
    int gz = gzip_file(fd, st.st_size);
    if (gz >= 0) {
      close(fd);
      fd = gz;
      u_map_put(c->resp->map_header, "Content-Encoding", "gzip");
    }
  }
  vary_accept_encoding(c);
  if (fd < 0 || fstat(fd, &st) != 0 ||
      ulfius_set_stream_response(c->resp, (unsigned int)res->status, spool_read, spool_close, (uint64_t)st.st_size,
                                 64 * 1024, (void *)(intptr_t)fd) != U_OK) {
    if (fd >= 0) {
      close(fd);
    }
    u_map_remove_from_key(c->resp->map_header, "Content-Encoding"); /* the problem that follows is plain */
    return -1;
  }
  u_map_put(c->resp->map_header, "Content-Type", res->content_type ? res->content_type : "application/octet-stream");
  return 0;
}

void http_render(struct req_ctx *c, const struct result *res) {
  if (res->status >= 400) {
    set_problem_of(c, res->kind, res->detail, res->errors, res->existing_id);
    if (res->existing_id > 0 && res->location[0]) {
      u_map_put(c->resp->map_header, "Location", res->location);
    }
    return;
  }
  char etag[32] = "";
  if (res->tag[0]) {
    snprintf(etag, sizeof etag, "%s", res->tag);
  } else if (res->etag > 0) {
    snprintf(etag, sizeof etag, "\"%lld\"", res->etag);
  }
  /* A page rendered in SQL is tagged by a hash of its body (page_result), so its 304 is decided
   * here. A record's revision is not compared here: many documents hold what their revision
   * does not cover (an objective's health from its readings, a card's days open), so only a
   * work that knows its document is its row answers 304 itself (render.c). */
  int not_modified = res->status == 304 || (res->status == 200 && res->tag[0] && if_none_match_holds(c, res->tag));
  if (not_modified) {
    c->resp->status = 304;
    vary_accept_encoding(c);
  } else if (res->spool != NULL) {
    if (render_spool(c, res) != 0) {
      y_log_message(Y_LOG_LEVEL_ERROR, "request %s: a spooled body could not be sent", c->request_id);
      set_problem_of(c, PROBLEM_INTERNAL, msg_text(MSG_INTERNAL), NULL, 0);
      return;
    }
  } else if (res->raw_body != NULL) {
    send_body(c, res->status, res->raw_body, strlen(res->raw_body),
              res->content_type ? res->content_type : "application/json");
  } else if (res->body != NULL) {
    /* 12 significant digits: a mean rounded to 3.429 is sent as 3.429, not 3.4289999999999998 */
    char *text = json_dumps(res->body, JSON_COMPACT | JSON_REAL_PRECISION(12));
    send_body(c, res->status, text ? text : "{}", text ? strlen(text) : 2, "application/json");
    free(text);
  } else {
    c->resp->status = res->status;
  }
  if (etag[0]) {
    u_map_put(c->resp->map_header, "ETag", etag);
  }
  if (res->location[0]) {
    u_map_put(c->resp->map_header, "Location", res->location);
  }
  if (res->next_cursor != NULL && c->route != NULL && !not_modified) {
    link_next(c, res->next_cursor);
  }
  c->rendered = 1;
}

int duplicate_found(struct db_tx *tx, struct result *res, const char *sql, int nparams, const char *const *params,
                    const char *field, const char *prefix) {
  enum db_status st;
  PGresult *r = db_row(tx, sql, nparams, params, &st);
  if (r == NULL) {
    return st == DB_ERROR ? -1 : 0;
  }
  long long id = atoll(PQgetvalue(r, 0, 0));
  PQclear(r);
  char location[200];
  snprintf(location, sizeof location, "%s/%lld", prefix, id);
  result_duplicate_of(res, field, id, location);
  return 1;
}

int if_match_parse(const char *v, long long *revision) {
  *revision = 0;
  while (*v == ' ')
    v++;
  if (strcmp(v, "*") == 0) {
    return 0;
  }
  if (strncmp(v, "W/", 2) == 0) {
    v += 2;
  }
  /* exactly the text of an ETag we issue: strtoll alone would also take " 7", "+7" or "07",
   * which are other entity tags (they compare as text) */
  size_t digits = *v == '"' ? strspn(v + 1, "0123456789") : 0;
  if (digits == 0 || digits > 18 || v[1] == '0' || v[1 + digits] != '"' || v[2 + digits] != '\0') {
    return -1;
  }
  *revision = strtoll(v + 1, NULL, 10);
  return 0;
}

void record_result(struct result *res, PGresult *row, int status) {
  if (PQntuples(row) != 1) {
    /* a write that should have returned its record did not: never render a half answer */
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return;
  }
  result_raw(res, status, PQgetvalue(row, 0, 0));
  res->etag = atoll(PQgetvalue(row, 0, 1));
}

enum db_status record_get(struct db_tx *tx, struct result *res, const char *sql, int nparams, const char *const *params,
                          msg_id not_found) {
  PGresult *r = db_exec_generic(tx, sql, nparams, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 0 ? DB_NONE : DB_ONE;
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, not_found);
  } else {
    record_result(res, r, 200);
  }
  PQclear(r);
  return st;
}

enum db_status record_exec(struct db_tx *tx, struct result *res, const char *sql, int nparams,
                           const char *const *params, int status) {
  PGresult *r = db_exec(tx, sql, nparams, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  record_result(res, r, status);
  PQclear(r);
  return DB_ONE;
}

enum db_status record_create(struct db_tx *tx, struct result *res, const char *sql, int nparams,
                             const char *const *params, char id_out[24]) {
  PGresult *r = db_exec(tx, sql, nparams, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  record_result(res, r, 201);
  snprintf(id_out, 24, "%s", PQntuples(r) == 1 ? PQgetvalue(r, 0, 2) : "");
  PQclear(r);
  return DB_ONE;
}

enum db_status document_get(struct db_tx *tx, struct result *res, const char *sql, int nparams,
                            const char *const *params, msg_id not_found) {
  PGresult *r = db_exec(tx, sql, nparams, params);
  if (r == NULL) {
    return DB_ERROR;
  }
  enum db_status st = PQntuples(r) == 0 ? DB_NONE : DB_ONE;
  if (st == DB_NONE) {
    result_problem(res, PROBLEM_NOT_FOUND, not_found);
  } else {
    result_raw(res, 200, PQgetvalue(r, 0, 0));
  }
  PQclear(r);
  return st;
}

char *page_cursor(const struct req_ctx *c, const PGresult *rows, int row, int key_col, int nkeys) {
  json_t *keys = json_array();
  for (int k = key_col; k < key_col + nkeys; k++) {
    json_array_append_new(keys, PQgetisnull(rows, row, k) ? json_null() : json_string(PQgetvalue(rows, row, k)));
  }
  char *cursor = cursor_encode(c->cursor_key, c->page_tag, keys);
  json_decref(keys);
  return cursor;
}

static void document_item(struct strbuf *b, const PGresult *rows, int row, const void *unused) {
  (void)unused;
  strbuf_append(b, PQgetvalue(rows, row, 0), (size_t)PQgetlength(rows, row, 0));
}

/* A page of documents rendered in SQL (column 0, then the nkeys cursor keys): its weak tag is
 * hashed from what it shows, the documents and their keys (render.c's page_tag), and a 304
 * is answered before the body is built. */
void page_render(const struct req_ctx *c, struct result *res, PGresult *rows, int nkeys) {
  int limit = c->limit;
  int n = PQntuples(rows);
  int shown = n > limit ? limit : n;
  int more = n > limit && shown > 0;
  int cols[8] = {0};
  int ncols = 1;
  for (int k = 1; k <= nkeys && ncols < 8; k++)
    cols[ncols++] = k;
  page_tag(res->tag, sizeof res->tag, 'b', rows, shown, more, cols, ncols);
  if (if_none_match_holds(c, res->tag)) {
    res->status = 304;
    return;
  }
  page_body(c, res, rows, shown, more, document_item, NULL, 1, 1, nkeys);
}
