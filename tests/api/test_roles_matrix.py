"""Role x route matrix, table-driven from the routes tables of docs/design.md,
docs/design-objectives.md, docs/design-incidents.md, docs/design-surveys.md,
docs/design-audits.md, docs/design-directory.md, docs/design-management-reviews.md and
docs/design-case-marks.md.

For every route and every caller (president, plenipotentiary, process_owner = owner of the
target process, process_owner_other = a process owner who does not own it, iod, auditor,
employee = no roles, unit_head = head of the matrix's org unit (its token's unit claim), anonymous =
no token) the test sends a valid request and asserts either
success (2xx) or refusal (403 `forbidden`; 401 for anonymous), and that a refused write changed
nothing. Writes get a fresh target per cell, so the cells are independent.

Incidents are confidential: a caller who may not see an incident (neither iod, president,
plenipotentiary nor its reporter; the matrix's incidents are reported by the employee) gets 404
for it; on the routes under it that the caller may not use anyway 403 or 404 are both a
refusal. Such routes carry a fifth element: caller -> accepted refusal statuses.

Surveys: the two public routes need no token (every caller, anonymous too, may call them); a
survey is read by the plenipotentiary, the president and the owner of a process it concerns
(the matrix's survey concerns the fixture process); the list by every process owner too (each
sees only the surveys of its processes).

Audits (docs/design-audits.md): appointments are read by the plenipotentiary, the president
and an auditor (its own; the matrix's appointment is krakow.auditor's). The matrix's audit is
`integrated` (so the IOD reads it), krakow.auditor leads it and the scope is the fixture
process (so its owner reads it); the other process owner gets 404 for it, the employee 403 or
404. The matrix's nonconformity comes from a finding of that audit and has an action for which
krakow.employee is responsible, so everyone but the other process owner (404) reads it.
Nonconformity writes use a fresh card of the fixture process, which only the plenipotentiary,
the president and the process owner see: the others get 403 or 404.

Risks and the Statement of Applicability (docs/design-risks.md): rows and fixture in
risks_matrix.py.

One test method per cell: test_<METHOD>_<path>__<caller>.
"""

import itertools
import os
import re
import subprocess

from . import risks_matrix
from .client import (APPOINTMENTS, AUDITOR_SUB, AUDITS, BREACH_REGISTER, DEADLINE_RULES,
                     DEADLINE_RULE_NAMES, EMPLOYEE_SUB, INCIDENTS, INCIDENT_STATS, NC_STATS,
                     NONCONFORMITIES, OBJECTIVES, OWNER_SUB, SURVEYS, ZSZ_BIN, ApiTest, action_body,
                     action_etag, action_path, actions_path, add_action, add_timeline, ago, api,
                     appoint, appointment_body, appointment_path, audit_body, audit_path,
                     create_approved_objective, create_audit, create_change_request, create_finding,
                     create_incident, create_indicator, create_nc, create_objective,
                     create_open_survey, create_org_unit, create_owned_process, create_process,
                     create_review,
                     create_revision, create_survey, current_year, default_breach, demo_auditor,
                     employee, ensure_user, expect, finding_body, finding_path, findings_path,
                     free_audit_year, get_etag, get_rules, get_survey, incident_path,
                     indicator_path, iod, items_of, kr_code, list_all, make_token, nc_body, nc_path,
                     objective_path, other_owner, patch_incident, plenipotentiary, president,
                     psql_value, RUN,
                     programme_path, public_path, put_programme, put_rules, reading_path,
                     record_reading, respond, results_path, review_path, reviews_path, role_token,
                     scale_q, start_audit, survey_body, survey_path, text_q, texts_path,
                     timeline_path, transition_programme, uniq, with_query)

ALL = ("president", "plenipotentiary", "process_owner", "process_owner_other", "iod", "auditor",
       "employee", "unit_head")
P = ("plenipotentiary",)
O = ("process_owner",)
P_PR = ("plenipotentiary", "president")
PR = ("president",)
P_O = ("plenipotentiary", "process_owner")
REVIEW_READERS = ("plenipotentiary", "president", "auditor", "process_owner")
P_PR_AU = ("plenipotentiary", "president", "auditor")
IOD = ("iod",)
IOD_PR = ("iod", "president")
IOD_PR_P = ("iod", "president", "plenipotentiary")
# who sees an incident reported by the employee
INCIDENT_READERS = ("iod", "president", "plenipotentiary", "employee")
# callers who do not see it: 404 for the incident, 403 or 404 under it
HIDDEN = ("process_owner", "process_owner_other", "auditor", "unit_head")
NOT_FOUND = {c: (404,) for c in HIDDEN}
HIDDEN_OR_FORBIDDEN = {c: (403, 404) for c in HIDDEN}
TIMELINE_REFUSALS = dict(HIDDEN_OR_FORBIDDEN, employee=(403, 404))
Y = current_year()
PUBLIC = ALL + ("anonymous",)
SURVEY_READERS = ("plenipotentiary", "president", "process_owner")
SURVEY_LISTERS = SURVEY_READERS + ("process_owner_other",)
CALLERS = ALL + ("anonymous",)
APPOINTMENT_READERS = ("plenipotentiary", "president", "auditor")
PROGRAMME_READERS = ("plenipotentiary", "president", "iod", "auditor")
P_IOD = ("plenipotentiary", "iod")
AUDIT_LISTERS = ("plenipotentiary", "president", "iod", "auditor", "process_owner",
                 "process_owner_other")
AUDIT_READERS = ("plenipotentiary", "president", "iod", "auditor", "process_owner")
AUDIT_HIDDEN = {"process_owner_other": (404,), "employee": (403, 404), "unit_head": (403, 404)}
LEAD = ("auditor",)
# the refusals under an audit the caller may not read
AUDIT_WRITE_REFUSALS = {"process_owner_other": (403, 404), "employee": (403, 404),
                        "unit_head": (403, 404)}
NC_READERS = ALL[:3] + ALL[4:7]  # everyone but process_owner_other and unit_head
NC_HIDDEN = {"process_owner_other": (404,), "unit_head": (404,)}
NC_WRITERS = ("plenipotentiary", "process_owner")
# a fresh card is seen by P, PR and the process owner only
NC_WRITE_REFUSALS = {c: (403, 404) for c in ("process_owner_other", "unit_head", "iod", "auditor",
                                             "employee")}
ACTION_WRITERS = ("plenipotentiary", "process_owner", "employee")


# Integrations (docs/design-directory.md): a token with role integration is also an employee;
# a route whose row admits integrations names the scope the token needs. Each route gets two
# more callers: "integration" holding every scope but the route's, "integration_scoped"
# holding the route's (for a route without one, the same as "integration").
INTEGRATION_SUB = "krakow.integration"
ALL_SCOPES = ("directory:write", "processes:write", "objectives:write", "incidents:import",
              "changes:read", "webhooks:manage")
