/* The minutes of a management review (protokół z przeglądu zarządzania): as JSON, and as a
 * printable HTML document (Polish headings, print CSS) that a hall signs and files in EZD under
 * the review's znak sprawy: attendance, agenda, the frozen package's key figures and its
 * SHA-256, the decisions with owners and dates, the approval. Every value is HTML-escaped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "http.h"
#include "queries.h"
#include "rules.h"
#include "strbuf.h"

/* The scalar members of a section's data, one level of objects flattened ("programme.planned"):
 * its key figures (arrays of ids and items stay in the package). A new object. */
static json_t *key_figures(const json_t *content) {
  json_t *out = json_array();
  const char *key, *name, *inner_name;
  json_t *section, *value, *inner;
  json_object_foreach(json_object_get(content, "sections"), key, section) {
    json_t *figures = json_object();
    json_object_foreach(json_object_get(section, "data"), name, value) {
      if (json_is_object(value)) {
        json_object_foreach(value, inner_name, inner) {
          if (json_is_integer(inner) || json_is_string(inner)) {
            char flat[128];
            snprintf(flat, sizeof flat, "%s.%s", name, inner_name);
            json_object_set(figures, flat, inner);
          }
        }
      } else if (json_is_integer(value) || json_is_string(value)) {
        json_object_set(figures, name, value);
      }
    }
    json_array_append_new(out,
                          json_pack("{s:s, s:O, s:O, s:o}", "section", key, "input", json_object_get(section, "input"),
                                    "title", json_object_get(section, "title"), "figures", figures));
  }
  return out;
}

static void put(struct strbuf *b, const char *s) {
  strbuf_puts(b, s);
}

static void esc(struct strbuf *b, const char *s) {
  html_escape(b, s ? s : "");
}

/* A JSON scalar as text, escaped ("—" for null). */
static void esc_value(struct strbuf *b, const json_t *v) {
  char num[32];
  if (json_is_string(v)) {
    esc(b, json_string_value(v));
  } else if (json_is_integer(v)) {
    snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    put(b, num);
  } else if (json_is_true(v)) {
    put(b, "tak");
  } else if (json_is_false(v)) {
    put(b, "nie");
  } else {
    put(b, "—");
  }
}

static void row(struct strbuf *b, const char *label, const json_t *v) {
  put(b, "<tr><th>");
  esc(b, label);
  put(b, "</th><td>");
  esc_value(b, v);
  put(b, "</td></tr>\n");
}

static const char *KIND_PL(const char *kind) {
  if (kind && strcmp(kind, "steering_committee") == 0) return "Zespołu Sterującego";
  if (kind && strcmp(kind, "isms") == 0) return "Systemu Zarządzania Bezpieczeństwem Informacji (SZBI)";
  return "komórki organizacyjnej";
}

static const char *STATUS_PL(const char *s) {
  if (s == NULL) return "";
  if (strcmp(s, "open") == 0) return "otwarta";
  if (strcmp(s, "done") == 0) return "zrealizowana";
  if (strcmp(s, "cancelled") == 0) return "anulowana";
  return s;
}

