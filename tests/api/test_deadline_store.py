"""Stored deadlines (docs/design-incidents.md, "Stored deadlines"; migration 0032): the rows of
incident_deadlines, written by SQL when an incident's inputs change and when the deadline
rules change, always say what the on-read computation (zsz_incident_deadlines, what the record
renders) says, across creates, patches, transitions and rule edits; and the worklist, which
reads them, lists the same incidents the records' deadlines put there.

Tests that change the rules put them back (client.rules_set)."""

from .client import (INCIDENTS, ApiTest, ago, create_breach, create_incident, default_breach,
                     get_incident, hours_after, iod, list_all, move_incident, parse_ts,
                     patch_incident, psql_value, rules_set)

# Each (incident, rule) where the stored row and the on-read computation disagree, as text:
# a rule that applies has its row with the same due_at, met_at and state; a rule that does
# not apply has none.
MISMATCHES = """
SELECT coalesce(string_agg(i.id || '/' || (x->>'rule') || ': ' || x::text || ' <> '
                           || coalesce(row(d.due_at, d.met_at)::text, 'no row'), '; '), '')
FROM incidents i
CROSS JOIN LATERAL jsonb_array_elements(zsz_incident_deadlines(i)) AS x
LEFT JOIN incident_deadlines d ON d.org_id = i.org_id AND d.incident_id = i.id AND d.rule = x->>'rule'
WHERE (x->>'due_at')::timestamptz IS DISTINCT FROM date_trunc('second', d.due_at)
   OR (x->>'met_at')::timestamptz IS DISTINCT FROM date_trunc('second', d.met_at)
   OR x->>'state' IS DISTINCT FROM CASE WHEN d.rule IS NULL THEN 'not_applicable'
                                        WHEN d.met_at <= d.due_at THEN 'met'
                                        WHEN d.met_at IS NOT NULL OR now() > d.due_at THEN 'missed'
                                        ELSE 'pending' END;
"""
# Stored rows of no incident or of a rule that does not apply.
STRAYS = """
SELECT count(*) FROM incident_deadlines d
LEFT JOIN incidents i ON i.org_id = d.org_id AND i.id = d.incident_id
WHERE i.id IS NULL OR NOT EXISTS (
  SELECT 1 FROM jsonb_array_elements(zsz_incident_deadlines(i)) AS x
  WHERE x->>'rule' = d.rule AND x->>'state' <> 'not_applicable');
"""


def stored_due(inc, rule):
    return psql_value(
        "SELECT coalesce((SELECT to_char(due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') "
        f"FROM incident_deadlines WHERE incident_id = {int(inc['id'])} AND rule = '{rule}'), 'null');")


def record_due(inc, rule):
    d = next(d for d in get_incident(inc)["deadlines"] if d["rule"] == rule)
    return "null" if d["due_at"] is None else parse_ts(d["due_at"]).strftime("%Y-%m-%dT%H:%M:%S")


class StoredDeadlinesTest(ApiTest):
    @classmethod
    def setUpClass(cls):
        aware = ago(hours=5)
        cls.risk = create_breach(detected_at=hours_after(aware, -1),
                                 breach=default_breach(aware_at=aware, risk_level="risk"))
        cls.high = create_breach(detected_at=hours_after(aware, -1),
                                 breach=default_breach(aware_at=aware, risk_level="high"))
        cls.cyber = create_incident(iod(), type="cyber", detected_at=ago(hours=3))
        cls.plain = create_incident()
        cls.lublin = create_breach(org="lublin")

    def assertStoredAgree(self, when):
        self.assertEqual(psql_value(MISMATCHES), "", f"stored deadlines disagree {when}")
        self.assertEqual(psql_value(STRAYS), "0", f"rows of rules that do not apply {when}")

    def test_stored_after_creates(self):
        self.assertStoredAgree("after creates")
        self.assertNotEqual(stored_due(self.risk, "uodo"), "null")
        self.assertEqual(stored_due(self.plain, "uodo"), "null")
        self.assertEqual(stored_due(self.cyber, "csirt"), record_due(self.cyber, "csirt"))

    def test_rule_edits_move_the_stored_due_dates(self):
        before = stored_due(self.high, "subjects")
        with rules_set(uodo=5, csirt=2, subjects=100):
            self.assertStoredAgree("after a rule edit")
            self.assertEqual(stored_due(self.risk, "uodo"), record_due(self.risk, "uodo"))
            self.assertEqual(stored_due(self.cyber, "csirt"), record_due(self.cyber, "csirt"))
            self.assertNotEqual(stored_due(self.high, "subjects"), before, "100 h, not 72 h")
            self.assertEqual(stored_due(self.high, "subjects"), record_due(self.high, "subjects"))
            with rules_set(org="lublin", uodo=1):
                self.assertStoredAgree("after another hall's rule edit")
        self.assertStoredAgree("after the rules are put back")
        self.assertEqual(stored_due(self.high, "subjects"), before)

    def test_patches_and_transitions_follow(self):
        inc = create_breach(breach=default_breach(risk_level="none"))
        self.assertEqual(stored_due(inc, "uodo"), "null", "risk none: no uodo deadline")
        patch_incident(inc, {"breach": {"risk_level": "high"}})
        self.assertStoredAgree("after a patch raised the risk")
        self.assertNotEqual(stored_due(inc, "subjects"), "null")
        patch_incident(inc, {"breach": {"uodo_notified_at": ago(minutes=5),
                                        "subjects_exemption": "encrypted",
                                        "subjects_exemption_justification": "Szyfrowanie AES."}})
        self.assertStoredAgree("after a notification and an exemption")
        self.assertEqual(stored_due(inc, "subjects"), "null", "exempted")
        with rules_set(uodo=1):
            self.assertStoredAgree("notified in time under 72 h, late under 1 h")
        cyber = create_incident(iod(), type="cyber", detected_at=ago(hours=1))
        move_incident(cyber, "triage", "dismissed")
        self.assertEqual(stored_due(cyber, "csirt"), "null", "dismissed: no deadlines")
        self.assertStoredAgree("after a dismissal")

    def test_worklist_lists_what_the_records_say(self):
        """Every incident the records put in a state is in that state's worklist, once."""
        with rules_set(uodo=4):
            for state in ("pending", "missed", "met", "not_applicable"):
                with self.subTest(state=state):
                    items = list_all(INCIDENTS, iod(), deadline_state=state, limit=100)
                    ids = [i["id"] for i in items]
                    self.assertEqual(len(ids), len(set(ids)), "each incident once")
                    everything = list_all(INCIDENTS, iod(), limit=100)
                    expected = {i["id"] for i in everything
                                if any(d["state"] == state for d in i["deadlines"])}
                    self.assertEqual(set(ids), expected)
