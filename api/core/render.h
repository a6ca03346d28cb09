#ifndef ZSZ_RENDER_H
#define ZSZ_RENDER_H
/* Records rendered in C straight from a query's columns (issue 16): the query selects the
 * record's columns as text, a record_shape names them and says how each is written, and the
 * JSON is built in one buffer with no json_t per value. PostgreSQL then only reads rows,
 * which is what it is fast at; json_build_object per row cost more CPU than the query.
 *
 * The register's SQL function zsz_<entity>_json stays the definition of the document (the
 * change feed renders with it); tests/db/test_render.c checks that a shape renders the same
 * rows to the same JSON, so the two cannot drift.
 *
 * Conditional reads: a single record's ETag is its revision ("7", the tag If-Match takes);
 * a list page's is a weak tag hashed from the (id, revision) pairs it shows and whether a
 * next page follows: W/"p<16 hex digits>". When If-None-Match names the current tag the
 * answer is 304 and the body is never built. */

#include <libpq-fe.h>

#include "http.h"
#include "strbuf.h"

enum render_kind {
  RENDER_TEXT,       /* a JSON string (also decimals, which the contract sends as strings) */
  RENDER_NUMBER,     /* an integer or a float, written as PostgreSQL prints it */
  RENDER_BOOL,       /* t / f */
  RENDER_TIMESTAMP,  /* timestamptz, as zsz_ts(): "2026-11-20T10:00:00+00:00" */
  RENDER_JSON,       /* already JSON (to_json of an array, a nested document) */
  RENDER_PROVENANCE, /* an import id: null, or {"import_id": n} as zsz_provenance() */
};

struct render_col {
  const char *name; /* the member's name (written as it is: a name from the code) */
  enum render_kind kind;
};

/* A record's columns, in the order the query selects them (columns 0..ncols-1), and where
 * its id and revision are (result columns; the revision usually right after the record). */
struct record_shape {
  const struct render_col *cols;
  int ncols;
  int id_col;
  int revision_col;
};

/* Appends column col of row `row` of r as a JSON value written as kind says (SQL NULL: null). */
void render_value(struct strbuf *b, const PGresult *r, int row, int col, enum render_kind kind);
/* The same for a value of len bytes at v that is not a result's column (NULL: null). */
void render_chars(struct strbuf *b, const char *v, size_t len, enum render_kind kind);
/* Appends row `row` of r as a JSON object: each column of the shape, SQL NULL as null. */
void render_record(struct strbuf *b, const PGresult *r, int row, const struct record_shape *shape);

/* The single record of a read: columns as shape, the revision at shape->revision_col. Sets
 * 200 with the rendered record and its ETag, 304 with only the ETag when If-None-Match holds
 * it (nothing rendered), or 404 with not_found. A lookup by the record's key, run by its
 * generic plan (db_exec_generic). */
enum db_status record_get_rendered(const struct req_ctx *c, struct db_tx *tx, struct result *res, const char *sql,
                                   int nparams, const char *const *params, const struct record_shape *shape,
                                   msg_id not_found);

/* A page of records: rows as shape, then the cursor keys of the order in the nkeys columns
 * from key_col on; rows holds up to c->limit + 1 of them (one more tells a next page). Sets
 * 200 {"items": [...], "next_cursor": ...} with the page's ETag, or 304 when If-None-Match
 * holds it. */
void page_render_shaped(const struct req_ctx *c, struct result *res, const PGresult *rows,
                        const struct record_shape *shape, int key_col, int nkeys);
/* page_render_shaped for records whose revision does not cover all they show (a survey's
 * response count): the tag is hashed from the ntag columns tag_cols of each shown row. */
void page_render_shaped_tagged(const struct req_ctx *c, struct result *res, const PGresult *rows,
                               const struct record_shape *shape, const int *tag_cols, int ntag, int key_col, int nkeys);

/* The parts of a page answer, for registers that render their records otherwise (incidents:
 * views, a tag covering computed members). page_tag writes the page's weak tag W/"<kind><16 hex
 * digits>" (tag of size bytes), hashed from the columns cols of each of the shown rows and
 * whether a next page follows. page_body sets 200 {"items": [...], "next_cursor": ...}: each
 * shown row appended by item, the cursor made of the last shown row's nkeys columns from
 * key_col on; the buffer sized from the row's first sized_cols columns. */
typedef void (*page_item_fn)(struct strbuf *b, const PGresult *rows, int row, const void *arg);
void page_tag(char *tag, size_t size, char kind, const PGresult *rows, int shown, int more, const int *cols, int ncols);
/* page_tag's hash for a tag made of values that are not each a result's column (a card's parts
 * in an array): h = PAGE_TAG_SEED, then h = page_tag_add(h, value, len) for each value in order
 * (NULL: SQL NULL), then page_tag_end. The same values give page_tag's tag. */
#define PAGE_TAG_SEED 14695981039346656037ULL
unsigned long long page_tag_add(unsigned long long h, const char *v, size_t len);
void page_tag_end(char *tag, size_t size, char kind, unsigned long long h, int more);
void page_body(const struct req_ctx *c, struct result *res, const PGresult *rows, int shown, int more,
               page_item_fn item, const void *arg, int sized_cols, int key_col, int nkeys);

#endif
