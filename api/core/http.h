#ifndef ZSZ_HTTP_H
#define ZSZ_HTTP_H
/* The HTTP side of a request: query parsing, problem+json, ETag/If-Match, paging output,
 * and running a unit of work in a transaction then rendering its result. */

#include <jansson.h>
#include <ulfius.h>

#include "auth.h"
#include "db.h"
#include "messages.h"
#include "result.h"
#include "routes.h"
#include "validate.h"

struct route;
struct db_pool;

struct req_ctx {
  const struct _u_request *req; /* borrowed from Ulfius */
  struct _u_response *resp;     /* borrowed from Ulfius */
  const struct route *route;
  struct db_pool *pool;            /* borrowed: where work runs */
  const unsigned char *cursor_key; /* borrowed: signs and checks cursors */
  char request_id[129];
  struct principal who;  /* valid on authenticated routes */
  long long org_id;      /* the caller's organisation */
  char org_param[24];    /* org_id as a SQL text parameter */
  char roles_param[128]; /* the caller's roles as a SQL text[] literal, e.g. {plenipotentiary,employee}:
                            what record-rule functions in SQL take (never role bits) */
  json_t *body;          /* owned: the parsed body on routes that take one */
  int rendered;          /* a response has been set */

  /* Filled by the dispatcher from the route's declaration and the contract: */
  /* path parameters as text; integers in canonical decimal. Room for the longest text one, a
   * user's sub (any a token may carry); a longer value names no record (404). */
  char path[ROUTE_MAX_PATH_PARAMS][PRINCIPAL_SUB_MAX + 1];
  long long path_id[ROUTE_MAX_PATH_PARAMS];  /* integer path parameters, else 0 */
  const char *query[ROUTE_MAX_QUERY_PARAMS]; /* by the route's query spec index: checked value,
                                                the contract's default, or NULL; borrowed */
  int has_if_match;                          /* If-Match was sent */
  long long if_match;                        /* its revision; 0 for "*" or when not sent */
  int limit;                                 /* paged routes: 1..200, default 50 */
  json_t *after;                             /* owned: the decoded cursor's keys (array of strings/nulls), or NULL */
  char page_tag[160];                        /* what the cursor is bound to: route and sort */
  int csv;                                   /* ROUTE_CSV routes: the caller asked for text/csv */
  int users_changed;                         /* set by a work that changed users' directory records (active, ...): the
                                                dispatcher then checks every caller against the database again */
};

/* The checked value of query parameter name (or its default), NULL when absent. name must
 * be one the contract declares for the route (else NULL, and an error is logged). */
const char *query_value(const struct req_ctx *c, const char *name);
/* The i-th key of the decoded cursor as text, NULL when there is no cursor (or it is null). */
const char *page_key(const struct req_ctx *c, size_t i);

/* A page statement run by its generic plan (db_exec_generic) carries its LIMIT as a constant:
 * a LIMIT parameter is costed as a tenth of the table, and at 100,000 incidents the generic
 * plan sorted them all (a parallel seq scan, 90 ms) instead of walking the index for 51. Two
 * sizes: the default page's fetch and the largest page's; a page reads the smaller one that
 * holds it (rows past limit + 1 are neither shown nor change whether a next page follows).
 * page_limit_index(fetch): 0 or 1, the index into such a pair of statements, or -1 when fetch is
 * larger than both. */
#define PAGE_LIMIT_SMALL "51"
#define PAGE_LIMIT_LARGE "201"
static inline int page_limit_index(int fetch) {
  return fetch <= 51 ? 0 : fetch <= 201 ? 1 : -1;
}
/* 1 when revision satisfies the If-Match the caller sent (or none was sent); otherwise 0
 * after setting 412 in res. */
int if_match_ok(const struct req_ctx *c, long long revision, struct result *res);

/* 1 when the request is a GET whose If-None-Match names etag (the full tag text, e.g. "\"7\""
 * or W/"p..."), compared weakly as RFC 9110 says; "*" holds for any. The work then answers 304
 * without building its body. */
int if_none_match_holds(const struct req_ctx *c, const char *etag);
/* 1 when a GET came with If-None-Match (a tag to check before the answer is built). */
int if_none_match_sent(const struct req_ctx *c);

