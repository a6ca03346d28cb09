/* zsz-api: config -> logging -> contract -> db pool -> migrations -> routes -> wait for a
 * signal -> teardown. Also the token, migrate and routes commands. */
#include <getopt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yder.h>

#include "config.h"
#include "migrate.h"
#include "openapi.h"
#include "org_cli.h"
#include "ops.h"
#include "ratestore.h"
#include "replica.h"
#include "registers.h"
#include "routes.h"
#include "server.h"

#define STARTUP_DB_WAIT_SECONDS 30

static void usage(FILE *out) {
  fprintf(out, "usage: zsz-api [serve]\n"
               "       zsz-api migrate\n"
               "       zsz-api token --sub U --org O [--name N] [--role R]... [--unit CODE] [--scope S]\n"
               "                     [--ttl SECONDS]\n"
               "       zsz-api routes\n"
               "       zsz-api org add --code CODE --name NAME --scheme krakow|lublin|FILE\n"
               "       zsz-api org list\n"
               "Configuration comes from ZSZ_* environment variables (see README.md).\n");
}

static int report_config(json_t *problems) {
  size_t i;
  json_t *p;
  fprintf(stderr, "zsz-api: configuration is invalid:\n");
  json_array_foreach(problems, i, p) {
    fprintf(stderr, "  %s\n", json_string_value(p));
  }
  return 2;
}

static int cmd_token(int argc, char **argv) {
  static const struct option opts[] = {
      {"sub", required_argument, NULL, 's'},   {"name", required_argument, NULL, 'n'},
      {"org", required_argument, NULL, 'o'},   {"role", required_argument, NULL, 'r'},
      {"unit", required_argument, NULL, 'u'},  {"ttl", required_argument, NULL, 't'},
      {"scope", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0},
  };
  const char *sub = NULL, *name = "", *org = NULL, *unit = NULL, *scope = NULL;
  const char *roles[16] = {0};
  size_t nroles = 0;
  long ttl = 3600;
  int opt, code = 2;
  struct config cfg;
  json_t *problems = json_array();
  optind = 1;
  while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (opt) {
    case 's':
      sub = optarg;
      break;
    case 'n':
      name = optarg;
      break;
    case 'o':
      org = optarg;
      break;
    case 'u':
      unit = optarg;
      break;
    case 'c':
      scope = optarg;
      break;
    case 'r':
      if (nroles < 15) roles[nroles++] = optarg;
      break;
    case 't': {
      char *end = NULL;
      ttl = strtol(optarg, &end, 10);
      if (*end != '\0' || ttl < 1 || ttl > 31L * 24 * 3600) {
        fprintf(stderr, "zsz-api token: --ttl must be 1..2678400 seconds\n");
        goto out;
      }
      break;
    }
    default:
      usage(stderr);
      goto out;
    }
  }
  if (sub == NULL || org == NULL) {
    fprintf(stderr, "zsz-api token: --sub and --org are required\n");
    goto out;
  }
  if (config_load(&cfg, NULL, NULL, CONFIG_NEED_TOKEN, problems) > 0) {
    code = report_config(problems);
    config_free(&cfg);
    goto out;
  }
  char *token =
      auth_issue_hs256_scoped(cfg.jwt_key, cfg.jwt_key_len, sub, name, org, roles, unit, scope, ttl, time(NULL));
  config_free(&cfg);
  if (token == NULL) {
    fprintf(stderr, "zsz-api token: cannot sign the token\n");
    code = 1;
    goto out;
  }
  printf("%s\n", token);
  free(token);
  code = 0;
out:
  json_decref(problems);
  return code;
}

static int run_command(const char *cmd, int argc, char **argv);

static int cmd_routes(void) {
  for (size_t i = 0; i < ROUTE_COUNT; i++) {
    printf("%s %s\n", ROUTES[i]->method, ROUTES[i]->path);
  }
  return 0;
}

/* Cursors must verify on every instance: ZSZ_CURSOR_KEY when set (required with RS256/ES256),
 * else derived from the HS256 secret the instances share; never drawn by the instance. */
static void derive_cursor_key(void) {
  if (APP.cfg.has_cursor_key) {
    memcpy(APP.cursor_key, APP.cfg.cursor_key, CURSOR_KEY_LEN);
  } else if (APP.cfg.jwt_has_secret) {
    unsigned int len = 0;
    unsigned char out[EVP_MAX_MD_SIZE];
    HMAC(EVP_sha256(), APP.cfg.jwt_key, (int)APP.cfg.jwt_key_len, (const unsigned char *)"zsz-api cursor", 14, out,
         &len);
    memcpy(APP.cursor_key, out, CURSOR_KEY_LEN);
  }
}

/* Waits up to a second for SIGINT or SIGTERM (blocked in every thread, see
 * cmd_serve_or_migrate): 1 when one came. */
static int stop_requested_within_a_second(void) {
  sigset_t stop;
  struct timespec second = {.tv_sec = 1, .tv_nsec = 0};
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  int sig = sigtimedwait(&stop, NULL, &second);
  if (sig > 0) {
    y_log_message(Y_LOG_LEVEL_INFO, "signal %d while waiting for the database: stopping", sig);
    return 1;
  }
  return 0;
}

