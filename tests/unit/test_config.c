/* Unit tests for api/config.c: defaults, every bad setting reported at once, JWT key
 * material per algorithm, CORS origins. The environment is a fixed table passed as ctx. */

#include <check.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yder.h>

#include "config.h"

#define SECRET32 "0123456789abcdef0123456789abcdef"
#define DB_URL "postgresql://zsz@localhost/zsz"
#define CURSOR_KEY_HEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define CURSOR_KEY_VAR "ZSZ_CURSOR_KEY=" CURSOR_KEY_HEX

/* NULL-terminated list of "NAME=value" strings. */
struct env {
  const char *const *vars;
};

static const char *env_get(const char *name, void *ctx) {
  const struct env *env = ctx;
  size_t n = strlen(name);
  for (size_t i = 0; env->vars[i] != NULL; i++) {
    if (strncmp(env->vars[i], name, n) == 0 && env->vars[i][n] == '=') {
      return env->vars[i] + n + 1;
    }
  }
  return NULL;
}

/* Loads cfg from vars; returns the problem count, which must equal the array size. */
static int load(struct config *cfg, enum config_need need, json_t *problems, const char *const *vars) {
  struct env env = {vars};
  size_t before = json_array_size(problems);
  int n = config_load(cfg, env_get, &env, need, problems);
  ck_assert_uint_eq(json_array_size(problems) - before, (size_t)n);
  return n;
}

static char *problems_text(const json_t *problems) {
  return json_dumps(problems, JSON_INDENT(1));
}

/* 1 when some problem string starts with "var:". */
static int problem_names(const json_t *problems, const char *var) {
  size_t i, n = strlen(var);
  const json_t *v;
  json_array_foreach(problems, i, v) {
    const char *s = json_string_value(v);
    if (s && strncmp(s, var, n) == 0 && s[n] == ':') {
      return 1;
    }
  }
  return 0;
}

#define ASSERT_PROBLEM(problems, var)                                                                                  \
  do {                                                                                                                 \
    char *text_ = problems_text(problems);                                                                             \
    int ok_ = problem_names(problems, var);                                                                            \
    if (!ok_) {                                                                                                        \
      fprintf(stderr, "problems: %s\n", text_);                                                                        \
    }                                                                                                                  \
    free(text_);                                                                                                       \
    ck_assert_msg(ok_, "no problem names %s", var);                                                                    \
  } while (0)

#define ASSERT_NO_PROBLEMS(n, problems)                                                                                \
  do {                                                                                                                 \
    char *text_ = problems_text(problems);                                                                             \
    ck_assert_msg((n) == 0, "unexpected problems: %s", text_);                                                         \
    free(text_);                                                                                                       \
  } while (0)

/* ---- a PEM public key on disk ------------------------------------------------------------ */

static char TMPDIR_PATH[256];
static char PUB_PATH[300], JUNK_PATH[300];

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fputs(text, f) >= 0, 1);
  ck_assert_int_eq(fclose(f), 0);
}

static void files_setup(void) {
  const char *base = getenv("TMPDIR");
  snprintf(TMPDIR_PATH, sizeof TMPDIR_PATH, "%s/zsz-config-test-XXXXXX", base && *base ? base : "/tmp");
  ck_assert_ptr_nonnull(mkdtemp(TMPDIR_PATH));
  snprintf(PUB_PATH, sizeof PUB_PATH, "%s/public.pem", TMPDIR_PATH);
  snprintf(JUNK_PATH, sizeof JUNK_PATH, "%s/junk.txt", TMPDIR_PATH);

  EVP_PKEY *pkey = EVP_RSA_gen(2048);
  ck_assert_ptr_nonnull(pkey);
  BIO *bio = BIO_new_file(PUB_PATH, "w");
  ck_assert_ptr_nonnull(bio);
  ck_assert_int_eq(PEM_write_bio_PUBKEY(bio, pkey), 1);
  BIO_free(bio);
  EVP_PKEY_free(pkey);
  write_file(JUNK_PATH, "this is not a key\n");
}

static void files_teardown(void) {
  unlink(PUB_PATH);
  unlink(JUNK_PATH);
  rmdir(TMPDIR_PATH);
}

/* ---- tests ------------------------------------------------------------------------------- */

