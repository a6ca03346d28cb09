/* zsz-api org add|list (org_cli.h). A scheme FILE is the JSON document of PUT
 * /api/v1/organisation/process-scheme, checked by the same rule (directory/rules.h). */
#include <getopt.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "directory/rules.h"
#include "migrate.h"
#include "org_cli.h"

static void org_usage(FILE *out) {
  fprintf(out, "usage: zsz-api org add --code CODE --name NAME --scheme krakow|lublin|FILE\n"
               "       zsz-api org list\n");
}

/* Runs one statement; 0, or -1 after printing the database's message. */
static int exec_ok(PGconn *pg, const char *sql, int n, const char *const *params, PGresult **out) {
  PGresult *r = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    fprintf(stderr, "zsz-api org: %s", PQresultErrorMessage(r));
    PQclear(r);
    return -1;
  }
  if (out) {
    *out = r;
  } else {
    PQclear(r);
  }
  return 0;
}

/* The scheme document of FILE, checked: a new reference, or NULL after printing why. */
static json_t *scheme_file(const char *path) {
  json_error_t err;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
  if (doc == NULL) {
    fprintf(stderr, "zsz-api org: %s: %s (line %d)\n", path, err.text, err.line);
    return NULL;
  }
  json_t *errors = json_array();
  if (scheme_check(doc, errors) > 0) {
    size_t i;
    json_t *e;
    fprintf(stderr, "zsz-api org: %s is not a process scheme:\n", path);
    json_array_foreach(errors, i, e) {
      fprintf(stderr, "  %s: %s\n", json_string_value(json_object_get(e, "field")),
              json_string_value(json_object_get(e, "message")));
    }
    json_decref(doc);
    doc = NULL;
  }
  json_decref(errors);
  return doc;
}

static int org_add(PGconn *pg, const char *code, const char *name, const char *scheme) {
  int builtin = strcmp(scheme, "krakow") == 0 || strcmp(scheme, "lublin") == 0;
  json_t *doc = builtin ? NULL : scheme_file(scheme);
  char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
  int rc = 1;
  PGresult *r = NULL;
  if (!builtin && text == NULL) {
    json_decref(doc);
    return 2;
  }
  const char *label = builtin ? scheme : json_string_value(json_object_get(doc, "name"));
  const char *p1[] = {code, name, label};
  if (exec_ok(pg, "BEGIN", 0, NULL, NULL) != 0 ||
      exec_ok(pg, "INSERT INTO organisations (code, name, process_scheme) VALUES ($1, $2, $3) RETURNING id", 3, p1,
              &r) != 0) {
    goto out;
  }
  if (!builtin) {
    /* the organisation's own scheme (the trigger copied none: its name is no built-in's) */
    const char *p2[] = {PQgetvalue(r, 0, 0), text};
    PGresult *ex = NULL;
    if (exec_ok(pg,
                "WITH j AS (SELECT $2::jsonb AS j) "
                "INSERT INTO process_schemes AS s (org_id, management, core, support, separators, digits, levels, "
                "example) SELECT $1, ARRAY(SELECT jsonb_array_elements_text(j #> '{categories,management}')), "
                "ARRAY(SELECT jsonb_array_elements_text(j #> '{categories,core}')), "
                "ARRAY(SELECT jsonb_array_elements_text(j #> '{categories,support}')), j ->> 'separators', "
                "(j ->> 'digits')::integer, (j ->> 'levels')::integer, j ->> 'example' FROM j "
                "ON CONFLICT (org_id) DO UPDATE SET management = EXCLUDED.management, core = EXCLUDED.core, "
                "support = EXCLUDED.support, separators = EXCLUDED.separators, digits = EXCLUDED.digits, "
                "levels = EXCLUDED.levels, example = EXCLUDED.example "
                "RETURNING zsz_scheme_category(s, s.example) IS NOT NULL",
                2, p2, &ex) != 0) {
      goto out;
    }
    int example_ok = PQgetvalue(ex, 0, 0)[0] == 't';
    PQclear(ex);
    if (!example_ok) {
      fprintf(stderr, "zsz-api org: %s: the example does not follow the scheme\n", scheme);
      goto out;
    }
  }
  if (exec_ok(pg, "COMMIT", 0, NULL, NULL) != 0) {
    goto out;
  }
  printf("organisation %s added (id %s, process scheme %s)\n", code, PQgetvalue(r, 0, 0), label);
  rc = 0;
out:
  if (rc != 0) {
    exec_ok(pg, "ROLLBACK", 0, NULL, NULL);
  }
  PQclear(r);
  free(text);
  json_decref(doc);
  return rc;
}

static int org_list(PGconn *pg) {
  PGresult *r = NULL;
  if (exec_ok(pg,
              "SELECT o.code, o.name, o.process_scheme, "
              "(SELECT count(*) FROM processes p WHERE p.org_id = o.id), "
              "(SELECT count(*) FROM users u WHERE u.org_id = o.id AND u.active) "
              "FROM organisations o ORDER BY o.code",
              0, NULL, &r) != 0) {
    return 1;
  }
  printf("code\tname\tprocess_scheme\tprocesses\tactive_users\n");
  for (int i = 0; i < PQntuples(r); i++) {
    printf("%s\t%s\t%s\t%s\t%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
           PQgetvalue(r, i, 4));
  }
  PQclear(r);
  return 0;
}

int org_command(int argc, char **argv) {
  static const struct option opts[] = {
      {"code", required_argument, NULL, 'c'},
      {"name", required_argument, NULL, 'n'},
      {"scheme", required_argument, NULL, 's'},
      {NULL, 0, NULL, 0},
  };
  const char *what = argc > 1 ? argv[1] : "", *code = NULL, *name = NULL, *scheme = NULL;
  int add = strcmp(what, "add") == 0, opt, rc = 2;
  struct config cfg;
  char err[1024] = "";
  PGconn *pg = NULL;
  json_t *problems = json_array();
  if (!add && strcmp(what, "list") != 0) {
    org_usage(stderr);
    goto out_problems;
  }
  optind = 1;
  while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
    switch (opt) {
    case 'c':
      code = optarg;
      break;
    case 'n':
      name = optarg;
      break;
    case 's':
      scheme = optarg;
      break;
    default:
      org_usage(stderr);
      goto out_problems;
    }
  }
  if (optind < argc - 1 || (add && (code == NULL || name == NULL || scheme == NULL))) {
    org_usage(stderr);
    goto out_problems;
  }
  if (config_load(&cfg, NULL, NULL, CONFIG_NEED_MIGRATE, problems) > 0) {
    size_t i;
    json_t *p;
    fprintf(stderr, "zsz-api: configuration is invalid:\n");
    json_array_foreach(problems, i, p) fprintf(stderr, "  %s\n", json_string_value(p));
    config_free(&cfg);
    goto out_problems;
  }
  rc = 1;
  if (migrate_apply(cfg.database_url, cfg.migrations_dir, err, sizeof err) < 0) {
    fprintf(stderr, "zsz-api org: migrations: %s\n", err);
  } else if ((pg = db_connect_owner(cfg.database_url, err, sizeof err)) == NULL) {
    fprintf(stderr, "zsz-api org: %s\n", err);
  } else {
    rc = add ? org_add(pg, code, name, scheme) : org_list(pg);
  }
  PQfinish(pg);
  config_free(&cfg);
out_problems:
  json_decref(problems);
  return rc;
}