SCOPES = {
    ("PUT", "/api/v1/users/{sub}"): "directory:write",
    ("POST", "/api/v1/users/import"): "directory:write",
    ("POST", "/api/v1/org-units/import"): "directory:write",
    ("POST", "/api/v1/processes"): "processes:write",
    ("PATCH", "/api/v1/processes/{id}"): "processes:write",
    ("POST", "/api/v1/objectives"): "objectives:write",
    ("PATCH", "/api/v1/objectives/{id}"): "objectives:write",
    ("POST", "/api/v1/objectives/{id}/indicators"): "objectives:write",
    ("PATCH", "/api/v1/indicators/{id}"): "objectives:write",
    ("PUT", "/api/v1/indicators/{id}/readings/{period}"): "objectives:write",
    ("GET", "/api/v1/changes"): "changes:read",
    # docs/design-imports.md: each import route with the scope of the register it writes
    ("POST", "/api/v1/imports/processes"): "processes:write",
    ("POST", "/api/v1/imports/objectives"): "objectives:write",
    ("POST", "/api/v1/imports/readings"): "objectives:write",
    ("POST", "/api/v1/imports/incidents"): "incidents:import",
    ("POST", "/api/v1/imports/users"): "directory:write",
    ("POST", "/api/v1/imports/org-units"): "directory:write",
    # docs/design-webhooks.md
    ("GET", "/api/v1/webhooks"): "webhooks:manage",
    ("POST", "/api/v1/webhooks"): "webhooks:manage",
    ("GET", "/api/v1/webhooks/{id}"): "webhooks:manage",
    ("PATCH", "/api/v1/webhooks/{id}"): "webhooks:manage",
    ("DELETE", "/api/v1/webhooks/{id}"): "webhooks:manage",
    ("POST", "/api/v1/webhooks/{id}/rotate-secret"): "webhooks:manage",
    ("POST", "/api/v1/webhooks/{id}/ping"): "webhooks:manage",
    ("GET", "/api/v1/webhooks/{id}/deliveries"): "webhooks:manage",
    ("POST", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver"): "webhooks:manage",
}
# routes the employee may call only as the person a record names (reporter, responsible):
# an integration, another sub, is refused there (403 or 404)
BY_RECORD = {
    ("GET", "/api/v1/incidents/{id}"),
    ("GET", "/api/v1/nonconformities/{id}"),
    ("GET", "/api/v1/nonconformities/{id}/actions"),
    ("GET", "/api/v1/nonconformities/{id}/actions/{action_id}"),
    ("PATCH", "/api/v1/nonconformities/{id}/actions/{action_id}"),
    # the matrix's employee reads the steering committee's review as the owner of its decision
    ("GET", "/api/v1/management-reviews/{id}"),
    ("GET", "/api/v1/management-reviews/{id}/package"),
    ("GET", "/api/v1/management-reviews/{id}/minutes"),
    ("GET", "/api/v1/management-reviews/{id}/decisions"),
    ("GET", "/api/v1/management-reviews/{id}/decisions/{decision_id}"),
    ("PATCH", "/api/v1/management-reviews/{id}/decisions/{decision_id}"),
} | risks_matrix.BY_RECORD
INTEGRATIONS = ("integration", "integration_scoped")


def integration_token(scopes):
    return make_token(INTEGRATION_SUB, roles=["integration"], scope=" ".join(scopes))


def integration_allowed(method, path, allowed, caller):
    if SCOPES.get((method, path)) and caller == "integration_scoped":
        return True
    return "employee" in allowed and (method, path) not in BY_RECORD


def token_of(caller, scope=None):
    if caller == "anonymous":
        return None
    if caller == "process_owner_other":
        return other_owner()
    if caller == "integration_scoped":
        return integration_token([scope] if scope else ())
    if caller == "integration":
        return integration_token([s for s in ALL_SCOPES if s != scope])
    if caller == "unit_head":
        # the head of the matrix's unit (its token's unit claim names it)
        return make_token(UNIT_HEAD_SUB, roles=["unit_head"], unit=Fixture.unit_code)
    return role_token(caller)


class Fixture:
    """Read-only targets shared by the read rows (created once)."""
    ready = False
    unit_code = None

    @classmethod
    def setup(cls):
        if cls.ready:
            return
        cls.unit = create_org_unit()
        cls.unit_code = cls.unit["code"]
        for caller in ALL:
            ensure_user(token_of(caller))
        cls.process = create_owned_process()
        cls.cr = create_change_request(cls.process["id"])
        cls.objective = create_approved_objective(process_id=cls.process["id"])
        cls.revision = create_revision(cls.objective)
        cls.indicator = create_indicator(cls.objective)
        record_reading(cls.indicator, f"{Y}-Q1", "10")
        cls.review = create_review(cls.process, f"{Y}-H1")
        cls.incident = matrix_incident()
        add_timeline(cls.incident, text="Wpis macierzy")
        cls.survey = matrix_survey(process_ids=[cls.process["id"]])
        respond(cls.survey, {"q1": 4, "t": "Uwaga z macierzy"})
        cls.audit_year = free_audit_year()
        cls.appointment = demo_auditor(cls.audit_year).appointment
        cls.audit = create_audit(cls.audit_year, [AUDITOR_SUB], kind="integrated",
                                 scope_process_ids=[cls.process["id"]])
        start_audit(cls.audit, role_token("auditor"))
        cls.finding = create_finding(cls.audit, role_token("auditor"),
                                     kind="minor_nonconformity", process_id=cls.process["id"])
        cls.nc = expect(api("GET", nc_path(cls.finding["nonconformity_id"]), plenipotentiary()),
                        200)
        cls.action = add_action(cls.nc, responsible=EMPLOYEE_SUB)
        # docs/design-management-reviews.md: a steering-committee review with its package
        # frozen and a decision the employee owns
        cls.mr = create_mr()
        expect(mr_step(cls.mr, "package_frozen"), 200)
        cls.decision = create_mr_decision(cls.mr)
        expect(transition_programme(cls.audit_year, "submitted"), 200)
        expect(transition_programme(cls.audit_year, "approved", president()), 200)
        cls.programme_year = free_audit_year()
        expect(put_programme(cls.programme_year), 201)
        risks_matrix.RiskFixture.setup(cls.process)
        cls.imported = expect(api("POST", "/api/v1/imports/processes", plenipotentiary(),
                                  [{"code": kr_code("GW"), "name": "Import macierzy"}]), 201)
        cls.ready = True


def pp(p):
    return f"/api/v1/processes/{p['id']}"


def get_json(path):
    r = api("GET", path, plenipotentiary())
    if r.status != 200:
        raise AssertionError(r.describe())
    return r.body


# --- one builder per route: returns (path, body or None, headers, verify_unchanged or None)

def b_read(path_fn):
    def build():
        return path_fn(), None, None, None
    return build


def b_patch_user():
    sub = f"krakow.{uniq('mx')}"
    ensure_user(make_token(sub, roles=[]))
    path = f"/api/v1/users/{sub}"

    def verify(t):
        t.assertIsNone(get_json(path)["unit_id"])
    return path, {"unit_id": Fixture.unit["id"]}, {"If-Match": get_etag(path)}, verify


def b_post_org_unit():
    code = uniq("mx-")

    def verify(t):
        t.assertEqual(list_all("/api/v1/org-units", q=code), [])
    return "/api/v1/org-units", {"code": code, "name": "Macierz ról"}, None, verify


def b_patch_org_unit():
    unit = create_org_unit()
    path = f"/api/v1/org-units/{unit['id']}"

    def verify(t):
        t.assertEqual(get_json(path)["name"], unit["name"])
    return path, {"name": "Zmieniona w macierzy"}, {"If-Match": get_etag(path)}, verify


def b_post_process():
    code = kr_code("GW")
    name = f"Macierz {uniq('')}"

    def verify(t):
        t.assertEqual(list_all("/api/v1/processes", q=name), [])
    return "/api/v1/processes", {"code": code, "name": name}, None, verify


def b_patch_process():
    p = create_owned_process()

    def verify(t):
        t.assertEqual(get_json(pp(p))["name"], p["name"])
    return pp(p), {"name": "Zmieniony w macierzy"}, {"If-Match": get_etag(pp(p))}, verify


def b_delete_process():
    p = create_owned_process()

    def verify(t):
        t.assertEqual(get_json(pp(p))["status"], "active")
    return pp(p), None, None, verify


def b_transition_process():
    p = create_owned_process()

    def verify(t):
        t.assertEqual(get_json(pp(p))["status"], "active")
    return f"{pp(p)}/transitions", {"to": "retired"}, None, verify


def b_post_change_request():
    p = create_owned_process()

    def verify(t):
        t.assertEqual(list_all(f"{pp(p)}/change-requests"), [])
    return (f"{pp(p)}/change-requests",
            {"proposed_description": "Propozycja z macierzy", "reason": "Test uprawnień"}, None,
            verify)


def b_decide_change_request():
    p = create_owned_process()
    cr = create_change_request(p["id"])
    path = f"{pp(p)}/change-requests/{cr['id']}"

    def verify(t):
        t.assertEqual(get_json(path)["status"], "pending")
        t.assertEqual(get_json(pp(p))["version"], 1)
    return f"{path}/transitions", {"to": "approved"}, None, verify


def get_items(path):
    return items_of(get_json(path))


def b_post_objective():
    p = create_owned_process()

    def verify(t):
        t.assertEqual(list_all(OBJECTIVES, process_id=p["id"]), [])
    return (OBJECTIVES, {"code": uniq("mx-"), "year": Y, "title": "Macierz ról",
                         "process_id": p["id"]}, None, verify)


def b_patch_objective():
    o = create_objective()
    path = objective_path(o)

    def verify(t):
        t.assertEqual(get_json(path)["title"], o["title"])
    return path, {"title": "Zmieniony w macierzy"}, {"If-Match": get_etag(path)}, verify


def b_transition_objective():
    o = create_objective()

    def verify(t):
        t.assertEqual(get_json(objective_path(o))["status"], "draft")
    return (f"{objective_path(o)}/transitions", {"to": "cancelled", "reason": "Macierz ról"},
            None, verify)


def b_post_revision():
    o = create_approved_objective()
    path = f"{objective_path(o)}/revisions"

    def verify(t):
        t.assertEqual(get_items(path), [])
    return (path, {"changes": {"resources": "Macierz"}, "reason": "Test uprawnień"}, None,
            verify)


def b_decide_revision():
    o = create_approved_objective()
    rev = create_revision(o)
    path = f"{objective_path(o)}/revisions/{rev['id']}"

    def verify(t):
        t.assertEqual(get_json(path)["status"], "pending")
        t.assertEqual(get_json(objective_path(o))["approved_version"], 1)
    return f"{path}/transitions", {"to": "approved"}, None, verify


def b_post_indicator():
    o = create_objective()
    path = f"{objective_path(o)}/indicators"

    def verify(t):
        t.assertEqual(get_items(path), [])
    return (path, {"name": "Macierz", "direction": "increase", "baseline": "0",
                   "target": "10", "frequency": "yearly"}, None, verify)


def b_patch_indicator():
    i = create_indicator(create_objective())
    path = indicator_path(i)

    def verify(t):
        t.assertEqual(get_json(path)["name"], i["name"])
    return path, {"name": "Zmieniony w macierzy"}, {"If-Match": get_etag(path)}, verify


def b_put_reading():
    """An indicator of an objective of a process owned by krakow.process_owner."""
    o = create_objective(process_id=create_owned_process()["id"])
    i = create_indicator(o)
    path = reading_path(i, f"{Y}-Q2")

    def verify(t):
        t.assertEqual(api("GET", path, plenipotentiary()).status, 404)
    return path, {"value": "42"}, None, verify


def b_lock_reading():
    i = create_indicator(create_objective())
    record_reading(i, f"{Y}-Q1", "5")
    path = reading_path(i, f"{Y}-Q1")

    def verify(t):
        t.assertIs(get_json(path)["locked"], False)
    return f"{path}/lock", None, None, verify


def b_post_review():
    p = create_owned_process()

    def verify(t):
        t.assertEqual(get_items(reviews_path(p)), [])
    return reviews_path(p), {"period": f"{Y}-H1"}, None, verify


def b_patch_review():
    p = create_owned_process()
    rv = create_review(p, f"{Y}-H1")
    path = review_path(p, rv)

    def verify(t):
        t.assertEqual(get_json(path)["good_practices"], rv["good_practices"])
    return path, {"good_practices": "Macierz ról"}, {"If-Match": get_etag(path)}, verify


def b_transition_review():
    p = create_owned_process()
    rv = create_review(p, f"{Y}-H1")
    path = review_path(p, rv)

    def verify(t):
        t.assertEqual(get_json(path)["status"], "draft")
    return f"{path}/transitions", {"to": "submitted"}, None, verify


def matrix_incident():
    """A breach reported by the employee, assessed by the IOD."""
    inc = create_incident(employee(), type="personal_data_breach", detected_at=ago(hours=3))
    expect(patch_incident(inc, {"severity": 3, "breach": default_breach()}), 200)
    return inc


def get_incident_as_iod(inc):
    return expect(api("GET", incident_path(inc), iod()), 200)


def b_post_incident():
    title = f"Macierz {uniq('')}"

    def verify(t):
        newest = items_of(expect(api("GET", with_query(INCIDENTS, limit=20), iod()), 200))
        t.assertNotIn(title, [i["title"] for i in newest])
    return INCIDENTS, {"title": title, "type": "other", "detected_at": ago(hours=1)}, None, verify


def b_patch_incident():
    inc = matrix_incident()

    def verify(t):
        got = get_incident_as_iod(inc)
        t.assertEqual((got["title"], got["severity"]), (inc["title"], 3))
    return (incident_path(inc), {"title": "Zmienione w macierzy", "severity": 5},
            {"If-Match": get_etag(incident_path(inc), iod())}, verify)


def b_transition_incident():
    inc = matrix_incident()

    def verify(t):
        t.assertEqual(get_incident_as_iod(inc)["status"], "reported")
    return f"{incident_path(inc)}/transitions", {"to": "triage"}, None, verify


def b_post_timeline():
    inc = matrix_incident()

    def verify(t):
        t.assertEqual(items_of(expect(api("GET", timeline_path(inc), iod()), 200)), [])
    return (timeline_path(inc), {"at": ago(minutes=10), "kind": "note", "text": "Macierz"},
            None, verify)


def b_put_rules():
    """Sends other values than the current ones; a refused PUT leaves them, an allowed one is
    put back (fifth element: cleanup)."""
    before = {k: get_rules()[k] for k in DEADLINE_RULE_NAMES}
    body = {k: (v + 1 if v < 8760 else v - 1) for k, v in before.items()}

    def verify(t):
        got = get_rules()
        t.assertEqual({k: got[k] for k in DEADLINE_RULE_NAMES}, before)

    def cleanup():
        put_rules(before)
    return DEADLINE_RULES, body, None, verify, cleanup


def matrix_survey(open_=True, **fields):
    """A survey with a scale and a text question, min_group_size 1 (so texts are readable)."""
    fields.setdefault("questions", [scale_q("q1"), text_q("t")])
    fields.setdefault("min_group_size", 1)
    return create_open_survey(**fields) if open_ else create_survey(**fields)


def b_post_survey():
    title = f"Macierz {uniq('')}"

    def verify(t):
        t.assertNotIn(title, [s["title"] for s in list_all(SURVEYS, year=Y)])
    return SURVEYS, survey_body(title=title), None, verify


def b_patch_survey():
    s = matrix_survey(open_=False)
    path = survey_path(s)

    def verify(t):
        t.assertEqual(get_survey(s)["title"], s["title"])
    return path, {"title": "Zmienione w macierzy"}, {"If-Match": get_etag(path)}, verify


def b_transition_survey():
    s = matrix_survey(open_=False)

    def verify(t):
        t.assertEqual(get_survey(s)["status"], "draft")
    return f"{survey_path(s)}/transitions", {"to": "open"}, None, verify


def b_access_codes():
    s = matrix_survey()

    def verify(t):
        t.assertIs(get_survey(s)["access_codes_required"], False)
    return f"{survey_path(s)}/access-codes", {"count": 2}, None, verify


def b_import_responses():
    s = matrix_survey()

    def verify(t):
        t.assertEqual(get_survey(s)["response_count"], 0)
    return (f"{survey_path(s)}/responses/import", [{"answers": {"q1": 4, "t": "Import"}}],
            None, verify)


def b_public_response():
    return (f"{public_path(Fixture.survey)}/responses", {"answers": {"q1": 5}}, None, None)


def fo():
    return objective_path(Fixture.objective)


def fi():
    return incident_path(Fixture.incident)


# --- docs/design-audits.md

def fresh_auditor_sub():
    sub = f"krakow.{uniq('mxa')}"
    ensure_user(make_token(sub, roles=["auditor"], name=f"Audytor macierzy {sub}"))
    return sub


def b_post_appointment():
    sub = fresh_auditor_sub()

    def verify(t):
        t.assertEqual(list_all(APPOINTMENTS, auditor=sub), [])
    return APPOINTMENTS, appointment_body(sub, Fixture.audit_year), None, verify


def b_patch_appointment():
    a = appoint(fresh_auditor_sub(), Fixture.audit_year)
    path = appointment_path(a)

    def verify(t):
        t.assertEqual(get_json(path)["order_ref"], a["order_ref"])
    return path, {"order_ref": "Zarządzenie macierzy"}, {"If-Match": get_etag(path)}, verify


def b_revoke_appointment():
    a = appoint(fresh_auditor_sub(), Fixture.audit_year)
    path = appointment_path(a)

    def verify(t):
        t.assertEqual(get_json(path)["status"], "active")
    return f"{path}/transitions", {"to": "revoked", "reason": "Macierz ról"}, None, verify


def programme_state():
    return get_json(programme_path(Fixture.programme_year))


def b_put_programme():
    """The matrix's programme year: a submitted programme is returned first, so a PUT is
    possible (an approved one: the PUT starts the next version)."""
    y = Fixture.programme_year
    if programme_state()["status"] == "submitted":
        expect(transition_programme(y, "returned", president(), reason="Macierz"), 200)
    before = programme_state()

    def verify(t):
        got = programme_state()
        t.assertEqual((got["objectives"], got["status"], got["version"]),
                      (before["objectives"], before["status"], before["version"]))
    return programme_path(y), {"objectives": f"Macierz {uniq('')}"}, None, verify


def b_transition_programme():
    """draft|returned -> submitted (plenipotentiary, IOD)."""
    y = Fixture.programme_year
    status = programme_state()["status"]
    if status == "submitted":
        expect(transition_programme(y, "returned", president(), reason="Macierz"), 200)
    elif status == "approved":
        expect(put_programme(y), 200)
    before = programme_state()["status"]

    def verify(t):
        t.assertEqual(programme_state()["status"], before)
    return f"{programme_path(y)}/transitions", {"to": "submitted"}, None, verify


def matrix_is_audit():
    """A fresh information_security audit led by krakow.auditor, scope the fixture process."""
    return create_audit(Fixture.audit_year, [AUDITOR_SUB], kind="information_security",
                        scope_process_ids=[Fixture.process["id"]])


def b_post_audit():
    body = audit_body(Fixture.audit_year, [AUDITOR_SUB], kind="information_security",
                      scope_process_ids=[Fixture.process["id"]])

    def verify(t):
        codes = [a["code"] for a in list_all(AUDITS, year=Fixture.audit_year)]
        t.assertNotIn(body["code"], codes)
    return AUDITS, body, None, verify


def b_patch_audit():
    a = matrix_is_audit()
    path = audit_path(a)

    def verify(t):
        t.assertEqual(get_json(path)["auditees"], a["auditees"])
    return path, {"auditees": ["Macierz ról"]}, {"If-Match": get_etag(path)}, verify


def b_transition_audit():
    a = matrix_is_audit()

    def verify(t):
        t.assertEqual(get_json(audit_path(a))["status"], "planned")
    return f"{audit_path(a)}/transitions", {"to": "in_progress"}, None, verify


def b_post_finding():
    a = matrix_is_audit()
    start_audit(a, role_token("auditor"))

    def verify(t):
        t.assertEqual(get_items(findings_path(a)), [])
    return (findings_path(a), finding_body(clause="ISO/IEC 27001:2022 A.5.24"), None, verify)


def b_post_nc():
    desc = f"Macierz {uniq('')}"

    def verify(t):
        got = list_all(NONCONFORMITIES, process_id=Fixture.process["id"])
        t.assertNotIn(desc, [n["description"] for n in got])
    return NONCONFORMITIES, nc_body(Fixture.process["id"], description=desc), None, verify


def matrix_nc():
    return create_nc(Fixture.process["id"])


def b_patch_nc():
    n = matrix_nc()
    path = nc_path(n)

    def verify(t):
        t.assertEqual(get_json(path)["description"], n["description"])
    return path, {"description": "Zmieniona w macierzy"}, {"If-Match": get_etag(path)}, verify


def b_transition_nc():
    n = matrix_nc()

    def verify(t):
        t.assertEqual(get_json(nc_path(n))["status"], "open")
    return f"{nc_path(n)}/transitions", {"to": "analysis"}, None, verify


def b_post_action():
    n = matrix_nc()

    def verify(t):
        t.assertEqual(get_json(nc_path(n))["actions"], [])
    return actions_path(n), action_body(), None, verify


def b_patch_action():
    """An action of a fresh card for which krakow.employee is responsible."""
    n = matrix_nc()
    a = add_action(n, responsible=EMPLOYEE_SUB)
    path = action_path(n, a)

    def verify(t):
        t.assertEqual(get_json(nc_path(n))["actions"][0]["status"], "open")
    return path, {"status": "done", "note": "Macierz"}, {"If-Match": action_etag(n, a)}, verify


def fa():
    return audit_path(Fixture.audit)


# --- docs/design-directory.md


def b_put_organisation():
    before = get_json("/api/v1/organisation")

    def verify(t):
        t.assertEqual(get_json("/api/v1/organisation"), before)
    # the same name: an allowed PUT changes nothing the other tests see
    return "/api/v1/organisation", {"name": before["name"]}, None, verify


def b_put_scheme():
    before = get_json("/api/v1/organisation/process-scheme")
    body = {k: v for k, v in before.items() if k != "updated_at"}

    def verify(t):
        t.assertEqual(get_json("/api/v1/organisation/process-scheme"), before)
    return "/api/v1/organisation/process-scheme", body, None, verify


def b_put_user():
    sub = f"krakow.{uniq('mxd')}"
    path = f"/api/v1/users/{sub}"

    def verify(t):
        t.assertEqual(api("GET", path, plenipotentiary()).status, 404)
    return path, {"name": "Osoba z macierzy", "email": "macierz@example.org"}, None, verify


def b_users_import():
    sub = f"krakow.{uniq('mxi')}"

    def verify(t):
        t.assertEqual(api("GET", f"/api/v1/users/{sub}", plenipotentiary()).status, 404)
    return "/api/v1/users/import", [{"sub": sub, "name": "Import z macierzy"}], None, verify


def b_org_units_import():
    code = uniq("mxu-")

    def verify(t):
        t.assertEqual(list_all("/api/v1/org-units", q=code), [])
    return "/api/v1/org-units/import", [{"code": code, "name": "Komórka z macierzy"}], None, verify


def b_handover():
    """A fresh directory user owning a fresh process, handed over to another."""
    a, b = f"krakow.{uniq('mxa')}", f"krakow.{uniq('mxb')}"
    for sub in (a, b):
        expect(api("PUT", f"/api/v1/users/{sub}", plenipotentiary(), {"name": sub}), 201)
    p = create_process(owner=a)

    def verify(t):
        t.assertEqual(get_json(pp(p))["owner"], a)
    return f"/api/v1/users/{a}/handover", {"to": b}, None, verify
# --- docs/design-management-reviews.md

MR = "/api/v1/management-reviews"
UNIT_HEAD_SUB = "krakow.unit_head"
MR_READERS = ("plenipotentiary", "president", "auditor", "employee")
# a steering-committee review: the others' 404, as if it did not exist
MR_HIDDEN = {c: (404,) for c in ("process_owner", "process_owner_other", "iod", "unit_head")}
MR_WRITE_REFUSALS = {"iod": (404,), "unit_head": (404,)}
MR_DECISION_WRITERS = ("plenipotentiary", "employee")
MR_CALENDAR_READERS = ("plenipotentiary", "president", "iod", "auditor", "unit_head")
MR_RULE_READERS = ("plenipotentiary", "president", "iod")
MR_DEFAULT_RULES = {
    "org_unit": {"cadence": "monthly", "minutes_days": 5},
    "isms": {"cadence": "yearly", "review_by": "02-15", "minutes_by": "02-28", "minutes_days": 10},
    "steering_committee": {"cadence": "yearly", "review_by": "03-15", "minutes_by": "03-31",
                           "minutes_days": 14}}


def create_mr(**fields):
    body = {"kind": "steering_committee", "period": str(Y - 1), "planned_at": f"{Y}-03-10T10:00:00+01:00",
            "title": f"Macierz {uniq('')}"}
    body.update(fields)
    return expect(api("POST", MR, plenipotentiary(), body), 201)


def mr_step(review, to):
    return api("POST", f"{MR}/{review['id']}/transitions", plenipotentiary(), {"to": to})


def create_mr_decision(review, owner=EMPLOYEE_SUB):
    return expect(api("POST", f"{MR}/{review['id']}/decisions", plenipotentiary(),
                      {"type": "improvement", "title": "Decyzja macierzy", "owner": owner,
                       "due_date": f"{Y + 1}-06-30"}), 201)


def fmr():
    return f"{MR}/{Fixture.mr['id']}"


def b_put_mr_rule():
    def verify(t):
        t.assertEqual(get_json("/api/v1/management-review-rules")["steering_committee"]["review_by"],
                      "03-15")
    # the Kraków defaults (docs/design-management-reviews.md): allowed or not, nothing moves
    return ("/api/v1/management-review-rules", MR_DEFAULT_RULES, None, verify)


def b_post_mr():
    title = f"Macierz {uniq('')}"

    def verify(t):
        t.assertEqual([x for x in get_json(f"{MR}?limit=200")["items"] if x["title"] == title], [])
    return MR, {"kind": "steering_committee", "period": str(Y - 1), "planned_at": f"{Y}-03-10T10:00:00Z",
                "title": title}, None, verify


def b_patch_mr():
    review = create_mr()
    path = f"{MR}/{review['id']}"

    def verify(t):
        t.assertEqual(get_json(path)["title"], review["title"])
    return path, {"title": "Zmieniony w macierzy"}, {"If-Match": get_etag(path)}, verify


def b_transition_mr():
    review = create_mr()
    path = f"{MR}/{review['id']}"

    def verify(t):
        t.assertEqual(get_json(path)["status"], "planned")
    return f"{path}/transitions", {"to": "package_frozen"}, None, verify


def b_post_mr_decision():
    review = create_mr()
    path = f"{MR}/{review['id']}/decisions"

    def verify(t):
        t.assertEqual(get_json(path)["items"], [])
    return path, {"type": "resource_need", "title": "Etat", "owner": EMPLOYEE_SUB,
                  "due_date": f"{Y + 1}-01-31"}, None, verify


def b_patch_mr_decision():
    review = create_mr()
    d = create_mr_decision(review)
    path = f"{MR}/{review['id']}/decisions/{d['id']}"

    def verify(t):
        t.assertEqual(get_json(path)["status"], "open")
    return path, {"status": "done", "note": "Macierz"}, {"If-Match": get_etag(path)}, verify
# --- docs/design-imports.md

IMPORT_READERS = ("plenipotentiary", "president", "iod")
_import_numbers = itertools.count(1)


def b_import_processes():
    code = kr_code("GW")

    def verify(t):
        t.assertEqual(list_all("/api/v1/processes", q=code), [])
    return "/api/v1/imports/processes", [{"code": code, "name": "Import z macierzy"}], None, verify


def b_import_readings():
    ind = create_indicator(Fixture.objective)
    period = f"{Fixture.objective['year']}-Q3"
    rows = [{"objective": Fixture.objective["code"], "indicator": ind["name"], "period": period,
             "value": "7"}]

    def verify(t):
        t.assertEqual(api("GET", reading_path(ind, period), plenipotentiary()).status, 404)
    return "/api/v1/imports/readings", rows, None, verify


def b_import_incidents():
    number = f"INC/2010/{RUN}{next(_import_numbers):03d}"
    rows = [{"number": number, "reported_at": "2010-05-01T10:00:00Z", "reporter": EMPLOYEE_SUB,
             "title": "Import z macierzy", "type": "other", "detected_at": "2010-05-01T09:00:00Z"}]

    def verify(t):
        t.assertEqual(psql_value(f"SELECT count(*) FROM incidents WHERE number = '{number}'"), "0")
    return "/api/v1/imports/incidents", rows, None, verify


def b_import_objectives():
    code = uniq("MXO")
    rows = [{"code": code, "year": Y, "title": "Import z macierzy",
             "indicators": [{"name": "Wskaźnik z macierzy", "direction": "increase",
                             "baseline": "1", "target": "2", "frequency": "yearly"}]}]

    def verify(t):
        t.assertEqual(psql_value(f"SELECT count(*) FROM objectives WHERE code = '{code}'"), "0")
    return "/api/v1/imports/objectives", rows, None, verify


def b_import_users():
    sub = f"krakow.{uniq('mxj')}"

    def verify(t):
        t.assertEqual(api("GET", f"/api/v1/users/{sub}", plenipotentiary()).status, 404)
    return "/api/v1/imports/users", [{"sub": sub, "name": "Import z macierzy"}], None, verify


def b_import_org_units():
    code = uniq("mxv-")

    def verify(t):
        t.assertEqual(list_all("/api/v1/org-units", q=code), [])
    return "/api/v1/imports/org-units", [{"code": code, "name": "Komórka z macierzy"}], None, verify


# --- docs/design-webhooks.md: the plenipotentiary, or an integration with webhooks:manage

WH = "/api/v1/webhooks"
_webhook_fixture = {}


def mx_webhook(ping=False):
    """A fresh subscription to ping events only, switched off (what is queued for it is never
    sent: the workers stay out of the matrix); with ping, one ping delivery queued."""
    sub = expect(api("POST", WH, plenipotentiary(),
                     {"url": "https://hooks.matrix.invalid/zsz", "events": ["ping"], "active": False,
                      "description": uniq("Macierz ")}), 201)
    if ping:
        sub["delivery"] = expect(api("POST", f"{WH}/{sub['id']}/ping", plenipotentiary()), 202)
    return sub


def fwh():
    """The read rows' subscription (with one delivery), created once."""
    if not _webhook_fixture:
        _webhook_fixture.update(mx_webhook(ping=True))
    return f"{WH}/{_webhook_fixture['id']}"


def drop_webhook(sub):
    return lambda: api("DELETE", f"{WH}/{sub['id']}", plenipotentiary())


def b_post_webhook():
    description = uniq("Macierz ")

    def verify(t):
        t.assertEqual(psql_value("SELECT count(*) FROM webhook_subscriptions "
                                 f"WHERE description = '{description}'"), "0")
    return WH, {"url": "https://hooks.matrix.invalid/new", "events": ["ping"], "active": False,
                "description": description}, None, verify


def b_patch_webhook():
    sub = mx_webhook()
    path = f"{WH}/{sub['id']}"

    def verify(t):
        t.assertEqual(get_json(path)["description"], sub["description"])
    return path, {"description": "Zmiana z macierzy"}, {"If-Match": get_etag(path)}, verify, drop_webhook(sub)


def b_delete_webhook():
    sub = mx_webhook()
    path = f"{WH}/{sub['id']}"

    def verify(t):
        t.assertEqual(api("GET", path, plenipotentiary()).status, 200)
    return path, None, None, verify, drop_webhook(sub)


def b_rotate_webhook():
    sub = mx_webhook()

    def verify(t):
        t.assertEqual(psql_value(f"SELECT secret FROM webhook_subscriptions WHERE id = {sub['id']}"),
                      sub["secret"])
    return f"{WH}/{sub['id']}/rotate-secret", None, None, verify, drop_webhook(sub)


def b_ping_webhook():
    sub = mx_webhook()

    def verify(t):
        t.assertEqual(psql_value("SELECT count(*) FROM webhook_deliveries "
                                 f"WHERE subscription_id = {sub['id']}"), "0")
    return f"{WH}/{sub['id']}/ping", None, None, verify, drop_webhook(sub)


def b_redeliver_webhook():
    sub = mx_webhook(ping=True)

    def verify(t):
        t.assertEqual(psql_value("SELECT count(*) FROM webhook_deliveries "
                                 f"WHERE subscription_id = {sub['id']}"), "1")
    return (f"{WH}/{sub['id']}/deliveries/{sub['delivery']['id']}/redeliver", None, None, verify,
            drop_webhook(sub))


ROUTES = [
    # public
    ("GET", "/healthz", PUBLIC, b_read(lambda: "/healthz")),
    ("GET", "/readyz", PUBLIC, b_read(lambda: "/readyz")),
    ("GET", "/metrics", PUBLIC, b_read(lambda: "/metrics")),
    ("GET", "/openapi.json", PUBLIC, b_read(lambda: "/openapi.json")),
    ("GET", "/docs", PUBLIC, b_read(lambda: "/docs")),
    ("GET", "/docs/redoc.standalone.js", PUBLIC, b_read(lambda: "/docs/redoc.standalone.js")),
    # /api/v1
    ("GET", "/api/v1/me", ALL, b_read(lambda: "/api/v1/me")),
    ("GET", "/api/v1/organisation", ALL, b_read(lambda: "/api/v1/organisation")),
    ("GET", "/api/v1/users", ALL, b_read(lambda: "/api/v1/users")),
    ("GET", "/api/v1/users/{sub}", ALL, b_read(lambda: f"/api/v1/users/{OWNER_SUB}")),
    ("PATCH", "/api/v1/users/{sub}", P, b_patch_user),
    ("GET", "/api/v1/org-units", ALL, b_read(lambda: "/api/v1/org-units")),
    ("POST", "/api/v1/org-units", P, b_post_org_unit),
    ("GET", "/api/v1/org-units/{id}", ALL,
     b_read(lambda: f"/api/v1/org-units/{Fixture.unit['id']}")),
    ("PATCH", "/api/v1/org-units/{id}", P, b_patch_org_unit),
    ("GET", "/api/v1/processes", ALL, b_read(lambda: "/api/v1/processes")),
    ("POST", "/api/v1/processes", P, b_post_process),
    ("GET", "/api/v1/processes/{id}", ALL, b_read(lambda: pp(Fixture.process))),
    ("PATCH", "/api/v1/processes/{id}", P, b_patch_process),
    ("DELETE", "/api/v1/processes/{id}", P, b_delete_process),
    ("POST", "/api/v1/processes/{id}/transitions", P, b_transition_process),
    ("GET", "/api/v1/processes/{id}/versions", ALL,
     b_read(lambda: f"{pp(Fixture.process)}/versions")),
    ("GET", "/api/v1/processes/{id}/change-requests", ALL,
     b_read(lambda: f"{pp(Fixture.process)}/change-requests")),
    ("POST", "/api/v1/processes/{id}/change-requests", O, b_post_change_request),
    ("GET", "/api/v1/processes/{id}/change-requests/{cr_id}", ALL,
     b_read(lambda: f"{pp(Fixture.process)}/change-requests/{Fixture.cr['id']}")),
    ("POST", "/api/v1/processes/{id}/change-requests/{cr_id}/transitions", P,
     b_decide_change_request),
    # issue 11: the IOD reads the feed too (the entities it may read, a record rule in SQL)
    ("GET", "/api/v1/changes", IOD_PR_P, b_read(lambda: "/api/v1/changes")),
    # docs/design-objectives.md
    ("GET", "/api/v1/objectives", ALL, b_read(lambda: OBJECTIVES)),
    ("POST", "/api/v1/objectives", P, b_post_objective),
    ("GET", "/api/v1/objectives/report", ALL, b_read(lambda: f"{OBJECTIVES}/report?year={Y}")),
    ("GET", "/api/v1/objectives/{id}", ALL, b_read(fo)),
    ("PATCH", "/api/v1/objectives/{id}", P, b_patch_objective),
    ("POST", "/api/v1/objectives/{id}/transitions", P_PR, b_transition_objective),
    ("GET", "/api/v1/objectives/{id}/approvals", ALL, b_read(lambda: f"{fo()}/approvals")),
    ("GET", "/api/v1/objectives/{id}/revisions", ALL, b_read(lambda: f"{fo()}/revisions")),
    ("POST", "/api/v1/objectives/{id}/revisions", P, b_post_revision),
    ("GET", "/api/v1/objectives/{id}/revisions/{rev_id}", ALL,
     b_read(lambda: f"{fo()}/revisions/{Fixture.revision['id']}")),
    ("POST", "/api/v1/objectives/{id}/revisions/{rev_id}/transitions", PR, b_decide_revision),
    ("GET", "/api/v1/objectives/{id}/indicators", ALL, b_read(lambda: f"{fo()}/indicators")),
    ("POST", "/api/v1/objectives/{id}/indicators", P, b_post_indicator),
    ("GET", "/api/v1/indicators/{id}", ALL, b_read(lambda: indicator_path(Fixture.indicator))),
    ("PATCH", "/api/v1/indicators/{id}", P, b_patch_indicator),
    ("GET", "/api/v1/indicators/{id}/readings", ALL,
     b_read(lambda: f"{indicator_path(Fixture.indicator)}/readings")),
    ("GET", "/api/v1/indicators/{id}/readings/{period}", ALL,
     b_read(lambda: reading_path(Fixture.indicator, f"{Y}-Q1"))),
    ("PUT", "/api/v1/indicators/{id}/readings/{period}", P_O, b_put_reading),
    ("POST", "/api/v1/indicators/{id}/readings/{period}/lock", P, b_lock_reading),
    ("GET", "/api/v1/processes/{id}/reviews", REVIEW_READERS,
     b_read(lambda: reviews_path(Fixture.process))),
    ("POST", "/api/v1/processes/{id}/reviews", O, b_post_review),
    ("GET", "/api/v1/processes/{id}/reviews/{review_id}", REVIEW_READERS,
     b_read(lambda: review_path(Fixture.process, Fixture.review))),
    ("PATCH", "/api/v1/processes/{id}/reviews/{review_id}", O, b_patch_review),
    ("POST", "/api/v1/processes/{id}/reviews/{review_id}/transitions", O, b_transition_review),
    ("GET", "/api/v1/process-reviews", P_PR_AU,
     b_read(lambda: f"/api/v1/process-reviews?period={Y}-H1")),
    # docs/design-incidents.md
    ("GET", "/api/v1/incidents", ALL, b_read(lambda: INCIDENTS)),
    ("POST", "/api/v1/incidents", ALL, b_post_incident),
    ("GET", "/api/v1/incidents/breach-register", IOD_PR,
     b_read(lambda: f"{BREACH_REGISTER}?year={Y}")),
    ("GET", "/api/v1/incidents/stats", IOD_PR_P, b_read(lambda: f"{INCIDENT_STATS}?year={Y}")),
    ("GET", "/api/v1/incidents/{id}", INCIDENT_READERS, b_read(fi), NOT_FOUND),
    ("PATCH", "/api/v1/incidents/{id}", IOD, b_patch_incident, HIDDEN_OR_FORBIDDEN),
    ("POST", "/api/v1/incidents/{id}/transitions", IOD, b_transition_incident,
     HIDDEN_OR_FORBIDDEN),
    ("GET", "/api/v1/incidents/{id}/timeline", IOD_PR,
     b_read(lambda: timeline_path(Fixture.incident)), TIMELINE_REFUSALS),
    ("POST", "/api/v1/incidents/{id}/timeline", IOD, b_post_timeline, TIMELINE_REFUSALS),
    ("GET", "/api/v1/deadline-rules", IOD, b_read(lambda: DEADLINE_RULES)),
    ("PUT", "/api/v1/deadline-rules", IOD, b_put_rules),
    # docs/design-surveys.md
    ("GET", "/api/v1/surveys", SURVEY_LISTERS, b_read(lambda: SURVEYS)),
    ("POST", "/api/v1/surveys", P, b_post_survey),
    ("GET", "/api/v1/surveys/{id}", SURVEY_READERS, b_read(lambda: survey_path(Fixture.survey))),
    ("PATCH", "/api/v1/surveys/{id}", P, b_patch_survey),
    ("POST", "/api/v1/surveys/{id}/transitions", P, b_transition_survey),
    ("POST", "/api/v1/surveys/{id}/access-codes", P, b_access_codes),
    ("POST", "/api/v1/surveys/{id}/responses/import", P, b_import_responses),
    ("GET", "/api/v1/surveys/{id}/results", SURVEY_READERS,
     b_read(lambda: results_path(Fixture.survey))),
    ("GET", "/api/v1/surveys/{id}/results/texts", P,
     b_read(lambda: texts_path(Fixture.survey, "t"))),
    ("GET", "/api/v1/public/surveys/{public_id}", PUBLIC,
     b_read(lambda: public_path(Fixture.survey))),
    ("POST", "/api/v1/public/surveys/{public_id}/responses", PUBLIC, b_public_response),
    # docs/design-audits.md
    ("GET", "/api/v1/auditor-appointments", APPOINTMENT_READERS, b_read(lambda: APPOINTMENTS)),
    ("POST", "/api/v1/auditor-appointments", P, b_post_appointment),
    ("GET", "/api/v1/auditor-appointments/{id}", APPOINTMENT_READERS,
     b_read(lambda: appointment_path(Fixture.appointment))),
    ("PATCH", "/api/v1/auditor-appointments/{id}", P, b_patch_appointment),
    ("POST", "/api/v1/auditor-appointments/{id}/transitions", PR, b_revoke_appointment),
    ("GET", "/api/v1/audit-programmes/{year}", PROGRAMME_READERS,
     b_read(lambda: programme_path(Fixture.audit_year))),
    ("PUT", "/api/v1/audit-programmes/{year}", P_IOD, b_put_programme),
    ("POST", "/api/v1/audit-programmes/{year}/transitions", P_IOD, b_transition_programme),
    ("GET", "/api/v1/audit-programmes/{year}/versions/{version}", PROGRAMME_READERS,
     b_read(lambda: f"{programme_path(Fixture.audit_year)}/versions/1")),
    ("GET", "/api/v1/audits", AUDIT_LISTERS, b_read(lambda: AUDITS)),
    ("POST", "/api/v1/audits", P_IOD, b_post_audit),
    ("GET", "/api/v1/audits/{id}", AUDIT_READERS, b_read(fa), AUDIT_HIDDEN),
    ("PATCH", "/api/v1/audits/{id}", P_IOD, b_patch_audit, AUDIT_WRITE_REFUSALS),
    ("POST", "/api/v1/audits/{id}/transitions", LEAD, b_transition_audit, AUDIT_WRITE_REFUSALS),
    ("GET", "/api/v1/audits/{id}/findings", AUDIT_READERS,
     b_read(lambda: findings_path(Fixture.audit)), AUDIT_HIDDEN),
    ("POST", "/api/v1/audits/{id}/findings", LEAD, b_post_finding, AUDIT_WRITE_REFUSALS),
    ("GET", "/api/v1/audits/{id}/findings/{finding_id}", AUDIT_READERS,
     b_read(lambda: finding_path(Fixture.audit, Fixture.finding)), AUDIT_HIDDEN),
    ("GET", "/api/v1/nonconformities", ALL, b_read(lambda: NONCONFORMITIES)),
    ("POST", "/api/v1/nonconformities", P_O, b_post_nc),
    ("GET", "/api/v1/nonconformities/stats", P_PR,
     b_read(lambda: with_query(NC_STATS, year=Y))),
    ("GET", "/api/v1/nonconformities/{id}", NC_READERS, b_read(lambda: nc_path(Fixture.nc)),
     NC_HIDDEN),
    ("PATCH", "/api/v1/nonconformities/{id}", NC_WRITERS, b_patch_nc, NC_WRITE_REFUSALS),
    ("POST", "/api/v1/nonconformities/{id}/transitions", NC_WRITERS, b_transition_nc,
     NC_WRITE_REFUSALS),
    ("GET", "/api/v1/nonconformities/{id}/actions", NC_READERS,
     b_read(lambda: actions_path(Fixture.nc)), NC_HIDDEN),
    ("POST", "/api/v1/nonconformities/{id}/actions", NC_WRITERS, b_post_action,
     NC_WRITE_REFUSALS),
    # the action's ETag for PATCH's If-Match (openapi actionGet)
    ("GET", "/api/v1/nonconformities/{id}/actions/{action_id}", NC_READERS,
     b_read(lambda: action_path(Fixture.nc, Fixture.action)), NC_HIDDEN),
    ("PATCH", "/api/v1/nonconformities/{id}/actions/{action_id}", ACTION_WRITERS,
     b_patch_action, NC_WRITE_REFUSALS),
    # docs/design-directory.md
    ("PUT", "/api/v1/organisation", P, b_put_organisation),
    ("GET", "/api/v1/organisation/process-scheme", ALL,
     b_read(lambda: "/api/v1/organisation/process-scheme")),
    ("PUT", "/api/v1/organisation/process-scheme", P, b_put_scheme),
    ("PUT", "/api/v1/users/{sub}", P, b_put_user),
    ("POST", "/api/v1/users/import", P, b_users_import),
    ("POST", "/api/v1/org-units/import", P, b_org_units_import),
    ("GET", "/api/v1/users/{sub}/responsibilities", P_PR + O,
     b_read(lambda: f"/api/v1/users/{OWNER_SUB}/responsibilities")),
    ("POST", "/api/v1/users/{sub}/handover", P, b_handover),
    # docs/design-management-reviews.md
    ("GET", "/api/v1/management-review-rules", MR_RULE_READERS,
     b_read(lambda: "/api/v1/management-review-rules")),
    ("PUT", "/api/v1/management-review-rules", P, b_put_mr_rule),
    ("GET", "/api/v1/management-reviews/calendar", MR_CALENDAR_READERS,
     b_read(lambda: f"{MR}/calendar?year={Y}&kind=steering_committee")),
    ("GET", "/api/v1/management-reviews", ALL, b_read(lambda: MR)),
    ("POST", "/api/v1/management-reviews", P, b_post_mr),
    ("GET", "/api/v1/management-reviews/{id}", MR_READERS, b_read(fmr), MR_HIDDEN),
    ("PATCH", "/api/v1/management-reviews/{id}", P, b_patch_mr, MR_WRITE_REFUSALS),
    ("POST", "/api/v1/management-reviews/{id}/transitions", P, b_transition_mr, MR_WRITE_REFUSALS),
    ("GET", "/api/v1/management-reviews/{id}/package", MR_READERS,
     b_read(lambda: f"{fmr()}/package"), MR_HIDDEN),
    ("GET", "/api/v1/management-reviews/{id}/minutes", MR_READERS,
     b_read(lambda: f"{fmr()}/minutes"), MR_HIDDEN),
    ("GET", "/api/v1/management-reviews/{id}/decisions", MR_READERS,
     b_read(lambda: f"{fmr()}/decisions"), MR_HIDDEN),
    ("POST", "/api/v1/management-reviews/{id}/decisions", P, b_post_mr_decision, MR_WRITE_REFUSALS),
    ("GET", "/api/v1/management-reviews/{id}/decisions/{decision_id}", MR_READERS,
     b_read(lambda: f"{fmr()}/decisions/{Fixture.decision['id']}"), MR_HIDDEN),
    ("PATCH", "/api/v1/management-reviews/{id}/decisions/{decision_id}", MR_DECISION_WRITERS,
     b_patch_mr_decision, dict(MR_HIDDEN, process_owner=(404,))),
    # docs/design-case-marks.md: everyone may ask; each sees only the records it may read
    # (tests/api/test_case_marks.py)
    ("GET", "/api/v1/case-references", ALL, b_read(lambda: "/api/v1/case-references")),

    # docs/design-imports.md
    ("GET", "/api/v1/imports", IMPORT_READERS, b_read(lambda: "/api/v1/imports")),
    ("GET", "/api/v1/imports/{id}", IMPORT_READERS,
     b_read(lambda: f"/api/v1/imports/{Fixture.imported['id']}")),
    ("POST", "/api/v1/imports/processes", P, b_import_processes),
    ("POST", "/api/v1/imports/readings", P, b_import_readings),
    ("POST", "/api/v1/imports/incidents", IOD, b_import_incidents),
    ("POST", "/api/v1/imports/objectives", P, b_import_objectives),
    ("POST", "/api/v1/imports/users", P, b_import_users),
    ("POST", "/api/v1/imports/org-units", P, b_import_org_units),

    # docs/design-webhooks.md
    ("GET", "/api/v1/webhooks", P, b_read(lambda: WH)),
    ("POST", "/api/v1/webhooks", P, b_post_webhook),
    ("GET", "/api/v1/webhooks/{id}", P, b_read(fwh)),
    ("PATCH", "/api/v1/webhooks/{id}", P, b_patch_webhook),
    ("DELETE", "/api/v1/webhooks/{id}", P, b_delete_webhook),
    ("POST", "/api/v1/webhooks/{id}/rotate-secret", P, b_rotate_webhook),
    ("POST", "/api/v1/webhooks/{id}/ping", P, b_ping_webhook),
    ("GET", "/api/v1/webhooks/{id}/deliveries", P, b_read(lambda: f"{fwh()}/deliveries")),
    ("POST", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", P, b_redeliver_webhook),
] + risks_matrix.ROUTES


class RolesMatrixTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        Fixture.setup()

    def check(self, method, allowed, build, caller, refusals=None, template=None):
        path, body, headers, verify, *cleanup = build()
        kwargs = {"headers": headers}
        if body is not None:
            kwargs["body"] = body
        scope = SCOPES.get((method, template))
        try:
            r = api(method, path, token_of(caller, scope), **kwargs)
            if caller in INTEGRATIONS:
                if integration_allowed(method, template, allowed, caller):
                    self.assertTrue(200 <= r.status < 300, f"{caller} may call this: {r.describe()}")
                elif scope:
                    self.assertProblem(r, 403, "insufficient-scope")
                    self.assertIn(scope, r.body["detail"])
                    self.assertIn(f'scope="{scope}"', r.headers.get("WWW-Authenticate", ""))
                else:
                    statuses = (403, 404) if (method, template) in BY_RECORD else (403,)
                    self.assertStatus(r, *statuses)
                    self.assertProblem(r, r.status, "forbidden" if r.status == 403 else "not-found")
                if verify and not integration_allowed(method, template, allowed, caller):
                    verify(self)
            elif caller in allowed:
                self.assertTrue(200 <= r.status < 300, f"{caller} may call this: {r.describe()}")
                if r.status != 204:
                    self.assertIsNotNone(r.body, r.describe())
                    if path.startswith("/api/"):
                        self.assertIsInstance(r.body, dict, r.describe())
            elif caller == "anonymous":
                self.assertUnauthorized(r)
                if verify:
                    verify(self)
            else:
                statuses = (refusals or {}).get(caller, (403,))
                self.assertStatus(r, *statuses)
                self.assertProblem(r, r.status, "forbidden" if r.status == 403 else "not-found")
                if verify:
                    verify(self)
        finally:
            for fn in cleanup:
                fn()


def _slug(method, path):
    s = path.strip("/").replace("{", "").replace("}", "")
    for ch in "/-.":
        s = s.replace(ch, "_")
    return f"{method}_{s}"


def _make(method, path, allowed, build, caller, refusals=None):
    def test(self):
        self.check(method, allowed, build, caller, refusals, path)
    if caller in INTEGRATIONS:
        verdict = "allowed" if integration_allowed(method, path, allowed, caller) else "refused"
    else:
        verdict = "allowed" if caller in allowed else "refused"
    test.__doc__ = f"{method} as {caller}: {verdict}"
    return test


for _method, _path, _allowed, _build, *_refusals in ROUTES:
    for _caller in CALLERS + (INTEGRATIONS if _path.startswith("/api/") else ()):
        _name = f"test_{_slug(_method, _path)}__{_caller}"
        setattr(RolesMatrixTest, _name,
                _make(_method, _path, _allowed, _build, _caller, *_refusals))


class MatrixCompletenessTest(ApiTest):
    def test_matrix_covers_every_route_of_the_design(self):
        """The table above lists the 25 routes of docs/design.md, the 25 of
        docs/design-objectives.md, the 11 of docs/design-incidents.md, the 11 of
        docs/design-surveys.md, the 26 of docs/design-audits.md (plus GET of one
        nonconformity action, which the server adds so PATCH of an action has an ETag to
        match), the 8 of docs/design-directory.md, the 14 of
        docs/design-management-reviews.md, the 1 of docs/design-case-marks.md, the 25 of
        docs/design-risks.md, the 8 of docs/design-imports.md and the 9 of
        docs/design-webhooks.md, each once."""
        keys = [(r[0], r[1]) for r in ROUTES]
        self.assertEqual(len(keys), len(set(keys)))
        self.assertEqual(len(keys), 166)  # with GET /docs and its bundle (issue 15)
        self.assertEqual(sum(1 for m, p in keys if p.startswith("/api/v1")), 160)
        self.assertEqual(sum(1 for m, p in keys if p.startswith("/api/v1/webhooks")), 9)
        self.assertTrue(set(SCOPES) <= set(keys), "every scoped route is in the matrix")
        self.assertEqual(sum(1 for m, p in keys if p.startswith("/api/v1/management-review")), 14)
        self.assertEqual(sum(1 for m, p in keys if p.startswith(("/api/v1/risk", "/api/v1/soa"))),
                         25)
        self.assertEqual(sum(1 for m, p in keys if p.startswith("/api/v1/imports")), 8)
        self.assertEqual(sum(1 for m, p in keys if p.startswith("/api/v1/auditor-appointments")),
                         5)
        self.assertEqual(sum(1 for m, p in keys if p.startswith("/api/v1/audit-programmes")), 4)
        self.assertEqual(sum(1 for m, p in keys if p.startswith("/api/v1/audits")), 8)
        self.assertEqual(sum(1 for m, p in keys if p.startswith("/api/v1/nonconformities")),
                         10)
        self.assertEqual(sum(1 for m, p in keys if p.startswith("/api/v1/incidents")
                             or p == "/api/v1/deadline-rules"), 11)
        self.assertEqual(sum(1 for m, p in keys if p.startswith("/api/v1/surveys")
                             or p.startswith("/api/v1/public/surveys")), 11)
        self.assertEqual({r[2] for r in ROUTES if r[1].startswith("/api/v1/public/")}, {PUBLIC},
                         "the public routes need no token")

    def test_matrix_matches_the_servers_route_table(self):
        """`zsz-api routes` prints the same routes (parameter names aside), when the binary is
        at hand."""
        if not ZSZ_BIN or not os.access(ZSZ_BIN, os.X_OK):
            self.skipTest("ZSZ_BIN is not set")
        out = subprocess.run([ZSZ_BIN, "routes"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)

        def shape(method, path):
            return method, re.sub(r"\{[^}]*\}", "{}", path)
        printed = {shape(*line.split(" ", 1)) for line in out.stdout.splitlines() if line.strip()}
        self.assertEqual(printed, {shape(r[0], r[1]) for r in ROUTES})
