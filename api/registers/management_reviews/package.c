/* The data package: ISO 9001 9.3.2 inputs a-j (Lublin 002 §29) and the ISMS inputs of
 * ISO/IEC 27001 9.3.2, each computed by one SQL function of migration 0016 over the review's
 * period and scope. SECTIONS is the one place a register adds its section: a row naming the
 * section, the input it answers, its Polish title, the kinds of review it belongs to and the
 * statement that computes it. (When the risks register lands, h_risks's statement becomes its
 * summary instead of the text the plenipotentiary writes.) */
#include <stdlib.h>
#include <string.h>

#include "messages.h"
#include "package.h"
#include "queries.h"
#include "rules.h"
#include "strbuf.h"

enum { K_UNIT = 1u << 0, K_ISMS = 1u << 1, K_STEERING = 1u << 2, K_ALL = K_UNIT | K_ISMS | K_STEERING };

/* Each statement takes ($1 org, $2 review id) and answers the section's data (jsonb, one row). */
#define SECTION_SQL(expr) "SELECT (" expr ")::text FROM management_reviews r WHERE r.org_id = $1 AND r.id = $2"

struct mr_section {
  const char *key;
  const char *input; /* the clause it answers */
  const char *title; /* Polish, as printed in the minutes */
  unsigned kinds;
  const char *sql;
};

static const struct mr_section SECTIONS[] = {
    {"a_previous_actions", "ISO 9001 9.3.2 a", "Status działań z poprzednich przeglądów zarządzania", K_ALL,
     SECTION_SQL("zsz_mrp_previous_actions(r)")},
    {"b_context_changes", "ISO 9001 9.3.2 b", "Zmiany w kwestiach zewnętrznych i wewnętrznych", K_ALL,
     SECTION_SQL("zsz_mrp_text(r.context_changes)")},
    {"c_audits", "ISO 9001 9.3.2 c", "Wyniki audytów", K_ALL, SECTION_SQL("zsz_mrp_audits(r)")},
    {"d_nonconformities", "ISO 9001 9.3.2 d", "Niezgodności i działania korygujące", K_ALL,
     SECTION_SQL("zsz_mrp_nonconformities(r)")},
    {"e_satisfaction", "ISO 9001 9.3.2 e", "Zadowolenie klientów i pracowników", K_ALL,
     SECTION_SQL("zsz_mrp_satisfaction(r)")},
    {"f_complaints", "ISO 9001 9.3.2 f", "Skargi i wnioski", K_ALL, SECTION_SQL("zsz_mrp_text(r.complaints)")},
    {"g_resources", "ISO 9001 9.3.2 g", "Adekwatność zasobów", K_ALL, SECTION_SQL("zsz_mrp_text(r.resources)")},
    {"h_risks", "ISO 9001 9.3.2 h", "Skuteczność działań podjętych wobec ryzyk i szans", K_ALL,
     SECTION_SQL("zsz_mrp_risks(r)")},
    {"i_objectives", "ISO 9001 9.3.2 i", "Stopień realizacji celów", K_ALL, SECTION_SQL("zsz_mrp_objectives(r)")},
    {"j_improvement", "ISO 9001 9.3.2 j", "Możliwości doskonalenia", K_ALL, SECTION_SQL("zsz_mrp_improvement(r)")},
    {"isms_incidents", "ISO/IEC 27001 9.3.2", "Incydenty bezpieczeństwa informacji", K_ISMS,
     SECTION_SQL("zsz_mrp_isms_incidents(r)")},
    {"isms_breaches", "ISO/IEC 27001 9.3.2", "Naruszenia ochrony danych osobowych i terminy zgłoszeń", K_ISMS,
     SECTION_SQL("zsz_mrp_isms_breaches(r)")},
    {"isms_ksc", "ISO/IEC 27001 9.3.2", "Zgłoszenia incydentów do CSIRT (KSC)", K_ISMS,
     SECTION_SQL("zsz_mrp_isms_ksc(r)")},
    {"isms_audits", "ISO/IEC 27001 9.3.2", "Wyniki audytów SZBI", K_ISMS, SECTION_SQL("zsz_mrp_isms_audits(r)")},
    {"isms_objectives", "ISO/IEC 27001 9.3.2", "Cele bezpieczeństwa informacji", K_ISMS,
     SECTION_SQL("zsz_mrp_isms_objectives(r)")},
};

static unsigned kind_bit(const char *kind) {
  if (strcmp(kind, "org_unit") == 0) return K_UNIT;
  if (strcmp(kind, "isms") == 0) return K_ISMS;
  return K_STEERING;
}

/* A one-row statement's text as a new JSON reference, or NULL (failure, or res set). */
static json_t *one_json(PGresult *r, struct result *res) {
  if (r == NULL) return NULL;
  json_t *v = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0) ? json_loads(PQgetvalue(r, 0, 0), 0, NULL) : NULL;
  PQclear(r);
  if (v == NULL) result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  return v;
}

json_t *mr_package_build(struct db_tx *tx, const char *org, const char *id, const char *kind, struct result *res) {
  json_t *review = one_json(
      mr_q_section(tx,
                   SECTION_SQL("jsonb_build_object('id', r.id, 'kind', r.kind, 'ad_hoc', r.ad_hoc, 'period', r.period, "
                               "'org_unit_id', r.org_unit_id, 'from', zsz_mr_from(r.period), "
                               "'to', zsz_mr_to(r.period) - 1)"),
                   org, id),
      res);
  if (review == NULL) return NULL;
  json_t *sections = json_object();
  unsigned bit = kind_bit(kind);
  for (size_t i = 0; i < sizeof SECTIONS / sizeof SECTIONS[0]; i++) {
    const struct mr_section *s = &SECTIONS[i];
    if ((s->kinds & bit) == 0) continue;
    json_t *data = one_json(mr_q_section(tx, s->sql, org, id), res);
    if (data == NULL) {
      json_decref(sections);
      json_decref(review);
      return NULL;
    }
    json_object_set_new(sections, s->key,
                        json_pack("{s:s, s:s, s:o}", "input", s->input, "title", s->title, "data", data));
  }
  return json_pack("{s:o, s:o}", "review", review, "sections", sections);
}

char *mr_package_text(const json_t *package, struct result *res) {
  struct strbuf b = {0};
  if (mr_canonical(package, &b) != 0) {
    strbuf_free(&b);
    result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
    return NULL;
  }
  char *text = strbuf_steal(&b);
  if (text == NULL) result_problem(res, PROBLEM_INTERNAL, MSG_INTERNAL);
  return text;
}

int mr_package_freeze(struct db_tx *tx, const char *org, const char *id, const char *kind, const char *actor,
                      struct result *res) {
  json_t *package = mr_package_build(tx, org, id, kind, res);
  char *text = package ? mr_package_text(package, res) : NULL;
  json_decref(package);
  if (text == NULL) return 0;
  PGresult *r = mr_q_package_insert(tx, org, id, text, actor);
  free(text);
  if (r == NULL) return 0;
  PQclear(r);
  return 1;
}
