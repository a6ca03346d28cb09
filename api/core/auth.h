#ifndef ZSZ_AUTH_H
#define ZSZ_AUTH_H
/* Bearer token verification with the algorithm pinned by configuration, role mapping from
 * identity-provider group names onto our canonical roles, and the principal a request acts as. */

#include <jansson.h>
#include <jwt.h>
#include <stddef.h>
#include <time.h>

enum role {
  ROLE_PRESIDENT = 1u << 0,
  ROLE_PLENIPOTENTIARY = 1u << 1,
  ROLE_PROCESS_OWNER = 1u << 2,
  ROLE_IOD = 1u << 3,
  ROLE_AUDITOR = 1u << 4,
  ROLE_EMPLOYEE = 1u << 5,
  ROLE_UNIT_HEAD = 1u << 6,   /* kierujący komórką: head of the unit its token's unit claim names */
  ROLE_INTEGRATION = 1u << 7, /* a system, not a person: what it may do is its token's scope */
};
/* Bits in use go up to ROLE_COUNT - 1. */
#define ROLE_COUNT 8
/* Every authenticated caller is an employee. */
#define ROLE_ANY ROLE_EMPLOYEE

struct role_map_entry {
  char *group; /* owned */
  unsigned role;
};

struct role_map {
  struct role_map_entry *entries; /* owned */
  size_t count;
};

/* Parses "Group=role,Group2=role2". Returns the number of problems; each is appended as a
 * string to problems (borrowed JSON array). On success *out owns its entries. */
int role_map_parse(const char *spec, struct role_map *out, json_t *problems);
void role_map_free(struct role_map *map);

/* Canonical role bit of a name (canonical names map to themselves, then the map); 0 if unknown. */
unsigned role_lookup(const struct role_map *map, const char *name);
/* Canonical name of one role bit, or NULL. */
const char *role_name(unsigned role);
/* New reference: JSON array of the canonical names in the mask. */
json_t *roles_to_json(unsigned roles);
/* The roles as a SQL text[] literal ("{plenipotentiary,employee}") into out (128 bytes are
 * enough for every role): what SQL record rules take, so no SQL tests C's role bits. */
void roles_to_sql(unsigned roles, char *out, size_t size);

struct auth_config {
  jwt_alg_t alg;            /* pinned: JWT_ALG_HS256, JWT_ALG_RS256 or JWT_ALG_ES256 */
  const unsigned char *key; /* borrowed: HMAC secret or PEM public key */
  size_t key_len;
  const char *issuer;   /* borrowed; NULL: not checked */
  const char *audience; /* borrowed; NULL: not checked */
  const struct role_map *role_map;
  long leeway; /* seconds, for exp and nbf */
};

#define PRINCIPAL_SUB_CHARS 200 /* as stored; bytes below allow 4-byte UTF-8 */
#define PRINCIPAL_SUB_MAX 800
#define PRINCIPAL_NAME_MAX 1023
#define PRINCIPAL_NAME_CHARS 200
#define PRINCIPAL_ORG_MAX 64
#define PRINCIPAL_UNIT_MAX 32
#define PRINCIPAL_SCOPE_MAX 511

struct principal {
  char sub[PRINCIPAL_SUB_MAX + 1];
  char name[PRINCIPAL_NAME_MAX + 1];
  char org[PRINCIPAL_ORG_MAX + 1];
  char unit[PRINCIPAL_UNIT_MAX + 1];   /* "" when the token has no unit claim */
  char scope[PRINCIPAL_SCOPE_MAX + 1]; /* the scope claim (RFC 9068: space-separated), "" when none */
  unsigned roles;                      /* canonical role mask, always includes ROLE_EMPLOYEE */
  double exp;                          /* the token's exp and nbf (0 when absent) */
  double nbf;
};

typedef enum { AUTH_OK = 0, AUTH_INVALID } auth_result;

/* Verifies token at time now and fills *out. On failure *reason (static text, for logs
 * only, never for clients) says why. */
auth_result auth_verify(const struct auth_config *cfg, const char *token, time_t now, struct principal *out,
                        const char **reason);

/* A small cache of verified tokens (the same text under the same key verifies the same
 * way), so a client reusing its token costs a lookup instead of two JSON parses and a MAC.
 * Thread-safe. Time-dependent checks (exp, nbf) are redone on every hit. */
auth_result auth_verify_cached(const struct auth_config *cfg, const char *token, time_t now, struct principal *out,
                               const char **reason);
/* Frees every cached token (at shutdown). */
void auth_cache_clear(void);

/* 1 when the space-separated scope list names want (exactly, as one of its items). */
int scope_has(const char *scope, const char *want);

/* Extracts the token from an Authorization header value; NULL when absent or not Bearer. */
const char *auth_bearer(const char *header);

/* Issues an HS256 token. roles is a NULL-terminated array of names (as given). Returns a
 * new string (caller frees with free()), or NULL. */
char *auth_issue_hs256(const unsigned char *secret, size_t secret_len, const char *sub, const char *name,
                       const char *org, const char *const *roles, const char *unit, long ttl, time_t now);
/* The same with a scope claim (space-separated, RFC 9068) when scope is neither NULL nor "". */
char *auth_issue_hs256_scoped(const unsigned char *secret, size_t secret_len, const char *sub, const char *name,
                              const char *org, const char *const *roles, const char *unit, const char *scope, long ttl,
                              time_t now);

#endif
