"""The role matrix's rows for the risk register and the Statement of Applicability
(docs/design-risks.md), imported by test_roles_matrix.py.

The matrix's risk is an information-security risk of the fixture process, owned by
krakow.employee (a risk owner may hold any role), assessed within the appetite, with an action
for which krakow.process_owner_other is responsible: so the plenipotentiary, the president, the
auditor, the IOD (information security), the process owner (its process) and the employee (its
owner) read it, and the other process owner reads only the action. Writes use a fresh risk of
the same kind: the plenipotentiary, the IOD and the owner manage it; the president, the auditor
and the process owner read it but may not change it (403); the other process owner does not see
it (404). Acceptance within the appetite: the owner, the plenipotentiary, the president."""

from .client import (EMPLOYEE_SUB, OTHER_OWNER_SUB, api, ensure_user, expect, get_etag,
                     other_owner, plenipotentiary, psql_value, role_token, uniq, with_query)
from .risks_common import (MAP, RISK_MATRIX, RISKS, SOA, WORKLIST, add_risk_action,
                           approved_soa_version, assess, create_risk, day, get_risk, matrix_body,
                           risk_action_path, risk_body, risk_path, soa_decide_all, soa_entry,
                           soa_reset)

# the matrix's callers (test_roles_matrix.ALL); the unit head is an employee who neither owns
# the matrix's risk nor is responsible for its action
ALL = ("president", "plenipotentiary", "process_owner", "process_owner_other", "iod", "auditor",
       "employee", "unit_head")
NOT_UNIT_HEAD = ALL[:-1]
P = ("plenipotentiary",)
P_PR = ("plenipotentiary", "president")
P_IOD = ("plenipotentiary", "iod")
RISK_READERS = ("president", "plenipotentiary", "process_owner", "iod", "auditor", "employee")
RISK_HIDDEN = {"process_owner_other": (404,), "unit_head": (404,)}
MANAGERS = ("plenipotentiary", "iod", "employee")
MANAGE_REFUSALS = {"process_owner_other": (404,), "unit_head": (404,)}
ACCEPTORS = ("plenipotentiary", "president", "employee")
ACTION_WRITERS = ("plenipotentiary", "iod", "employee", "process_owner_other")
SOA_READERS = ("plenipotentiary", "president", "iod", "auditor")


class RiskFixture:
    ready = False

    @classmethod
    def setup(cls, process):
        if cls.ready:
            return
        ensure_user(role_token("employee"))
        ensure_user(other_owner())
        cls.process = process
        cls.risk = matrix_risk()
        cls.action = add_risk_action(cls.risk, responsible=OTHER_OWNER_SUB)
        cls.soa_version = approved_soa_version()
        cls.ready = True


def matrix_risk(assessed=True):
    r = create_risk(area="information_security", process_ids=[RiskFixture.process["id"]],
                    owner=EMPLOYEE_SUB)
    if assessed:
        expect(assess(r, 4, 4, 2, 2), 201)
    return r


def rp():
    return risk_path(RiskFixture.risk)


def b_read(path_fn):
    def build():
        return path_fn(), None, None, None
    return build


def b_put_matrix():
    before = expect(api("GET", RISK_MATRIX, plenipotentiary()), 200)["version"]

    def verify(t):
        t.assertEqual(expect(api("GET", RISK_MATRIX, plenipotentiary()), 200)["version"], before)
    return RISK_MATRIX, matrix_body(), None, verify


def b_post_risk():
    title = f"Macierz {uniq('')}"

    def verify(t):
        t.assertEqual(psql_value(f"SELECT count(*) FROM risks WHERE title = '{title}'"), "0")
    return RISKS, risk_body(title=title, area="information_security", owner=EMPLOYEE_SUB,
                            process_ids=[RiskFixture.process["id"]]), None, verify


def b_patch_risk():
    r = matrix_risk(False)
    path = risk_path(r)

    def verify(t):
        t.assertEqual(get_risk(r)["title"], r["title"])
    return path, {"title": "Zmieniony w macierzy"}, {"If-Match": get_etag(path)}, verify


def b_transition_risk():
    r = matrix_risk(False)

    def verify(t):
        t.assertEqual(get_risk(r)["status"], "identified")
    return f"{risk_path(r)}/transitions", {"to": "closed", "reason": "Macierz"}, None, verify


def b_post_assessment():
    r = matrix_risk(False)

    def verify(t):
        t.assertIsNone(get_risk(r)["assessment"])
    return (f"{risk_path(r)}/assessments", {"inherent_likelihood": 3, "inherent_impact": 3,
                                            "residual_likelihood": 2, "residual_impact": 2},
            None, verify)


def b_put_treatment():
    r = matrix_risk()

    def verify(t):
        t.assertIsNone(get_risk(r)["treatment"]["option"])
    return (f"{risk_path(r)}/treatment",
            {"option": "reduce", "note": "Macierz",
             "controls": [{"description": "Kopie", "state": "existing", "annex_a": ["A.8.13"]}]},
            None, verify)


def b_accept():
    r = matrix_risk()

    def verify(t):
        t.assertIsNone(get_risk(r)["acceptance"])
    return (f"{risk_path(r)}/acceptance", {"justification": "Macierz", "expires_on": day(90)},
            None, verify)


def b_post_review():
    r = matrix_risk()

    def verify(t):
        t.assertEqual(get_risk(r)["reviews"], [])
    return f"{risk_path(r)}/reviews", {"note": "Przegląd z macierzy"}, None, verify


