#ifndef ZSZ_ROUTES_H
#define ZSZ_ROUTES_H
/* Route metadata: each register declares its rows (method, path, who may call it, what the
 * request carries, the work function); the dispatcher does the parsing the rows ask for and
 * calls the work. The query parameters are not declared here: they are read from the
 * contract (openapi/openapi.yaml) when the table is bound to it at start, so the contract and
 * what the server accepts cannot drift apart (see routes_bind_contract). */

#include <jansson.h>
#include <stddef.h>

#include "messages.h"
#include "validate.h"

struct req_ctx;
struct db_tx;
struct result;
struct workflow;

/* A callback that renders its own response (operations endpoints, raw bodies). */
typedef void (*route_handler)(struct req_ctx *c);
/* Work over one transaction: reads what the dispatcher parsed from c, writes into res. It
 * may be run again when the transaction is retried (serialization failure, deadlock, a
 * connection lost before COMMIT), so it keeps nothing outside res between runs. */
typedef void (*route_work)(struct db_tx *tx, struct req_ctx *c, struct result *res);

enum {
  ROUTE_PUBLIC = 1u << 0,       /* no token */
  ROUTE_BODY = 1u << 1,         /* takes a JSON body */
  ROUTE_RAW_BODY = 1u << 2,     /* takes a body the handler reads itself (imports, up to ZSZ_MAX_IMPORT_BYTES) */
  ROUTE_RATE_LIMITED = 1u << 3, /* limited per client address (public routes) */
  ROUTE_SNAPSHOT = 1u << 4,     /* a read of several statements: BEGIN READ ONLY, one snapshot */
  ROUTE_CSV = 1u << 5,          /* has a text/csv variant chosen by Accept */
  ROUTE_WRITE = 1u << 6,        /* work runs read-write (default: POST, PUT, PATCH, DELETE) */
  /* a list, export, report or result that may lag: read from ZSZ_DATABASE_READ_URL (a hot
   * standby) unless the caller's own last write has not been replayed there yet (issue 15) */
  ROUTE_REPLICA = 1u << 12,
};

enum if_match_rule {
  IF_MATCH_IGNORED = 0,
  IF_MATCH_OPTIONAL, /* honoured when sent (transitions) */
  IF_MATCH_REQUIRED, /* 428 without it (PATCH, PUT of a versioned record) */
};

#define ROUTE_MAX_PATH_PARAMS 3
#define ROUTE_MAX_QUERY_PARAMS 16

/* A query parameter as the contract declares it. */
enum query_type { QT_STRING, QT_INTEGER, QT_BOOLEAN };
struct query_spec {
  const char *name; /* borrowed from the contract document */
  enum query_type type;
  long long min, max;        /* integers */
  size_t min_len, max_len;   /* strings, in characters (0 max: 1000) */
  const json_t *values;      /* borrowed enum array, or NULL */
  const char *default_value; /* borrowed (or default_text), or NULL */
  char default_text[24];
  int required;
  /* type: array of strings sent as one comma-separated value (style: form, explode: false):
   * each element is checked against values; the work splits the text (e.g. entity=a,b) */
  int list;
};

struct route {
  const char *method;
  const char *path; /* e.g. /api/v1/processes/{id} */
  unsigned roles;   /* role mask allowed; record rules live in SQL (see docs/design.md) */
  /* The scope (RFC 9068) an integration's token needs when roles admit ROLE_INTEGRATION, e.g.
   * "directory:write"; NULL: any integration (roles alone decide). */
  const char *scope;
  unsigned flags;
  /* One 404 message per path parameter, in the order they appear in path. An integer
   * parameter (per the contract) that is not a positive number names no record: 404. */
  msg_id not_found[ROUTE_MAX_PATH_PARAMS];
  enum if_match_rule if_match;
  /* Paged lists: the cursor is bound to the route and to the value of the sort parameter
   * (when the route has one); the dispatcher decodes it into c->after. */
  int paged;
  /* JSON body: validated before the work runs (422 listing every problem). */
  const struct field_spec *body;
  enum validate_mode body_mode;
  /* Transitions: the body {"to", "reason"} is checked against the workflow's states. */
  const struct workflow *workflow;
  route_work work;       /* the usual case */
  route_handler handler; /* instead of work: renders itself */
  /* A read whose work runs several statements for some requests only (a filter checked first,
   * a position looked up): 1 when this request's does, and it runs in one snapshot as
   * ROUTE_SNAPSHOT would; the others run their one statement alone, without BEGIN and COMMIT
   * (one round trip instead of four). NULL: the flags decide. */
  int (*snapshot_when)(const struct req_ctx *c);

  /* Filled from the contract by routes_bind_contract: */
  size_t index; /* in ROUTES (metrics) */
  struct query_spec query[ROUTE_MAX_QUERY_PARAMS];
  size_t nquery;
  int path_is_int[ROUTE_MAX_PATH_PARAMS];
  /* Integer path parameters: the contract's minimum and maximum (0: none declared); a value
   * outside names no record (404), e.g. a programme's year outside 2000..2100. */
  long long path_min[ROUTE_MAX_PATH_PARAMS];
  long long path_max[ROUTE_MAX_PATH_PARAMS];
};

/* A register: its routes and its periodic jobs, given to the core at start. */
struct db_pool;
/* Which setting says how often a job runs: ZSZ_HOUSEKEEPING_SECONDS (the default) or
 * ZSZ_DEADLINE_JOB_SECONDS. */
enum job_clock { JOB_CLOCK_HOUSEKEEPING = 0, JOB_CLOCK_DEADLINES, JOB_CLOCKS };
struct job {
  const char *name;                  /* also names its advisory lock (jobs.h) */
  void (*run)(struct db_pool *pool); /* runs its own transactions */
  enum job_clock clock;
};

struct zsz_register {
  const char *name;
  struct route *routes;
  size_t nroutes;
  const struct job *jobs;
  size_t njobs;
  /* Background work of its own (webhook deliveries): started once the server listens,
   * stopped before it exits; NULL when none. start returns 0, or -1 (the server then stops). */
  int (*start)(struct db_pool *pool);
  void (*stop)(void);
};

/* The assembled table: the core's own rows, then each register's. */
extern struct route **ROUTES;
extern size_t ROUTE_COUNT;

/* Builds ROUTES from the core rows and the registers (kept, borrowed). 0, or -1 out of
 * memory. Idempotent per process: a second call replaces the first. */
int routes_init(const struct zsz_register *const *regs, size_t nregs);
void routes_free(void);
/* The registers given to routes_init (for the job runner). */
const struct zsz_register *const *routes_registers(size_t *n);

/* Reads each route's query parameters and path parameter types from the contract (doc
 * borrowed: it must outlive the table). Every route must be in the document; problems are
 * appended to report (JSON array of strings). Returns the number of problems. */
int routes_bind_contract(const json_t *doc, json_t *report);

/* 1 when path (a request path, no query) matches the pattern. */
int route_path_matches(const char *pattern, const char *path);

/* Checks a query value against its spec: 0 when it fits; otherwise -1 with the catalogue
 * message in *why and, for an enum, the allowed values in list (", "-separated). Pure. */
int query_spec_check(const struct query_spec *q, const char *v, msg_id *why, char *list, size_t listlen);

/* Index of a query parameter of the route, or -1. */
int route_query_index(const struct route *rt, const char *name);

#endif