static char *minutes_html(const json_t *doc) {
  struct strbuf b = {0};
  const json_t *review = json_object_get(doc, "review"), *package = json_object_get(doc, "package");
  const char *kind = json_string_value(json_object_get(review, "kind"));
  put(&b, "<!DOCTYPE html>\n<html lang=\"pl\">\n<head>\n<meta charset=\"utf-8\">\n<title>Protokół z przeglądu "
          "zarządzania ");
  esc_value(&b, json_object_get(review, "period"));
  put(&b, "</title>\n<style>\n"
          "body { font-family: 'DejaVu Serif', 'Times New Roman', serif; font-size: 11pt; margin: 2em; }\n"
          "h1 { font-size: 16pt; text-align: center; } h2 { font-size: 13pt; border-bottom: 1px solid #000; }\n"
          "table { border-collapse: collapse; width: 100%; margin-bottom: 1em; }\n"
          "th, td { border: 1px solid #444; padding: 3pt 5pt; text-align: left; vertical-align: top; }\n"
          ".hash { font-family: monospace; word-break: break-all; }\n"
          ".signatures td { height: 4em; }\n"
          "@page { size: A4; margin: 2cm; }\n"
          "@media print { body { margin: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }\n"
          "</style>\n</head>\n<body>\n");
  put(&b, "<h1>Protokół z przeglądu zarządzania ");
  esc(&b, KIND_PL(kind));
  put(&b, "</h1>\n<table>\n");
  row(&b, "Urząd", json_object_get(doc, "organisation"));
  if (json_is_string(json_object_get(doc, "org_unit_name"))) row(&b, "Komórka", json_object_get(doc, "org_unit_name"));
  row(&b, "Znak sprawy", json_object_get(review, "znak_sprawy"));
  row(&b, "Okres", json_object_get(review, "period"));
  row(&b, "Tytuł", json_object_get(review, "title"));
  row(&b, "Termin planowany", json_object_get(review, "planned_at"));
  row(&b, "Data posiedzenia", json_object_get(review, "held_at"));
  row(&b, "Przewodniczący", json_object_get(review, "chair"));
  row(&b, "Status", json_object_get(review, "status"));
  put(&b, "</table>\n<h2>Lista obecności</h2>\n<table>\n<tr><th>Lp.</th><th>Imię i nazwisko</th><th>Identyfikator"
          "</th><th>Podpis</th></tr>\n");
  size_t i;
  const json_t *p;
  json_array_foreach(json_object_get(review, "participants"), i, p) {
    char n[48];
    snprintf(n, sizeof n, "<tr><td>%zu</td><td>", i + 1);
    put(&b, n);
    esc_value(&b, json_object_get(p, "name"));
    put(&b, "</td><td>");
    if (json_object_get(p, "sub"))
      esc_value(&b, json_object_get(p, "sub"));
    else
      put(&b, "gość");
    put(&b, "</td><td></td></tr>\n");
  }
  put(&b, "</table>\n<h2>Porządek obrad</h2>\n<ol>\n");
  json_array_foreach(json_object_get(review, "agenda"), i, p) {
    put(&b, "<li>");
    esc_value(&b, p);
    put(&b, "</li>\n");
  }
  put(&b, "</ol>\n<h2>Dane wejściowe: pakiet danych</h2>\n");
  if (package == NULL || json_is_null(package)) {
    put(&b, "<p>Pakiet danych nie został zamrożony.</p>\n");
  } else {
    put(&b, "<table>\n");
    row(&b, "Wersja pakietu", json_object_get(package, "version"));
    row(&b, "Zamrożony", json_object_get(package, "frozen_at"));
    row(&b, "Zamroził", json_object_get(package, "frozen_by"));
    put(&b, "<tr><th>Skrót SHA-256 (RFC 8785)</th><td class=\"hash\">");
    esc_value(&b, json_object_get(package, "sha256"));
    put(&b, "</td></tr>\n</table>\n");
    const json_t *s;
    json_array_foreach(json_object_get(package, "key_figures"), i, s) {
      put(&b, "<h3>");
      esc_value(&b, json_object_get(s, "title"));
      put(&b, " (");
      esc_value(&b, json_object_get(s, "input"));
      put(&b, ")</h3>\n<table>\n");
      const char *name;
      json_t *v;
      json_object_foreach(json_object_get(s, "figures"), name, v) {
        row(&b, name, v);
      }
      put(&b, "</table>\n");
    }
  }
  put(&b, "<h2>Decyzje i działania</h2>\n<table>\n<tr><th>Nr</th><th>Rodzaj</th><th>Decyzja</th><th>Odpowiedzialny"
          "</th><th>Termin</th><th>Status</th></tr>\n");
  json_array_foreach(json_object_get(doc, "decisions"), i, p) {
    put(&b, "<tr><td>");
    esc_value(&b, json_object_get(p, "id"));
    put(&b, "</td><td>");
    esc_value(&b, json_object_get(p, "type"));
    put(&b, "</td><td>");
    esc_value(&b, json_object_get(p, "title"));
    put(&b, "</td><td>");
    esc_value(&b, json_object_get(p, "owner"));
    put(&b, "</td><td>");
    esc_value(&b, json_object_get(p, "due_date"));
    put(&b, "</td><td>");
    esc(&b, STATUS_PL(json_string_value(json_object_get(p, "status"))));
    put(&b, "</td></tr>\n");
  }
  put(&b, "</table>\n<h2>Zatwierdzenie protokołu</h2>\n<table class=\"signatures\">\n");
  row(&b, "Termin zatwierdzenia", json_object_get(review, "minutes_due"));
  row(&b, "Zatwierdził", json_object_get(review, "approved_by"));
  row(&b, "Data zatwierdzenia", json_object_get(review, "approved_at"));
  put(&b, "<tr><th>Podpis</th><td></td></tr>\n</table>\n</body>\n</html>\n");
  return strbuf_steal(&b);
}

static json_t *loads(const char *text) {
  return json_loads(text, JSON_DECODE_ANY, NULL);
}

void mr_minutes(struct db_tx *tx, struct req_ctx *c, struct result *res) {
  struct mr_caller who = caller_of(c);
  char kind[24];
  enum db_status st = mr_q_readable(tx, c->org_param, c->path[0], &who, kind);
  if (st == DB_NONE) result_problem(res, PROBLEM_NOT_FOUND, MSG_NOT_FOUND_MANAGEMENT_REVIEW);
  if (st != DB_ONE) return;
  PGresult *r = mr_q_minutes(tx, c->org_param, c->path[0]);
  PGresult *pkg = r ? mr_q_package_get(tx, c->org_param, c->path[0], NULL) : NULL;
  if (pkg == NULL) {
    PQclear(r);
    return;
  }
  json_t *doc = json_object();
  json_object_set_new(doc, "review", loads(PQgetvalue(r, 0, 0)));
  json_object_set_new(doc, "decisions", loads(PQgetvalue(r, 0, 1)));
  json_object_set_new(doc, "org_unit_name", PQgetisnull(r, 0, 2) ? json_null() : json_string(PQgetvalue(r, 0, 2)));
  json_object_set_new(doc, "organisation", json_string(PQgetvalue(r, 0, 3)));
  if (PQntuples(pkg) == 1) {
    json_t *content = loads(PQgetvalue(pkg, 0, 1));
    json_object_set_new(doc, "package",
                        json_pack("{s:I, s:s, s:s, s:s, s:o}", "version", (json_int_t)atoll(PQgetvalue(pkg, 0, 0)),
                                  "sha256", PQgetvalue(pkg, 0, 2), "frozen_by", PQgetvalue(pkg, 0, 3), "frozen_at",
                                  PQgetvalue(pkg, 0, 4), "key_figures", key_figures(content)));
    json_decref(content);
  } else {
    json_object_set_new(doc, "package", json_null());
  }
  PQclear(r);
  PQclear(pkg);
  const char *accept = u_map_get_case(c->req->map_header, "Accept");
  if (accept != NULL && strstr(accept, "text/html") != NULL) {
    char *html = minutes_html(doc);
    json_decref(doc);
    if (html == NULL) {
      result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
      return;
    }
    result_raw(res, 200, html);
    res->content_type = "text/html; charset=utf-8";
    free(html);
    return;
  }
  result_json(res, 200, doc);
}