START_TEST(defaults) {
  const char *vars[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32, NULL};
  struct config cfg;
  json_t *problems = json_array();
  int n = load(&cfg, CONFIG_NEED_SERVE, problems, vars);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_str_eq(cfg.bind, "127.0.0.1");
  ck_assert_int_eq(cfg.port, 8080);
  ck_assert_int_eq(cfg.pool_size, 8);
  ck_assert_int_eq(cfg.jwt_alg, JWT_ALG_HS256);
  ck_assert_uint_eq(cfg.max_body_bytes, 1048576);
  ck_assert_uint_eq(cfg.log_level, Y_LOG_LEVEL_INFO);
  ck_assert_str_eq(cfg.database_url, DB_URL);
  ck_assert_int_eq(cfg.jwt_has_secret, 1);
  ck_assert_uint_eq(cfg.jwt_key_len, 32);
  ck_assert_mem_eq(cfg.jwt_key, SECRET32, 32);
  ck_assert_ptr_null(cfg.jwt_issuer);
  ck_assert_ptr_null(cfg.jwt_audience);
  ck_assert_uint_eq(cfg.role_map.count, 0);
  ck_assert_uint_eq(cfg.cors_count, 0);
  ck_assert_int_eq(cfg.cors_any, 0);
  ck_assert_int_eq(config_cors_allows(&cfg, "https://a.example"), 0);
  ck_assert_str_eq(cfg.migrations_dir, ZSZ_DEFAULT_MIGRATIONS_DIR);
  ck_assert_str_eq(cfg.openapi_file, ZSZ_DEFAULT_OPENAPI_FILE);
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

START_TEST(explicit_good_settings) {
  const char *vars[] = {
      "ZSZ_DATABASE_URL=" DB_URL,
      "ZSZ_JWT_SECRET=" SECRET32 "-longer",
      "ZSZ_BIND=0.0.0.0",
      "ZSZ_PORT=65535",
      "ZSZ_DB_POOL_SIZE=200",
      "ZSZ_JWT_ALG=HS256",
      "ZSZ_JWT_ISSUER=https://idp.example",
      "ZSZ_JWT_AUDIENCE=zsz-api",
      "ZSZ_ROLE_MAP=ZSZ_Prezydent=president",
      "ZSZ_MAX_BODY_BYTES=1024",
      "ZSZ_LOG_LEVEL=debug",
      "ZSZ_MIGRATIONS_DIR=/srv/migrations",
      "ZSZ_OPENAPI_FILE=/srv/openapi.yaml",
      NULL,
  };
  struct config cfg;
  json_t *problems = json_array();
  int n = load(&cfg, CONFIG_NEED_SERVE, problems, vars);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_str_eq(cfg.bind, "0.0.0.0");
  ck_assert_int_eq(cfg.port, 65535);
  ck_assert_int_eq(cfg.pool_size, 200);
  ck_assert_uint_eq(cfg.jwt_key_len, strlen(SECRET32 "-longer"));
  ck_assert_str_eq(cfg.jwt_issuer, "https://idp.example");
  ck_assert_str_eq(cfg.jwt_audience, "zsz-api");
  ck_assert_uint_eq(role_lookup(&cfg.role_map, "ZSZ_Prezydent"), ROLE_PRESIDENT);
  ck_assert_uint_eq(cfg.max_body_bytes, 1024);
  ck_assert_uint_eq(cfg.log_level, Y_LOG_LEVEL_DEBUG);
  ck_assert_str_eq(cfg.migrations_dir, "/srv/migrations");
  ck_assert_str_eq(cfg.openapi_file, "/srv/openapi.yaml");
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

START_TEST(every_bad_setting_reported) {
  const char *vars[] = {
      "ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32,
      "ZSZ_PORT=70000",           "ZSZ_DB_POOL_SIZE=0",
      "ZSZ_JWT_ALG=HS512",        "ZSZ_LOG_LEVEL=loud",
      "ZSZ_MAX_BODY_BYTES=12",    "ZSZ_BIND=nothing",
      "ZSZ_ROLE_MAP=bad",         NULL,
  };
  static const char *const names[] = {
      "ZSZ_PORT", "ZSZ_DB_POOL_SIZE", "ZSZ_JWT_ALG", "ZSZ_LOG_LEVEL", "ZSZ_MAX_BODY_BYTES", "ZSZ_BIND", "ZSZ_ROLE_MAP",
  };
  struct config cfg;
  json_t *problems = json_array();
  int n = load(&cfg, CONFIG_NEED_SERVE, problems, vars);
  ck_assert_int_ge(n, 7);
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    ASSERT_PROBLEM(problems, names[i]);
  }
  /* every problem names its variable */
  size_t i;
  json_t *v;
  json_array_foreach(problems, i, v) {
    ck_assert_msg(json_is_string(v) && strncmp(json_string_value(v), "ZSZ_", 4) == 0 &&
                      strchr(json_string_value(v), ':') != NULL,
                  "problem %zu does not name its variable", i);
  }
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

START_TEST(bad_numbers) {
  static const char *const cases[][2] = {
      {"ZSZ_PORT=0", "ZSZ_PORT"},
      {"ZSZ_PORT=-1", "ZSZ_PORT"},
      {"ZSZ_PORT=80x", "ZSZ_PORT"},
      {"ZSZ_PORT=99999999999999999999999", "ZSZ_PORT"},
      {"ZSZ_DB_POOL_SIZE=201", "ZSZ_DB_POOL_SIZE"},
      {"ZSZ_DB_POOL_SIZE=eight", "ZSZ_DB_POOL_SIZE"},
      {"ZSZ_MAX_BODY_BYTES=1023", "ZSZ_MAX_BODY_BYTES"},
      {"ZSZ_MAX_BODY_BYTES=67108865", "ZSZ_MAX_BODY_BYTES"},
      {"ZSZ_BIND=::1%lo", "ZSZ_BIND"},
      {"ZSZ_BIND=localhost", "ZSZ_BIND"},
      {"ZSZ_BIND=256.0.0.1", "ZSZ_BIND"},
      {"ZSZ_JWT_ALG=hs256", "ZSZ_JWT_ALG"},
      {"ZSZ_JWT_ALG=none", "ZSZ_JWT_ALG"},
      {"ZSZ_LOG_LEVEL=INFO", "ZSZ_LOG_LEVEL"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    const char *vars[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32, cases[k][0], NULL};
    struct config cfg;
    json_t *problems = json_array();
    int n = load(&cfg, CONFIG_NEED_SERVE, problems, vars);
    ck_assert_msg(n == 1, "%s: %d problems, want 1", cases[k][0], n);
    ASSERT_PROBLEM(problems, cases[k][1]);
    config_free(&cfg);
    json_decref(problems);
  }
  /* the edges are accepted */
  const char *vars[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32,    "ZSZ_PORT=1",
                        "ZSZ_DB_POOL_SIZE=1",       "ZSZ_MAX_BODY_BYTES=67108864", NULL};
  struct config cfg;
  json_t *problems = json_array();
  int n = load(&cfg, CONFIG_NEED_SERVE, problems, vars);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_int_eq(cfg.port, 1);
  ck_assert_int_eq(cfg.pool_size, 1);
  ck_assert_uint_eq(cfg.max_body_bytes, 67108864);
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

/* Issue 11: how often the deadline events job runs, beside the housekeeping period. */
START_TEST(deadline_job_seconds) {
  const char *defaults[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32, NULL};
  struct config cfg;
  json_t *problems = json_array();
  int n = load(&cfg, CONFIG_NEED_SERVE, problems, defaults);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_int_eq(cfg.deadline_job_seconds, 60);
  ck_assert_int_eq(cfg.housekeeping_seconds, 60);
  config_free(&cfg);
  json_decref(problems);

  const char *set[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32, "ZSZ_DEADLINE_JOB_SECONDS=1",
                       "ZSZ_HOUSEKEEPING_SECONDS=3600", NULL};
  problems = json_array();
  n = load(&cfg, CONFIG_NEED_SERVE, problems, set);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_int_eq(cfg.deadline_job_seconds, 1);
  ck_assert_int_eq(cfg.housekeeping_seconds, 3600);
  config_free(&cfg);
  json_decref(problems);

  static const char *const bad[] = {"ZSZ_DEADLINE_JOB_SECONDS=0", "ZSZ_DEADLINE_JOB_SECONDS=3601",
                                    "ZSZ_DEADLINE_JOB_SECONDS=1m"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    const char *vars[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32, bad[k], NULL};
    problems = json_array();
    n = load(&cfg, CONFIG_NEED_SERVE, problems, vars);
    ck_assert_msg(n == 1, "%s: %d problems, want 1", bad[k], n);
    ASSERT_PROBLEM(problems, "ZSZ_DEADLINE_JOB_SECONDS");
    config_free(&cfg);
    json_decref(problems);
  }
}
END_TEST

/* Issue 14: the connection limits and the request-head deadline. */
START_TEST(connection_limits) {
  const char *defaults[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32, NULL};
  struct config cfg;
  json_t *problems = json_array();
  int n = load(&cfg, CONFIG_NEED_SERVE, problems, defaults);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_int_eq(cfg.max_connections, 2048);
  ck_assert_int_eq(cfg.max_per_address, 64);
  ck_assert_int_eq(cfg.header_timeout, 10);
  config_free(&cfg);

  const char *edges[] = {"ZSZ_DATABASE_URL=" DB_URL,       "ZSZ_JWT_SECRET=" SECRET32,
                         "ZSZ_MAX_CONNECTIONS=16",         "ZSZ_MAX_CONNECTIONS_PER_ADDRESS=16",
                         "ZSZ_HEADER_TIMEOUT_SECONDS=300", NULL};
  n = load(&cfg, CONFIG_NEED_SERVE, problems, edges);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_int_eq(cfg.max_connections, 16);
  ck_assert_int_eq(cfg.max_per_address, 16);
  ck_assert_int_eq(cfg.header_timeout, 300);
  config_free(&cfg);

  const char *off[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32, "ZSZ_MAX_CONNECTIONS_PER_ADDRESS=0",
                       "ZSZ_HEADER_TIMEOUT_SECONDS=1", NULL};
  n = load(&cfg, CONFIG_NEED_SERVE, problems, off);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_int_eq(cfg.max_per_address, 0);
  ck_assert_int_eq(cfg.header_timeout, 1);
  config_free(&cfg);
  json_decref(problems);

  static const char *const cases[][2] = {
      {"ZSZ_MAX_CONNECTIONS=15", "ZSZ_MAX_CONNECTIONS"},
      {"ZSZ_MAX_CONNECTIONS=1000001", "ZSZ_MAX_CONNECTIONS"},
      {"ZSZ_MAX_CONNECTIONS=many", "ZSZ_MAX_CONNECTIONS"},
      {"ZSZ_MAX_CONNECTIONS_PER_ADDRESS=-1", "ZSZ_MAX_CONNECTIONS_PER_ADDRESS"},
      {"ZSZ_MAX_CONNECTIONS_PER_ADDRESS=2049", "ZSZ_MAX_CONNECTIONS_PER_ADDRESS"},
      {"ZSZ_MAX_CONNECTIONS_PER_ADDRESS=1e3", "ZSZ_MAX_CONNECTIONS_PER_ADDRESS"},
      {"ZSZ_HEADER_TIMEOUT_SECONDS=0", "ZSZ_HEADER_TIMEOUT_SECONDS"},
      {"ZSZ_HEADER_TIMEOUT_SECONDS=301", "ZSZ_HEADER_TIMEOUT_SECONDS"},
      {"ZSZ_HEADER_TIMEOUT_SECONDS=10s", "ZSZ_HEADER_TIMEOUT_SECONDS"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    const char *vars[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32, cases[k][0], NULL};
    problems = json_array();
    n = load(&cfg, CONFIG_NEED_SERVE, problems, vars);
    ck_assert_msg(n == 1, "%s: %d problems, want 1", cases[k][0], n);
    ASSERT_PROBLEM(problems, cases[k][1]);
    config_free(&cfg);
    json_decref(problems);
  }
  /* the cap per address is checked against the limit given with it */
  const char *over[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32, "ZSZ_MAX_CONNECTIONS=100",
                        "ZSZ_MAX_CONNECTIONS_PER_ADDRESS=101", NULL};
  problems = json_array();
  n = load(&cfg, CONFIG_NEED_SERVE, problems, over);
  ck_assert_int_eq(n, 1);
  ASSERT_PROBLEM(problems, "ZSZ_MAX_CONNECTIONS_PER_ADDRESS");
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

START_TEST(database_url_required_for_serve_and_migrate) {
  const char *vars[] = {"ZSZ_JWT_SECRET=" SECRET32, NULL};
  struct config cfg;
  json_t *problems = json_array();
  ck_assert_int_eq(load(&cfg, CONFIG_NEED_SERVE, problems, vars), 1);
  ASSERT_PROBLEM(problems, "ZSZ_DATABASE_URL");
  ck_assert_ptr_null(cfg.database_url);
  config_free(&cfg);
  json_decref(problems);

  problems = json_array();
  ck_assert_int_ge(load(&cfg, CONFIG_NEED_MIGRATE, problems, vars), 1);
  ASSERT_PROBLEM(problems, "ZSZ_DATABASE_URL");
  config_free(&cfg);
  json_decref(problems);

  /* set but empty is unset */
  const char *empty[] = {"ZSZ_DATABASE_URL=", "ZSZ_JWT_SECRET=" SECRET32, NULL};
  problems = json_array();
  ck_assert_int_eq(load(&cfg, CONFIG_NEED_SERVE, problems, empty), 1);
  ASSERT_PROBLEM(problems, "ZSZ_DATABASE_URL");
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

START_TEST(hs256_secret) {
  struct config cfg;
  json_t *problems = json_array();
  const char *missing[] = {"ZSZ_DATABASE_URL=" DB_URL, NULL};
  ck_assert_int_eq(load(&cfg, CONFIG_NEED_SERVE, problems, missing), 1);
  ASSERT_PROBLEM(problems, "ZSZ_JWT_SECRET");
  ck_assert_ptr_null(cfg.jwt_key);
  config_free(&cfg);
  json_decref(problems);

  problems = json_array();
  const char *shorter[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=0123456789abcdef0123456789abcde", NULL};
  ck_assert_int_eq(load(&cfg, CONFIG_NEED_SERVE, problems, shorter), 1);
  ASSERT_PROBLEM(problems, "ZSZ_JWT_SECRET");
  ck_assert_ptr_null(cfg.jwt_key);
  config_free(&cfg);
  json_decref(problems);

  /* a public key file is of no use with HS256 */
  problems = json_array();
  const char *with_file[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32, "ZSZ_JWT_PUBLIC_KEY_FILE=/x.pem",
                             NULL};
  ck_assert_int_eq(load(&cfg, CONFIG_NEED_SERVE, problems, with_file), 1);
  ASSERT_PROBLEM(problems, "ZSZ_JWT_PUBLIC_KEY_FILE");
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

START_TEST(rs256_key_file) {
  struct config cfg;
  json_t *problems;

  problems = json_array();
  const char *no_file[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_ALG=RS256", CURSOR_KEY_VAR, NULL};
  ck_assert_int_eq(load(&cfg, CONFIG_NEED_SERVE, problems, no_file), 1);
  ASSERT_PROBLEM(problems, "ZSZ_JWT_PUBLIC_KEY_FILE");
  config_free(&cfg);
  json_decref(problems);

  char missing_path[400], dir_var[400], junk_var[400], pub_var[400];
  snprintf(missing_path, sizeof missing_path, "ZSZ_JWT_PUBLIC_KEY_FILE=%s/no-such.pem", TMPDIR_PATH);
  snprintf(dir_var, sizeof dir_var, "ZSZ_JWT_PUBLIC_KEY_FILE=%s", TMPDIR_PATH);
  snprintf(junk_var, sizeof junk_var, "ZSZ_JWT_PUBLIC_KEY_FILE=%s", JUNK_PATH);
  snprintf(pub_var, sizeof pub_var, "ZSZ_JWT_PUBLIC_KEY_FILE=%s", PUB_PATH);
  const char *bad_paths[] = {missing_path, dir_var, junk_var};
  for (size_t k = 0; k < 3; k++) {
    const char *vars[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_ALG=RS256", CURSOR_KEY_VAR, bad_paths[k], NULL};
    problems = json_array();
    int n = load(&cfg, CONFIG_NEED_SERVE, problems, vars);
    ck_assert_msg(n == 1, "%s: %d problems, want 1", bad_paths[k], n);
    ASSERT_PROBLEM(problems, "ZSZ_JWT_PUBLIC_KEY_FILE");
    ck_assert_ptr_null(cfg.jwt_key);
    config_free(&cfg);
    json_decref(problems);
  }

  /* a real PEM public key is loaded as the key bytes */
  const char *good[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_ALG=RS256", CURSOR_KEY_VAR, pub_var, NULL};
  problems = json_array();
  int n = load(&cfg, CONFIG_NEED_SERVE, problems, good);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_int_eq(cfg.jwt_alg, JWT_ALG_RS256);
  ck_assert_int_eq(cfg.jwt_has_secret, 0);
  ck_assert_ptr_nonnull(cfg.jwt_key);
  struct stat st;
  ck_assert_int_eq(stat(PUB_PATH, &st), 0);
  ck_assert_uint_eq(cfg.jwt_key_len, (size_t)st.st_size);
  ck_assert_ptr_nonnull(strstr((const char *)cfg.jwt_key, "-----BEGIN PUBLIC KEY-----"));
  config_free(&cfg);
  json_decref(problems);

  /* ES256 takes the same file path; a secret beside it is a problem */
  const char *es[] = {
      "ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_ALG=ES256", "ZSZ_JWT_SECRET=" SECRET32, CURSOR_KEY_VAR, pub_var, NULL};
  problems = json_array();
  ck_assert_int_eq(load(&cfg, CONFIG_NEED_SERVE, problems, es), 1);
  ASSERT_PROBLEM(problems, "ZSZ_JWT_SECRET");
  ck_assert_int_eq(cfg.jwt_alg, JWT_ALG_ES256);
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

START_TEST(token_command_needs) {
  struct config cfg;
  json_t *problems = json_array();
  /* no database URL needed, but a secret is */
  const char *ok[] = {"ZSZ_JWT_SECRET=" SECRET32, NULL};
  int n = load(&cfg, CONFIG_NEED_TOKEN, problems, ok);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_ptr_null(cfg.database_url);
  ck_assert_int_eq(cfg.jwt_has_secret, 1);
  ck_assert_uint_eq(cfg.jwt_key_len, 32);
  config_free(&cfg);
  json_decref(problems);

  const char *none[] = {NULL};
  problems = json_array();
  ck_assert_int_eq(load(&cfg, CONFIG_NEED_TOKEN, problems, none), 1);
  ASSERT_PROBLEM(problems, "ZSZ_JWT_SECRET");
  config_free(&cfg);
  json_decref(problems);

  const char *shorter[] = {"ZSZ_JWT_SECRET=short", NULL};
  problems = json_array();
  ck_assert_int_eq(load(&cfg, CONFIG_NEED_TOKEN, problems, shorter), 1);
  ASSERT_PROBLEM(problems, "ZSZ_JWT_SECRET");
  ck_assert_ptr_null(cfg.jwt_key);
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

START_TEST(migrate_needs_no_secret) {
  struct config cfg;
  json_t *problems = json_array();
  const char *vars[] = {"ZSZ_DATABASE_URL=" DB_URL, NULL};
  int n = load(&cfg, CONFIG_NEED_MIGRATE, problems, vars);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_str_eq(cfg.database_url, DB_URL);
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

START_TEST(cors_list) {
  struct config cfg;
  json_t *problems = json_array();
  const char *vars[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32,
                        "ZSZ_CORS_ORIGINS=https://a.example, http://b.example", NULL};
  int n = load(&cfg, CONFIG_NEED_SERVE, problems, vars);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_uint_eq(cfg.cors_count, 2);
  ck_assert_int_eq(cfg.cors_any, 0);
  ck_assert_int_eq(config_cors_allows(&cfg, "https://a.example"), 1);
  ck_assert_int_eq(config_cors_allows(&cfg, "http://b.example"), 1);
  ck_assert_int_eq(config_cors_allows(&cfg, "http://a.example"), 0);
  ck_assert_int_eq(config_cors_allows(&cfg, "https://b.example"), 0);
  ck_assert_int_eq(config_cors_allows(&cfg, "https://a.example.evil"), 0);
  ck_assert_int_eq(config_cors_allows(&cfg, "https://a.exampl"), 0);
  ck_assert_int_eq(config_cors_allows(&cfg, ""), 0);
  ck_assert_int_eq(config_cors_allows(&cfg, NULL), 0);
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

START_TEST(cors_separated_by_spaces_only) {
  /* "comma-separated", but the parser also splits on spaces: three origins, no commas */
  struct config cfg;
  json_t *problems = json_array();
  const char *vars[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32,
                        "ZSZ_CORS_ORIGINS=https://a.example https://b.example  https://c.example", NULL};
  int n = load(&cfg, CONFIG_NEED_SERVE, problems, vars);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_int_eq(config_cors_allows(&cfg, "https://a.example"), 1);
  ck_assert_int_eq(config_cors_allows(&cfg, "https://c.example"), 1);
  ck_assert_int_eq(config_cors_allows(&cfg, "https://d.example"), 0);
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

START_TEST(cors_any) {
  struct config cfg;
  json_t *problems = json_array();
  const char *vars[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32, "ZSZ_CORS_ORIGINS=*", NULL};
  int n = load(&cfg, CONFIG_NEED_SERVE, problems, vars);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_int_eq(cfg.cors_any, 1);
  ck_assert_int_eq(config_cors_allows(&cfg, "https://anything.example"), 1);
  ck_assert_int_eq(config_cors_allows(&cfg, "http://localhost:3000"), 1);
  ck_assert_int_eq(config_cors_allows(&cfg, NULL), 0);
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

START_TEST(cors_bad_origin) {
  struct config cfg;
  json_t *problems = json_array();
  const char *vars[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32,
                        "ZSZ_CORS_ORIGINS=https://a.example,ftp://x", NULL};
  ck_assert_int_eq(load(&cfg, CONFIG_NEED_SERVE, problems, vars), 1);
  ASSERT_PROBLEM(problems, "ZSZ_CORS_ORIGINS");
  ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(problems, 0)), "ftp://x"));
  ck_assert_int_eq(config_cors_allows(&cfg, "ftp://x"), 0);
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

/* ---- ZSZ_TRUSTED_PROXIES ------------------------------------------------------------------ */

static int trusts(const struct config *cfg, const char *text) {
  struct net_addr a;
  ck_assert_int_eq(net_addr_parse(text, strlen(text), &a), 0);
  return net_ranges_contain(&cfg->trusted_proxies, &a);
}

START_TEST(trusted_proxies_none_by_default) {
  struct config cfg;
  json_t *problems = json_array();
  const char *vars[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32, "ZSZ_TRUSTED_PROXIES=", NULL};
  int n = load(&cfg, CONFIG_NEED_SERVE, problems, vars);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_uint_eq(cfg.trusted_proxies.n, 0);
  ck_assert_int_eq(trusts(&cfg, "127.0.0.1"), 0);
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

START_TEST(trusted_proxies_list) {
  struct config cfg;
  json_t *problems = json_array();
  const char *vars[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32,
                        "ZSZ_TRUSTED_PROXIES=127.0.0.1, 10.0.0.0/8,2001:db8::/32 ,::1", NULL};
  int n = load(&cfg, CONFIG_NEED_SERVE, problems, vars);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_uint_eq(cfg.trusted_proxies.n, 4);
  ck_assert_int_eq(trusts(&cfg, "127.0.0.1"), 1);
  ck_assert_int_eq(trusts(&cfg, "127.0.0.2"), 0);
  ck_assert_int_eq(trusts(&cfg, "10.200.0.1"), 1);
  ck_assert_int_eq(trusts(&cfg, "2001:db8:1::1"), 1);
  ck_assert_int_eq(trusts(&cfg, "::1"), 1);
  ck_assert_int_eq(trusts(&cfg, "::2"), 0);
  config_free(&cfg);
  ck_assert_uint_eq(cfg.trusted_proxies.n, 0);
  json_decref(problems);
}
END_TEST

START_TEST(trusted_proxies_every_bad_entry_reported) {
  struct config cfg;
  json_t *problems = json_array();
  const char *vars[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32, "ZSZ_PORT=0",
                        "ZSZ_TRUSTED_PROXIES=127.0.0.1,proxy.local,10.0.0.1/8,0.0.0.0/0", NULL};
  ck_assert_int_eq(load(&cfg, CONFIG_NEED_SERVE, problems, vars), 4);
  ASSERT_PROBLEM(problems, "ZSZ_PORT");
  const char *want[] = {
      "ZSZ_TRUSTED_PROXIES: 'proxy.local' is not an IPv4 or IPv6 address or CIDR range",
      "ZSZ_TRUSTED_PROXIES: '10.0.0.1/8' has bits set after its /8 prefix",
      "ZSZ_TRUSTED_PROXIES: '0.0.0.0/0': the prefix length must be 1 to 32 for IPv4",
  };
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    int found = 0;
    for (size_t j = 0; j < json_array_size(problems); j++)
      found |= strcmp(json_string_value(json_array_get(problems, j)), want[i]) == 0;
    ck_assert_msg(found, "missing: %s", want[i]);
  }
  ck_assert_uint_eq(cfg.trusted_proxies.n, 0); /* nothing half-trusted */
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

START_TEST(free_is_safe_after_failure_and_twice) {
  struct config cfg;
  json_t *problems = json_array();
  const char *vars[] = {"ZSZ_BIND=x", "ZSZ_ROLE_MAP=a=b,c", "ZSZ_CORS_ORIGINS=gopher://x", NULL};
  ck_assert_int_ge(load(&cfg, CONFIG_NEED_SERVE, problems, vars), 4);
  config_free(&cfg);
  ck_assert_ptr_null(cfg.bind);
  config_free(&cfg);
  config_free(NULL);
  json_decref(problems);
}
END_TEST

START_TEST(scaling_settings) {
  struct config cfg;
  json_t *problems = json_array();
  const char *good[] = {"ZSZ_DATABASE_URL=" DB_URL,
                        "ZSZ_JWT_SECRET=" SECRET32,
                        CURSOR_KEY_VAR,
                        "ZSZ_RATE_LIMIT_STORE=database",
                        "ZSZ_DB_POOLER=transaction",
                        "ZSZ_METRICS_BIND=[::1]:9464",
                        "ZSZ_METRICS_TOKEN=0123456789abcdef",
                        "ZSZ_DATABASE_READ_URL=postgresql://zsz@replica/zsz",
                        "ZSZ_BIND=::",
                        NULL};
  int n = load(&cfg, CONFIG_NEED_SERVE, problems, good);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_int_eq(cfg.has_cursor_key, 1);
  ck_assert_uint_eq(cfg.cursor_key[0], 0x00);
  ck_assert_uint_eq(cfg.cursor_key[1], 0x11);
  ck_assert_uint_eq(cfg.cursor_key[31], 0xff);
  ck_assert_int_eq(cfg.rate_limit_shared, 1);
  ck_assert_int_eq(cfg.pooler_transaction, 1);
  ck_assert_str_eq(cfg.metrics_bind, "::1");
  ck_assert_int_eq(cfg.metrics_port, 9464);
  ck_assert_int_eq(cfg.metrics_bind_v6, 1);
  ck_assert_str_eq(cfg.metrics_token, "0123456789abcdef");
  ck_assert_str_eq(cfg.database_read_url, "postgresql://zsz@replica/zsz");
  ck_assert_int_eq(cfg.bind_v6, 1);
  config_free(&cfg);
  json_decref(problems);

  /* defaults: nothing shared, metrics on the API port */
  const char *plain[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_SECRET=" SECRET32, NULL};
  problems = json_array();
  n = load(&cfg, CONFIG_NEED_SERVE, problems, plain);
  ASSERT_NO_PROBLEMS(n, problems);
  ck_assert_int_eq(cfg.has_cursor_key, 0);
  ck_assert_int_eq(cfg.rate_limit_shared, 0);
  ck_assert_int_eq(cfg.pooler_transaction, 0);
  ck_assert_ptr_null(cfg.metrics_bind);
  ck_assert_ptr_null(cfg.database_read_url);
  config_free(&cfg);
  json_decref(problems);

  /* every bad one is reported */
  const char *bad[] = {"ZSZ_DATABASE_URL=" DB_URL,
                       "ZSZ_JWT_SECRET=" SECRET32,
                       "ZSZ_CURSOR_KEY=00112233",
                       "ZSZ_RATE_LIMIT_STORE=redis",
                       "ZSZ_DB_POOLER=statement",
                       "ZSZ_METRICS_BIND=localhost",
                       "ZSZ_METRICS_TOKEN=short",
                       "ZSZ_BIND=::g",
                       NULL};
  problems = json_array();
  ck_assert_int_eq(load(&cfg, CONFIG_NEED_SERVE, problems, bad), 6);
  ASSERT_PROBLEM(problems, "ZSZ_CURSOR_KEY");
  ASSERT_PROBLEM(problems, "ZSZ_RATE_LIMIT_STORE");
  ASSERT_PROBLEM(problems, "ZSZ_DB_POOLER");
  ASSERT_PROBLEM(problems, "ZSZ_METRICS_BIND");
  ASSERT_PROBLEM(problems, "ZSZ_METRICS_TOKEN");
  ASSERT_PROBLEM(problems, "ZSZ_BIND");
  config_free(&cfg);
  json_decref(problems);

  /* RS256 needs a cursor key shared by the instances */
  char pub_var[400];
  snprintf(pub_var, sizeof pub_var, "ZSZ_JWT_PUBLIC_KEY_FILE=%s", PUB_PATH);
  const char *rs[] = {"ZSZ_DATABASE_URL=" DB_URL, "ZSZ_JWT_ALG=RS256", pub_var, NULL};
  problems = json_array();
  ck_assert_int_eq(load(&cfg, CONFIG_NEED_SERVE, problems, rs), 1);
  ASSERT_PROBLEM(problems, "ZSZ_CURSOR_KEY");
  config_free(&cfg);
  json_decref(problems);
}
END_TEST

static Suite *config_suite(void) {
  Suite *s = suite_create("config");
  TCase *tc = tcase_create("load");
  tcase_add_unchecked_fixture(tc, files_setup, files_teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, defaults);
  tcase_add_test(tc, explicit_good_settings);
  tcase_add_test(tc, every_bad_setting_reported);
  tcase_add_test(tc, bad_numbers);
  tcase_add_test(tc, connection_limits);
  tcase_add_test(tc, deadline_job_seconds);
  tcase_add_test(tc, database_url_required_for_serve_and_migrate);
  tcase_add_test(tc, hs256_secret);
  tcase_add_test(tc, rs256_key_file);
  tcase_add_test(tc, scaling_settings);
  tcase_add_test(tc, token_command_needs);
  tcase_add_test(tc, migrate_needs_no_secret);
  tcase_add_test(tc, free_is_safe_after_failure_and_twice);
  suite_add_tcase(s, tc);

  TCase *cors = tcase_create("cors");
  tcase_add_test(cors, cors_list);
  tcase_add_test(cors, cors_separated_by_spaces_only);
  tcase_add_test(cors, cors_any);
  tcase_add_test(cors, cors_bad_origin);
  suite_add_tcase(s, cors);

  TCase *proxies = tcase_create("trusted_proxies");
  tcase_add_test(proxies, trusted_proxies_none_by_default);
  tcase_add_test(proxies, trusted_proxies_list);
  tcase_add_test(proxies, trusted_proxies_every_bad_entry_reported);
  suite_add_tcase(s, proxies);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(config_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