/* The migration version, -1 on failure, -2 when stopped by a signal while waiting. */
static int apply_migrations(int wait_seconds) {
  char err[1024] = "";
  for (int waited = 0;; waited++) {
    int v = migrate_apply(APP.cfg.database_url, APP.cfg.migrations_dir, err, sizeof err);
    if (v >= 0) {
      return v;
    }
    /* a database still starting (compose, a restarting cluster) gets some time */
    if (waited >= wait_seconds || strstr(err, "migration ") == err) {
      y_log_message(Y_LOG_LEVEL_ERROR, "migrations: %s", err);
      return -1;
    }
    if (waited == 0) {
      y_log_message(Y_LOG_LEVEL_WARNING, "waiting for the database: %s", err);
    }
    if (stop_requested_within_a_second()) {
      return -2;
    }
  }
}

static int cmd_serve_or_migrate(int serve) {
  json_t *problems = json_array();
  int code = 1;
  char err[1024] = "";
  json_t *doc = NULL;
  sigset_t stop;
  /* block before any thread exists, so only sigwait() in server_serve sees them */
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);

  if (config_load(&APP.cfg, NULL, NULL, serve ? CONFIG_NEED_SERVE : CONFIG_NEED_MIGRATE, problems) > 0) {
    code = report_config(problems);
    goto out;
  }
  y_init_logs("zsz-api", Y_LOG_MODE_CONSOLE, APP.cfg.log_level, NULL, serve ? "starting" : "migrating");
  if (!serve) {
    int v = apply_migrations(STARTUP_DB_WAIT_SECONDS);
    code = v >= 0 || v == -2 ? 0 : 1;
    if (v >= 0) y_log_message(Y_LOG_LEVEL_INFO, "database at migration %d", v);
    goto out_logs;
  }
  doc = openapi_load(APP.cfg.openapi_file, err, sizeof err);
  if (doc == NULL) {
    y_log_message(Y_LOG_LEVEL_ERROR, "contract: %s", err);
    goto out_logs;
  }
  json_t *report = json_array();
  if (routes_bind_contract(doc, report) > 0) {
    size_t i;
    json_t *line;
    json_array_foreach(report, i, line) y_log_message(Y_LOG_LEVEL_ERROR, "contract: %s", json_string_value(line));
    json_decref(report);
    goto out_logs;
  }
  json_decref(report);
  APP.openapi_json = json_dumps(doc, JSON_COMPACT);
  ops_docs_load(APP.cfg.openapi_file);
  APP.auth = (struct auth_config){
      .alg = APP.cfg.jwt_alg,
      .key = APP.cfg.jwt_key,
      .key_len = APP.cfg.jwt_key_len,
      .issuer = APP.cfg.jwt_issuer,
      .audience = APP.cfg.jwt_audience,
      .role_map = &APP.cfg.role_map,
      .leeway = 60,
  };
  derive_cursor_key();
  APP.migration_version = apply_migrations(STARTUP_DB_WAIT_SECONDS);
  if (APP.migration_version == -2) {
    code = 0; /* asked to stop: a clean stop */
    goto out_logs;
  }
  if (APP.migration_version < 0) {
    goto out_logs;
  }
  APP.pool = db_pool_new(APP.cfg.database_url, APP.cfg.pool_size);
  if (APP.pool == NULL) {
    y_log_message(Y_LOG_LEVEL_ERROR, "cannot allocate the database pool");
    goto out_logs;
  }
  db_pool_set_transaction_pooling(APP.pool, APP.cfg.pooler_transaction);
  if (APP.cfg.database_read_url != NULL &&
      replica_start(APP.cfg.database_read_url, APP.cfg.pool_size, APP.cfg.pooler_transaction, APP.cursor_key,
                    CURSOR_KEY_LEN) != 0) {
    y_log_message(Y_LOG_LEVEL_ERROR, "cannot allocate the replica pool");
    goto out_logs;
  }
  if (APP.cfg.rate_limit_shared) {
    ratestore_enable();
  }
  code = server_serve();
out_logs:
  y_close_logs();
out:
  replica_stop();
  db_pool_free(APP.pool);
  APP.pool = NULL;
  free(APP.openapi_json);
  APP.openapi_json = NULL;
  ops_docs_free();
  json_decref(doc);
  config_free(&APP.cfg);
  json_decref(problems);
  return code;
}

int main(int argc, char **argv) {
  const char *cmd = argc > 1 ? argv[1] : "serve";
  if (routes_init(ZSZ_REGISTERS, ZSZ_REGISTER_COUNT) != 0) {
    fprintf(stderr, "zsz-api: out of memory\n");
    return 1;
  }
  int code = run_command(cmd, argc, argv);
  routes_free();
  return code;
}

static int run_command(const char *cmd, int argc, char **argv) {
  if (strcmp(cmd, "serve") == 0) {
    return cmd_serve_or_migrate(1);
  }
  if (strcmp(cmd, "migrate") == 0) {
    return cmd_serve_or_migrate(0);
  }
  if (strcmp(cmd, "token") == 0) {
    return cmd_token(argc - 1, argv + 1);
  }
  if (strcmp(cmd, "routes") == 0) {
    return cmd_routes();
  }
  if (strcmp(cmd, "org") == 0) {
    return org_command(argc - 1, argv + 1);
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    usage(stdout);
    return 0;
  }
  usage(stderr);
  return 2;
}