/* Renders a problem with a catalogue detail. */
void http_problem(struct req_ctx *c, problem_kind kind, msg_id detail, ...);
/* Renders a problem with a catalogue detail and an errors array (borrowed). */
void http_problem_errors(struct req_ctx *c, problem_kind kind, const json_t *errors, msg_id detail, ...);
/* Renders a problem for one bad query parameter (400). */
void http_bad_param(struct req_ctx *c, problem_kind kind, const char *field, msg_id message, ...);
/* Bodies of min_bytes or more are sent gzip-encoded to callers that accept gzip (0: never);
 * set once at start-up from ZSZ_GZIP_MIN_BYTES. */
void http_set_gzip(size_t min_bytes);
/* Renders a result (body or problem, ETag, Location, Link). res keeps its ownership. A GET
 * whose If-None-Match holds the ETag is answered 304 with no body. Bodies go gzip-encoded as
 * http_set_gzip says, with Vary: Accept-Encoding. */
void http_render(struct req_ctx *c, const struct result *res);
/* Validates the body against specs; 0 when valid, else -1 after rendering 422 with every
 * problem. */
int http_validate(struct req_ctx *c, const struct field_spec *specs, enum validate_mode mode);
/* Renders 422 listing errors (stolen). */
void http_invalid(struct req_ctx *c, json_t *errors);
/* Sets a JSON body (borrowed) with a status. */
void http_json(struct req_ctx *c, int status, const json_t *body);

/* Parses an If-Match value: 0 with *revision (0 for "*"), -1 when it is no ETag we issue
 * ("<n>" or W/"<n>", n > 0). Pure. */
int if_match_parse(const char *value, long long *revision);
/* The URL of the next page, for the Link header: pattern (a route's path) with its k-th
 * {name} replaced by path[k], then the query: names[i]=values[i] for each i < n whose value
 * is not NULL (a "cursor" among them left out), then cursor=cursor; every value
 * percent-encoded. A new string, caller frees; NULL out of memory. Pure. */
char *link_next_url(const char *pattern, const char *const *path, const char *const *names, const char *const *values,
                    size_t n, const char *cursor);

/* Sets res from a record row: column 0 the JSON document, column 1 its revision (ETag). */
void record_result(struct result *res, PGresult *row, int status);
/* The query layer's record statements. Each runs one statement and returns DB_ERROR (the
 * transaction failed), DB_NONE (no row: res is 404 not_found) or DB_ONE (res has the record). */
/* A single-record SELECT by the record's key (columns as above): 200 with the record. Run by
 * its generic plan (db_exec_generic): a key's lookup has one best plan. */
enum db_status record_get(struct db_tx *tx, struct result *res, const char *sql, int nparams, const char *const *params,
                          msg_id not_found);
/* A write returning a record (columns as above): status with the record. */
enum db_status record_exec(struct db_tx *tx, struct result *res, const char *sql, int nparams,
                           const char *const *params, int status);
/* An INSERT returning the record, its revision and its id (column 2, into id_out): 201. */
enum db_status record_create(struct db_tx *tx, struct result *res, const char *sql, int nparams,
                             const char *const *params, char id_out[24]);
/* A SELECT of one JSON document (column 0) without a revision: 200 with it. */
enum db_status document_get(struct db_tx *tx, struct result *res, const char *sql, int nparams,
                            const char *const *params, msg_id not_found);

/* A natural key already in use: sql (params) selects the id of the record holding it (at most
 * one row). When there is one, res is 409 naming field, with existing_id and the Location
 * prefix/<id>; returns 1. 0 when there is none, -1 when the statement failed. */
int duplicate_found(struct db_tx *tx, struct result *res, const char *sql, int nparams, const char *const *params,
                    const char *field, const char *prefix);

/* Builds a page of a paged route from rows whose column 0 is a JSON document and columns
 * 1..nkeys the keyset values of its order (text). Fetch c->limit + 1 rows: the extra one only
 * says there is a next page, whose cursor is bound to c->page_tag. Sets res to 200 with
 * {"items": [...], "next_cursor": ...} and the page's weak tag W/"b...", or 304 when
 * If-None-Match holds that tag (the body is then not built). */
void page_render(const struct req_ctx *c, struct result *res, PGresult *rows, int nkeys);
/* The next page's cursor from the keys of row `row` (nkeys text columns from key_col on),
 * bound to the route and sort; a new string the caller frees, NULL on failure. */
char *page_cursor(const struct req_ctx *c, const PGresult *rows, int row, int key_col, int nkeys);

#endif
