#include <dirent.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yder.h>

#include "db.h"
#include "migrate.h"

#define MAX_MIGRATIONS 1000
#define MIGRATION_LOCK 738099

struct migration {
  int version;
  char file[256];
};

static int by_version(const void *a, const void *b) {
  return ((const struct migration *)a)->version - ((const struct migration *)b)->version;
}

/* Lists NNNN_*.sql files sorted by version; returns the count or -1. */
static int list_migrations(const char *dir, struct migration *out, char *err, size_t errlen) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  if (d == NULL) {
    snprintf(err, errlen, "cannot open migrations directory %s", dir);
    return -1;
  }
  while ((e = readdir(d)) != NULL && n < MAX_MIGRATIONS) {
    size_t len = strlen(e->d_name);
    if (len < 10 || len >= sizeof out[n].file || strcmp(e->d_name + len - 4, ".sql") != 0 || e->d_name[4] != '_' ||
        strspn(e->d_name, "0123456789") != 4) {
      continue;
    }
    out[n].version = atoi(e->d_name);
    memcpy(out[n].file, e->d_name, len + 1);
    n++;
  }
  closedir(d);
  qsort(out, (size_t)n, sizeof *out, by_version);
  for (int i = 1; i < n; i++) {
    if (out[i].version == out[i - 1].version) {
      snprintf(err, errlen, "two migrations have version %d", out[i].version);
      return -1;
    }
  }
  return n;
}

int migrate_latest(const char *dir) {
  static struct migration list[MAX_MIGRATIONS];
  char err[256];
  int n = list_migrations(dir, list, err, sizeof err);
  return n > 0 ? list[n - 1].version : (n == 0 ? 0 : -1);
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long len;
  if (f == NULL) {
    return NULL;
  }
  if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
    buf = malloc((size_t)len + 1);
    if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
      free(buf);
      buf = NULL;
    } else if (buf) {
      buf[len] = '\0';
    }
  }
  fclose(f);
  return buf;
}

static int command(PGconn *pg, const char *sql, int n, const char *const *params, char *err, size_t errlen) {
  PGresult *r = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
  int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) {
    snprintf(err, errlen, "%s", PQresultErrorMessage(r));
  }
  PQclear(r);
  return ok ? 0 : -1;
}

int migrate_apply(const char *url, const char *dir, char *err, size_t errlen) {
  static struct migration list[MAX_MIGRATIONS];
  int applied = -1;
  PGconn *pg = NULL;
  char *script = NULL;
  int n = list_migrations(dir, list, err, errlen);
  if (n < 0) {
    return -1;
  }
  pg = db_connect_owner(url, err, errlen);
  if (pg == NULL) {
    return -1;
  }
  /* Each migration in a transaction of its own that first takes a transaction-level advisory
   * lock and reads the version again: concurrent starts apply each migration once, and no
   * lock or setting outlives a transaction, so this works the same through PgBouncer in
   * transaction mode (where a session lock would stay on a server connection). */
  for (;;) {
    char path[4096], version[16];
    if (command(pg, "BEGIN", 0, NULL, err, errlen) != 0 ||
        command(pg, "SET LOCAL client_min_messages = warning", 0, NULL, err, errlen) != 0 ||
        command(pg, "SELECT pg_advisory_xact_lock(738099)", 0, NULL, err, errlen) != 0 ||
        command(pg,
                "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
                0, NULL, err, errlen) != 0) {
      goto out;
    }
    PGresult *r =
        PQexecParams(pg, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0, NULL, NULL, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      snprintf(err, errlen, "%s", PQresultErrorMessage(r));
      PQclear(r);
      goto out;
    }
    int current = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    int i = 0;
    while (i < n && list[i].version <= current) {
      i++;
    }
    if (i == n) {
      if (command(pg, "COMMIT", 0, NULL, err, errlen) != 0) {
        goto out;
      }
      applied = current;
      break;
    }
    snprintf(path, sizeof path, "%s/%s", dir, list[i].file);
    snprintf(version, sizeof version, "%d", list[i].version);
    script = slurp(path);
    if (script == NULL) {
      snprintf(err, errlen, "cannot read %s", path);
      goto out;
    }
    /* A migration file is a trusted multi-statement script from the source tree, never
     * request input; only the simple-query protocol runs several statements at once. */
    r = PQexec(pg, script);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
      snprintf(err, errlen, "migration %s failed: %s", list[i].file, PQresultErrorMessage(r));
      PQclear(r);
      goto out;
    }
    PQclear(r);
    const char *params[] = {version, list[i].file};
    if (command(pg, "INSERT INTO schema_migrations (version, name) VALUES ($1::integer, $2)", 2, params, err, errlen) !=
            0 ||
        command(pg, "COMMIT", 0, NULL, err, errlen) != 0) {
      goto out;
    }
    y_log_message(Y_LOG_LEVEL_INFO, "migration %s applied", list[i].file);
    free(script);
    script = NULL;
  }
out:
  free(script);
  if (pg != NULL) {
    if (PQtransactionStatus(pg) != PQTRANS_IDLE) {
      PGresult *r = PQexec(pg, "ROLLBACK");
      PQclear(r);
    }
    PQfinish(pg);
  }
  return applied;
}