def b_post_action():
    r = matrix_risk()

    def verify(t):
        t.assertEqual(get_risk(r)["actions"], [])
    return (f"{risk_path(r)}/actions",
            {"description": "Macierz", "responsible": EMPLOYEE_SUB, "due_date": day(30)}, None,
            verify)


def b_patch_action():
    r = matrix_risk()
    a = add_risk_action(r, responsible=OTHER_OWNER_SUB)
    path = risk_action_path(r, a)

    def verify(t):
        t.assertEqual(get_risk(r)["actions"][0]["status"], "open")
    return path, {"status": "done", "note": "Macierz"}, {"If-Match": get_etag(path)}, verify


def b_put_control():
    soa_reset()
    text = f"Macierz {uniq('')}"

    def verify(t):
        c = expect(api("GET", f"{SOA}/controls/A.6.2", plenipotentiary()), 200)
        t.assertNotEqual(c["justification"], text)
    return f"{SOA}/controls/A.6.2", soa_entry(justification=text), None, verify


def b_soa_transition():
    soa_reset()
    soa_decide_all()

    def verify(t):
        t.assertEqual(expect(api("GET", SOA, plenipotentiary()), 200)["status"], "draft")
    return f"{SOA}/transitions", {"to": "submitted"}, None, verify


Y = day(0)[:4]
# routes the employee reaches only as the person the record names (the risk's owner, the
# action's responsible): an integration, another sub, is refused there (403 or 404)
BY_RECORD = {
    ("GET", "/api/v1/risks/{id}"), ("PATCH", "/api/v1/risks/{id}"),
    ("POST", "/api/v1/risks/{id}/transitions"), ("GET", "/api/v1/risks/{id}/assessments"),
    ("POST", "/api/v1/risks/{id}/assessments"), ("GET", "/api/v1/risks/{id}/treatment"),
    ("PUT", "/api/v1/risks/{id}/treatment"), ("POST", "/api/v1/risks/{id}/acceptance"),
    ("POST", "/api/v1/risks/{id}/reviews"), ("POST", "/api/v1/risks/{id}/actions"),
    ("GET", "/api/v1/risks/{id}/actions/{action_id}"),
    ("PATCH", "/api/v1/risks/{id}/actions/{action_id}"),
}

ROUTES = [
    ("GET", "/api/v1/risk-matrix", ALL, b_read(lambda: RISK_MATRIX)),
    ("PUT", "/api/v1/risk-matrix", P, b_put_matrix),
    ("GET", "/api/v1/risk-matrix/versions/{version}", ALL,
     b_read(lambda: f"{RISK_MATRIX}/versions/1")),
    ("GET", "/api/v1/risks", ALL, b_read(lambda: RISKS)),
    ("POST", "/api/v1/risks", P_IOD, b_post_risk),
    ("GET", "/api/v1/risks/map", ALL, b_read(lambda: MAP)),
    ("GET", "/api/v1/risks/worklist", ALL, b_read(lambda: WORKLIST)),
    ("GET", "/api/v1/risks/summary", P_PR,
     b_read(lambda: with_query(f"{RISKS}/summary", **{"from": f"{Y}-01-01", "to": f"{Y}-12-31"}))),
    ("GET", "/api/v1/risks/{id}", RISK_READERS, b_read(rp), RISK_HIDDEN),
    ("PATCH", "/api/v1/risks/{id}", MANAGERS, b_patch_risk, MANAGE_REFUSALS),
    ("POST", "/api/v1/risks/{id}/transitions", MANAGERS, b_transition_risk, MANAGE_REFUSALS),
    ("GET", "/api/v1/risks/{id}/assessments", RISK_READERS,
     b_read(lambda: f"{rp()}/assessments"), RISK_HIDDEN),
    ("POST", "/api/v1/risks/{id}/assessments", MANAGERS, b_post_assessment, MANAGE_REFUSALS),
    ("GET", "/api/v1/risks/{id}/treatment", RISK_READERS, b_read(lambda: f"{rp()}/treatment"),
     RISK_HIDDEN),
    ("PUT", "/api/v1/risks/{id}/treatment", MANAGERS, b_put_treatment, MANAGE_REFUSALS),
    ("POST", "/api/v1/risks/{id}/acceptance", ACCEPTORS, b_accept, MANAGE_REFUSALS),
    ("POST", "/api/v1/risks/{id}/reviews", MANAGERS, b_post_review, MANAGE_REFUSALS),
    ("POST", "/api/v1/risks/{id}/actions", MANAGERS, b_post_action, MANAGE_REFUSALS),
    ("GET", "/api/v1/risks/{id}/actions/{action_id}", NOT_UNIT_HEAD,
     b_read(lambda: risk_action_path(RiskFixture.risk, RiskFixture.action)), {"unit_head": (404,)}),
    ("PATCH", "/api/v1/risks/{id}/actions/{action_id}", ACTION_WRITERS, b_patch_action,
     {"unit_head": (404,)}),
    ("GET", "/api/v1/soa", SOA_READERS, b_read(lambda: SOA)),
    ("GET", "/api/v1/soa/controls/{control}", SOA_READERS,
     b_read(lambda: f"{SOA}/controls/A.5.15")),
    ("PUT", "/api/v1/soa/controls/{control}", P_IOD, b_put_control),
    ("POST", "/api/v1/soa/transitions", P_IOD, b_soa_transition),
    ("GET", "/api/v1/soa/versions/{version}", SOA_READERS,
     b_read(lambda: f"{SOA}/versions/{RiskFixture.soa_version}")),
]
