"""Helpers of the risk register and the Statement of Applicability tests (issue 13), shared by
test_risks.py, test_soa.py, the role matrix and the table-driven checks."""

import datetime

from .client import (EMPLOYEE_SUB, OWNER_SUB, api, ensure_user, expect, get_etag, iod, owner,
                     plenipotentiary, president, psql, role_token, uniq)

RISKS = "/api/v1/risks"
RISK_MATRIX = "/api/v1/risk-matrix"
SOA = "/api/v1/soa"
MAP = f"{RISKS}/map"
WORKLIST = f"{RISKS}/worklist"
RISK_FIELDS = ("id", "number", "kind", "title", "description", "area", "process_ids",
               "objective_ids", "org_unit_ids", "assets", "owner", "status", "status_reason",
               "assessment", "treatment", "acceptance", "review_due", "last_reviewed_at",
               "review_overdue", "actions", "reviews", "worklist", "closed_at", "created_at",
               "updated_at")
DEFAULT_BANDS = [{"band": "low", "up_to": 4, "colour": "#2E7D32"},
                 {"band": "medium", "up_to": 9, "colour": "#F9A825"},
                 {"band": "high", "up_to": 16, "colour": "#EF6C00"},
                 {"band": "critical", "up_to": 25, "colour": "#C62828"}]


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def day(delta):
    return (today() + datetime.timedelta(days=delta)).isoformat()


def risk_path(r):
    return f"{RISKS}/{r['id'] if isinstance(r, dict) else r}"


def risk_body(**fields):
    body = {"kind": "risk", "title": f"Ryzyko {uniq('')}", "area": "process",
            "description": "Przyczyna, zdarzenie, skutek", "owner": OWNER_SUB}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


def create_risk(token=None, org="krakow", **fields):
    if "owner" not in fields and org == "krakow":
        ensure_user(owner())
    return expect(api("POST", RISKS, token or plenipotentiary(org), risk_body(**fields)), 201)


def assess(r, il, ii, rl, ri, token=None, **extra):
    body = {"inherent_likelihood": il, "inherent_impact": ii, "residual_likelihood": rl,
            "residual_impact": ri}
    body.update(extra)
    return api("POST", f"{risk_path(r)}/assessments", token or plenipotentiary(), body)


def assessed_risk(il=4, ii=4, rl=2, ri=2, **fields):
    """A fresh risk assessed by the plenipotentiary (default residual level 4: within the
    default appetite of 6)."""
    r = create_risk(**fields)
    expect(assess(r, il, ii, rl, ri), 201)
    return get_risk(r)


def get_risk(r, token=None):
    return expect(api("GET", risk_path(r), token or plenipotentiary()), 200)


def accept(r, token=None, expires_on=None, justification="Koszt ograniczenia przewyższa skutek"):
    return api("POST", f"{risk_path(r)}/acceptance", token or plenipotentiary(),
               {"justification": justification, "expires_on": expires_on or day(180)})


def add_risk_action(r, token=None, **fields):
    body = {"description": f"Działanie {uniq('')}", "responsible": EMPLOYEE_SUB,
            "due_date": day(30)}
    body.update(fields)
    return expect(api("POST", f"{risk_path(r)}/actions", token or plenipotentiary(), body), 201)


def risk_action_path(r, a):
    return f"{risk_path(r)}/actions/{a['id']}"


def matrix_body(nl=5, ni=5, bands=None, appetite=6):
    return {"likelihood": [{"name": f"P{i}", "description": f"prawdopodobieństwo {i}"}
                           for i in range(1, nl + 1)],
            "impact": [{"name": f"S{i}"} for i in range(1, ni + 1)],
            "bands": bands or DEFAULT_BANDS, "appetite": appetite}


def put_matrix(body=None, token=None, headers=None):
    return api("PUT", RISK_MATRIX, token or plenipotentiary(), body or matrix_body(),
               headers=headers)


def restore_default_matrix():
    """Makes the current matrix the default 5 x 5 again (a new version)."""
    expect(put_matrix(matrix_body()), 200)


def sql(statement):
    cp = psql(statement)
    if cp.returncode != 0:
        raise AssertionError(f"psql failed: {cp.stderr}\nSQL: {statement}")
    return cp.stdout


# ---- the Statement of Applicability

def soa_entry(**fields):
    body = {"applicable": True, "justification": "Wymagane przez analizę ryzyka",
            "implementation": "partial"}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not ...}


def put_control(control, token=None, **fields):
    return api("PUT", f"{SOA}/controls/{control}", token or plenipotentiary(), soa_entry(**fields))


def soa_reset(org="krakow"):
    """The organisation's SoA back to a draft (what a previous test left submitted or
    approved), numbered after its last approved version."""
    sql(f"INSERT INTO soa_states (org_id) SELECT id FROM organisations WHERE code = '{org}' "
        "ON CONFLICT (org_id) DO NOTHING; "
        "UPDATE soa_states s SET status = 'draft', version = greatest(s.version, coalesce(("
        "SELECT max(v.version) + 1 FROM soa_versions v WHERE v.org_id = s.org_id), 1)) "
        f"WHERE s.org_id = (SELECT id FROM organisations WHERE code = '{org}')")


def soa_decide_all(org="krakow"):
    """Every control of the organisation decided (through SQL: 93 API calls per use would
    dominate the suite), the ones already decided left as they are."""
    doc = expect(api("GET", SOA, plenipotentiary(org)), 200)
    ids = [c["control"] for c in doc["controls"]]
    values = ", ".join(f"('{c}')" for c in ids)
    sql("INSERT INTO soa_entries (org_id, control, applicable, justification, implementation, "
        "updated_by) SELECT o.id, v.c, true, 'Uzasadnienie z analizy ryzyka', 'implemented', "
        f"'test' FROM organisations o, (VALUES {values}) AS v(c) WHERE o.code = '{org}' "
        "ON CONFLICT DO NOTHING")


def soa_transition(to, token=None, **extra):
    body = {"to": to}
    body.update(extra)
    return api("POST", f"{SOA}/transitions", token or plenipotentiary(), body)


def approved_soa_version():
    """Decides every control, submits and approves: the number of the approved version."""
    soa_reset()
    soa_decide_all()
    expect(soa_transition("submitted"), 200)
    doc = expect(soa_transition("approved", president()), 200)
    return doc["approved_versions"][-1]["version"]
